// Measures the page on a ~100,000-span trace in headless Chromium: import → laid out → first
// paint, scrolling frame times, and collapse/expand of the whole tree. Not part of the tests:
// run it with `node tests/e2e/bench-big-trace.mjs` after `trunk build --release` (see
// BENCHMARKS.md). It prints a table of figures.
//
// The trace: `reqflow run --builtin netflix-fanout --requests N --format otlp`, with every request
// hung under the first request's root so the file holds one trace of N × 255 spans.
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { launchBrowser, scrollFrameTimes, serveDist } from "./harness.mjs";

const REQUESTS = Number(process.env.REQUESTS ?? 393); // 393 × 255 ≈ 100,000 spans
const FANOUT = Number(process.env.FANOUT ?? 410); // api.fanout=410 ≈ 100,000 spans in one request
const RUNS = Number(process.env.RUNS ?? 5); // this machine is noisy: report medians
const ONLY_IMPORT = process.env.ONLY === "import"; // ONLY=import: just the import runs
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 1000); // page loaded → file picked
execFileSync("cargo", ["build", "--quiet", "--release", "-p", "reqflow-cli"], { stdio: "inherit" });
const reqflow = join(process.env.CARGO_TARGET_DIR ?? "target", "release", "reqflow");
const otlp = JSON.parse(
  execFileSync(reqflow, ["run", "--builtin", "netflix-fanout", "--seed", "1", "--requests", String(REQUESTS), "--format", "otlp"], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  }),
);
let traceId = null;
let rootId = null;
let nSpans = 0;
for (const resource of otlp.resourceSpans) {
  for (const scope of resource.scopeSpans) {
    for (const span of scope.spans) {
      nSpans += 1;
      if (!span.parentSpanId) {
        if (traceId === null) {
          traceId = span.traceId;
          rootId = span.spanId;
        } else {
          span.parentSpanId = rootId;
        }
      }
    }
  }
}
for (const resource of otlp.resourceSpans) for (const scope of resource.scopeSpans) for (const span of scope.spans) span.traceId = traceId;
const file = join(mkdtempSync(join(tmpdir(), "reqflow-bench-")), `big-trace-${nSpans}.json`);
writeFileSync(file, JSON.stringify(otlp));
const megabytes = (statSync(file).size / 1e6).toFixed(1);

const server = await serveDist(process.argv[2] ?? "dist");
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
await page.goto(server.url);
await page.waitForSelector(".waterfall .row");

// The page's own measures (web/src/timing.rs) since the last clearMeasures: phase → ms.
const phases = () =>
  page.evaluate(() => {
    const entries = performance.getEntriesByType("measure").filter((entry) => entry.name.startsWith("reqflow:"));
    performance.clearMeasures();
    return Object.fromEntries(entries.map((entry) => [entry.name.slice("reqflow:".length), entry.duration]));
  });

// A knob change timed inside the page, so playwright's own round trips are not counted: from the
// input's change event to the DOM update (`changed`: `watch`'s text differs), and to the frame
// that shows it (`painted`: a task queued from the next animation frame runs after that paint).
const changeAndTime = (page, label, value, watch) =>
  page.evaluate(
    async ({ label, value, watch }) => {
      const input = document.querySelector(`input[aria-label="${label}"]`);
      const before = document.querySelector(watch)?.textContent;
      input.value = String(value);
      const started = performance.now();
      input.dispatchEvent(new Event("change", { bubbles: true }));
      while (document.querySelector(watch)?.textContent === before) {
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      const changed = performance.now() - started;
      const painted = await new Promise((resolve) =>
        requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started), 0)),
      );
      return { changed, painted };
    },
    { label, value, watch },
  );

const runs = [];
for (let run = 0; run < RUNS; run++) {
  // A person takes seconds to pick a file; the page is given a second after loading, so the
  // import is not measured against start-up work (the browser compiling, the page's warm-up).
  // The simulated runs below get the same.
  await page.waitForTimeout(SETTLE_MS);
  await page.evaluate(() => {
    performance.clearMarks();
    performance.clearMeasures();
  });
  await page.setInputFiles('input[type="file"]', file);
  await page.waitForFunction((n) => document.querySelector(".span-count")?.dataset.count === String(n), nSpans, { timeout: 120_000 });
  // First paint after the DOM update: two animation frames.
  const paintedAt = await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame((t) => resolve(t)))));
  const marks = await page.evaluate(() =>
    Object.fromEntries(performance.getEntriesByType("mark").map((mark) => [mark.name, mark.startTime])),
  );
  runs.push({
    importToLaidOut: marks["reqflow:trace-painted"] - marks["reqflow:import-start"],
    importToPaint: paintedAt - marks["reqflow:import-start"],
    phases: await phases(),
  });
  // Load the default trace again so the next run imports from scratch.
  await page.goto(server.url);
  await page.waitForSelector(".waterfall .row");
}
const median = (values) => values.slice().sort((a, b) => a - b)[values.length >> 1];
const fmt = (ms) => `${ms.toFixed(0)} ms`;
// Where the time went, per phase (medians over the runs), from the page's own measures.
const breakdown = (label, list) => {
  const names = [...new Set(list.flatMap((run) => Object.keys(run.phases)))].filter((name) => !name.endsWith(":start"));
  const parts = names.map((name) => `${name} ${fmt(median(list.map((run) => run.phases[name] ?? 0)))}`);
  console.log(`${label}: ${parts.join(", ")}`);
};
const printImport = () => {
  console.log(`big trace: ${nSpans} spans, one trace, OTLP/JSON ${megabytes} MB (${file})`);
  console.log(`| measurement | median of ${runs.length} | runs |`);
  console.log("|---|---|---|");
  console.log(`| import → parsed, analysed, laid out (mark) | ${fmt(median(runs.map((r) => r.importToLaidOut)))} | ${runs.map((r) => fmt(r.importToLaidOut)).join(", ")} |`);
  console.log(`| import → first paint | ${fmt(median(runs.map((r) => r.importToPaint)))} | ${runs.map((r) => fmt(r.importToPaint)).join(", ")} |`);
};
if (ONLY_IMPORT) {
  await browser.close();
  server.close();
  printImport();
  breakdown("import phases (median)", runs);
  process.exit(0);
}
await page.setInputFiles('input[type="file"]', file);
await page.waitForFunction((n) => document.querySelector(".span-count")?.dataset.count === String(n), nSpans, { timeout: 120_000 });

// Scrolling: 60 steps of 900 px through the body, one per frame; frame-to-frame times.
const frameTimes = (await scrollFrameTimes(page)).sort((a, b) => a - b);
const scroll = {
  median: frameTimes[frameTimes.length >> 1],
  p95: frameTimes[Math.floor(frameTimes.length * 0.95)],
  max: frameTimes[frameTimes.length - 1],
};

// Collapse the root (hides ~100,000 rows) and expand it again, keyboard-driven.
await page.evaluate(() => document.querySelector(".waterfall .body").scrollTo(0, 0));
await page.focus(".waterfall .body");
await page.keyboard.press("Home");
await page.waitForSelector(".row.selected");
const timeKey = async (key, predicate) => {
  const started = await page.evaluate(() => performance.now());
  await page.keyboard.press(key);
  await page.waitForFunction(predicate);
  return (await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)))) - started;
};
const collapseMs = await timeKey("ArrowLeft", () => document.querySelectorAll(".waterfall .row").length === 1);
const expandMs = await timeKey("ArrowRight", () => document.querySelectorAll(".waterfall .row").length > 20);

// Simulated in the page: netflix-fanout with the API's fan-out multiplied (a knob change), from
// the change to the first paint of the new ~100,000-span trace.
const simulated = [];
for (let run = 0; run < RUNS; run++) {
  await page.goto(`${server.url}#scenario=netflix-fanout&seed=1`);
  await page.reload();
  await page.waitForSelector(".waterfall .row");
  await page.waitForTimeout(SETTLE_MS);
  const card = page.locator('.knob-card[data-service="api"]');
  await card.locator("summary").click();
  await phases();
  simulated.push({ ...(await changeAndTime(page, "api fan-out multiplier", FANOUT, ".span-count")), phases: await phases() });
}
const simulatedSpans = await page.getAttribute(".span-count", "data-count");
// The default try-it request: a knob change to first paint (target < 50 ms).
const small = [];
await page.goto(server.url);
await page.reload();
await page.waitForSelector(".waterfall .row");
await page.waitForTimeout(SETTLE_MS);
await page.locator('.knob-card[data-service="database"] summary').click();
for (const ms of [200, 90, 300, 60, 150, 120, 80]) {
  await phases();
  small.push({ ...(await changeAndTime(page, "database latency in milliseconds", ms, ".fingerprint")), phases: await phases() });
}

await browser.close();
server.close();

printImport();
console.log(`| scroll frame time (median / p95 / max) | ${fmt(scroll.median)} / ${fmt(scroll.p95)} / ${fmt(scroll.max)} | 60 steps of 900 px |`);
console.log(`| simulated in the page: knob change → first paint of ${simulatedSpans} spans | ${fmt(median(simulated.map((r) => r.painted)))} | ${simulated.map((r) => fmt(r.painted)).join(", ")} |`);
console.log(`| same → DOM updated | ${fmt(median(simulated.map((r) => r.changed)))} | ${simulated.map((r) => fmt(r.changed)).join(", ")} |`);
console.log(`| try-it: knob change → re-simulated and rendered (DOM updated) | ${fmt(median(small.map((r) => r.changed)))} | ${small.map((r) => fmt(r.changed)).join(", ")} |`);
console.log(`| try-it: knob change → painted | ${fmt(median(small.map((r) => r.painted)))} | ${small.map((r) => fmt(r.painted)).join(", ")} |`);
console.log(`| collapse root (100k rows → 1) | ${fmt(collapseMs)} | |`);
breakdown("import phases (median)", runs);
breakdown("simulated phases (median)", simulated);
breakdown("try-it knob change phases (median)", small);
console.log(`| expand root (1 → 100k rows) | ${fmt(expandMs)} | |`);
