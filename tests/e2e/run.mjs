// End-to-end tests of the built page (dist/) in headless Chromium.
// Usage: node tests/e2e/run.mjs   (after `trunk build --release`; scripts/test.sh does both)
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ARTIFACTS, assert, assertEqual, launchBrowser, runTests, serveDist } from "./harness.mjs";

const SERVICES = ["gateway", "auth", "orders", "database"];
const DURATION = /^-?\d+(\.\d+)? (ns|µs|ms|s)$|min/;

/** The CLI's fingerprint for a built-in and seed: the page must show the same one. */
function cliFingerprint(seed) {
  const out = execFileSync("cargo", ["run", "--quiet", "-p", "reqflow-cli", "--", "run", "--seed", String(seed)], {
    encoding: "utf8",
  });
  return /fingerprint ([0-9a-f]{16})/.exec(out)[1];
}

async function waitForTrace(page, url) {
  await page.goto(url);
  await page.waitForSelector(".waterfall .row");
}

async function rowsByService(page) {
  return page.$$eval(".waterfall .row", (rows) =>
    rows.map((row) => ({
      service: row.dataset.service,
      visible: row.getBoundingClientRect().height > 0,
      duration: row.querySelector(".duration")?.textContent ?? "",
      barWidth: row.querySelector(".bar")?.getBoundingClientRect().width ?? 0,
    })),
  );
}

const tests = [
  {
    name: "default waterfall shows the four services with durations",
    fn: async (page, { url }) => {
      await waitForTrace(page, url);
      const rows = await rowsByService(page);
      for (const service of SERVICES) {
        const row = rows.find((candidate) => candidate.service === service);
        assert(row, `a row for ${service}`);
        assert(row.visible, `${service}'s row is visible`);
        assert(DURATION.test(row.duration), `${service}'s duration label looks like a duration: ${row.duration}`);
        assert(row.barWidth >= 1, `${service}'s bar is drawn`);
      }
      await page.screenshot({ path: join(ARTIFACTS, "default-waterfall.png"), fullPage: true });
    },
  },
  {
    name: "page and CLI agree on the trace (native vs wasm32 fingerprint)",
    fn: async (page, { url }) => {
      await waitForTrace(page, url);
      const seed = await page.textContent(".seed");
      const fingerprint = await page.textContent(".fingerprint");
      assertEqual(fingerprint, cliFingerprint(seed), `fingerprint for try-it seed ${seed}`);
    },
  },
  {
    name: "Send request re-runs with a new seed and a new trace",
    fn: async (page, { url }) => {
      await waitForTrace(page, url);
      const before = {
        seed: await page.textContent(".seed"),
        fingerprint: await page.textContent(".fingerprint"),
        total: await page.textContent(".summary .total"),
      };
      await page.getByRole("button", { name: "Send request" }).click();
      await page.waitForFunction((seed) => document.querySelector(".seed")?.textContent !== seed, before.seed);
      const after = {
        seed: await page.textContent(".seed"),
        fingerprint: await page.textContent(".fingerprint"),
        total: await page.textContent(".summary .total"),
      };
      assert(after.fingerprint !== before.fingerprint, "the trace changed");
      const rows = await rowsByService(page);
      for (const service of SERVICES) assert(rows.some((row) => row.service === service), `${service} still shown`);
      assertEqual(after.fingerprint, cliFingerprint(after.seed), `fingerprint after Send request (seed ${after.seed})`);
      await page.screenshot({ path: join(ARTIFACTS, "after-send-request.png"), fullPage: true });
    },
  },
];

const server = await serveDist(process.argv[2] ?? "dist");
const browser = await launchBrowser();
const failures = await runTests(tests, { url: server.url, browser });
await browser.close();
server.close();
console.log(`e2e: ${tests.length - failures} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
