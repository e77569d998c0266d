// Two segmentations of one file compared (issue 11, point 9): after a second run with
// another k, a crosstab of how the customers moved, the largest flows in words and the
// agreement; the user's segment names carried into it; and a saved model applied to the
// same file compared with the segmentation it was saved from (the same grouping: the
// adjusted Rand index is 1 and each earlier segment lands in exactly one).
// Run after `trunk build --release --offline=true`: node --test --test-concurrency=1 tests/e2e/
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, usePageAndBrowser } from "./harness.mjs";

const FIXTURE = join(ROOT, "tests/fixtures/customers.csv");
const LONG = { timeout: 60_000 };
const env = usePageAndBrowser();
const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/** Runs with k and waits until the page shows k cards. */
async function runWithK(page, k) {
  await byTestId(page, "k-input").fill(String(k));
  await byTestId(page, "run").click();
  await page.waitForFunction((k) => document.querySelectorAll('[data-testid="segment-card"]').length === k, k, LONG);
  await page.locator('[data-testid="chart-scatter"][data-drawn="true"]').waitFor(LONG);
}

/** The crosstab inside `scope`: header names, row names and counts. */
async function crosstab(scope) {
  const table = scope.locator('[data-testid="compare-crosstab"]');
  await table.waitFor(LONG);
  return table.evaluate((t) => ({
    columns: [...t.querySelectorAll("thead th")].slice(1, -1).map((th) => th.getAttribute("title") ?? th.textContent),
    rows: [...t.querySelectorAll("tbody tr")].map((tr) => ({
      name: tr.querySelector("th").getAttribute("title"),
      counts: [...tr.querySelectorAll("td")].slice(0, -1).map((td) => Number(td.textContent)),
      total: Number(tr.querySelector("td:last-child").textContent),
    })),
  }));
}

describe("comparing two segmentations", () => {
  test("a second run shows how customers moved; a model applied to the same file agrees with its own run", { timeout: 180_000 }, async () => {
    const context = await env.browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    try {
      await page.goto(env.server.url, { waitUntil: "load" });
      await page.locator('[data-testid="app"][data-ready="true"]').waitFor({ timeout: 30_000 });
      await byTestId(page, "file-input").setInputFiles(FIXTURE);
      await page.locator('[data-testid="k-reason"][data-k]').waitFor(LONG);

      await runWithK(page, 4);
      assert.equal(await byTestId(page, "compare-crosstab").count(), 0, "nothing to compare after the first run");
      const firstNames = await page.locator('[data-testid="segment-card"]').evaluateAll((cards) => cards.map((c) => c.dataset.name));
      // The user renames segment 2 before trying another k: the crosstab uses that name.
      const renamed = "Renamed before k = 3";
      const name2 = page.locator('[data-testid="segment-card"][data-segment="2"] [data-testid="segment-name"]');
      await name2.fill(renamed);
      await name2.blur();

      await runWithK(page, 3);
      const moved = await crosstab(page);
      assert.equal(moved.rows.length, 4, "a row per earlier segment (every row was segmented both times)");
      assert.equal(moved.columns.length, 3, "a column per new segment");
      assert.deepEqual(
        moved.rows.map((r) => r.name),
        [firstNames[0], renamed, firstNames[2], firstNames[3]],
        "the earlier segments under the names they had on the page",
      );
      const newNames = await page.locator('[data-testid="segment-card"]').evaluateAll((cards) => cards.map((c) => c.dataset.name));
      assert.deepEqual(moved.columns, newNames);
      for (const r of moved.rows) assert.equal(r.counts.reduce((a, b) => a + b, 0), r.total, `${r.name}: the row adds up`);
      assert.equal(moved.rows.reduce((n, r) => n + r.total, 0), 200, "every customer of the file is counted once");
      // Sizes agree with the cards: each column adds up to its new segment's size.
      const sizes = await page.locator('[data-testid="segment-card"]').evaluateAll((cards) => cards.map((c) => Number(c.dataset.size)));
      assert.deepEqual(moved.columns.map((_, j) => moved.rows.reduce((n, r) => n + r.counts[j], 0)), sizes);
      const compare = byTestId(page, "compare");
      const flows = await compare.locator(".flows li").allTextContents();
      assert.ok(flows.length >= 1 && /customers of earlier segment \d/.test(flows[0]), `the largest flows in words: ${flows}`);
      const agreement = Number(await compare.getAttribute("data-agreement"));
      assert.ok(agreement > 0 && agreement < 1, `4 → 3 segments: partly the same grouping (${agreement})`);

      // The model of this k = 3 run, applied to the same file: the same grouping.
      const downloads = await mkdtemp(join(tmpdir(), "seg-compare-"));
      const [dl] = await Promise.all([page.waitForEvent("download", { timeout: 30_000 }), byTestId(page, "download-model").click()]);
      const modelPath = join(downloads, dl.suggestedFilename());
      await dl.saveAs(modelPath);
      await page.locator("details.apply-model > summary").click();
      await byTestId(page, "model-input").setInputFiles(modelPath);
      await page.getByText(`Model: ${dl.suggestedFilename()}`).waitFor();
      await byTestId(page, "apply-file-input").setInputFiles(FIXTURE);
      const applied = byTestId(page, "applied");
      await applied.waitFor(LONG);
      const same = await crosstab(applied);
      assert.equal(same.rows.length, 3);
      for (const r of same.rows) {
        assert.equal(r.counts.filter((c) => c > 0).length, 1, `${r.name}: all its customers in one segment of the model`);
      }
      assert.equal(await applied.locator('[data-testid="compare"]').getAttribute("data-agreement"), "1.000");
      assert.deepEqual(errors, [], "no page error");
    } finally {
      await context.close();
    }
  });
});
