// Prints the initial download of the built page (the wasm, js and css that index.html loads,
// raw and gzip) and fails above the budget. Files the page loads later (the import/export
// worker, started once the page is idle) are listed apart and not counted.
// Usage: node tests/e2e/bundle-size.mjs [dist]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_GZIP_BYTES = 350 * 1024;
const dir = process.argv[2] ?? "dist";
const html = readFileSync(join(dir, "index.html"), "utf8");
// Every asset index.html names (href, src, or the loader script's import and init).
const named = new Set([...html.matchAll(/['"]\/?([\w.-]+\.(?:wasm|js|css))['"]/g)].map((match) => match[1]));
const kib = (bytes) => (bytes / 1024).toFixed(1);
const totals = { initial: { raw: 0, gzip: 0 }, later: { raw: 0, gzip: 0 } };
for (const name of readdirSync(dir).sort()) {
  if (!/\.(wasm|js|css)$/.test(name)) continue;
  const bytes = readFileSync(join(dir, name));
  const packed = gzipSync(bytes, { level: 9 }).length;
  const when = named.has(name) ? "initial" : "later";
  totals[when].raw += bytes.length;
  totals[when].gzip += packed;
  console.log(`  ${when === "initial" ? "        " : "(later) "}${name}: ${kib(bytes.length)} KiB raw, ${kib(packed)} KiB gzip`);
}
const { raw, gzip } = totals.initial;
const verdict = gzip <= BUDGET_GZIP_BYTES ? "within" : "OVER";
console.log(
  `bundle: ${kib(raw)} KiB raw, ${kib(gzip)} KiB gzip on first load (${verdict} the ${BUDGET_GZIP_BYTES / 1024} KiB gzip budget); ` +
    `loaded later: ${kib(totals.later.raw)} KiB raw, ${kib(totals.later.gzip)} KiB gzip`,
);
if (raw === 0 || !named.size) {
  console.error(`no wasm/js/css named by ${dir}/index.html: build first`);
  process.exit(1);
}
process.exit(gzip <= BUDGET_GZIP_BYTES ? 0 : 1);
