#!/usr/bin/env python3
"""Ledger benchmark: import rate and statistics time over 10 million documents.

Builds esign in release mode, imports the sample units, generates a synthetic year of documents
for Bình Phước (seeded, planted rates), imports them into a fresh SQLite ledger and times
`esign stats --by level` and `--by unit` over the year. With --postgres URL it also imports into
that PostgreSQL database (which must be empty) for comparison. For reference it times SQLite's own
CLI importing the same CSV into a bare table with no index, chain or checks (the physical limit of
the storage engine on this machine).

    python3 scripts/bench-ledger.py [--documents 10000000] [--json] [--postgres URL]

Targets (issue: ledger): import >= 200,000 rows/s into SQLite; stats --by level <= 1 s; --by unit <= 2 s.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from importlib import import_module
bench_sign = import_module("bench-sign")


def timed(cmd, env):
    start = time.perf_counter()
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, out.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--documents", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=5, help="repetitions of each stats query (median reported)")
    ap.add_argument("--postgres", help="also import into this (empty) PostgreSQL database")
    ap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = ap.parse_args()
    log = (lambda m: print(m, file=sys.stderr)) if args.json else print

    esign = bench_sign.build_release(log)
    work = tempfile.mkdtemp(prefix="esign-bench-ledger-")
    env = dict(os.environ, NO_COLOR="1", ESIGN_LEDGER=os.path.join(work, "ledger.sqlite"))
    env.pop("ESIGN_DATABASE_URL", None)
    units = os.path.join(ROOT, "samples", "units", "binh-phuoc-binh-duong-binh-thuan.csv")
    csv = os.path.join(work, "year.csv")
    try:
        subprocess.run([esign, "units", "import", units], env=env, check=True, capture_output=True)
        log(f"generating {args.documents:,} documents…")
        gen_s, _ = timed([esign, "ledger", "generate", "--province", "70", "--year", "2024", "--documents", str(args.documents),
                          "--seed", "10", "-o", csv, "--plan", os.path.join(work, "plan.json")], env)
        rows = sum(1 for _ in open(csv, "rb")) - 1
        size = os.path.getsize(csv)
        log(f"  {rows:,} rows, {size / 1e6:.0f} MB in {gen_s:.1f} s")

        log("importing into SQLite…")
        import_s, out = timed([esign, "ledger", "import", csv, "--json"], env)
        summary = json.loads(out)
        assert summary["appended"] == rows, summary
        db_mb = os.path.getsize(env["ESIGN_LEDGER"]) / 1e6
        log(f"  {rows / import_s:,.0f} rows/s ({import_s:.1f} s, ledger file {db_mb:.0f} MB)")

        sqlite_cli = None
        if shutil.which("sqlite3"):
            bare = os.path.join(work, "bare.sqlite")
            start = time.perf_counter()
            subprocess.run(["sqlite3", bare, "PRAGMA journal_mode=WAL;", "PRAGMA synchronous=FULL;",
                            ".mode csv", f".import {csv} documents"], check=True, capture_output=True)
            sqlite_cli = time.perf_counter() - start
            log(f"  sqlite3 .import into a bare table: {rows / sqlite_cli:,.0f} rows/s ({sqlite_cli:.1f} s)")

        queries = {}
        for by in ["level", "unit", "month"]:
            times = []
            for _ in range(args.runs):
                t, out = timed([esign, "stats", "--by", by, "--from", "2024-01-01", "--to", "2024-12-31", "--format", "json"], env)
                times.append(t)
            report = json.loads(out)
            queries[by] = statistics.median(times)
            log(f"  stats --by {by}: {queries[by] * 1000:.0f} ms (median of {args.runs}); overall rate {report['overall']['rate']}%")

        log("ledger check…")
        check_s, _ = timed([esign, "ledger", "check"], env)
        log(f"  {rows / check_s:,.0f} entries/s ({check_s:.1f} s)")

        pg = None
        if args.postgres:
            log("importing into PostgreSQL…")
            penv = dict(env, ESIGN_DATABASE_URL=args.postgres)
            subprocess.run([esign, "units", "import", units], env=penv, check=True, capture_output=True)
            pg_s, _ = timed([esign, "ledger", "import", csv, "--json"], penv)
            pg_level, _ = timed([esign, "stats", "--by", "level", "--from", "2024-01-01", "--to", "2024-12-31"], penv)
            pg = {"import_rows_per_s": rows / pg_s, "stats_by_level_s": pg_level}
            log(f"  {rows / pg_s:,.0f} rows/s; stats --by level {pg_level * 1000:.0f} ms")

        result = {
            "documents": rows, "csv_mb": size / 1e6, "sqlite_import_rows_per_s": rows / import_s, "sqlite_import_s": import_s,
            "sqlite_cli_bare_import_rows_per_s": rows / sqlite_cli if sqlite_cli else None,
            "stats_by_level_s": queries["level"], "stats_by_unit_s": queries["unit"], "stats_by_month_s": queries["month"],
            "check_entries_per_s": rows / check_s, "ledger_mb": db_mb, "postgres": pg,
            "targets": {"import_rows_per_s": 200_000, "stats_by_level_s": 1.0, "stats_by_unit_s": 2.0},
        }
        if args.json:
            print(json.dumps(result))
        else:
            ok = lambda c: "met" if c else "NOT met"
            print(f"\nimport {rows / import_s:,.0f} rows/s (target 200,000: {ok(rows / import_s >= 200_000)}); "
                  f"stats --by level {queries['level'] * 1000:.0f} ms (target 1 s: {ok(queries['level'] <= 1)}); "
                  f"--by unit {queries['unit'] * 1000:.0f} ms (target 2 s: {ok(queries['unit'] <= 2)})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
