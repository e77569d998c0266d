// Starts the app's wasm. An external module (not Trunk's inline script) so the page's
// Content-Security-Policy can forbid inline scripts. Trunk passes the hashed file names
// in the query string (see pattern_script in Trunk.toml).
const params = new URL(import.meta.url).searchParams;
const base = new URL("./", import.meta.url);
const { default: init } = await import(new URL(params.get("js"), base).href);
await init({ module_or_path: new URL(params.get("wasm"), base) });
