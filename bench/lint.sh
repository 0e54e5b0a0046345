#!/usr/bin/env bash
# lint.sh - benchmark `iamwhy lint` on every bundled AWS managed policy (one file each)
# against parliament, the offline policy linter users would otherwise reach for.
#
# Both tools read the same directory of policy files (parliament through its Python API in
# one process: bench/lint/parliament_all.py; its own --directory stops at the first policy it
# cannot analyse). iamwhy's findings must include no
# error (the AWS managed policies are all valid); the counts of each tool's findings are
# printed for information (the tools check different things). Wall time comes from
# hyperfine. See bench/README.md.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PARLIAMENT_VERSION=1.6.4
WORK=$ROOT/target/lint-bench
VENV=$ROOT/target/bench-venv-parliament
IAMWHY=${IAMWHY:-}
RUNS=${RUNS:-5}

for tool in python3 hyperfine; do
    command -v "$tool" >/dev/null || { echo "lint.sh: needs $tool" >&2; exit 2; }
done

if [ -z "$IAMWHY" ]; then
    (cd "$ROOT" && cargo build --release --locked -q -p iamwhy)
    IAMWHY=$ROOT/target/release/iamwhy
fi

# One file per AWS managed policy, from the catalog's committed data.
rm -rf "$WORK" && mkdir -p "$WORK/policies"
python3 - "$ROOT/crates/iamwhy-catalog/data/managed-policies.tsv" "$WORK/policies" <<'PY'
import json, sys, pathlib
tsv, out = sys.argv[1], pathlib.Path(sys.argv[2])
n = 0
for line in open(tsv, encoding="utf-8"):
    if line.startswith("#"):
        continue
    name, _arn, _ver, _count, _created, _updated, doc = line.rstrip("\n").split("\t", 6)
    (out / f"{name}.json").write_text(json.dumps(json.loads(doc), indent=2) + "\n")
    n += 1
print(f"{n} policies written", file=sys.stderr)
PY
COUNT=$(find "$WORK/policies" -name '*.json' | wc -l)

if [ ! -x "$VENV/bin/parliament" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "parliament==$PARLIAMENT_VERSION"
fi

# Correctness first: no error on any AWS managed policy.
"$IAMWHY" --format json lint --no-config --type identity "$WORK/policies" > "$WORK/iamwhy.json" || true
python3 - "$WORK/iamwhy.json" <<'PY'
import json, sys, collections
d = json.load(open(sys.argv[1]))
s = d["summary"]
print(f"iamwhy: {s['files']} files, {s['error']} errors, {s['security-warning']} security warnings, "
      f"{s['warning']} warnings, {s['suggestion']} suggestions")
if s["error"]:
    sys.exit("iamwhy reported errors on AWS managed policies")
PY
echo "parliament: $("$VENV/bin/python" "$ROOT/bench/lint/parliament_all.py" "$WORK/policies")"

hyperfine --warmup 1 --runs "$RUNS" --export-markdown "$WORK/results.md" \
    -n "iamwhy lint ($COUNT files)" "$IAMWHY lint --no-config --type identity $WORK/policies > /dev/null || true" \
    -n "parliament $PARLIAMENT_VERSION ($COUNT files)" "$VENV/bin/python $ROOT/bench/lint/parliament_all.py $WORK/policies > /dev/null"
cat "$WORK/results.md"
