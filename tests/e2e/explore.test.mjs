// Exploring the numeric columns before a run (issue 11): the correlation heatmap with its
// pairs named (data-pairs), the Pearson/Spearman toggle, near-duplicates left out in one
// click, and the pair plot before and after a run, with tooltips. On a CSV the test writes:
// Alpha and Beta nearly the same (r ≈ 0.95), Gamma independent of both.
// Run after `trunk build --release --offline=true`: node --test --test-concurrency=1 tests/e2e/explore.test.mjs
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { foreignRequests, openApp, usePageAndBrowser } from "./harness.mjs";

const LONG = { timeout: 60_000 };
const env = usePageAndBrowser();
let csvPath;

/** A seeded uniform stream in [0, 1) (mulberry32), so the file is the same every run. */
function stream(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

before(async () => {
  const u = stream(11);
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const lines = ["CustomerID,Alpha,Beta,Gamma"];
  for (let i = 0; i < 400; i++) {
    // Two groups, so a run finds segments; Beta = Alpha + noise (r ≈ 0.95).
    const group = i % 2;
    const alpha = 50 + group * 30 + 10 * normal();
    const beta = alpha + 6 * normal();
    const gamma = 100 + 20 * normal();
    lines.push(`C${String(i).padStart(4, "0")},${alpha.toFixed(2)},${beta.toFixed(2)},${gamma.toFixed(2)}`);
  }
  const dir = await mkdtemp(join(tmpdir(), "seg-explore-"));
  csvPath = join(dir, "near_duplicates.csv");
  await writeFile(csvPath, lines.join("\n") + "\n");
});

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/** `A~B:0.95;…` → [{ a, b, r }]. */
const parsePairs = (text) =>
  text.split(";").filter(Boolean).map((p) => {
    const [names, r] = p.split(":");
    const [a, b] = names.split("~");
    return { a, b, r: Number(r) };
  });

/** Focuses a chart and steps onto its first hit with the keyboard; returns the tooltip text. */
async function keyboardTooltip(page, testId) {
  const chart = byTestId(page, testId);
  await chart.focus();
  await chart.press("ArrowRight");
  const tip = byTestId(page, "chart-tooltip");
  await tip.waitFor({ timeout: 10_000 });
  const text = await tip.innerText();
  await chart.press("Escape");
  return text;
}

describe("exploring the numeric columns", () => {
  test("heatmap, pairs in words, Spearman, leave out, pair plot before and after a run", LONG, async () => {
    const { context, page, record } = await openApp(env.browser, env.server.url);
    await byTestId(page, "file-input").setInputFiles(csvPath);
    const heatmap = page.locator('[data-testid="chart-correlation"][data-drawn="true"]');
    await heatmap.waitFor(LONG);

    // The duplicate pair first, with r near 0.95; Gamma unrelated.
    const pearson = parsePairs(await heatmap.getAttribute("data-pairs"));
    assert.deepEqual([pearson[0].a, pearson[0].b], ["Alpha", "Beta"], JSON.stringify(pearson));
    assert.ok(pearson[0].r > 0.9 && pearson[0].r < 0.99, `r = ${pearson[0].r}`);
    for (const p of pearson.slice(1)) assert.ok(Math.abs(p.r) < 0.2, JSON.stringify(p));
    assert.match(await byTestId(page, "correlation-basis").innerText(), /all 400 rows/);
    const words = await byTestId(page, "correlation-pair").allInnerTexts();
    assert.match(words[0], /^Alpha and Beta move together \(r = 0\.9\d\)$/);

    // A cell's tooltip under the pointer: Alpha × Beta (row 0, column 1).
    await heatmap.scrollIntoViewIfNeeded();
    const scale = (await heatmap.boundingBox()).width / 760;
    await heatmap.hover({ position: { x: (160 + 64 * 1.5) * scale, y: (120 + 64 * 0.5) * scale } });
    const tip = byTestId(page, "chart-tooltip");
    await tip.waitFor({ timeout: 10_000 });
    assert.match(await tip.innerText(), /^Alpha × Beta: r = 0\.9\d \(Pearson, n = 400\)$/);
    await page.mouse.move(0, 0);

    // Spearman: other values, same pair first.
    await byTestId(page, "correlation-method").selectOption("spearman");
    await page.locator('[data-testid="chart-correlation"][data-method="spearman"]').waitFor({ timeout: 10_000 });
    const spearman = parsePairs(await heatmap.getAttribute("data-pairs"));
    assert.deepEqual([spearman[0].a, spearman[0].b], ["Alpha", "Beta"]);
    assert.notDeepEqual(
      spearman.map((p) => p.r),
      pearson.map((p) => p.r),
      "Spearman's r differ from Pearson's",
    );
    await byTestId(page, "correlation-method").selectOption("pearson");

    // The pair plot before a run: drawn, its points with the customer's ID.
    const pairs = page.locator('[data-testid="chart-pairs"][data-drawn="true"]');
    await pairs.waitFor(LONG);
    assert.equal(await byTestId(page, "pair-feature").count(), 3);
    assert.equal(await page.locator('[data-testid="pair-feature"]:checked').count(), 3);
    assert.equal(await byTestId(page, "pair-legend").count(), 0, "one colour before a run");
    const before = await keyboardTooltip(page, "chart-pairs");
    assert.match(before, /rows/, before);

    // Near-duplicates: one click leaves Beta out of the features.
    const betaUsed = page.getByRole("checkbox", { name: "Use Beta as a feature", exact: true });
    assert.equal(await betaUsed.isChecked(), true);
    const leave = page.locator('[data-testid="leave-out"][data-column="Beta"]');
    assert.equal(await leave.innerText(), "Leave Beta out");
    await leave.click();
    await page.waitForFunction(
      () => !document.querySelector('[data-testid="profile-row"][data-column="Beta"] input[aria-label="Use Beta as a feature"]').checked,
      null,
      { timeout: 10_000 },
    );
    assert.equal(await byTestId(page, "leave-out").count(), 0, "nothing left to leave out");

    // Run: the pair plot shows the segmentation's features, coloured by segment.
    await page.locator('[data-testid="k-reason"][data-k]').waitFor(LONG);
    await byTestId(page, "k-input").fill("2");
    await byTestId(page, "run").click();
    await byTestId(page, "segment-card").first().waitFor(LONG);
    await byTestId(page, "pair-legend").waitFor(LONG);
    await pairs.waitFor(LONG);
    const names = await page.locator('[data-testid="pair-feature"]').evaluateAll((els) => els.map((e) => e.value));
    assert.deepEqual(names.sort(), ["Alpha", "Gamma"], "the features clustered on");
    assert.equal(await byTestId(page, "pair-legend").locator("li").count(), 2);
    const after = await keyboardTooltip(page, "chart-pairs");
    assert.match(after, /Segment [12]/, after);
    // A point's tooltip: the customer's ID and both values.
    // The diagonal's first histogram (at most 12 bars × 2 segments) comes first, then points.
    await byTestId(page, "chart-pairs").focus();
    await byTestId(page, "chart-pairs").press("Home");
    let pointText = "";
    for (let i = 0; i < 60 && !/^C\d{4}\n/.test(pointText); i++) {
      await byTestId(page, "chart-pairs").press("ArrowRight");
      pointText = await byTestId(page, "chart-tooltip").innerText();
    }
    assert.match(pointText, /^C\d{4}\n(Alpha|Gamma): [\d.]+\n(Alpha|Gamma): [\d.]+\nSegment [12]$/, pointText);

    assert.deepEqual(foreignRequests(record), [], "every request stays on 127.0.0.1");
    assert.deepEqual(record.pageErrors, [], "no page error");
    await context.close();
  });
});
