// Compares the import of a big trace file between two builds of the page, alternating runs so both
// see the same machine noise: `node tests/e2e/bench-import-ab.mjs DIST_A DIST_B FILE [ROUNDS]`.
// Prints, per build, the median (and minimum) of each phase and of import → laid out. A tool
// for deciding whether a change made the import faster; not a test.
import { launchBrowser, serveDist } from "./harness.mjs";

const [distA, distB, file] = process.argv.slice(2, 5);
const rounds = Number(process.argv[5] ?? 7);
// How long the page sits after loading before the file is chosen (a person takes seconds).
const SETTLE_MS = Number(process.env.SETTLE_MS ?? 0);
const builds = [
  { name: distA, server: await serveDist(distA), runs: [] },
  { name: distB, server: await serveDist(distB), runs: [] },
];
const browser = await launchBrowser();
// FRESH=1: a new tab for every run (instead of navigating the same tab).
const FRESH = process.env.FRESH === "1";
let page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
for (let round = 0; round < rounds; round++) {
  for (const build of round % 2 ? [...builds].reverse() : builds) {
    if (FRESH) {
      await page.close();
      page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    }
    await page.goto(build.server.url);
    await page.waitForSelector(".waterfall .row");
    await page.waitForTimeout(SETTLE_MS);
    await page.evaluate(() => {
      performance.clearMarks();
      performance.clearMeasures();
    });
    const before = await page.evaluate(() => document.querySelector(".span-count")?.textContent);
    await page.setInputFiles('input[type="file"]', file);
    await page.waitForFunction((before) => {
      const count = document.querySelector(".span-count")?.textContent;
      const painted = performance.getEntriesByName("reqflow:trace-painted").length > 0;
      return count !== before && !document.querySelector(".opening") && painted;
    }, before, { timeout: 120_000 });
    build.runs.push(
      await page.evaluate(() => {
        const marks = Object.fromEntries(performance.getEntriesByType("mark").map((m) => [m.name, m.startTime]));
        const phases = Object.fromEntries(
          performance
            .getEntriesByType("measure")
            .filter((m) => m.name.startsWith("reqflow:"))
            .map((m) => [m.name.slice("reqflow:".length), m.duration]),
        );
        return { total: marks["reqflow:trace-painted"] - marks["reqflow:import-start"], ...phases };
      }),
    );
  }
}
await browser.close();
for (const build of builds) build.server.close();
const median = (values) => values.slice().sort((a, b) => a - b)[values.length >> 1];
for (const build of builds) {
  const names = Object.keys(build.runs[0]);
  const min = (values) => Math.min(...values);
  const parts = names.map((name) => {
    const values = build.runs.map((run) => run[name] ?? 0);
    return `${name} ${median(values).toFixed(0)} (min ${min(values).toFixed(0)})`;
  });
  console.log(`${build.name}: ${parts.join(", ")} | totals ${build.runs.map((run) => run.total.toFixed(0)).join(" ")}`);
}
