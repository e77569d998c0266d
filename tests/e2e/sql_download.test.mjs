// "Score in your database" (issue 13): the model as one SQL query, downloaded from the page
// as a real file, for each dialect; the same bytes as the command line's `segment sql` on
// the page's own model download; and from a saved model alone (the apply-model panel),
// with no data file loaded.
// Run after `trunk build --release --offline=true`: node --test --test-concurrency=1 tests/e2e/
// The command-line comparison needs the `segment` binary (E2E_SEGMENT_BIN, default
// target/worker-release/segment: `cargo build --profile worker-release --bin segment`).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { access, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, foreignRequests, openApp, usePageAndBrowser } from "./harness.mjs";

const env = usePageAndBrowser();
const FIXTURE = join(ROOT, "tests/fixtures/customers.csv");
const MODEL_V1 = join(ROOT, "tests/fixtures/model_v1.json");
const SEGMENT_BIN = process.env.E2E_SEGMENT_BIN ?? join(ROOT, "target/worker-release/segment");
const LONG = { timeout: 60_000 };

// Each dialect with a table name a user of it might type (DuckDB reads a file directly).
const DIALECTS = [
  ["duckdb", "DuckDB", "read_csv('customers.csv')"],
  ["spark", "Spark SQL", "crm.customers_spark"],
  ["postgres", "PostgreSQL", "public.customers_pg"],
  ["bigquery", "BigQuery", "shop.customers_bq"],
  ["snowflake", "Snowflake", "SHOP.PUBLIC.CUSTOMERS_SF"],
];

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/**
 * Clicks `download-sql` and resolves to `{ name, path, text }` of the file saved; fails at
 * once with the page's message when the page shows an error instead of a download.
 */
async function downloadSql(page, dir) {
  assert.equal(await byTestId(page, "error").count(), 0, "no error shown before the download");
  const download = page.waitForEvent("download", LONG);
  const error = byTestId(page, "error").waitFor(LONG).then(async () => {
    throw new Error(`the page showed an error instead of a download: ${await byTestId(page, "error").textContent()}`);
  });
  await byTestId(page, "download-sql").click();
  const saved = await Promise.race([download, error]);
  error.catch(() => {}); // the loser of the race times out unobserved
  const name = saved.suggestedFilename();
  const path = join(dir, name);
  await saved.saveAs(path);
  return { name, path, text: await readFile(path, "utf8") };
}

/** The query after any leading comment lines. */
const body = (sql) => sql.replace(/^(\s*--[^\n]*\n)*\s*/, "");

/** Checks what every downloaded query must say. */
function checkQuery(sql, dialect, table) {
  assert.ok(sql.includes(table), `${dialect}: the query reads the table as typed (${table})`);
  assert.match(body(sql), /^WITH\b/i, `${dialect}: the query starts with WITH`);
  for (const column of ["segment_name", "distance", "excluded_reason"]) {
    assert.ok(sql.includes(column), `${dialect}: the query returns ${column}`);
  }
}

async function exists(path) {
  return access(path).then(() => true, () => false);
}

describe("score in your database: the model as SQL", () => {
  // Filled by the first test, compared with the command line by the second.
  const fromPage = { modelPath: null, queries: [] };

  test("after a run: every dialect downloads segments_<dialect>.sql naming the table typed", async () => {
    const { context, page, record } = await openApp(env.browser, env.server.url);
    try {
      const dir = await mkdtemp(join(tmpdir(), "seg-sql-"));
      await byTestId(page, "file-input").setInputFiles(FIXTURE);
      await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor(LONG);
      await byTestId(page, "k-input").fill("5");
      await byTestId(page, "run").click();
      await page.locator('[data-testid="chart-scatter"][data-drawn="true"]').waitFor(LONG);
      assert.equal(await page.locator('[data-testid="segment-card"]').count(), 5);

      // The controls: one set, DuckDB and `customers` to start with, every dialect offered.
      assert.equal(await byTestId(page, "download-sql").count(), 1, "one SQL download beside the model's");
      const select = byTestId(page, "sql-dialect");
      assert.equal(await select.inputValue(), "duckdb");
      assert.equal(await byTestId(page, "sql-table").inputValue(), "customers");
      const offered = await select.locator("option").evaluateAll((os) => os.map((o) => [o.value, o.textContent.trim()]));
      assert.deepEqual(offered, DIALECTS.map(([value, label]) => [value, label]));
      assert.match(await byTestId(page, "sql-table").getAttribute("placeholder"), /read_csv/);

      // The page's own model download, for the command line's query.
      const [model] = await Promise.all([page.waitForEvent("download", LONG), byTestId(page, "download-model").click()]);
      fromPage.modelPath = join(dir, model.suggestedFilename());
      await model.saveAs(fromPage.modelPath);

      for (const [dialect, , table] of DIALECTS) {
        await select.selectOption(dialect);
        await byTestId(page, "sql-table").fill(table);
        const file = await downloadSql(page, dir);
        assert.equal(file.name, `segments_${dialect}.sql`);
        checkQuery(file.text, dialect, table);
        fromPage.queries.push({ dialect, table, ...file });
      }
      assert.deepEqual(foreignRequests(record), [], "every request stays on 127.0.0.1");
      assert.deepEqual(record.pageErrors, [], "no page error");
    } finally {
      await context.close();
    }
  });

  test("the page's query is the command line's `segment sql` on the page's model download, byte for byte", async () => {
    // scripts/test builds the binary before the end-to-end step: without it this fails.
    assert.ok(
      await exists(SEGMENT_BIN),
      `no segment binary at ${SEGMENT_BIN}: build it (cargo build --profile worker-release --bin segment) or set E2E_SEGMENT_BIN`,
    );
    assert.equal(fromPage.queries.length, DIALECTS.length, "the page's queries (the test above) are there to compare");
    const run = promisify(execFile);
    for (const { dialect, table, text } of fromPage.queries) {
      const { stdout } = await run(SEGMENT_BIN, ["sql", fromPage.modelPath, "--dialect", dialect, "--table", table], {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
      assert.ok(stdout === text, `${dialect}: the page's query and the command line's are the same bytes`);
    }
  });

  test("a fresh page with only a saved model (an earlier version's) downloads its SQL, no data loaded", async () => {
    const { context, page, record } = await openApp(env.browser, env.server.url);
    try {
      const dir = await mkdtemp(join(tmpdir(), "seg-sql-model-"));
      assert.equal(await byTestId(page, "download-sql").count(), 0, "no SQL download before a model is chosen");
      await page.locator("details.apply-model > summary").click();
      await byTestId(page, "model-input").setInputFiles(MODEL_V1);
      await page.getByText("Model: model_v1.json").waitFor();
      assert.equal(await byTestId(page, "download-sql").count(), 1, "exactly one set of SQL controls");
      assert.equal(await byTestId(page, "sql-dialect").inputValue(), "duckdb");
      assert.equal(await byTestId(page, "sql-table").inputValue(), "customers");

      // The default table, then another dialect and table.
      const first = await downloadSql(page, dir);
      assert.equal(first.name, "segments_duckdb.sql");
      checkQuery(first.text, "duckdb", "customers");
      await byTestId(page, "sql-dialect").selectOption("bigquery");
      await byTestId(page, "sql-table").fill("shop.new_customers");
      const second = await downloadSql(page, dir);
      assert.equal(second.name, "segments_bigquery.sql");
      checkQuery(second.text, "bigquery", "shop.new_customers");

      // No file was read: nothing to review or segment on the page.
      assert.equal(await page.locator('[data-testid="profile-row"]').count(), 0, "no data file loaded");
      assert.ok(await exists(SEGMENT_BIN), `no segment binary at ${SEGMENT_BIN}`);
      const { stdout } = await promisify(execFile)(SEGMENT_BIN, ["sql", MODEL_V1, "--dialect", "bigquery", "--table", "shop.new_customers"], {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      });
      assert.ok(stdout === second.text, "the saved model's query is the command line's, byte for byte");
      assert.deepEqual(foreignRequests(record), [], "every request stays on 127.0.0.1");
      assert.deepEqual(record.pageErrors, [], "no page error");
      assert.deepEqual(record.consoleErrors, [], "no console error");
    } finally {
      await context.close();
    }
  });
});
