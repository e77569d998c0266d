// Trunk post-build hook: writes sw.js into the staging dist with the list of files to cache
// (every file Trunk produced) and a version derived from their contents.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error("TRUNK_STAGING_DIR is not set: run this as a Trunk post_build hook");
const names = (await readdir(dir)).filter((n) => n !== "sw.js").sort();
const template = await readFile(new URL("../web/sw.js", import.meta.url), "utf8");
// The version follows the content: some names (worker.js, boot.js) carry no hash.
const hash = createHash("sha256");
for (const name of names) hash.update(name).update(await readFile(join(dir, name)));
const version = hash.digest("hex").slice(0, 16);
const files = ["./", ...names.map((n) => `./${n}`)];
await writeFile(join(dir, "sw.js"), template.replace("__VERSION__", version).replace("__FILES__", JSON.stringify(files)));
