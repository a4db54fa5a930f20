import { expect, test } from '@playwright/test';
import { checkA11y, PASSWORD, register, shot, signIn } from './helpers';

test('every other page: loads, has no serious accessibility problems, and is kept as a screenshot @phone', async ({ page, request }, info) => {
  const me = await register(request);
  await signIn(page, me);
  const pages: [string, string | RegExp][] = [
    ['/explore', 'Explore'],
    ['/market', 'Marketplace'],
    ['/market/orders', 'Your orders'],
    ['/activity', 'Notifications'],
    ['/messages', 'Messages'],
    ['/settings', 'Settings'],
    ['/compose', 'New post'],
    [`/u/${me.id}/followers`, me.username],
    ['/no/such/page', 'Page not found'],
  ];
  for (const [path, heading] of pages) {
    await page.goto(path);
    await expect(page.getByRole('main').getByRole('heading', { name: heading, exact: typeof heading === 'string' })).toBeVisible();
    await expect(page.getByRole('status').filter({ hasText: /^Loading/ })).toHaveCount(0);
    await checkA11y(page, path);
    await shot(page, info, path.startsWith('/u/') ? 'followers' : path.replace(/[^a-z]+/g, '-').replace(/^-|-$/g, ''));
  }
});

test('edit the profile and the avatar', async ({ page, request }) => {
  const me = await register(request);
  await signIn(page, me);
  await page.goto('/settings');
  await page.getByLabel('Display name').fill('Dana Scully');
  await page.getByLabel('Bio').fill('I want to believe the tests.');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Profile saved.')).toBeVisible();
  const { png } = await import('./helpers');
  await page.getByLabel('Choose a new avatar').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png(128, 128) });
  await expect(page.getByText('Avatar updated.')).toBeVisible({ timeout: 30_000 });
  await page.goto(`/u/${me.id}`);
  await expect(page.getByRole('heading', { name: 'Dana Scully' })).toBeVisible();
  await expect(page.getByText('I want to believe the tests.')).toBeVisible();
  // A display name over 50 characters: the server's error next to the field, the text kept.
  await page.goto('/settings');
  const long = 'x'.repeat(60);
  await page.getByLabel('Display name').fill(long);
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByLabel('Display name')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Display name')).toHaveValue(long);
});

test('an expired session asks to sign in again over the page, keeping what was typed', async ({ page, request }) => {
  const me = await register(request);
  await signIn(page, me);
  await page.goto(`/u/${me.id}`);
  await page.goto('/');
  const box = page.getByRole('combobox', { name: 'What is happening?' });
  await box.fill('A thought I do not want to lose');
  // The session ends elsewhere: the access token is stale and the refresh token revoked.
  await page.evaluate(async () => {
    const s = JSON.parse(localStorage.getItem('cs.session')!);
    await fetch('/auth/logout', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refreshToken: s.refreshToken }) });
  });
  await page.evaluate(() => {
    const s = JSON.parse(localStorage.getItem('cs.session')!);
    s.expiresAt = Date.now() - 1000;
    localStorage.setItem('cs.session', JSON.stringify(s));
    window.dispatchEvent(new StorageEvent('storage', { key: 'cs.session' }));
  });
  // The next request that needs a token finds out (maybe a background one, before this click).
  const dialog = page.getByRole('dialog', { name: 'Your session has ended' });
  await page.getByRole('button', { name: 'Post', exact: true }).click({ timeout: 3000 }).catch(() => {});
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('Password').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await expect(dialog).toBeHidden();
  await expect(box).toHaveValue('A thought I do not want to lose');
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  const mine = page.getByRole('article').filter({ hasText: 'A thought I do not want to lose' });
  await expect(mine).toBeVisible();
  page.once('dialog', (d) => void d.accept());
  await mine.getByRole('button', { name: 'Delete' }).click();
  await expect(page.getByText('Post deleted.')).toBeVisible();
  await expect(mine).toHaveCount(0);
});

test('search from one box, with highlights', async ({ page, request }, info) => {
  const me = await register(request, 'srch');
  await request.post('/posts', { data: { content: 'Kayaking the fjords at dawn' }, headers: { authorization: `Bearer ${me.accessToken}` } });
  await signIn(page, me);
  await page.getByRole('searchbox', { name: 'Search ConnectSphere' }).fill('fjords');
  await page.getByRole('searchbox', { name: 'Search ConnectSphere' }).press('Enter');
  await expect(page.locator('mark', { hasText: /fjords/i }).first()).toBeVisible({ timeout: 20_000 });
  await checkA11y(page, 'search');
  await shot(page, info, 'search');
});
