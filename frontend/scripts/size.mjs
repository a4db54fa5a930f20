// `npm run size`: every built chunk's size, gzipped, and the initial JavaScript (what
// index.html loads before any page chunk) against the 200 KB budget.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET = 200 * 1024;
const dist = new URL('../dist/', import.meta.url).pathname;
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const initial = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]));
const rows = readdirSync(join(dist, 'assets'))
  .filter((f) => f.endsWith('.js') || f.endsWith('.css'))
  .map((f) => {
    const bytes = readFileSync(join(dist, 'assets', f));
    return { file: `assets/${f}`, raw: bytes.length, gz: gzipSync(bytes, { level: 9 }).length };
  })
  .sort((a, b) => b.gz - a.gz);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log('chunk'.padEnd(46), 'raw'.padStart(10), 'gzip'.padStart(10), ' loaded');
for (const r of rows) {
  const when = initial.has(r.file) ? 'initial' : r.file.endsWith('.css') ? 'initial (css)' : 'on demand';
  console.log(r.file.padEnd(46), kb(r.raw).padStart(10), kb(r.gz).padStart(10), ` ${when}`);
}
const initialJs = rows.filter((r) => initial.has(r.file)).reduce((a, r) => a + r.gz, 0);
const pages = rows.filter((r) => r.file.endsWith('.js') && !initial.has(r.file));
console.log(`\ninitial JavaScript: ${kb(initialJs)} gzipped (budget ${kb(BUDGET)}); ${pages.length} chunks load on demand, largest ${kb(Math.max(0, ...pages.map((p) => p.gz)))}`);
if (initialJs > BUDGET) {
  console.error('initial JavaScript is over budget');
  process.exit(1);
}
