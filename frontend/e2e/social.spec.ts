import { expect, test } from '@playwright/test';
import { checkA11y, png, register, shot, signIn, twoSignedIn } from './helpers';

test('post with an image, follow and see it, like and comment, a live notification @phone', async ({ browser, request }, info) => {
  const two = await twoSignedIn(browser, request, info, ['ana', 'ben']);
  const [ana, ben] = two.accounts;
  const [a, b] = two.pages;

  // Ana writes a post with an image: a preview, a progress bar, then the post.
  const content = `Sunrise over the bay ${Date.now()}`;
  await a.getByRole('combobox', { name: 'What is happening?' }).fill(content);
  await a.getByLabel('Add image').setInputFiles({ name: 'bay.png', mimeType: 'image/png', buffer: png(320, 200) });
  await expect(a.getByAltText('Preview of the attached image')).toBeVisible();
  await a.getByRole('button', { name: 'Post', exact: true }).click();
  await expect(a.getByText(/Uploading image… \d+%/)).toBeVisible();
  await expect(a.getByText('Your post is live.')).toBeVisible({ timeout: 30_000 });
  const post = a.getByRole('article').filter({ hasText: content });
  await expect(post.getByRole('img', { name: `Image attached by ${ana.username}` })).toBeVisible();

  // Ben finds Ana's profile and follows her; her post is in his home timeline.
  await b.goto(`/u/${ana.id}`);
  await expect(b.getByRole('heading', { name: ana.username })).toBeVisible();
  await checkA11y(b, 'profile');
  await shot(b, info, 'profile');
  await b.getByRole('button', { name: 'Follow' }).click();
  await expect(b.getByRole('button', { name: 'Following' })).toHaveAttribute('aria-pressed', 'true');
  // Following copies her recent posts into his timeline in the background (an event): reload until then.
  const seen = b.getByRole('article').filter({ hasText: content });
  await expect(async () => {
    await b.goto('/');
    await expect(seen).toBeVisible({ timeout: 5000 });
  }).toPass({ timeout: 45_000 });
  await checkA11y(b, 'home timeline');
  await shot(b, info, 'home-timeline');

  // Ana's badge counts the follow live (no reload).
  await expect(a.getByRole('link', { name: /Notifications/ }).first()).toContainText(/[1-9]/);

  // Ben likes it (optimistic, confirmed) and comments.
  await seen.getByRole('button', { name: /^Like/ }).click();
  await expect(seen.getByRole('button', { name: /^Unlike \(1 like\)/ })).toHaveAttribute('aria-pressed', 'true');
  await seen.getByRole('link', { name: /Comments/ }).click();
  await b.getByLabel('Write a comment').fill('Beautiful light!');
  await b.getByRole('button', { name: 'Comment', exact: true }).click();
  await expect(b.getByRole('region', { name: 'Comments' }).getByText('Beautiful light!')).toBeVisible();
  await checkA11y(b, 'post page');
  await shot(b, info, 'post');

  // Ana sees the notifications, grouped and live.
  await a.getByRole('link', { name: /Notifications/ }).first().click();
  await expect(a.getByRole('link', { name: new RegExp(`${ben.username} liked your post`) })).toBeVisible();
  await expect(a.getByRole('link', { name: new RegExp(`${ben.username} commented on your post`) })).toBeVisible();
  await expect(a.getByRole('link', { name: new RegExp(`${ben.username} followed you`) })).toBeVisible();
  await checkA11y(a, 'notifications');
  await shot(a, info, 'notifications');
  await a.getByRole('button', { name: 'Mark all read' }).click();
  await expect(a.getByRole('link', { name: /Notifications/ }).first().locator('.badge')).toHaveCount(0);
  await two.close();
});

test('a wrong-type or oversized image is refused before upload and the text is kept', async ({ page, request }) => {
  const me = await register(request);
  await signIn(page, me);
  const box = page.getByRole('combobox', { name: 'What is happening?' });
  await box.fill('Look at this');
  await page.getByLabel('Add image').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await expect(page.getByRole('alert')).toContainText('notes.txt is a text/plain');
  await page.getByLabel('Add image').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(11 * 1024 * 1024) });
  await expect(page.getByRole('alert')).toContainText('larger than the 10 MB limit');
  await expect(box).toHaveValue('Look at this');
  // The draft survives a reload too.
  await page.reload();
  await expect(page.getByRole('combobox', { name: 'What is happening?' })).toHaveValue('Look at this');
});

test('a like the server refuses is rolled back with a visible error', async ({ page, request }) => {
  const me = await register(request);
  const other = await register(request);
  const res = await request.post('/posts', { data: { content: 'like me' }, headers: { authorization: `Bearer ${other.accessToken}` } });
  const post = await res.json();
  await signIn(page, me);
  await page.goto(`/p/${post.id}`);
  await page.route(`**/posts/${post.id}/like`, (route) => route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ code: 'unavailable', detail: 'down', status: 503 }) }));
  const like = page.getByRole('button', { name: /^Like/ });
  await like.click();
  await expect(page.getByText(/Could not like the post/)).toBeVisible();
  await expect(page.getByRole('button', { name: /^Like \(0 likes\)/ })).toHaveAttribute('aria-pressed', 'false');
});
