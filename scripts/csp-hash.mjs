// Trunk post-build hook: Trunk writes an inline <script type="module"> that loads the wasm. The
// page's Content-Security-Policy allows scripts from 'self' only, so add that one inline script's
// sha256 hash to script-src. Runs on the staged index.html (TRUNK_STAGING_DIR).
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.env.TRUNK_STAGING_DIR ?? process.argv[2] ?? "dist";
const file = join(dir, "index.html");
let html = readFileSync(file, "utf8");
const hashes = [...html.matchAll(/<script type="?module"?[^>]*>([\s\S]*?)<\/script>/g)].map(
  (match) => `'sha256-${createHash("sha256").update(match[1], "utf8").digest("base64")}'`,
);
if (hashes.length === 0) {
  console.error("csp-hash: no inline module script found in " + file);
  process.exit(1);
}
const before = html;
html = html.replace(/script-src 'self'/, `script-src 'self' ${hashes.join(" ")}`);
if (html === before) {
  console.error("csp-hash: no \"script-src 'self'\" in the Content-Security-Policy of " + file);
  process.exit(1);
}
writeFileSync(file, html);
console.log(`csp-hash: allowed ${hashes.length} inline script(s) in ${file}`);
