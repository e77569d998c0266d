// Transaction logs end to end: the project's own log fixture (tests/fixtures/rfm) is
// recognised, turned into one row per customer, segmented, and both downloads are real
// files: the customers (R, F, M, scores, segment) and every transaction row.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, foreignRequests, openApp, parseCsv, usePageAndBrowser } from "./harness.mjs";

const env = usePageAndBrowser();
const LOG = join(ROOT, "tests/fixtures/rfm/transactions.csv");
const EXPECTED = join(ROOT, "tests/fixtures/rfm/expected_customers.csv");


async function download(page, testId) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.locator(`[data-testid="${testId}"]`).click()]);
  const path = join(await mkdtemp(join(tmpdir(), "tx-")), file.suggestedFilename());
  await file.saveAs(path);
  return { name: file.suggestedFilename(), rows: parseCsv(await readFile(path, "utf8")) };
}

test("a transaction log becomes customers with R, F, M, then named segments; every transaction row is exported", async () => {
  const { context, page, record } = await openApp(env.browser, env.server.url);
  try {
    await page.locator('[data-testid="file-input"]').setInputFiles(LOG);
    const toggle = page.locator('[data-testid="mode-transactions"]');
    await toggle.waitFor({ timeout: 30_000 });
    await toggle.check();
    const report = page.locator('[data-testid="rfm-report"]');
    await report.waitFor({ timeout: 30_000 });
    const customers = Number(await report.getAttribute("data-customers"));
    assert.ok(customers > 5, `customers: ${customers}`);
    await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="run"]').click();
    await page.locator('[data-testid="segment-card"]').first().waitFor({ timeout: 60_000 });

    const perCustomer = await download(page, "download-customers");
    assert.deepEqual(perCustomer.rows[0].slice(0, 4), ["CustomerID", "Recency", "Frequency", "Monetary"]);
    assert.equal(perCustomer.rows.filter((r) => r.length > 1).length - 1, customers);
    // R, F, M agree with pandas (the fixture's expected values, computed by make_rfm_fixture.py).
    const expected = parseCsv(await readFile(EXPECTED, "utf8")).filter((r) => r.length > 1);
    const col = (rows, name) => rows[0].indexOf(name);
    const byId = new Map(perCustomer.rows.slice(1).filter((r) => r.length > 1).map((r) => [r[0], r]));
    for (const row of expected.slice(1)) {
      const ours = byId.get(row[col(expected, "CustomerID")]);
      assert.ok(ours, `customer ${row[0]} exported`);
      for (const name of ["Recency", "Frequency"]) {
        assert.equal(Number(ours[col(perCustomer.rows, name)]), Number(row[col(expected, name)]), `${name} of ${row[0]}`);
      }
      const m = Number(ours[col(perCustomer.rows, "Monetary")]);
      assert.ok(Math.abs(m - Number(row[col(expected, "Monetary")])) < 1e-6, `Monetary of ${row[0]}`);
    }

    const rows = await download(page, "download-csv");
    const input = parseCsv(await readFile(LOG, "utf8")).filter((r) => r.length > 1);
    const output = rows.rows.filter((r) => r.length > 1);
    assert.equal(output.length, input.length, "every transaction row, and the header");
    assert.deepEqual(output[0], [...input[0], "segment", "segment_name", "excluded_reason"]);
    assert.deepEqual(foreignRequests(record), []);
    assert.deepEqual(record.pageErrors, []);
  } finally {
    await context.close();
  }
});
