#!/usr/bin/env bash
# snapshot.sh - take an account snapshot for `iamwhy simulate --snapshot DIR`.
#
# A snapshot is a directory of unedited AWS CLI JSON outputs; docs/snapshot.md
# describes the layout, what iamwhy does with each file and the IAM permissions
# this script needs. Every AWS call made here is a read (get/list/describe).
#
# Needs bash (3.2 or newer) and the AWS CLI (v1 or v2); nothing else.

set -euo pipefail

PROG=${0##*/}
SERVICES="s3 kms organizations sqs sns secretsmanager lambda"

usage() {
    cat <<EOF
Usage: $PROG [--profile NAME] [--region REGION] [--out DIR] [--skip SERVICE]...

Takes a read-only snapshot of the IAM-relevant configuration of the AWS account
your credentials belong to, for offline use with 'iamwhy simulate --snapshot DIR'.

Options:
  --profile NAME    AWS CLI profile to use (passed to every aws call)
  --region REGION   region for the regional services: kms, sqs, sns,
                    secretsmanager and lambda (IAM, S3 bucket listing and
                    Organizations are global); default: the profile's region
  --out DIR         where to write the snapshot (must not exist or be empty);
                    default: snapshot-ACCOUNT-YYYYMMDD
  --skip SERVICE    do not collect SERVICE; repeatable. One of:
                    $SERVICES
  -h, --help        show this help

Calls that fail (no such policy, access denied, not allowed in a member
account, ...) are reported and skipped; the run goes on. A summary at the
end counts them. See docs/snapshot.md.

Exit status: 0 snapshot written (read the summary), 1 fatal error
(no AWS CLI, no credentials, output directory unusable), 2 usage error.
EOF
}

die() { printf '%s: error: %s\n' "$PROG" "$*" >&2; exit 1; }
usage_error() { printf '%s: %s\nTry %s --help\n' "$PROG" "$*" "$PROG" >&2; exit 2; }
say() { printf '%s\n' "$*" >&2; }

# ---------------------------------------------------------------- options ---

PROFILE=""
REGION=""
OUT=""
SKIP=" "

need_value() {
    # $1 option name, $2 number of remaining arguments (including the option)
    [ "$2" -ge 2 ] || usage_error "option $1 needs a value"
}

while [ $# -gt 0 ]; do
    case $1 in
        --profile) need_value "$1" $#; PROFILE=$2; shift 2 ;;
        --profile=*) PROFILE=${1#*=}; shift ;;
        --region) need_value "$1" $#; REGION=$2; shift 2 ;;
        --region=*) REGION=${1#*=}; shift ;;
        --out) need_value "$1" $#; OUT=$2; shift 2 ;;
        --out=*) OUT=${1#*=}; shift ;;
        --skip|--skip=*)
            if [ "$1" = --skip ]; then need_value "$1" $#; svc=$2; shift 2
            else svc=${1#*=}; shift; fi
            case " $SERVICES " in
                *" $svc "*) SKIP="$SKIP$svc " ;;
                *) usage_error "--skip: unknown service '$svc' (one of: $SERVICES)" ;;
            esac
            ;;
        -h|--help) usage; exit 0 ;;
        *) usage_error "unknown argument '$1'" ;;
    esac
done

for v in "$PROFILE" "$REGION" "$OUT"; do
    case $v in -*) usage_error "option value '$v' looks like an option" ;; esac
done

# Lists below are split on blanks; names never hold blanks, and no glob
# expansion is wanted anywhere.
set -f

skipped() { case $SKIP in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

command -v aws >/dev/null 2>&1 || die "the AWS CLI ('aws') is not on PATH"

# Never page output through 'less' (AWS CLI v2 does by default on a terminal).
export AWS_PAGER=""

AWS_ARGS=()
[ -n "$PROFILE" ] && AWS_ARGS+=(--profile "$PROFILE")
[ -n "$REGION" ] && AWS_ARGS+=(--region "$REGION")

# aws with the common arguments; the ${a[@]+...} form keeps bash 3.2 happy
# under 'set -u' when the array is empty.
awsc() { aws ${AWS_ARGS[@]+"${AWS_ARGS[@]}"} "$@"; }

# ------------------------------------------------------------ bookkeeping ---

WRITTEN=0
ABSENT=0
FAILED=0
FAILED_LIST=""
WORK=""          # scratch directory inside $OUT, removed on exit
LAST_ERROR=""    # short reason of the last failed call
QUIET_FAIL=0     # 1: fetch does not report a failure (the caller prints a note)
FETCH_REQUIRE="" # a top-level key the output must have, else it is "nothing to fetch"

cleanup() { if [ -n "$WORK" ]; then rm -rf "$WORK"; fi; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Error codes that only mean "this resource has no such policy or setting".
is_absent_code() {
    case $1 in
        NoSuchBucketPolicy|NoSuchPublicAccessBlockConfiguration|\
        ServerSideEncryptionConfigurationNotFoundError|\
        ResourceNotFoundException|AWSOrganizationsNotInUseException) return 0 ;;
        *) return 1 ;;
    esac
}

# One-word reason from the CLI's stderr: the error code of
# "An error occurred (CODE) when calling ...", else the last non-empty line.
error_reason() {
    local code
    code=$(sed -n 's/.*An error occurred (\([^)]*\)).*/\1/p' "$1" | head -n 1)
    if [ -n "$code" ]; then
        printf '%s' "$code"
    else
        grep -v '^[[:space:]]*$' "$1" | tail -n 1 | cut -c1-200
    fi
}

# fetch REL -- AWS-ARGS...
# Runs 'aws AWS-ARGS... --output json' and, only if it succeeds with a
# non-empty output, moves the result to $OUT/REL (atomically: same file
# system). On failure nothing is written, the call is counted and 1 returned.
fetch() {
    local rel=$1 tmp err reason
    shift 2  # REL and the '--' separator
    tmp="$WORK/out.$WRITTEN.$ABSENT.$FAILED"
    err="$WORK/err"
    if awsc "$@" --output json >"$tmp" 2>"$err" && [ -s "$tmp" ]; then
        if [ -n "$FETCH_REQUIRE" ] && ! grep -q "\"$FETCH_REQUIRE\":" "$tmp"; then
            rm -f "$tmp"
            ABSENT=$((ABSENT + 1))
            say "  none    $rel (no $FETCH_REQUIRE)"
            return 1
        fi
        mkdir -p "$(dirname "$OUT/$rel")"
        mv -f "$tmp" "$OUT/$rel"
        WRITTEN=$((WRITTEN + 1))
        say "  wrote   $rel"
        return 0
    fi
    reason=$(error_reason "$err")
    [ -n "$reason" ] || reason="empty output"
    rm -f "$tmp"
    LAST_ERROR=$reason
    if is_absent_code "$reason"; then
        ABSENT=$((ABSENT + 1))
        [ "$QUIET_FAIL" = 1 ] || say "  none    $rel ($reason)"
    else
        FAILED=$((FAILED + 1))
        FAILED_LIST="$FAILED_LIST    $rel: $reason
"
        [ "$QUIET_FAIL" = 1 ] || say "  FAILED  $rel: $reason"
    fi
    return 1
}

# list_text -- AWS-ARGS...
# Runs 'aws AWS-ARGS... --output text' (used with --query to list names) and
# sets LIST to the words of the output, one a line; returns 1 (and counts the
# call) when it fails. The CLI prints "None" for a missing list; the queries
# below only select ARNs, URLs, ids and bucket names, none of which can be
# "None", so that word is dropped.
LIST=""
list_text() {
    local err reason out
    shift  # the '--' separator
    err="$WORK/err"
    LIST=""
    if ! out=$(awsc "$@" --output text 2>"$err"); then
        reason=$(error_reason "$err")
        LAST_ERROR=${reason:-unknown error}
        FAILED=$((FAILED + 1))
        FAILED_LIST="$FAILED_LIST    aws $1 $2: $LAST_ERROR
"
        say "  FAILED  aws $1 $2: $LAST_ERROR"
        return 1
    fi
    LIST=$(printf '%s\n' "$out" | tr '\t' '\n' | grep -v -e '^None$' -e '^[[:space:]]*$' || true)
    [ -n "$LIST" ] || say "  (none found by aws $1 $2)"
}

# json_values FILE KEY: the string values of "KEY": "..." in a JSON file
# written by the CLI. Only used for ids and ARNs, which hold no quotes; a
# quote inside another string value is escaped (\"), so it cannot match.
json_values() {
    grep -o "\"$2\": *\"[^\"]*\"" "$1" | sed 's/.*: *"\([^"]*\)"$/\1/' || true
}

# Safe file name for SQS/SNS/secret names: '/' becomes '_'; a name already
# taken gets -2, -3, ... (the file content names the ARN, so the file name is
# only informational).
unique_json() {
    local dir=$1 base n=2 name
    base=$(printf '%s' "$2" | tr '/' '_')
    name="$base.json"
    while [ -e "$OUT/$dir/$name" ]; do
        name="$base-$n.json"
        n=$((n + 1))
    done
    printf '%s/%s' "$dir" "$name"
}

# -------------------------------------------------------------- identity ---

say "iamwhy snapshot: who am I?"
ID_TMP=$(mktemp "${TMPDIR:-/tmp}/iamwhy-sts.XXXXXX")
ID_ERR=$(mktemp "${TMPDIR:-/tmp}/iamwhy-sts-err.XXXXXX")
if ! awsc sts get-caller-identity --output json >"$ID_TMP" 2>"$ID_ERR"; then
    reason=$(error_reason "$ID_ERR")
    rm -f "$ID_TMP" "$ID_ERR"
    die "aws sts get-caller-identity failed: ${reason:-unknown error} (are credentials configured?)"
fi
rm -f "$ID_ERR"
ACCOUNT=$(json_values "$ID_TMP" Account | head -n 1)
CALLER=$(json_values "$ID_TMP" Arn | head -n 1)
case $ACCOUNT in
    [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]) ;;
    *) rm -f "$ID_TMP"; die "could not read the account id from sts get-caller-identity" ;;
esac
say "  account $ACCOUNT, caller $CALLER"

if [ -z "$REGION" ]; then
    REGION_SHOWN=${AWS_REGION:-${AWS_DEFAULT_REGION:-}}
    if [ -z "$REGION_SHOWN" ]; then
        REGION_SHOWN=$(aws ${PROFILE:+--profile "$PROFILE"} configure get region 2>/dev/null || true)
    fi
else
    REGION_SHOWN=$REGION
fi
if [ -n "$REGION_SHOWN" ]; then
    say "  region  $REGION_SHOWN (for kms, sqs, sns, secretsmanager, lambda)"
else
    say "  warning: no region configured and no --region given: calls to regional services will fail"
fi

[ -n "$OUT" ] || OUT="snapshot-$ACCOUNT-$(date -u +%Y%m%d)"
if [ -e "$OUT" ]; then
    [ -d "$OUT" ] || { rm -f "$ID_TMP"; die "$OUT exists and is not a directory"; }
    if [ -n "$(ls -A "$OUT")" ]; then
        rm -f "$ID_TMP"
        die "$OUT exists and is not empty; choose another --out or remove it"
    fi
fi
mkdir -p "$OUT/sts" || die "cannot create $OUT"
WORK=$(mktemp -d "$OUT/.snapshot-tmp.XXXXXX") || die "cannot create a scratch directory in $OUT"
mv -f "$ID_TMP" "$OUT/sts/caller-identity.json"
WRITTEN=1
say "  wrote   sts/caller-identity.json"
say "snapshot directory: $OUT"

# ------------------------------------------------------------------- IAM ---

say "iam: users, groups, roles and policies (this can take a while)"
fetch iam/account-authorization-details.json -- iam get-account-authorization-details || true

# -------------------------------------------------------------------- S3 ---

if skipped s3; then
    say "s3: skipped (--skip s3)"
else
    say "s3: buckets"
    fetch s3/account-public-access-block.json -- \
        s3control get-public-access-block --account-id "$ACCOUNT" || true
    if list_text -- s3api list-buckets --query 'Buckets[].Name'; then
        for b in $LIST; do
            fetch "s3/$b/policy.json" -- s3api get-bucket-policy --bucket "$b" || true
            fetch "s3/$b/encryption.json" -- s3api get-bucket-encryption --bucket "$b" || true
            fetch "s3/$b/public-access-block.json" -- s3api get-public-access-block --bucket "$b" || true
            fetch "s3/$b/location.json" -- s3api get-bucket-location --bucket "$b" || true
        done
    fi
fi

# ------------------------------------------------------------------- KMS ---

if skipped kms; then
    say "kms: skipped (--skip kms)"
else
    say "kms: aliases, keys, key policies and grants"
    fetch kms/aliases.json -- kms list-aliases || true
    if list_text -- kms list-keys --query 'Keys[].KeyId'; then
        for k in $LIST; do
            fetch "kms/$k/describe-key.json" -- kms describe-key --key-id "$k" || true
            fetch "kms/$k/key-policy.json" -- \
                kms get-key-policy --key-id "$k" --policy-name default || true
            fetch "kms/$k/grants.json" -- kms list-grants --key-id "$k" || true
        done
    fi
fi

# --------------------------------------------------------- Organizations ---

# One line on stderr when the Organizations data cannot be read.
org_note() {
    say "  note: $1: no SCPs/RCPs in this snapshot, iamwhy will not evaluate them"
}

# fetch, reporting a failure only through org_note.
org_fetch() {
    local rc=0
    QUIET_FAIL=1
    fetch "$@" || rc=$?
    QUIET_FAIL=0
    return "$rc"
}

collect_organizations() {
    local child id type depth=0 targets t pol ids policy_ids=""

    if ! org_fetch organizations/organization.json -- organizations describe-organization; then
        if [ "$LAST_ERROR" = AWSOrganizationsNotInUseException ]; then
            org_note "the account is not in an organization"
        else
            org_note "describe-organization failed ($LAST_ERROR)"
        fi
        return 0
    fi
    if ! org_fetch organizations/roots.json -- organizations list-roots; then
        org_note "list-roots failed ($LAST_ERROR; only the management account or a delegated administrator may call it)"
        return 0
    fi

    # Walk up from the account to the root: account, then each OU, then root.
    targets=$ACCOUNT
    child=$ACCOUNT
    while :; do
        if ! org_fetch "organizations/targets/$child/parents.json" -- \
            organizations list-parents --child-id "$child"; then
            org_note "list-parents failed for $child ($LAST_ERROR)"
            return 0
        fi
        id=$(json_values "$OUT/organizations/targets/$child/parents.json" Id | head -n 1)
        type=$(json_values "$OUT/organizations/targets/$child/parents.json" Type | head -n 1)
        if [ -z "$id" ]; then
            org_note "list-parents returned no parent for $child"
            return 0
        fi
        targets="$targets $id"
        [ "$type" = ROOT ] && break
        child=$id
        depth=$((depth + 1))
        if [ "$depth" -gt 10 ]; then
            org_note "the OU chain above $ACCOUNT is deeper than Organizations allows"
            return 0
        fi
    done
    say "  path from the account to the root: $targets"

    for t in $targets; do
        for pol in scps:SERVICE_CONTROL_POLICY rcps:RESOURCE_CONTROL_POLICY; do
            if fetch "organizations/targets/$t/${pol%%:*}.json" -- \
                organizations list-policies-for-target --target-id "$t" --filter "${pol#*:}"; then
                ids=$(json_values "$OUT/organizations/targets/$t/${pol%%:*}.json" Id)
                for id in $ids; do
                    case " $policy_ids " in
                        *" $id "*) ;;
                        *) policy_ids="$policy_ids $id" ;;
                    esac
                done
            fi
        done
    done

    for id in $policy_ids; do
        fetch "organizations/policies/$id.json" -- organizations describe-policy --policy-id "$id" || true
    done
}

if skipped organizations; then
    say "organizations: skipped (--skip organizations); SCPs and RCPs will not be evaluated"
else
    say "organizations: organization, OU path, SCPs and RCPs"
    collect_organizations
fi

# ------------------------------------------------------------------- SQS ---

if skipped sqs; then
    say "sqs: skipped (--skip sqs)"
else
    say "sqs: queue policies"
    if list_text -- sqs list-queues --query 'QueueUrls[]'; then
        for u in $LIST; do
            # KmsMasterKeyId: the key of a queue with SSE-KMS, for the hidden KMS checks.
            fetch "$(unique_json sqs "${u##*/}")" -- sqs get-queue-attributes \
                --queue-url "$u" --attribute-names Policy QueueArn KmsMasterKeyId || true
        done
    fi
fi

# ------------------------------------------------------------------- SNS ---

if skipped sns; then
    say "sns: skipped (--skip sns)"
else
    say "sns: topic policies"
    if list_text -- sns list-topics --query 'Topics[].TopicArn'; then
        for a in $LIST; do
            fetch "$(unique_json sns "${a##*:}")" -- sns get-topic-attributes --topic-arn "$a" || true
        done
    fi
fi

# -------------------------------------------------------- Secrets Manager ---

if skipped secretsmanager; then
    say "secretsmanager: skipped (--skip secretsmanager)"
else
    say "secretsmanager: secret resource policies"
    # Only ARNs are listed (a secret may be named "None", which list_text
    # drops); the file name is the secret name: the ARN after "secret:" less
    # the "-" and six random characters Secrets Manager appends.
    if list_text -- secretsmanager list-secrets --query 'SecretList[].ARN'; then
        # A secret without a policy answers with ARN and Name only: no file.
        FETCH_REQUIRE=ResourcePolicy
        for a in $LIST; do
            name=${a#*:secret:}
            fetch "$(unique_json secretsmanager "${name%-??????}")" -- \
                secretsmanager get-resource-policy --secret-id "$a" || true
        done
        FETCH_REQUIRE=""
    fi
fi

# ---------------------------------------------------------------- Lambda ---

if skipped lambda; then
    say "lambda: skipped (--skip lambda)"
else
    say "lambda: function policies"
    if list_text -- lambda list-functions --query 'Functions[].FunctionArn'; then
        for a in $LIST; do
            fetch "lambda/${a##*:}/policy.json" -- lambda get-policy --function-name "$a" || true
        done
    fi
fi

# --------------------------------------------------------------- summary ---

say ""
say "Snapshot of account $ACCOUNT written to $OUT ($WRITTEN files)."
SKIPPED=$((ABSENT + FAILED))
if [ "$SKIPPED" -eq 0 ]; then
    say "No call was skipped."
else
    say "$SKIPPED calls skipped: $ABSENT found nothing to fetch (no such policy or setting), $FAILED failed:"
    [ -z "$FAILED_LIST" ] || printf '%s' "$FAILED_LIST" >&2
fi
say ""
say "Use it with:"
say "  iamwhy simulate --snapshot $OUT --principal ARN --action ACTION --resource ARN"
say "for example --principal $CALLER"
