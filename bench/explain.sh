#!/usr/bin/env bash
# Explain latency on the bundled examples, end to end as a user runs it (start, load the
# snapshot, read the log or message, evaluate, propose and verify the fixes, print): the
# median and the fastest of RUNS runs of each README explain command, for each binary given.
# Pass two binaries (before and after a change) to compare them in the same run.
#
#   bench/explain.sh [--runs N] [BIN...]     (default: target/release/iamwhy, built)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=30
if [ "${1:-}" = "--runs" ]; then runs=$2; shift 2; fi
if [ $# -eq 0 ]; then
  cargo build --release --locked --quiet
  set -- target/release/iamwhy
fi
python3 - "$runs" "$@" <<'PY'
import statistics, subprocess, sys, time
runs = int(sys.argv[1]); bins = sys.argv[2:]
K = "arn:aws:kms:us-east-1:111122223333:key/5555eeee-55ee-55ee-55ee-555555555555"
cases = {
    "story 1 log (S3 + hidden kms:Decrypt, 2 verified fixes)":
        ["explain", "--snapshot", "examples/snapshot", "examples/trail"],
    "story 5 log (service principal, deny exception)":
        ["explain", "--snapshot", "examples/snapshot", "examples/trail-story5"],
    "pasted message against the snapshot":
        ["explain", "--snapshot", "examples/snapshot", "--message",
         "An error occurred (AccessDeniedException) when calling the Decrypt operation: User: "
         "arn:aws:iam::111122223333:user/carol is not authorized to perform: kms:Decrypt on "
         f"resource: {K} with an explicit deny in a resource-based policy"],
    "replay of the story 1 log with a session policy":
        ["replay", "--snapshot", "examples/snapshot", "examples/trail",
         "--session-policy", "examples/candidates/deny-s3-session.json"],
}
print(f"{'command':58} " + " ".join(f"{b[-40:]:>22}" for b in bins))
for name, args in cases.items():
    cells = []
    for b in bins:
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run([b, "--format", "json", *args], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
            times.append((time.perf_counter() - t) * 1000)
        cells.append(f"{statistics.median(times):7.1f} ms (min {min(times):5.1f})")
    print(f"{name:58} " + " ".join(f"{c:>22}" for c in cells))
PY
