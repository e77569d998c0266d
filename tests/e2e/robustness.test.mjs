// End-to-end: the page is never silently wrong. A typed k stays the user's whenever it was
// typed; cancelling and choosing another file leaves no error behind; a worker that runs out
// of memory is explained and replaced, and the page goes on; a file too big for the worker
// is refused before it is read; restarting the worker asks the server for nothing.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openApp, requestsAfterReady, usePageAndBrowser } from "./harness.mjs";

const env = usePageAndBrowser();
const LONG = { timeout: 120_000 };
const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/** A deterministic stream in [0, 1) (an LCG): the fixtures are the same on every run. */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** `rows` customers in three tight, far-apart groups (so the recommendation is 3, not 5). */
function threeGroups(rows, seed) {
  const next = random(seed);
  const centres = [[20, 20], [80, 80], [20, 80]];
  const lines = ["CustomerID,Income,Score"];
  for (let i = 0; i < rows; i++) {
    const [x, y] = centres[i % 3];
    lines.push(`${i + 1},${(x + (next() - 0.5) * 6).toFixed(2)},${(y + (next() - 0.5) * 6).toFixed(2)}`);
  }
  return lines.join("\n") + "\n";
}

/** `rows` × `columns` numbers: a wide file whose profile rows are added over many tasks. */
function wide(rows, columns, seed) {
  const next = random(seed);
  const lines = [Array.from({ length: columns }, (_, j) => `c${j}`).join(",")];
  for (let i = 0; i < rows; i++) lines.push(Array.from({ length: columns }, () => (next() * 100).toFixed(1)).join(","));
  return lines.join("\n") + "\n";
}

let dir;
const files = {};
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "robustness-"));
  files.small = join(dir, "three-groups.csv");
  await writeFile(files.small, threeGroups(200, 7));
  files.other = join(dir, "other.csv");
  await writeFile(files.other, threeGroups(150, 11));
  // Big enough that reading, cleaning and trying k = 2..10 take a while: time to type or cancel.
  files.wide = join(dir, "wide.csv");
  await writeFile(files.wide, wide(2000, 200, 9));
  files.slow = join(dir, "slow.csv");
  await writeFile(files.slow, threeGroups(200_000, 3));
  // 1.1 GB on paper, a few megabytes on disk (sparse, the rest NUL bytes): too big to
  // hold, so it is read in pieces, and the NUL bytes after the text are refused.
  files.huge = join(dir, "big.csv");
  const head = threeGroups(80_000, 5);
  const handle = await open(files.huge, "w");
  await handle.write(head);
  await handle.truncate(1_100_000_000);
  await handle.close();
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function waitSweep(page) {
  await byTestId(page, "k-reason").waitFor(LONG);
}

async function segmentCount(page) {
  await page.locator('[data-testid="segment-card"]').first().waitFor(LONG);
  return page.locator('[data-testid="segment-card"]').count();
}

async function waitNotBusy(page) {
  await page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.dataset.busy === "false", null, LONG);
}

function assertNoPageError(record) {
  assert.deepEqual(record.pageErrors, [], "no uncaught error on the page");
  const disposed = record.consoleErrors.filter((e) => /disposed|panicked|unreachable/i.test(e));
  assert.deepEqual(disposed, [], "no disposed-value access or panic logged");
}

describe("a typed k is the user's", () => {
  test("k typed on the empty page, before a file: kept; the recommendation is offered beside it", async () => {
    const { context, page, record } = await openApp(env.browser, env.server.url);
    try {
      await byTestId(page, "k-input").fill("5");
      await byTestId(page, "file-input").setInputFiles(files.small);
      await waitSweep(page);
      await waitNotBusy(page);
      const recommended = await byTestId(page, "k-reason").getAttribute("data-k");
      assert.notEqual(recommended, "5", "the fixture's recommendation differs from the typed k");
      assert.equal(await byTestId(page, "k-input").inputValue(), "5", "the typed k, not the recommendation");
      assert.equal(await byTestId(page, "k-recommended").getAttribute("data-k"), recommended, "the recommendation beside the k box");
      assert.match(await byTestId(page, "use-recommended-k").textContent(), new RegExp(`Use k = ${recommended}`));
      await byTestId(page, "run").click();
      assert.equal(await segmentCount(page), 5, "5 segments, as typed");

      // One click takes the recommendation; the button goes, the note stays.
      await byTestId(page, "use-recommended-k").click();
      assert.equal(await byTestId(page, "k-input").inputValue(), recommended);
      assert.equal(await byTestId(page, "use-recommended-k").count(), 0);
      await byTestId(page, "run").click();
      await page.waitForFunction(
        (k) => document.querySelectorAll('[data-testid="segment-card"]').length === Number(k),
        recommended,
        LONG,
      );
      assertNoPageError(record);
      assert.deepEqual(requestsAfterReady(record), [], "no request after the page has loaded");
    } finally {
      await context.close();
    }
  });

  test("k typed while a file loads: kept when the recommendation arrives", async () => {
    const { context, page, record } = await openApp(env.browser, env.server.url);
    try {
      await byTestId(page, "file-input").setInputFiles(files.slow);
      await page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.dataset.busy === "true", null, LONG);
      await byTestId(page, "k-input").fill("5");
      assert.equal(await byTestId(page, "k-reason").count(), 0, "typed before the recommendation arrived");
      await waitSweep(page);
      await waitNotBusy(page);
      assert.notEqual(await byTestId(page, "k-reason").getAttribute("data-k"), "5");
      assert.equal(await byTestId(page, "k-input").inputValue(), "5", "the typed k survived the load");
      await byTestId(page, "run").click();
      assert.equal(await segmentCount(page), 5);
      assertNoPageError(record);
    } finally {
      await context.close();
    }
  });
});

// The case CI met: choices changed one after another queue cleanings in the worker; the
// answer to an older one (its k search) used to end "busy", so Run was offered, and pressed,
// between two answers, and the click went to a disabled button once the next one began.
describe("choices changed one after another", () => {
  test("the page stays busy until the last choice is swept; then Run segments with the typed k", async () => {
    const { context, page, record } = await openApp(env.browser, env.server.url);
    try {
      // 200,000 rows: each k search takes long enough for the next change to come first.
      await byTestId(page, "file-input").setInputFiles(files.slow);
      await waitSweep(page);
      await waitNotBusy(page);
      // Every value data-busy takes from now on, and whether Run was enabled when it did.
      await page.evaluate(() => {
        const status = document.querySelector('[data-testid="status"]');
        window.__busy = [];
        new MutationObserver(() => window.__busy.push(status.dataset.busy)).observe(status, { attributes: true, attributeFilter: ["data-busy"] });
      });
      const row = (name) => page.locator(`[data-testid="profile-row"][data-column="${name}"]`);
      await row("Income").getByLabel("Log-transform Income").check();
      await byTestId(page, "outliers-select").selectOption("none");
      await byTestId(page, "scaling-select").selectOption("robust");
      await row("Score").getByLabel("Log-transform Score").check();
      await byTestId(page, "k-input").fill("4");
      await waitNotBusy(page);
      const busy = await page.evaluate(() => window.__busy);
      assert.equal(busy.at(-1), "false", `free at the end: ${busy}`);
      assert.ok(busy.length > 1 && busy.slice(0, -1).every((b) => b === "true"), `busy until the last answer, never free in between: ${busy}`);
      await byTestId(page, "run").click();
      assert.equal(await segmentCount(page), 4, "4 segments, as typed");
      assertNoPageError(record);
    } finally {
      await context.close();
    }
  });
});

// The case CI met: a recommendation arriving while the user is in the k box replaced the
// box's value under the selection, and the "4" they typed became "24".
describe("the k box in use", () => {
  test("a recommendation arriving while the k box has the focus is offered beside it; what is typed is kept whole", async () => {
    const { context, page, record } = await openApp(env.browser, env.server.url);
    try {
      const before = await byTestId(page, "k-input").inputValue();
      await byTestId(page, "file-input").setInputFiles(files.slow);
      await page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.dataset.busy === "true", null, LONG);
      // In the box, its text selected, nothing typed yet.
      await byTestId(page, "k-input").focus();
      await byTestId(page, "k-input").selectText();
      await waitSweep(page);
      await waitNotBusy(page);
      const recommended = await byTestId(page, "k-reason").getAttribute("data-k");
      assert.notEqual(recommended, before, "the fixture's recommendation differs from the box's k");
      assert.equal(await byTestId(page, "k-input").inputValue(), before, "the box is left as it was while in use");
      assert.equal(await byTestId(page, "k-recommended").getAttribute("data-k"), recommended, "offered beside the box");
      await page.keyboard.type("4");
      assert.equal(await byTestId(page, "k-input").inputValue(), "4", "the typed k replaces the selection, whole");
      await byTestId(page, "run").click();
      assert.equal(await segmentCount(page), 4);
      assertNoPageError(record);
    } finally {
      await context.close();
    }
  });
});

/** After a cancel: the other file is read and swept, with no error and no request. */
async function otherFileReadCleanly(page, record) {
  await byTestId(page, "file-input").setInputFiles(files.other);
  await page.waitForFunction(() => /Read 150 rows × 3 columns/.test(document.querySelector('[data-testid="status"]')?.textContent ?? ""), null, LONG);
  await waitSweep(page);
  await waitNotBusy(page);
  // Deferred work (profile rows, charts) of the replaced file has run by now.
  await page.waitForTimeout(500);
  assertNoPageError(record);
  assert.deepEqual(requestsAfterReady(record), [], "the restarted worker fetched nothing");
}

describe("cancel, then another file", () => {
  for (const when of ["while the file is read", "while k = 2..10 are tried"]) {
    test(`cancel ${when}, choose another file: no error, the other file is read`, async () => {
      const { context, page, record } = await openApp(env.browser, env.server.url);
      try {
        await byTestId(page, "file-input").setInputFiles(files.slow);
        if (when.includes("tried")) {
          await page.waitForFunction(() => /Trying k/.test(document.querySelector('[data-testid="status"]')?.textContent ?? ""), null, LONG);
        } else {
          await byTestId(page, "cancel").waitFor(LONG);
        }
        await byTestId(page, "cancel").click();
        await otherFileReadCleanly(page, record);
      } finally {
        await context.close();
      }
    });
  }

  // The reported case: the profile of a wide file is shown a few rows a task; a cancel in
  // the middle replaced the file under the rows still to come (a panic on a disposed signal).
  test("cancel while the profile rows are still being added, choose another file: no error", async () => {
    const { context, page, record } = await openApp(env.browser, env.server.url);
    try {
      await byTestId(page, "file-input").setInputFiles(files.wide);
      await page.locator('[data-testid="profile-row"]').first().waitFor(LONG);
      const shown = await page.locator('[data-testid="profile-row"]').count();
      await byTestId(page, "cancel").click();
      assert.ok(shown < 200, `cancelled with ${shown} of 200 rows shown`);
      await otherFileReadCleanly(page, record);
    } finally {
      await context.close();
    }
  });
});

describe("the worker's memory", () => {
  test("a worker that runs out of memory: the cause and the limit shown, a new worker, the page goes on, nothing fetched", async () => {
    const { context, page, record } = await openApp(env.browser, `${env.server.url}?test-hooks`);
    try {
      await byTestId(page, "file-input").setInputFiles(files.small);
      await waitSweep(page);
      await waitNotBusy(page);
      await byTestId(page, "test-crash").click();
      const error = byTestId(page, "error");
      await page.waitForFunction(() => /ran out of memory/.test(document.querySelector('[data-testid="error"]')?.textContent ?? ""), null, LONG);
      const message = await error.textContent();
      assert.match(message, /while working on three-groups\.csv/);
      assert.match(message, /files up to about \d+ MB/);
      assert.match(message, /has been restarted/);
      assert.equal(await byTestId(page, "run").isDisabled(), true, "Run waits for a file");
      await page.locator('[data-testid="app"][data-ready="true"]').waitFor(LONG);

      await byTestId(page, "file-input").setInputFiles(files.small);
      await waitSweep(page);
      await byTestId(page, "k-input").fill("3");
      await byTestId(page, "run").click();
      assert.equal(await segmentCount(page), 3, "segments from the new worker");
      assert.deepEqual(record.pageErrors, [], "no uncaught error on the page");
      assert.deepEqual(requestsAfterReady(record), [], "the new worker fetched nothing");
    } finally {
      await context.close();
    }
  });

  test("a file too big to hold is read in pieces: bytes past its start that are not text are refused, saying where", async () => {
    const { context, page, record } = await openApp(env.browser, env.server.url);
    try {
      await byTestId(page, "file-input").setInputFiles(files.huge);
      await page.waitForFunction(() => /big\.csv: the file does not look like text/.test(document.querySelector('[data-testid="error"]')?.textContent ?? ""), null, LONG);
      const message = await byTestId(page, "error").textContent();
      const headBytes = Buffer.byteLength(threeGroups(80_000, 5));
      const offset = Number(message.match(/binary content near byte (\d+)/)?.[1]);
      assert.ok(offset >= headBytes && offset < headBytes + 16, `${message} (the text ends at byte ${headBytes})`);
      assert.match(message, /export your data as CSV/);
      assert.equal(await byTestId(page, "run").isDisabled(), true);
      // The same worker goes on.
      await byTestId(page, "file-input").setInputFiles(files.small);
      await waitSweep(page);
      assertNoPageError(record);
      assert.deepEqual(requestsAfterReady(record), []);
    } finally {
      await context.close();
    }
  });
});
