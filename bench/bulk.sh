#!/usr/bin/env bash
# who-can and can at issue 22's sizes: a snapshot of 5,000 roles and 1,000 users (each with 5
# of 3,000 managed policies, an inline policy, some boundaries) and one SSE-KMS bucket; prints
# the wall time, CPU and peak memory of each command, RUNS times.
#
#   bench/bulk.sh [RUNS]
#
# IAMWHY=BIN uses that binary instead of building one; SNAP=DIR keeps the snapshot there. The
# criterion benchmark `cargo bench -p iamwhy-analysis --bench bulk` times the two questions
# alone on the same snapshot (loaded once).
#
# Targets (issue 22): who-can for the bucket under 0.5 s, can for one principal over the
# whole catalog (about 22,000 actions) under 0.2 s, on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
snap=${SNAP:-target/bulk-snapshot}
[ -d "$snap/iam" ] || python3 bench/bulk/gen_snapshot.py "$snap"
bin=${IAMWHY:-}
if [ -z "$bin" ]; then
  cargo build --release --locked --quiet -p iamwhy
  bin=${CARGO_TARGET_DIR:-target}/release/iamwhy
fi
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "$runs"); do
  /usr/bin/time -f "who-can run $i: %e s wall, %U s user, %M KiB max RSS" \
    "$bin" --format json who-can --snapshot "$snap" --action s3:GetObject \
    --resource arn:aws:s3:::data/report.csv --no-progress >/dev/null
  /usr/bin/time -f "can (whole catalog) run $i: %e s wall, %U s user, %M KiB max RSS" \
    "$bin" --format json can --snapshot "$snap" \
    --principal arn:aws:iam::111122223333:role/role-0 --resource '*' >/dev/null
done
