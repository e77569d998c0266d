//! K-Means and k-sweep figures (not a timed test): `cargo bench --bench kmeans`.
//!
//! For n = 100 000 and 1 000 000 rows of 8 features from `core::bench::bench_data` (24
//! overlapping groups, seed 7; k = 8, so the fits take tens of iterations) this runs
//! `segmentation::core::bench::run_kmeans_bench_on` once per algorithm and prints n, d, k,
//! algorithm, iterations, ms per iteration, total ms, inertia, and peak memory (the
//! library's estimate and the heap peak measured by a counting allocator). Then it times
//! the k = 2..10 sweep on the 100 000 rows. The data go to `<target>/bench-data/*.f64`
//! (little-endian f64, row-major) and the figures to `<target>/bench-data/kmeans_bench.json`,
//! which `scripts/compare_sklearn.py` reads to time scikit-learn on the same data.
//! `BENCH_SIZES=100000` limits the sizes.

// A benchmark program, not user-facing: a failed write or fit should stop it loudly.
#![allow(clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use segmentation::core::bench::{bench_data, run_kmeans_bench_on, BenchReport};
use segmentation::core::k_selection::{sweep, EXACT_SILHOUETTE_MAX_ROWS};
use segmentation::core::kmeans::{Algorithm, KMeansParams};
use serde_json::json;

struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const D: usize = 8;
const K: usize = 8;
const SEED: u64 = 7;

fn out_dir() -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    PathBuf::from(target).join("bench-data")
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let sizes: Vec<usize> = std::env::var("BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|v| v.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![100_000, 1_000_000]);
    let dir = out_dir();
    std::fs::create_dir_all(&dir).expect("create bench-data");
    let origin = Instant::now();
    let mut clock = move || origin.elapsed().as_secs_f64() * 1000.0;

    println!(
        "{:>9} {:>3} {:>3} {:>8} {:>5} {:>9} {:>9} {:>10} {:>16} {:>9} {:>9}",
        "n", "d", "k", "algo", "iter", "init ms", "ms/iter", "total ms", "inertia", "est MiB", "peak MiB"
    );
    let mut runs = Vec::new();
    let mut files = serde_json::Map::new();
    for &n in &sizes {
        let data = bench_data(n, D, K, SEED);
        let path = dir.join(format!("blobs_n{n}_d{D}_seed{SEED}.f64"));
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(&path, bytes).expect("write data");
        files.insert(n.to_string(), json!(path.canonicalize().unwrap_or(path.clone())));
        for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly] {
            let before = CURRENT.load(Ordering::Relaxed);
            PEAK.store(before, Ordering::Relaxed);
            let r: BenchReport = run_kmeans_bench_on(&data, D, K, SEED, algorithm, &mut clock).expect("fit");
            let peak = PEAK.load(Ordering::Relaxed) - before + data.len() * 8;
            println!(
                "{:>9} {:>3} {:>3} {:>8} {:>5} {:>9.1} {:>9.2} {:>10.1} {:>16.4} {:>9.1} {:>9.1}",
                r.n,
                r.d,
                r.k,
                format!("{:?}", r.algorithm),
                r.n_iterations,
                r.init_ms,
                r.ms_per_iteration,
                r.total_ms,
                r.inertia,
                mib(r.peak_bytes_estimate),
                mib(peak)
            );
            runs.push(json!({"report": r, "peak_bytes_measured": peak}));
        }
    }

    // The k = 2..10 sweep on the first size (100 000 rows), one k-means++ run per k.
    let n = sizes.first().copied().unwrap_or(100_000);
    let data = bench_data(n, D, K, SEED);
    let base = KMeansParams::new(2).n_runs(1).seed(SEED);
    let start = clock();
    let mut k_started = Vec::new();
    let result = sweep(&data, D, 2..=10, &base, &mut |p| {
        if k_started.last().map(|&(k, _)| k) != Some(p.k) {
            k_started.push((p.k, clock()));
        }
        true
    })
    .expect("sweep");
    let total = clock() - start;
    println!("\nk sweep 2..=10 on n = {n}, d = {D}, one run per k, silhouette on {} rows ({}; exact up to {EXACT_SILHOUETTE_MAX_ROWS}): {total:.0} ms",
        result.silhouette_rows, if result.silhouette_exact { "exact" } else { "uniform sample" });
    println!("{:>3} {:>16} {:>10} {:>12} {:>10} {:>5}", "k", "inertia", "silhouette", "CH", "DB", "iter");
    for s in &result.scores {
        println!(
            "{:>3} {:>16.4} {:>10.4} {:>12.1} {:>10.4} {:>5}",
            s.k,
            s.inertia,
            s.silhouette.unwrap_or(f64::NAN),
            s.calinski_harabasz.unwrap_or(f64::NAN),
            s.davies_bouldin.unwrap_or(f64::NAN),
            s.n_iterations
        );
    }
    if let Some(r) = &result.recommendation {
        println!("{}", r.reason);
    }
    let report = json!({
        "d": D, "k": K, "seed": SEED, "files": files, "runs": runs,
        "sweep": {"n": n, "k_min": 2, "k_max": 10, "n_runs": 1, "total_ms": total,
                  "silhouette_rows": result.silhouette_rows, "scores": result.scores,
                  "recommendation": result.recommendation},
    });
    let json_path = dir.join("kmeans_bench.json");
    let mut f = std::fs::File::create(&json_path).expect("create json");
    writeln!(f, "{}", serde_json::to_string_pretty(&report).expect("json")).expect("write json");
    println!("\nfigures written to {}", json_path.display());
}
