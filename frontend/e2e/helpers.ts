import AxeBuilder from '@axe-core/playwright';
import { expect, type APIRequestContext, type Browser, type BrowserContextOptions, type Page, type TestInfo } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

export const PASSWORD = 'correct-horse-42';

export function uniqueName(prefix: string) {
  return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`.slice(0, 30);
}

export interface Account {
  id: string;
  username: string;
  email: string;
  accessToken: string;
  refreshToken: string;
  session: unknown;
}

/** A fresh user through the API (the UI sign-up has its own test). */
export async function register(request: APIRequestContext, prefix = 'e2e'): Promise<Account> {
  const username = uniqueName(prefix);
  const email = `${username}@example.com`.toLowerCase();
  const res = await request.post('/users/register', { data: { username, email, password: PASSWORD } });
  expect(res.status(), await res.text()).toBe(201);
  const body = await res.json();
  return { id: body.user.id, username, email, accessToken: body.accessToken, refreshToken: body.refreshToken, session: body };
}

/** Signs `page` in as `a` through the login form. */
export async function signIn(page: Page, a: Account) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(a.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Home' })).toBeVisible();
}

/** No serious or critical axe violations on the page as it is now, without its animations (a
 *  post still sliding in is part transparent, and axe would judge its contrast so). */
export async function checkA11y(page: Page, what: string) {
  // With reduced motion the app animates nothing (tokens.css), so nothing renders mid-fade.
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.evaluate(() => Promise.all(document.getAnimations().filter((a) => a.effect?.getTiming().iterations !== Infinity).map((a) => a.finished)));
  const results = await new AxeBuilder({ page }).analyze();
  await page.emulateMedia({ reducedMotion: null });
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${what}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`)).toEqual([]);
}

/** A screenshot of a main page, kept under test-results/screenshots/. */
export async function shot(page: Page, info: TestInfo, name: string) {
  mkdirSync('test-results/screenshots', { recursive: true });
  const path = `test-results/screenshots/${info.project.name}-${name}.png`;
  await page.screenshot({ path, fullPage: false });
  await info.attach(name, { path, contentType: 'image/png' });
}

function crc32(buf: Buffer) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A real PNG of w×h pixels (the media service checks magic bytes and reads dimensions). */
export function png(w = 64, h = 48): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set([x * 4, y * 5, 180], y * (w * 3 + 1) + 1 + x * 3);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** A small real PDF. */
export function pdf(): Buffer {
  return Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');
}

/** Two people, each signed in in a browser context of their own (as two browsers would be). */
export async function twoSignedIn(browser: Browser, request: APIRequestContext, info: TestInfo, prefixes: [string, string], options: BrowserContextOptions = {}) {
  const accounts = [await register(request, prefixes[0]), await register(request, prefixes[1])];
  const contexts = [await browser.newContext({ ...info.project.use, ...options }), await browser.newContext({ ...info.project.use, ...options })];
  const pages = [await contexts[0].newPage(), await contexts[1].newPage()];
  await signIn(pages[0], accounts[0]);
  await signIn(pages[1], accounts[1]);
  return { accounts, contexts, pages, close: () => Promise.all(contexts.map((c) => c.close())) };
}
