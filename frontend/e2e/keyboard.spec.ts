import { expect, test } from '@playwright/test';
import { checkA11y, PASSWORD, register } from './helpers';

test('keyboard only: sign in, move through the timeline with j/k, like with Enter', async ({ page, request }) => {
  const me = await register(request, 'kb');
  for (const i of [1, 2, 3]) {
    await request.post('/posts', { data: { content: `Keyboard post ${i}` }, headers: { authorization: `Bearer ${me.accessToken}` } });
  }
  await page.goto('/login');
  await page.keyboard.press('Tab'); // the skip link comes first
  await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
  await page.getByLabel('Email').focus();
  await page.keyboard.type(me.email);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Home' })).toBeVisible();
  await expect(page.getByRole('article')).toHaveCount(3);

  await page.getByRole('heading', { name: 'Home' }).click(); // focus out of the composer
  await page.keyboard.press('j');
  await expect(page.getByRole('article').nth(0)).toBeFocused();
  await page.keyboard.press('j');
  await expect(page.getByRole('article').nth(1)).toBeFocused();
  await page.keyboard.press('k');
  const first = page.getByRole('article').nth(0);
  await expect(first).toBeFocused();
  await expect(first).toContainText('Keyboard post 3');
  await first.getByRole('button', { name: /^Like/ }).focus();
  await page.keyboard.press('Enter');
  await expect(first.getByRole('button', { name: /^Unlike \(1 like\)/ })).toBeVisible();
});

test('dark theme (the system setting) has no serious accessibility problems either', async ({ browser, request }, info) => {
  const ctx = await browser.newContext({ ...info.project.use, colorScheme: 'dark' });
  const page = await ctx.newPage();
  await page.goto('/');
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(bg).toBe('rgb(15, 20, 25)');
  await checkA11y(page, 'home (dark)');
  const me = await register(request);
  await page.goto('/login');
  await page.getByLabel('Email').fill(me.email);
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await checkA11y(page, 'login error (dark)');
  await page.goto('/market');
  await checkA11y(page, 'market (dark)');
  await ctx.close();
});
