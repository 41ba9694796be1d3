// End-to-end tests of the built page (dist/) in headless Chromium.
// Usage: node tests/e2e/run.mjs   (after `trunk build --release`; scripts/test.sh does both)
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { ARTIFACTS, assert, assertEqual, launchBrowser, runTests, serveDist } from "./harness.mjs";

const SERVICES = ["gateway", "auth", "orders", "database"];
const DURATION = /^-?\d+(\.\d+)? (ns|µs|ms|s)$|min/;

execFileSync("cargo", ["build", "--quiet", "-p", "reqflow-cli"], { stdio: "inherit" });
const REQFLOW = join(process.env.CARGO_TARGET_DIR ?? "target", "debug", "reqflow");

/** The native CLI's fingerprint for a built-in and seed: the page (wasm32) must show the same. */
function cliFingerprint(seed, scenario = "try-it") {
  const out = execFileSync(REQFLOW, ["run", "--builtin", scenario, "--seed", String(seed)], { encoding: "utf8" });
  return /fingerprint ([0-9a-f]{16})/.exec(out)[1];
}

const BUILTINS = execFileSync(REQFLOW, ["scenarios"], { encoding: "utf8" })
  .trim()
  .split("\n")
  .map((line) => line.split(/\s+/)[0]);

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
  {
    name: "every built-in gives the same fingerprint natively and in wasm32 (2 seeds each)",
    fn: async (page, { url }) => {
      assert(BUILTINS.length >= 10, `all built-ins listed: ${BUILTINS}`);
      for (const scenario of BUILTINS) {
        for (const seed of [3, 99]) {
          await page.goto(`${url}#scenario=${scenario}&seed=${seed}`);
          await page.reload();
          await page.waitForFunction(
            ([scenario, seed]) =>
              document.querySelector(".scenario-picker")?.value === scenario &&
              document.querySelector(".seed")?.textContent === String(seed),
            [scenario, seed],
          );
          assertEqual(await page.textContent(".fingerprint"), cliFingerprint(seed, scenario), `${scenario} seed ${seed}`);
        }
      }
    },
  },
  {
    name: "share link round trip and a hostile link falls back with a notice",
    fn: async (page, { url }) => {
      await waitForTrace(page, url);
      await page.getByRole("combobox", { name: "Scenario" }).selectOption("db-pool");
      await page.waitForFunction(() => location.hash.includes("scenario=db-pool"));
      await page.getByRole("button", { name: "Send request" }).click();
      await page.waitForFunction(() => !location.hash.endsWith("seed=1"));
      const shared = page.url();
      const fingerprint = await page.textContent(".fingerprint");
      const other = await page.context().newPage();
      await other.goto(shared);
      await other.waitForSelector(".waterfall .row");
      assertEqual(await other.textContent(".fingerprint"), fingerprint, "the link reproduces the trace");
      await other.goto(`${url}#scenario=%3Cimg%20src=x%20onerror=alert(1)%3E&seed=2`);
      await other.reload();
      await other.waitForSelector(".notice");
      assert((await other.textContent(".notice")).includes("could not be opened"), "a notice explains the fallback");
      assertEqual(await other.$$eval("img", (images) => images.length), 0, "no markup from the link is rendered");
      assertEqual(await other.inputValue(".scenario-picker"), "try-it", "default scenario shown");
      await other.screenshot({ path: join(ARTIFACTS, "hostile-link-notice.png") });
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
