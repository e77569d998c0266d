// Choosing k and trusting the segments, as a user meets them on the built page: groups that
// stand apart get their number recommended and every segment card says how stable it is
// (bootstrap Jaccard, `segment-stability`), which the summary and the model carry too; a
// single cloud of customers gets "no clear segments" and can still be segmented.
// Run after `trunk build --release --offline=true`: node --test --test-concurrency=1 tests/e2e/
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { foreignRequests, openApp, parseCsv, usePageAndBrowser } from "./harness.mjs";

const LONG = { timeout: 120_000 };
const env = usePageAndBrowser();
let temp;
before(async () => {
  temp = await mkdtemp(join(tmpdir(), "seg-k-"));
});

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/** A seeded generator (mulberry32) and standard normal draws (Box–Muller). */
function random(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, normal };
}

/** A customer file: an id, then one column per feature, rows around the given centres. */
async function customers(name, centres, sizes, spread, seed) {
  const rng = random(seed);
  const features = ["annual_income", "spending_score", "visits"].slice(0, centres[0].length);
  const lines = [["customer_id", ...features].join(",")];
  let id = 1;
  centres.forEach((c, g) => {
    for (let i = 0; i < sizes[g]; i++) {
      lines.push([`C${String(id++).padStart(5, "0")}`, ...c.map((v) => (v + spread * rng.normal()).toFixed(2))].join(","));
    }
  });
  const path = join(temp, name);
  await writeFile(path, lines.join("\n") + "\n");
  return path;
}

async function download(page, testId) {
  const [dl] = await Promise.all([page.waitForEvent("download", { timeout: 30_000 }), byTestId(page, testId).click()]);
  const path = join(temp, `${Date.now()}-${dl.suggestedFilename()}`);
  await dl.saveAs(path);
  return readFile(path, "utf8");
}

async function sweep(page, file) {
  await byTestId(page, "file-input").setInputFiles(file);
  await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor(LONG);
  await page.locator('[data-testid="k-reason"][data-k]').waitFor(LONG);
}

async function run(page) {
  await byTestId(page, "run").click();
  await page.locator('[data-testid="segment-card"]').first().waitFor(LONG);
  await page.locator('[data-testid="segment-stability"]').first().waitFor(LONG);
}

describe("choosing k and stability", () => {
  test("four groups that stand apart: k = 4 recommended, every segment highly stable, in the summary and the model", LONG, async () => {
    const file = await customers(
      "four_groups.csv",
      [[20, 20, 2], [80, 20, 12], [20, 80, 12], [80, 80, 2]],
      [900, 300, 500, 150],
      5,
      4,
    );
    const { context, page, record } = await openApp(env.browser, env.server.url);
    try {
      await sweep(page, file);
      const reason = byTestId(page, "k-reason");
      assert.equal(await reason.getAttribute("data-k"), "4", await reason.innerText());
      assert.equal(await reason.getAttribute("data-rule"), "Separated");
      assert.match(await reason.innerText(), /stand apart from their nearest neighbour/);
      assert.equal(await byTestId(page, "no-clear-segments").count(), 0, "groups are not a continuum");
      // The k table: the gap statistic with its standard error, and the stability of each k.
      const gaps = await byTestId(page, "k-gap").allInnerTexts();
      assert.equal(gaps.length, 9, "k = 2..10");
      gaps.forEach((g) => assert.match(g, /^-?\d+\.\d{3} ± \d+\.\d{3}$/));
      const stability = await byTestId(page, "k-stability").evaluateAll((cells) => cells.map((c) => Number(c.dataset.stability)));
      assert.equal(stability.length, 9);
      stability.forEach((s) => assert.ok(s >= 0 && s <= 1, `stability ${s}`));
      assert.ok(stability[2] > 0.95, `k = 4 holds up in resamples: ${stability}`);
      assert.match(await byTestId(page, "stability-basis").innerText(), /bootstrap resamples/);

      assert.equal(await byTestId(page, "k-input").inputValue(), "4");
      await run(page);
      const cards = byTestId(page, "segment-stability");
      assert.equal(await cards.count(), 4, "a stability on each segment card");
      const jaccards = await cards.evaluateAll((els) => els.map((e) => Number(e.dataset.jaccard)));
      jaccards.forEach((j) => assert.ok(j >= 0.85, `highly stable: ${jaccards}`));
      assert.match(await cards.first().innerText(), /highly stable/);
      // What separates the segments: η² per feature, most separating first.
      const separation = await page.locator('[data-testid="separation"] tbody tr').evaluateAll((rows) =>
        rows.map((r) => ({ feature: r.dataset.feature, eta2: Number(r.dataset.eta2) })));
      assert.deepEqual(separation.map((s) => s.feature).sort(), ["annual_income", "spending_score", "visits"]);
      separation.forEach((s) => assert.ok(s.eta2 >= 0 && s.eta2 <= 1, JSON.stringify(separation)));
      assert.ok(separation[0].eta2 >= separation[2].eta2 && separation[0].eta2 > 0.8, JSON.stringify(separation));
      assert.match(await byTestId(page, "separation-sentence").innerText(), /separates the segments most/);

      const summary = parseCsv(await download(page, "download-summary"));
      const header = summary[0];
      const [si, ri] = [header.indexOf("stability"), header.indexOf("stability_reading")];
      assert.ok(summary.some((r) => (r[1] ?? "").startsWith("η²")), "η² per feature in the summary");
      assert.ok(si > 0 && ri > 0, `stability columns in ${header}`);
      const rows = summary.slice(1, 5);
      rows.forEach((r) => {
        assert.ok(Number(r[si]) >= 0.85, `summary stability ${r}`);
        assert.equal(r[ri], "highly stable");
      });
      const model = JSON.parse(await download(page, "download-model"));
      assert.equal(model.stability.jaccard.length, 4);
      model.stability.jaccard.forEach((j) => assert.ok(j >= 0.85));
      assert.match(model.stability.basis, /bootstrap resamples/);
      assert.deepEqual(foreignRequests(record), []);
      assert.deepEqual(record.pageErrors, []);
    } finally {
      await context.close();
    }
  });

  test("one cloud of customers: no clear segments, said plainly, and the user can still segment", LONG, async () => {
    const rng = random(7);
    const lines = ["customer_id,annual_income,spending_score,visits"];
    for (let i = 0; i < 3000; i++) {
      const a = rng.normal();
      const b = rng.normal();
      lines.push(`${i + 1},${(55 + 15 * a).toFixed(2)},${(50 + 12 * (0.6 * a + 0.8 * b)).toFixed(2)},${(8 + 2 * rng.normal()).toFixed(2)}`);
    }
    const file = join(temp, "one_cloud.csv");
    await writeFile(file, lines.join("\n") + "\n");
    const { context, page, record } = await openApp(env.browser, env.server.url);
    try {
      await sweep(page, file);
      const verdict = byTestId(page, "no-clear-segments");
      await verdict.waitFor(LONG);
      assert.match(await verdict.innerText(), /No clear segments/);
      assert.match(await verdict.innerText(), /continuum/);
      const reason = byTestId(page, "k-reason");
      assert.equal(await reason.getAttribute("data-rule"), "NoClearSegments");
      assert.match(await reason.innerText(), /If you segment anyway: k = \d+/);
      await run(page);
      assert.ok((await byTestId(page, "segment-card").count()) >= 2);
      assert.deepEqual(foreignRequests(record), []);
      assert.deepEqual(record.pageErrors, []);
    } finally {
      await context.close();
    }
  });

  test("1,000,000 rows of 8 groups: k = 8 from a seeded sample, the segments and their stability on every row", { timeout: 600_000 }, async () => {
    const rows = Number(process.env.K_SCALE_ROWS ?? 1_000_000);
    const rng = random(8);
    const centres = [];
    while (centres.length < 8) {
      const c = Array.from({ length: 8 }, () => rng.next() * 30);
      if (centres.every((o) => o.reduce((s, v, j) => s + (v - c[j]) ** 2, 0) >= 144)) centres.push(c);
    }
    const file = join(temp, "eight_groups_1m.csv");
    const out = createWriteStream(file);
    out.write(Array.from({ length: 8 }, (_, j) => `f${j + 1}`).join(",") + "\n");
    let chunk = "";
    for (let i = 0; i < rows; i++) {
      chunk += centres[i % 8].map((v) => (v + rng.normal()).toFixed(3)).join(",") + "\n";
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await new Promise((ok) => out.once("drain", ok));
        chunk = "";
      }
    }
    out.write(chunk);
    await new Promise((ok) => out.end(ok));

    const { context, page, record } = await openApp(env.browser, env.server.url);
    try {
      const started = Date.now();
      await byTestId(page, "file-input").setInputFiles(file);
      await page.locator('[data-testid="k-reason"][data-k]').waitFor({ timeout: 400_000 });
      const swept = Date.now();
      assert.equal(await byTestId(page, "k-reason").getAttribute("data-k"), "8", await byTestId(page, "k-reason").innerText());
      const basis = byTestId(page, "sweep-basis");
      // Above 100,000 rows the sweep runs on a seeded sample of 100,000; the fit on every row.
      assert.equal(await basis.getAttribute("data-sample-rows"), rows > 100_000 ? "100000" : null);
      assert.equal(await basis.getAttribute("data-total-rows"), String(rows));
      assert.ok(Number(await basis.getAttribute("data-runs")) >= 3, "several runs per k on the sample");
      const ran = Date.now();
      await byTestId(page, "run").click();
      await page.locator('[data-testid="segment-stability"]').first().waitFor({ timeout: 300_000 });
      const done = Date.now();
      const jaccards = await byTestId(page, "segment-stability").evaluateAll((els) => els.map((e) => Number(e.dataset.jaccard)));
      assert.equal(jaccards.length, 8);
      jaccards.forEach((j) => assert.ok(j >= 0.85, `highly stable: ${jaccards}`));
      const stabilityMs = await byTestId(page, "segment-stability-basis").getAttribute("data-ms");
      console.log(
        `${rows} rows: read and swept in ${((swept - started) / 1000).toFixed(1)} s, segments in ${((done - ran) / 1000).toFixed(1)} s ` +
          `of which stability ${stabilityMs} ms (${await byTestId(page, "segment-stability-basis").innerText()})`,
      );
      assert.deepEqual(foreignRequests(record), []);
      assert.deepEqual(record.pageErrors, []);
    } finally {
      await context.close();
    }
  });
});
