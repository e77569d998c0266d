#!/usr/bin/env python3
"""The model as SQL, proved on the engines: for each case, `segment fit` writes the model and
the page's download, `segment sql` writes the query for DuckDB and for Spark SQL, and each
engine scores a table made from the same CSV read as text. Every row's segment must be the
download's (1..k; NULL where the download has none). A disagreement prints the row and fails.

    python3 tests/sql/check_sql.py            # every case
    python3 tests/sql/check_sql.py mall       # cases whose name contains "mall"

SEGMENT_BIN names the binary (default: target/worker-release/segment, built with
`cargo build --profile worker-release --bin segment`). SKIP_SPARK=1 leaves Spark out, SKIP_POSTGRES=1 PostgreSQL (a cluster of Debian's package started
for the run in a temporary folder).
Exit 0 when every case agrees on every engine, 1 otherwise.
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
SEGMENT = Path(os.environ.get("SEGMENT_BIN", ROOT / "target" / "worker-release" / "segment"))
TABLE = "customers"


@dataclass
class Case:
    name: str
    path: Path
    delimiter: str
    fit_args: list[str] = field(default_factory=list)
    # The column that names a row (its values unique); None: rows are matched on every
    # column the query returns.
    key: str | None = None


def shared_cases() -> list[Case]:
    return [
        Case("Mall_Customers (defaults)", SHARED / "Mall_Customers.csv", ",", key="CustomerID"),
        Case("Wholesale_customers_data (defaults)", SHARED / "Wholesale_customers_data.csv", ","),
        Case(
            "marketing_campaign (Income median, Education and Marital_Status one-hot, log MntWines, clipped)",
            SHARED / "marketing_campaign_raw_semicolon.csv",
            ";",
            ["--impute", "Income=median", "--one-hot", "Education", "--one-hot", "Marital_Status",
             "--log", "MntWines", "--outliers", "percentiles"],
            key="ID",
        ),
    ]


def money(rng: random.Random) -> float:
    return round(rng.lognormvariate(4.0, 1.3), 2)


def write_mixed(path: Path, rng: random.Random, rows: int = 3000) -> None:
    """Commas; missing values; categories with rare ones (one-hot keeps the top 10, the
    rest is "other"); outliers; a skewed money column written "$1,234.50" for the log."""
    regions = ["North", "South", "East", "West", "Centre", "Coast", "Hills", "Lakes", "Plains", "Islands", "Far North", "Outback"]
    weights = [30, 25, 20, 15, 12, 10, 8, 6, 5, 4, 1, 1]
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "region", "age", "income", "spend", "visits"])
        for i in range(rows):
            age = "" if rng.random() < 0.05 else str(rng.randint(18, 85))
            income = "" if rng.random() < 0.08 else f"{rng.gauss(52, 15):.1f}"
            spend = money(rng)
            spend_text = f"${spend:,.2f}"
            visits = rng.randint(0, 40)
            if rng.random() < 0.01:
                visits *= 50  # outliers for the IQR fences
            w.writerow([f"C{i:05d}", rng.choices(regions, weights)[0], age, income, spend_text, visits])


def write_decimal_comma(path: Path, rng: random.Random, rows: int = 2500) -> None:
    """Semicolons and decimal commas ("1.234,50"), "NA" for missing, a yes/no column."""
    with path.open("w", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["id", "segment_hint", "balance", "rate", "tenure", "member"])
        for i in range(rows):
            balance = rng.gauss(3000, 1500) + (20000 if rng.random() < 0.02 else 0)
            balance_text = f"{balance:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
            rate = "NA" if rng.random() < 0.06 else f"{rng.uniform(0, 12):.3f}".replace(".", ",")
            tenure = "" if rng.random() < 0.03 else str(rng.randint(1, 240))
            w.writerow([i + 1, rng.choice(["a", "b", "c"]), balance_text, rate, tenure, rng.choice(["yes", "no"])])


def generated_cases(directory: Path) -> list[Case]:
    rng = random.Random(20240613)
    mixed, comma = directory / "generated_mixed.csv", directory / "generated_decimal_comma.csv"
    write_mixed(mixed, rng)
    write_decimal_comma(comma, rng)
    return [
        Case("generated, defaults (rows with missing values left out)", mixed, ",", key="customer_id"),
        Case(
            "generated (imputed, one-hot with other, log of $ amounts, IQR clip)",
            mixed,
            ",",
            ["--k", "4", "--impute", "age=mean", "--impute", "income=median", "--one-hot", "region", "--log", "spend",
             "--outliers", "iqr"],
            key="customer_id",
        ),
        Case(
            "generated decimal comma with ';' (mode fill, percentile clip)",
            comma,
            ";",
            ["--k", "3", "--impute", "rate=mode", "--outliers", "percentiles", "--one-hot", "member"],
            key="id",
        ),
    ]


def run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(SEGMENT), *args], capture_output=True, text=True)


def read_rows(path: Path, delimiter: str) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        rows = list(csv.reader(f, delimiter=delimiter))
    return rows[0], rows[1:]


@dataclass
class Fitted:
    model: Path
    header: list[str]
    rows: list[list[str]]
    segments: list[str]  # the download's `segment`, row by row ("" where none)


def fit(case: Case, directory: Path) -> Fitted:
    model, export = directory / "model.json", directory / "page.csv"
    done = run(["fit", str(case.path), *case.fit_args, "-o", str(model), "--export", str(export), "--no-stability", "-q"])
    if done.returncode != 0:
        raise RuntimeError(f"segment fit failed ({done.returncode}): {done.stderr.strip()}")
    header, rows = read_rows(case.path, case.delimiter)
    with export.open(newline="", encoding="utf-8") as f:
        exported = list(csv.reader(f))
    at = exported[0].index("segment")
    segments = [r[at] for r in exported[1:]]
    if len(segments) != len(rows):
        raise RuntimeError(f"the download has {len(segments)} rows, the file {len(rows)}")
    return Fitted(model, header, rows, segments)


def query(case: Case, fitted: Fitted, dialect: str) -> str:
    args = ["sql", str(fitted.model), "--dialect", dialect, "--table", TABLE]
    if case.key:
        args += ["--keys", case.key]
    done = run(args)
    if done.returncode != 0:
        raise RuntimeError(f"segment sql --dialect {dialect} failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout.strip().rstrip(";")


def compare(fitted: Fitted, columns: list[str], result: list[tuple]) -> list[str]:
    """Problems found: every row of the file must come back once, with the download's
    segment (NULL where the download has none)."""
    problems: list[str] = []
    if "segment" not in columns:
        return [f"the query returns no `segment` column: {columns}"]
    seg_at = columns.index("segment")
    keys = [c for c in columns if c not in ("segment", "segment_name", "distance", "excluded_reason")]
    try:
        key_at = [fitted.header.index(k) for k in keys]
    except ValueError as e:
        return [f"a returned column is not the file's: {e}"]
    by_key: dict[tuple, deque[int]] = defaultdict(deque)
    for i, row in enumerate(fitted.rows):
        by_key[tuple(row[j] if j < len(row) else "" for j in key_at)].append(i)
    seen = 0
    for out in result:
        key = tuple("" if out[columns.index(k)] is None else str(out[columns.index(k)]) for k in keys)
        if not by_key.get(key):
            problems.append(f"a row the file does not have (or has fewer times): {dict(zip(keys, key))}")
            continue
        i = by_key[key].popleft()
        seen += 1
        got = out[seg_at]
        got = "" if got is None else str(int(got))
        if got != fitted.segments[i]:
            cells = dict(zip(fitted.header, fitted.rows[i]))
            problems.append(f"row {i + 1} {cells}: the page says segment {fitted.segments[i] or 'none'}, the SQL {got or 'NULL'}")
    if seen != len(fitted.rows):
        problems.append(f"{len(fitted.rows) - seen} of the file's {len(fitted.rows)} rows did not come back")
    return problems


def in_duckdb(case: Case, sql: str) -> tuple[list[str], list[tuple]]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    con.execute(
        f"CREATE TABLE {TABLE} AS SELECT * FROM read_csv(?, all_varchar = true, header = true, delim = ?, quote = '\"', escape = '\"')",
        [str(case.path), case.delimiter],
    )
    cursor = con.execute(sql)
    columns = [d[0] for d in cursor.description]
    return columns, cursor.fetchall()


class Spark:
    """One local Spark session for every case."""

    def __init__(self) -> None:
        from pyspark.sql import SparkSession

        self.session = (
            SparkSession.builder.master("local[2]")
            .appName("check_sql")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.memory", "1g")
            .getOrCreate()
        )
        # A query this wide makes Spark's code generator log a 64 KB-method error before it
        # falls back to interpreting the plan (same results): keep the log quiet; a real
        # failure still raises.
        self.session.sparkContext.setLogLevel("OFF")

    def run(self, case: Case, sql: str) -> tuple[list[str], list[tuple]]:
        frame = self.session.read.csv(str(case.path), header=True, sep=case.delimiter, quote='"', escape='"', inferSchema=False)
        frame.createOrReplaceTempView(TABLE)
        result = self.session.sql(sql)
        return result.columns, [tuple(r) for r in result.collect()]

    def stop(self) -> None:
        self.session.stop()


class Postgres:
    """A throwaway PostgreSQL cluster (Debian's package) on a socket in the run's folder,
    started for the run and stopped after it. As root, its commands run as `postgres`."""

    def __init__(self, tmp: Path) -> None:
        import shutil

        initdb = shutil.which("initdb") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))), None)
        if initdb is None:
            raise RuntimeError("no initdb: install Debian's postgresql package")
        self.bin = Path(initdb).resolve().parent
        self.prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.data, self.socket = tmp / "pg" / "data", tmp / "pg" / "socket"
        (tmp / "pg").mkdir()
        os.chmod(tmp, 0o755)
        for d in (self.data, self.socket):
            d.mkdir()
            if self.prefix:
                shutil.chown(d, "postgres", "postgres")
        self.port = "54329"
        self.command(["initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"])
        options = f"-k {self.socket} -p {self.port} -c listen_addresses=''"
        self.command(["pg_ctl", "-D", str(self.data), "-l", str(self.data / "server.log"), "-o", options, "-w", "start"])

    def command(self, argv: list[str], stdin: str | None = None) -> str:
        done = subprocess.run(self.prefix + [str(self.bin / argv[0])] + argv[1:], input=stdin, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{argv[0]} failed: {done.stderr.strip()[:2000]}")
        return done.stdout

    def psql(self, script: str) -> str:
        return self.command(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket), "-p", self.port, "-U", "postgres",
                             "-d", "postgres"], stdin=script)

    def run(self, case: Case, sql: str) -> tuple[list[str], list[tuple]]:
        with open(case.path, newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f, delimiter=case.delimiter))
        columns = ", ".join('"' + h.replace('"', '""') + '" TEXT' for h in header)
        delimiter = case.delimiter.replace("'", "''")
        path = str(case.path).replace("'", "''")
        result = self.psql(
            f"DROP TABLE IF EXISTS {TABLE};\nCREATE TABLE {TABLE} ({columns});\n"
            f"\\copy {TABLE} FROM '{path}' WITH (FORMAT csv, HEADER true, DELIMITER '{delimiter}')\n"
            f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true);\n"
        )
        rows = list(csv.reader(result.splitlines()))
        names = rows[0] if rows else []
        # COPY writes NULL as an empty field.
        return names, [tuple(None if v == "" else v for v in r) for r in rows[1:]]

    def stop(self) -> None:
        self.command(["pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop"])


def main() -> int:
    if not SEGMENT.exists():
        print(f"no {SEGMENT}: build it with cargo build --profile worker-release --bin segment", file=sys.stderr)
        return 1
    wanted = [a.lower() for a in sys.argv[1:]]
    failures = 0
    with tempfile.TemporaryDirectory(prefix="check-sql-") as tmp:
        tmp = Path(tmp)
        cases = []
        for case in shared_cases():
            if case.path.exists():
                cases.append(case)
            else:
                print(f"skipped (not here): {case.path.name}")
        cases += generated_cases(tmp)
        cases = [c for c in cases if not wanted or any(w in c.name.lower() for w in wanted)]
        spark = None
        postgres = None
        for n, case in enumerate(cases):
            directory = tmp / f"case{n}"
            directory.mkdir()
            print(f"== {case.name}")
            started = time.monotonic()
            try:
                fitted = fit(case, directory)
            except RuntimeError as e:
                print(f"   FAIL fit: {e}")
                failures += 1
                continue
            placed = sum(1 for s in fitted.segments if s)
            print(f"   fit and download: {len(fitted.rows)} rows, {placed} placed, {len(fitted.rows) - placed} left out "
                  f"({time.monotonic() - started:.1f} s)")
            for dialect in ("duckdb", "spark", "postgres"):
                if os.environ.get(f"SKIP_{dialect.upper()}"):
                    # A developer's quick run; scripts/test sets no SKIP_ switch.
                    print(f"   {dialect}: left out (SKIP_{dialect.upper()} is set)")
                    continue
                started = time.monotonic()
                try:
                    sql = query(case, fitted, dialect)
                    if dialect == "duckdb":
                        columns, result = in_duckdb(case, sql)
                    elif dialect == "postgres":
                        if postgres is None:
                            postgres = Postgres(tmp)
                        columns, result = postgres.run(case, sql)
                    else:
                        if spark is None:
                            spark = Spark()
                        columns, result = spark.run(case, sql)
                    problems = compare(fitted, columns, result)
                except Exception as e:  # the engine refused the query, or segment sql failed
                    problems = [f"{type(e).__name__}: {str(e).strip()[:2000]}"]
                took = time.monotonic() - started
                if problems:
                    failures += 1
                    print(f"   FAIL {dialect}: {len(problems)} problem(s) ({took:.1f} s)")
                    for p in problems[:20]:
                        print(f"     {p}")
                else:
                    print(f"   {dialect}: {len(fitted.rows)} of {len(fitted.rows)} rows agree ({took:.1f} s)")
        if spark is not None:
            spark.stop()
        if postgres is not None:
            postgres.stop()
    print("every case agrees" if failures == 0 else f"{failures} failure(s)")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
