// Service worker: caches the app shell so the page works with the network off once it has
// loaded. It never sees customer data: files are read from disk by the page's worker.
// FILES and VERSION are filled in at build time (scripts/sw-manifest.mjs).
const VERSION = "__VERSION__";
const FILES = __FILES__;
const CACHE = `customer-segmentation-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  // The page is "/" or "/index.html"; assets are matched without their query string.
  const key = url.pathname.endsWith("/") ? new URL("index.html", url).href : url.origin + url.pathname;
  // A hit is answered as a new Response so that it carries the URL that was asked for:
  // boot.js is requested as boot.js?js=…&wasm=… and reads those parameters from
  // import.meta.url, which is the response's URL (the cached one has no query string).
  event.respondWith(
    caches.match(key).then((hit) =>
      hit ? new Response(hit.body, { status: hit.status, statusText: hit.statusText, headers: hit.headers }) : fetch(event.request),
    ),
  );
});
