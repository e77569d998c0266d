// Starts the app's wasm. An external module (not Trunk's inline script) so the page's
// Content-Security-Policy can forbid inline scripts. Trunk passes the hashed file names
// in the query string (see pattern_script in Trunk.toml).
const params = new URL(import.meta.url).searchParams;
const base = new URL("./", import.meta.url);

// The shell (index.html) is the first screen: a file dropped on it before the app starts
// goes into its input, which the app reads when it takes over (src/ui/shell.rs).
const shellInput = document.getElementById("shell-file-input");
const shellZone = document.getElementById("shell-drop-zone");
const shellStatus = document.getElementById("shell-status");
const chosen = () => {
  if (shellStatus && shellInput?.files?.length) shellStatus.textContent = `${shellInput.files[0].name} will be read in a moment…`;
};
shellInput?.addEventListener("change", chosen);
chosen();
shellZone?.addEventListener("dragover", (event) => event.preventDefault());
shellZone?.addEventListener("drop", (event) => {
  event.preventDefault();
  if (shellInput && event.dataTransfer?.files?.length) {
    shellInput.files = event.dataTransfer.files;
    chosen();
  }
});

// The page's code is fetched once the shell has painted (two frames: the first is drawn
// before the second's callback runs), so the first paint needs only the HTML and the CSS.
// Not awaited at the top level: the document's DOMContentLoaded does not wait for it.
async function start() {
  await new Promise((painted) => requestAnimationFrame(() => requestAnimationFrame(painted)));
  const { default: init } = await import(new URL(params.get("js"), base).href);
  await init({ module_or_path: new URL(params.get("wasm"), base) });
  // Offline after the first visit: the service worker caches the app shell (see web/sw.js,
  // completed at build time by scripts/sw-manifest.mjs with the hashed file names).
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(new URL("sw.js", base), { scope: base.pathname }).catch((error) => {
      console.warn("offline cache unavailable:", error);
    });
  }
}

start().catch((error) => {
  if (shellStatus) shellStatus.textContent = `The page's code could not start (${error}): reload the page.`;
  console.error(error);
});
