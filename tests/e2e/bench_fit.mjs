// One K-Means fit in headless Chromium with the pool against scikit-learn on the same data
// and the same initial centres (figures, not a test; issue 12's goal: ≤ 0.5 × scikit-learn's
// lloyd on one thread). A generated file of 8 numeric columns (default 1,000,000 rows)
// goes through the release page with k = 8 and 1 and 2 helpers; a fit of that size tries
// its starts on a sample and finishes the best on every row (one Lloyd run, each iteration
// shared by rows): the page reports that run's time, iterations and initial centres
// (`workers` hook: data-finish-ms, data-finish-iterations, data-finish-initial).
// scripts/compare_sklearn_fit.py then fits scikit-learn's KMeans(init=those centres,
// n_init=1, algorithm="lloyd") on the file standardised as the page's default cleaning
// does, on one thread, and prints both with the ratio.
// `node tests/e2e/bench_fit.mjs [ROWS]`; BENCH_DIR keeps the generated file; BENCH_SPREAD
// sets the groups' standard deviation (default 4: six groups far apart, whose sample
// start is already the answer, so the finishing run takes an iteration or two; 20: groups
// that overlap, and a run of many iterations).
import { spawnSync } from "node:child_process";
import { mkdtemp, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeNumeric } from "./generate.mjs";
import { launch, openApp, ROOT, serveDist } from "./harness.mjs";

const ROWS = Number(process.argv[2] ?? 1_000_000);
const K = 8;
const dir = process.env.BENCH_DIR ?? (await mkdtemp(join(tmpdir(), "bench-fit-")));
const SPREAD = Number(process.env.BENCH_SPREAD ?? 4);
const file = join(dir, SPREAD === 4 ? `numeric-${ROWS}.csv` : `numeric-${ROWS}-spread-${SPREAD}.csv`);
if (!(await stat(file).catch(() => null))) await writeNumeric(file, ROWS, { spread: SPREAD });

const server = await serveDist();
const browser = await launch();
const runs = [];
try {
  for (const workers of [1, 2]) {
    const { page, context } = await openApp(browser, `${server.url}?workers=${workers}`);
    await page.locator(`[data-testid="workers"][data-workers="${workers}"]`).waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="file-input"]').setInputFiles(file);
    await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor({ timeout: 600_000 });
    await page.locator('[data-testid="status"][data-busy="false"]').waitFor({ timeout: 600_000 });
    const kInput = page.locator('[data-testid="k-input"]');
    await kInput.fill(String(K));
    await page.locator('[data-testid="run"]').click();
    const hook = page.locator('[data-testid="workers"][data-finish-ms]');
    await hook.waitFor({ timeout: 600_000 });
    const run = {
      workers,
      ms: Number(await hook.getAttribute("data-finish-ms")),
      iterations: Number(await hook.getAttribute("data-finish-iterations")),
      initial: JSON.parse(await hook.getAttribute("data-finish-initial")),
    };
    runs.push(run);
    console.log(`page, ${workers} helper(s): the finishing run ${run.ms.toFixed(0)} ms, ${run.iterations} iterations`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
const centres = join(dir, `centres-${ROWS}-spread-${SPREAD}.json`);
await writeFile(centres, JSON.stringify({ k: K, initial: runs.at(-1).initial, runs: runs.map(({ initial, ...r }) => r) }));
const same = runs.every((r) => JSON.stringify(r.initial) === JSON.stringify(runs[0].initial));
console.log(`initial centres the same with 1 and 2 helpers: ${same}`);
const python = spawnSync("python3", [join(ROOT, "scripts/compare_sklearn_fit.py"), file, centres], { stdio: "inherit" });
process.exit(python.status ?? 1);
