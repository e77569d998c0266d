// Ingest benchmark in headless Chromium: uploads the file `cargo bench --bench ingest`
// generated into the built release page and prints MB/s (worker time to read and profile,
// and wall time from choosing the file to the profile on screen), plus the longest task
// on the main thread meanwhile. Figures, not a test: `node tests/e2e/bench_ingest.mjs [FILE]`.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { ROOT, launch, openApp, serveDist } from "./harness.mjs";

const file = process.argv[2] ?? join(ROOT, "target/bench/customers_1000000.csv");
const { size } = await stat(file);
const mb = size / 1e6;
const server = await serveDist();
const browser = await launch();
try {
  for (let run = 1; run <= 3; run++) {
    const { context, page } = await openApp(browser, server.url);
    await page.evaluate(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
      }).observe({ type: "longtask", buffered: true });
    });
    const started = Date.now();
    await page.locator('[data-testid="file-input"]').setInputFiles(file);
    await page.locator('[data-testid="status"][data-load-ms]').waitFor({ timeout: 300_000 });
    const wall = Date.now() - started;
    const workerMs = Number(await page.locator('[data-testid="status"]').getAttribute("data-load-ms"));
    const readMs = Number(await page.locator('[data-testid="status"]').getAttribute("data-read-ms"));
    const status = await page.locator('[data-testid="status"]').textContent();
    const longTasks = await page.evaluate(() => window.__longTasks);
    const longest = longTasks.length ? Math.max(...longTasks) : 0;
    console.log(
      `chromium run ${run}: read ${readMs.toFixed(0)} ms (${(mb / (readMs / 1000)).toFixed(1)} MB/s); read + profile in the worker ${workerMs.toFixed(0)} ms (${(mb / (workerMs / 1000)).toFixed(1)} MB/s); ` +
        `choose → profile shown ${wall} ms (${(mb / (wall / 1000)).toFixed(1)} MB/s); ` +
        `main-thread long tasks: ${longTasks.length}, longest ${longest.toFixed(0)} ms`,
    );
    if (run === 1) console.log(`  ${status.trim()}`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
