// A small end-to-end harness: serves dist/ over HTTP, starts Debian's headless Chromium through
// playwright-core, and runs named tests, each on a fresh page. No sleeps on wall time: tests wait
// for elements. Screenshots go to test-artifacts/.
import { createServer } from "node:http";
import { mkdirSync, readFileSync, existsSync, statSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { chromium } from "playwright-core";

export const ARTIFACTS = "test-artifacts";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".wasm": "application/wasm",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
};

/** Serves `dir` on 127.0.0.1 at a free port; resolves to { url, close }. */
export function serveDist(dir) {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    let file = join(dir, path);
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(dir, "index.html");
    response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    response.end(readFileSync(file));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => server.close() });
    });
  });
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export function assert(condition, message) {
  if (!condition) throw new Error("assertion failed: " + message);
}

export function assertEqual(actual, expected, message) {
  if (actual !== expected) {
    throw new Error(`assertion failed: ${message}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/**
 * Runs tests [{ name, fn(page, ctx) }] and returns the number of failures. `E2E_ONLY=text` runs
 * only the tests whose name contains the text (while working on one; the test command runs all).
 */
export async function runTests(tests, { url, browser }) {
  mkdirSync(ARTIFACTS, { recursive: true });
  let failures = 0;
  const only = process.env.E2E_ONLY;
  for (const test of tests.filter((test) => !only || test.name.includes(only))) {
    const context = await browser.newContext({ viewport: test.viewport ?? { width: 1280, height: 800 } });
    const page = await context.newPage();
    const consoleErrors = [];
    page.on("pageerror", (error) => consoleErrors.push(String(error)));
    page.on("console", (message) => message.type() === "error" && consoleErrors.push(message.text()));
    const started = Date.now();
    try {
      await test.fn(page, { url, consoleErrors });
      assertEqual(consoleErrors.join("\n"), "", "no errors in the browser console");
      console.log(`  ok   ${test.name} (${Date.now() - started} ms)`);
    } catch (error) {
      failures += 1;
      console.log(`  FAIL ${test.name}\n       ${String(error.stack ?? error).split("\n").join("\n       ")}`);
      await page.screenshot({ path: join(ARTIFACTS, `FAILED-${test.name.replace(/\W+/g, "-")}.png`) }).catch(() => {});
    }
    await context.close();
  }
  return failures;
}

/**
 * Scrolls the waterfall body `steps` times by `px`, one step per animation frame, and resolves to
 * the frame-to-frame times in milliseconds (for the benchmarks and the profiler).
 */
export function scrollFrameTimes(page, steps = 60, px = 900) {
  return page.evaluate(
    async ({ steps, px }) => {
      const body = document.querySelector(".waterfall .body");
      const times = [];
      let last = await new Promise((resolve) => requestAnimationFrame(resolve));
      for (let step = 0; step < steps; step++) {
        body.scrollTop += px;
        body.dispatchEvent(new Event("scroll"));
        const now = await new Promise((resolve) => requestAnimationFrame(resolve));
        times.push(now - last);
        last = now;
      }
      return times;
    },
    { steps, px },
  );
}
