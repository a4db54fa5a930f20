import { expect, test } from '@playwright/test';
import { checkA11y, shot, twoSignedIn } from './helpers';

test('two browsers chat: typing, messages, read receipts, unread counts, a lost connection @phone', async ({ browser, request }, info) => {
  const two = await twoSignedIn(browser, request, info, ['cam', 'dee']);
  const [cam, dee] = two.accounts;
  const [c, d] = two.pages;
  const ctxC = two.contexts[0];

  // Cam opens a conversation from Dee's profile.
  await c.goto(`/u/${dee.id}`);
  await c.getByRole('button', { name: 'Message' }).click();
  await expect(c).toHaveURL(/\/messages\/[0-9a-f-]+$/);
  const conversation = c.url().split('/').pop()!;
  await expect(c.getByText('No messages yet. Say hello.')).toBeVisible();

  // Dee sees an unread badge arrive live, without a reload.
  await c.getByLabel('Message', { exact: true }).fill('Hi Dee! Are you coming tonight?');
  await c.getByRole('button', { name: 'Send' }).click();
  await expect(c.getByRole('log', { name: 'Messages' }).getByText('Hi Dee! Are you coming tonight?')).toBeVisible();
  await expect(c.getByText('Sending…')).toHaveCount(0);
  await expect(d.getByRole('link', { name: /Messages/ }).first()).toContainText('1');
  await d.getByRole('link', { name: /Messages/ }).first().click();
  await expect(d.getByRole('link', { name: new RegExp(cam.username) })).toContainText('Hi Dee!');
  await checkA11y(d, 'messages');
  await shot(d, info, 'messages');
  await d.getByRole('link', { name: new RegExp(cam.username) }).click();
  await expect(d.getByRole('log', { name: 'Messages' }).getByText('Hi Dee! Are you coming tonight?')).toBeVisible();

  // Dee read it: Cam sees the receipt; Dee's badge is gone.
  await expect(c.getByText(`Seen by ${dee.username}`)).toBeVisible();
  await expect(d.getByRole('link', { name: /Messages/ }).first().locator('.badge')).toHaveCount(0);

  // Dee types: Cam sees it.
  await d.getByLabel('Message', { exact: true }).pressSequentially('Yes, I');
  await expect(c.getByText(`${dee.username} is typing…`)).toBeVisible();
  await d.getByLabel('Message', { exact: true }).pressSequentially(' will be there');
  await d.getByLabel('Message', { exact: true }).press('Enter');
  await expect(c.getByRole('log', { name: 'Messages' }).getByText('Yes, I will be there')).toBeVisible();
  await checkA11y(c, 'conversation');
  await shot(c, info, 'conversation');

  // Cam loses the network: what he writes is kept and sent when it is back; nothing is lost.
  await ctxC.setOffline(true);
  await c.evaluate(() => window.dispatchEvent(new Event('offline')));
  await expect(c.getByText(/You are offline/)).toBeVisible();
  await c.getByLabel('Message', { exact: true }).fill('Sent while offline');
  await c.getByRole('button', { name: 'Send' }).click();
  await expect(c.getByText('Sending…')).toBeVisible();
  await ctxC.setOffline(false);
  await c.evaluate(() => window.dispatchEvent(new Event('online')));
  await expect(d.getByRole('log', { name: 'Messages' }).getByText('Sent while offline')).toBeVisible({ timeout: 30_000 });
  await expect(c.getByText('Sending…')).toHaveCount(0, { timeout: 30_000 });

  // While Cam's socket is down, Dee writes; after the reconnect Cam catches up from history.
  await c.evaluate(() => (window as unknown as { __realtime?: { drop(): void } }).__realtime?.drop());
  await d.getByLabel('Message', { exact: true }).fill('Did you get this one?');
  await d.getByLabel('Message', { exact: true }).press('Enter');
  await expect(c.getByRole('log', { name: 'Messages' }).getByText('Did you get this one?')).toBeVisible({ timeout: 30_000 });
  expect(conversation).toMatch(/[0-9a-f-]{36}/);
  await two.close();
});
