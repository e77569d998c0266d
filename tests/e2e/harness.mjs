// End-to-end harness: serves the built dist/ on 127.0.0.1 and drives Debian's Chromium
// with playwright-core (no browser download: executablePath is the system one).
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { after, before } from "node:test";
import { chromium } from "playwright-core";

export const ROOT = resolve(import.meta.dirname, "../..");
// E2E_DIST: another build to serve (several builds side by side while developing).
export const DIST = process.env.E2E_DIST ?? join(ROOT, "dist");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** A static server for dist/ on a free loopback port; resolves to { url, close }. */
export async function serveDist() {
  await stat(join(DIST, "index.html")).catch(() => {
    throw new Error(`no ${DIST}/index.html: build the page first (trunk build --release --offline=true)`);
  });
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = normalize(join(DIST, path === "/" ? "index.html" : path));
    if (!file.startsWith(DIST)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404).end("not found");
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((ok) => server.close(ok)) };
}

/**
 * One served dist/ and one Chromium for a test file: started before its tests (unless
 * `enabled` is false), closed after. Returns `{ server, browser }`, filled in by then.
 */
export function usePageAndBrowser({ enabled = true } = {}) {
  const env = { server: null, browser: null };
  before(async () => {
    if (!enabled) return;
    env.server = await serveDist();
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/** Flags this closed network needs; see ../shared/TOOLCHAIN.md. */
const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];

export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [...CHROMIUM_ARGS, ...extraArgs],
  });
}

/**
 * Opens the app in a fresh page and records what the page does: every request, page
 * errors, console errors. Resolves once the worker has said it is ready.
 */
export async function openApp(browser, url, viewport = VIEWPORT) {
  return openAppIn(await browser.newContext({ acceptDownloads: true, viewport }), url);
}

const VIEWPORT = { width: 1366, height: 768 };

/**
 * A Chromium with an on-disk profile in `profileDir`, as a user's browser has (a
 * `newContext` is off the record, and keeps every blob in memory): for the benchmarks of
 * downloads larger than memory. Resolves to its one context.
 */
export async function launchWithProfile(profileDir, extraArgs = []) {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [...CHROMIUM_ARGS, ...extraArgs],
    acceptDownloads: true,
    viewport: VIEWPORT,
  });
}

/** [`openApp`] in a context already made. */
export async function openAppIn(context, url) {
  const page = await context.newPage();
  const record = { requests: [], pageErrors: [], consoleErrors: [], readyAt: null };
  page.on("request", (request) => record.requests.push({ url: request.url(), at: Date.now() }));
  page.on("pageerror", (error) => record.pageErrors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") {
      const { url, lineNumber } = message.location();
      record.consoleErrors.push(`${message.text()} (at ${url}:${lineNumber})`);
    }
  });
  await page.goto(url, { waitUntil: "load" });
  await page.locator('[data-testid="app"][data-ready="true"]').waitFor({ timeout: 30_000 });
  record.readyAt = Date.now();
  return { context, page, record };
}

/** Requests the page made that were not to the loopback server (blob:/data: are in-page). */
export function foreignRequests(record) {
  return record.requests.filter(({ url }) => {
    const u = new URL(url);
    if (u.protocol === "blob:" || u.protocol === "data:") return false;
    return u.hostname !== "127.0.0.1";
  });
}

/** Network requests made after the app was ready. */
export function requestsAfterReady(record) {
  return record.requests.filter(
    ({ url, at }) => at > record.readyAt && !url.startsWith("blob:") && !url.startsWith("data:"),
  );
}

/** Minimal RFC 4180 reader for checking downloads (quotes, doubled quotes, CRLF/LF). */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows;
}

/**
 * Records in the page when the journey's steps end, on the page's own clock
 * (`performance.now()`, taken by a MutationObserver as each attribute appears): `chosen`
 * (the file input's change event), `loaded` (the status's `data-load-ms`), `swept` (the
 * elbow chart's `data-drawn`), `run` (the Run button clicked) and `segmented` (the scatter
 * chart's `data-drawn`). Playwright's `waitFor` polls with pauses of up to half a second, so
 * times taken around it count that wait too; these do not. Each step's first time only.
 * Resolves to a function that reads them (milliseconds, absent until reached).
 */
export async function recordSteps(page) {
  await page.evaluate(() => {
    const at = (window.__steps = {});
    const mark = (name) => {
      if (!(name in at)) at[name] = performance.now();
    };
    const testid = (e) => e.target?.closest?.("[data-testid]")?.dataset.testid;
    document.addEventListener("change", (e) => testid(e) === "file-input" && mark("chosen"), true);
    document.addEventListener("click", (e) => testid(e) === "run" && mark("run"), true);
    const check = () => {
      if (document.querySelector('[data-testid="status"][data-load-ms]')) mark("loaded");
      if (document.querySelector('[data-testid="chart-elbow"][data-drawn="true"]')) mark("swept");
      if (document.querySelector('[data-testid="chart-scatter"][data-drawn="true"]')) mark("segmented");
    };
    new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-load-ms", "data-drawn"] });
  });
  return () => page.evaluate(() => ({ ...window.__steps }));
}

/** The journey's times from [`recordSteps`]: reading, the k sweep (with the cleaning), the
 * segmentation and its drawing (from the Run click), and their sum (the user's wait, with
 * no time of the user's own), in milliseconds. */
export function stepTimes(at) {
  const load = at.loaded - at.chosen;
  const sweep = at.swept - at.loaded;
  const segment = at.segmented - at.run;
  return { load, sweep, segment, total: load + sweep + segment };
}
