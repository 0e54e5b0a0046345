#!/usr/bin/env python3
"""List the denied calls of an S3-layout CloudTrail corpus with DuckDB.

This is DuckDB's side of the `iamwhy trail denied` benchmark: the same files,
the same denial codes (bench/trail/denial_codes.txt) and the same output
fields as the jq recipe, written as JSON Lines by DuckDB's COPY.

The query is tuned to be as fast as DuckDB allows:
  * an explicit `columns=` schema holding only the fields we need, so nothing
    is sampled or inferred;
  * records='true'. With an explicit schema but the default records='auto',
    DuckDB 2.0.0 is 10-20x slower on these files (about 30 s instead of 2 s
    for 500k records) -- the one setting that matters most;
  * format='unstructured' (one JSON document per file, which is what
    CloudTrail writes); measurably faster here than 'newline_delimited' and
    'auto';
  * maximum_object_size above the largest (uncompressed) file;
  * a glob that matches only CloudTrail/REGION/YYYY/MM/DD/*.json.gz, so digest
    and Insights files are never opened (the same selection as the jq
    recipe's `find`); one `**` covers both the organization-trail layout
    (AWSLogs/o-ORG/ACCOUNT/...) and the single-account one (AWSLogs/ACCOUNT/...).

Needs the `duckdb` Python package (trail.sh installs duckdb==2.0.0 into a venv).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent

# Only the fields the output needs; everything else in a record is skipped.
RECORD_TYPE = ("STRUCT(eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, "
               "errorCode VARCHAR, errorMessage VARCHAR, userIdentity STRUCT(arn VARCHAR))[]")


def denial_codes(path: Path) -> list[str]:
    codes = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            codes.append(line)
    return codes


def sql_string(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def build_query(glob: str, codes: list[str], max_object_size: int, fmt: str) -> str:
    source = (f"read_json({sql_string(glob)}, columns={{'Records': {sql_string(RECORD_TYPE)}}}, "
              f"format={sql_string(fmt)}, records='true', compression='gzip', "
              f"maximum_object_size={max_object_size})")
    in_list = ", ".join(sql_string(c) for c in codes)
    return (f"SELECT r.eventTime AS eventTime, r.eventSource AS eventSource, r.eventName AS eventName, "
            f"r.errorCode AS errorCode, r.errorMessage AS errorMessage, r.userIdentity.arn AS arn "
            f"FROM (SELECT unnest(Records) AS r FROM {source}) "
            f"WHERE r.errorCode IN ({in_list})")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    ap.add_argument("--corpus", type=Path, required=True, help="directory holding AWSLogs/")
    ap.add_argument("--out", default="/dev/stdout", help="where to write the JSON Lines (default: stdout)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-object-size", type=int, default=32 << 20,
                    help="bytes; must exceed the largest uncompressed log file")
    ap.add_argument("--format", default="unstructured", choices=["unstructured", "auto", "newline_delimited"])
    ap.add_argument("--glob", help="override the file glob (default: CloudTrail log files of an S3 trail layout)")
    ap.add_argument("--codes", type=Path, default=HERE / "denial_codes.txt")
    ap.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE to stderr instead of writing")
    args = ap.parse_args(argv)

    glob = args.glob or f"{args.corpus}/**/CloudTrail/*/*/*/*/*.json.gz"
    query = build_query(glob, denial_codes(args.codes), args.max_object_size, args.format)
    con = duckdb.connect()
    con.execute(f"SET threads = {int(args.threads)}")
    started = time.monotonic()
    if args.explain:
        for _, plan in con.execute("EXPLAIN ANALYZE " + query).fetchall():
            print(plan, file=sys.stderr)
        return 0
    # COPY writes newline-delimited JSON objects, one per denied call.
    con.execute(f"COPY ({query}) TO {sql_string(args.out)} (FORMAT json)")
    print(f"duckdb_denied: {time.monotonic() - started:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
