// Profiles one interaction in headless Chromium (the DevTools protocol's sampling profiler) and
// prints the functions that took the time, self and inclusive. Not a test: a tool for finding
// where the page spends its time. Build with names first (scripts/build-profiling.sh), then:
//
//   node tests/e2e/profile.mjs target/dist-profiling simulate      # 100k-span knob change
//   node tests/e2e/profile.mjs target/dist-profiling import FILE   # importing FILE
//   node tests/e2e/profile.mjs target/dist-profiling scroll        # scrolling 100k rows
import { launchBrowser, scrollFrameTimes, serveDist } from "./harness.mjs";
const mode = process.argv[3] ?? "simulate";
const server = await serveDist(process.argv[2]);
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
const cdp = await page.context().newCDPSession(page);
const startProfiler = async () => {
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
  await cdp.send("Profiler.start");
};
let started;
if (mode === "scroll") {
  await page.goto(`${server.url}#scenario=netflix-fanout&seed=1&knobs=api.fanout%3D410`);
  await page.waitForSelector(".waterfall .row");
  await startProfiler();
  started = await page.evaluate(() => performance.now());
  const frames = await scrollFrameTimes(page);
  console.log(frames.map((t) => t.toFixed(0)).join(" "));
} else if (mode === "import") {
  await page.goto(server.url);
  await page.waitForSelector(".waterfall .row");
  await startProfiler();
  started = await page.evaluate(() => performance.now());
  await page.setInputFiles('input[type="file"]', process.argv[4]);
  await page.waitForFunction(() => Number(document.querySelector(".span-count")?.dataset.count) > 90000, null, { timeout: 120_000 });
} else {
  await page.goto(`${server.url}#scenario=netflix-fanout&seed=1`);
  await page.waitForSelector(".waterfall .row");
  const card = page.locator('.knob-card[data-service="api"]');
  await card.locator("summary").click();
  const input = card.getByLabel("api fan-out multiplier");
  await input.fill("410");
  await startProfiler();
  started = await page.evaluate(() => performance.now());
  await input.press("Enter");
  await page.waitForFunction(() => Number(document.querySelector(".span-count")?.dataset.count) > 90000, null, { timeout: 120_000 });
}
const painted = await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now())))));
const { profile } = await cdp.send("Profiler.stop");
console.log("elapsed", painted - started);
// Self time per function.
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map();
const dt = profile.timeDeltas;
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  const name = `${node.callFrame.functionName || "(anon)"} ${node.callFrame.url.split("/").pop()}`;
  self.set(name, (self.get(name) ?? 0) + (dt[i] ?? 0) / 1000);
});
// Inclusive time per function.
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const incl = new Map();
profile.samples.forEach((id, i) => {
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const node = byId.get(cur);
    const name = node.callFrame.functionName || "(anon)";
    if (seen.has(name)) continue;
    seen.add(name);
    incl.set(name, (incl.get(name) ?? 0) + (dt[i] ?? 0) / 1000);
  }
});
console.log("--- self ms");
for (const [name, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(ms.toFixed(1).padStart(8), name.slice(0, 150));
console.log("--- inclusive ms");
for (const [name, ms] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 60)) console.log(ms.toFixed(1).padStart(8), name.slice(0, 150));
await browser.close();
server.close();
