// Measures the page on a ~100,000-span trace in headless Chromium: import → laid out → first
// paint, scrolling frame times, and collapse/expand of the whole tree. Not part of the tests:
// run it with `node tests/e2e/bench-big-trace.mjs` after `trunk build --release` (see
// BENCHMARKS.md). It prints a table of figures.
//
// The trace: `reqflow run --builtin netflix-fanout --requests N --format otlp`, with every request
// hung under the first request's root so the file holds one trace of N × 255 spans. The same trace
// is also imported as Jaeger JSON and Zipkin v2 JSON (`--format jaeger|zipkin`, hung together the
// same way, written compact as Jaeger UI's "Download JSON" and Zipkin write them), and as OTLP
// pretty-printed the way Reqflow's own export writes it (`reqflow run --format otlp`, serde_json's
// pretty layout: two-space indent, `"key": value`, which `JSON.stringify(value, null, 2)` writes
// byte for byte for these files): `FORMATS=otlp` (default `otlp,otlp-pretty,jaeger,zipkin`) chooses. Each import also reports the wasm memory of the worker
// that read the file and of the page (linear memory only grows: its size after the import is the
// most the import needed).
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
const FORMATS = (process.env.FORMATS ?? "otlp,otlp-pretty,jaeger,zipkin").split(",");
const run = (format) =>
  JSON.parse(
    execFileSync(reqflow, ["run", "--builtin", "netflix-fanout", "--seed", "1", "--requests", String(REQUESTS), "--format", format], {
      encoding: "utf8",
      maxBuffer: 1 << 30,
    }),
  );
// Each format's file, with every request hung under the first request's root (one trace).
const hungTogether = {
  otlp: (otlp, indent) => {
    const spans = otlp.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans));
    const root = spans.find((span) => !span.parentSpanId);
    for (const span of spans) {
      if (!span.parentSpanId && span !== root) span.parentSpanId = root.spanId;
      span.traceId = root.traceId;
    }
    return { text: JSON.stringify(otlp, null, indent), nSpans: spans.length };
  },
  // Reqflow's own export, as `reqflow run --format otlp` writes it: pretty-printed.
  "otlp-pretty": (otlp) => hungTogether.otlp(otlp, 2),
  jaeger: (jaeger) => {
    const [first] = jaeger.data;
    const root = first.spans.find((span) => span.references.length === 0);
    const processes = new Map(); // process as JSON → id in the merged trace
    const spans = [];
    for (const trace of jaeger.data) {
      for (const span of trace.spans) {
        const process = JSON.stringify(trace.processes[span.processID]);
        if (!processes.has(process)) processes.set(process, `p${processes.size + 1}`);
        span.processID = processes.get(process);
        span.traceID = root.traceID;
        for (const reference of span.references) reference.traceID = root.traceID;
        if (span.references.length === 0 && span !== root) {
          span.references.push({ refType: "CHILD_OF", traceID: root.traceID, spanID: root.spanID });
        }
        spans.push(span);
      }
    }
    const merged = { traceID: root.traceID, spans, processes: Object.fromEntries([...processes].map(([process, id]) => [id, JSON.parse(process)])), warnings: null };
    return { text: JSON.stringify({ data: [merged] }), nSpans: spans.length };
  },
  zipkin: (spans) => {
    const root = spans.find((span) => !span.parentId);
    for (const span of spans) {
      if (!span.parentId && span !== root) span.parentId = root.id;
      span.traceId = root.traceId;
    }
    return { text: JSON.stringify(spans), nSpans: spans.length };
  },
};
const dir = mkdtempSync(join(tmpdir(), "reqflow-bench-"));
const files = FORMATS.map((format) => {
  const { text, nSpans } = hungTogether[format](run(format === "otlp-pretty" ? "otlp" : format));
  const file = join(dir, `big-trace-${nSpans}.${format}.json`);
  writeFileSync(file, text);
  return { format, file, nSpans, megabytes: (statSync(file).size / 1e6).toFixed(1) };
});
const { file, nSpans, megabytes } = files[0];

const server = await serveDist(process.argv[2] ?? "dist");
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
// The wasm memory of the page and of its worker: the page's from Trunk's start-up event, the
// worker's from its loader, served here with one more line that keeps what `wasm_bindgen` returns.
await page.addInitScript(() => addEventListener("TrunkApplicationStarted", (event) => (window.__reqflowWasm = event.detail.wasm)));
await page.context().route("**/reqflow-worker_loader.js", (route) =>
  route.fulfill({
    contentType: "text/javascript",
    body: 'importScripts("./reqflow-worker.js");wasm_bindgen("./reqflow-worker_bg.wasm").then((wasm) => (self.__reqflowWasm = wasm));',
  }),
);
const wasmMegabytes = async () => {
  const size = (wasm) => (wasm ? wasm.memory.buffer.byteLength / (1024 * 1024) : NaN);
  const worker = page.workers().find((worker) => worker.url().includes("reqflow-worker"));
  return {
    worker: worker ? await worker.evaluate(() => self.__reqflowWasm?.memory.buffer.byteLength / (1024 * 1024)) : NaN,
    page: await page.evaluate(() => window.__reqflowWasm?.memory.buffer.byteLength / (1024 * 1024)),
  };
};
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

// Imports of each file, one format after the other, `RUNS` times: alternating, so that the
// machine's moods fall on every format alike.
const importRuns = Object.fromEntries(files.map(({ format }) => [format, []]));
for (let run = 0; run < RUNS; run++) {
  for (const { format, file, nSpans } of files) {
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
    importRuns[format].push({
      importToLaidOut: marks["reqflow:trace-painted"] - marks["reqflow:import-start"],
      importToPaint: paintedAt - marks["reqflow:import-start"],
      phases: await phases(),
      memory: await wasmMegabytes(),
    });
    // Load the default trace again so the next run imports from scratch (and a new worker).
    await page.goto(server.url);
    await page.waitForSelector(".waterfall .row");
  }
}
const median = (values) => values.slice().sort((a, b) => a - b)[values.length >> 1];
const fmt = (ms) => `${ms.toFixed(0)} ms`;
// Where the time went, per phase (medians over the runs), from the page's own measures.
const breakdown = (label, list) => {
  const names = [...new Set(list.flatMap((run) => Object.keys(run.phases)))].filter((name) => !name.endsWith(":start"));
  const parts = names.map((name) => `${name} ${fmt(median(list.map((run) => run.phases[name] ?? 0)))}`);
  console.log(`${label}: ${parts.join(", ")}`);
};
const mib = (value) => `${value.toFixed(0)} MiB`;
const printImport = () => {
  for (const { format, file, nSpans, megabytes } of files) {
    const list = importRuns[format];
    console.log(`big trace: ${nSpans} spans, one trace, ${format} ${megabytes} MB (${file})`);
    console.log(`| measurement | median of ${list.length} | runs |`);
    console.log("|---|---|---|");
    console.log(`| import → parsed, analysed, laid out (mark) | ${fmt(median(list.map((r) => r.importToLaidOut)))} | ${list.map((r) => fmt(r.importToLaidOut)).join(", ")} |`);
    console.log(`| import → first paint | ${fmt(median(list.map((r) => r.importToPaint)))} | ${list.map((r) => fmt(r.importToPaint)).join(", ")} |`);
    console.log(`| wasm memory after the import: worker / page | ${mib(median(list.map((r) => r.memory.worker)))} / ${mib(median(list.map((r) => r.memory.page)))} | ${list.map((r) => `${mib(r.memory.worker)} / ${mib(r.memory.page)}`).join(", ")} |`);
    breakdown(`${format} import phases (median)`, list);
  }
};
if (ONLY_IMPORT) {
  await browser.close();
  server.close();
  printImport();
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
console.log(`big trace, ${files[0].format}:`);
console.log(`| scroll frame time (median / p95 / max) | ${fmt(scroll.median)} / ${fmt(scroll.p95)} / ${fmt(scroll.max)} | 60 steps of 900 px |`);
console.log(`| simulated in the page: knob change → first paint of ${simulatedSpans} spans | ${fmt(median(simulated.map((r) => r.painted)))} | ${simulated.map((r) => fmt(r.painted)).join(", ")} |`);
console.log(`| same → DOM updated | ${fmt(median(simulated.map((r) => r.changed)))} | ${simulated.map((r) => fmt(r.changed)).join(", ")} |`);
console.log(`| try-it: knob change → re-simulated and rendered (DOM updated) | ${fmt(median(small.map((r) => r.changed)))} | ${small.map((r) => fmt(r.changed)).join(", ")} |`);
console.log(`| try-it: knob change → painted | ${fmt(median(small.map((r) => r.painted)))} | ${small.map((r) => fmt(r.painted)).join(", ")} |`);
console.log(`| collapse root (100k rows → 1) | ${fmt(collapseMs)} | |`);
breakdown("simulated phases (median)", simulated);
breakdown("try-it knob change phases (median)", small);
console.log(`| expand root (1 → 100k rows) | ${fmt(expandMs)} | |`);
