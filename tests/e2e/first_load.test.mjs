// A smaller first load (issue 12, item 5). The first screen is plain HTML (the shell in
// index.html): it paints with the HTML and the stylesheet, within the 400 KB gzipped goal,
// and the page's own code (its wasm, ~500 KB gzipped, held under a ceiling so it cannot
// grow unnoticed) is fetched after that paint, then the worker's code (worker.js and
// worker_bg.wasm). A file chosen on the shell before the page's code arrives, or before
// the worker is ready, waits and is read.
// Run after `trunk build --release --offline=true`: node --test --test-concurrency=1 tests/e2e/
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DIST, ROOT, foreignRequests, usePageAndBrowser } from "./harness.mjs";

const env = usePageAndBrowser();
const FIXTURE = join(ROOT, "tests/fixtures/customers.csv");
// The goal (issue 12), asserted; and the page's own wasm held under today's size plus 10%.
const GOAL = 400 * 1024;
const PAGE_WASM_CEILING = 550 * 1024;
const WORKER_FILES = ["worker.js", "worker_bg.wasm"];

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);
const waitReady = (page, timeout = 30_000) => page.locator('[data-testid="app"][data-ready="true"]').waitFor({ timeout });

/** A fresh context (no cache, no service worker yet) and its page, recording what happens. */
async function freshPage() {
  const context = await env.browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  const record = { requests: [], pageErrors: [] };
  page.on("request", (request) => record.requests.push({ url: request.url(), at: Date.now() }));
  page.on("pageerror", (error) => record.pageErrors.push(String(error)));
  return { context, page, record };
}

/** The file of dist/ a same-origin URL names (the query string left out). */
function distFile(url, origin) {
  const u = new URL(url);
  assert.equal(u.origin, origin, `${url} is the page's own`);
  const path = decodeURIComponent(u.pathname);
  return path === "/" ? "index.html" : path.replace(/^\//, "");
}

/** Bytes of a dist file gzipped at zlib's default level. */
async function gzipped(file) {
  return gzipSync(await readFile(join(DIST, file))).length;
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

describe("a smaller first load", () => {
  test("the first paint needs at most 400 KB gzipped; the page's code and then the worker's come after it", async () => {
    const { context, page, record } = await freshPage();
    try {
      await page.goto(env.server.url, { waitUntil: "load" });
      await page.waitForFunction(() => performance.getEntriesByName("first-contentful-paint", "paint").length > 0, null, {
        timeout: 30_000,
      });
      // The worker's code loads by itself: the engine is there before a file is chosen.
      await waitReady(page);
      const { fcp, entries } = await page.evaluate(() => {
        const [paint] = performance.getEntriesByName("first-contentful-paint", "paint");
        const [navigation] = performance.getEntriesByType("navigation");
        const resources = performance.getEntriesByType("resource");
        return {
          fcp: paint.startTime,
          entries: [navigation, ...resources].map((e) => ({ url: e.name, start: e.startTime, type: e.initiatorType ?? e.entryType })),
        };
      });
      const origin = new URL(env.server.url).origin;
      const fetched = entries.filter(({ url }) => !url.startsWith("blob:") && !url.startsWith("data:"));
      const beforePaint = fetched.filter(({ start }) => start < fcp);
      const rows = [];
      for (const entry of beforePaint) {
        const file = distFile(entry.url, origin);
        rows.push({ file, start: entry.start, gzipped: await gzipped(file) });
      }
      const total = rows.reduce((sum, r) => sum + r.gzipped, 0);
      console.log(`first contentful paint at ${fcp.toFixed(0)} ms; fetched before it: ${kb(total)} gzipped (goal ${kb(GOAL)})`);
      for (const r of rows) console.log(`  ${r.file.padEnd(48)} ${kb(r.gzipped).padStart(10)}  (started at ${r.start.toFixed(0)} ms)`);
      const after = fetched.filter(({ start }) => start >= fcp);
      for (const e of after) {
        const file = distFile(e.url, origin);
        console.log(`  after the paint: ${file.padEnd(32)} ${kb(await gzipped(file)).padStart(10)}  (started at ${e.start.toFixed(0)} ms)`);
      }

      assert.ok(rows.some((r) => r.file === "index.html"), "the document is counted");
      assert.ok(total <= GOAL, `the first paint needs ${kb(total)} gzipped, over the ${kb(GOAL)} goal`);
      const pageWasm = after.map((e) => distFile(e.url, origin)).find((f) => /^customer-segmentation-.*_bg\.wasm$/.test(f));
      assert.ok(pageWasm, "the page's own wasm is fetched after the first paint");
      const pageWasmBytes = await gzipped(pageWasm);
      console.log(`page wasm: ${kb(pageWasmBytes)} gzipped (ceiling ${kb(PAGE_WASM_CEILING)})`);
      assert.ok(pageWasmBytes <= PAGE_WASM_CEILING, `the page's wasm is ${kb(pageWasmBytes)} gzipped, over its ${kb(PAGE_WASM_CEILING)} ceiling`);
      for (const name of WORKER_FILES) {
        assert.ok(!rows.some((r) => r.file === name), `${name} is not fetched before the first paint`);
        assert.ok(
          after.some((e) => distFile(e.url, origin) === name),
          `${name} is fetched after the first paint (the worker is ready)`,
        );
      }
      assert.deepEqual(foreignRequests(record), [], "every request stays on 127.0.0.1");
      assert.deepEqual(record.pageErrors, [], "no page error");
    } finally {
      await context.close();
    }
  });

  test("a file chosen on the first screen before the page's code arrives is read when it does", async () => {
    const { context, page, record } = await freshPage();
    // The page's wasm is held back until the file has been chosen on the first screen.
    let release;
    const chosen = new Promise((ok) => (release = ok));
    // (A path ending in the wasm's name: boot.js's own address names it in its query.)
    await context.route(/\/customer-segmentation-[^/?]*_bg\.wasm$/, async (route) => {
      await chosen;
      await route.continue();
    });
    try {
      await page.goto(env.server.url, { waitUntil: "domcontentloaded" });
      await byTestId(page, "shell-file-input").setInputFiles(FIXTURE);
      assert.equal(await byTestId(page, "app").count(), 0, "the app had not started");
      await page.waitForFunction(() => document.getElementById("shell-status")?.textContent.includes("customers.csv will be read in a moment"));
      release();
      await waitReady(page);
      await page.waitForFunction(
        () => document.querySelector('[data-testid="status"]')?.textContent.includes("Read 200 rows × 5 columns"),
        null,
        { timeout: 30_000 },
      );
      assert.equal(await byTestId(page, "shell").count(), 0, "the app replaced the first screen");
      assert.equal(await page.locator("h1").count(), 1, "one page heading");
      assert.deepEqual(foreignRequests(record), [], "every request stays on 127.0.0.1");
      assert.deepEqual(record.pageErrors, [], "no page error");
    } finally {
      await context.close();
    }
  });

  test("a file chosen before the worker is ready waits for it and is read", async () => {
    const { context, page, record } = await freshPage();
    // The worker's wasm is held back a while, so the file is surely chosen before it is ready.
    let released = false;
    await context.route("**/worker_bg.wasm", async (route) => {
      await new Promise((ok) => setTimeout(ok, 2_000));
      released = true;
      await route.continue();
    });
    try {
      await page.goto(env.server.url, { waitUntil: "load" });
      await byTestId(page, "file-input").setInputFiles(FIXTURE);
      assert.equal(await byTestId(page, "app").getAttribute("data-ready"), "false", "the worker was not ready yet");
      assert.equal(released, false, "the worker's wasm had not arrived yet");
      await waitReady(page);
      await page.waitForFunction(
        () => document.querySelector('[data-testid="status"]')?.textContent.includes("Read 200 rows × 5 columns"),
        null,
        { timeout: 30_000 },
      );
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="profile-row"]').length === 5, null, {
        timeout: 30_000,
      });
      await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor({ timeout: 60_000 });
      assert.equal(await byTestId(page, "error").count(), 0, "no error shown");
      assert.deepEqual(foreignRequests(record), [], "every request stays on 127.0.0.1");
      assert.deepEqual(record.pageErrors, [], "no page error");
    } finally {
      await context.close();
    }
  });
});
