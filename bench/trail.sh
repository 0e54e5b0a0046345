#!/usr/bin/env bash
# trail.sh - benchmark `iamwhy trail denied` against the tools users would
# otherwise reach for: a jq pipeline (sequential and `xargs -P 2`) and DuckDB.
#
# All tools read the same gzip CloudTrail files, keep the records whose
# errorCode is a denial (bench/trail/denial_codes.txt) and write the same
# fields. Each tool's denial count is checked against the corpus's
# EXPECTED.json; wall time comes from hyperfine, peak memory from GNU time.
# See bench/README.md.

set -euo pipefail

PROG=${0##*/}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench/trail
DUCKDB_VERSION=2.0.0

RECORDS=500000
RECORDS_SET=0
CORPUS=$ROOT/target/trail-corpus
IAMWHY=
SKIP_IAMWHY=0
SKIP_JQ=0
RUNS=3
WARMUP=1
VENV=$ROOT/target/bench-venv
WORK=$ROOT/target/trail-bench
MARKDOWN=$ROOT/target/trail-bench.md

usage() {
    cat <<EOF
Usage: $PROG [--records N] [--corpus DIR] [--iamwhy PATH] [--skip-iamwhy]
             [--skip-jq] [--runs N] [--warmup N]

Times 'iamwhy trail denied DIR --format json', a jq pipeline and DuckDB on
the same gzip CloudTrail corpus, checks that they find the same denials, and
prints a summary (also written to target/trail-bench.md).

Options:
  --records N     records in the generated corpus (default $RECORDS); a
                  generated corpus with another count is regenerated
  --corpus DIR    corpus directory (default target/trail-corpus); generated
                  with bench/trail/gen_corpus.py if missing. A directory
                  without EXPECTED.json is used as it is (a real trail
                  bucket copy): tools are then only checked against each other
  --iamwhy PATH   iamwhy binary to time (default: build target/release/iamwhy
                  with 'cargo build --release -p iamwhy')
  --skip-iamwhy   do not build or time iamwhy
  --skip-jq       do not time the jq pipelines (they take minutes at 500k)
  --runs N        timed runs per tool (default $RUNS)
  --warmup N      untimed warm-up runs per tool (default $WARMUP)
  -h, --help      show this help

Needs: python3 (3.11), jq, hyperfine, GNU time (/usr/bin/time), zcat, and
network access to PyPI once, to install duckdb==$DUCKDB_VERSION into
target/bench-venv.

Exit status: 0 all tools agree with the expected count, 1 a tool failed or
disagreed, 2 usage or setup error.
EOF
}

die() { echo "$PROG: $*" >&2; exit 2; }
log() { echo "==> $*" >&2; }

while [ $# -gt 0 ]; do
    case $1 in
        --records) RECORDS=${2:?--records needs a value}; RECORDS_SET=1; shift 2 ;;
        --corpus) CORPUS=${2:?--corpus needs a value}; shift 2 ;;
        --iamwhy) IAMWHY=${2:?--iamwhy needs a value}; shift 2 ;;
        --skip-iamwhy) SKIP_IAMWHY=1; shift ;;
        --skip-jq) SKIP_JQ=1; shift ;;
        --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
        --warmup) WARMUP=${2:?--warmup needs a value}; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done
case $RECORDS$RUNS$WARMUP in *[!0-9]*) die "--records, --runs and --warmup take integers" ;; esac

for tool in python3 jq hyperfine zcat find xargs; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
[ -x /usr/bin/time ] || die "GNU time not found at /usr/bin/time (apt-get install time)"

mkdir -p "$WORK/cmd" "$WORK/out"
CORPUS=$(mkdir -p "$(dirname "$CORPUS")" && cd "$(dirname "$CORPUS")" && pwd)/$(basename "$CORPUS")

# ---------------------------------------------------------------------------
# 1. The corpus
# ---------------------------------------------------------------------------
generate() {
    log "generating $RECORDS records into $CORPUS"
    local start end
    start=$(date +%s.%N)
    python3 "$BENCH/gen_corpus.py" --out "$CORPUS" --records "$RECORDS" "$@"
    end=$(date +%s.%N)
    log "generated in $(python3 -c "print(f'{$end - $start:.1f}')") s"
}

EXPECTED=$CORPUS/EXPECTED.json
if [ -f "$EXPECTED" ]; then
    have=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' "$EXPECTED")
    if [ "$RECORDS_SET" = 1 ] && [ "$have" != "$RECORDS" ]; then
        generate --force
    else
        log "using $CORPUS ($have records)"
    fi
elif [ -d "$CORPUS" ] && [ -n "$(ls -A "$CORPUS")" ]; then
    # Not ours: measure the JSON volume once so throughput can be computed.
    log "using $CORPUS as it is (no EXPECTED.json: counts are only compared between tools)"
    bytes=$(find "$CORPUS" -name '*.json.gz' -path '*/CloudTrail/*' -print0 | xargs -0 zcat | wc -c)
    EXPECTED=$WORK/expected.json
    printf '{"uncompressed_bytes": %s}\n' "$bytes" > "$EXPECTED"
else
    generate
fi
read -r WANT MAX_FILE < <(python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
print(e.get("denials", "-"), e.get("max_file_uncompressed_bytes", 0))' "$EXPECTED")

# DuckDB's maximum_object_size must exceed the largest file: twice it, at
# least 32 MiB (for a corpus we did not generate, whose largest file we do
# not know: 1 GiB). Larger values did not slow DuckDB down in our runs.
if [ "$MAX_FILE" -gt 0 ]; then
    MAX_OBJECT=$(( 2 * MAX_FILE > 32 << 20 ? 2 * MAX_FILE : 32 << 20 ))
else
    MAX_OBJECT=$(( 1 << 30 ))
fi

# ---------------------------------------------------------------------------
# 2. The tools
# ---------------------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import duckdb, sys; sys.exit(duckdb.__version__ != '$DUCKDB_VERSION')" 2>/dev/null; then
    log "installing duckdb==$DUCKDB_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "duckdb==$DUCKDB_VERSION"
fi
DUCKDB_VERSION_RUN=$("$VENV/bin/python" -c 'import duckdb; print(duckdb.__version__)')

if [ "$SKIP_IAMWHY" = 0 ]; then
    if [ -z "$IAMWHY" ]; then
        log "building iamwhy (cargo build --release -p iamwhy)"
        (cd "$ROOT" && cargo build --release -p iamwhy)
        IAMWHY=$ROOT/target/release/iamwhy
    fi
    [ -x "$IAMWHY" ] || die "iamwhy binary not found: $IAMWHY"
    IAMWHY=$(cd "$(dirname "$IAMWHY")" && pwd)/$(basename "$IAMWHY")
fi

# The shared list of denial codes must be iamwhy's own.
python3 - "$BENCH/denial_codes.txt" "$ROOT/crates/iamwhy-trail/src/codes.rs" <<'PY' || die "bench/trail/denial_codes.txt differs from DENIAL_CODES in codes.rs"
import re, sys
listed = [l.split("#", 1)[0].strip() for l in open(sys.argv[1])]
body = open(sys.argv[2]).read().split("pub const DENIAL_CODES", 1)[1].split("];", 1)[0]
sys.exit(0 if [c for c in listed if c] == re.findall(r'^\s*"([^"]+)",', body, re.M) else 1)
PY

# The jq filter, built from the shared list of denial codes.
JQ_SELECT=$(python3 -c '
import sys
codes = [l.split("#", 1)[0].strip() for l in open(sys.argv[1])]
print(" or ".join(f".errorCode == \"{c}\"" for c in codes if c))' "$BENCH/denial_codes.txt")
JQ_FILTER=".Records[] | select($JQ_SELECT) | {eventTime, eventSource, eventName, errorCode, errorMessage, arn: .userIdentity.arn}"

# One small script per tool, taking the output file as $1, so that hyperfine,
# GNU time and the report all run and show exactly the same command.
TOOLS=()
write_cmd() {  # name, body
    printf '#!/usr/bin/env bash\nset -o pipefail\n%s\n' "$2" > "$WORK/cmd/$1.sh"
    TOOLS+=("$1")
}
q() { printf '%q' "$1"; }

if [ "$SKIP_IAMWHY" = 0 ]; then
    write_cmd iamwhy "$(q "$IAMWHY") trail denied $(q "$CORPUS") --format json > \"\$1\""
fi
if [ "$SKIP_JQ" = 0 ]; then
    write_cmd jq "find $(q "$CORPUS") -name '*.json.gz' -path '*/CloudTrail/*' -print0 \\
  | xargs -0 zcat \\
  | jq -c '$JQ_FILTER' > \"\$1\""
    # Two zcat|jq pipelines at once: jq is the bottleneck of the sequential
    # pipeline, so this is how a user would use both cores. Batches of up to
    # 32 files, and at least 16 batches so that both pipelines stay busy.
    # --unbuffered makes jq write each line with one write(), so that the two
    # jq processes sharing the output file cannot interleave half lines.
    files=$(find "$CORPUS" -name '*.json.gz' -path '*/CloudTrail/*' | wc -l)
    batch=$(( files / 16 < 1 ? 1 : files / 16 > 32 ? 32 : files / 16 ))
    write_cmd jq-P2 "find $(q "$CORPUS") -name '*.json.gz' -path '*/CloudTrail/*' -print0 \\
  | xargs -0 -P 2 -n $batch sh -c 'zcat \"\$@\" | jq --unbuffered -c \"\$0\"' '$JQ_FILTER' > \"\$1\""
fi
write_cmd duckdb "$(q "$VENV/bin/python") $(q "$BENCH/duckdb_denied.py") --corpus $(q "$CORPUS") \\
  --threads 2 --format unstructured --max-object-size $MAX_OBJECT --out \"\$1\" 2>/dev/null"

# ---------------------------------------------------------------------------
# 3. Counts and peak memory (one run each, output kept), then wall time
# ---------------------------------------------------------------------------
RESULTS=$WORK/results.tsv
: > "$RESULTS"
STATUS=0
declare -A COUNT FINGERPRINT
for name in "${TOOLS[@]}"; do
    log "$name: checking output and peak memory"
    out=$WORK/out/$name.out
    if ! /usr/bin/time -v -o "$WORK/out/$name.time" bash "$WORK/cmd/$name.sh" "$out"; then
        echo "$PROG: $name failed (see $WORK/cmd/$name.sh)" >&2
        printf '%s\t-\t%s\t-\tFAILED\n' "$name" "$WANT" >> "$RESULTS"
        STATUS=1
        continue
    fi
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/out/$name.time")
    if ! counted=$(python3 "$BENCH/report.py" count "$out"); then
        echo "$PROG: cannot parse the output of $name ($out)" >&2
        printf '%s\t-\t%s\t%s\tBAD OUTPUT\n' "$name" "$WANT" "$rss" >> "$RESULTS"
        STATUS=1
        continue
    fi
    read -r count fp <<< "$counted"
    COUNT[$name]=$count
    FINGERPRINT[$name]=$fp
    check=ok
    if [ "$WANT" != "-" ] && [ "$count" != "$WANT" ]; then
        check=MISMATCH
        STATUS=1
    fi
    echo "    $name: $count denials (expected $WANT) $check, peak RSS $((rss / 1024)) MiB"
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$count" "$WANT" "$rss" "$check" >> "$RESULTS"
done

# Tools with identical output fields must also agree on the content.
ref=
for name in "${TOOLS[@]}"; do
    fp=${FINGERPRINT[$name]:--}
    [ "$fp" = "-" ] && continue
    if [ -z "$ref" ]; then
        ref=$name
    elif [ "$fp" != "${FINGERPRINT[$ref]}" ]; then
        echo "$PROG: $name and $ref found different denials" >&2
        STATUS=1
    fi
done
# Without EXPECTED.json, all counts must at least agree with each other.
if [ "$WANT" = "-" ] && [ "$(printf '%s\n' "${COUNT[@]}" | sort -u | wc -l)" -gt 1 ]; then
    echo "$PROG: the tools disagree on the number of denials" >&2
    STATUS=1
fi

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "timing with hyperfine (--warmup $WARMUP --runs $RUNS; load average $LOAD_BEFORE)"
HF_ARGS=()
for name in "${TOOLS[@]}"; do
    HF_ARGS+=(-n "$name" "bash $WORK/cmd/$name.sh /dev/null")
done
hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$WORK/hyperfine.json" "${HF_ARGS[@]}"

# ---------------------------------------------------------------------------
# 4. Summary
# ---------------------------------------------------------------------------
CMDS=()
for name in "${TOOLS[@]}"; do CMDS+=("$WORK/cmd/$name.sh"); done
echo
python3 "$BENCH/report.py" summary \
    --hyperfine "$WORK/hyperfine.json" --results "$RESULTS" --expected "$EXPECTED" \
    --markdown "$MARKDOWN" \
    --meta "date=$(date -u +%Y-%m-%dT%H:%MZ)" \
    --meta "machine=$(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)" \
    --meta "load average before timing=$LOAD_BEFORE" \
    --meta "iamwhy=$([ "$SKIP_IAMWHY" = 0 ] && "$IAMWHY" --version 2>/dev/null | head -1 || echo skipped)" \
    --meta "jq=$(jq --version)" \
    --meta "duckdb=$DUCKDB_VERSION_RUN (Python package, threads=2)" \
    --meta "hyperfine=$(hyperfine --version | cut -d' ' -f2), --warmup $WARMUP --runs $RUNS" \
    --meta "corpus=$CORPUS" \
    --commands "${CMDS[@]}"
echo
echo "Markdown summary: $MARKDOWN"
[ "$STATUS" = 0 ] || echo "$PROG: some tools failed or disagreed (see above)" >&2
exit "$STATUS"
