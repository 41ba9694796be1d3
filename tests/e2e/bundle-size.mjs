// Prints the initial download of the built page (wasm + js + css, raw and gzip) and fails above
// the budget. Usage: node tests/e2e/bundle-size.mjs [dist]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_GZIP_BYTES = 350 * 1024;
const dir = process.argv[2] ?? "dist";
let raw = 0;
let gzip = 0;
for (const name of readdirSync(dir)) {
  if (!/\.(wasm|js|css)$/.test(name)) continue;
  const bytes = readFileSync(join(dir, name));
  const packed = gzipSync(bytes, { level: 9 }).length;
  raw += bytes.length;
  gzip += packed;
  console.log(`  ${name}: ${(bytes.length / 1024).toFixed(1)} KiB raw, ${(packed / 1024).toFixed(1)} KiB gzip`);
}
const verdict = gzip <= BUDGET_GZIP_BYTES ? "within" : "OVER";
console.log(
  `bundle: ${(raw / 1024).toFixed(1)} KiB raw, ${(gzip / 1024).toFixed(1)} KiB gzip ` +
    `(${verdict} the ${BUDGET_GZIP_BYTES / 1024} KiB gzip budget)`,
);
if (raw === 0) {
  console.error(`no wasm/js/css found in ${dir}: build first`);
  process.exit(1);
}
process.exit(gzip <= BUDGET_GZIP_BYTES ? 0 : 1);
