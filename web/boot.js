// Starts the app's wasm. An external module (not Trunk's inline script) so the page's
// Content-Security-Policy can forbid inline scripts. Trunk passes the hashed file names
// in the query string (see pattern_script in Trunk.toml).
const params = new URL(import.meta.url).searchParams;
const base = new URL("./", import.meta.url);
const { default: init } = await import(new URL(params.get("js"), base).href);
await init({ module_or_path: new URL(params.get("wasm"), base) });

// Offline after the first visit: the service worker caches the app shell (see web/sw.js,
// completed at build time by scripts/sw-manifest.mjs with the hashed file names).
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register(new URL("sw.js", base), { scope: base.pathname }).catch((error) => {
    console.warn("offline cache unavailable:", error);
  });
}
