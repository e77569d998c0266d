#!/usr/bin/env python3
"""scikit-learn's K-Means from the page's initial centres, against the page's own run.

    python3 scripts/compare_sklearn_fit.py FILE.csv CENTRES.json

Called by tests/e2e/bench_fit.mjs, which writes CENTRES.json: k, the centres the page's
finishing run started from (scaled units) and the page's time and iterations with 1 and 2
helpers. The file's numeric columns but the first (the id) are standardised as the page's
default cleaning does (mean, population standard deviation), then KMeans(k, init=centres,
n_init=1, algorithm="lloyd", tol=1e-4, max_iter=300) is fitted three times on one thread
(threadpoolctl: OpenMP and BLAS), the best time kept. Ratios < 1 mean the page was faster.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import sklearn
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits


def main():
    path, centres_path = sys.argv[1], sys.argv[2]
    with open(centres_path) as f:
        ours = json.load(f)
    k = ours["k"]
    x = pd.read_csv(path).iloc[:, 1:].to_numpy(dtype=np.float64)
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    init = np.array(ours["initial"], dtype=np.float64).reshape(k, x.shape[1])
    times, model = [], None
    with threadpool_limits(limits=1):
        for _ in range(3):
            started = time.perf_counter()
            model = KMeans(n_clusters=k, init=init, n_init=1, algorithm="lloyd", tol=1e-4, max_iter=300).fit(x)
            times.append(time.perf_counter() - started)
    sk_ms = min(times) * 1000
    print(f"scikit-learn {sklearn.__version__}, one thread, {x.shape[0]} × {x.shape[1]}, k = {k}, from the page's centres: "
          f"{sk_ms:.0f} ms, {model.n_iter_} iterations ({sk_ms / model.n_iter_:.2f} ms an iteration)")
    for run in ours["runs"]:
        per = run["ms"] / max(run["iterations"], 1)
        print(f"page, {run['workers']} helper(s): {run['ms']:.0f} ms, {run['iterations']} iterations "
              f"({per:.2f} ms an iteration); page / scikit-learn: {run['ms'] / sk_ms:.2f} in all, "
              f"{per / (sk_ms / model.n_iter_):.2f} an iteration (goal ≤ 0.5)")


if __name__ == "__main__":
    main()
