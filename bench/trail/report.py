#!/usr/bin/env python3
"""Helpers for bench/trail.sh: count a tool's output, and print the summary table.

  report.py count FILE
      Prints "COUNT FINGERPRINT" for a tool's output: JSON Lines (one denial per
      line), a JSON array, or an object holding the list under "denials",
      "events", "records", "results" or "items". FINGERPRINT is a hash of the
      sorted (eventTime, eventSource, eventName, errorCode, errorMessage, arn)
      tuples, so that two tools with the same output fields can be compared for
      the same content, not only the same count; "-" when the fields differ.

  report.py summary --hyperfine JSON --results TSV --expected JSON --markdown OUT [--meta K=V]...
      TSV rows: name, count, expected-count-or-"-", peak RSS in KiB, status.
      Prints the table and writes it, with the environment, as Markdown.

Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

FIELDS = ("eventTime", "eventSource", "eventName", "errorCode", "errorMessage", "arn")
LIST_KEYS = ("denials", "events", "records", "results", "items")


def load_items(path: Path) -> list:
    text = path.read_text()
    if not text.strip():
        return []
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in LIST_KEYS:
            if isinstance(doc.get(key), list):
                return doc[key]
    return [doc]


def cmd_count(args: argparse.Namespace) -> int:
    items = load_items(Path(args.file))
    fingerprint = "-"
    if items and all(isinstance(i, dict) and set(FIELDS) <= set(i) for i in items):
        rows = sorted(json.dumps([i[f] for f in FIELDS]) for i in items)
        fingerprint = hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]
    print(len(items), fingerprint)
    return 0


def fmt_bytes(kib: float) -> str:
    return f"{kib / 1024:.0f} MiB" if kib >= 10 * 1024 else f"{kib / 1024:.1f} MiB"


def cmd_summary(args: argparse.Namespace) -> int:
    runs = {r["command"]: r for r in json.loads(Path(args.hyperfine).read_text())["results"]}
    expected = json.loads(Path(args.expected).read_text())
    mb = expected["uncompressed_bytes"] / 1e6
    rows = []
    for line in Path(args.results).read_text().splitlines():
        name, count, want, rss_kib, status = line.split("\t")
        rows.append((name, count, want, float(rss_kib) if rss_kib != "-" else None, status))

    base = runs.get("iamwhy")
    header = ["tool", "wall time (mean ± sd)", "CPU time", "throughput", "peak RSS", "denials", "check",
              "iamwhy speed-up"]
    table = []
    for name, count, want, rss, status in rows:
        r = runs.get(name)
        if r is None:
            continue
        mean, sd = r["mean"], r.get("stddev") or 0.0
        speedup = "-" if base is None or name == "iamwhy" else f"{mean / base['mean']:.1f}x"
        table.append([
            name,
            f"{mean:.2f} s ± {sd:.2f}",
            f"{r.get('user', 0) + r.get('system', 0):.2f} s",
            f"{mb / mean:.0f} MB/s",
            fmt_bytes(rss) if rss is not None else "-",
            count if want == "-" else f"{count} / {want}",
            status,
            speedup,
        ])

    widths = [max(len(str(row[i])) for row in [header] + table) for i in range(len(header))]
    def line(cells):
        return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()
    print(line(header))
    for row in table:
        print(line(row))

    meta = dict(kv.split("=", 1) for kv in args.meta)
    md = ["# `iamwhy trail denied` benchmark", ""]
    if "records" not in expected:
        md.append(f"Corpus: {expected['uncompressed_bytes'] / 1e6:.1f} MB of CloudTrail JSON (not generated; "
                  "no expected count).")
    else:
        md.append(f"Corpus: {expected['records']:,} CloudTrail records in {expected['log_files']:,} gzip log files "
                  f"({expected['uncompressed_bytes'] / 1e6:.1f} MB of JSON, {expected['compressed_bytes'] / 1e6:.1f} MB "
                  f"compressed), {expected['denials']:,} denials, {expected.get('non_denial_errors', 0):,} other errors"
                  + (f", plus {expected['digest_files']} digest and {expected['insight_files']} Insights files (decoys)."
                     if "digest_files" in expected else "."))
    md.append("")
    md.append("| " + " | ".join(header) + " |")
    md.append("|" + "|".join("---" for _ in header) + "|")
    for row in table:
        md.append("| " + " | ".join(str(c) for c in row) + " |")
    md.append("")
    md.append("CPU time is user + system time (mean), which a busy machine disturbs less than wall time. "
              "Throughput is uncompressed JSON per second of wall time. Peak RSS is GNU time's "
              "\"Maximum resident set size\": for a pipeline it is the largest single process, "
              "not the sum (the `-P 2` jq variant runs two jq processes at once).")
    md.append("")
    if meta:
        md.append("| | |")
        md.append("|---|---|")
        for k, v in meta.items():
            md.append(f"| {k} | {v} |")
        md.append("")
    if args.commands:
        md.append("Commands (run on a warm page cache):")
        md.append("")
        for path in args.commands:
            md.append(f"`{Path(path).stem}`:")
            md.append("```sh")
            body = [l for l in Path(path).read_text().splitlines()
                    if not l.startswith("#!") and l != "set -o pipefail"]
            md.append("\n".join(body).strip())
            md.append("```")
        md.append("")
    Path(args.markdown).write_text("\n".join(md))
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("count")
    c.add_argument("file")
    s = sub.add_parser("summary")
    s.add_argument("--hyperfine", required=True)
    s.add_argument("--results", required=True)
    s.add_argument("--expected", required=True)
    s.add_argument("--markdown", required=True)
    s.add_argument("--meta", action="append", default=[])
    s.add_argument("--commands", nargs="*", default=[])
    args = ap.parse_args(argv)
    return cmd_count(args) if args.cmd == "count" else cmd_summary(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
