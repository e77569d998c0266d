// Product end-to-end tests: the built release page (dist/) in headless Chromium, no mocks.
// What a user does and gets: the sample in three clicks, every export as a real file, the
// model applied to a file, formula neutralisation, offline use, kept settings, chart files,
// accessibility (axe-core), phone width; and, in every test, no request leaving 127.0.0.1
// and no page error.
// Run after `trunk build --release --offline=true`: node --test --test-concurrency=1 tests/e2e/
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, foreignRequests, parseCsv, usePageAndBrowser } from "./harness.mjs";

const FIXTURE = join(ROOT, "tests/fixtures/customers.csv");
const AXE = join(ROOT, "node_modules/axe-core/axe.min.js");
const SETTINGS_KEY = "customer-segmentation.settings.v1";
const LONG = { timeout: 60_000 };

let downloads;
const env = usePageAndBrowser();
before(async () => {
  downloads = await mkdtemp(join(tmpdir(), "seg-product-"));
});

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/**
 * Like the harness's openApp, with context options (viewport, bypassCSP) and a record
 * that survives reloads: every request, page errors, console errors.
 */
async function open({ viewport = { width: 1366, height: 768 }, ...options } = {}) {
  const context = await env.browser.newContext({ acceptDownloads: true, viewport, ...options });
  const page = await context.newPage();
  const record = { requests: [], pageErrors: [], consoleErrors: [] };
  page.on("request", (request) => record.requests.push({ url: request.url(), at: Date.now() }));
  page.on("pageerror", (error) => record.pageErrors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") record.consoleErrors.push(message.text());
  });
  await page.goto(env.server.url, { waitUntil: "load" });
  await waitReady(page);
  return { context, page, record };
}

const waitReady = (page) => page.locator('[data-testid="app"][data-ready="true"]').waitFor({ timeout: 30_000 });

/** Point 9: nothing left the machine and nothing threw, whatever the test did. */
function assertClean(record) {
  assert.deepEqual(foreignRequests(record), [], "every request stays on 127.0.0.1");
  assert.deepEqual(record.pageErrors, [], "no page error");
}

/** The sweep is done: the elbow drawn and a recommended k given. */
async function waitSweep(page) {
  await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor(LONG);
  await page.locator('[data-testid="k-reason"][data-k]').waitFor(LONG);
}

/** Segments shown: cards and the scatter chart drawn. */
async function waitSegments(page) {
  await page.locator('[data-testid="segment-card"]').first().waitFor(LONG);
  await page.locator('[data-testid="chart-scatter"][data-drawn="true"]').waitFor(LONG);
}

async function loadAndRun(page, file) {
  await byTestId(page, "file-input").setInputFiles(file);
  await waitSweep(page);
  await byTestId(page, "run").click();
  await waitSegments(page);
}

/** Clicks a download button and returns the saved file: { name, path, bytes, text }. */
async function download(page, testId) {
  const [dl] = await Promise.all([page.waitForEvent("download", { timeout: 30_000 }), byTestId(page, testId).click()]);
  const dir = await mkdtemp(join(downloads, `${testId}-`));
  const path = join(dir, dl.suggestedFilename());
  await dl.saveAs(path);
  const bytes = await readFile(path);
  return { name: dl.suggestedFilename(), path, bytes, text: bytes.toString("utf8") };
}

const column = (rows, name) => {
  const i = rows[0].indexOf(name);
  assert.ok(i >= 0, `column ${name} in ${JSON.stringify(rows[0])}`);
  return rows.slice(1).map((r) => r[i]);
};

describe("product", () => {
  test("1. sample data to named segments in at most three clicks", async () => {
    const { context, page, record } = await open();
    try {
      let clicks = 0;
      const click = async (locator) => { clicks++; await locator.click(); };
      await click(byTestId(page, "sample-data"));
      await waitSweep(page);
      const recommended = await byTestId(page, "k-reason").getAttribute("data-k");
      assert.match(recommended, /^\d+$/);
      assert.equal(await byTestId(page, "k-input").inputValue(), recommended, "the recommended k is preselected");
      await click(byTestId(page, "run"));
      await waitSegments(page);
      assert.ok(clicks <= 3, `${clicks} clicks`);
      const names = await page.locator('[data-testid="segment-card"]').evaluateAll((cards) => cards.map((c) => c.dataset.name));
      assert.equal(names.length, Number(recommended), "one card per segment");
      for (const name of names) assert.ok(name && name.trim() !== "", `a named segment (${JSON.stringify(name)})`);
      assert.ok(names.some((n) => n.includes("→") || n.includes("Typical")), `a descriptive name among ${JSON.stringify(names)}`);
      assertClean(record);
    } finally {
      await context.close();
    }
  });

  test("2. segmented CSV, summary, model, model applied, and a renamed segment in the export", async () => {
    const { context, page, record } = await open();
    try {
      const fixtureBytes = await readFile(FIXTURE);
      const input = parseCsv(fixtureBytes.toString("utf8"));
      await loadAndRun(page, FIXTURE);
      const k = (await page.locator('[data-testid="segment-card"]').count());

      const segmented = await download(page, "download-csv");
      assert.equal(segmented.name, "customers-segmented.csv");
      const rows = parseCsv(segmented.text);
      assert.deepEqual(rows[0], [...input[0], "segment", "segment_name", "excluded_reason"]);
      assert.equal(rows.length - 1, 200, "200 data rows");
      for (let i = 1; i < rows.length; i++) assert.deepEqual(rows[i].slice(0, input[0].length), input[i], `row ${i}: input cells unchanged`);
      const segments = column(rows, "segment");
      assert.equal(new Set(segments).size, k, "every segment used");

      const summary = parseCsv((await download(page, "download-summary")).text);
      assert.deepEqual(summary[0].slice(0, 4), ["segment", "segment_name", "customers", "share"]);
      assert.equal(summary.length - 1, k + 2, "one row per segment + All customers + η² per feature");
      const bySegment = summary.slice(1, k + 1);
      assert.deepEqual(bySegment.map((r) => r[0]), Array.from({ length: k }, (_, i) => String(i + 1)));
      assert.equal(summary[k + 1][1], "All customers");
      assert.equal(summary[k + 1][2], "200");
      assert.equal(bySegment.reduce((n, r) => n + Number(r[2]), 0), 200, "segment sizes add up");
      assert.match(summary[k + 2][1], /^η²/);

      const modelFile = await download(page, "download-model");
      assert.equal(modelFile.name, "customers-model.json");
      const model = JSON.parse(modelFile.text);
      assert.equal(model.schema_version, 2);
      assert.equal(model.source.sha256, createHash("sha256").update(fixtureBytes).digest("hex"));
      // The centres are saved as centers_scaled (what rows are compared to) and centers_original.
      const features = model.plan.features.length;
      assert.ok(features >= 2, `features saved (${features})`);
      for (const key of ["centers_scaled", "centers_original"]) {
        assert.equal(model[key].length, k, `k ${key}`);
        for (const c of model[key]) assert.ok(c.length === features && c.every(Number.isFinite), `${key}: ${features} finite numbers each`);
      }
      assert.equal(model.segment_names.length, k);
      const names = await page.locator('[data-testid="segment-card"]').evaluateAll((cards) => cards.map((c) => c.dataset.name));
      assert.deepEqual(model.segment_names, names, "the cards' names are saved");

      // Rename segment 1 in its card: the new name is in a fresh export. (Before the model is
      // applied: applying a model replaces the results on the page.)
      const newName = "Renamed by the e2e test";
      const input1 = page.locator('[data-testid="segment-card"][data-segment="1"] [data-testid="segment-name"]');
      await input1.fill(newName);
      await input1.press("Enter");
      await input1.blur();
      const renamed = parseCsv((await download(page, "download-csv")).text);
      const renamedNames = column(renamed, "segment_name");
      const renamedSegments = column(renamed, "segment");
      assert.ok(renamedSegments.includes("1"));
      renamedSegments.forEach((s, i) => {
        if (s === "1") assert.equal(renamedNames[i], newName, `row ${i + 1} of segment 1`);
        else assert.equal(renamedNames[i], column(rows, "segment_name")[i], `row ${i + 1} keeps its name`);
      });
      // Apply the downloaded model to the same file: the same segments, row for row.
      await page.locator("details.apply-model > summary").click();
      await byTestId(page, "model-input").setInputFiles(modelFile.path);
      await page.getByText(`Model: ${modelFile.name}`).waitFor(); // read (async) before the CSV is chosen
      await byTestId(page, "apply-file-input").setInputFiles(FIXTURE);
      const applied = byTestId(page, "applied");
      await applied.waitFor(LONG);
      assert.equal(await applied.getAttribute("data-rows"), "200");
      assert.equal(await applied.getAttribute("data-unplaced"), "0");
      const appliedRows = parseCsv((await download(page, "download-applied")).text);
      assert.equal(appliedRows.length, rows.length);
      assert.deepEqual(column(appliedRows, "segment"), segments);
      assert.deepEqual(column(appliedRows, "segment_name"), column(rows, "segment_name"));

      assertClean(record);
    } finally {
      await context.close();
    }
  });

  test("3. formula-like text is neutralised in the download, numbers are not", async () => {
    const { context, page, record } = await open();
    try {
      const notes = ['=HYPERLINK("http://x","y")', "@SUM(A1)", "-cmd", "+1+2", "plain", "=1+1", "ok", "@home", "-", "fine", "+x", "note"];
      const spend = ["-12.5", "10", "20.25", "-3", "40", "55.5", "60", "-7.75", "80", "90", "100.5", "110"];
      const quote = (s) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
      const lines = ["id,note,spend,visits", ...notes.map((n, i) => `${i + 1},${quote(n)},${spend[i]},${(i * 7) % 11}`)];
      const buffer = Buffer.from(lines.join("\n") + "\n");
      await byTestId(page, "file-input").setInputFiles({ name: "formulas.csv", mimeType: "text/csv", buffer });
      await waitSweep(page);
      await byTestId(page, "run").click();
      await waitSegments(page);
      const rows = parseCsv((await download(page, "download-csv")).text);
      assert.equal(rows.length - 1, notes.length);
      assert.deepEqual(rows[0].slice(0, 4), ["id", "note", "spend", "visits"]);
      rows.slice(1).forEach((row, i) => {
        const dangerous = /^[=+\-@]/.test(notes[i]);
        assert.equal(row[1], dangerous ? `'${notes[i]}` : notes[i], `note ${JSON.stringify(notes[i])}`);
        assert.equal(row[2], spend[i], `number ${spend[i]} unchanged`);
      });
      assertClean(record);
    } finally {
      await context.close();
    }
  });

  test("4. works offline after the first visit", async () => {
    const { context, page, record } = await open();
    try {
      await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
      if (!(await page.evaluate(() => Boolean(navigator.serviceWorker.controller)))) {
        await page.reload({ waitUntil: "load" });
        await waitReady(page);
      }
      await page.waitForFunction(() => Boolean(navigator.serviceWorker.controller), null, { timeout: 30_000 });
      await context.setOffline(true);
      // The network really is off: a fetch the service worker does not cache fails.
      const online = await page.evaluate(() => fetch(`/not-cached-${Date.now()}`).then(() => true, () => false));
      assert.equal(online, false, "network off");
      await page.reload({ waitUntil: "load" });
      await waitReady(page);
      await byTestId(page, "sample-data").click();
      await waitSweep(page);
      await byTestId(page, "run").click();
      await waitSegments(page);
      assert.ok((await page.locator('[data-testid="segment-card"]').count()) >= 2);
      assertClean(record);
    } finally {
      await context.close();
    }
  });

  test("5. k and scaling kept across a reload; Start over forgets them", async () => {
    const { context, page, record } = await open();
    try {
      await byTestId(page, "file-input").setInputFiles(FIXTURE);
      await waitSweep(page);
      await byTestId(page, "k-input").fill("4");
      await byTestId(page, "scaling-select").selectOption("robust");
      await page.waitForFunction((key) => {
        const s = JSON.parse(localStorage.getItem(key) ?? "null");
        return s?.k === "4" && /robust/i.test(JSON.stringify(s.scaling));
      }, SETTINGS_KEY, { timeout: 30_000 });
      // Let the re-clean and re-sweep the scaling started finish before reloading.
      await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor(LONG);
      await page.waitForFunction(() => !document.querySelector('[data-testid="progress"]'), null, LONG);

      await page.reload({ waitUntil: "load" });
      await waitReady(page);
      assert.equal(await byTestId(page, "k-input").inputValue(), "4", "the saved k is back after the reload");
      await byTestId(page, "file-input").setInputFiles(FIXTURE);
      await waitSweep(page);
      assert.equal(await byTestId(page, "scaling-select").inputValue(), "robust", "the saved scaling is applied to the file");

      await byTestId(page, "start-over").click();
      await page.waitForFunction(() => document.querySelector('[data-testid="k-input"]').value === "5", null, { timeout: 10_000 });
      assert.equal(await page.evaluate((key) => localStorage.getItem(key), SETTINGS_KEY), null, "settings forgotten");
      assertClean(record);
    } finally {
      await context.close();
    }
  });

  // A k the user typed is a setting: it survives a reload and wins over the next file's
  // recommendation (a recommended k is never saved).
  test("5b. the saved k survives loading a file after a reload", async () => {
    const { context, page, record } = await open();
    try {
      await byTestId(page, "file-input").setInputFiles(FIXTURE);
      await waitSweep(page);
      await byTestId(page, "k-input").fill("4");
      await page.waitForFunction((key) => JSON.parse(localStorage.getItem(key) ?? "null")?.k === "4", SETTINGS_KEY, { timeout: 30_000 });
      await page.reload({ waitUntil: "load" });
      await waitReady(page);
      await byTestId(page, "file-input").setInputFiles(FIXTURE);
      await waitSweep(page);
      assert.equal(await byTestId(page, "k-input").inputValue(), "4", "the saved k, not the recommended one");
      assertClean(record);
    } finally {
      await context.close();
    }
  });

  test("6. chart downloads: PNG and SVG files", async () => {
    const { context, page, record } = await open();
    try {
      await loadAndRun(page, FIXTURE);
      const png = await download(page, "export-png-scatter");
      assert.equal(png.name, "scatter.png");
      assert.deepEqual([...png.bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
      assert.ok(png.bytes.length > 1000, `a real image (${png.bytes.length} bytes)`);
      await page.locator('[data-testid="chart-heatmap"][data-drawn="true"]').waitFor(LONG);
      const svg = await download(page, "export-svg-heatmap");
      assert.equal(svg.name, "heatmap.svg");
      assert.ok(svg.text.includes("<svg"), "an SVG document");
      assert.ok(svg.text.includes("</svg>"), "a complete SVG document");
      assertClean(record);
    } finally {
      await context.close();
    }
  });

  test("7. accessibility: no serious or critical axe violation at any stage", async () => {
    // bypassCSP: the page's CSP (script-src 'self') would block the injected axe script;
    // the scan needs it off. Only this test's context bypasses it.
    const { context, page, record } = await open({ bypassCSP: true });
    try {
      await page.addScriptTag({ path: AXE });
      const failures = [];
      const scan = async (stage) => {
        const violations = await page.evaluate(async () => {
          const result = await window.axe.run(document, { resultTypes: ["violations"] });
          return result.violations.map((v) => ({ id: v.id, impact: v.impact, count: v.nodes.length, targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
        });
        console.log(`axe ${stage}: ${violations.length ? violations.map((v) => `${v.id} (${v.impact}) ×${v.count}`).join(", ") : "no violations"}`);
        for (const v of violations) if (v.impact === "serious" || v.impact === "critical") failures.push({ stage, ...v });
      };
      await scan("empty");
      await byTestId(page, "file-input").setInputFiles(FIXTURE);
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="profile-row"]').length === 5);
      await page.locator('[data-testid="cleaning-report"]').waitFor();
      await scan("review");
      await waitSweep(page);
      await scan("sweep");
      await byTestId(page, "run").click();
      await waitSegments(page);
      await page.locator('[data-testid="chart-heatmap"][data-drawn="true"]').waitFor(LONG);
      await scan("segments");
      assert.deepEqual(failures, [], "no serious or critical violation");
      assertClean(record);
    } finally {
      await context.close();
    }
  });

  test("8. phone width: no horizontal scroll at 390×844", async () => {
    const { context, page, record } = await open({ viewport: { width: 390, height: 844 } });
    try {
      await byTestId(page, "sample-data").click();
      await waitSweep(page);
      await byTestId(page, "run").click();
      await waitSegments(page);
      await page.locator('[data-testid="chart-heatmap"][data-drawn="true"]').waitFor(LONG);
      const { scrollWidth, innerWidth, wide } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        // What sticks out, to say what to fix when this fails.
        wide: [...document.querySelectorAll("body *")]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}${e.className ? "." + String(e.className).split(" ").join(".") : ""}`),
      }));
      assert.equal(innerWidth, 390);
      assert.ok(scrollWidth <= innerWidth + 1, `scrollWidth ${scrollWidth} > ${innerWidth}: ${wide.join(", ")}`);
      assertClean(record);
    } finally {
      await context.close();
    }
  });
});
