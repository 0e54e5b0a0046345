#!/usr/bin/env bash
# Replay benchmark: `iamwhy replay` over the trail benchmark corpus (500k records) against a
# snapshot of a mid-size organization, several runs; prints the events per second of each.
#
#   bench/replay.sh [RUNS]
#
# Makes target/trail-corpus (bench/trail/gen_corpus.py) and target/replay-snapshot
# (bench/replay/gen_snapshot.py) when missing. Measure on a quiet machine: the figure is CPU
# bound (two worker threads), and a busy or throttled VM (see `top`'s `st`) halves it.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
corpus=target/trail-corpus
snapshot=target/replay-snapshot
[ -f "$corpus/EXPECTED.json" ] || python3 bench/trail/gen_corpus.py --out "$corpus"
[ -d "$snapshot/iam" ] || python3 bench/replay/gen_snapshot.py --corpus "$corpus" --out "$snapshot"
cargo build --release --locked --quiet
for i in $(seq "$runs"); do
  /usr/bin/time -f "run $i: %e s wall, %U s user, %M KiB max RSS" \
    target/release/iamwhy --format json replay --snapshot "$snapshot" "$corpus/AWSLogs" \
    --no-progress 2>&1 >/dev/null | grep -E "events replayed|run "
done
