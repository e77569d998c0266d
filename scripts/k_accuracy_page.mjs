// Runs labelled sets through the built page as a user would (k untouched) and prints how
// often the page's recommended k is the true one. The sets are CSV files named
// `…_k<true k>.csv`, as `cargo run --release --example k_accuracy -- --write-csv DIR` writes them.
// Run after `trunk build --release --offline=true`: node scripts/k_accuracy_page.mjs DIR
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { launch, openApp, serveDist } from "../tests/e2e/harness.mjs";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node scripts/k_accuracy_page.mjs DIR (CSV files named …_k<true k>.csv)");
  process.exit(2);
}
const files = (await readdir(dir)).filter((f) => /_k\d+\.csv$/.test(f)).sort();
const server = await serveDist();
const browser = await launch();
let right = 0;
const wrong = [];
try {
  for (const f of files) {
    const truth = Number(f.match(/_k(\d+)\.csv$/)[1]);
    const { context, page } = await openApp(browser, server.url);
    try {
      await page.locator('[data-testid="file-input"]').setInputFiles(join(dir, f));
      const reason = page.locator('[data-testid="k-reason"][data-k]');
      await reason.waitFor({ timeout: 180_000 });
      const k = Number(await reason.getAttribute("data-k"));
      const rule = await reason.getAttribute("data-rule");
      if (k === truth) right++;
      else wrong.push(`${f}: ${k} (${rule})`);
      console.log(`${f}\ttrue ${truth}\tpage ${k}\t${rule}`);
    } finally {
      await context.close();
    }
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`\nright on ${right} of ${files.length} (${((100 * right) / Math.max(files.length, 1)).toFixed(0)}%)`);
for (const w of wrong) console.log(`wrong: ${w}`);
