// End-to-end tests of the built page (dist/) in headless Chromium.
// Usage: node tests/e2e/run.mjs   (after `trunk build --release`; scripts/test.sh does both)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ARTIFACTS, assert, assertEqual, launchBrowser, runTests, serveDist } from "./harness.mjs";

const SERVICES = ["gateway", "auth", "orders", "database"];
const DURATION = /^-?\d+(\.\d+)? (ns|µs|ms|s)$|min/;

execFileSync("cargo", ["build", "--quiet", "-p", "reqflow-cli"], { stdio: "inherit" });
const REQFLOW = join(process.env.CARGO_TARGET_DIR ?? "target", "debug", "reqflow");

/** The native CLI's fingerprint for a built-in and seed: the page (wasm32) must show the same. */
function cliFingerprint(seed, scenario = "try-it", knobs = "") {
  const args = ["run", "--builtin", scenario, "--seed", String(seed)];
  if (knobs) args.push("--knobs", knobs);
  const out = execFileSync(REQFLOW, args, { encoding: "utf8" });
  return /fingerprint ([0-9a-f]{16})/.exec(out)[1];
}

const FIXTURES = join(process.cwd(), "tests", "fixtures");

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

/** Opens an interview link and waits for the incident's waterfall and answer panel. */
async function openInterview(page, url, hash) {
  await page.goto("about:blank"); // a new document: changing only the hash would not reload the page
  await page.goto(`${url}${hash}`);
  await page.waitForSelector(".answer-panel");
  await page.waitForSelector(".waterfall .row");
}

/** Picks a span and a cause, submits, and waits for the grade. */
async function answerIncident(page, spanId, cause) {
  await page.click(`.waterfall .row[data-span-id="${spanId}"]`);
  await page.check(`.answer-panel input[name="cause"][value="${cause}"]`);
  await page.click(".answer-panel button:has-text('Submit')");
  await page.waitForSelector(".answer-panel .verdict");
}

/**
 * What the core says is right about the incident on screen, read the only way the page shows it:
 * by grading an answer (the right cause and the culprit rows appear after grading, never before).
 * Reloads the same link afterwards, so the incident is fresh.
 */
async function incidentTruth(page) {
  assertEqual(await page.$(".answer-panel[data-answer]"), null, "the answer is not in the page before grading");
  assertEqual((await page.$$(".waterfall .row.match")).length, 0, "no culprit highlighted before grading");
  const first = await page.getAttribute(".waterfall .row", "data-span-id");
  await answerIncident(page, first, "slow-dependency");
  const cause = await page.getAttribute(".answer-panel", "data-answer");
  const culprits = await page.$$eval(".waterfall .row.match", (rows) => rows.map((row) => row.dataset.spanId));
  const others = await page.$$eval(".waterfall .row:not(.match)", (rows) => rows.map((row) => row.dataset.spanId));
  assert(cause && culprits.length > 0, `graded: the right cause ${cause} and ${culprits.length} culprit rows`);
  await page.reload();
  await page.waitForSelector(".waterfall .row");
  return { cause, culprits, others };
}

const tests = [
  {
    name: "default waterfall shows the four services with durations",
    fn: async (page, { url }) => {
      await waitForTrace(page, url);
      const bottleneck = await page.textContent(".insight .bottleneck");
      assert(/database: .* on the critical path, in SELECT orders/.test(bottleneck), `bottleneck sentence: ${bottleneck}`);
      const critical = await page.$$eval(".row.on-critical-path", (rows) => rows.map((row) => row.dataset.service));
      assert(critical.includes("database") && critical.includes("gateway"), `critical path marked: ${critical}`);
      assert((await page.$$(".row .crit")).length >= 3, "critical-path segments drawn on the bars");
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

  {
    name: "a knob change re-simulates, moves the bottleneck, and matches the CLI with the same knobs",
    fn: async (page, { url }) => {
      await waitForTrace(page, url);
      const card = page.locator('.knob-card[data-service="database"]');
      await card.locator("summary").click();
      await card.getByLabel("database latency distribution").selectOption("fixed");
      await page.waitForFunction(() => location.hash.includes("database.latency=fixed"));
      await card.getByLabel("database latency in milliseconds").fill("2");
      await card.getByLabel("database latency in milliseconds").press("Enter");
      await page.waitForFunction(() => location.hash.includes("database.latency=fixed:2"));
      const bottleneck = await page.textContent(".insight .bottleneck");
      assert(!bottleneck.startsWith("database"), `the database is no longer the bottleneck: ${bottleneck}`);
      const seed = await page.textContent(".seed");
      assertEqual(await page.textContent(".fingerprint"), cliFingerprint(seed, "try-it", "database.latency=fixed:2"), "same knobs, same trace in the CLI");
      await page.screenshot({ path: join(ARTIFACTS, "knob-changed.png"), fullPage: true });
    },
  },
  {
    name: "clock skew: raw shows the child before its parent, adjusted fixes it",
    fn: async (page, { url }) => {
      await page.goto(`${url}#scenario=clock-skew&seed=4`);
      await page.waitForSelector(".waterfall .row");
      const barLeft = (service, kind) =>
        page.$$eval(".waterfall .row", (rows, [service, op]) => {
          const row = rows.find((r) => r.dataset.service === service && r.querySelector(".op").textContent === op);
          return row.querySelector(".bar").getBoundingClientRect().left;
        }, [service, kind]);
      await page.getByRole("radio", { name: "Raw" }).click();
      await page.waitForSelector('.segmented button.on:text("Raw")');
      const rawChild = await barLeft("auth", "POST /verify");
      const rows = await page.$$eval(".waterfall .row", (rows) => rows.map((r) => [r.dataset.service, r.querySelector(".kind") !== null, r.querySelector(".bar").getBoundingClientRect().left]));
      const parentLeft = rows.find(([service, isClient]) => service === "gateway" && isClient)[2];
      assert(rawChild < parentLeft, `raw: auth (${rawChild}) starts before its parent (${parentLeft})`);
      assert(await page.isVisible('.row[data-service="auth"] .badge.skew'), "the skewed span carries a warning");
      assert((await page.textContent(".skew-note")).includes("raw times"), "the note explains the raw view");
      await page.screenshot({ path: join(ARTIFACTS, "skew-raw.png"), fullPage: true });
      await page.getByRole("radio", { name: "Adjusted" }).click();
      await page.waitForSelector('.segmented button.on:text("Adjusted")');
      const adjustedChild = await barLeft("auth", "POST /verify");
      const adjustedRows = await page.$$eval(".waterfall .row", (rows) => rows.map((r) => [r.dataset.service, r.querySelector(".kind") !== null, r.querySelector(".bar").getBoundingClientRect().left]));
      const adjustedParent = adjustedRows.find(([service, isClient]) => service === "gateway" && isClient)[2];
      assert(adjustedChild >= adjustedParent - 1, `adjusted: auth (${adjustedChild}) inside its parent (${adjustedParent})`);
      await page.locator('.row[data-service="auth"] .op').first().click();
      await page.waitForSelector(".details");
      const details = await page.textContent(".details");
      assert(/Skew adjustment.*shifted/s.test(details) || /Skew adjustment[^n]*ms/.test(details), `details give the shift and why: ${details.slice(0, 400)}`);
      assert(details.includes("-35 ms offset"), "details show the host clock offset");
      await page.screenshot({ path: join(ARTIFACTS, "skew-adjusted.png"), fullPage: true });
    },
  },
  {
    name: "an un-instrumented service that drops context shows a separate trace, in words",
    fn: async (page, { url }) => {
      await page.goto(`${url}#scenario=broken-propagation&seed=2`);
      await page.waitForSelector(".waterfall .row");
      const note = await page.textContent(".fragment-note");
      assert(note.includes("orders is not traced and did not forward traceparent: 3 spans"), note);
      assertEqual(await page.textContent(".trace-count"), "2", "two traces for one request");
      assert(await page.isVisible('.row[data-service="inventory"] .badge'), "the fragment's root is marked");
      await page.screenshot({ path: join(ARTIFACTS, "broken-propagation.png"), fullPage: true });
    },
  },
  {
    name: "imports a Jaeger, an OTLP and a Zipkin fixture; a broken file keeps the previous trace",
    fn: async (page, { url }) => {
      await waitForTrace(page, url);
      // While a file is read, the page says so (a notice that goes when the trace is shown).
      await page.evaluate(() => {
        window.openingNotices = [];
        new MutationObserver(() => {
          const notice = document.querySelector(".notice.opening");
          if (notice) window.openingNotices.push(notice.textContent);
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
      });
      const cases = [
        ["jaeger/jaeger_ui_01.json", "Jaeger JSON", 5],
        ["otlp/jaeger_example_trace.json", "OTLP/JSON", 5],
        // 175 entries, three of them pieces of a span reported twice: merged as Zipkin does.
        ["zipkin/smartthings-oauth-authorization.json", "Zipkin v2 JSON", 172],
      ];
      for (const [file, format, spans] of cases) {
        await page.setInputFiles('input[type="file"]', join(FIXTURES, file));
        await page.waitForFunction((name) => document.querySelector("h1")?.textContent === name, file.split("/")[1]);
        assert((await page.textContent(".lede")).includes(format), `${file} detected as ${format}`);
        assertEqual(await page.getAttribute(".span-count", "data-count"), String(spans), `${file} span count`);
        if (file.startsWith("zipkin")) await page.screenshot({ path: join(ARTIFACTS, "imported-zipkin.png"), fullPage: true });
      }
      const notices = await page.evaluate(() => [...new Set(window.openingNotices)]);
      assert(
        notices.some((text) => /^Opening smartthings-oauth-authorization\.json \(\d+ KB\)…$/.test(text)),
        `an "Opening …" notice while reading: ${JSON.stringify(notices)}`,
      );
      assertEqual(await page.locator(".notice.opening").count(), 0, "the notice is gone once the trace is shown");
      const rowsBefore = await page.$$eval(".waterfall .row", (rows) => rows.length);
      // A file cut short (a download that stopped) cannot be shown: an error with the position.
      const cut = readFileSync(join(FIXTURES, "otlp/jaeger_example_trace.json"), "utf8").slice(0, 700);
      await page.setInputFiles('input[type="file"]', { name: "cut-short.json", mimeType: "application/json", buffer: Buffer.from(cut) });
      await page.waitForSelector(".error-box");
      const error = await page.textContent(".error-box");
      assert(/cut-short\.json:\d+:\d+: /.test(error), `file, line and column: ${error}`);
      assertEqual(await page.getAttribute(".span-count", "data-count"), "172", "the previous trace is still shown");
      assertEqual(await page.$$eval(".waterfall .row", (rows) => rows.length), rowsBefore, "same rows");
      await page.setInputFiles('input[type="file"]', { name: "garbage.json", mimeType: "application/json", buffer: Buffer.from("{ nope") });
      await page.waitForFunction(() => document.querySelector(".error-box")?.textContent.includes("garbage.json"));
      await page.screenshot({ path: join(ARTIFACTS, "import-error.png") });
    },
  },
  {
    name: "downloads the trace as OTLP, Jaeger and Zipkin",
    fn: async (page, { url }) => {
      await waitForTrace(page, url);
      for (const [button, key] of [["Download as OTLP JSON", "resourceSpans"], ["Download as Jaeger JSON", "data"], ["Download as Zipkin JSON", null]]) {
        const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: button }).click()]);
        const text = readFileSync(await download.path(), "utf8");
        const json = JSON.parse(text);
        if (key) assert(key in json, `${button}: has ${key}`);
        else assert(Array.isArray(json) && json.length === 7, `${button}: a span array`);
        assert(download.suggestedFilename().startsWith("reqflow-try-it-seed1-"), download.suggestedFilename());
      }
    },
  },
  {
    name: "keyboard: arrows move, left collapses, right expands, Enter opens details",
    fn: async (page, { url }) => {
      await waitForTrace(page, url);
      await page.focus(".waterfall .body");
      await page.keyboard.press("ArrowDown");
      await page.waitForSelector(".row.selected");
      assertEqual(await page.getAttribute(".row.selected", "data-service"), "gateway", "first row selected");
      await page.keyboard.press("ArrowLeft");
      await page.waitForFunction(() => document.querySelectorAll(".waterfall .row").length === 1);
      await page.keyboard.press("ArrowRight");
      await page.waitForFunction(() => document.querySelectorAll(".waterfall .row").length === 7);
      for (let i = 0; i < 6; i++) await page.keyboard.press("ArrowDown");
      assertEqual(await page.getAttribute(".row.selected", "data-service"), "database", "last row selected");
      await page.keyboard.press("Enter");
      await page.waitForSelector(".details");
      const details = await page.textContent(".details");
      assert(details.includes("SELECT * FROM orders WHERE id = $1"), "details show the attributes");
      assert(details.includes("trace-id"), "the traceparent is decoded field by field");
      await page.keyboard.press("Escape");
      await page.waitForSelector(".details", { state: "detached" });
    },
  },
  {
    name: "data is shown as text: an attribute holding HTML does not become markup",
    fn: async (page, { url }) => {
      await waitForTrace(page, url);
      let dialogs = 0;
      page.on("dialog", (dialog) => {
        dialogs += 1;
        dialog.dismiss();
      });
      const hostile = "<img src=x onerror=alert(1)>";
      const zipkin = [
        { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", id: "00f067aa0ba902b7", name: hostile, timestamp: 1700000000000000, duration: 1500,
          localEndpoint: { serviceName: "evil<b>svc</b>" }, tags: { note: hostile } },
      ];
      await page.setInputFiles('input[type="file"]', { name: "hostile.json", mimeType: "application/json", buffer: Buffer.from(JSON.stringify(zipkin)) });
      await page.waitForFunction(() => document.querySelector("h1")?.textContent === "hostile.json");
      await page.locator(".waterfall .row .op").first().click();
      await page.waitForSelector(".details");
      // The span's own attributes (the Resource section, collapsed, has its own table first).
      const attributes = await page.$$eval(".details table.attributes", (tables) => tables.map((table) => table.textContent).join("\n"));
      assert(attributes.includes(hostile), `the attribute value is shown literally: ${attributes}`);
      assertEqual(await page.$$eval("img, b", (elements) => elements.length), 0, "no element was created from data");
      assertEqual(dialogs, 0, "no script ran");
      await page.screenshot({ path: join(ARTIFACTS, "hostile-attribute.png") });
    },
  },
  {
    name: "hostile files: too large, invalid UTF-8, deep nesting, numbers past 2^64 and a parent cycle; the trace stays, no panic",
    fn: async (page, { url }) => {
      await waitForTrace(page, url);
      const rowsBefore = await page.$$eval(".waterfall .row", (rows) => rows.length);
      const traceIdBefore = await page.textContent(".summary .wide dd");
      const refused = async (name, buffer, expected) => {
        await page.setInputFiles('input[type="file"]', { name, mimeType: "application/json", buffer });
        await page.waitForFunction((name) => document.querySelector(".error-box")?.textContent.includes(name), name);
        const error = await page.textContent(".error-box");
        assert(expected.test(error), `${name}: ${error}`);
        assertEqual(await page.$$eval(".waterfall .row", (rows) => rows.length), rowsBefore, `${name}: the previous trace stays`);
        assertEqual(await page.textContent(".summary .wide dd"), traceIdBefore, `${name}: same trace id`);
      };
      // Larger than the limit: refused from its size, before it is read (the bytes are never touched).
      await page.evaluate(() => {
        const file = new File([new Uint8Array(512 * 1024 * 1024 + 1)], "huge.json", { type: "application/json" });
        const transfer = new DataTransfer();
        transfer.items.add(file);
        document.querySelector(".page").dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
      });
      await page.waitForFunction(() => document.querySelector(".error-box")?.textContent.includes("huge.json"));
      const tooLarge = await page.textContent(".error-box");
      assert(/too large: .*larger than the 512 MiB limit/.test(tooLarge), tooLarge);
      assertEqual(await page.locator(".notice.opening").count(), 0, "no 'Opening…' notice for a refused file");
      const zipkin = (id, parentId, timestamp) => ({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736", id, parentId, name: `op-${id.slice(-2)}`,
        timestamp, duration: 1500, localEndpoint: { serviceName: "svc" } });
      const notUtf8 = Buffer.concat([Buffer.from('[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","id":"00f067aa0ba902b7","name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]')]);
      await refused("latin1.json", notUtf8, /not a text file: the bytes at offset \d+ are not UTF-8/);
      const deep = `{"resourceSpans":[],"extra":${"[".repeat(300)}${"]".repeat(300)}}`;
      await refused("deep.json", Buffer.from(deep), /deep\.json:1:\d+: recursion limit exceeded/);
      // Loads, with a note: a time beyond 2^64 is treated as missing, and says so.
      const big = JSON.stringify([zipkin("00000000000000b1", undefined, 1700000000000000), zipkin("00000000000000b2", "00000000000000b1", 1)])
        .replace('"timestamp":1,', '"timestamp":123456789012345678901234567890,');
      await page.setInputFiles('input[type="file"]', { name: "bignum.json", mimeType: "application/json", buffer: Buffer.from(big) });
      await page.waitForFunction(() => document.querySelector("h1")?.textContent === "bignum.json");
      const notes = await page.textContent(".import-notes");
      assert(/timestamp 1234\d+ is out of range: treated as missing/.test(notes), `a note names the value and what was done: ${notes}`);
      // Loads, with the loop cut and said: two spans naming each other as parents.
      const cycle = JSON.stringify([zipkin("00000000000000a1", "00000000000000a2", 1700000000000000), zipkin("00000000000000a2", "00000000000000a1", 1700000000000100)]);
      await page.setInputFiles('input[type="file"]', { name: "cycle.json", mimeType: "application/json", buffer: Buffer.from(cycle) });
      await page.waitForFunction(() => document.querySelector("h1")?.textContent === "cycle.json");
      assertEqual(await page.$$eval(".waterfall .row", (rows) => rows.length), 2, "both spans of the loop are shown");
      await page.locator(".waterfall .row .op").first().click();
      await page.waitForSelector(".details");
      const details = await page.textContent(".details");
      assert(/loop of 2 spans that name each other as parents/.test(details), `the cut is explained: ${details.slice(0, 600)}`);
      assertEqual(await page.locator(".panic-banner").count(), 0, "no panic banner");
      await page.screenshot({ path: join(ARTIFACTS, "hostile-files.png"), fullPage: true });
    },
  },
  {
    name: "clock skew: a maximum adjustment leaves larger shifts unapplied and says so",
    fn: async (page, { url }) => {
      await waitForTrace(page, `${url}#scenario=clock-skew&seed=4`);
      await page.waitForSelector(".skew-note");
      await page.getByLabel("Maximum clock-skew adjustment").selectOption("1");
      await page.waitForFunction(() => /would need a shift larger than the maximum adjustment of 1 ms, so they keep their raw times/.test(document.querySelector(".skew-note")?.textContent ?? ""));
      await page.getByLabel("Maximum clock-skew adjustment").selectOption("");
      await page.waitForFunction(() => !/keep their raw times/.test(document.querySelector(".skew-note")?.textContent ?? ""));
      await page.getByLabel("Maximum clock-skew adjustment").selectOption("0");
      await page.waitForFunction(() => /Adjustment is off, so 1 keep their raw times/.test(document.querySelector(".skew-note")?.textContent ?? ""));
      await page.screenshot({ path: join(ARTIFACTS, "skew-limit.png") });
    },
  },
  {
    name: "works at 360 px and at 1920 px",
    viewport: { width: 360, height: 740 },
    fn: async (page, { url }) => {
      await waitForTrace(page, url);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 0, `no horizontal scrolling at 360 px (overflow ${overflow} px)`);
      await page.screenshot({ path: join(ARTIFACTS, "narrow-360.png"), fullPage: true });
      await page.setViewportSize({ width: 1920, height: 1080 });
      await page.goto(`${url}#scenario=netflix-fanout&seed=3`);
      await page.reload();
      await page.waitForSelector(".waterfall .row");
      await page.locator('.row[data-service="recommendations"] .op').first().click();
      await page.waitForSelector(".details");
      // What a person checks on a wide screen: no sideways scrolling, the waterfall and its
      // bars wholly on screen, the side column beside it (not under it), and no two of the
      // page's blocks drawn over each other.
      const wide = await page.evaluate(() => {
        const box = (selector) => {
          const rect = document.querySelector(selector)?.getBoundingClientRect();
          return rect && { selector, left: rect.left, right: rect.right, top: rect.top, bottom: rect.bottom };
        };
        const blocks = [".topbar", ".hero", ".insight", ".summary", ".main-col", ".side-col"].map(box);
        const overlaps = [];
        for (const [idx, a] of blocks.entries()) {
          for (const b of blocks.slice(idx + 1)) {
            if (a && b && a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) {
              overlaps.push(`${a.selector} overlaps ${b.selector}`);
            }
          }
        }
        const bars = [...document.querySelectorAll(".waterfall .row .bar")].map((bar) => bar.getBoundingClientRect());
        return {
          overflow: document.documentElement.scrollWidth - window.innerWidth,
          waterfall: box(".waterfall"),
          main: box(".main-col"),
          side: box(".side-col"),
          details: box(".details"),
          overlaps,
          barsOffScreen: bars.filter((bar) => bar.width > 0 && (bar.left < 0 || bar.right > window.innerWidth)).length,
          nBars: bars.length,
          width: window.innerWidth,
          height: window.innerHeight,
        };
      });
      assert(wide.overflow <= 0, `no horizontal scrolling at 1920 px (overflow ${wide.overflow} px)`);
      assertEqual(wide.overlaps.join("; "), "", "no block of the page is drawn over another");
      assert(wide.waterfall.left >= 0 && wide.waterfall.right <= wide.width, `the waterfall is wholly on screen: ${JSON.stringify(wide.waterfall)}`);
      assert(wide.waterfall.top < wide.height, "the waterfall starts on the first screen");
      assert(wide.nBars > 10 && wide.barsOffScreen === 0, `every bar within the screen (${wide.barsOffScreen} of ${wide.nBars} outside)`);
      assert(wide.side.left >= wide.main.right - 1, `the side column is beside the waterfall, not under it: ${JSON.stringify([wide.main, wide.side])}`);
      assert(wide.details.left >= wide.main.right - 1 && wide.details.right <= wide.width, "the span details are on screen beside the waterfall");
      await page.screenshot({ path: join(ARTIFACTS, "wide-1920-netflix.png") });
    },
  },

  {
    name: "replay: Play at 8x reaches the end and the waterfall is complete",
    fn: async (page, { url }) => {
      await waitForTrace(page, url);
      await page.getByLabel("Replay speed").selectOption("8");
      await page.getByRole("button", { name: "Play replay" }).click();
      await page.waitForSelector(".row.pending, .row.running");
      await page.waitForFunction(() => document.querySelector(".replay-status")?.textContent === "done", null, { timeout: 10_000 });
      assertEqual(await page.$$eval(".row.pending, .row.running", (rows) => rows.length), 0, "every span finished");
      assertEqual(await page.$$eval(".waterfall .row", (rows) => rows.length), 7, "all rows shown");
      assertEqual(await page.$$eval(".diagram .hop", (hops) => hops.length), 0, "nothing in flight at the end");
    },
  },
  {
    name: "replay: scrubbing to the middle shows the hop the core's ground truth says is in flight",
    fn: async (page, { url }) => {
      await waitForTrace(page, url);
      const seed = await page.textContent(".seed");
      const json = execFileSync(REQFLOW, ["run", "--seed", seed, "--format", "json"], { encoding: "utf8" });
      // Epoch nanoseconds exceed 2^53: read them as BigInt.
      const [trace] = JSON.parse(json.replace(/(":\s*)(-?\d{16,})/g, '$1"$2"'));
      const spans = trace.spans.map((span) => ({ ...span, s: BigInt(span.truth.start_ns), e: BigInt(span.truth.end_ns) }));
      const start = spans.reduce((min, span) => (span.s < min ? span.s : min), spans[0].s);
      const end = spans.reduce((max, span) => (span.e > max ? span.e : max), spans[0].e);
      const hops = [];
      for (const client of spans.filter((span) => span.kind === "client")) {
        const server = spans.find((span) => span.parent_span_id === client.span_id && span.kind === "server");
        const max = (a, b) => (a > b ? a : b);
        const min = (a, b) => (a < b ? a : b);
        hops.push({ from: client.service, to: server.service, leg: "request", s: client.s, e: max(server.s, client.s) });
        hops.push({ from: server.service, to: client.service, leg: "response", s: min(server.e, client.e), e: client.e });
      }
      const middle = start + (end - start) / 2n;
      const distance = (hop) => { const d = (hop.s + hop.e) / 2n - middle; return d < 0n ? -d : d; };
      const target = hops.filter((hop) => hop.e > hop.s).sort((a, b) => (distance(a) < distance(b) ? -1 : 1))[0];
      // The scrubber position (0..1000) whose moment falls inside that hop, as the core computes it.
      const duration = Number(end - start);
      const timeAt = (value) => start + BigInt(Math.round((value / 1000) * duration));
      let value = Math.ceil((Number(target.s - start) * 1000) / duration);
      while (timeAt(value) < target.s) value += 1;
      assert(timeAt(value) < target.e, `the hop ${target.from}→${target.to} is at least one scrubber step long`);
      const now = timeAt(value);
      const expected = hops.filter((hop) => hop.s <= now && now < hop.e).map((hop) => `${hop.from}>${hop.to}:${hop.leg}`).sort();
      await page.fill(".scrubber", String(value));
      await page.dispatchEvent(".scrubber", "input");
      await page.waitForSelector(".diagram .hop");
      const shown = (await page.$$eval(".diagram .hop", (hops) => hops.map((hop) => `${hop.dataset.from}>${hop.dataset.to}:${hop.dataset.leg}`))).sort();
      assertEqual(JSON.stringify(shown), JSON.stringify(expected), `hops in flight at scrubber ${value}`);
      assert(expected.includes(`${target.from}>${target.to}:${target.leg}`), "the middle hop is among them");
      const title = await page.textContent(".diagram .hop title");
      assert(title.includes("traceparent 00-"), `hovering a hop shows its traceparent: ${title}`);
      assert((await page.$$(".row.pending")).length > 0 || (await page.$$(".row.running")).length > 0, "the waterfall is mid-replay");
      await page.screenshot({ path: join(ARTIFACTS, "replay-mid.png"), fullPage: true });
    },
  },
  {
    name: "replay: with reduced motion it steps from moment to moment",
    fn: async (page, { url }) => {
      await page.emulateMedia({ reducedMotion: "reduce" });
      await waitForTrace(page, url);
      assertEqual(await page.getAttribute(".diagram-panel", "data-motion"), "reduced", "reduced motion detected");
      await page.getByRole("button", { name: "Play replay" }).click();
      const first = await page.textContent(".replay-status");
      await page.waitForFunction((first) => document.querySelector(".replay-status")?.textContent !== first, first);
      const second = await page.textContent(".replay-status");
      await page.waitForFunction((second) => document.querySelector(".replay-status")?.textContent !== second, second);
      await page.getByRole("button", { name: "Pause replay" }).click();
      assert((await page.textContent(".replay-status")).startsWith("t = "), "paused mid-way");
    },
  },
  {
    name: "interview: one click from Try it opens a round, and an incident answered right scores every point",
    fn: async (page, { url }) => {
      await waitForTrace(page, url);
      await page.getByRole("button", { name: "Interview: diagnose this request" }).click();
      await page.waitForSelector(".answer-panel");
      assertEqual(await page.evaluate(() => location.hash), "#interview=1&level=1", "the address bar is the round's link");
      await openInterview(page, url, "#interview=3&level=1");
      const truth = await incidentTruth(page);
      await page.click(`.waterfall .row[data-span-id="${truth.culprits[0]}"]`);
      await page.check(`.answer-panel input[name="cause"][value="${truth.cause}"]`);
      await page.screenshot({ path: join(ARTIFACTS, "interview-incident.png") });
      await page.click(".answer-panel button:has-text('Submit')");
      await page.waitForSelector(".answer-panel .verdict");
      assertEqual(await page.textContent(".verdict .points"), "2 / 2 points", "a right answer scores both points");
      const parts = await page.$$eval(".verdict .parts li", (items) => items.map((item) => item.textContent));
      assertEqual(parts.join(", "), "Span: Right, Cause: Right", "each part graded");
      assert((await page.$$(".verdict .explanation li")).length > 0, "the explanation is shown");
      const highlighted = await page.$$eval(".waterfall .row.match", (rows) => rows.map((row) => row.dataset.spanId));
      assertEqual(highlighted.join(), truth.culprits.join(), "the culprit spans are highlighted after grading");
      await page.screenshot({ path: join(ARTIFACTS, "interview-graded-right.png") });
    },
  },
  {
    name: "interview: an incident answered wrong, then the round's end with score, time and what to say",
    fn: async (page, { url }) => {
      await openInterview(page, url, "#interview=3&level=1");
      const truth = await incidentTruth(page);
      assert(truth.others.length > 0, "some span is not a culprit");
      const wrongCause = truth.cause === "retry-storm" ? "clock-skew" : "retry-storm";
      await answerIncident(page, truth.others[0], wrongCause);
      assertEqual(await page.textContent(".verdict .points"), "0 / 2 points", "a wrong answer scores nothing");
      const parts = await page.$$eval(".verdict .parts li", (items) => items.map((item) => item.textContent));
      assertEqual(parts.join(", "), "Span: Wrong, Cause: Wrong", "each part graded");
      assert((await page.textContent(".verdict .explanation")).includes("You picked"), "the explanation names the wrong pick");
      assertEqual(await page.getAttribute(".answer-panel", "data-answer"), truth.cause, "the right cause is shown");
      await page.screenshot({ path: join(ARTIFACTS, "interview-graded-wrong.png") });
      for (let number = 2; number <= 5; number += 1) {
        await page.click(".verdict button");
        await page.waitForSelector(`.question .progress:has-text("Incident ${number} of 5")`);
        const first = await page.getAttribute(".waterfall .row", "data-span-id");
        await answerIncident(page, first, "n-plus-one");
      }
      assertEqual(await page.textContent(".verdict button"), "See the score", "the last incident leads to the score");
      await page.click(".verdict button");
      await page.waitForSelector(".round-end");
      const result = await page.textContent(".round-score .result");
      assert(/^You scored \d+ of 10 points in \d+ (s|min \d\d s)\.$/.test(result), `the round's score and time: ${result}`);
      assertEqual((await page.$$(".round-incidents li")).length, 5, "each incident's points");
      assert((await page.$$(".talking-points dt")).length >= 4, "the what-to-say card");
      await page.screenshot({ path: join(ARTIFACTS, "interview-round-end.png") });
    },
  },
  {
    name: "interview: the deep link #interview=7&level=2 opens that round; a bad link falls back with a notice",
    fn: async (page, { url }) => {
      await openInterview(page, url, "#interview=7&level=2");
      assertEqual(await page.textContent(".question .progress"), "Incident 1 of 5 · level 2 · round 7", "the linked round");
      assertEqual(await page.evaluate(() => location.hash), "#interview=7&level=2", "the address bar keeps the link");
      assertEqual(await page.getAttribute(".levels button.on", "aria-checked"), "true", "a level is chosen");
      assertEqual(await page.textContent(".levels button.on"), "Level 2", "level 2 is chosen");
      await openInterview(page, url, "#interview=seven&level=9");
      assert((await page.textContent(".notice")).includes("could not be followed"), "a notice says why");
      assertEqual(await page.evaluate(() => location.hash), "#interview=1&level=1", "the fallback round is in the address bar");
      await page.getByRole("button", { name: "Back to Try it" }).click();
      await page.waitForSelector(".hero");
      assert(!(await page.evaluate(() => location.hash)).includes("interview"), "back on the Try-it page");
    },
  },
  {
    name: "interview: the CLI grades the page's answers the same way (reqflow interview --incident)",
    fn: async (page, { url }) => {
      await openInterview(page, url, "#interview=3&level=1");
      const truth = await incidentTruth(page);
      const rowIds = await page.$$eval(".waterfall .row", (rows) =>
        rows.sort((a, b) => a.offsetTop - b.offsetTop).map((row) => row.dataset.spanId));
      const wrongCause = truth.cause === "retry-storm" ? "clock-skew" : "retry-storm";
      for (const [spanId, cause] of [[truth.culprits[0], truth.cause], [truth.others[0], wrongCause], [truth.culprits[0], wrongCause]]) {
        await openInterview(page, url, "#interview=3&level=1");
        await answerIncident(page, spanId, cause);
        const parts = await page.$$eval(".verdict .parts li", (items) => items.map((item) => item.textContent.toLowerCase()));
        const points = (await page.textContent(".verdict .points")).replace(" points", "").replace(/ /g, "");
        const row = rowIds.indexOf(spanId) + 1;
        const cli = execFileSync(REQFLOW, ["interview", "--seed", "3", "--level", "1", "--incident", "1", "--answer", `span=${row},cause=${cause}`], { encoding: "utf8" });
        const cliParts = [/^span\s+(\w+)$/m.exec(cli)[1], /^cause\s+(\w+)$/m.exec(cli)[1]];
        assertEqual(parts.join(), `span: ${cliParts[0]},cause: ${cliParts[1]}`, `page and CLI grade row ${row}, ${cause} alike`);
        assertEqual(points, /^score\s+(\S+)$/m.exec(cli)[1], "the same points");
        assert(cli.includes(`: ${truth.cause}`), `the CLI names the same cause: ${cli.split("\n")[0]}`);
      }
    },
  },
];

const server = await serveDist(process.argv[2] ?? "dist");
const browser = await launchBrowser();
const failures = await runTests(tests, { url: server.url, browser });
await browser.close();
server.close();
const ran = tests.filter((test) => !process.env.E2E_ONLY || test.name.includes(process.env.E2E_ONLY)).length;
console.log(`e2e: ${ran - failures} passed, ${failures} failed${ran < tests.length ? ` (E2E_ONLY: ${ran} of ${tests.length} run)` : ""}`);
process.exit(failures === 0 ? 0 : 1);
