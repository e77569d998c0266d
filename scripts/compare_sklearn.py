#!/usr/bin/env python3
"""Times scikit-learn on the data `cargo bench --bench kmeans` wrote, and prints the
ratios against our figures.

    cargo bench --bench kmeans
    python3 scripts/compare_sklearn.py [path/to/kmeans_bench.json]

The JSON defaults to $CARGO_TARGET_DIR/bench-data/kmeans_bench.json (else target/...).
scikit-learn runs on one thread (threadpoolctl: OpenMP and BLAS), as our wasm does:
KMeans(k, init="k-means++", n_init=1, algorithm="lloyd" and "elkan", random_state=0),
and the k = 2..10 sweep: one KMeans per k plus silhouette (on a 10 000-row sample, as
ours above 10 000 rows; both samples uniform, ours the same rows at every k),
Calinski-Harabasz and Davies-Bouldin. Ratios > 1 mean scikit-learn took longer.
"""
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from threadpoolctl import threadpool_limits


def main():
    target = os.environ.get("CARGO_TARGET_DIR", "target")
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(target, "bench-data", "kmeans_bench.json")
    with open(path) as f:
        ours = json.load(f)
    d = ours["d"]
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}, one thread; ours from {path}")
    print(f"{'n':>9} {'algo':>8} {'iter':>5} {'ms/iter':>9} {'total ms':>10} {'inertia':>16}   "
          f"{'ours':>8} {'iter':>5} {'ms/iter':>9} {'total ms':>10} {'inertia':>16}   "
          f"{'total sk/ours':>13} {'ms/iter sk/ours':>15} {'inertia ours/sk':>15}")
    with threadpool_limits(limits=1):
        for n_text, data_path in ours["files"].items():
            n = int(n_text)
            x = np.fromfile(data_path, dtype="<f8").reshape(n, d)
            mine = [r for r in ours["runs"] if r["report"]["n"] == n]
            best_ours = min(mine, key=lambda r: r["report"]["total_ms"])["report"]
            for algorithm in ("lloyd", "elkan"):
                km = KMeans(n_clusters=ours["k"], init="k-means++", n_init=1, algorithm=algorithm, random_state=0)
                start = time.perf_counter()
                km.fit(x)
                total = (time.perf_counter() - start) * 1000
                per_iter = total / max(km.n_iter_, 1)  # includes init: an upper bound
                for r in mine:
                    o = r["report"]
                    pairing = {"lloyd": "Lloyd", "elkan": "Hamerly"}[algorithm]
                    if o["algorithm"] != pairing:
                        continue
                    print(f"{n:>9} {algorithm:>8} {km.n_iter_:>5} {per_iter:>9.2f} {total:>10.1f} {km.inertia_:>16.4f}   "
                          f"{o['algorithm']:>8} {o['n_iterations']:>5} {o['ms_per_iteration']:>9.2f} {o['total_ms']:>10.1f} "
                          f"{o['inertia']:>16.4f}   {total / o['total_ms']:>13.2f} "
                          f"{per_iter / o['ms_per_iteration']:>15.2f} {o['inertia'] / km.inertia_:>15.5f}")
            print(f"{'':>9} (fastest of ours at n = {n}: {best_ours['algorithm']} {best_ours['total_ms']:.1f} ms)")

        s = ours["sweep"]
        n = s["n"]
        x = np.fromfile(ours["files"][str(n)], dtype="<f8").reshape(n, d)
        start = time.perf_counter()
        fit_ms = 0.0
        rows = []
        for k in range(s["k_min"], s["k_max"] + 1):
            t0 = time.perf_counter()
            km = KMeans(n_clusters=k, init="k-means++", n_init=s["n_runs"], random_state=0).fit(x)
            fit_ms += (time.perf_counter() - t0) * 1000
            sil = silhouette_score(x, km.labels_, sample_size=min(s["silhouette_rows"], n), random_state=0)
            ch = calinski_harabasz_score(x, km.labels_)
            db = davies_bouldin_score(x, km.labels_)
            rows.append((k, km.inertia_, sil, ch, db))
        total = (time.perf_counter() - start) * 1000
    print(f"\nk sweep {s['k_min']}..{s['k_max']} on n = {n}: scikit-learn {total:.0f} ms "
          f"(KMeans fits {fit_ms:.0f} ms), ours {s['total_ms']:.0f} ms, ratio sk/ours {total / s['total_ms']:.2f}")
    print(f"{'k':>3} {'inertia sk':>16} {'inertia ours':>16} {'sil sk':>7} {'sil ours':>8} {'CH sk':>10} {'CH ours':>10} {'DB sk':>7} {'DB ours':>7}")
    for (k, inertia, sil, ch, db), o in zip(rows, s["scores"]):
        print(f"{k:>3} {inertia:>16.4f} {o['inertia']:>16.4f} {sil:>7.4f} {o['silhouette']:>8.4f} "
              f"{ch:>10.1f} {o['calinski_harabasz']:>10.1f} {db:>7.4f} {o['davies_bouldin']:>7.4f}")


if __name__ == "__main__":
    main()
