#!/usr/bin/env bash
# Generate benchmark: `iamwhy generate` for every role (`--principal 'arn:aws:iam::111122223333:role/*'`,
# 1,000 roles) from 1,000,000 CloudTrail records, generation and its replay verification; also
# `iamwhy unused` for one role over the same logs. Several runs; prints wall time, CPU time and
# peak memory of each.
#
#   bench/generate.sh [RUNS]
#
# Makes target/generate-bench (bench/generate/gen.py) when missing: about 1 minute, 70 MB of
# gzip. Measure on a quiet machine: the figure is CPU bound (two worker threads).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
target=${CARGO_TARGET_DIR:-target}
corpus=$target/generate-bench
[ -d "$corpus/AWSLogs" ] || python3 bench/generate/gen.py --out "$corpus"
cargo build --release --locked --quiet -p iamwhy --no-default-features
bin=$target/release/iamwhy
for i in $(seq "$runs"); do
  /usr/bin/time -f "generate run $i: %e s wall, %U s user, %S s sys, %M KiB max RSS" \
    "$bin" --format json generate --snapshot "$corpus/snapshot" "$corpus/AWSLogs" \
    --principal 'arn:aws:iam::111122223333:role/*' --no-progress 2>&1 >/dev/null | grep -E "generated and replayed|run "
done
/usr/bin/time -f "unused (one role): %e s wall, %M KiB max RSS" \
  "$bin" --format json unused --snapshot "$corpus/snapshot" "$corpus/AWSLogs" \
  --principal 'arn:aws:iam::111122223333:role/app-0001' --no-progress 2>&1 >/dev/null | grep -E "unused"
