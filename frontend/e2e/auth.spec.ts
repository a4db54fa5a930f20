import { expect, test } from '@playwright/test';
import { checkA11y, PASSWORD, register, shot, signIn, uniqueName } from './helpers';

test('sign up, then a taken username keeps what was typed @phone', async ({ page, request }, info) => {
  await page.goto('/');
  await checkA11y(page, 'home (signed out)');
  await shot(page, info, 'home-signed-out');
  await page.getByRole('link', { name: 'Create an account' }).first().click();
  const username = uniqueName('signup');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email').fill(`${username}@example.com`);
  await page.getByLabel('Password').fill(PASSWORD);
  await checkA11y(page, 'sign up');
  await shot(page, info, 'signup');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Home' })).toBeVisible();
  await expect(page.getByText('Your home timeline is empty')).toBeVisible();

  // Someone else takes a username: the form says so next to the field, and nothing is lost.
  const other = await register(request, 'taken');
  await page.evaluate(() => localStorage.clear());
  await page.goto('/signup');
  await page.getByLabel('Username').fill(other.username);
  await page.getByLabel('Email').fill(`x${other.email}`);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText('That username is taken')).toBeVisible();
  await expect(page.getByLabel('Username')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Email')).toHaveValue(`x${other.email}`);
  await expect(page.getByLabel('Password')).toHaveValue(PASSWORD);
});

test('a wrong password says so and keeps the email; the right one signs in @phone', async ({ page, request }, info) => {
  const a = await register(request);
  await page.goto('/login');
  await page.getByLabel('Email').fill(a.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('do not match');
  await expect(page.getByLabel('Email')).toHaveValue(a.email);
  await checkA11y(page, 'login with an error');
  await shot(page, info, 'login');
  await signIn(page, a);
  await checkA11y(page, 'home');
  await shot(page, info, 'home');
});
