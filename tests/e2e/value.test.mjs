// Value per segment, preferences and suggested actions, end to end on the built page: a file
// the test writes (three groups of customers with a Spend column and four Mnt… category spend
// columns, each group buying one category far more than the others), segmented at k = 3.
// Checks: value shares add to 100%, each card names the category its group over-indexes on
// (`preferences` `data-top`), each card has an editable action (`segment-action`) whose edit
// reaches the summary download, and the summary carries value shares and preference indices;
// a value column picked on the page (`value-column`) is the one the summary uses.
// Run after a release build: E2E_DIST=… node --test --test-concurrency=1 tests/e2e/value.test.mjs
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { foreignRequests, openApp, parseCsv, usePageAndBrowser } from "./harness.mjs";

const LONG = { timeout: 60_000 };
const env = usePageAndBrowser();
let dir;
let file;

// Each group: its size, means per column, and the category it over-indexes on most
// (its mean ÷ the overall mean is highest there: worked out in the comment of each).
const GROUPS = [
  // Wines: 600 / 202.7 = 2.96× (meat 1.76×, fruits 0.59×, gold 0.63×)
  { n: 100, age: 45, income: 90000, recency: 10, spend: 2000, wines: 600, meat: 300, fruits: 30, gold: 40, top: "MntWines" },
  // Fruits: 90 / 51.1 = 1.76× (wines 0.10×, meat 0.35×, gold 0.16×)
  { n: 150, age: 30, income: 30000, recency: 70, spend: 250, wines: 20, meat: 60, fruits: 90, gold: 10, top: "MntFruits" },
  // Gold: 150 / 63.5 = 2.36× (wines 0.49×, meat 1.17×, fruits 0.39×)
  { n: 120, age: 60, income: 60000, recency: 30, spend: 700, wines: 100, meat: 200, fruits: 20, gold: 150, top: "MntGold" },
];

/** A seeded generator, so the file is the same on every run. */
function lcg(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function makeCsv() {
  const rand = lcg(11);
  const jitter = (v) => Math.round(v * (0.9 + 0.2 * rand()));
  const lines = ["CustomerID,Age,Income,Recency,Spend,MntWines,MntMeat,MntFruits,MntGold"];
  let id = 1;
  for (const g of GROUPS) {
    for (let i = 0; i < g.n; i++) {
      const row = [g.age, g.income, g.recency, g.spend, g.wines, g.meat, g.fruits, g.gold].map(jitter);
      lines.push([`C${String(id++).padStart(4, "0")}`, ...row].join(","));
    }
  }
  return lines.join("\n") + "\n";
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "seg-value-"));
  file = join(dir, "value-customers.csv");
  await writeFile(file, makeCsv());
});

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

async function download(page, testId) {
  const [dl] = await Promise.all([page.waitForEvent("download", { timeout: 30_000 }), byTestId(page, testId).click()]);
  const path = join(await mkdtemp(join(dir, `${testId}-`)), dl.suggestedFilename());
  await dl.saveAs(path);
  return (await readFile(path)).toString("utf8");
}

const column = (rows, name) => {
  const i = rows[0].indexOf(name);
  assert.ok(i >= 0, `column ${name} in ${JSON.stringify(rows[0])}`);
  return i;
};

describe("value per segment, preferences, actions", () => {
  test("shares add to 100%, cards name the over-indexed category, an edited action is exported", async () => {
    const { context, page, record } = await openApp(env.browser, env.server.url);
    try {
      await byTestId(page, "file-input").setInputFiles(file);
      await page.locator('[data-testid="k-reason"][data-k]').waitFor(LONG);
      await byTestId(page, "k-input").fill("3");
      await byTestId(page, "run").click();
      await page.locator('[data-testid="segment-card"]').nth(2).waitFor(LONG);
      await page.locator('[data-testid="chart-value-share"][data-drawn="true"]').waitFor(LONG);

      // The chart's numbers: a row per segment, each series adding to 1.
      const rows = await page.locator('[data-testid="value-share-row"]').evaluateAll((rs) =>
        rs.map((r) => ({ customers: Number(r.dataset.customers), value: Number(r.dataset.value), text: r.textContent })),
      );
      assert.equal(rows.length, 3);
      const sum = (xs) => xs.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum(rows.map((r) => r.value)) - 1) < 1e-4, JSON.stringify(rows));
      assert.ok(Math.abs(sum(rows.map((r) => r.customers)) - 1) < 1e-4, JSON.stringify(rows));
      const percents = rows.map((r) => Number(/(\d+)% of spend/.exec(r.text)?.[1]));
      assert.equal(sum(percents), 100, `the shown percentages add to 100: ${JSON.stringify(rows)}`);
      assert.match(await byTestId(page, "value-reason").textContent(), /Spend/);
      assert.ok(Number(await byTestId(page, "chart-value-share").getAttribute("data-hits")) === 6, "a hit per bar");

      // Each card: the group it holds (by its size), its top category and an action.
      const cards = await page.locator('[data-testid="segment-card"]').evaluateAll((cs) =>
        cs.map((c) => ({
          size: Number(c.dataset.size),
          top: c.querySelector('[data-testid="preferences"]')?.dataset.top,
          sentence: c.querySelector('[data-testid="preferences"]')?.textContent,
          action: c.querySelector('[data-testid="segment-action"]')?.value,
          rule: c.querySelector('[data-testid="segment-action"]')?.dataset.rule,
        })),
      );
      assert.deepEqual(cards.map((c) => c.size).sort((a, b) => a - b), [100, 120, 150], "the three groups found");
      for (const card of cards) {
        const group = GROUPS.find((g) => g.n === card.size);
        assert.equal(card.top, group.top, `segment of ${card.size}: ${card.sentence}`);
        assert.match(card.sentence, /^Buys \d+(\.\d)?× more /);
        assert.match(card.action ?? "", /^Suggested: /);
      }
      const ruleOf = (n) => cards.find((c) => c.size === n).rule;
      assert.equal(ruleOf(100), "reward-retain", "high value, recent");
      assert.equal(ruleOf(150), "reactivate", "low value, long since the last purchase");

      // Edit segment 1's action; the summary carries it, the value shares and the indices.
      const mine = "Call them personally (edited by the e2e test)";
      const action1 = page.locator('[data-testid="segment-card"][data-segment="1"] [data-testid="segment-action"]');
      await action1.fill(mine);
      await action1.blur();
      const summary = parseCsv(await download(page, "download-summary"));
      const header = summary[0];
      const segmentRows = summary.slice(1, 4);
      assert.equal(segmentRows[0][column(summary, "action")], mine);
      for (const r of segmentRows.slice(1)) assert.match(r[column(summary, "action")], /^Suggested: /);
      assert.equal(segmentRows[0][column(summary, "value_column")], "Spend");
      const shares = segmentRows.map((r) => Number(r[column(summary, "value_share")]));
      assert.ok(Math.abs(sum(shares) - 1) < 1e-4, `value shares ${shares}`);
      for (const name of ["MntWines index", "MntMeat index", "MntFruits index", "MntGold index"]) {
        const i = column(summary, name);
        for (const r of segmentRows) assert.ok(Number(r[i]) > 0, `${name}: ${r[i]}`);
        assert.equal(summary[4][i], "100.0", "All customers: index 100");
      }
      assert.ok(header.includes("preferences"));

      // Another value column, picked on the page: the shares follow, and so does the summary.
      const incomeColumn = await byTestId(page, "value-column").locator("option", { hasText: /^Income$/ }).getAttribute("value");
      await byTestId(page, "value-column").selectOption(incomeColumn);
      await page.locator('[data-testid="value-share-table"][data-label="Income"]').waitFor(LONG);
      const incomeSummary = parseCsv(await download(page, "download-summary"));
      assert.equal(incomeSummary[1][column(incomeSummary, "value_column")], "Income");
      assert.equal(incomeSummary[1][column(incomeSummary, "action")], mine, "the edited action stays");

      assert.deepEqual(foreignRequests(record), []);
      assert.deepEqual(record.pageErrors, []);
    } finally {
      await context.close();
    }
  });
});
