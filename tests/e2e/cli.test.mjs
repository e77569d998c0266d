// The command line against the page: the same file with the page's defaults gives the same
// download and the same model, byte for byte. Needs the built page (E2E_DIST, else dist/)
// and the `segment` binary (E2E_SEGMENT_BIN, else target/worker-release/segment, built by
// `cargo build --profile worker-release --bin segment`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ROOT, openApp, usePageAndBrowser } from "./harness.mjs";

const env = usePageAndBrowser();
const FIXTURE = join(ROOT, "tests/fixtures/customers.csv");
const SEGMENT = process.env.E2E_SEGMENT_BIN ?? join(ROOT, "target/worker-release/segment");
const run = promisify(execFile);

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

async function download(page, testId, path) {
  const [file] = await Promise.all([page.waitForEvent("download", { timeout: 60_000 }), byTestId(page, testId).click()]);
  await file.saveAs(path);
  return readFile(path);
}

async function needSegment() {
  await stat(SEGMENT).catch(() => {
    throw new Error(`no ${SEGMENT}: build it with cargo build --profile worker-release --bin segment`);
  });
}

/** Opens the page on `file`, lets `choose` set it up and run, and saves its download and
 * model into `dir`. */
async function pageDownloads(file, dir, choose) {
  const { context, page, record } = await openApp(env.browser, env.server.url);
  try {
    await byTestId(page, "file-input").setInputFiles(file);
    await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor({ timeout: 60_000 });
    const chosen = await choose(page);
    await page.locator('[data-testid="chart-scatter"][data-drawn="true"]').waitFor({ timeout: 60_000 });
    const csv = await download(page, "download-csv", join(dir, "page.csv"));
    const model = await download(page, "download-model", join(dir, "page-model.json"));
    assert.deepEqual(record.pageErrors, []);
    return { chosen, csv, model };
  } finally {
    await context.close();
  }
}

test("segment fit with the page's k: the page's download and model, byte for byte", async () => {
  await needSegment();
  const dir = await mkdtemp(join(tmpdir(), "seg-cli-"));
  const { chosen: k, csv: pageCsv, model: pageModel } = await pageDownloads(FIXTURE, dir, async (page) => {
    // The sweep recommends a k and the page puts it in the k box: Run takes it.
    const k = await byTestId(page, "k-input").inputValue();
    assert.equal(k, await byTestId(page, "k-reason").getAttribute("data-k"), "the recommended k is in the box");
    await byTestId(page, "run").click();
    return k;
  });
  // The command line: the sweep's k by itself (--k auto, the default), and the page's k named.
  for (const kArgs of [[], ["--k", k]]) {
    const cliCsv = join(dir, `cli${kArgs.length}.csv`);
    const cliModel = join(dir, `cli${kArgs.length}-model.json`);
    await run(SEGMENT, ["fit", FIXTURE, ...kArgs, "-o", cliModel, "--export", cliCsv, "--quiet"]);
    const csv = await readFile(cliCsv);
    assert.ok(csv.equals(pageCsv), `the export (${kArgs.join(" ") || "--k auto"}) is the page's download, byte for byte`);
    const model = await readFile(cliModel);
    const [a, b] = [JSON.parse(model), JSON.parse(pageModel)];
    assert.equal(a.source.sha256, b.source.sha256, "the same file's SHA-256");
    assert.deepEqual(a, b, "the same model");
    assert.ok(model.equals(pageModel), "the model is the page's, byte for byte");
  }
});

test("segment fit with the page's choices (one-hot, log, median fill, clipping): the page's download and model", async () => {
  await needSegment();
  const dir = await mkdtemp(join(tmpdir(), "seg-cli-"));
  // The fixture with every seventh income missing, so the median fill has work to do.
  const lines = (await readFile(FIXTURE, "utf8")).trimEnd().split("\n");
  const holed = lines.map((line, i) => (i > 0 && i % 7 === 0 ? line.split(",").map((c, j) => (j === 3 ? "" : c)).join(",") : line));
  const file = join(dir, "customers-holed.csv");
  await writeFile(file, holed.join("\n") + "\n");
  const { csv: pageCsv, model: pageModel } = await pageDownloads(file, dir, async (page) => {
    const row = (name) => page.locator(`[data-testid="profile-row"][data-column="${name}"]`);
    await row("Genre").getByLabel("Use Genre as a feature").check();
    await row("Age").getByLabel("Log-transform Age").check();
    await row("Annual Income (k$)").getByLabel("Missing values in Annual Income (k$)").selectOption("median");
    await byTestId(page, "outliers-select").selectOption("percentiles");
    await byTestId(page, "k-input").fill("4");
    await byTestId(page, "run").click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="segment-card"]').length === 4, null, { timeout: 60_000 });
  });
  const model = JSON.parse(pageModel);
  const kinds = model.plan.features.map((f) => f.source.kind);
  assert.ok(kinds.includes("one_hot"), `Genre is one-hot in the page's model: ${kinds}`);
  const cliCsv = join(dir, "cli.csv");
  const cliModel = join(dir, "cli-model.json");
  await run(SEGMENT, [
    "fit", file, "--k", "4", "--one-hot", "Genre", "--log", "Age", "--impute", "Annual Income (k$)=median",
    "--outliers", "percentiles", "-o", cliModel, "--export", cliCsv, "--quiet",
  ]);
  assert.deepEqual(JSON.parse(await readFile(cliModel)), model, "the same model");
  assert.ok((await readFile(cliCsv)).equals(pageCsv), "the export is the page's download, byte for byte");
});
