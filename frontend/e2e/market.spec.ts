import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { checkA11y, pdf, png, register, shot, signIn, twoSignedIn } from './helpers';

test('list an item with its file, buy it through the sandbox checkout, download it @phone', async ({ browser, request }, info) => {
  const two = await twoSignedIn(browser, request, info, ['sam', 'kit'], { acceptDownloads: true });
  const [s, k] = two.pages;

  // Sam lists an e-book: a wrong file type first (refused before any upload), then the PDF.
  await s.goto('/market/sell');
  const title = `Field guide to tidepools ${Date.now()}`;
  await s.getByLabel('Title').fill(title);
  await s.getByLabel('Description').fill('Forty pages of rock pools, with photos.');
  await s.getByLabel('Price').fill('4.50');
  await s.getByLabel('File to sell').setInputFiles({ name: 'guide.txt', mimeType: 'text/plain', buffer: Buffer.from('plain') });
  await expect(s.getByText('guide.txt is a text/plain')).toBeVisible();
  await s.getByLabel('File to sell').setInputFiles({ name: 'guide.pdf', mimeType: 'application/pdf', buffer: pdf() });
  await s.getByLabel('Preview image (optional)').setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: png(400, 300) });
  await checkA11y(s, 'sell');
  await shot(s, info, 'sell');
  await s.getByRole('button', { name: 'List the item' }).click();
  await expect(s.getByRole('heading', { name: title })).toBeVisible({ timeout: 45_000 });
  const itemUrl = s.url();

  // Kit finds it in the marketplace and buys it.
  await k.goto('/market');
  await k.getByRole('main').getByRole('link', { name: new RegExp(title) }).click();
  await expect(k.getByRole('heading', { name: title })).toBeVisible();
  expect(k.url()).toBe(itemUrl);
  await checkA11y(k, 'item');
  await shot(k, info, 'item');
  await k.getByRole('button', { name: /Buy for/ }).click();

  // The provider's checkout page, then back to the order page, which follows the order.
  await expect(k.getByRole('heading', { name: 'Sandbox checkout' })).toBeVisible({ timeout: 30_000 });
  await k.getByRole('button', { name: 'Pay' }).click();
  await expect(k.getByRole('heading', { name: `Order: ${title}` })).toBeVisible();
  await expect(k.getByText('Status: shipped')).toBeVisible({ timeout: 45_000 });
  await checkA11y(k, 'order');
  await shot(k, info, 'order');
  const download = k.waitForEvent('download');
  await k.getByRole('button', { name: 'Download' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/\.pdf$/);
  expect(readFileSync(await file.path()).toString('latin1')).toContain('%PDF-1.4');
  await expect(k.getByText(/downloads left|Unlimited downloads/)).toBeVisible();

  // Kit's orders list it; Sam's sales too.
  await k.goto('/market/orders');
  await expect(k.getByRole('main').getByRole('link', { name: new RegExp(title) })).toBeVisible();
  await checkA11y(k, 'orders');
  await s.goto('/market/orders?role=seller');
  await s.getByRole('main').getByRole('link', { name: new RegExp(title) }).click();
  await expect(s.getByText(`Sold to @${two.accounts[1].username}`)).toBeVisible();

  // Sam refunds it: once the provider confirms, the order says so and the download is gone.
  s.once('dialog', (d) => void d.accept());
  await s.getByRole('button', { name: 'Refund' }).click();
  await expect(s.getByText('Status: refunded')).toBeVisible({ timeout: 45_000 });
  await k.getByRole('main').getByRole('link', { name: new RegExp(title) }).click();
  await expect(k.getByText('Status: refunded')).toBeVisible({ timeout: 20_000 });
  await expect(k.getByRole('button', { name: 'Download' })).toHaveCount(0);
  await two.close();
});

test('a declined payment says so and offers to try again', async ({ browser, request }, info) => {
  const [seller, buyer] = [await register(request, 'sel'), await register(request, 'buy')];
  // The seller's item through the API: upload the file (server side, no CORS) and list it.
  const auth = { authorization: `Bearer ${seller.accessToken}` };
  const up = await (await request.post('/media/uploads', { headers: auth, data: { contentType: 'application/pdf', size: pdf().length, purpose: 'item_file' } })).json();
  expect((await request.put(up.uploadUrl, { headers: { 'content-type': 'application/pdf' }, data: pdf() })).ok()).toBeTruthy();
  await expect.poll(async () => (await (await request.get(`/media/${up.mediaId}`, { headers: auth })).json()).status, { timeout: 30_000 }).toBe('ready');
  const item = await (await request.post('/items', { headers: auth, data: { title: 'Declined thing', description: 'x', price: { amount: '2.00', currency: 'EUR' }, fileMediaId: up.mediaId, status: 'active' } })).json();

  const ctx = await browser.newContext({ ...info.project.use });
  const page = await ctx.newPage();
  await signIn(page, buyer);
  await page.goto(`/market/items/${item.id}`);
  await page.getByRole('button', { name: /Buy for/ }).click();
  await expect(page.getByRole('heading', { name: 'Sandbox checkout' })).toBeVisible({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Decline the card' }).click();
  await expect(page.getByText('Status: cancelled')).toBeVisible({ timeout: 45_000 });
  await expect(page.getByRole('alert')).toContainText('The payment did not go through');
  await page.getByRole('link', { name: 'Try again from the item page' }).click();
  await expect(page.getByRole('button', { name: /Buy for/ })).toBeEnabled();
  await ctx.close();
});
