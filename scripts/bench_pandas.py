#!/usr/bin/env python3
"""pandas' read_csv (C engine) on the ingest benchmark's file, for comparison with
`cargo bench --bench ingest` and tests/e2e/bench_ingest.mjs. Prints MB/s, best of 3."""
import os
import sys
import time

import pandas as pd

path = sys.argv[1] if len(sys.argv) > 1 else "target/bench/customers_1000000.csv"
mb = os.path.getsize(path) / 1e6
best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    frame = pd.read_csv(path, engine="c")
    best = min(best, time.perf_counter() - t)
print(f"pandas {pd.__version__} read_csv (C engine): {best * 1e3:8.1f} ms  {mb / best:7.1f} MB/s  "
      f"({len(frame)} rows × {len(frame.columns)} columns, {mb:.1f} MB, best of 3)")
t = time.perf_counter()
frame.describe(include="all")
print(f"pandas describe(include='all'): {(time.perf_counter() - t) * 1e3:8.1f} ms")
