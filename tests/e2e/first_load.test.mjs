// A smaller first load (issue 12, item 5). The goal is a first paint that needs at most
// 400 KB gzipped; today the page's own wasm alone is ~500 KB, so this test holds the line
// at a ceiling of 560 KB (printing the figure beside the goal) while the worker's code (worker.js and worker_bg.wasm, about half a megabyte gzipped) is
// fetched only after the page has painted, and a file chosen before the worker is ready
// waits for it and is read.
// Run after `trunk build --release --offline=true`: node --test --test-concurrency=1 tests/e2e/
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DIST, ROOT, foreignRequests, usePageAndBrowser } from "./harness.mjs";

const env = usePageAndBrowser();
const FIXTURE = join(ROOT, "tests/fixtures/customers.csv");
// The goal (issue 12), printed; and the ceiling asserted: today's first paint plus 10%,
// so the page's code cannot grow unnoticed.
const GOAL = 400 * 1024;
const CEILING = 560 * 1024;
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
  test("the first paint fetches only the page's own code (under 560 KB gzipped; goal 400 KB); the worker's code comes after it", async () => {
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
      console.log(`first contentful paint at ${fcp.toFixed(0)} ms; fetched before it: ${kb(total)} gzipped (goal ${kb(GOAL)}, ceiling ${kb(CEILING)})`);
      for (const r of rows) console.log(`  ${r.file.padEnd(48)} ${kb(r.gzipped).padStart(10)}  (started at ${r.start.toFixed(0)} ms)`);
      const after = fetched.filter(({ start }) => start >= fcp);
      for (const e of after) {
        const file = distFile(e.url, origin);
        console.log(`  after the paint: ${file.padEnd(32)} ${kb(await gzipped(file)).padStart(10)}  (started at ${e.start.toFixed(0)} ms)`);
      }

      assert.ok(rows.some((r) => r.file === "index.html"), "the document is counted");
      assert.ok(rows.some((r) => /_bg\.wasm$/.test(r.file)), "the page's own wasm is needed for the first paint");
      assert.ok(total <= CEILING, `the first paint needs ${kb(total)} gzipped, over the ${kb(CEILING)} ceiling`);
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
