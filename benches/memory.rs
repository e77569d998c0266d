//! Memory benchmark: where the engine's bytes go, step by step, on a generated file of
//! 8 numeric columns (the shape of `tests/e2e/bench_pool.mjs`). A counting allocator prints
//! the bytes live after each step and the peak during it, per row. Figures, not a test:
//! `cargo bench --bench memory [-- ROWS]` (default 1,000,000).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use segmentation::core::clean::CleaningOptions;
use segmentation::core::ingest::IngestOptions;
use segmentation::core::pipeline::{self, SegmentOptions, SweepJob};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let live = LIVE.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size - layout.size();
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Six groups in 8 dimensions, two decimals, an ID column: `writeNumeric` in generate.mjs.
fn generate(rows: usize) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(987_654);
    let mut uniform = move || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    let mut out = String::with_capacity(rows * 60);
    out.push_str("id,f1,f2,f3,f4,f5,f6,f7,f8\n");
    for i in 1..=rows {
        let g = (uniform() * 6.0) as usize;
        write!(out, "{i}").unwrap();
        for j in 0..8 {
            let gauss = (-2.0 * (uniform() + 1e-12).ln()).sqrt() * (2.0 * std::f64::consts::PI * uniform()).cos();
            write!(out, ",{:.2}", ((g * 7 + j * 3) % 11) as f64 * 10.0 + 4.0 * gauss).unwrap();
        }
        out.push('\n');
    }
    out.into_bytes()
}

fn main() {
    let rows: usize = std::env::args().filter_map(|a| a.parse().ok()).next().unwrap_or(1_000_000);
    let bytes = generate(rows);
    let file_mb = bytes.len() as f64 / 1e6;
    println!("{rows} rows × 8 features, file {file_mb:.1} MB ({:.0} B/row)", bytes.len() as f64 / rows as f64);
    println!("{:<28} {:>9} {:>9} {:>11} {:>11} {:>8}", "step", "live MB", "peak MB", "live B/row", "peak B/row", "s");
    let step = |name: &str, started: Instant| {
        let (live, peak) = (LIVE.load(Ordering::Relaxed), PEAK.swap(LIVE.load(Ordering::Relaxed), Ordering::Relaxed));
        println!(
            "{name:<28} {:>9.1} {:>9.1} {:>11.0} {:>11.0} {:>8.2}",
            live as f64 / 1e6,
            peak as f64 / 1e6,
            live as f64 / rows as f64,
            peak as f64 / rows as f64,
            started.elapsed().as_secs_f64()
        );
    };
    step("file bytes", Instant::now());
    let t = Instant::now();
    let table = pipeline::read("bench.csv", &bytes, &IngestOptions::default(), &mut |_| {}).unwrap();
    step("read (bytes kept)", t);
    drop(bytes);
    step("bytes dropped", Instant::now());
    let t = Instant::now();
    let file = pipeline::profile("bench.csv", table);
    step("profile", t);
    let t = Instant::now();
    let options = CleaningOptions::suggested(&file.profile);
    let cleaned = pipeline::clean(&file, &options).unwrap();
    step("clean", t);
    let t = Instant::now();
    let job = SweepJob::for_file(&cleaned, 10, 42);
    let sweep = job.run("bench.csv", &mut |_, _| true).unwrap();
    drop(job);
    step("k sweep (2..=10)", t);
    let t = Instant::now();
    let segmentation =
        pipeline::segment(&file, &cleaned, &SegmentOptions::new(sweep.recommendation.as_ref().map_or(6, |r| r.k), 42)).unwrap();
    step("segment", t);
    // The download as the page writes it: a part at a time, each part handed on (to a
    // Blob the browser holds) and let go here.
    let t = Instant::now();
    let mut written = 0;
    pipeline::export_csv_parts(&file, &cleaned, &segmentation, &[], segmentation::worker::runner::EXPORT_PART_ROWS, &mut |part| {
        written += part.len();
        Ok(())
    })
    .unwrap();
    step("export (in parts, let go)", t);
    println!("export {:.1} MB", written as f64 / 1e6);
}
