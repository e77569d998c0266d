// Scale benchmark in headless Chromium (figures, not a test): generated files of 8 numeric
// columns through the release page, with 1 and 2 helper workers: time to read, to sweep k,
// to segment and draw (from the Run click), in all, on the page's own clock (the user's wait:
// no polling of the harness, no time before the click), in a run of their own with nothing
// sampled meanwhile (files up to 3M rows; see TIMED_MAX); and, in a second run, the
// browser's peak memory (the tab: the resident set of the page's renderer process, which
// runs the page and its workers; all of Chromium: the proportional set size of its every
// process; sampled from /proc every 100 ms and every second) and each kind of thread's CPU
// time from choosing the file to the segments (the helpers, the engine, the page, the rest
// of Chromium: what two helpers on two cores share the cores with; read every 200 ms).
// Printed beside issue 12's goals, then the download (every row with its segment; a file over the memory budget is
// read in pieces and its download written piece by piece), its time and rows counted.
// Then, for the files with timed runs, two helpers against one again in BENCH_ROUNDS rounds
// (default 3), the two alternating, each round after a measure of the machine's own
// two-core scaling at that moment (the same arithmetic on one thread, then on two side by
// side): on this shared machine that scaling itself swings between about ×1.3 and ×2.0 from
// minute to minute, so one pair of runs says little; the medians are printed.
// `node tests/e2e/bench_pool.mjs [ROWS ...]` (default 200000 1000000 3000000 12000000);
// BENCH_WORKERS="1 2" sets the pool sizes; BENCH_QUOTED=1 quotes every field. Each run
// has its own Chromium with an on-disk profile, as a user's browser has (a download larger
// than memory is paged to disk); BENCH_OFF_THE_RECORD=1 uses one browser and an
// off-the-record context per run instead.
import { createReadStream } from "node:fs";
import { readdir, readFile, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { Worker } from "node:worker_threads";
import { join } from "node:path";
import { writeNumeric } from "./generate.mjs";
import { launch, launchWithProfile, openApp, openAppIn, recordSteps, serveDist, stepTimes } from "./harness.mjs";

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const ROWS = sizes.length ? sizes : [200_000, 1_000_000, 3_000_000, 12_000_000];
/** BENCH_QUOTED=1: every field of the files in quotes (the same values). */
const QUOTED = Boolean(process.env.BENCH_QUOTED);
const WORKERS = (process.env.BENCH_WORKERS ?? "1 2").split(/\s+/).filter(Boolean).map(Number);
const GOALS = { 1_000_000: "≤ 4 s", 3_000_000: "≤ 15 s, tab < 1.5 GB", 12_000_000: "completes, tab < 2 GB" };

/** The browser's own tag: its main process carries it, so its processes can be told
 * from any other Chromium running on the machine. */
const TAG = `--bench-pool-tag=${process.pid}`;

/** Memory of this benchmark's Chromium (the tagged process and every process under it),
 * in bytes: `tab`, the resident set of its largest renderer (the page's process, which
 * runs the page and its workers), and `all`, the proportional set size of every process
 * (shared pages counted once, split among the processes sharing them; a sum of resident
 * sets would count Chromium's shared libraries once per process). */
async function chromiumMemory({ withAll = true } = {}) {
  const { procs, ours } = await ourProcesses();
  let all = 0;
  let tab = 0;
  for (const pid of ours) {
    const p = procs.get(pid);
    if (p.renderer) tab = Math.max(tab, p.rss);
    if (!withAll) continue;
    const rollup = await readFile(`/proc/${pid}/smaps_rollup`, "utf8").catch(() => "");
    all += Number(rollup.match(/^Pss:\s+(\d+) kB/m)?.[1] ?? 0) * 1024;
  }
  return { tab, all };
}

/** Every process on the machine (`procs`: parent, resident set, whether it is tagged or a
 * renderer) and this benchmark's Chromium among them (`ours`: the tagged process and every
 * process under it). */
async function ourProcesses() {
  const procs = new Map();
  for (const pid of await readdir("/proc").catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const status = await readFile(`/proc/${pid}/status`, "utf8");
      const ppid = Number(status.match(/^PPid:\s+(\d+)/m)?.[1] ?? 0);
      const rss = Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? 0) * 1024;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8");
      procs.set(Number(pid), { ppid, rss, tagged: cmdline.includes(TAG), renderer: cmdline.includes("--type=renderer") });
    } catch {
      // gone meanwhile
    }
  }
  const ours = new Set([...procs].filter(([, p]) => p.tagged).map(([pid]) => pid));
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, p] of procs) {
      if (!ours.has(pid) && ours.has(p.ppid)) {
        ours.add(pid);
        grew = true;
      }
    }
  }
  return { procs, ours };
}

/** The CPU time (user and system, in ms) each thread of this benchmark's Chromium has used
 * so far, by thread: its kind (`engine` and `helper` for the page's workers, `page` for a
 * renderer's main thread, else `other`: the compositor, V8's background compiling and
 * collecting, the browser and GPU processes) and its time. A renderer's first worker
 * thread is taken as the engine: the page starts the engine before its helpers. */
async function threadTimes(only) {
  const { procs, ours } = only ?? (await ourProcesses());
  const tick = 1000 / 100; // USER_HZ
  const threads = new Map();
  for (const pid of ours) {
    const tids = (await readdir(`/proc/${pid}/task`).catch(() => [])).map(Number).sort((a, b) => a - b);
    let workers = 0;
    for (const tid of tids) {
      const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, "utf8").catch(() => "");
      if (!stat) continue;
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ms = (Number(fields[11]) + Number(fields[12])) * tick;
      const renderer = procs.get(pid)?.renderer;
      const kind = renderer && name.startsWith("DedicatedWorker") ? (workers++ === 0 ? "engine" : "helper") : renderer && tid === pid ? "page" : "other";
      threads.set(`${pid}/${tid}`, { kind, ms });
    }
  }
  return threads;
}

/** Each thread's CPU time from now until `stop()` is called, which returns what each kind
 * of thread used meanwhile, in ms. The threads are read every 200 ms, so a thread that ends
 * meanwhile (the page replaces its helpers once a segmentation is shown) counts up to its
 * last reading; a thread born meanwhile counts from zero. */
async function cpuFromNow() {
  const chromium = await ourProcesses();
  const before = await threadTimes(chromium);
  // Every 200 ms only the renderers' threads (where the workers are), the processes found
  // once: looking through every process costs more than the reading.
  const renderers = { procs: chromium.procs, ours: [...chromium.ours].filter((pid) => chromium.procs.get(pid)?.renderer) };
  const last = new Map();
  const read = async (processes) => {
    for (const [key, thread] of await threadTimes(processes)) last.set(key, thread);
  };
  let reading = Promise.resolve();
  const timer = setInterval(() => {
    reading = reading.then(() => read(renderers));
  }, 200);
  return async () => {
    clearInterval(timer);
    await reading;
    await read(chromium);
    const used = { engine: 0, helper: 0, page: 0, other: 0 };
    for (const [key, { kind, ms }] of last) used[kind] += ms - (before.get(key)?.ms ?? 0);
    return used;
  };
}

/** Lines of a file, read as a stream (a download may be larger than node's strings). */
async function countLines(path) {
  let lines = 0;
  for await (const chunk of createReadStream(path)) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

// BENCH_DIR keeps the generated files between runs (a 12M-row file takes minutes to write).
const dir = process.env.BENCH_DIR ?? (await mkdtemp(join(tmpdir(), "bench-pool-")));
const server = await serveDist();
const OFF_THE_RECORD = Boolean(process.env.BENCH_OFF_THE_RECORD);
const browser = OFF_THE_RECORD ? await launch([TAG]) : null;

/** The app in a fresh browser context; `close` ends it (and its browser, when its own). */
async function openFresh(url) {
  if (OFF_THE_RECORD) {
    const opened = await openApp(browser, url);
    return { ...opened, close: () => opened.context.close() };
  }
  const profile = await mkdtemp(join(tmpdir(), "bench-profile-"));
  const context = await launchWithProfile(profile, [TAG]);
  const opened = await openAppIn(context, url);
  return {
    ...opened,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
/** The engine's own times of the page's last journey (the status line's attributes). */
async function engineTimes(page) {
  const status = page.locator('[data-testid="status"]');
  const worker = async (name) => Number(await status.getAttribute(`data-${name}-ms`));
  return {
    clean: await worker("clean"),
    search: await worker("sweep"),
    fit: await worker("segment"),
    runs: await worker("fit"),
    stability: await worker("stability"),
    read: await worker("read"),
    loaded: await worker("load"),
    // A large fit's run finished on every row, shared by rows (within `runs`).
    finish: Number(await page.locator('[data-testid="workers"]').getAttribute("data-finish-ms")),
  };
}

/** Files up to this many rows get a run of their own for the times, with nothing sampled
 * meanwhile: reading every process's memory walks its page tables, which on this 2-core
 * machine took about 0.8 s from a 1M-row journey of 3.8 s. The memory is measured in a
 * second run (with the download). Larger files are run once (BENCH_TIMED_MAX sets it). */
const TIMED_MAX = Number(process.env.BENCH_TIMED_MAX ?? 3_000_000);

/** How long a user takes to choose a file once the engine's warm-up is over (the warm
 * runs): the browser's optimising compiler finishes the code the warm-up made hot on
 * background threads meanwhile. BENCH_CHOOSE_MS sets it. */
const CHOOSE_MS = Number(process.env.BENCH_CHOOSE_MS ?? 1000);

/** The journey with nothing else running: the page's own times and the engine's. `warm`:
 * the file is chosen once the engine's warm-up has ended (`worker::warm`) and
 * [`CHOOSE_MS`] more; else as soon as the page shows its workers, the warm-up then under
 * way (it stops between two of its steps for the file). */
async function timedJourney(file, workers, warm) {
  const { page, close } = await openFresh(`${server.url}?workers=${workers}`);
  try {
    await page.locator(`[data-testid="workers"][data-workers="${workers}"]`).waitFor({ timeout: 60_000 });
    let warmUp;
    if (warm) {
      const status = page.locator('[data-testid="workers"][data-warm]');
      await status.waitFor({ timeout: 60_000 });
      warmUp = { outcome: await status.getAttribute("data-warm"), ms: Number(await status.getAttribute("data-warm-ms")) };
      await page.waitForTimeout(CHOOSE_MS);
    }
    const steps = await recordSteps(page);
    await page.locator('[data-testid="file-input"]').setInputFiles(file);
    await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor({ timeout: 900_000 });
    await page.locator('[data-testid="run"]').click();
    await page.locator('[data-testid="chart-scatter"][data-drawn="true"]').waitFor({ timeout: 900_000 });
    return { ...stepTimes(await steps()), ...(await engineTimes(page)), warmUp };
  } finally {
    await close();
  }
}

/** The CPU times of a journey, and the share of them outside the helpers (on 2 cores,
 * what two helpers must share their cores with). */
function cpuSaid(cpu) {
  const all = cpu.engine + cpu.helper + cpu.page + cpu.other;
  const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
  return `the helpers ${s(cpu.helper)}, the engine ${s(cpu.engine)}, the page ${s(cpu.page)}, the rest of Chromium ${s(cpu.other)} (${((1 - cpu.helper / all) * 100).toFixed(0)}% outside the helpers)`;
}

/** The machine's own two-core scaling now: the same arithmetic (no memory traffic) on one
 * thread, then on two side by side; ×2 when each core is as fast beside the other as alone.
 * The best of two tries of each. */
async function twoCoreScaling(iterations = 1.5e8) {
  const code = `const { parentPort } = require("node:worker_threads");
    parentPort.on("message", (n) => { let v = 1; for (let i = 0; i < n; i++) v = v * 1.0000001 + (i & 7) * 1e-9; parentPort.postMessage(v); });`;
  const threads = [new Worker(code, { eval: true }), new Worker(code, { eval: true })];
  const on = (thread) => new Promise((done) => { thread.once("message", done); thread.postMessage(iterations); });
  const timed = async (work) => {
    const t = performance.now();
    await work();
    return performance.now() - t;
  };
  try {
    await on(threads[0]); // the JIT's warm-up
    let [one, two] = [Infinity, Infinity];
    for (let i = 0; i < 2; i++) {
      one = Math.min(one, await timed(() => on(threads[0])));
      two = Math.min(two, await timed(() => Promise.all(threads.map(on))));
    }
    return (2 * one) / two;
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
}

const median = (values) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Two helpers against one: the ratios of one round (1 helper's time / 2 helpers'). */
function ratiosOf(one, two) {
  const r = (key) => one[key] / two[key];
  return {
    load: r("load"),
    read: r("read"),
    sweep: r("sweep"),
    search: r("search"),
    runs: r("runs"),
    fit: r("fit"),
    total: r("total"),
  };
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const rows = [];
try {
  for (const n of ROWS) {
    const file = join(dir, `${QUOTED ? "quoted" : "numeric"}-${n}.csv`);
    if (!(await stat(file).catch(() => null))) await writeNumeric(file, n, { quoted: QUOTED });
    const { size } = await stat(file);
    for (const workers of WORKERS) {
      const failed = (e) => ({ error: String(e).split("\n")[0] });
      const cold = n <= TIMED_MAX ? await timedJourney(file, workers, false).catch(failed) : null;
      const timed = n <= TIMED_MAX ? await timedJourney(file, workers, true).catch(failed) : null;
      const { page, close } = await openFresh(`${server.url}?workers=${workers}`);
      await page.locator(`[data-testid="workers"][data-workers="${workers}"]`).waitFor({ timeout: 60_000 });
      const steps = await recordSteps(page);
      const start = await chromiumMemory();
      const peak = { ...start };
      // The tab's resident set every 100 ms (cheap); every process's proportional set
      // every second (reading it walks each process's page tables, which would slow the
      // page if done as often: this machine has two cores and the pool uses both).
      let ticks = 0;
      const sampler = setInterval(async () => {
        const now = await chromiumMemory({ withAll: ticks++ % 10 === 0 });
        peak.tab = Math.max(peak.tab, now.tab);
        peak.all = Math.max(peak.all, now.all);
      }, 100);
      // Each thread's CPU time too, read every 200 ms (in this run, not the timed one).
      const cpuSoFar = await cpuFromNow();
      const t0 = Date.now();
      let line;
      try {
        await page.locator('[data-testid="file-input"]').setInputFiles(file);
        await page.locator('[data-testid="status"][data-load-ms]').waitFor({ timeout: 900_000 });
        const t1 = Date.now();
        await page.locator('[data-testid="chart-elbow"][data-drawn="true"]').waitFor({ timeout: 900_000 });
        const t2 = Date.now();
        await page.locator('[data-testid="run"]').click();
        await page.locator('[data-testid="chart-scatter"][data-drawn="true"]').waitFor({ timeout: 900_000 });
        const t3 = Date.now();
        const cpu = await cpuSoFar();
        const onPage = stepTimes(await steps());
        const peakBeforeDownload = { ...peak };
        // The download: every row with its segment (a file read in pieces is read again).
        let exportedRows;
        let t4;
        try {
          const [download] = await Promise.all([page.waitForEvent("download", { timeout: 900_000 }), page.locator('[data-testid="download-csv"]').click()]);
          const saved = await download.path();
          t4 = Date.now();
          exportedRows = (await countLines(saved)) - 1;
          await download.delete();
        } catch (e) {
          // The times to the segments still count; the download's failure is said.
          t4 = Date.now();
          exportedRows = `none (${String(e).split("\n")[0]})`;
        }
        const streamed = page.locator('[data-testid="streamed"]');
        const sample = (await streamed.count()) ? Number(await streamed.getAttribute("data-rows")) : undefined;
        const sampledRun = { ...onPage, ...(await engineTimes(page)) };
        line = {
          rows: n,
          mb: size / 1e6,
          workers,
          // The page's own clock (recordSteps), from the run with nothing sampled when there
          // is one; the harness's clock also counts Playwright's polling and the click.
          ...(timed && !timed.error ? timed : sampledRun),
          timedError: timed?.error,
          cold,
          sampledRun,
          harness: t3 - t0,
          export: t4 - t3,
          exportedRows,
          sample,
          peakBeforeDownload,
          cpu,
        };
      } catch (e) {
        line = { rows: n, mb: size / 1e6, workers, error: String(e).split("\n")[0] };
      } finally {
        clearInterval(sampler);
        line.peak = { ...peak };
        line.start = start;
        await close();
      }
      rows.push(line);
      const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
      const gb = (bytes) => `${(bytes / 2 ** 30).toFixed(2)} GB`;
      const memory = (m) => `the tab ${gb(m.tab)}, all of Chromium ${gb(m.all)}`;
      console.log(
        line.error
          ? `${n} rows (${line.mb.toFixed(0)} MB), ${workers} helper(s): FAILED ${line.error}; peak: ${memory(peak)}`
          : `${n} rows (${line.mb.toFixed(0)} MB), ${workers} helper(s): load ${s(line.load)}, sweep ${s(line.sweep)}, ` +
              `segment + draw ${s(line.segment)}, total ${s(line.total)} ${timed && !timed.error ? `(a run with nothing sampled, the file chosen ${s(CHOOSE_MS)} after the engine's warm-up ended (${line.warmUp?.outcome} in ${s(line.warmUp?.ms ?? NaN)}); ` : `(${timed?.error ? `the run with nothing sampled failed: ${timed.error}; ` : ""}`}` +
              (cold && !cold.error ? `chosen at once, during the warm-up: load ${s(cold.load)}, sweep ${s(cold.sweep)}, segment ${s(cold.segment)}, total ${s(cold.total)}; ` : "") +
              `with memory sampled: total ${s(line.sampledRun.total)}, on the harness's clock with its polling and the click ${s(line.harness)}; in the engine: reading ${s(line.read)} of a load of ${s(line.loaded)}, cleaning ${s(line.clean)}, ` +
              `k search ${s(line.search)}, segmentation ${s(line.fit)}: its runs ${s(line.runs)} (the finishing run by rows ${s(line.finish)}), stability ${s(line.stability)}); ` +
              (line.cpu ? `CPU time meanwhile: ${cpuSaid(line.cpu)}; ` : "") +
              `download ${s(line.export)} with ${line.exportedRows} rows${line.sample ? ` (read in pieces, sample of ${line.sample} rows)` : ""}; ` +
              `memory at the start: ${memory(start)}; peak before the download: ${memory(line.peakBeforeDownload)}; ` +
              `peak: ${memory(peak)}; goal ${GOALS[n] ?? "-"}`,
      );
    }
  }
  console.log("\nrows       | MB   | helpers | load   | sweep  | segment | total  | chosen at once | download | tab GB (peak before download / peak) | goal");
  for (const r of rows) {
    const s = (ms) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(2)}s`).padEnd(6);
    console.log(
      `${String(r.rows).padEnd(10)} | ${r.mb.toFixed(0).padEnd(4)} | ${String(r.workers).padEnd(7)} | ${s(r.load)} | ${s(r.sweep)} | ` +
        `${s(r.segment)}  | ${s(r.total)} | ${s(r.cold?.error ? undefined : r.cold?.total).padEnd(14)} | ${s(r.export)}   | ${`${r.peakBeforeDownload ? (r.peakBeforeDownload.tab / 2 ** 30).toFixed(2) : "-"} / ${(r.peak.tab / 2 ** 30).toFixed(2)}`.padEnd(36)} | ${r.error ? "FAILED" : GOALS[r.rows] ?? "-"}`,
    );
  }
  for (const n of ROWS) {
    const [one, two] = [1, 2].map((w) => rows.find((r) => r.rows === n && r.workers === w && !r.error));
    if (one && two) {
      console.log(
        `${n} rows, 2 helpers vs 1: k search ×${(one.search / two.search).toFixed(2)}, segmentation ×${(one.fit / two.fit).toFixed(2)}, ` +
          `its runs ×${(one.runs / two.runs).toFixed(2)} (the finishing run by rows ×${(one.finish / two.finish).toFixed(2)}), reading ×${(one.read / two.read).toFixed(2)}, cleaning ×${(one.clean / two.clean).toFixed(2)} ` +
          `(engine times); on screen: sweep ×${(one.sweep / two.sweep).toFixed(2)}, segment ×${(one.segment / two.segment).toFixed(2)}, ` +
          `load ×${(one.load / two.load).toFixed(2)}, total ×${(one.total / two.total).toFixed(2)} (goal ≥ 1.7 on fit, sweep, ingest)`,
      );
      if (one.cpu && two.cpu) {
        console.log(`${n} rows, CPU time from choosing the file to the segments: 1 helper: ${cpuSaid(one.cpu)}; 2 helpers: ${cpuSaid(two.cpu)}`);
      }
      const [c1, c2] = [one.cold, two.cold];
      if (c1 && c2 && !c1.error && !c2.error) {
        console.log(
          `${n} rows, 2 helpers vs 1, the file chosen at once (during the warm-up): k search ×${(c1.search / c2.search).toFixed(2)}, ` +
            `its runs ×${(c1.runs / c2.runs).toFixed(2)}, reading ×${(c1.read / c2.read).toFixed(2)} (engine times); on screen: ` +
            `sweep ×${(c1.sweep / c2.sweep).toFixed(2)}, segment ×${(c1.segment / c2.segment).toFixed(2)}, load ×${(c1.load / c2.load).toFixed(2)}, total ×${(c1.total / c2.total).toFixed(2)}`,
        );
      }
    }
  }
  // Two helpers against one in rounds, the order alternating, each after the machine's
  // own two-core scaling is measured.
  const rounds = WORKERS.includes(1) && WORKERS.includes(2) ? ROUNDS : 0;
  for (const n of ROWS.filter((n) => n <= TIMED_MAX)) {
    if (rounds === 0) break;
    const file = join(dir, `${QUOTED ? "quoted" : "numeric"}-${n}.csv`);
    const each = [];
    for (let round = 0; round < rounds; round++) {
      const scaling = await twoCoreScaling();
      const times = {};
      for (const workers of round % 2 ? [2, 1] : [1, 2]) {
        times[workers] = await timedJourney(file, workers, true).catch((e) => ({ error: String(e).split("\n")[0] }));
      }
      if (times[1].error || times[2].error) {
        console.log(`${n} rows, round ${round + 1}: FAILED ${times[1].error ?? times[2].error}`);
        continue;
      }
      const ratios = ratiosOf(times[1], times[2]);
      each.push({ scaling, ...ratios });
      const x = (v) => `×${v.toFixed(2)}`;
      console.log(
        `${n} rows, round ${round + 1} (the machine's two-core scaling just before: ${x(scaling)}): ` +
          `1 helper total ${(times[1].total / 1000).toFixed(2)} s, 2 helpers ${(times[2].total / 1000).toFixed(2)} s; 2 helpers vs 1: ` +
          `load ${x(ratios.load)} (reading ${x(ratios.read)}), sweep ${x(ratios.sweep)} (k search ${x(ratios.search)}), ` +
          `segmentation ${x(ratios.fit)} (its runs ${x(ratios.runs)}), total ${x(ratios.total)}`,
      );
    }
    if (each.length) {
      const m = (key) => `×${median(each.map((e) => e[key])).toFixed(2)}`;
      console.log(
        `${n} rows, medians of ${each.length} rounds: the machine's two-core scaling ${m("scaling")}; 2 helpers vs 1: ` +
          `load ${m("load")} (reading ${m("read")}), sweep ${m("sweep")} (k search ${m("search")}), ` +
          `segmentation ${m("fit")} (its runs ${m("runs")}), total ${m("total")} (goal ≥ 1.7 on fit, sweep, ingest)`,
      );
    }
  }
} finally {
  await browser?.close();
  await server.close();
}
