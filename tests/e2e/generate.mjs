// Generated customer files for the tests and benchmarks (seeded: the same bytes each time).
import { createWriteStream } from "node:fs";

/** `rows` customers in six groups over eight numeric columns (`id,f1..f8`), seeded. */
export async function writeNumeric(path, rows, { quoted = false, spread = 4 } = {}) {
  const out = createWriteStream(path);
  // mulberry32: 32-bit integer arithmetic throughout. (An LCG written with plain
  // multiplication lost bits past 2^53 and fell into a short cycle: the files it made
  // held about 10,000 distinct rows, whatever their length.)
  let seed = 987654;
  const next = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  const centres = Array.from({ length: 6 }, (_, g) => Array.from({ length: 8 }, (_, j) => ((g * 7 + j * 3) % 11) * 10));
  // `quoted`: every field in quotes, as many exports write them (the same values).
  const q = quoted ? '"' : "";
  out.write(["id", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8"].map((h) => `${q}${h}${q}`).join(",") + "\n");
  let chunk = "";
  for (let i = 1; i <= rows; i++) {
    const c = centres[Math.floor(next() * centres.length)];
    chunk += `${q}${i}${q},${c.map((m) => `${q}${(m + spread * gauss()).toFixed(2)}${q}`).join(",")}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise((ok) => out.once("drain", ok));
      chunk = "";
    }
  }
  out.write(chunk);
  await new Promise((ok) => out.end(ok));
}
