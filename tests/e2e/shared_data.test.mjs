// The whole journey on the real public customer files in ../shared/data (not part of the
// project; see its README). Skipped, with a message, on a machine without that folder.
// Each file: load, profile, sweep, run with the recommended k, download; every input row
// and column comes back with its segment. Mall_Customers cut to income and spending
// gives the well-known five groups.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ROOT, foreignRequests, openApp, parseCsv, usePageAndBrowser } from "./harness.mjs";

const DATA = resolve(ROOT, "../shared/data");
const HAVE_DATA = existsSync(DATA);
const LONG = { timeout: 120_000 };

let temp;
const env = usePageAndBrowser({ enabled: HAVE_DATA });
before(async () => {
  if (!HAVE_DATA) return;
  temp = await mkdtemp(join(tmpdir(), "seg-shared-"));
});

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/** RFC 4180 rows with any one-character delimiter (the harness's parseCsv is comma-only). */
function parseDelimited(text, delimiter) {
  if (delimiter === ",") return parseCsv(text);
  // Swap the roles of "," and the delimiter outside quotes, then reuse the harness reader.
  let out = "";
  let quoted = false;
  for (const c of text) {
    if (c === '"') quoted = !quoted;
    if (!quoted && c === delimiter) out += ",";
    else if (!quoted && c === ",") out += "\u0000";
    else out += c;
  }
  return parseCsv(out).map((row) => row.map((cell) => cell.replaceAll("\u0000", ",")));
}

const delimiterOf = (text) => {
  const header = text.slice(0, text.search(/\r?\n/));
  return (header.match(/;/g) ?? []).length > (header.match(/,/g) ?? []).length ? ";" : ",";
};

/** Data rows of a CSV text: blank lines (a trailing newline) are not rows. */
const dataRows = (rows) => rows.slice(1).filter((r) => !(r.length === 1 && r[0] === ""));

async function journey(page, file) {
  await byTestId(page, "file-input").setInputFiles(file);
  await page.locator('[data-testid="profile-row"]').first().waitFor(LONG);
  await page.locator('[data-testid="cleaning-report"]').waitFor(LONG);
  await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor(LONG);
  const reason = page.locator('[data-testid="k-reason"][data-k]');
  await reason.waitFor(LONG);
  const recommended = await reason.getAttribute("data-k");
  assert.equal(await byTestId(page, "k-input").inputValue(), recommended, "run with the recommended k");
  await byTestId(page, "run").click();
  await page.locator('[data-testid="segment-card"]').first().waitFor(LONG);
  await page.locator('[data-testid="chart-scatter"][data-drawn="true"]').waitFor(LONG);
  const names = await page.locator('[data-testid="segment-card"]').evaluateAll((cards) => cards.map((c) => c.dataset.name));
  assert.equal(names.length, Number(recommended), "one card per segment");
  names.forEach((n) => assert.ok(n.trim() !== "", "every segment named"));
  return { recommended: Number(recommended), names };
}

async function downloadCsv(page) {
  const [dl] = await Promise.all([page.waitForEvent("download", LONG), byTestId(page, "download-csv").click()]);
  const path = join(await mkdtemp(join(temp, "dl-")), dl.suggestedFilename());
  await dl.saveAs(path);
  return parseCsv(await readFile(path, "utf8"));
}

describe("real customer files from ../shared/data", () => {
  test("every file: loaded, swept, segmented with the recommended k, downloaded whole", async (t) => {
    if (!HAVE_DATA) {
      t.skip(`${DATA} does not exist: nothing to try`);
      return;
    }
    const files = (await readdir(DATA)).filter((n) => /\.(csv|tsv|txt)$/i.test(n)).sort();
    assert.ok(files.length > 0, `CSV files in ${DATA}`);
    for (const name of files) {
      await t.test(name, async () => {
        const { context, page, record } = await openApp(env.browser, env.server.url);
        try {
          const path = join(DATA, name);
          const { recommended, names } = await journey(page, path);
          console.log(`${name}: k = ${recommended}: ${names.join(" | ")}`);
          if (name === "online_retail_sample.csv") {
            // A transaction log, handled elsewhere: here it only has to load and segment.
            assert.ok(names.length >= 2);
          } else {
            const text = await readFile(path, "utf8");
            const input = parseDelimited(text, delimiterOf(text));
            const rows = await downloadCsv(page);
            assert.deepEqual(rows[0], [...input[0], "segment", "segment_name", "excluded_reason"], "all input columns + 3");
            assert.equal(dataRows(rows).length, dataRows(input).length, "every input row");
            const segment = rows[0].indexOf("segment");
            const reason = rows[0].indexOf("excluded_reason");
            for (const row of dataRows(rows)) {
              assert.ok(row[segment] !== "" || row[reason] !== "", `a segment or the reason it has none: ${row.join(",")}`);
            }
          }
          assert.deepEqual(foreignRequests(record), [], "every request stays on 127.0.0.1");
          assert.deepEqual(record.pageErrors, [], "no page error");
        } finally {
          await context.close();
        }
      });
    }
  });

  test("Mall_Customers cut to income and spending: k = 5 and a high income, high spending segment", async (t) => {
    const source = join(DATA, "Mall_Customers.csv");
    if (!existsSync(source)) {
      t.skip(`${source} does not exist: nothing to try`);
      return;
    }
    const rows = parseCsv(await readFile(source, "utf8"));
    const keep = ["CustomerID", "Annual Income (k$)", "Spending Score (1-100)"].map((c) => rows[0].indexOf(c));
    assert.ok(keep.every((i) => i >= 0), "the three columns exist");
    const cut = join(temp, "Mall_Customers_income_spending.csv");
    const quote = (s) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    await writeFile(cut, rows.filter((r) => r.length > 1).map((r) => keep.map((i) => quote(r[i])).join(",")).join("\r\n") + "\r\n");

    const { context, page, record } = await openApp(env.browser, env.server.url);
    try {
      const { recommended, names } = await journey(page, cut);
      console.log(`Mall cut: k = ${recommended}: ${names.join(" | ")}`);
      assert.equal(recommended, 5, "the five well-known groups");
      // The five usual readings, each once (traits in either order: the more separating first).
      const has = (a, b) => (n) => n.toLowerCase().includes(a) && n.toLowerCase().includes(b);
      for (const [a, b] of [["high income", "high spending"], ["high income", "low spending"], ["low income", "high spending"], ["low income", "low spending"]]) {
        assert.equal(names.filter(has(a, b)).length, 1, `one ${a} · ${b}: ${names.join(" | ")}`);
      }
      assert.equal(names.filter((n) => n.startsWith("Middle of the pack")).length, 1, `one middle: ${names.join(" | ")}`);
      assert.equal(new Set(names).size, names.length, "all names distinct");
      const out = await downloadCsv(page);
      assert.equal(dataRows(out).length, 200);
      assert.deepEqual(foreignRequests(record), [], "every request stays on 127.0.0.1");
      assert.deepEqual(record.pageErrors, [], "no page error");
    } finally {
      await context.close();
    }
  });
});
