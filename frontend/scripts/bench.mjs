// `npm run bench` (make bench-web): the built app in Chromium on this machine, against a
// running gateway (E2E_BASE_URL, or 127.0.0.1:$GATEWAY_PORT): first contentful paint and the
// time until the timeline is interactive (the first post rendered with its Like button
// enabled), cold (a new browser context: no cache, no service worker) each run; medians.
import { chromium, request as pwRequest } from '@playwright/test';

const base = process.env.E2E_BASE_URL ?? `http://127.0.0.1:${process.env.GATEWAY_PORT ?? '3000'}`;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const api = await pwRequest.newContext({ baseURL: base });
const username = `bench_${Date.now().toString(36)}`;
const reg = await api.post('/users/register', { data: { username, email: `${username}@example.com`, password: 'bench-password-1' } });
if (reg.status() !== 201) throw new Error(`register: ${reg.status()} ${await reg.text()}`);
const session = await reg.json();
for (let i = 0; i < 25; i++) {
  await api.post('/posts', { data: { content: `Benchmark post ${i}: a line of ordinary text.` }, headers: { authorization: `Bearer ${session.accessToken}` } });
}
const stored = JSON.stringify({ user: session.user, accessToken: session.accessToken, refreshToken: session.refreshToken, expiresAt: Date.now() + session.expiresIn * 1000 });

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args });
async function run(signedIn) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await ctx.addInitScript(([s, signed]) => {
    if (signed) localStorage.setItem('cs.session', s);
    else localStorage.removeItem('cs.session');
    new MutationObserver((_, obs) => {
      const like = document.querySelector('article.post button[aria-pressed]');
      if (like && !like.disabled) {
        window.__timelineReady = performance.now();
        obs.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });
  }, [stored, signedIn]);
  const page = await ctx.newPage();
  await page.goto(base + '/', { waitUntil: 'load' });
  await page.waitForFunction(() => window.__timelineReady, null, { timeout: 30_000 });
  const r = await page.evaluate(() => ({
    fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
    ready: window.__timelineReady,
    js: performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.js')).reduce((a, e) => a + e.transferSize, 0),
  }));
  await ctx.close();
  return r;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`web app in Chromium (${base}), ${RUNS} cold loads each, medians:`);
for (const [label, signed] of [['signed out: public timeline', false], ['signed in: home timeline', true]]) {
  await run(signed); // warm the gateway, not the browser
  const rs = [];
  for (let i = 0; i < RUNS; i++) rs.push(await run(signed));
  const f = (k) => `${median(rs.map((r) => r[k])).toFixed(0)} ms`;
  console.log(`  ${label.padEnd(30)} first contentful paint ${f('fcp').padStart(7)}   timeline interactive ${f('ready').padStart(7)}   (min-max ${Math.min(...rs.map((r) => r.ready)).toFixed(0)}-${Math.max(...rs.map((r) => r.ready)).toFixed(0)} ms; JS transferred ${(median(rs.map((r) => r.js)) / 1024).toFixed(0)} KB)`);
}
await browser.close();
await api.dispose();
