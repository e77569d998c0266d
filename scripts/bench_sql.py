#!/usr/bin/env python3
"""Benchmark: the model's SQL scoring a large table in DuckDB, and `segment apply` on a large
file. Prints figures; asserts nothing about time.

    python3 scripts/bench_sql.py [ROWS_SQL] [APPLY_MB]      # defaults: 10,000,000 and 1024

A model is fitted by `segment fit` on 100,000 generated customers (8 numeric columns, one
with missing values filled, one logged, a category one-hot); DuckDB then scores ROWS_SQL
customers of the same shape held as text (as a CSV loaded with all_varchar), and
`segment apply` labels a generated CSV of about APPLY_MB megabytes (its own peak memory,
from the kernel's accounting of that process).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEGMENT = Path(os.environ.get("SEGMENT_BIN", ROOT / "target" / "worker-release" / "segment"))
COLUMNS = ["id", "recency", "frequency", "monetary", "tenure", "visits", "basket", "discount", "returns", "region"]
REGIONS = ["north", "south", "east", "west", "islands"]


def row(rng: random.Random, i: int) -> str:
    group = rng.randrange(4)
    base = [10 + 60 * group, 2 + 5 * group, 100 + 900 * group, 12 * (group + 1)]
    values = [f"{rng.gauss(b, b / 4):.2f}" for b in base]
    values += [f"{rng.gauss(5 + group, 1.5):.1f}", f"{rng.gauss(40, 10):.2f}", f"{rng.random() * 0.3:.3f}", str(rng.randrange(5))]
    if rng.random() < 0.02:
        values[0] = "NA"
    return ",".join([f"C{i}"] + values + [REGIONS[(group + rng.randrange(2)) % 5]]) + "\n"


def write(path: Path, n: int | None = None, megabytes: float | None = None, seed: int = 1) -> int:
    rng = random.Random(seed)
    rows = 0
    with open(path, "w") as f:
        f.write(",".join(COLUMNS) + "\n")
        while (n is not None and rows < n) or (megabytes is not None and f.tell() < megabytes * 1e6):
            f.write("".join(row(rng, rows + j) for j in range(1000)))
            rows += 1000
    return rows


def main() -> int:
    rows_sql = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    apply_mb = float(sys.argv[2]) if len(sys.argv) > 2 else 1024
    if not SEGMENT.exists():
        print(f"no {SEGMENT}: cargo build --profile worker-release --bin segment", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="bench-sql-") as tmp:
        tmp = Path(tmp)
        train = tmp / "train.csv"
        write(train, n=100_000)
        model = tmp / "model.json"
        subprocess.run([SEGMENT, "fit", train, "--k", "4", "--impute", "recency=median", "--log", "monetary", "--one-hot", "region",
                        "--no-stability", "--quiet", "-o", model], check=True)
        sql = subprocess.run([SEGMENT, "sql", model, "--dialect", "duckdb", "--table", "customers", "--keys", "id"],
                             check=True, capture_output=True, text=True).stdout

        import duckdb

        con = duckdb.connect()
        started = time.monotonic()
        # The table as a warehouse would hold an export: every column text. Same generator,
        # rows repeated with fresh ids.
        con.execute(f"CREATE TABLE base AS SELECT * FROM read_csv('{train}', all_varchar = true)")
        con.execute(f"""CREATE TABLE customers AS
            SELECT 'C' || CAST(g.i AS VARCHAR) AS id, b.* EXCLUDE (id)
            FROM range({rows_sql}) g(i) JOIN base b ON b.id = 'C' || CAST(g.i % 100000 AS VARCHAR)""")
        built = time.monotonic() - started
        started = time.monotonic()
        counts = con.execute(f"SELECT segment, count(*) FROM ({sql}) GROUP BY segment ORDER BY segment").fetchall()
        scored = time.monotonic() - started
        print(f"DuckDB {duckdb.__version__}: {rows_sql:,} rows scored in {scored:.1f} s "
              f"({rows_sql / scored / 1e6:.2f} M rows/s; table built in {built:.1f} s); per segment {counts}")

        big = tmp / "big.csv"
        n = write(big, megabytes=apply_mb, seed=2)
        size = big.stat().st_size
        out = tmp / "out.csv"
        started = time.monotonic()
        child = subprocess.Popen([SEGMENT, "apply", model, big, "--quiet", "-o", out])
        _, status, usage = os.wait4(child.pid, 0)
        took = time.monotonic() - started
        if os.waitstatus_to_exitcode(status) != 0:
            print("segment apply failed", file=sys.stderr)
            return 1
        print(f"segment apply: {size / 1e6:,.0f} MB ({n:,} rows) in {took:.1f} s = {size / 1e6 / took:.0f} MB/s, "
              f"peak memory {usage.ru_maxrss / 1024:.0f} MB, output {out.stat().st_size / 1e6:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
