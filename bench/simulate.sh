#!/usr/bin/env bash
# simulate.sh - `iamwhy simulate --scenario FILE` against @cloud-copilot/iam-simulate, the
# offline simulator users would otherwise reach for, end to end (issue 22).
#
# bench/simulate/gen_scenarios.py writes N scenarios (role sessions with 10 identity-based
# policies of 20 statements drawn from a pool of 50 shared managed-policy documents, plus
# the bucket's policy for S3 requests) as one JSON array, pretty-printed and on one line.
# iam-simulate (pinned below, installed with npm into the scratch folder) runs them through
# bench/simulate/iam_simulate_driver.mjs, which reads the same file; iamwhy runs
# `iamwhy --format json simulate --scenario FILE`. Each run is timed from process start to
# exit, with peak RSS, by GNU time, after one untimed warm-up run of each tool; medians of
# RUNS runs are reported, with the machine's load. Every scenario's decision is compared (bench/simulate/compare.py).
#
#   bench/simulate.sh [--iamwhy BIN] [--counts "200 2000"] [--runs 3] [--skip-iam-simulate]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IAM_SIMULATE_VERSION=0.1.173
WORK=${WORK:-$ROOT/target/simulate-bench}
IAMWHY=""
COUNTS="200 2000"
RUNS=3
SKIP_SIM=0
while [ $# -gt 0 ]; do
    case $1 in
        --iamwhy) IAMWHY=$2; shift 2 ;;
        --counts) COUNTS=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --skip-iam-simulate) SKIP_SIM=1; shift ;;
        -h|--help) sed -n 2,15p "$0"; exit 0 ;;
        *) echo "simulate.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
for tool in python3 node npm /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "simulate.sh: needs $tool" >&2; exit 2; }
done
if [ -z "$IAMWHY" ]; then
    (cd "$ROOT" && cargo build --release --locked -q -p iamwhy)
    IAMWHY=${CARGO_TARGET_DIR:-$ROOT/target}/release/iamwhy
fi
mkdir -p "$WORK"

# iam-simulate, pinned, in a scratch npm project.
NODE_DIR=$WORK/node
if [ "$SKIP_SIM" = 0 ] && [ ! -f "$NODE_DIR/node_modules/@cloud-copilot/iam-simulate/package.json" ]; then
    mkdir -p "$NODE_DIR"
    (cd "$NODE_DIR" && npm init -y >/dev/null && \
        npm install --no-audit --no-fund --save-exact "@cloud-copilot/iam-simulate@$IAM_SIMULATE_VERSION" >/dev/null)
fi
if [ "$SKIP_SIM" = 0 ]; then
    SIM_VERSION=$(node -p "require('$NODE_DIR/node_modules/@cloud-copilot/iam-simulate/package.json').version")
    echo "iam-simulate $SIM_VERSION (node $(node --version)); iamwhy: $IAMWHY"
fi

# timed NAME CMD...: runs CMD RUNS times, stdout to $WORK/NAME.out; appends "wall rss user sys" lines.
timed() {
    local name=$1; shift
    : >"$WORK/$name.times"
    # One untimed run first (as hyperfine's --warmup): the file was just written, and the
    # first read after that pays for the page cache, not for the tool.
    "$@" >/dev/null 2>&1 || true
    for _ in $(seq "$RUNS"); do
        /usr/bin/time -f "%e %M %U %S" -o "$WORK/$name.time1" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || true
        tail -1 "$WORK/$name.time1" >>"$WORK/$name.times"
    done
}

SUMMARY=$WORK/summary.tsv
: >"$SUMMARY"
for n in $COUNTS; do
    for shape in pretty one-line; do
        file=$WORK/scenarios-$n-$shape.json
        flag=""; [ "$shape" = one-line ] && flag=--one-line
        python3 "$ROOT/bench/simulate/gen_scenarios.py" --count "$n" $flag "$file"
        # The file's pages are written back now, not by the kernel during the first timed runs.
        sync "$file"
        echo "== $n scenarios, $shape ($(du -h "$file" | cut -f1)); load: $(cut -d' ' -f1-3 /proc/loadavg)"
        timed "iamwhy-$n-$shape" "$IAMWHY" --format json simulate --scenario "$file"
        if [ "$SKIP_SIM" = 0 ]; then
            timed "sim-$n-$shape" node "$ROOT/bench/simulate/iam_simulate_driver.mjs" "$NODE_DIR/node_modules" "$file"
            python3 "$ROOT/bench/simulate/compare.py" "$WORK/iamwhy-$n-$shape.out" "$WORK/sim-$n-$shape.out" || true
        fi
        printf '%s\t%s\t%s\t%s\n' "$n" "$shape" "$WORK/iamwhy-$n-$shape.times" \
            "$([ "$SKIP_SIM" = 0 ] && echo "$WORK/sim-$n-$shape.times")" >>"$SUMMARY"
    done
done
python3 "$ROOT/bench/simulate/compare.py" --summary "$SUMMARY"
