// End-to-end: the built release page in headless Chromium, driven as a user would.
// Run by scripts/test after `trunk build --release`; `node --test tests/e2e/` alone works too.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, foreignRequests, openApp, parseCsv, requestsAfterReady, usePageAndBrowser } from "./harness.mjs";

const env = usePageAndBrowser();
const FIXTURE = join(ROOT, "tests/fixtures/customers.csv");


const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

async function loadFile(page, file) {
  await byTestId(page, "file-input").setInputFiles(file);
}

async function waitForStatus(page, text) {
  await page.waitForFunction(
    (t) => document.querySelector('[data-testid="status"]')?.textContent.includes(t),
    text,
    { timeout: 30_000 },
  );
}

describe("the journey from a CSV to a segmented download", () => {
  test("fixture with k = 5: chart drawn, every row downloaded with its segment, no request leaves the machine", async () => {
    const { context, page, record } = await openApp(env.browser, env.server.url);
    try {
      await loadFile(page, FIXTURE);
      await waitForStatus(page, "Read 200 rows × 5 columns");
      // The profile names every column's kind; the cleaning report counts the rows.
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="profile-row"]').length === 5);
      const kinds = await page.locator('[data-testid="profile-row"]').evaluateAll((rows) =>
        rows.map((r) => [r.dataset.column, r.dataset.kind, r.dataset.missing]));
      assert.deepEqual(kinds, [
        ["CustomerID", "id", "0"],
        ["Genre", "categorical", "0"],
        ["Age", "numeric", "0"],
        ["Annual Income (k$)", "numeric", "0"],
        ["Spending Score (1-100)", "numeric", "0"],
      ]);
      const report = page.locator('[data-testid="cleaning-report"]');
      await report.waitFor();
      assert.equal(await report.getAttribute("data-rows-read"), "200");
      assert.equal(await report.getAttribute("data-rows-clustered"), "200");
      // The sweep over k draws the elbow, fills the metrics and recommends a k.
      await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor({ timeout: 60_000 });
      assert.equal(await page.locator('[data-testid="k-metrics"] tbody tr').count(), 9, "k = 2..10");
      const recommended = await byTestId(page, "k-reason").getAttribute("data-k");
      assert.equal(await byTestId(page, "k-input").inputValue(), recommended, "the recommended k is preselected");
      await byTestId(page, "k-input").fill("5");
      await byTestId(page, "run").click();
      await page.locator('[data-testid="chart-scatter"][data-drawn="true"]').waitFor({ timeout: 30_000 });
      await page.locator('[data-testid="chart-pca"][data-drawn="true"]').waitFor({ timeout: 30_000 });
      assert.equal(await page.locator('[data-testid="segment-card"]').count(), 5);
      const status = await byTestId(page, "status").textContent();
      assert.match(status, /Read 200 rows × 5 columns in \d+ ms .* · 5 segments in \d+ ms/);
      assert.equal(await byTestId(page, "error").count(), 0, "no error shown");

      // The canvas holds a drawing: many non-white pixels in several segment colours.
      const pixels = await byTestId(page, "chart-scatter").evaluate((canvas) => {
        const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
        let inked = 0;
        const colours = new Set();
        for (let i = 0; i < data.length; i += 4) {
          if (data[i] < 250 || data[i + 1] < 250 || data[i + 2] < 250) {
            inked++;
            colours.add((data[i] >> 4) * 256 + (data[i + 1] >> 4) * 16 + (data[i + 2] >> 4));
          }
        }
        return { inked, colours: colours.size };
      });
      assert.ok(pixels.inked > 2000, `canvas has a drawing (${pixels.inked} inked pixels)`);
      assert.ok(pixels.colours >= 6, `points in several colours (${pixels.colours})`);

      // The download: a real file with every input row and column, text unchanged.
      const [download] = await Promise.all([page.waitForEvent("download"), byTestId(page, "download-csv").click()]);
      assert.equal(download.suggestedFilename(), "customers-segmented.csv");
      const saved = join(await mkdtemp(join(tmpdir(), "seg-")), download.suggestedFilename());
      await download.saveAs(saved);
      const rows = parseCsv(await readFile(saved, "utf8"));
      const input = parseCsv(await readFile(FIXTURE, "utf8"));
      assert.equal(rows.length, 201, "header + 200 rows");
      assert.deepEqual(rows[0], [...input[0], "segment", "segment_name", "excluded_reason"]);
      for (let i = 1; i < rows.length; i++) {
        assert.deepEqual(rows[i].slice(0, 5), input[i], `row ${i} unchanged`);
        assert.notEqual(rows[i][6], "", `row ${i} has its segment's name`);
        assert.equal(rows[i][7], "", `row ${i} was clustered`);
      }
      assert.equal(rows[1][0].length, 4, "zero-padded IDs stay as written");
      const segments = new Set(rows.slice(1).map((r) => r[5]));
      assert.deepEqual([...segments].sort(), ["1", "2", "3", "4", "5"]);

      assert.deepEqual(foreignRequests(record), [], "every request stays on 127.0.0.1");
      assert.deepEqual(requestsAfterReady(record), [], "no request after the page has loaded");
      assert.deepEqual(record.pageErrors, [], "no page error");
      assert.deepEqual(record.consoleErrors, [], "no console error");
    } finally {
      await context.close();
    }
  });

  test("bad input gets a clear message and the next file works without a reload", async () => {
    const { context, page, record } = await openApp(env.browser, env.server.url);
    try {
      const error = byTestId(page, "error");
      const cases = [
        ["empty.csv", Buffer.alloc(0), /empty\.csv: the file is empty/],
        ["header.csv", Buffer.from("CustomerID,Age,Income\r\n"), /header\.csv: .*no data rows/],
        ["binary.csv", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /binary\.csv: .*does not look like text/],
      ];
      for (const [name, buffer, expected] of cases) {
        await loadFile(page, { name, mimeType: "text/csv", buffer });
        await error.waitFor({ timeout: 15_000 });
        assert.match(await error.textContent(), expected);
      }

      // A file with no numeric column loads, then says why it cannot be segmented.
      await loadFile(page, { name: "words.csv", mimeType: "text/csv", buffer: Buffer.from("name,city\nAnn,Oslo\nBo,Rome\n") });
      await error.waitFor();
      assert.match(await error.textContent(), /words\.csv: nothing to cluster on: no column holds numbers/);

      // k larger than the number of rows.
      await loadFile(page, { name: "small.csv", mimeType: "text/csv", buffer: Buffer.from("x,y\n1,2\n3,4\n5,7\n") });
      await waitForStatus(page, "Read 3 rows");
      await byTestId(page, "k-input").fill("9");
      await byTestId(page, "run").click();
      await page.waitForFunction(() => document.querySelector('[data-testid="error"]')?.textContent.includes("choose k ≤ 3"));

      // The page still works: the good file segments.
      await loadFile(page, FIXTURE);
      await waitForStatus(page, "Read 200 rows");
      assert.equal(await error.count(), 0, `the old error is gone (${await error.count() ? await error.textContent() : ""})`);
      await byTestId(page, "k-input").fill("4");
      await byTestId(page, "run").click();
      await page.locator('[data-testid="chart-scatter"][data-drawn="true"]').waitFor({ timeout: 30_000 });
      await waitForStatus(page, "4 segments");
      assert.deepEqual(record.pageErrors, [], "no page error: nothing panicked");
    } finally {
      await context.close();
    }
  });
});
