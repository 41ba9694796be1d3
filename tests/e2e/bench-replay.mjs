// Replay frame times in headless Chromium: plays try-it and netflix-fanout at 1× for two seconds
// and records the time between animation frames while the replay clock ticks. Not a test: run
// `node tests/e2e/bench-replay.mjs` after `trunk build --release` (see BENCHMARKS.md).
import { launchBrowser, serveDist } from "./harness.mjs";

const server = await serveDist(process.argv[2] ?? "dist");
const browser = await launchBrowser();
const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
const rows = [];
for (const scenario of ["try-it", "netflix-fanout"]) {
  await page.goto(`${server.url}#scenario=${scenario}&seed=1`);
  await page.reload();
  await page.waitForSelector(".waterfall .row");
  await page.getByRole("button", { name: "Play replay" }).click();
  const frames = await page.evaluate(async () => {
    const times = [];
    let last = await new Promise((resolve) => requestAnimationFrame(resolve));
    const until = last + 2000;
    while (last < until) {
      const now = await new Promise((resolve) => requestAnimationFrame(resolve));
      times.push(now - last);
      last = now;
    }
    return times.sort((a, b) => a - b);
  });
  // Input stays responsive: how long a click on Pause takes to show.
  const started = await page.evaluate(() => performance.now());
  await page.getByRole("button", { name: "Pause replay" }).click();
  await page.waitForSelector('button[aria-label="Play replay"]');
  const pauseMs = (await page.evaluate(() => performance.now())) - started;
  const pick = (q) => frames[Math.min(frames.length - 1, Math.floor(frames.length * q))];
  rows.push(`| ${scenario} | ${frames.length} | ${pick(0.5).toFixed(1)} ms | ${pick(0.95).toFixed(1)} ms | ${frames[frames.length - 1].toFixed(1)} ms | ${pauseMs.toFixed(0)} ms |`);
}
await browser.close();
server.close();
console.log("| scenario | frames in 2 s | median frame | p95 frame | max frame | Pause click → shown |");
console.log("|---|---|---|---|---|---|");
for (const row of rows) console.log(row);
