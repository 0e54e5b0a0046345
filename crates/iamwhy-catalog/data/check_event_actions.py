#!/usr/bin/env python3
"""Check event-actions.tsv against the bundled service catalog.

    python3 crates/iamwhy-explain/data/check_event_actions.py [EVENT_ACTIONS_TSV [SERVICES_TSV]]

Verifies that
  * every line has the documented shape (`prefix` lines: 4 fields, `action` lines: 5 fields,
    no empty field, tab-separated);
  * every `prefix:Action` named in an ACTIONS list exists in the catalog
    (crates/iamwhy-catalog/data/services.tsv; IAM action names compare case-insensitively),
    and every IAM_PREFIX of a `prefix` line is a catalog service;
  * every `EVENT?param` line comes before the plain line of the same event source and event
    name, and no (source, event[, param]) key or `prefix` host is listed twice.

Python 3 standard library only. Exits 1 on any problem, printing one line per problem.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_TSV = HERE / "event-actions.tsv"
DEFAULT_CATALOG = HERE.parents[1] / "iamwhy-catalog" / "data" / "services.tsv"

ACTION_RE = re.compile(r"^([a-z0-9-]+):([A-Za-z0-9]+)$")
EVENT_RE = re.compile(r"^([A-Za-z0-9_]+)(?:\?([A-Za-z0-9_.:-]+))?$")
HOST_RE = re.compile(r"^[a-z0-9.-]+\.amazonaws\.com$")


def load_catalog(path: Path) -> dict[str, set[str]]:
    """Service prefix -> lower-cased action names, from the catalog's S and A lines."""
    services: dict[str, set[str]] = {}
    current = None
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if fields[0] == "S":
                current = fields[1]
                services.setdefault(current, set())
            elif fields[0] == "A":
                if current is None:
                    raise SystemExit(f"{path}: action line before any service line")
                services[current].add(fields[1].lower())
    return services


def check(tsv: Path, catalog: dict[str, set[str]]) -> list[str]:
    problems: list[str] = []
    seen_prefix_hosts: dict[str, int] = {}
    seen_keys: dict[tuple[str, str, str | None], int] = {}
    plain_seen: dict[tuple[str, str], int] = {}
    counts = {"prefix": 0, "action": 0}

    with tsv.open(encoding="utf-8") as f:
        for n, raw in enumerate(f, start=1):
            line = raw.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            where = f"{tsv.name}:{n}"
            kind = fields[0]
            if kind == "prefix":
                counts["prefix"] += 1
                if len(fields) != 4 or any(not x.strip() for x in fields):
                    problems.append(f"{where}: a prefix line needs 4 non-empty tab-separated fields")
                    continue
                _, host, iam_prefix, _note = fields
                if not HOST_RE.match(host):
                    problems.append(f"{where}: {host!r} is not an amazonaws.com host")
                if iam_prefix not in catalog:
                    problems.append(f"{where}: IAM prefix {iam_prefix!r} is not a catalog service")
                if host in seen_prefix_hosts:
                    problems.append(f"{where}: {host} already has a prefix line (line {seen_prefix_hosts[host]})")
                seen_prefix_hosts[host] = n
            elif kind == "action":
                counts["action"] += 1
                if len(fields) != 5 or any(not x.strip() for x in fields):
                    problems.append(f"{where}: an action line needs 5 non-empty tab-separated fields")
                    continue
                _, host, event, actions, _note = fields
                if not HOST_RE.match(host):
                    problems.append(f"{where}: {host!r} is not an amazonaws.com host")
                m = EVENT_RE.match(event)
                if not m:
                    problems.append(f"{where}: malformed event name {event!r}")
                    continue
                name, param = m.group(1), m.group(2)
                key = (host, name, param)
                if key in seen_keys:
                    problems.append(f"{where}: {host} {event} already listed (line {seen_keys[key]})")
                seen_keys[key] = n
                if param is None:
                    plain_seen.setdefault((host, name), n)
                elif (host, name) in plain_seen:
                    problems.append(
                        f"{where}: {host} {event} comes after the plain {name} line "
                        f"(line {plain_seen[(host, name)]}); '?param' lines must come first"
                    )
                if actions == "-":
                    continue
                listed = actions.split(",")
                if len(set(a.lower() for a in listed)) != len(listed):
                    problems.append(f"{where}: repeated action in {actions!r}")
                for action in listed:
                    am = ACTION_RE.match(action)
                    if not am:
                        problems.append(f"{where}: malformed action {action!r}")
                        continue
                    prefix, act = am.group(1), am.group(2)
                    if prefix not in catalog:
                        problems.append(f"{where}: unknown service prefix in {action}")
                    elif act.lower() not in catalog[prefix]:
                        problems.append(f"{where}: unknown action {action}")
            else:
                problems.append(f"{where}: unknown line kind {kind!r} (expected 'prefix' or 'action')")

    if not problems:
        print(f"{tsv.name}: OK ({counts['prefix']} prefix lines, {counts['action']} action lines)")
    return problems


def main(argv: list[str]) -> int:
    tsv = Path(argv[1]) if len(argv) > 1 else DEFAULT_TSV
    catalog_path = Path(argv[2]) if len(argv) > 2 else DEFAULT_CATALOG
    problems = check(tsv, load_catalog(catalog_path))
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
