// The pool of workers in the built page: its size from `?workers=N` (the `workers` hook),
// the same bits from 1 and 2 helpers (the k table, the recommendation, the segmented
// download byte for byte) on a generated file of 8 numeric columns, a cancel in the
// middle of a fit that keeps the file and lets the next one through with no page error,
// a cancel in the middle of a file's reading that stops it, and a cancel in the middle of
// a download written in pieces that keeps the page.
// POOL_ROWS sets the file's rows (default 1,000,000, about 60 MB).
import { createHash } from "node:crypto";
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeNumeric } from "./generate.mjs";
import { openApp, parseCsv, usePageAndBrowser } from "./harness.mjs";

const ROWS = Number(process.env.POOL_ROWS ?? 1_000_000);

let dir;
let file;
const env = usePageAndBrowser();
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "pool-"));
  file = join(dir, "numeric.csv");
  await writeNumeric(file, ROWS);
});

/** Waits for the k sweep drawn, runs, and waits for the segments drawn. */
async function sweptThenSegmented(page, timeout) {
  await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor({ timeout });
  await page.locator('[data-testid="run"]').click();
  await page.locator('[data-testid="chart-scatter"][data-drawn="true"]').waitFor({ timeout });
}

/** Clicks Cancel: the page is idle within 5 s (the time logged, in the middle of `what`)
 * and says `said`. */
async function cancelNow(page, what, said) {
  const clicked = Date.now();
  await page.locator('[data-testid="cancel"]').click();
  await page.locator('[data-testid="status"][data-busy="false"]').waitFor({ timeout: 5_000 });
  console.log(`pool: the page was idle ${Date.now() - clicked} ms after Cancel in the middle of ${what}`);
  assert.match(await page.locator('[data-testid="error"]').textContent(), said);
}

/** Loads `path` into a page opened with `?workers=n`, sweeps, segments at the recommended
 * k, downloads the segmented CSV; returns what the page showed and the download. The file
 * is chosen as soon as the pool is there (during the engine's warm-up), or with
 * `afterWarm` once the warm-up is done. */
async function journey(n, path, { afterWarm = false } = {}) {
  const { context, page, record } = await openApp(env.browser, `${env.server.url}?workers=${n}`);
  try {
    await page.locator(`[data-testid="workers"][data-workers="${n}"]`).waitFor({ timeout: 60_000 });
    if (afterWarm) {
      await page.locator('[data-testid="workers"][data-warm="done"]').waitFor({ timeout: 60_000 });
    }
    const started = Date.now();
    await page.locator('[data-testid="file-input"]').setInputFiles(path);
    await page.locator('[data-testid="status"][data-load-ms]').waitFor({ timeout: 300_000 });
    const loaded = Date.now();
    await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor({ timeout: 600_000 });
    const swept = Date.now();
    const table = await page.locator('[data-testid="k-metrics"]').textContent();
    const recommended = await page.locator('[data-testid="k-reason"]').textContent();
    await page.locator('[data-testid="run"]').click();
    await page.locator('[data-testid="chart-scatter"][data-drawn="true"]').waitFor({ timeout: 600_000 });
    const done = Date.now();
    const split = await page.locator('[data-testid="workers"]').getAttribute("data-split");
    // Each segment's stability: its resamples fitted by the helpers (Pool::stability).
    const stability = await page.locator('[data-testid="segment-stability"]').evaluateAll((cards) => cards.map((c) => c.dataset.jaccard));
    const starts = page.locator('[data-testid="fit-starts"]');
    const startsRows = (await starts.count()) ? await starts.getAttribute("data-rows") : null;
    const [download] = await Promise.all([
      page.waitForEvent("download", { timeout: 300_000 }),
      page.locator('[data-testid="download-csv"]').click(),
    ]);
    const saved = join(dir, `segmented-${n}.csv`);
    await download.saveAs(saved);
    console.log(
      `pool: ${n} helper(s), ${ROWS} rows: loaded ${loaded - started} ms, k swept ${swept - loaded} ms, ` +
        `segmented and drawn ${done - swept} ms, total ${done - started} ms`,
    );
    assert.deepEqual(record.pageErrors, []);
    return { table, recommended, split, startsRows, stability, bytes: await readFile(saved) };
  } finally {
    await context.close();
  }
}

test("?workers=N sets the pool's size, shown by the workers hook", { timeout: 60_000 }, async () => {
  for (const n of [1, 3]) {
    const { context, page } = await openApp(env.browser, `${env.server.url}?workers=${n}`);
    try {
      const hook = page.locator('[data-testid="workers"]');
      await page.locator(`[data-testid="workers"][data-workers="${n}"]`).waitFor({ timeout: 30_000 });
      assert.match(await hook.textContent(), new RegExp(`${n} background worker`));
      // The engine's warm-up (worker::warm) runs the whole journey on a generated file
      // while nobody has chosen one, and says it finished.
      await page.locator('[data-testid="workers"][data-warm]').waitFor({ timeout: 30_000 });
      assert.equal(await hook.getAttribute("data-warm"), "done", `${n} helper(s): the warm-up did not finish`);
      assert.ok(Number(await hook.getAttribute("data-warm-ms")) > 0);
    } finally {
      await context.close();
    }
  }
});

test(`${ROWS} rows: 1, 2 and 3 helpers give the same k table, recommendation and download, byte for byte`, { timeout: 2_000_000 }, async () => {
  // Over 200,000 rows the fit's 10 starts run on a sample of 100,000 rows, shared out whole,
  // and the best is finished on every row with each iteration shared out by rows
  // (core::kmeans::shard). Below that, 1 and 2 helpers share the 10 runs out whole; 3 cannot
  // share 10 runs evenly, so every iteration is shared out by rows. The same bits either way.
  const large = ROWS > 200_000;
  const one = await journey(1, file);
  assert.equal(one.startsRows, large ? "100000" : null, "the starts on a sample, said on the page");
  assert.ok(one.stability.length >= 2 && one.stability.every((j) => Number(j) > 0 && Number(j) <= 1), `stability: ${one.stability}`);
  for (const n of [2, 3]) {
    // 2 helpers with the file chosen after the warm-up, 1 and 3 during it: the same bits.
    const other = await journey(n, file, { afterWarm: n === 2 });
    assert.equal(other.table, one.table, `${n} helpers: the k table differs`);
    assert.equal(other.recommended, one.recommended, `${n} helpers: the recommendation differs`);
    assert.equal(other.bytes.length, one.bytes.length, `${n} helpers: the downloads' sizes differ`);
    assert.ok(other.bytes.equals(one.bytes), `${n} helpers: the segmented downloads differ`);
    assert.equal(other.split, large || n === 3 ? "rows" : "runs", `${n} helpers: the fit was shared out by ${other.split}`);
    assert.equal(other.startsRows, one.startsRows);
    assert.deepEqual(other.stability, one.stability, `${n} helpers: the segments' stability differs`);
  }
  const lines = one.bytes.toString("utf8").trimEnd().split("\n");
  assert.equal(lines.length, ROWS + 1, "every row, and the header");
  const { size } = await stat(file);
  console.log(`pool: the ${(size / 1e6).toFixed(1)} MB file's download is ${(one.bytes.length / 1e6).toFixed(1)} MB, identical for 1, 2 and 3 helpers`);
});

test("cancel in the middle of a fit keeps the file; the next file goes through", { timeout: 600_000 }, async () => {
  const { context, page, record } = await openApp(env.browser, `${env.server.url}?workers=2`);
  try {
    await page.locator('[data-testid="workers"][data-workers="2"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="file-input"]').setInputFiles(file);
    await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor({ timeout: 600_000 });
    const loadMs = await page.locator('[data-testid="status"]').getAttribute("data-load-ms");
    await page.locator('[data-testid="run"]').click();
    await page.locator('[data-testid="progress"]').waitFor({ timeout: 60_000 });
    await cancelNow(page, "a fit", /cancelled: the file and the results on the page are kept/);
    // Not read again: the same reading, the k table still there.
    assert.equal(await page.locator('[data-testid="status"]').getAttribute("data-load-ms"), loadMs);
    assert.equal(await page.locator('[data-testid="chart-elbow"]').getAttribute("data-drawn"), "true");
    // Run again on the same file: it segments.
    await page.locator('[data-testid="run"]').click();
    await page.locator('[data-testid="chart-scatter"][data-drawn="true"]').waitFor({ timeout: 600_000 });
    // A new file after a second cancel.
    await page.locator('[data-testid="k-input"]').fill("3");
    await page.locator('[data-testid="run"]').click();
    await page.locator('[data-testid="progress"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="cancel"]').click();
    const small = join(dir, "small.csv");
    await writeFile(small, "id,spend,visits\n" + Array.from({ length: 300 }, (_, i) => `${i + 1},${(i % 3) * 50 + (i % 7)},${(i % 3) * 4 + (i % 2)}`).join("\n") + "\n");
    await page.locator('[data-testid="file-input"]').setInputFiles(small);
    await page.locator('[data-testid="status"]').filter({ hasText: "Read 300 rows" }).waitFor({ timeout: 60_000 });
    await sweptThenSegmented(page, 60_000);
    assert.deepEqual(record.pageErrors, []);
  } finally {
    await context.close();
  }
});

test("cancel in the middle of a file's reading stops it (the file is not read again); the file chosen again goes through", { timeout: 600_000 }, async () => {
  const { context, page, record } = await openApp(env.browser, `${env.server.url}?workers=2`);
  try {
    await page.locator('[data-testid="workers"][data-workers="2"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="file-input"]').setInputFiles(file);
    // The engine's own progress: its pieces are out on the helpers.
    await page.locator('[data-testid="progress"]').waitFor({ timeout: 60_000 });
    await cancelNow(page, "a reading", /cancelled: the file was not read; choose it again when ready/);
    // Not read again: after a while the page is still idle, with no file.
    await page.waitForTimeout(3_000);
    assert.equal(await page.locator('[data-testid="status"]').getAttribute("data-busy"), "false");
    assert.equal(await page.locator('[data-testid="chart-elbow"]').count(), 0, "no sweep of a file whose reading was cancelled");
    assert.equal(await page.locator('[data-testid="run"]').isDisabled(), true, "Run waits for a file");
    // Chosen again: read, swept and segmented on the new helpers.
    await page.locator('[data-testid="file-input"]').setInputFiles([]);
    await page.locator('[data-testid="file-input"]').setInputFiles(file);
    await sweptThenSegmented(page, 600_000);
    assert.deepEqual(record.pageErrors, []);
  } finally {
    await context.close();
  }
});

test("cancel in the middle of a download written in pieces keeps the file and the segments; the next download has every row; a saved model's applying piece by piece stops on cancel, then applies", { timeout: 900_000 }, async () => {
  // The pool test's file over a 5.5 MB budget: read in pieces, and its download written
  // piece by piece on the helpers (some 80 pieces), long enough to be stopped midway.
  const { context, page, record } = await openApp(env.browser, `${env.server.url}?workers=2&memory-budget=5.5`);
  try {
    await page.locator('[data-testid="workers"][data-workers="2"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="file-input"]').setInputFiles(file);
    await page.locator('[data-testid="streamed"]').waitFor({ timeout: 600_000 });
    await sweptThenSegmented(page, 600_000);
    const loadMs = await page.locator('[data-testid="status"]').getAttribute("data-load-ms");
    const downloads = [];
    page.on("download", (d) => downloads.push(d));
    await page.locator('[data-testid="download-csv"]').click();
    // Cancelled once the helpers are writing the pieces (the engine's own stage).
    await page.locator('[data-testid="progress"][aria-label^="Writing every row"]').waitFor({ timeout: 60_000 });
    await cancelNow(page, "a download in pieces", /cancelled: the file and the results on the page are kept; nothing was saved; download again when ready/);
    assert.equal(downloads.length, 0, "the download was stopped before it was saved");
    // Not read again: the same reading, the segments still drawn.
    assert.equal(await page.locator('[data-testid="status"]').getAttribute("data-load-ms"), loadMs);
    assert.equal(await page.locator('[data-testid="chart-scatter"]').getAttribute("data-drawn"), "true");
    // The next download, on the new helpers, has every row in the file's order.
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: 600_000 }), page.locator('[data-testid="download-csv"]').click()]);
    const saved = join(dir, "cancelled-then-segmented.csv");
    await download.saveAs(saved);
    const bytes = await readFile(saved);
    let lines = 0;
    for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) lines++;
    assert.equal(lines, ROWS + 1, "every row, and the header");
    // The model applied to the same file (over the budget: placed piece by piece on the
    // helpers), cancelled midway: nothing applied, no file read again; then applied whole.
    const [modelDownload] = await Promise.all([page.waitForEvent("download"), page.locator('[data-testid="download-model"]').click()]);
    const modelPath = join(dir, "cancelled-model.json");
    await modelDownload.saveAs(modelPath);
    await page.locator("details.apply-model > summary").click();
    await page.locator('[data-testid="model-input"]').setInputFiles(modelPath);
    await page.getByText("Model: cancelled-model.json").waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="apply-file-input"]').setInputFiles(file);
    await page.locator('[data-testid="progress"][aria-label^="Applying the model piece by piece"]').waitFor({ timeout: 60_000 });
    await cancelNow(page, "a model's applying in pieces", /cancelled: the model was not applied; choose the file again when ready/);
    await page.waitForTimeout(2_000);
    assert.equal(await page.locator('[data-testid="status"]').getAttribute("data-busy"), "false", "the file is not read again");
    assert.equal(await page.locator('[data-testid="applied"]').count(), 0);
    await page.locator('[data-testid="apply-file-input"]').setInputFiles([]);
    await page.locator('[data-testid="apply-file-input"]').setInputFiles(file);
    const applied = page.locator('[data-testid="applied"]');
    await applied.waitFor({ timeout: 600_000 });
    assert.equal(await applied.getAttribute("data-rows"), String(ROWS));
    assert.deepEqual(record.pageErrors, []);
  } finally {
    await context.close();
  }
});

test("a file over the memory budget is read in pieces (on the helpers) and fitted on a sample, said on the page, every row is in the download, and 1 and 2 helpers give the same download", { timeout: 600_000 }, async () => {
  const rows = 60_000;
  const path = join(dir, "over-budget.csv");
  await writeNumeric(path, rows);
  // A 5.5 MB budget: reading the 60,000 rows whole would take more (core/stream.rs reads
  // them in pieces and keeps a sample, worker/memory.rs::sample_rows_for).
  const budgetMb = 5.5;
  const { context, page, record } = await openApp(env.browser, `${env.server.url}?workers=2&memory-budget=${budgetMb}`);
  try {
    await page.locator('[data-testid="workers"][data-workers="2"]').waitFor({ timeout: 60_000 });
    assert.match(await page.locator('[data-testid="workers"]').textContent(), /Memory set aside: 6 MB \(set by \?memory-budget/);
    await page.locator('[data-testid="file-input"]').setInputFiles(path);
    const streamed = page.locator('[data-testid="streamed"]');
    await streamed.waitFor({ timeout: 300_000 });
    assert.equal(await streamed.getAttribute("data-total"), String(rows), "every row counted");
    const sampleRows = Number(await streamed.getAttribute("data-rows"));
    assert.ok(sampleRows >= 1000 && sampleRows < rows / 2, `a sample of ${sampleRows} rows`);
    assert.match(await streamed.textContent(), /read in pieces: all 60,000 rows were counted/);
    await sweptThenSegmented(page, 300_000);
    const sampled = page.locator('[data-testid="sampled-fit"]');
    assert.equal(await sampled.getAttribute("data-rows"), String(sampleRows));
    assert.match(await sampled.textContent(), new RegExp(`sample of ${sampleRows.toLocaleString("en-US")} of the 60,000 rows`));
    const [download] = await Promise.all([page.waitForEvent("download"), page.locator('[data-testid="download-csv"]').click()]);
    const saved = join(dir, "over-budget-segmented.csv");
    await download.saveAs(saved);
    const table = parseCsv(await readFile(saved, "utf8"));
    assert.deepEqual(table[0].slice(-3), ["segment", "segment_name", "excluded_reason"]);
    assert.equal(table.length, rows + 1, "every row, and the header");
    const placed = table.slice(1).filter((r) => /^\d+$/.test(r[9]) && r[11] === "");
    assert.equal(placed.length, rows, "every row has a segment and no reason to be left out");
    assert.ok(table.slice(1).every((r, i) => r[0] === String(i + 1)), "the rows in the file's order, none twice");
    // The model applied to the same file, again over the budget: applied piece by piece,
    // and its download is the segmentation's, byte for byte.
    const [modelDownload] = await Promise.all([page.waitForEvent("download"), page.locator('[data-testid="download-model"]').click()]);
    const modelPath = join(dir, "over-budget-model.json");
    await modelDownload.saveAs(modelPath);
    // The file's own SHA-256 in the model, hashed by a helper as the engine read the pieces.
    const model = JSON.parse(await readFile(modelPath, "utf8"));
    assert.equal(model.source.sha256, createHash("sha256").update(await readFile(path)).digest("hex"));
    await page.locator("details.apply-model > summary").click();
    await page.locator('[data-testid="model-input"]').setInputFiles(modelPath);
    await page.getByText("Model: over-budget-model.json").waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="apply-file-input"]').setInputFiles(path);
    const applied = page.locator('[data-testid="applied"]');
    await applied.waitFor({ timeout: 300_000 });
    assert.equal(await applied.getAttribute("data-rows"), String(rows));
    assert.equal(await applied.getAttribute("data-unplaced"), "0");
    const [appliedDownload] = await Promise.all([page.waitForEvent("download"), page.locator('[data-testid="download-applied"]').click()]);
    const appliedPath = join(dir, "over-budget-applied.csv");
    await appliedDownload.saveAs(appliedPath);
    assert.ok((await readFile(appliedPath)).equals(await readFile(saved)), "the applied model's download is the segmentation's");
    assert.deepEqual(record.pageErrors, []);
  } finally {
    await context.close();
  }
  // One helper: the same sample (its pieces read by one helper instead of two), the same
  // fit, the same download byte for byte.
  const one = await openApp(env.browser, `${env.server.url}?workers=1&memory-budget=${budgetMb}`);
  try {
    await one.page.locator('[data-testid="workers"][data-workers="1"]').waitFor({ timeout: 60_000 });
    await one.page.locator('[data-testid="file-input"]').setInputFiles(path);
    await one.page.locator('[data-testid="streamed"]').waitFor({ timeout: 300_000 });
    await sweptThenSegmented(one.page, 300_000);
    const [download] = await Promise.all([one.page.waitForEvent("download"), one.page.locator('[data-testid="download-csv"]').click()]);
    const savedOne = join(dir, "over-budget-segmented-1.csv");
    await download.saveAs(savedOne);
    assert.ok((await readFile(savedOne)).equals(await readFile(join(dir, "over-budget-segmented.csv"))), "1 and 2 helpers: the same download");
    assert.deepEqual(one.record.pageErrors, []);
  } finally {
    await one.context.close();
  }
});
