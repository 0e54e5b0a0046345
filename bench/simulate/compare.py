#!/usr/bin/env python3
"""Compares iamwhy's and iam-simulate's decisions scenario by scenario, or summarises times.

    compare.py IAMWHY_JSON SIM_TSV     every scenario's decision; lists disagreements
    compare.py --summary SUMMARY_TSV   median wall time and peak RSS per tool, and the ratio
"""
import json
import statistics
import sys

SIM = {"Allowed": "Allowed", "ImplicitlyDenied": "ImplicitDeny", "ExplicitlyDenied": "ExplicitDeny"}


def compare(iamwhy_path, sim_path):
    with open(iamwhy_path) as f:
        ours = {r["scenario"]: r["decision"] for r in json.load(f)}
    theirs = {}
    with open(sim_path) as f:
        for line in f:
            name, _, decision = line.rstrip("\n").partition("\t")
            theirs[name] = SIM.get(decision, decision)
    names = list(theirs)
    missing = [n for n in names if n not in ours]
    differ = [(n, ours[n], theirs[n]) for n in names if n in ours and ours[n] != theirs[n]]
    counts = {}
    for n in names:
        counts[theirs[n]] = counts.get(theirs[n], 0) + 1
    print(f"   decisions: {len(names)} scenarios, {len(names) - len(differ) - len(missing)} agree "
          f"(iam-simulate: {', '.join(f'{v} {k}' for k, v in sorted(counts.items()))}); "
          f"{len(differ)} disagree, {len(missing)} missing from iamwhy")
    for n, a, b in differ[:20]:
        print(f"   DISAGREE {n}: iamwhy {a}, iam-simulate {b}")
    return 1 if differ or missing else 0


def medians(path):
    """Median wall time, peak RSS (MB) and CPU time (user + system) of the runs."""
    rows = [tuple(map(float, line.split())) for line in open(path) if line.strip()]
    wall = statistics.median(r[0] for r in rows)
    rss = statistics.median(r[1] for r in rows) / 1024
    cpu = statistics.median(r[2] + r[3] for r in rows)
    return wall, rss, cpu, len(rows)


def summary(path):
    print("\n| scenarios | input | iamwhy: wall, CPU, peak RSS | iam-simulate: wall, CPU, peak RSS | wall ratio |")
    print("|---|---|---|---|---|")
    for line in open(path):
        n, shape, ours, theirs = (line.rstrip("\n").split("\t") + [""])[:4]
        w, m, c, runs = medians(ours)
        cell = f"{w:.2f} s, {c:.2f} s, {m:.0f} MB"
        if theirs:
            tw, tm, tc, _ = medians(theirs)
            print(f"| {n} | {shape} | {cell} | {tw:.1f} s, {tc:.1f} s, {tm:.0f} MB | {tw / w:.0f}x |")
        else:
            print(f"| {n} | {shape} | {cell} | | |")
    print(f"(medians of {runs} runs)")


if __name__ == "__main__":
    if sys.argv[1] == "--summary":
        summary(sys.argv[2])
    else:
        sys.exit(compare(sys.argv[1], sys.argv[2]))
