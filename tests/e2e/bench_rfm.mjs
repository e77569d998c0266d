// Transaction-log benchmark in headless Chromium: the log `cargo bench --bench rfm` wrote
// (541,909 order lines) is loaded into the built page and turned into customers; prints the
// worker's time for the aggregation (and profiling the customers). Figures, not a test:
// `node tests/e2e/bench_rfm.mjs [FILE]`.
import { join } from "node:path";
import { ROOT, launch, openApp, serveDist } from "./harness.mjs";

const file = process.argv[2] ?? join(ROOT, "target/bench/transactions_541909.csv");
const server = await serveDist();
const browser = await launch();
try {
  for (let run = 1; run <= 3; run++) {
    const { context, page } = await openApp(browser, server.url);
    await page.locator('[data-testid="file-input"]').setInputFiles(file);
    const toggle = page.locator('[data-testid="mode-transactions"]');
    await toggle.waitFor({ timeout: 120_000 });
    const readMs = Number(await page.locator('[data-testid="status"]').getAttribute("data-load-ms"));
    const started = Date.now();
    await toggle.check();
    const report = page.locator('[data-testid="rfm-report"]');
    await report.waitFor({ timeout: 120_000 });
    const wall = Date.now() - started;
    const workerMs = Number(await page.locator('[data-testid="status"]').getAttribute("data-load-ms"));
    console.log(
      `chromium run ${run}: read + profile the log ${readMs.toFixed(0)} ms; one row per customer ` +
        `(${await report.getAttribute("data-customers")} customers) in the worker ${workerMs.toFixed(0)} ms, ` +
        `click → report shown ${wall} ms`,
    );
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
