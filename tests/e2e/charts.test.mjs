// Charts people can read and explore (issue 11, item 8), on the built release page in
// headless Chromium: every chart shows the value under the pointer and, from the keyboard,
// each bar, cell or point in turn (`chart-tooltip`); the page fits a phone (390 px) and a
// desktop (1400 px) with no horizontal scroll and every canvas inside its box. Screenshots
// of both widths go to target/e2e-artifacts/.
// Run after `trunk build --release --offline=true`:
//   node --test --test-concurrency=1 tests/e2e/charts.test.mjs
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ROOT, foreignRequests, openApp, usePageAndBrowser } from "./harness.mjs";

const LONG = { timeout: 60_000 };
const ARTIFACTS = join(ROOT, "target/e2e-artifacts");
const env = usePageAndBrowser();
before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
});

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);
const tooltip = (page) => byTestId(page, "chart-tooltip");

/** Each chart with what its tooltips say (k: the number of segments). */
const CHARTS = [
  { id: "chart-elbow", first: /^k = \d+.*\nInertia: .+\nSilhouette: \d\.\d{3}/s },
  // The sample's IDs are C0001…C0300; a point lists the two features drawn, in the data's units.
  { id: "chart-scatter", points: true, first: /^Centre of Segment 1/, last: /^Customer C\d{4} · Segment \d+( \(.+\))?\n.+: [\d.]+\n.+: [\d.]+$/ },
  { id: "chart-pca", points: true, first: /^Centre of Segment 1/, last: /^Customer C\d{4} · Segment \d+( \(.+\))?(\n.+: .+){3,}$/ },
  { id: "chart-sizes", first: /^Segment 1( \(.+\))?\n\d+ customers?\n\d+\.\d% of the customers segmented$/ },
  { id: "chart-heatmap", first: /^Segment 1( \(.+\))?\n.+\nMean: .+ \(all customers: .+\)\nz = [+-]\d\.\d\d: / },
  { id: "chart-distribution", first: /^Segment 1( \(.+\))?\n.+\nMax: .+\n3rd quartile: .+\nMedian: .+\n1st quartile: .+\nMin: .+\nMean: / },
];

/** The sample file segmented with the recommended k; every chart drawn. */
async function sampleSegmented(page) {
  await byTestId(page, "sample-data").click();
  await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor(LONG);
  await page.locator('[data-testid="k-reason"][data-k]').waitFor(LONG);
  await byTestId(page, "run").click();
  for (const { id } of CHARTS) {
    await page.locator(`[data-testid="${id}"][data-drawn="true"]`).waitFor(LONG);
  }
  return page.locator('[data-testid="segment-card"]').count();
}

/** The tooltip's text, one line per span, once it shows. */
async function tooltipText(page) {
  await tooltip(page).waitFor({ timeout: 5_000 });
  return tooltip(page).evaluate((t) => [...t.querySelectorAll("span")].map((s) => s.textContent).join("\n"));
}

/** Where the tooltip is anchored, in the page's pixels (its left/top in the chart's box). */
async function tooltipAnchor(page, canvas) {
  const box = await canvas.evaluate((c) => {
    const r = c.getBoundingClientRect();
    return { x: r.left + window.scrollX + c.clientLeft, y: r.top + window.scrollY + c.clientTop };
  });
  const { left, top } = await tooltip(page).evaluate((t) => ({ left: parseFloat(t.style.left), top: parseFloat(t.style.top) }));
  return { x: box.x + left, y: box.y + top };
}

function assertClean(record) {
  assert.deepEqual(foreignRequests(record), [], "every request stays on 127.0.0.1");
  assert.deepEqual(record.pageErrors, [], "no page error");
}

describe("charts", () => {
  test("every chart shows its values from the keyboard and under the pointer", async () => {
    const { context, page, record } = await openApp(env.browser, env.server.url, { width: 1400, height: 900 });
    try {
      const k = await sampleSegmented(page);
      assert.ok(k >= 2, `${k} segments`);
      for (const chart of CHARTS) {
        const canvas = byTestId(page, chart.id);
        const hits = Number(await canvas.getAttribute("data-hits"));
        // Exactly one hit per bar, per cell, per box, per k; a point per customer and centre.
        if (chart.id === "chart-sizes" || chart.id === "chart-distribution") assert.equal(hits, k, chart.id);
        if (chart.id === "chart-elbow") assert.equal(hits, await page.locator('[data-testid="k-metrics"] tbody tr').count(), chart.id);
        if (chart.id === "chart-scatter" || chart.id === "chart-pca") assert.equal(hits, 300 + k, `${chart.id}: 300 customers and ${k} centres`);
        if (chart.id === "chart-heatmap") assert.equal(hits % k, 0, `${chart.id}: k × d cells (${hits})`);

        // Keyboard: Tab's focus on the chart, then the arrow keys walk the hits.
        await canvas.scrollIntoViewIfNeeded();
        await canvas.focus();
        await page.keyboard.press("ArrowRight");
        const first = await tooltipText(page);
        assert.match(first, chart.first, `${chart.id}, first hit from the keyboard`);
        if (chart.last) {
          const before = await tooltip(page).textContent();
          await page.keyboard.press("End");
          await page.waitForFunction((old) => document.querySelector('[data-testid="chart-tooltip"]')?.textContent !== old, before);
          assert.match(await tooltipText(page), chart.last, `${chart.id}, last hit from the keyboard`);
        }
        await page.keyboard.press("Escape");
        await tooltip(page).waitFor({ state: "detached", timeout: 5_000 });

        // Pointer: hover where the keyboard's hit was (just inside a bar's top edge).
        await page.keyboard.press("Home");
        const anchor = await tooltipAnchor(page, canvas);
        const text = await tooltipText(page);
        await page.keyboard.press("Escape");
        await tooltip(page).waitFor({ state: "detached", timeout: 5_000 });
        const scroll = await page.evaluate(() => ({ x: window.scrollX, y: window.scrollY }));
        await page.mouse.move(anchor.x - scroll.x, anchor.y - scroll.y + (chart.points ? 0 : 3));
        const hovered = await tooltipText(page);
        if (chart.points) {
          // A customer may lie within a pixel of the centre: either is right.
          assert.match(hovered, /^(Centre of Segment|Customer C\d{4})/, `${chart.id}: the pointer shows a point`);
        } else {
          assert.equal(hovered, text, `${chart.id}: the pointer shows the same values`);
        }
        await page.mouse.move(1, 1);
        await tooltip(page).waitFor({ state: "detached", timeout: 5_000 });
      }
      assertClean(record);
    } finally {
      await context.close();
    }
  });

  for (const viewport of [{ width: 390, height: 844 }, { width: 1400, height: 900 }]) {
    test(`${viewport.width} px wide: nothing wider than the screen, every canvas inside its box`, async () => {
      const { context, page, record } = await openApp(env.browser, env.server.url, viewport);
      try {
        await sampleSegmented(page);
        await page.screenshot({ path: join(ARTIFACTS, `charts-${viewport.width}.png`), fullPage: true });
        const layout = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
          wide: [...document.querySelectorAll("body *")]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(0, 5)
            .map((e) => `${e.tagName.toLowerCase()}${e.className ? "." + String(e.className).split(" ").join(".") : ""}`),
          canvases: [...document.querySelectorAll("canvas")].map((c) => {
            const r = c.getBoundingClientRect();
            const p = c.parentElement.getBoundingClientRect();
            return { id: c.dataset.testid, left: r.left, right: r.right, parentLeft: p.left, parentRight: p.right, width: r.width };
          }),
        }));
        assert.equal(layout.innerWidth, viewport.width);
        assert.ok(layout.scrollWidth <= layout.innerWidth, `scrollWidth ${layout.scrollWidth} > ${layout.innerWidth}: ${layout.wide.join(", ")}`);
        assert.ok(layout.canvases.length >= 6, `${layout.canvases.length} canvases`);
        for (const c of layout.canvases) {
          assert.ok(c.width > 100, `${c.id} is shown (${c.width} px)`);
          assert.ok(c.left >= c.parentLeft - 0.5 && c.right <= c.parentRight + 0.5, `${c.id} inside its box: ${JSON.stringify(c)}`);
          assert.ok(c.right <= viewport.width, `${c.id} on the screen: ${JSON.stringify(c)}`);
        }
        // A tooltip opened near a chart's edge stays on the screen too.
        for (const id of ["chart-scatter", "chart-heatmap"]) {
          const canvas = byTestId(page, id);
          await canvas.scrollIntoViewIfNeeded();
          await canvas.focus();
          await page.keyboard.press("End");
          await tooltip(page).waitFor({ timeout: 5_000 });
          const box = await tooltip(page).evaluate((t) => t.getBoundingClientRect().toJSON());
          assert.ok(box.left >= 0 && box.right <= viewport.width, `${id}'s tooltip on the screen: ${JSON.stringify(box)}`);
          await page.keyboard.press("Escape");
        }
        assertClean(record);
      } finally {
        await context.close();
      }
    });
  }
});
