#!/usr/bin/env python3
"""Generate a realistic, organization-wide account snapshot for the `iamwhy replay` benchmark.

The snapshot matches a CloudTrail corpus written by bench/trail/gen_corpus.py: the corpus's
log files are read (gzip `{"Records":[...]}` under AWSLogs/) and every IAM user, role (with
the path its session issuer shows), member account, bucket, KMS key, secret, Lambda function,
the organization id and the SCP/RCP policy ids named in denial messages are collected. Around
them the script builds what a mid-size organization has, as unedited AWS CLI outputs in the
layout of docs/snapshot.md:

  iam/ACCOUNT/authorization-details.json   aws iam get-account-authorization-details
  organizations/organization.json            aws organizations describe-organization
  organizations/roots.json                   aws organizations list-roots
  organizations/targets/ID/parents.json      aws organizations list-parents --child-id ID
  organizations/targets/ID/{scps,rcps}.json  aws organizations list-policies-for-target ...
  organizations/policies/POLICY_ID.json      aws organizations describe-policy
  s3/BUCKET/{policy,encryption,public-access-block,location}.json
  kms/KEY_ID/{describe-key,key-policy}.json, kms/aliases.json
  secretsmanager/NAME.json, lambda/NAME/policy.json

Per member account: ~50 users (groups, inline policies, a few permissions boundaries), ~100
roles (trust policies; the corpus's roles, service-linked roles, SSO permission-set roles, CDK
bootstrap roles, application roles), ~12 groups and ~50 customer managed policies of 10-20
statements with conditions (aws:RequestedRegion, aws:SourceIp, aws:MultiFactorAuthPresent,
tags, ...), some of them Deny statements. AWS managed policies are attached by ARN and left
out of `Policies[]`, so iamwhy takes them from its bundled catalog (their ARNs are checked
against crates/iamwhy-catalog/data/managed-policies.tsv). The organization has 4 SCPs and 2
RCPs (with the corpus's policy ids) plus FullAWSAccess / RCPFullAWSAccess.

Everything is derived from --seed and the corpus: the same inputs give byte-identical files
whatever --jobs is. Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import calendar
import gzip
import json
import os
import random
import re
import shutil
import string
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
DEFAULT_CORPUS = REPO_ROOT / "target" / "trail-corpus"
MANAGED_TSV = REPO_ROOT / "crates" / "iamwhy-catalog" / "data" / "managed-policies.tsv"

UPPER_ALNUM = string.ascii_uppercase + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"

# What a snapshot directory may hold that this script wrote (removed by --force).
OUTPUT_ENTRIES = ["iam", "organizations", "s3", "kms", "secretsmanager", "lambda", "SNAPSHOT.md"]

# IAM quotas (characters, whitespace not counted): AWS IAM User Guide, "IAM and AWS STS quotas".
MANAGED_POLICY_MAX = 6144
USER_INLINE_MAX = 2048
GROUP_INLINE_MAX = 5120
ROLE_INLINE_MAX = 10240
SCP_MAX = 5120

# Corporate egress ranges used in aws:SourceIp conditions: most of the corpus's calls come from
# these two documentation ranges, the rest from cloud addresses.
CORPORATE_CIDRS = ["203.0.113.0/24", "198.51.100.0/24"]

# Services without Regions (or whose calls count as us-east-1): exempt from Region restrictions.
GLOBAL_NOT_ACTIONS = [
    "a4b:*", "account:*", "aws-portal:*", "budgets:*", "ce:*", "chime:*", "cloudfront:*", "config:*",
    "cur:*", "directconnect:*", "ec2:DescribeRegions", "ec2:DescribeTransitGateways",
    "ec2:DescribeVpnGateways", "fms:*", "globalaccelerator:*", "health:*", "iam:*",
    "importexport:*", "kms:*", "mobileanalytics:*", "networkmanager:*", "organizations:*",
    "pricing:*", "route53:*", "route53domains:*", "route53-recovery-cluster:*",
    "route53-recovery-control-config:*", "route53-recovery-readiness:*", "s3:GetAccountPublic*",
    "s3:ListAllMyBuckets", "s3:ListMultiRegionAccessPoints", "s3:PutAccountPublic*", "shield:*",
    "sts:*", "support:*", "trustedadvisor:*", "waf-regional:*", "waf:*", "wafv2:*",
    "wellarchitected:*",
]


# ---------------------------------------------------------------------------
# Reading the corpus
# ---------------------------------------------------------------------------

ORG_POLICY_RE = re.compile(
    r"arn:aws:organizations::(\d{12}):policy/(o-[a-z0-9]{10,32})/"
    r"(service_control_policy|resource_control_policy)/(p-[a-z0-9]{8,128})")
IAM_POLICY_RE = re.compile(r"arn:aws:iam::(\d{12}|aws):policy/([\w+=,.@/-]+)")
IAM_ARN_RE = re.compile(r"^arn:aws:iam::(\d{12}):(user|role)(/.*)$")
ASSUMED_RE = re.compile(r"^arn:aws:sts::(\d{12}):assumed-role/([^/]+)/")
SECRET_ARN_RE = re.compile(r"^arn:aws:secretsmanager:([a-z0-9-]+):(\d{12}):secret:([\w/+=.@-]+)$")
LAMBDA_ARN_RE = re.compile(r"^arn:aws:lambda:([a-z0-9-]+):(\d{12}):function:([\w-]+)$")
KMS_KEY_RE = re.compile(r"^arn:aws:kms:([a-z0-9-]+):(\d{12}):key/([\w-]+)$")
IPV4_RE = re.compile(r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$")


def split_path_name(rest: str) -> tuple[str, str]:
    """`/a/b/name` -> (`/a/b/`, `name`)."""
    path, _, name = rest.rpartition("/")
    return path + "/", name


def scan_file(path: str) -> dict:
    """Everything one log file says about principals and resources (counters, mergeable)."""
    with open(path, "rb") as fh:
        records = json.loads(gzip.decompress(fh.read())).get("Records") or []
    out = {k: Counter() for k in ("recipients", "users", "roles", "role_names", "buckets", "keys",
                                  "secrets", "functions", "org", "iam_policies", "regions", "ips",
                                  "external", "issuer_mismatch")}
    for r in records:
        recipient = r.get("recipientAccountId")
        region = r.get("awsRegion")
        out["recipients"][recipient] += 1
        out["regions"][region] += 1
        ui = r.get("userIdentity") or {}
        kind = ui.get("type")
        arn = ui.get("arn") or ""
        issuer = (ui.get("sessionContext") or {}).get("sessionIssuer") or {}
        if kind == "IAMUser":
            m = IAM_ARN_RE.match(arn)
            if m and m.group(2) == "user":
                out["users"][(m.group(1),) + split_path_name(m.group(3))] += 1
            elif ui.get("accountId") and ui.get("userName"):
                out["users"][(ui["accountId"], "/", ui["userName"])] += 1
        elif kind == "AssumedRole":
            m = ASSUMED_RE.match(arn)
            if m:
                out["role_names"][(m.group(1), m.group(2))] += 1
        m = IAM_ARN_RE.match(issuer.get("arn") or "")
        if m:
            target = "users" if m.group(2) == "user" else "roles"
            path, name = split_path_name(m.group(3))
            # `userName` names the issuer; an ARN that disagrees (the corpus has some whose
            # last part is the session name) gives neither name nor path.
            if issuer.get("userName") in (None, name):
                out[target][(m.group(1), path, name)] += 1
            else:
                out["issuer_mismatch"][target] += 1
                if target == "roles":
                    out["role_names"][(m.group(1), issuer["userName"])] += 1
        if kind in ("IAMUser", "AssumedRole") and ui.get("accountId") and ui["accountId"] != recipient:
            out["external"][ui["accountId"]] += 1
        rp = r.get("requestParameters")
        if isinstance(rp, dict):
            role_arn = rp.get("roleArn")
            if isinstance(role_arn, str):
                m = IAM_ARN_RE.match(role_arn)
                if m and m.group(2) == "role":
                    out["roles"][(m.group(1),) + split_path_name(m.group(3))] += 1
            bucket = rp.get("bucketName")
            if isinstance(bucket, str) and bucket:
                out["buckets"][(bucket, recipient)] += 1
            for k in ("keyId", "kmsKeyId", "SSEKMSKeyId"):
                if isinstance(rp.get(k), str) and KMS_KEY_RE.match(rp[k]):
                    out["keys"][rp[k]] += 1
            sid = rp.get("secretId")
            if isinstance(sid, str) and SECRET_ARN_RE.match(sid):
                out["secrets"][sid] += 1
            fn = rp.get("functionName")
            if isinstance(fn, str) and fn:
                if fn.startswith("arn:"):
                    if LAMBDA_ARN_RE.match(fn):
                        out["functions"][fn] += 1
                elif re.fullmatch(r"[\w-]{1,64}", fn) and recipient and region:
                    out["functions"][f"arn:aws:lambda:{region}:{recipient}:function:{fn}"] += 1
        for res in r.get("resources") or []:
            if not isinstance(res, dict) or not isinstance(res.get("ARN"), str):
                continue
            res_arn = res["ARN"]
            m = IAM_ARN_RE.match(res_arn)
            if m:
                target = "users" if m.group(2) == "user" else "roles"
                out[target][(m.group(1),) + split_path_name(m.group(3))] += 1
            elif res_arn.startswith("arn:aws:s3:::") and "/" not in res_arn[13:]:
                out["buckets"][(res_arn[13:], recipient)] += 1
            elif KMS_KEY_RE.match(res_arn):
                out["keys"][res_arn] += 1
        msg = r.get("errorMessage")
        if isinstance(msg, str) and "policy" in msg:
            for m in ORG_POLICY_RE.finditer(msg):
                out["org"][m.groups()] += 1
            for m in IAM_POLICY_RE.finditer(msg):
                out["iam_policies"][(m.group(1), m.group(2))] += 1
        ip = r.get("sourceIPAddress")
        if isinstance(ip, str):
            m = IPV4_RE.match(ip)
            if m:
                out["ips"][f"{m.group(1)}.{m.group(2)}.{m.group(3)}.0/24"] += 1
    return out


@dataclass
class Corpus:
    org_id: str | None
    accounts: list[str]                       # member accounts (deliver logs)
    events: Counter                           # recipient account -> records
    users: dict[str, dict[str, str]]          # account -> name -> path
    roles: dict[str, dict[str, str]]          # account -> name -> path
    buckets: dict[str, str]                   # bucket -> owning account (most events)
    keys: list[str]                           # key ARNs, most used first
    secrets: list[str]
    functions: list[str]
    scp_ids: list[str]
    rcp_ids: list[str]
    org_policy_account: str | None            # the account in the policy ARNs of the messages
    deny_policy_names: list[str]              # customer managed policies named in denials
    aws_deny_policies: list[str]              # AWS managed policies named in denials
    regions: list[str]
    top_cidrs: list[str]
    external_accounts: list[str]
    files: int
    records: int
    trail_bucket: str | None
    issuer_mismatch: int


def read_corpus(root: Path, jobs: int) -> Corpus:
    logs = root / "AWSLogs"
    files = sorted(str(p) for p in logs.glob("*/*/CloudTrail/*/*/*/*/*.json.gz"))
    files += sorted(str(p) for p in logs.glob("*/CloudTrail/*/*/*/*/*.json.gz"))  # non-org trail
    if not files:
        raise SystemExit(f"gen_snapshot: no CloudTrail log files under {logs}")
    total = {}
    if jobs > 1:
        with get_context("fork").Pool(jobs) as pool:
            parts = pool.imap_unordered(scan_file, files, chunksize=8)
            for part in parts:
                for k, v in part.items():
                    total.setdefault(k, Counter()).update(v)
    else:
        for f in files:
            for k, v in scan_file(f).items():
                total.setdefault(k, Counter()).update(v)

    org_dirs = sorted(p.name for p in logs.glob("o-*") if p.is_dir())
    accounts = sorted({p.name for d in org_dirs for p in (logs / d).iterdir() if re.fullmatch(r"\d{12}", p.name)}
                      | {p.name for p in logs.iterdir() if re.fullmatch(r"\d{12}", p.name)})
    expected = root / "EXPECTED.json"
    if expected.exists():
        exp = json.loads(expected.read_text())
        if exp.get("accounts"):
            accounts = list(exp["accounts"])  # the generator's order: accounts[0] names SCP ARNs
    members = set(accounts)

    users: dict[str, dict[str, str]] = {a: {} for a in accounts}
    for (acct, path, name), _n in sorted(total["users"].items()):
        if acct in members and name:
            users[acct].setdefault(name, path)
    # A role name is unique in its account: keep the path seen most often, except that IAM
    # Identity Center roles live under /aws-reserved/sso.amazonaws.com/ when it was seen.
    role_paths: dict[tuple[str, str], Counter] = {}
    for (acct, path, name), n in total["roles"].items():
        if acct in members and name:
            role_paths.setdefault((acct, name), Counter())[path] += n
    for (acct, name), n in total["role_names"].items():
        if acct in members:
            role_paths.setdefault((acct, name), Counter())
    roles: dict[str, dict[str, str]] = {a: {} for a in accounts}
    for (acct, name), paths in sorted(role_paths.items()):
        sso = [p for p in paths if p.startswith("/aws-reserved/sso.amazonaws.com/")]
        if name.startswith("AWSReservedSSO_"):
            path = sorted(sso)[0] if sso else "/aws-reserved/sso.amazonaws.com/"
        elif paths:
            path = sorted(paths.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        else:
            path = "/"
        roles[acct][name] = path

    bucket_owner: dict[str, str] = {}
    per_bucket: dict[str, Counter] = {}
    for (bucket, acct), n in total["buckets"].items():
        if acct in members:
            per_bucket.setdefault(bucket, Counter())[acct] += n
    for bucket, c in sorted(per_bucket.items()):
        bucket_owner[bucket] = sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]

    org_ids = Counter()
    scp, rcp, policy_account = Counter(), Counter(), Counter()
    for (acct, org, kind, pid), n in total["org"].items():
        org_ids[org] += n
        policy_account[acct] += n
        (scp if kind == "service_control_policy" else rcp)[pid] += n
    org_id = org_dirs[0] if org_dirs else (org_ids.most_common(1)[0][0] if org_ids else None)

    deny_names, aws_names = set(), set()
    for (acct, name), _n in total["iam_policies"].items():
        name = name.rstrip(".")
        if acct == "aws":
            aws_names.add(name)
        elif acct in members and "/" not in name:
            deny_names.add(name)

    trail_bucket = None
    for digest in sorted(logs.glob("*/*/CloudTrail-Digest/*/*/*/*/*.json.gz"))[:1]:
        try:
            trail_bucket = json.loads(gzip.decompress(digest.read_bytes())).get("digestS3Bucket")
        except (OSError, ValueError):
            trail_bucket = None

    regions = [r for r, _ in sorted(total["regions"].items(), key=lambda kv: (-kv[1], str(kv[0]))) if r]
    return Corpus(
        org_id=org_id, accounts=accounts, events=total["recipients"], users=users, roles=roles,
        buckets=bucket_owner,
        keys=[k for k, _ in sorted(total["keys"].items(), key=lambda kv: (-kv[1], kv[0]))
              if KMS_KEY_RE.match(k).group(2) in members],
        secrets=sorted(s for s in total["secrets"] if SECRET_ARN_RE.match(s).group(2) in members),
        functions=sorted(f for f in total["functions"] if LAMBDA_ARN_RE.match(f).group(2) in members),
        scp_ids=sorted(scp), rcp_ids=sorted(rcp),
        org_policy_account=policy_account.most_common(1)[0][0] if policy_account else None,
        deny_policy_names=sorted(deny_names), aws_deny_policies=sorted(aws_names),
        regions=regions,
        top_cidrs=[c for c, _ in sorted(total["ips"].items(), key=lambda kv: (-kv[1], kv[0]))[:4]],
        external_accounts=sorted(a for a in total["external"] if a not in members),
        files=len(files), records=sum(total["recipients"].values()), trail_bucket=trail_bucket,
        issuer_mismatch=sum(total["issuer_mismatch"].values()),
    )


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

def rand_str(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choices(alphabet, k=n))


def uuid4(rng: random.Random) -> str:
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def iam_id(rng: random.Random, prefix: str) -> str:
    """IAM unique ids: a 4-letter prefix (AIDA, AROA, AGPA, ANPA, AIPA) and 17 characters."""
    return prefix + rand_str(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 17)


def iam_date(rng: random.Random, lo: int = 2019, hi: int = 2026) -> str:
    ts = rng.randrange(calendar.timegm((lo, 1, 1, 0, 0, 0)), calendar.timegm((hi, 9, 30, 0, 0, 0)))
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(ts))


def later_date(rng: random.Random, after: str) -> str:
    ts = calendar.timegm(time.strptime(after[:19], "%Y-%m-%dT%H:%M:%S"))
    end = calendar.timegm((2026, 10, 30, 0, 0, 0))
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(rng.randrange(ts, max(ts + 1, end))))


def svc_date(rng: random.Random) -> str:
    """Dates of KMS, Organizations, ...: `2023-01-17T12:10:21.604000+00:00`."""
    d = iam_date(rng)
    return d[:19] + ".%06d" % (rng.randrange(1000) * 1000) + "+00:00"


def policy_chars(doc: dict) -> int:
    return len(json.dumps(doc, separators=(",", ":")))


def cli_json(obj) -> str:
    """The AWS CLI's `--output json`: 4-space indent."""
    return json.dumps(obj, indent=4, ensure_ascii=False) + "\n"


def jackson(obj, level: int = 0) -> str:
    """The pretty-printing of KMS and Secrets Manager default policies (`"Key" : value`, `[ {`)."""
    pad = "  " * level
    if isinstance(obj, dict):
        if not obj:
            return "{ }"
        items = [f'{pad}  {json.dumps(k)} : {jackson(v, level + 1)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(obj, list):
        if obj and all(isinstance(v, dict) for v in obj):
            inner = ", ".join(jackson(v, level) for v in obj)
            return f"[ {inner} ]"
        return "[ " + ", ".join(jackson(v, level + 1) for v in obj) + " ]"
    return json.dumps(obj)


def load_managed_catalog(path: Path) -> dict[str, str]:
    """AWS managed policy name -> ARN, from the bundled catalog's source table."""
    arns = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line and not line.startswith("#"):
                cols = line.split("\t", 2)
                if len(cols) >= 2:
                    arns[cols[0]] = cols[1]
    return arns


# ---------------------------------------------------------------------------
# The organization's world
# ---------------------------------------------------------------------------

ACCOUNT_PROFILES = [
    # (label, environment, OU)
    ("payments-prod", "prod", "Prod"),
    ("platform-prod", "prod", "Prod"),
    ("payments-staging", "staging", "NonProd"),
    ("sandbox-shared", "sandbox", "Sandbox"),
    ("data-prod", "prod", "Prod"),
    ("platform-dev", "dev", "NonProd"),
]
TEAMS = ["payments", "platform", "data", "ml", "web", "mobile", "security", "sre"]
APPS = ["orders", "billing", "payments", "inventory", "search", "notifications", "auth", "catalog",
        "reporting", "checkout", "ledger", "shipping", "recommendations", "fraud", "pricing",
        "gateway", "accounts", "invoicing", "media", "events"]
COMPONENTS = ["api", "worker", "lambda", "etl", "task", "scheduler", "consumer", "ingest"]
COST_CENTERS = ["cc-1001", "cc-1002", "cc-2040", "cc-3100", "cc-4200"]
FILLER_USERS = [
    ("/service-accounts/", "jenkins-legacy"), ("/service-accounts/", "terraform-bootstrap"),
    ("/service-accounts/", "datadog-integration"), ("/service-accounts/", "backup-exporter"),
    ("/service-accounts/", "snowflake-loader"), ("/service-accounts/", "pagerduty-sync"),
    ("/service-accounts/", "splunk-forwarder"), ("/service-accounts/", "ses-smtp-user"),
    ("/people/", "m.rossi"), ("/people/", "j.okafor"), ("/people/", "a.novak"), ("/people/", "l.garcia"),
    ("/people/", "s.tanaka"), ("/people/", "r.haddad"), ("/people/", "e.lindqvist"),
    ("/partners/", "partner-acme-logistics"), ("/partners/", "partner-northwind"),
    ("/service-accounts/", "github-mirror"), ("/service-accounts/", "grafana-cloudwatch"),
    ("/service-accounts/", "okta-scim"),
]
DEFAULT_DENY_POLICIES = ["DenyOutsideApprovedRegions", "DenyDeleteProtection", "QuarantinePolicy",
                         "DenyWithoutMFA", "BoundaryDevelopers"]


@dataclass
class Account:
    id: str
    index: int
    label: str
    env: str
    ou: str
    home: str
    regions: list[str]
    rng: random.Random
    org_id: str
    mgmt: str
    peers: list[str]                                     # other member accounts
    buckets: list[str] = field(default_factory=list)    # buckets this account owns
    keys: dict[str, str] = field(default_factory=dict)  # purpose -> key ARN
    sso_suffix: str = ""


def cond(rng: random.Random, c: Account, kinds: list[str]) -> dict:
    """A Condition block made of one or more of the usual clauses."""
    out: dict[str, dict] = {}

    def put(op, key, value):
        out.setdefault(op, {})[key] = value

    for k in kinds:
        if k == "region":
            put("StringEquals", "aws:RequestedRegion", sorted(set([c.home] + rng.sample(c.regions, min(2, len(c.regions))))))
        elif k == "ip":
            put("IpAddress", "aws:SourceIp", list(CORPORATE_CIDRS))
        elif k == "mfa":
            put("Bool", "aws:MultiFactorAuthPresent", "true")
        elif k == "tls":
            put("Bool", "aws:SecureTransport", "true")
        elif k == "teamtag":
            put("StringEquals", "aws:ResourceTag/team", "${aws:PrincipalTag/team}")
        elif k == "reqtag":
            put("StringEquals", "aws:RequestTag/cost-center", rng.sample(COST_CENTERS, 2))
            put("ForAllValues:StringEquals", "aws:TagKeys", ["team", "cost-center", "env", "app"])
        elif k == "org":
            put("StringEquals", "aws:PrincipalOrgID", c.org_id)
        elif k == "date":
            put("DateLessThan", "aws:CurrentTime", f"{rng.choice([2027, 2028])}-{rng.randrange(1, 13):02d}-01T00:00:00Z")
        elif k == "env":
            put("StringEquals", "aws:ResourceTag/env", c.env)
        elif k == "mfa-age":
            put("NumericLessThan", "aws:MultiFactorAuthAge", str(rng.choice([3600, 14400, 43200])))
    return out


class PolicyFactory:
    """Statements as written by platform teams: themed by application and service."""

    def __init__(self, c: Account, rng: random.Random):
        self.c = c
        self.rng = rng

    def arn(self, service: str, resource: str, region: str | None = None) -> str:
        region = self.c.home if region is None else region
        return f"arn:aws:{service}:{region}:{self.c.id}:{resource}"

    def maybe(self, stmt: dict, kinds: list[str], p: float = 0.5) -> dict:
        if self.rng.random() < p:
            chosen = self.rng.sample(kinds, self.rng.randint(1, min(2, len(kinds))))
            stmt["Condition"] = cond(self.rng, self.c, chosen)
        return stmt

    # Each builder returns one statement for `app`.
    def s3_read(self, app):
        b = self.rng.choice(self.c.buckets)
        return self.maybe({"Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectTagging"],
                           "Resource": [f"arn:aws:s3:::{b}/{app}/*", f"arn:aws:s3:::{b}/shared/*"]}, ["tls", "ip", "org"])

    def s3_list(self, app):
        b = self.rng.choice(self.c.buckets)
        return {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": f"arn:aws:s3:::{b}",
                "Condition": {"StringLike": {"s3:prefix": [f"{app}/*", "shared/*", "home/${aws:username}/*"]}}}

    def s3_write(self, app):
        b = self.rng.choice(self.c.buckets)
        return {"Effect": "Allow", "Action": ["s3:PutObject", "s3:PutObjectTagging", "s3:AbortMultipartUpload"],
                "Resource": f"arn:aws:s3:::{b}/{app}/*",
                "Condition": {"StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}}

    def ec2_describe(self, app):
        return self.maybe({"Effect": "Allow", "Action": ["ec2:DescribeInstances", "ec2:DescribeInstanceStatus",
                                                          "ec2:DescribeVolumes", "ec2:DescribeTags",
                                                          "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets",
                                                          "ec2:DescribeVpcs", "ec2:DescribeAddresses"],
                           "Resource": "*"}, ["region", "ip"], 0.6)

    def ec2_start_stop(self, app):
        return {"Effect": "Allow", "Action": ["ec2:StartInstances", "ec2:StopInstances", "ec2:RebootInstances"],
                "Resource": self.arn("ec2", "instance/*", "*"),
                "Condition": {"StringEquals": {"aws:ResourceTag/app": app, "aws:RequestedRegion": self.c.regions[:2]}}}

    def ec2_run(self, app):
        return {"Effect": "Allow", "Action": "ec2:RunInstances",
                "Resource": [self.arn("ec2", "instance/*", "*"), self.arn("ec2", "volume/*", "*"),
                             self.arn("ec2", "network-interface/*", "*")],
                "Condition": {"StringLikeIfExists": {"ec2:InstanceType": ["t3.*", "m6i.*", "c6i.large"]},
                              "StringEquals": {"aws:RequestTag/app": app}}}

    def ec2_run_shared(self, app):
        return {"Effect": "Allow", "Action": "ec2:RunInstances",
                "Resource": ["arn:aws:ec2:*::image/ami-*", self.arn("ec2", "subnet/*", "*"),
                             self.arn("ec2", "security-group/*", "*"), self.arn("ec2", "key-pair/*", "*")]}

    def ec2_tags(self, app):
        return {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": self.arn("ec2", "*/*", "*"),
                "Condition": {"StringEquals": {"ec2:CreateAction": ["RunInstances", "CreateVolume"]}}}

    def ssm_params(self, app):
        return self.maybe({"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"],
                           "Resource": [self.arn("ssm", f"parameter/{app}/*", r) for r in self.c.regions[:2]]},
                          ["region", "tls"], 0.4)

    def ssm_describe(self, app):
        return {"Effect": "Allow", "Action": ["ssm:DescribeInstanceInformation", "ssm:DescribeParameters",
                                               "ssm:GetCommandInvocation", "ssm:ListCommands"], "Resource": "*"}

    def ssm_session(self, app):
        return {"Effect": "Allow", "Action": ["ssm:StartSession", "ssm:SendCommand"],
                "Resource": [self.arn("ec2", "instance/*", "*"),
                             "arn:aws:ssm:*::document/AWS-StartInteractiveCommand",
                             "arn:aws:ssm:*::document/AWS-RunShellScript"],
                "Condition": {"StringEquals": {"ssm:resourceTag/app": app},
                              "Bool": {"aws:MultiFactorAuthPresent": "true"}}}

    def ssm_terminate(self, app):
        return {"Effect": "Allow", "Action": ["ssm:TerminateSession", "ssm:ResumeSession"],
                "Resource": self.arn("ssm", "session/${aws:username}-*", "*")}

    def secrets_read(self, app):
        return self.maybe({"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                           "Resource": [self.arn("secretsmanager", f"secret:{app}/*", r) for r in self.c.regions[:2]]},
                          ["region", "ip"], 0.4)

    def secrets_tagged(self, app):
        return {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"],
                "Resource": "*", "Condition": {"StringEquals": {"secretsmanager:ResourceTag/app": app}}}

    def secrets_list(self, app):
        return {"Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"}

    def kms_use(self, app):
        key = self.c.keys[self.rng.choice(sorted(self.c.keys))]
        region = key.split(":")[3]
        return {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                "Resource": key,
                "Condition": {"StringEquals": {"kms:ViaService": [f"s3.{region}.amazonaws.com",
                                                                    f"secretsmanager.{region}.amazonaws.com"]}}}

    def logs_write(self, app):
        return {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [self.arn("logs", f"log-group:/aws/lambda/{app}-*", "*"),
                             self.arn("logs", f"log-group:/ecs/{app}*:*", "*")]}

    def dynamodb_rw(self, app):
        return self.maybe({"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                                                          "dynamodb:Query", "dynamodb:BatchGetItem"],
                           "Resource": [self.arn("dynamodb", f"table/{app}-*"),
                                        self.arn("dynamodb", f"table/{app}-*/index/*")]}, ["region", "tls"], 0.3)

    def dynamodb_leading(self, app):
        return {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"],
                "Resource": self.arn("dynamodb", f"table/{app}-sessions"),
                "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:userid}"]}}}

    def sqs_rw(self, app):
        return {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage",
                                               "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"],
                "Resource": [self.arn("sqs", f"{app}-*", r) for r in self.c.regions[:2]]}

    def sns_publish(self, app):
        return self.maybe({"Effect": "Allow", "Action": "sns:Publish",
                           "Resource": self.arn("sns", f"{app}-events")}, ["tls"], 0.5)

    def lambda_invoke(self, app):
        return {"Effect": "Allow", "Action": ["lambda:InvokeFunction", "lambda:GetFunction"],
                "Resource": [self.arn("lambda", f"function:{app}-*", "*")]}

    def lambda_deploy(self, app):
        return self.maybe({"Effect": "Allow", "Action": ["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
                                                          "lambda:PublishVersion", "lambda:UpdateAlias"],
                           "Resource": self.arn("lambda", f"function:{app}-*", "*")}, ["ip", "region"], 0.6)

    def cloudwatch_metrics(self, app):
        return {"Effect": "Allow", "Action": "cloudwatch:PutMetricData", "Resource": "*",
                "Condition": {"StringEquals": {"cloudwatch:namespace": [f"Acme/{app.title()}", "CWAgent"]}}}

    def cloudwatch_read(self, app):
        return {"Effect": "Allow", "Action": ["cloudwatch:DescribeAlarms", "cloudwatch:GetMetricData",
                                               "cloudwatch:ListMetrics", "logs:FilterLogEvents", "logs:GetLogEvents"],
                "Resource": "*"}

    def xray(self, app):
        return {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": "*"}

    def sts_assume(self, app):
        return {"Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Resource": [f"arn:aws:iam::{self.c.id}:role/{app}-*"] +
                            [f"arn:aws:iam::{p}:role/{app}-cross-account-*" for p in self.c.peers[:1]],
                "Condition": {"StringEquals": {"aws:ResourceOrgID": self.c.org_id}}}

    def passrole(self, app):
        return {"Effect": "Allow", "Action": "iam:PassRole",
                "Resource": f"arn:aws:iam::{self.c.id}:role/{app}-*",
                "Condition": {"StringEquals": {"iam:PassedToService": self.rng.choice(
                    ["lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "ec2.amazonaws.com", "states.amazonaws.com"])}}}

    def iam_read(self, app):
        return {"Effect": "Allow", "Action": ["iam:GetRole", "iam:GetRolePolicy", "iam:ListRoles",
                                               "iam:ListAttachedRolePolicies", "iam:GetPolicy", "iam:GetPolicyVersion"],
                "Resource": "*"}

    def bedrock_invoke(self, app):
        return {"Effect": "Allow", "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                "Resource": [f"arn:aws:bedrock:{r}::foundation-model/anthropic.*" for r in self.c.regions[:2]] +
                            [f"arn:aws:bedrock:{r}::foundation-model/amazon.titan-embed-*" for r in self.c.regions[:1]],
                "Condition": {"StringEquals": {"aws:RequestedRegion": self.c.regions[:2]}}}

    def bedrock_models(self, app):
        return {"Effect": "Allow", "Action": ["bedrock:ListFoundationModels", "bedrock:GetFoundationModel",
                                               "bedrock:GetFoundationModelAvailability"], "Resource": "*"}

    def ecr_pull(self, app):
        return {"Effect": "Allow", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
                                               "ecr:BatchCheckLayerAvailability"],
                "Resource": self.arn("ecr", f"repository/{app}*")}

    def ecr_token(self, app):
        return {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}

    def athena(self, app):
        return {"Effect": "Allow", "Action": ["athena:StartQueryExecution", "athena:GetQueryExecution",
                                               "athena:GetQueryResults"],
                "Resource": self.arn("athena", f"workgroup/{app}")}

    def glue_read(self, app):
        return {"Effect": "Allow", "Action": ["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartitions"],
                "Resource": [self.arn("glue", "catalog"), self.arn("glue", f"database/{app}_*"),
                             self.arn("glue", f"table/{app}_*/*")]}

    def states(self, app):
        return {"Effect": "Allow", "Action": ["states:StartExecution", "states:DescribeExecution"],
                "Resource": [self.arn("states", f"stateMachine:{app}-*"), self.arn("states", f"execution:{app}-*:*")]}

    def events_put(self, app):
        return {"Effect": "Allow", "Action": "events:PutEvents", "Resource": self.arn("events", f"event-bus/{app}"),
                "Condition": {"StringEquals": {"events:source": [f"com.acme.{app}"]}}}

    def ecs_run(self, app):
        return {"Effect": "Allow", "Action": ["ecs:RunTask", "ecs:DescribeTasks", "ecs:StopTask"],
                "Resource": "*",
                "Condition": {"ArnEquals": {"ecs:cluster": self.arn("ecs", f"cluster/{app}")}}}

    def rds_connect(self, app):
        return {"Effect": "Allow", "Action": "rds-db:connect",
                "Resource": self.arn("rds-db", f"dbuser:db-{rand_str(self.rng, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 26)}/{app}_app")}

    def rds_describe(self, app):
        return {"Effect": "Allow", "Action": ["rds:DescribeDBInstances", "rds:DescribeDBClusters",
                                               "rds:DescribeDBSnapshots"], "Resource": "*"}

    def elb_describe(self, app):
        return {"Effect": "Allow", "Action": ["elasticloadbalancing:DescribeLoadBalancers",
                                               "elasticloadbalancing:DescribeTargetGroups",
                                               "elasticloadbalancing:DescribeTargetHealth"], "Resource": "*"}

    def instance_connect(self, app):
        return {"Effect": "Allow", "Action": ["ec2-instance-connect:SendSSHPublicKey"],
                "Resource": self.arn("ec2", "instance/*", "*"),
                "Condition": {"StringEquals": {"aws:ResourceTag/app": app, "ec2:osuser": "ec2-user"},
                              "IpAddress": {"aws:SourceIp": list(CORPORATE_CIDRS)}}}

    def compute_optimizer(self, app):
        return {"Effect": "Allow", "Action": ["compute-optimizer:GetEnrollmentStatus",
                                               "compute-optimizer:GetEC2InstanceRecommendations"], "Resource": "*"}

    def cloudtrail_read(self, app):
        return {"Effect": "Allow", "Action": ["cloudtrail:LookupEvents", "cloudtrail:GetTrailStatus",
                                               "cloudtrail:DescribeTrails"], "Resource": "*"}

    # Deny statements (a policy holds one or two of them)
    def deny_delete_bucket(self, app):
        return {"Effect": "Deny", "Action": ["s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:PutBucketPolicy"],
                "Resource": [f"arn:aws:s3:::{b}" for b in self.c.buckets[:3]]}

    def deny_unencrypted(self, app):
        b = self.rng.choice(self.c.buckets)
        return {"Effect": "Deny", "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{b}/*",
                "Condition": {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}}}

    def deny_prod_terminate(self, app):
        return {"Effect": "Deny", "Action": ["ec2:TerminateInstances", "ec2:DeleteVolume", "ec2:DeleteSnapshot"],
                "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/env": "prod"}}}

    def deny_secret_delete(self, app):
        return {"Effect": "Deny", "Action": ["secretsmanager:DeleteSecret", "secretsmanager:PutResourcePolicy"],
                "Resource": "*"}

    def deny_outside_ip(self, app):
        return {"Effect": "Deny", "Action": ["secretsmanager:GetSecretValue", "ssm:GetParameter*"], "Resource": "*",
                "Condition": {"NotIpAddress": {"aws:SourceIp": list(CORPORATE_CIDRS)},
                              "Bool": {"aws:ViaAWSService": "false"}}}

    def deny_key_deletion(self, app):
        return {"Effect": "Deny", "Action": ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"],
                "Resource": "*"}

    def deny_flow_logs(self, app):
        return {"Effect": "Deny", "Action": ["ec2:DeleteFlowLogs", "logs:DeleteLogGroup",
                                              "route53resolver:DeleteResolverQueryLogConfig"], "Resource": "*"}

    ALLOW_THEMES = {
        "app": ["s3_read", "s3_list", "s3_write", "ssm_params", "secrets_read", "secrets_tagged", "kms_use",
                "logs_write", "dynamodb_rw", "dynamodb_leading", "sqs_rw", "sns_publish", "lambda_invoke",
                "cloudwatch_metrics", "xray", "sts_assume", "events_put", "states", "rds_connect", "ecr_pull",
                "ecr_token", "bedrock_invoke"],
        "ops": ["ec2_describe", "ec2_start_stop", "ec2_run", "ec2_run_shared", "ec2_tags", "ssm_describe",
                "ssm_session", "ssm_terminate", "cloudwatch_read", "elb_describe", "rds_describe",
                "instance_connect", "compute_optimizer", "cloudtrail_read", "secrets_list", "iam_read",
                "logs_write", "s3_list", "s3_read", "kms_use"],
        "deploy": ["lambda_deploy", "passrole", "ecr_pull", "ecr_token", "s3_write", "s3_read", "s3_list",
                   "iam_read", "ecs_run", "states", "ssm_params", "cloudwatch_read", "logs_write", "kms_use",
                   "ec2_describe", "elb_describe"],
        "data": ["s3_read", "s3_list", "s3_write", "athena", "glue_read", "kms_use", "logs_write", "states",
                 "dynamodb_rw", "secrets_read", "sqs_rw", "bedrock_invoke", "bedrock_models", "cloudwatch_metrics"],
    }
    DENY_BUILDERS = ["deny_delete_bucket", "deny_unencrypted", "deny_prod_terminate", "deny_secret_delete",
                     "deny_outside_ip", "deny_key_deletion", "deny_flow_logs"]

    def document(self, theme: str, app: str, n: int, deny_p: float = 0.5, limit: int = MANAGED_POLICY_MAX,
                 sid_prefix: str = "") -> dict:
        builders = list(self.ALLOW_THEMES[theme])
        self.rng.shuffle(builders)
        extra = [b for k, v in self.ALLOW_THEMES.items() if k != theme for b in v if b not in builders]
        self.rng.shuffle(extra)
        builders += extra
        denies = self.rng.sample(self.DENY_BUILDERS, self.rng.randint(1, 2)) if self.rng.random() < deny_p else []
        n_allow = max(1, n - len(denies))  # n statements in all
        statements = []
        seen_sids = set()
        for b in builders:
            if len(statements) >= n_allow:
                break
            stmt = getattr(self, b)(app)
            sid = sid_prefix + "".join(w.title() for w in b.split("_"))
            if sid in seen_sids:
                continue
            seen_sids.add(sid)
            statements.append({"Sid": sid, **stmt})
        for b in denies:
            sid = "Deny" + "".join(w.title() for w in b.split("_")[1:])
            statements.append({"Sid": sid, **getattr(self, b)(app)})
        doc = {"Version": "2012-10-17", "Statement": statements}
        while policy_chars(doc) > limit and len(statements) > 1:
            # Keep the Deny statements: drop the last Allow.
            allow_idx = max(i for i, s in enumerate(statements) if s["Effect"] == "Allow") \
                if any(s["Effect"] == "Allow" for s in statements) else len(statements) - 1
            statements.pop(allow_idx)
        return doc


# ---------------------------------------------------------------------------
# Fixed policies: guardrails, boundaries, group policies
# ---------------------------------------------------------------------------

def named_policy(c: Account, name: str) -> dict:
    """The customer managed policies that the corpus's denial messages name, and the like."""
    acct = c.id
    if name == "DenyOutsideApprovedRegions":
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "DenyOutsideApprovedRegions", "Effect": "Deny", "NotAction": GLOBAL_NOT_ACTIONS[:24],
             "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": sorted(set([c.home, "eu-west-1"]))}}},
        ]}
    if name == "DenyDeleteProtection":
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "DenyDeletingProtectedResources", "Effect": "Deny",
             "Action": ["ec2:TerminateInstances", "ec2:DeleteVolume", "ec2:DeleteSnapshot", "rds:DeleteDBInstance",
                        "rds:DeleteDBCluster", "dynamodb:DeleteTable", "s3:DeleteBucket", "kms:ScheduleKeyDeletion",
                        "secretsmanager:DeleteSecret", "cloudtrail:DeleteTrail", "logs:DeleteLogGroup"],
             "Resource": "*",
             "Condition": {"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/role": "platform-admin"}}},
            {"Sid": "DenyDisablingTerminationProtection", "Effect": "Deny", "Action": "ec2:ModifyInstanceAttribute",
             "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/env": "prod"}}},
        ]}
    if name == "QuarantinePolicy":
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "QuarantineCompromisedCredentials", "Effect": "Deny",
             "Action": ["iam:*", "sts:AssumeRole", "sts:GetFederationToken", "ec2:RunInstances", "ec2:CreateKeyPair",
                        "ec2:AuthorizeSecurityGroupIngress", "lambda:*", "organizations:*", "secretsmanager:GetSecretValue",
                        "s3:GetObject", "s3:PutBucketPolicy", "ssm:SendCommand", "ssm:StartSession"],
             "Resource": "*"},
            {"Sid": "QuarantineNewSessions", "Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2026-11-03T00:00:00Z"}}},
        ]}
    if name == "DenyWithoutMFA":
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "DenySensitiveActionsWithoutMFA", "Effect": "Deny",
             "Action": ["iam:CreateUser", "iam:DeleteUser", "iam:CreateAccessKey", "iam:CreateLoginProfile",
                        "iam:UpdateLoginProfile", "iam:AttachUserPolicy", "iam:AttachRolePolicy", "iam:PutUserPolicy",
                        "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:AddUserToGroup", "iam:CreateRole",
                        "ec2:TerminateInstances", "kms:ScheduleKeyDeletion", "organizations:*", "cloudtrail:StopLogging",
                        "cloudtrail:DeleteTrail"],
             "Resource": "*",
             "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
        ]}
    if name == "BoundaryDevelopers":
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "AllowEverythingButIdentityAndOrg", "Effect": "Allow",
             "NotAction": ["iam:*", "organizations:*", "account:*", "sso:*", "rolesanywhere:*"], "Resource": "*"},
            {"Sid": "AllowSelfServiceIam", "Effect": "Allow",
             "Action": ["iam:Get*", "iam:List*", "iam:PassRole", "iam:ChangePassword",
                        "iam:CreateServiceLinkedRole"], "Resource": "*"},
            {"Sid": "AllowRolesUnderAppPath", "Effect": "Allow",
             "Action": ["iam:CreateRole", "iam:AttachRolePolicy", "iam:PutRolePolicy", "iam:DeleteRole",
                        "iam:DetachRolePolicy", "iam:DeleteRolePolicy", "iam:TagRole"],
             "Resource": f"arn:aws:iam::{acct}:role/app/*",
             "Condition": {"StringEquals": {"iam:PermissionsBoundary": f"arn:aws:iam::{acct}:policy/BoundaryDevelopers"}}},
            {"Sid": "DenyBoundaryTampering", "Effect": "Deny",
             "Action": ["iam:DeletePolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
                        "iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"],
             "Resource": f"arn:aws:iam::{acct}:policy/BoundaryDevelopers"},
            {"Sid": "DenyLeavingApprovedRegions", "Effect": "Deny", "NotAction": GLOBAL_NOT_ACTIONS[:24],
             "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": sorted(c.regions)}}},
        ]}
    if name == "BoundaryWorkloads":
        return {"Version": "2012-10-17", "Statement": [
            {"Sid": "AllowWorkloadServices", "Effect": "Allow",
             "Action": ["s3:*", "dynamodb:*", "sqs:*", "sns:*", "kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey",
                        "secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "ssm:GetParameter*",
                        "logs:*", "cloudwatch:PutMetricData", "xray:*", "lambda:InvokeFunction", "states:*",
                        "events:PutEvents", "ecr:*", "bedrock:Invoke*", "bedrock:Get*", "bedrock:List*",
                        "sts:AssumeRole", "ec2:Describe*"],
             "Resource": "*"},
            {"Sid": "DenyOutsideOrgData", "Effect": "Deny", "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "*",
             "Condition": {"StringNotEqualsIfExists": {"aws:ResourceOrgID": c.org_id}}},
        ]}
    raise KeyError(name)


# Groups: (name, AWS managed policy names, customer managed themes (theme, app label), inline?)
GROUPS = [
    ("Administrators", ["AdministratorAccess"], [], False),
    ("Developers", ["PowerUserAccess"], [("deploy", "developers")], True),
    ("ReadOnly", ["ReadOnlyAccess"], [], False),
    ("SecurityAuditors", ["SecurityAudit", "AWSCloudTrail_ReadOnlyAccess", "AWSSecurityHubReadOnlyAccess"], [], True),
    ("DataEngineers", ["AmazonS3FullAccess", "AmazonAthenaFullAccess", "AWSGlueConsoleFullAccess", "AmazonEC2ReadOnlyAccess",
                       "AmazonSSMReadOnlyAccess"], [("data", "data-platform")], False),
    ("Operations", ["AmazonEC2FullAccess", "AmazonSSMFullAccess", "CloudWatchFullAccessV2", "SecretsManagerReadWrite"],
     [("ops", "runbooks")], True),
    ("NetworkAdmins", ["NetworkAdministrator", "ReadOnlyAccess"], [], False),
    ("Billing", ["Billing", "AWSBillingReadOnlyAccess", "ReadOnlyAccess"], [], False),
    ("MLEngineers", ["AmazonBedrockFullAccess", "AmazonSageMakerFullAccess", "AmazonEC2ReadOnlyAccess",
                     "AmazonSSMReadOnlyAccess"], [("data", "ml-platform")], False),
    ("Contractors", ["ReadOnlyAccess"], [("ops", "contractors")], True),
    ("ServiceAccounts", ["AmazonEC2ReadOnlyAccess", "AmazonSSMReadOnlyAccess", "SecretsManagerReadWrite"],
     [("app", "service-baseline")], False),
    ("AllHumans", ["IAMUserChangePassword"], [], True),
]
HUMAN_GROUP_WEIGHTS = [("Developers", 36), ("Operations", 14), ("DataEngineers", 12), ("ReadOnly", 9),
                       ("Administrators", 8), ("SecurityAuditors", 6), ("MLEngineers", 6), ("Contractors", 3),
                       ("NetworkAdmins", 2), ("Billing", 2)]


def self_service_policy(acct: str) -> dict:
    """The IAM User Guide's "manage your own credentials" policy, without its MFA lock-out."""
    me = f"arn:aws:iam::{acct}:user/${{aws:username}}"
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowViewAccountInfo", "Effect": "Allow",
         "Action": ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"], "Resource": "*"},
        {"Sid": "AllowManageOwnPasswords", "Effect": "Allow",
         "Action": ["iam:ChangePassword", "iam:GetUser", "iam:GetLoginProfile"], "Resource": me},
        {"Sid": "AllowManageOwnAccessKeys", "Effect": "Allow",
         "Action": ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey",
                    "iam:GetAccessKeyLastUsed"], "Resource": me,
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
        {"Sid": "AllowManageOwnVirtualMFADevice", "Effect": "Allow",
         "Action": ["iam:CreateVirtualMFADevice"], "Resource": f"arn:aws:iam::{acct}:mfa/*"},
        {"Sid": "AllowManageOwnUserMFA", "Effect": "Allow",
         "Action": ["iam:DeactivateMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"],
         "Resource": me},
    ]}


def assume_roles_policy(c: "Account") -> dict:
    """Engineers and tools may assume the roles of their account; trust policies decide."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "AssumeRolesOfThisAccount", "Effect": "Allow", "Action": ["sts:AssumeRole", "sts:TagSession"],
         "Resource": f"arn:aws:iam::{c.id}:role/*"},
        {"Sid": "AssumeAccessRoleInPeerAccountsWithMFA", "Effect": "Allow", "Action": "sts:AssumeRole",
         "Resource": [f"arn:aws:iam::{p}:role/OrganizationAccountAccessRole" for p in c.peers] or "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}, "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}},
        {"Sid": "GetCallerIdentityAndFederation", "Effect": "Allow",
         "Action": ["sts:GetCallerIdentity", "sts:GetSessionToken", "sts:GetFederationToken"], "Resource": "*"},
        {"Sid": "DenyAssumingBreakGlass", "Effect": "Deny", "Action": "sts:AssumeRole",
         "Resource": f"arn:aws:iam::{c.id}:role/break-glass-*"},
    ]}


def contractor_inline() -> dict:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyOutsideCorporateNetwork", "Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"NotIpAddress": {"aws:SourceIp": list(CORPORATE_CIDRS)},
                       "Bool": {"aws:ViaAWSService": "false"}}},
        {"Sid": "DenyAfterContractEnd", "Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2027-06-30T23:59:59Z"}}},
    ]}


# ---------------------------------------------------------------------------
# Roles
# ---------------------------------------------------------------------------

def trust(c: Account, kind: str, rng: random.Random, extra: str | None = None) -> dict:
    acct = c.id
    if kind.startswith("service:"):
        services = kind.split(":", 1)[1].split(",")
        stmt = {"Effect": "Allow", "Principal": {"Service": services if len(services) > 1 else services[0]},
                "Action": "sts:AssumeRole"}
        if rng.random() < 0.4 and not kind.endswith("ec2.amazonaws.com"):
            stmt["Condition"] = {"StringEquals": {"aws:SourceAccount": acct}}
        return {"Version": "2012-10-17", "Statement": [stmt]}
    if kind == "slr":
        return {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": extra}, "Action": "sts:AssumeRole"}]}
    if kind == "mgmt":
        return {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{c.mgmt}:root"}, "Action": "sts:AssumeRole"}]}
    if kind == "account":
        return {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"}, "Action": "sts:AssumeRole"}]}
    if kind == "account-mfa":
        return {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"}, "Action": "sts:AssumeRole",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}
    if kind == "security":
        return {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": [f"arn:aws:iam::{c.mgmt}:root", f"arn:aws:iam::{acct}:root"]},
             "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
             "Condition": {"StringEquals": {"aws:PrincipalOrgID": c.org_id}}}]}
    if kind == "sso":
        return {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow",
             "Principal": {"Federated": f"arn:aws:iam::{acct}:saml-provider/AWSSSO_{c.sso_suffix}_DO_NOT_DELETE"},
             "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
             "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}]}
    if kind == "github":
        return {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow",
             "Principal": {"Federated": f"arn:aws:iam::{acct}:oidc-provider/token.actions.githubusercontent.com"},
             "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                           "StringLike": {"token.actions.githubusercontent.com:sub": [
                               f"repo:acme-corp/{extra or 'infrastructure'}:ref:refs/heads/main",
                               f"repo:acme-corp/{extra or 'infrastructure'}:environment:{c.env}"]}}}]}
    if kind == "eks":
        oidc = f"oidc.eks.{c.home}.amazonaws.com/id/{rand_str(rng, HEX.upper(), 32)}"
        return {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{acct}:oidc-provider/{oidc}"},
             "Action": "sts:AssumeRoleWithWebIdentity",
             "Condition": {"StringEquals": {f"{oidc}:sub": f"system:serviceaccount:{extra}:{extra}",
                                            f"{oidc}:aud": "sts.amazonaws.com"}}}]}
    if kind == "terraform":
        return {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{c.mgmt}:role/terraform-runner"},
             "Action": ["sts:AssumeRole", "sts:TagSession"],
             "Condition": {"StringEquals": {"sts:ExternalId": f"tf-{acct}"}}},
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"}, "Action": "sts:AssumeRole",
             "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}]}
    if kind == "stackset":
        return {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{c.mgmt}:role/aws-service-role/stacksets.cloudformation.amazonaws.com/AWSServiceRoleForCloudFormationStackSetsOrgAdmin"},
             "Action": "sts:AssumeRole"}]}
    raise KeyError(kind)


# The corpus's role pool (gen_corpus.ROLE_NAMES and the SSO permission sets), as a platform
# team sets them up: trust, AWS managed policies, customer managed policy themes, boundary.
POOL_ROLE_SPECS = {
    "OrganizationAccountAccessRole": ("mgmt", ["AdministratorAccess"], [], None),
    "GitHubActionsDeploy": ("github", ["ReadOnlyAccess"], [("deploy", "github-deploy")], None),
    "TerraformApply": ("terraform", ["AdministratorAccess"], [], None),
    "eks-node-group-role": ("service:ec2.amazonaws.com", ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly",
                                                          "AmazonEKS_CNI_Policy", "AmazonSSMManagedInstanceCore"], [], None),
    "app-backend-role": ("eks", ["AmazonS3ReadOnlyAccess", "AmazonBedrockReadOnly", "AmazonEC2ReadOnlyAccess"],
                         [("app", "backend")], "BoundaryWorkloads"),
    "data-pipeline-role": ("service:glue.amazonaws.com,states.amazonaws.com", ["service-role/AWSGlueServiceRole",
                                                                               "AmazonBedrockReadOnly"],
                           [("data", "pipeline")], None),
    "lambda-exec-orders": ("service:lambda.amazonaws.com", ["service-role/AWSLambdaBasicExecutionRole",
                                                            "AmazonBedrockReadOnly", "AmazonS3ReadOnlyAccess"],
                           [("app", "orders")], "BoundaryWorkloads"),
    "lambda-exec-billing": ("service:lambda.amazonaws.com", ["service-role/AWSLambdaBasicExecutionRole",
                                                             "service-role/AWSLambdaVPCAccessExecutionRole",
                                                             "AmazonBedrockReadOnly"],
                            [("app", "billing")], "BoundaryWorkloads"),
    "ecs-task-web": ("service:ecs-tasks.amazonaws.com", ["AmazonEC2ReadOnlyAccess", "AmazonBedrockReadOnly",
                                                         "AmazonS3ReadOnlyAccess"], [("app", "web")], None),
    "ecs-task-worker": ("service:ecs-tasks.amazonaws.com", ["AmazonBedrockReadOnly", "AmazonS3ReadOnlyAccess"],
                        [("app", "worker")], None),
    "ReadOnlyAuditor": ("security", ["ReadOnlyAccess", "SecurityAudit", "AmazonBedrockReadOnly"], [], None),
    "SecurityHubReader": ("security", ["AWSSecurityHubReadOnlyAccess", "SecurityAudit"], [], None),
    "BackupOperator": ("service:backup.amazonaws.com", ["service-role/AWSBackupServiceRolePolicyForBackup",
                                                        "service-role/AWSBackupServiceRolePolicyForRestores",
                                                        "AmazonEC2ReadOnlyAccess"], [], None),
    "ci-artifacts-writer": ("github", ["AmazonEC2ContainerRegistryPowerUser"], [("deploy", "artifacts")], None),
    "glue-crawler-role": ("service:glue.amazonaws.com", ["service-role/AWSGlueServiceRole"], [("data", "crawler")], None),
    "sagemaker-execution": ("service:sagemaker.amazonaws.com", ["AmazonSageMakerFullAccess", "AmazonBedrockFullAccess"],
                            [("data", "sagemaker")], None),
    "bastion-instance-role": ("service:ec2.amazonaws.com", ["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy",
                                                            "AmazonEC2ReadOnlyAccess", "AmazonS3ReadOnlyAccess"], [], None),
    "cost-explorer-reader": ("mgmt", ["AWSBillingReadOnlyAccess", "ComputeOptimizerReadOnlyAccess", "ViewOnlyAccess"],
                             [], None),
    "incident-responder": ("account-mfa", ["SecurityAudit", "ReadOnlyAccess"], [("ops", "incident-response")], None),
    "batch-job-role": ("service:ecs-tasks.amazonaws.com,batch.amazonaws.com", ["AmazonBedrockReadOnly",
                                                                                "AmazonEC2ReadOnlyAccess"],
                       [("data", "batch")], None),
}
SSO_SETS = {
    "AdministratorAccess": ["AdministratorAccess"],
    "PowerUserAccess": ["PowerUserAccess"],
    "ReadOnlyAccess": ["ReadOnlyAccess"],
    "Developers": ["PowerUserAccess", "IAMReadOnlyAccess"],
    "DataScientists": ["job-function/DataScientist", "AmazonBedrockFullAccess", "AmazonSageMakerFullAccess",
                       "AmazonEC2ReadOnlyAccess", "AmazonSSMReadOnlyAccess"],
    "Billing": ["job-function/Billing"],
    "SecurityAudit": ["SecurityAudit", "AWSCloudTrail_ReadOnlyAccess"],
    "NetworkAdministrator": ["job-function/NetworkAdministrator"],
    "SupportUser": ["AWSSupportAccess", "ViewOnlyAccess"],
}
SERVICE_LINKED = [
    ("AWSServiceRoleForSupport", "support.amazonaws.com", "AWSSupportServiceRolePolicy"),
    ("AWSServiceRoleForTrustedAdvisor", "trustedadvisor.amazonaws.com", "AWSTrustedAdvisorServiceRolePolicy"),
    ("AWSServiceRoleForOrganizations", "organizations.amazonaws.com", "AWSOrganizationsServiceTrustPolicy"),
    ("AWSServiceRoleForSSO", "sso.amazonaws.com", "AWSSSOServiceRolePolicy"),
    ("AWSServiceRoleForAmazonGuardDuty", "guardduty.amazonaws.com", "AmazonGuardDutyServiceRolePolicy"),
    ("AWSServiceRoleForConfig", "config.amazonaws.com", "AWSConfigServiceRolePolicy"),
    ("AWSServiceRoleForSecurityHub", "securityhub.amazonaws.com", "AWSSecurityHubServiceRolePolicy"),
    ("AWSServiceRoleForAccessAnalyzer", "access-analyzer.amazonaws.com", "AccessAnalyzerServiceRolePolicy"),
    ("AWSServiceRoleForAutoScaling", "autoscaling.amazonaws.com", "AutoScalingServiceRolePolicy"),
    ("AWSServiceRoleForElasticLoadBalancing", "elasticloadbalancing.amazonaws.com", "AWSElasticLoadBalancingServiceRolePolicy"),
    ("AWSServiceRoleForRDS", "rds.amazonaws.com", "AmazonRDSServiceRolePolicy"),
    ("AWSServiceRoleForComputeOptimizer", "compute-optimizer.amazonaws.com", "ComputeOptimizerServiceRolePolicy"),
    ("AWSServiceRoleForCloudTrail", "cloudtrail.amazonaws.com", "CloudTrailServiceRolePolicy"),
    ("AWSServiceRoleForAmazonInspector2", "inspector2.amazonaws.com", "AmazonInspector2ServiceRolePolicy"),
    ("AWSServiceRoleForAmazonSSM", "ssm.amazonaws.com", "AmazonSSMServiceRolePolicy"),
    ("AWSServiceRoleForECS", "ecs.amazonaws.com", "AmazonECSServiceRolePolicy"),
    ("AWSServiceRoleForAmazonEKS", "eks.amazonaws.com", "AmazonEKSServiceRolePolicy"),
    ("AWSServiceRoleForAmazonEKSNodegroup", "eks-nodegroup.amazonaws.com", "AWSServiceRoleForAmazonEKSNodegroup"),
    ("AWSServiceRoleForBackup", "backup.amazonaws.com", "AWSBackupServiceLinkedRolePolicyForBackup"),
    ("AWSServiceRoleForEC2Spot", "spot.amazonaws.com", "AWSEC2SpotServiceRolePolicy"),
    ("AWSServiceRoleForResourceExplorer", "resource-explorer-2.amazonaws.com", "AWSResourceExplorerServiceRolePolicy"),
]


def corpus_role_spec(name: str) -> tuple:
    """Roles the corpus names that are not in the pool (attack simulations, sample stacks)."""
    lower = name.lower()
    if "leave-org" in lower:
        return ("account", ["ReadOnlyAccess"], [("ops", "org-test")], None)
    if "stratus" in lower:
        return ("account", ["AmazonEC2ReadOnlyAccess", "AmazonSSMReadOnlyAccess"], [("ops", "ec2-test")], None)
    if "nginx" in lower or "waf" in lower or "logcollector" in lower or lower.startswith("ec2"):
        return ("service:ec2.amazonaws.com", ["AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"],
                [("app", "web")], None)
    return ("account", ["ReadOnlyAccess"], [], None)


# ---------------------------------------------------------------------------
# Building one account's get-account-authorization-details
# ---------------------------------------------------------------------------

class IamBuilder:
    def __init__(self, c: Account, corpus_users: dict[str, str], corpus_roles: dict[str, str],
                 deny_names: list[str], aws_deny: list[str], aws_arns: dict[str, str], args,
                 warnings: list[str]):
        self.c = c
        self.rng = c.rng
        self.pf = PolicyFactory(c, c.rng)
        self.corpus_users = corpus_users
        self.corpus_roles = corpus_roles
        self.deny_names = deny_names
        self.aws_deny = aws_deny
        self.aws_arns = aws_arns
        self.args = args
        self.warnings = warnings
        self.policies: dict[str, dict] = {}       # ARN -> Policies[] entry
        self.attach_count: Counter = Counter()
        self.boundary_count: Counter = Counter()
        self.users: list[dict] = []
        self.groups: list[dict] = []
        self.roles: list[dict] = []
        self.theme_policies: dict[tuple, str] = {}

    # -- policies -----------------------------------------------------------------------

    def aws(self, name: str) -> str:
        arn = self.aws_arns.get(name.rsplit("/", 1)[-1])
        if arn is None:
            arn = f"arn:aws:iam::aws:policy/{name}"
            if self.aws_arns:
                self.warnings.append(f"AWS managed policy {name} is not in the bundled catalog")
        return arn

    def attached(self, arn: str) -> dict:
        self.attach_count[arn] += 1
        return {"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn}

    def customer_policy(self, name: str, doc: dict, path: str = "/", description: str | None = None,
                        old_versions: list[dict] | None = None) -> str:
        arn = f"arn:aws:iam::{self.c.id}:policy{path}{name}"
        if arn in self.policies:
            return arn
        rng = self.rng
        created = iam_date(rng, 2019, 2025)
        versions = []
        old_versions = old_versions or []
        first_number = rng.randint(1, 3) if old_versions else rng.choice([1, 1, 1, 2, 3])
        date = created
        numbered = []
        for i, d in enumerate(old_versions + [doc]):
            numbered.append((f"v{first_number + i}", d, date))
            date = later_date(rng, date)
        default_id = numbered[-1][0]
        for vid, d, vdate in reversed(numbered):
            versions.append({"Document": d, "VersionId": vid, "IsDefaultVersion": vid == default_id,
                             "CreateDate": vdate})
        entry = {
            "PolicyName": name, "PolicyId": iam_id(rng, "ANPA"), "Arn": arn, "Path": path,
            "DefaultVersionId": default_id, "AttachmentCount": 0, "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": True, "CreateDate": created, "UpdateDate": numbered[-1][2],
            "PolicyVersionList": versions,
        }
        if description:
            entry["Description"] = description
        self.policies[arn] = entry
        return arn

    def older_versions(self, doc: dict) -> list[dict]:
        """0-3 earlier versions of a document: fewer statements, an older condition."""
        out = []
        k = self.rng.choices([0, 1, 2, 3], weights=[55, 25, 14, 6])[0]
        stmts = doc["Statement"]
        for i in range(k, 0, -1):
            keep = max(1, len(stmts) - i * self.rng.randint(1, 3))
            out.append({"Version": "2012-10-17", "Statement": json.loads(json.dumps(stmts[:keep]))})
        return out

    def themed_policy(self, theme: str, label: str, name: str | None = None, path: str | None = None) -> str:
        key = (theme, label)
        if key in self.theme_policies:
            return self.theme_policies[key]
        n = self.rng.randint(10, 20)
        doc = self.pf.document(theme, label.split("-")[0] if label.split("-")[0] in APPS else label, n)
        name = name or f"{label}-{theme}-access"
        path = path or self.rng.choice(["/", "/", "/", "/teams/", "/workloads/"])
        arn = self.customer_policy(name, doc, path, f"{theme} permissions for {label}", self.older_versions(doc))
        self.theme_policies[key] = arn
        return arn

    def inline(self, name: str, theme: str, label: str, n_range: tuple[int, int], limit: int) -> dict:
        n = self.rng.randint(*n_range)
        doc = self.pf.document(theme, label, n, deny_p=0.3, limit=limit)
        return {"PolicyName": name, "PolicyDocument": doc}

    # -- entities -----------------------------------------------------------------------

    def build(self) -> dict:
        c, rng, args = self.c, self.rng, self.args
        acct = c.id
        # Guardrail / boundary policies named in the corpus (always the five of gen_corpus).
        for name in sorted(set(DEFAULT_DENY_POLICIES) | set(self.deny_names)):
            try:
                doc = named_policy(c, name)
            except KeyError:
                doc = self.pf.document("ops", "guardrail", rng.randint(10, 14), deny_p=1.0)
            self.customer_policy(name, doc, "/", f"{name} (platform guardrail)", self.older_versions(doc))
        self.customer_policy("BoundaryWorkloads", named_policy(c, "BoundaryWorkloads"), "/",
                             "Permissions boundary of workload roles")
        self.customer_policy("SelfServiceCredentials", self_service_policy(acct), "/",
                             "Lets users manage their own password, access keys and MFA")
        self.customer_policy("AssumeAccountRoles", assume_roles_policy(c), "/",
                             "Lets users assume the roles of the account (trust policies decide)")

        # Groups
        group_arns = {}
        for gname, managed, themes, has_inline in GROUPS:
            attached = [self.attached(self.aws(m)) for m in managed]
            for theme, label in themes:
                attached.append(self.attached(self.themed_policy(theme, label, f"{gname}Access", "/groups/")))
            if gname == "AllHumans":
                attached.append(self.attached(f"arn:aws:iam::{acct}:policy/SelfServiceCredentials"))
            if gname in ("AllHumans", "ServiceAccounts"):
                attached.append(self.attached(f"arn:aws:iam::{acct}:policy/AssumeAccountRoles"))
            if gname == "Administrators":
                attached.append(self.attached(f"arn:aws:iam::{acct}:policy/DenyWithoutMFA"))
            if gname == "Contractors":
                attached.append(self.attached(f"arn:aws:iam::{acct}:policy/DenyOutsideApprovedRegions"))
            inline = []
            if gname == "Contractors":
                inline.append({"PolicyName": "corporate-network-only", "PolicyDocument": contractor_inline()})
            elif has_inline:
                inline.append(self.inline(f"{gname.lower()}-extras", "ops", gname.lower(), (6, 14), GROUP_INLINE_MAX))
            group = {"Path": "/", "GroupName": gname, "GroupId": iam_id(rng, "AGPA"),
                     "Arn": f"arn:aws:iam::{acct}:group/{gname}", "CreateDate": iam_date(rng, 2019, 2022),
                     "GroupPolicyList": inline, "AttachedManagedPolicies": attached}
            self.groups.append(group)
            group_arns[gname] = group["Arn"]

        # Users: the corpus's, then filler up to --users.
        users = sorted(self.corpus_users.items())
        fillers = [(p, n) for p, n in FILLER_USERS if n not in self.corpus_users]
        rng.shuffle(fillers)
        k = 0
        while len(fillers) < args.users - len(users):
            k += 1
            name = f"svc-{APPS[k % len(APPS)]}-{COMPONENTS[(k // len(APPS)) % len(COMPONENTS)]}-{k}"
            fillers.append(("/service-accounts/", name) if k % 3 else ("/people/", f"user{k:03d}.{rand_str(rng, string.ascii_lowercase, 5)}"))
        for path, name in fillers[:max(0, args.users - len(users))]:
            users.append((name, path))
        quarantined = None
        svc_names = [n for n, p in users if n.startswith("svc-") or p == "/service-accounts/"]
        if svc_names:
            quarantined = rng.choice(sorted(svc_names))
        # AWS attaches its quarantine policy to a user whose access key leaked.
        humans = sorted(n for n, p in users if n not in svc_names and p == "/" and not n.startswith("stratus-"))
        aws_quarantined = rng.choice(humans) if humans and self.aws_deny else None
        group_names = [g for g, _ in HUMAN_GROUP_WEIGHTS]
        group_weights = [w for _, w in HUMAN_GROUP_WEIGHTS]
        for name, path in users:
            is_service = name.startswith(("svc-", "stratus-")) or path == "/service-accounts/"
            is_partner = path == "/partners/"
            team = rng.choice(TEAMS)
            tags = [{"Key": "team", "Value": team}, {"Key": "cost-center", "Value": rng.choice(COST_CENTERS)}]
            attached, inline, groups = [], [], []
            boundary = None
            if is_service:
                groups = ["ServiceAccounts"]
                app = rng.choice(APPS)
                tags.append({"Key": "app", "Value": app})
                if rng.random() < 0.5:
                    attached.append(self.attached(self.themed_policy("app", app)))
                if rng.random() < 0.6:
                    attached.append(self.attached(self.aws(rng.choice(["PowerUserAccess", "ReadOnlyAccess",
                                                                        "AmazonEC2FullAccess", "AmazonSSMFullAccess"]))))
                if rng.random() < 0.25:
                    inline.append(self.inline(f"{name}-inline", "app", app, (3, 6), USER_INLINE_MAX))
            elif is_partner:
                groups = ["Contractors"]
                tags.append({"Key": "partner", "Value": name.split("-", 1)[1]})
                inline.append({"PolicyName": "partner-bucket-access", "PolicyDocument": {
                    "Version": "2012-10-17", "Statement": [
                        {"Sid": "PartnerDropbox", "Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
                         "Resource": f"arn:aws:s3:::{c.buckets[0]}/partners/{name}/*",
                         "Condition": {"IpAddress": {"aws:SourceIp": list(CORPORATE_CIDRS)}}}]}})
            else:
                tags.append({"Key": "email", "Value": f"{name.replace('.', '')}@example.com"})
                groups = ["AllHumans", rng.choices(group_names, weights=group_weights)[0]]
                if rng.random() < 0.25:
                    second = rng.choices(group_names, weights=group_weights)[0]
                    if second not in groups:
                        groups.append(second)
                if "Developers" in groups and rng.random() < 0.35:
                    boundary = f"arn:aws:iam::{acct}:policy/BoundaryDevelopers"
                if rng.random() < 0.15:
                    attached.append(self.attached(self.aws(rng.choice(["AmazonS3ReadOnlyAccess", "CloudWatchReadOnlyAccess",
                                                                        "AWSLambda_ReadOnlyAccess", "AmazonRDSReadOnlyAccess"]))))
                if rng.random() < 0.2:
                    inline.append(self.inline(f"{name.split('.')[0]}-extras", "ops", team, (3, 6), USER_INLINE_MAX))
            if name == quarantined:
                attached.append(self.attached(f"arn:aws:iam::{acct}:policy/QuarantinePolicy"))
                tags.append({"Key": "security-incident", "Value": "IR-2026-1107"})
            if name == aws_quarantined:
                for policy in self.aws_deny:
                    attached.append(self.attached(self.aws(policy)))
            user = {"Path": path, "UserName": name, "UserId": iam_id(rng, "AIDA"),
                    "Arn": f"arn:aws:iam::{acct}:user{path}{name}", "CreateDate": iam_date(rng),
                    "UserPolicyList": inline, "GroupList": groups, "AttachedManagedPolicies": attached}
            if boundary:
                self.boundary_count[boundary] += 1
                user["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
            user["Tags"] = tags
            self.users.append(user)

        # Roles
        self.build_roles()

        # Fill customer managed policies up to the per-account target with unattached or
        # lightly used application policies (every account has a few forgotten ones).
        target = args.policies_per_account
        i = 0
        while len(self.policies) < target and i < 400:
            app = APPS[i % len(APPS)]
            comp = COMPONENTS[(i // len(APPS)) % len(COMPONENTS)]
            self.themed_policy(rng.choice(["app", "data", "deploy"]), f"{app}-{comp}")
            i += 1

        for arn, entry in self.policies.items():
            entry["AttachmentCount"] = self.attach_count.get(arn, 0)
            entry["PermissionsBoundaryUsageCount"] = self.boundary_count.get(arn, 0)
        return {
            "UserDetailList": self.users,
            "GroupDetailList": self.groups,
            "RoleDetailList": self.roles,
            "Policies": [self.policies[a] for a in sorted(self.policies)],
        }

    def role(self, name: str, path: str, trust_doc: dict, managed: list[str], inline: list[dict],
             boundary: str | None = None, tags: list[dict] | None = None, instance_profile: bool = False,
             description: str | None = None, max_session: int = 3600) -> dict:
        rng, acct = self.rng, self.c.id
        created = iam_date(rng)
        arn = f"arn:aws:iam::{acct}:role{path}{name}"
        role = {"Path": path, "RoleName": name, "RoleId": iam_id(rng, "AROA"), "Arn": arn, "CreateDate": created,
                "AssumeRolePolicyDocument": trust_doc}
        if description:
            role["Description"] = description
        role["MaxSessionDuration"] = max_session
        profiles = []
        if instance_profile:
            profiles.append({"Path": "/", "InstanceProfileName": name, "InstanceProfileId": iam_id(rng, "AIPA"),
                             "Arn": f"arn:aws:iam::{acct}:instance-profile/{name}", "CreateDate": created,
                             "Roles": [{"Path": path, "RoleName": name, "RoleId": role["RoleId"], "Arn": arn,
                                        "CreateDate": created, "AssumeRolePolicyDocument": trust_doc}]})
        role["InstanceProfileList"] = profiles
        role["RolePolicyList"] = inline
        role["AttachedManagedPolicies"] = [self.attached(a) for a in managed]
        if boundary:
            self.boundary_count[boundary] += 1
            role["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
        if tags:
            role["Tags"] = tags
        role["RoleLastUsed"] = ({"LastUsedDate": later_date(rng, created), "Region": rng.choice(self.c.regions)}
                                if rng.random() < 0.85 else {})
        self.roles.append(role)
        return role

    def build_roles(self):
        c, rng, acct = self.c, self.rng, self.c.id
        done = set()
        corpus = sorted(self.corpus_roles.items())
        for name, path in corpus:
            if name.startswith("AWSReservedSSO_"):
                pset = name.split("_")[1] if name.count("_") >= 2 else "ReadOnlyAccess"
                managed = [self.aws(m) for m in SSO_SETS.get(pset, ["ReadOnlyAccess"])]
                inline = []
                if pset in ("Developers", "DataScientists"):
                    inline.append(self.inline("AwsSSOInlinePolicy", "data" if pset == "DataScientists" else "deploy",
                                              pset.lower(), (8, 14), ROLE_INLINE_MAX))
                self.role(name, path, trust(c, "sso", rng), managed, inline, max_session=43200,
                          description=f"IAM Identity Center permission set {pset}")
                done.add(name)
                continue
            spec = POOL_ROLE_SPECS.get(name) or corpus_role_spec(name)
            kind, managed, themes, boundary = spec
            extra = name if kind == "eks" else ("infrastructure" if name == "GitHubActionsDeploy" else None)
            if kind == "github" and name != "GitHubActionsDeploy":
                extra = "build-artifacts"
            trust_doc = trust(c, kind, rng, extra)
            arns = [self.aws(m) for m in managed]
            for theme, label in themes:
                arns.append(self.themed_policy(theme, label, f"{name}-policy", "/workloads/"))
            inline = []
            if rng.random() < 0.35:
                inline.append(self.inline(f"{name}-inline", themes[0][0] if themes else "ops",
                                          themes[0][1] if themes else "ops", (10, 20), ROLE_INLINE_MAX))
            b = f"arn:aws:iam::{acct}:policy/{boundary}" if boundary else None
            self.role(name, path, trust_doc, arns, inline, b,
                      tags=[{"Key": "managed-by", "Value": "terraform"}, {"Key": "team", "Value": rng.choice(TEAMS)}],
                      instance_profile=kind.endswith("ec2.amazonaws.com"))
            done.add(name)

        # IAM Identity Center permission sets the corpus did not show.
        for pset, managed in SSO_SETS.items():
            if any(n.startswith(f"AWSReservedSSO_{pset}_") for n in done):
                continue
            if pset in ("AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "Developers", "DataScientists"):
                continue  # the corpus's pool has them; do not add a second role for the set
            name = f"AWSReservedSSO_{pset}_{rand_str(rng, HEX, 16)}"
            self.role(name, "/aws-reserved/sso.amazonaws.com/", trust(c, "sso", rng), [self.aws(m) for m in managed],
                      [], max_session=43200, description=f"IAM Identity Center permission set {pset}")
            done.add(name)

        # Service-linked roles.
        for name, service, policy in SERVICE_LINKED:
            if name in done:
                continue
            self.role(name, f"/aws-service-role/{service}/", trust(c, "slr", rng, service), [self.aws(policy)], [],
                      description=f"Service-linked role for {service.split('.')[0]}")
            done.add(name)

        # StackSets execution roles.
        self.role("AWSCloudFormationStackSetExecutionRole", "/", trust(c, "mgmt", rng),
                  [self.aws("AdministratorAccess")], [])
        self.role(f"stacksets-exec-{rand_str(rng, HEX, 32)}", "/", trust(c, "stackset", rng),
                  [self.aws("AdministratorAccess")], [])

        # CDK bootstrap roles, per Region.
        for region in c.regions:
            qual = "hnb659fds"
            for kind in ("deploy", "file-publishing", "image-publishing", "lookup", "cfn-exec"):
                name = f"cdk-{qual}-{kind}-role-{acct}-{region}"
                if kind == "cfn-exec":
                    self.role(name, "/", trust(c, "service:cloudformation.amazonaws.com", rng),
                              [self.aws("AdministratorAccess")], [], tags=[{"Key": "aws-cdk:bootstrap-role", "Value": kind}])
                    continue
                inline = [self.inline("default", "deploy", "cdk", (10, 16), ROLE_INLINE_MAX)]
                self.role(name, "/", trust(c, "account", rng), [self.aws("ReadOnlyAccess")] if kind == "lookup" else [],
                          inline, tags=[{"Key": "aws-cdk:bootstrap-role", "Value": kind}])

        # Application roles up to --roles.
        i = 0
        while len(self.roles) < self.args.roles and i < 1000:
            app = APPS[i % len(APPS)]
            comp = COMPONENTS[(i // len(APPS)) % len(COMPONENTS)]
            i += 1
            name = f"{app}-{comp}-role"
            if name in done:
                continue
            done.add(name)
            service = {"api": "ecs-tasks.amazonaws.com", "worker": "ecs-tasks.amazonaws.com",
                       "lambda": "lambda.amazonaws.com", "etl": "glue.amazonaws.com",
                       "task": "ecs-tasks.amazonaws.com", "scheduler": "scheduler.amazonaws.com",
                       "consumer": "lambda.amazonaws.com", "ingest": "ec2.amazonaws.com"}[comp]
            managed = []
            if service == "lambda.amazonaws.com":
                managed.append(self.aws("service-role/AWSLambdaBasicExecutionRole"))
            if service == "ec2.amazonaws.com":
                managed.append(self.aws("AmazonSSMManagedInstanceCore"))
            if service == "glue.amazonaws.com":
                managed.append(self.aws("service-role/AWSGlueServiceRole"))
            theme = "data" if comp in ("etl", "ingest") else "app"
            inline = []
            if rng.random() < 0.55:
                managed.append(self.themed_policy(theme, f"{app}-{comp}", f"{app}-{comp}-policy", "/workloads/"))
            else:
                inline.append(self.inline(f"{app}-{comp}", theme, app, (10, 20), ROLE_INLINE_MAX))
            path = "/app/" if rng.random() < 0.4 else "/"
            boundary = None
            if path == "/app/":
                boundary = f"arn:aws:iam::{acct}:policy/BoundaryDevelopers"
            elif rng.random() < 0.2:
                boundary = f"arn:aws:iam::{acct}:policy/BoundaryWorkloads"
            self.role(name, path, trust(c, f"service:{service}", rng), managed, inline, boundary,
                      tags=[{"Key": "app", "Value": app}, {"Key": "env", "Value": c.env},
                            {"Key": "team", "Value": rng.choice(TEAMS)}],
                      instance_profile=service == "ec2.amazonaws.com")


# ---------------------------------------------------------------------------
# Organizations
# ---------------------------------------------------------------------------

def scp_documents(regions: list[str]) -> list[tuple[str, str, dict]]:
    """(name, description, document) of the four SCPs, in the order of the corpus's ids."""
    admin_roles = ["arn:aws:iam::*:role/OrganizationAccountAccessRole",
                   "arn:aws:iam::*:role/AWSCloudFormationStackSetExecutionRole",
                   "arn:aws:iam::*:role/stacksets-exec-*"]
    return [
        ("OrgGuardrails", "Deny leaving the organization, root user actions and changes to the access role", {
            "Version": "2012-10-17", "Statement": [
                {"Sid": "DenyLeaveOrganization", "Effect": "Deny", "Action": "organizations:LeaveOrganization",
                 "Resource": "*"},
                {"Sid": "DenyRootUser", "Effect": "Deny", "Action": "*", "Resource": "*",
                 "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}}},
                {"Sid": "ProtectOrganizationAccessRole", "Effect": "Deny",
                 "Action": ["iam:AttachRolePolicy", "iam:DeleteRole", "iam:DeleteRolePermissionsBoundary",
                            "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary",
                            "iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole",
                            "iam:UpdateRoleDescription"],
                 "Resource": "arn:aws:iam::*:role/OrganizationAccountAccessRole",
                 "Condition": {"ArnNotLike": {"aws:PrincipalARN": admin_roles[:1]}}},
                {"Sid": "DenyAccountRegionChanges", "Effect": "Deny",
                 "Action": ["account:EnableRegion", "account:DisableRegion", "account:PutAlternateContact",
                            "account:CloseAccount"],
                 "Resource": "*", "Condition": {"ArnNotLike": {"aws:PrincipalARN": admin_roles[:1]}}},
            ]}),
        ("ProtectSecurityServices", "Deny disabling CloudTrail, Config, GuardDuty, Security Hub and flow logs", {
            "Version": "2012-10-17", "Statement": [
                {"Sid": "ProtectCloudTrail", "Effect": "Deny",
                 "Action": ["cloudtrail:DeleteTrail", "cloudtrail:PutEventSelectors", "cloudtrail:StopLogging",
                            "cloudtrail:UpdateTrail", "cloudtrail:DeleteEventDataStore",
                            "cloudtrail:PutInsightSelectors"],
                 "Resource": "*", "Condition": {"ArnNotLike": {"aws:PrincipalARN": admin_roles}}},
                {"Sid": "ProtectConfig", "Effect": "Deny",
                 "Action": ["config:DeleteConfigRule", "config:DeleteConfigurationRecorder",
                            "config:DeleteDeliveryChannel", "config:StopConfigurationRecorder"],
                 "Resource": "*", "Condition": {"ArnNotLike": {"aws:PrincipalARN": admin_roles}}},
                {"Sid": "ProtectGuardDutyAndSecurityHub", "Effect": "Deny",
                 "Action": ["guardduty:DeleteDetector", "guardduty:DisassociateFromMasterAccount",
                            "guardduty:DisassociateFromAdministratorAccount", "guardduty:UpdateDetector",
                            "guardduty:DeleteMembers", "securityhub:DisableSecurityHub",
                            "securityhub:DisassociateFromMasterAccount", "securityhub:DeleteMembers",
                            "access-analyzer:DeleteAnalyzer"],
                 "Resource": "*", "Condition": {"ArnNotLike": {"aws:PrincipalARN": admin_roles}}},
                {"Sid": "ProtectNetworkLogging", "Effect": "Deny",
                 "Action": ["ec2:DeleteFlowLogs", "logs:DeleteLogGroup", "logs:DeleteLogStream",
                            "route53resolver:DeleteResolverQueryLogConfig",
                            "route53resolver:DisassociateResolverQueryLogConfig"],
                 "Resource": "*", "Condition": {"ArnNotLike": {"aws:PrincipalARN": admin_roles}}},
            ]}),
        ("RegionRestriction", "Deny regional services outside the approved Regions, global services exempt", {
            "Version": "2012-10-17", "Statement": [
                {"Sid": "DenyAllOutsideApprovedRegions", "Effect": "Deny", "NotAction": GLOBAL_NOT_ACTIONS,
                 "Resource": "*",
                 "Condition": {"StringNotEquals": {"aws:RequestedRegion": sorted(set(regions) | {"eu-central-1"})},
                               "ArnNotLike": {"aws:PrincipalARN": [
                                   "arn:aws:iam::*:role/OrganizationAccountAccessRole",
                                   "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_AdministratorAccess*"]}}},
            ]}),
        ("WorkloadGuardrails", "Deny IAM user credentials, public sharing and IMDSv1 in workload accounts", {
            "Version": "2012-10-17", "Statement": [
                {"Sid": "DenyIamUserCredentials", "Effect": "Deny",
                 "Action": ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"],
                 "Resource": "*", "Condition": {"ArnNotLike": {"aws:PrincipalARN": admin_roles}}},
                {"Sid": "RequireImdsV2", "Effect": "Deny", "Action": "ec2:RunInstances",
                 "Resource": "arn:aws:ec2:*:*:instance/*",
                 "Condition": {"StringNotEquals": {"ec2:MetadataHttpTokens": "required"}}},
                {"Sid": "DenyPublicSnapshotsAndImages", "Effect": "Deny",
                 "Action": ["ec2:ModifySnapshotAttribute", "ec2:ModifyImageAttribute", "rds:ModifyDBSnapshotAttribute",
                            "ec2:EnableSerialConsoleAccess"],
                 "Resource": "*", "Condition": {"ArnNotLike": {"aws:PrincipalARN": admin_roles}}},
                {"Sid": "DenyRolesAnywhere", "Effect": "Deny",
                 "Action": ["rolesanywhere:CreateTrustAnchor", "rolesanywhere:CreateProfile",
                            "rolesanywhere:UpdateTrustAnchor"],
                 "Resource": "*"},
                {"Sid": "DenyBedrockMarketplaceModels", "Effect": "Deny",
                 "Action": ["bedrock:CreateFoundationModelAgreement", "bedrock:PutFoundationModelEntitlement",
                            "aws-marketplace:Subscribe"],
                 "Resource": "*", "Condition": {"ArnNotLike": {"aws:PrincipalARN": admin_roles}}},
            ]}),
    ]


def rcp_documents(org_id: str) -> list[tuple[str, str, dict]]:
    return [
        ("DataPerimeterIdentities", "Only principals of the organization and AWS services reach our resources", {
            "Version": "2012-10-17", "Statement": [
                {"Sid": "EnforceOrgIdentities", "Effect": "Deny", "Principal": "*",
                 "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:AssumeRole", "sts:DecodeAuthorizationMessage",
                            "sts:GetAccessKeyInfo", "sts:GetFederationToken", "sts:GetServiceBearerToken",
                            "sts:GetSessionToken", "sts:SetContext"],
                 "Resource": "*",
                 "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": org_id},
                               "BoolIfExists": {"aws:PrincipalIsAWSService": "false"}}},
                {"Sid": "EnforceConfusedDeputyProtection", "Effect": "Deny", "Principal": "*",
                 "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:*"], "Resource": "*",
                 "Condition": {"StringNotEqualsIfExists": {"aws:SourceOrgID": org_id},
                               "Null": {"aws:SourceAccount": "false"},
                               "Bool": {"aws:PrincipalIsAWSService": "true"}}},
            ]}),
        ("EnforceSecureTransport", "Deny requests without TLS, and S3 requests below TLS 1.2", {
            "Version": "2012-10-17", "Statement": [
                {"Sid": "EnforceSecureTransport", "Effect": "Deny", "Principal": "*",
                 "Action": ["s3:*", "sqs:*", "kms:*", "secretsmanager:*", "sts:*"], "Resource": "*",
                 "Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}},
                {"Sid": "EnforceS3Tls12", "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                 "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}},
            ]}),
    ]


def write_organizations(out: Path, accounts: list[Account], corpus: Corpus, mgmt: str, org_id: str,
                        rng: random.Random, regions: list[str], written: list[Path]) -> dict:
    org_dir = out / "organizations"
    root_id = "r-" + rand_str(rng, LOWER_ALNUM, 4)
    ou = lambda: f"ou-{root_id[2:]}-{rand_str(rng, LOWER_ALNUM, 8)}"  # noqa: E731
    ous = {"Workloads": ou(), "Prod": ou(), "NonProd": ou(), "Sandbox": ou()}
    parents = {ous["Workloads"]: root_id, ous["Prod"]: ous["Workloads"], ous["NonProd"]: ous["Workloads"],
               ous["Sandbox"]: root_id, mgmt: root_id}
    for c in accounts:
        parents[c.id] = ous[c.ou]

    def write(rel: str, obj) -> None:
        path = org_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(cli_json(obj))
        written.append(path)

    write("organization.json", {"Organization": {
        "Id": org_id, "Arn": f"arn:aws:organizations::{mgmt}:organization/{org_id}", "FeatureSet": "ALL",
        "MasterAccountArn": f"arn:aws:organizations::{mgmt}:account/{org_id}/{mgmt}", "MasterAccountId": mgmt,
        "MasterAccountEmail": "aws-management@example.com",
        "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]}})
    write("roots.json", {"Roots": [{
        "Id": root_id, "Arn": f"arn:aws:organizations::{mgmt}:root/{org_id}/{root_id}", "Name": "Root",
        "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
                        {"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"}]}]})
    for child, parent in sorted(parents.items()):
        kind = "ROOT" if parent == root_id else "ORGANIZATIONAL_UNIT"
        write(f"targets/{child}/parents.json", {"Parents": [{"Id": parent, "Type": kind}]})

    # Policies: the corpus's ids (sorted) take the documents in order; missing ids are made up.
    def ids(found: list[str], n: int) -> list[str]:
        out_ids = list(found)
        while len(out_ids) < n:
            new = "p-" + rand_str(rng, LOWER_ALNUM, 8)
            if new not in out_ids:
                out_ids.append(new)
        return out_ids

    scps = scp_documents(regions)
    rcps = rcp_documents(org_id)
    scp_ids = ids(corpus.scp_ids, len(scps))
    rcp_ids = ids(corpus.rcp_ids, len(rcps))
    full = {"Id": "p-FullAWSAccess", "Arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
            "Name": "FullAWSAccess", "Description": "Allows access to every operation",
            "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": True}
    rcp_full = {"Id": "p-RCPFullAWSAccess",
                "Arn": "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess",
                "Name": "RCPFullAWSAccess", "Description": "Allows access to every operation",
                "Type": "RESOURCE_CONTROL_POLICY", "AwsManaged": True}
    summaries = {}
    for kind, docs, id_list, folder in (("SERVICE_CONTROL_POLICY", scps, scp_ids, "service_control_policy"),
                                        ("RESOURCE_CONTROL_POLICY", rcps, rcp_ids, "resource_control_policy")):
        for i, pid in enumerate(id_list):
            name, desc, doc = docs[i % len(docs)]
            if i >= len(docs):
                name = f"{name}-{i // len(docs) + 1}"
            content = json.dumps(doc, indent=4)
            if len(re.sub(r"\s", "", content)) > SCP_MAX:
                raise SystemExit(f"gen_snapshot: policy {name} is over the {SCP_MAX}-character limit")
            summary = {"Id": pid, "Arn": f"arn:aws:organizations::{mgmt}:policy/{org_id}/{folder}/{pid}",
                       "Name": name, "Description": desc, "Type": kind, "AwsManaged": False}
            summaries[pid] = summary
            write(f"policies/{pid}.json", {"Policy": {"PolicySummary": summary, "Content": content}})
    write("policies/p-FullAWSAccess.json", {"Policy": {"PolicySummary": full, "Content": json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}, indent=2)}})
    write("policies/p-RCPFullAWSAccess.json", {"Policy": {"PolicySummary": rcp_full, "Content": json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]},
        indent=2)}})

    # Attachments: root: guardrails + security services; Workloads: Region restriction;
    # Prod: workload guardrails; Sandbox: Region restriction and workload guardrails.
    extra_scps = scp_ids[4:]
    scp_at = {root_id: [scp_ids[0], scp_ids[1]] + extra_scps, ous["Workloads"]: [scp_ids[2]],
              ous["Prod"]: [scp_ids[3]], ous["NonProd"]: [], ous["Sandbox"]: [scp_ids[2], scp_ids[3]]}
    rcp_at = {root_id: [rcp_ids[0]] + rcp_ids[2:], ous["Workloads"]: [rcp_ids[1]], ous["Prod"]: [],
              ous["NonProd"]: [], ous["Sandbox"]: [rcp_ids[1]]}
    for target in sorted(set(scp_at) | {c.id for c in accounts} | {mgmt}):
        write(f"targets/{target}/scps.json",
              {"Policies": [full] + [summaries[p] for p in scp_at.get(target, [])]})
        write(f"targets/{target}/rcps.json",
              {"Policies": [rcp_full] + [summaries[p] for p in rcp_at.get(target, [])]})
    return {"root": root_id, "ous": ous, "scp_ids": scp_ids, "rcp_ids": rcp_ids}


# ---------------------------------------------------------------------------
# Resources: buckets, keys, secrets, functions
# ---------------------------------------------------------------------------

BUCKET_PURPOSES = ["artifacts", "logs", "data-raw", "data-curated", "backups", "terraform-state", "athena-results",
                   "static-assets"]
KEY_PURPOSES = ["s3", "secrets", "ebs", "logs"]


def key_policy(c: Account, purpose: str, rng: random.Random) -> dict:
    acct = c.id
    stmts = [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
              "Principal": {"AWS": f"arn:aws:iam::{acct}:root"}, "Action": "kms:*", "Resource": "*"},
             {"Sid": "Allow access for Key Administrators", "Effect": "Allow",
              "Principal": {"AWS": [f"arn:aws:iam::{acct}:role/TerraformApply",
                                    f"arn:aws:iam::{acct}:role/OrganizationAccountAccessRole"]},
              "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                         "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
                         "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:RotateKeyOnDemand"],
              "Resource": "*"},
             {"Sid": "Allow use of the key", "Effect": "Allow",
              "Principal": {"AWS": [f"arn:aws:iam::{acct}:role/app-backend-role",
                                    f"arn:aws:iam::{acct}:role/data-pipeline-role",
                                    f"arn:aws:iam::{acct}:role/lambda-exec-orders"]},
              "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
              "Resource": "*"}]
    if purpose in ("s3", "logs"):
        service = "s3" if purpose == "s3" else "logs"
        stmts.append({"Sid": "Allow access through the service for the organization", "Effect": "Allow",
                      "Principal": {"AWS": "*"},
                      "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                      "Resource": "*",
                      "Condition": {"StringEquals": {"aws:PrincipalOrgID": c.org_id,
                                                     "kms:ViaService": f"{service}.{c.home}.amazonaws.com"}}})
    if purpose == "logs":
        stmts.append({"Sid": "Allow CloudWatch Logs", "Effect": "Allow",
                      "Principal": {"Service": f"logs.{c.home}.amazonaws.com"},
                      "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                      "Resource": "*",
                      "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:{c.home}:{acct}:*"}}})
    if purpose == "secrets" or rng.random() < 0.3:
        stmts.append({"Sid": "DenyOutsideOrganization", "Effect": "Deny", "Principal": "*", "Action": "kms:*",
                      "Resource": "*",
                      "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": c.org_id},
                                    "Bool": {"aws:PrincipalIsAWSService": "false"}}})
    return {"Version": "2012-10-17", "Id": f"key-{purpose}-policy", "Statement": stmts}


def bucket_policy(bucket: str, owner: Account, purpose: str, rng: random.Random, trail: bool = False) -> dict:
    b = f"arn:aws:s3:::{bucket}"
    stmts = [{"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
              "Resource": [b, f"{b}/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]
    if trail:
        stmts += [
            {"Sid": "AWSCloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:GetBucketAcl", "Resource": b,
             "Condition": {"StringEquals": {"aws:SourceArn": f"arn:aws:cloudtrail:{owner.home}:{owner.mgmt}:trail/org-trail"}}},
            {"Sid": "AWSCloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:PutObject", "Resource": [f"{b}/AWSLogs/{owner.mgmt}/*", f"{b}/AWSLogs/{owner.org_id}/*"],
             "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                            "aws:SourceArn": f"arn:aws:cloudtrail:{owner.home}:{owner.mgmt}:trail/org-trail"}}},
            {"Sid": "DenyDeleteLogs", "Effect": "Deny", "Principal": "*",
             "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:DeleteBucket", "s3:PutLifecycleConfiguration"],
             "Resource": [b, f"{b}/*"],
             "Condition": {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/OrganizationAccountAccessRole"}}},
        ]
        return {"Version": "2012-10-17", "Statement": stmts}
    stmts.append({"Sid": "OrgRead", "Effect": "Allow", "Principal": {"AWS": "*"},
                  "Action": ["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation"], "Resource": [b, f"{b}/*"],
                  "Condition": {"StringEquals": {"aws:PrincipalOrgID": owner.org_id}}})
    if purpose in ("data-raw", "data-curated", "artifacts"):
        stmts.append({"Sid": "PipelineWrite", "Effect": "Allow",
                      "Principal": {"AWS": [f"arn:aws:iam::{owner.id}:role/data-pipeline-role",
                                            f"arn:aws:iam::{owner.id}:role/ci-artifacts-writer"]},
                      "Action": ["s3:PutObject", "s3:PutObjectTagging"], "Resource": f"{b}/*"})
        stmts.append({"Sid": "DenyUnencryptedUploads", "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",
                      "Resource": f"{b}/*",
                      "Condition": {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}}})
    if purpose in ("backups", "terraform-state", "logs") or rng.random() < 0.2:
        stmts.append({"Sid": "DenyDeletion", "Effect": "Deny", "Principal": "*",
                      "Action": ["s3:DeleteBucket", "s3:DeleteObjectVersion", "s3:PutBucketVersioning"],
                      "Resource": [b, f"{b}/*"],
                      "Condition": {"ArnNotLike": {"aws:PrincipalArn": [
                          f"arn:aws:iam::{owner.id}:role/TerraformApply",
                          f"arn:aws:iam::{owner.id}:role/OrganizationAccountAccessRole"]}}})
    if purpose == "static-assets":
        stmts.append({"Sid": "AllowCloudFrontServicePrincipal", "Effect": "Allow",
                      "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
                      "Resource": f"{b}/*",
                      "Condition": {"StringEquals": {"AWS:SourceArn": f"arn:aws:cloudfront::{owner.id}:distribution/E{rand_str(rng, UPPER_ALNUM, 13)}"}}})
    if purpose == "athena-results" or rng.random() < 0.25:
        stmts.append({"Sid": "RestrictToVpcOrCorporate", "Effect": "Deny", "Principal": "*",
                      "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"{b}/*",
                      "Condition": {"NotIpAddress": {"aws:SourceIp": list(CORPORATE_CIDRS)},
                                    "StringNotEqualsIfExists": {"aws:SourceVpce": f"vpce-{rand_str(rng, HEX, 17)}"},
                                    "BoolIfExists": {"aws:ViaAWSService": "false"},
                                    "ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{owner.id}:role/*"}}})
    return {"Version": "2012-10-17", "Statement": stmts}


def write_file(path: Path, text: str, written: list[Path]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    written.append(path)


def write_resources(out: Path, accounts: list[Account], corpus: Corpus, written: list[Path],
                    stats: Counter) -> None:
    by_id = {c.id: c for c in accounts}
    # KMS keys: per account, in its home Region (alias names are unique in the snapshot, which
    # keeps one alias per name).
    aliases = []
    for c in accounts:
        for purpose in KEY_PURPOSES:
            key_id = uuid4(c.rng)
            arn = f"arn:aws:kms:{c.home}:{c.id}:key/{key_id}"
            c.keys[purpose] = arn
    # The corpus's keys: one key id can be one key of the snapshot (kms/KEY_ID/); the corpus
    # reuses ids across accounts and Regions, so the ARN seen most often wins (corpus.keys is
    # sorted most used first).
    corpus_keys: dict[str, str] = {}
    for arn in corpus.keys:
        key_id = arn.rsplit("/", 1)[1]
        corpus_keys.setdefault(key_id, arn)
    stats["corpus_key_arns"] = len(corpus.keys)
    stats["corpus_key_ids"] = len(corpus_keys)

    key_entries = []  # (key_id, arn, account, purpose, description)
    for c in accounts:
        for purpose in KEY_PURPOSES:
            arn = c.keys[purpose]
            key_entries.append((arn.rsplit("/", 1)[1], arn, c, purpose, f"{c.label} {purpose} encryption key"))
    for key_id, arn in sorted(corpus_keys.items()):
        c = by_id.get(arn.split(":")[4])
        if c is not None:
            key_entries.append((key_id, arn, c, "logs", "CloudTrail channel key"))
    for key_id, arn, c, purpose, desc in key_entries:
        region = arn.split(":")[3]
        kdir = out / "kms" / key_id
        write_file(kdir / "describe-key.json", cli_json({"KeyMetadata": {
            "AWSAccountId": c.id, "KeyId": key_id, "Arn": arn, "CreationDate": svc_date(c.rng), "Enabled": True,
            "Description": desc, "KeyUsage": "ENCRYPT_DECRYPT", "KeyState": "Enabled", "Origin": "AWS_KMS",
            "KeyManager": "CUSTOMER", "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT", "KeySpec": "SYMMETRIC_DEFAULT",
            "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"], "MultiRegion": False}}), written)
        write_file(kdir / "key-policy.json", cli_json({"Policy": jackson(key_policy(c, purpose, c.rng)),
                                                        "PolicyName": "default"}), written)
        if purpose in KEY_PURPOSES and desc.endswith("encryption key"):
            created = svc_date(c.rng)
            aliases.append({"AliasName": f"alias/{c.label}/{purpose}",
                            "AliasArn": f"arn:aws:kms:{region}:{c.id}:alias/{c.label}/{purpose}",
                            "TargetKeyId": key_id, "CreationDate": created, "LastUpdatedDate": created})
        stats["keys"] += 1
    write_file(out / "kms" / "aliases.json", cli_json({"Aliases": aliases}), written)

    # Buckets: the corpus's (owned by the account that saw most events on them), the org
    # trail's, and a few per account.
    buckets: list[tuple[str, Account, str, bool]] = []
    for bucket, owner in sorted(corpus.buckets.items()):
        buckets.append((bucket, by_id[owner], "data-raw", False))
    if corpus.trail_bucket and accounts:
        buckets.append((corpus.trail_bucket, accounts[0], "logs", True))
    for c in accounts:
        for purpose in BUCKET_PURPOSES:
            name = f"acme-{c.label}-{purpose}-{c.id}"
            c.buckets.append(name)
            buckets.append((name, c, purpose, False))
    for bucket, c in ((b, c) for b, c, _p, _t in buckets):
        if bucket not in c.buckets:
            c.buckets.insert(0, bucket)
    for bucket, c, purpose, is_trail in buckets:
        bdir = out / "s3" / bucket
        rng_b = random.Random(f"{c.rng.random()}/{bucket}")
        region = c.home if rng_b.random() < 0.8 else rng_b.choice(c.regions)
        write_file(bdir / "location.json", cli_json({"LocationConstraint": None if region == "us-east-1" else region}),
                   written)
        write_file(bdir / "public-access-block.json", cli_json({"PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": purpose != "static-assets", "RestrictPublicBuckets": purpose != "static-assets"}}),
                   written)
        if purpose in ("logs", "static-assets", "athena-results") and not is_trail and rng_b.random() < 0.6:
            rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}
        else:
            key = c.keys["logs" if is_trail else "s3"]
            rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
                    "BucketKeyEnabled": rng_b.random() < 0.7}
        write_file(bdir / "encryption.json", cli_json({"ServerSideEncryptionConfiguration": {"Rules": [rule]}}), written)
        if is_trail or rng_b.random() < 0.7:
            doc = bucket_policy(bucket, c, purpose, rng_b, is_trail)
            write_file(bdir / "policy.json", cli_json({"Policy": json.dumps(doc, separators=(",", ":"))}), written)
            stats["bucket_policies"] += 1
        stats["buckets"] += 1

    # Secrets seen in the corpus: about a third have a resource policy.
    names_used: Counter = Counter()
    for arn in corpus.secrets:
        m = SECRET_ARN_RE.match(arn)
        region, acct, full = m.groups()
        c = by_id[acct]
        rng_s = random.Random(f"{c.id}/{arn}")
        if rng_s.random() > 0.35:
            continue
        name = full.rsplit("-", 1)[0] if re.search(r"-[A-Za-z0-9]{6}$", full) else full
        doc = {"Version": "2012-10-17", "Statement": [
            {"Sid": "AllowPeerAccountRead", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{rng_s.choice(c.peers or [c.id])}:role/app-backend-role"},
             "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
            {"Sid": "DenyOutsideOrganization", "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*",
             "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": c.org_id}}}]}
        if rng_s.random() < 0.3:
            doc["Statement"].append({"Sid": "DenyDeleteSecret", "Effect": "Deny", "Principal": "*",
                                     "Action": ["secretsmanager:DeleteSecret", "secretsmanager:PutResourcePolicy"],
                                     "Resource": "*"})
        fname = name.replace("/", "_")
        names_used[fname] += 1
        if names_used[fname] > 1:
            fname = f"{fname}-{names_used[fname]}"
        write_file(out / "secretsmanager" / f"{fname}.json",
                   cli_json({"ARN": arn, "Name": name, "ResourcePolicy": jackson(doc)}), written)
        stats["secret_policies"] += 1

    # Lambda functions seen in the corpus: a function policy (an invoke permission) for each.
    names_used = Counter()
    for arn in corpus.functions:
        region, acct, fn = LAMBDA_ARN_RE.match(arn).groups()
        c = by_id[acct]
        rng_f = random.Random(f"{c.id}/{arn}")
        stmts = [{"Sid": f"events-invoke-{rand_str(rng_f, LOWER_ALNUM, 8)}", "Effect": "Allow",
                  "Principal": {"Service": "events.amazonaws.com"}, "Action": "lambda:InvokeFunction", "Resource": arn,
                  "Condition": {"ArnLike": {"AWS:SourceArn": f"arn:aws:events:{region}:{acct}:rule/{fn}-schedule"}}}]
        if rng_f.random() < 0.5:
            stmts.append({"Sid": "apigw-invoke", "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                          "Action": "lambda:InvokeFunction", "Resource": arn,
                          "Condition": {"ArnLike": {"AWS:SourceArn": f"arn:aws:execute-api:{region}:{acct}:{rand_str(rng_f, LOWER_ALNUM, 10)}/*/POST/*"}}})
        names_used[fn] += 1
        folder = fn if names_used[fn] == 1 else f"{fn}-{names_used[fn]}"
        doc = {"Version": "2012-10-17", "Id": "default", "Statement": stmts}
        write_file(out / "lambda" / folder / "policy.json",
                   cli_json({"Policy": json.dumps(doc, separators=(",", ":")), "RevisionId": uuid4(rng_f)}), written)
        stats["function_policies"] += 1


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="the gen_corpus.py output (with AWSLogs/)")
    ap.add_argument("--out", type=Path, required=True, help="snapshot directory (created; must be empty unless --force)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the random generator (output is deterministic)")
    ap.add_argument("--users", type=int, default=50, help="IAM users per account (at least the corpus's)")
    ap.add_argument("--roles", type=int, default=100, help="IAM roles per account (at least the corpus's)")
    ap.add_argument("--policies", type=int, default=200, help="customer managed policies over all accounts (about)")
    ap.add_argument("--management-account", default=None,
                    help="the management account id; default: a made-up account outside the corpus, so that SCPs "
                         "apply to every corpus account (give the corpus's first account to make the policy ARNs "
                         "match the denial messages' exactly)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes reading the corpus")
    ap.add_argument("--force", action="store_true", help="replace a snapshot this script wrote in --out")
    args = ap.parse_args(argv)
    if args.management_account and not re.fullmatch(r"\d{12}", args.management_account):
        ap.error("--management-account must be a 12-digit account id")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    out: Path = args.out
    if out.exists() and any(out.iterdir()):
        if not args.force:
            print(f"gen_snapshot: {out} is not empty (use --force to replace a generated snapshot)", file=sys.stderr)
            return 2
        unknown = sorted(p.name for p in out.iterdir() if p.name not in OUTPUT_ENTRIES)
        if unknown:
            print(f"gen_snapshot: {out} holds files this script did not write ({', '.join(unknown[:5])}); not replacing",
                  file=sys.stderr)
            return 2
        for name in OUTPUT_ENTRIES:
            p = out / name
            if p.is_dir():
                shutil.rmtree(p)
            elif p.exists():
                p.unlink()
    out.mkdir(parents=True, exist_ok=True)

    corpus = read_corpus(args.corpus, max(1, args.jobs))
    scanned = time.monotonic()
    if not corpus.accounts:
        print("gen_snapshot: the corpus names no member account", file=sys.stderr)
        return 2
    rng = random.Random(f"gen_snapshot/{args.seed}")
    org_id = corpus.org_id or "o-" + rand_str(rng, LOWER_ALNUM, 10)
    mgmt = args.management_account
    if mgmt is None:
        while True:
            mgmt = str(rng.randrange(10**11, 10**12))
            if mgmt not in corpus.accounts and mgmt not in corpus.external_accounts:
                break
    members = [a for a in corpus.accounts if a != mgmt]
    regions = corpus.regions or ["us-east-1"]
    aws_arns = load_managed_catalog(MANAGED_TSV)
    warnings: list[str] = []
    if not aws_arns:
        warnings.append(f"{MANAGED_TSV} not found: AWS managed policy ARNs not checked")

    accounts: list[Account] = []
    for i, acct in enumerate(corpus.accounts):
        label, env, ou = ACCOUNT_PROFILES[i] if i < len(ACCOUNT_PROFILES) else (f"workload-{i + 1}", "prod", "Prod")
        arng = random.Random(f"gen_snapshot/{args.seed}/{acct}")
        c = Account(id=acct, index=i, label=label, env=env, ou=ou, home=regions[0], regions=list(regions), rng=arng,
                    org_id=org_id, mgmt=mgmt, peers=[a for a in members if a != acct],
                    sso_suffix=rand_str(arng, HEX, 16))
        accounts.append(c)

    written: list[Path] = []
    stats: Counter = Counter()
    write_resources(out, accounts, corpus, written, stats)
    org = write_organizations(out, [c for c in accounts if c.id != mgmt], corpus, mgmt, org_id, rng, regions, written)

    per_account = max(10, round(args.policies / len(accounts)))
    args.policies_per_account = per_account
    totals = Counter()
    for c in accounts:
        builder = IamBuilder(c, corpus.users.get(c.id, {}), corpus.roles.get(c.id, {}), corpus.deny_policy_names,
                             corpus.aws_deny_policies, aws_arns, args, warnings)
        details = builder.build()
        write_file(out / "iam" / c.id / "authorization-details.json", cli_json(details), written)
        totals["users"] += len(details["UserDetailList"])
        totals["groups"] += len(details["GroupDetailList"])
        totals["roles"] += len(details["RoleDetailList"])
        totals["policies"] += len(details["Policies"])
        totals["versions"] += sum(len(p["PolicyVersionList"]) for p in details["Policies"])
        totals["statements"] += sum(len(v["Document"]["Statement"]) for p in details["Policies"]
                                    for v in p["PolicyVersionList"] if v["IsDefaultVersion"])
        totals["inline"] += sum(len(e.get(k, [])) for e in details["UserDetailList"] + details["GroupDetailList"]
                                + details["RoleDetailList"] for k in ("UserPolicyList", "GroupPolicyList", "RolePolicyList"))
        totals["boundaries"] += sum(1 for e in details["UserDetailList"] + details["RoleDetailList"]
                                    if "PermissionsBoundary" in e)
        totals["corpus_users"] += len(corpus.users.get(c.id, {}))
        totals["corpus_roles"] += len(corpus.roles.get(c.id, {}))

    size = sum(p.stat().st_size for p in written)
    summary = [
        "# Generated account snapshot",
        "",
        f"Written by `bench/replay/gen_snapshot.py --seed {args.seed}` from the CloudTrail corpus "
        f"`{args.corpus}` ({corpus.files} log files, {corpus.records} records). Do not edit: regenerate.",
        "",
        f"- organization {org_id}, management account {mgmt} (not in the snapshot's IAM), root {org['root']}",
        f"- member accounts: {', '.join(f'{c.id} ({c.label}, OU {c.ou})' for c in accounts)}",
        f"- SCPs {', '.join(org['scp_ids'])}; RCPs {', '.join(org['rcp_ids'])}",
        f"- {totals['users']} users, {totals['groups']} groups, {totals['roles']} roles, "
        f"{totals['policies']} customer managed policies ({totals['versions']} versions), "
        f"{totals['inline']} inline policies, {totals['boundaries']} permissions boundaries",
        f"- {stats['buckets']} buckets ({stats['bucket_policies']} with a policy), {stats['keys']} KMS keys, "
        f"{stats['secret_policies']} secret policies, {stats['function_policies']} function policies",
        f"- {len(written)} files, {size} bytes",
    ]
    write_file(out / "SNAPSHOT.md", "\n".join(summary) + "\n", [])

    elapsed = time.monotonic() - started
    print(f"corpus:              {corpus.files} log files, {corpus.records} records, read in {scanned - started:.1f} s")
    print(f"organization:        {org_id}, management account {mgmt}, root {org['root']}, "
          f"{len(org['scp_ids'])} SCPs + FullAWSAccess, {len(org['rcp_ids'])} RCPs + RCPFullAWSAccess")
    print(f"accounts:            {', '.join(c.id for c in accounts)}")
    print(f"principals:          {totals['users']} users ({totals['corpus_users']} from the corpus), "
          f"{totals['roles']} roles ({totals['corpus_roles']} from the corpus), {totals['groups']} groups")
    print(f"policies:            {totals['policies']} customer managed ({totals['versions']} versions, "
          f"{totals['statements']} statements in default versions), {totals['inline']} inline, "
          f"{totals['boundaries']} boundaries set")
    print(f"resources:           {stats['buckets']} buckets ({stats['bucket_policies']} policies), {stats['keys']} keys "
          f"({stats['corpus_key_ids']} corpus key ids for {stats['corpus_key_arns']} corpus key ARNs), "
          f"{stats['secret_policies']} secret policies, {stats['function_policies']} function policies")
    if corpus.issuer_mismatch:
        print(f"corpus oddity:       {corpus.issuer_mismatch} records whose sessionIssuer.arn does not end in its "
              f"userName (the userName was used)")
    if corpus.external_accounts:
        print(f"not included:        IAM of {len(corpus.external_accounts)} accounts outside the organization "
              f"({', '.join(corpus.external_accounts)})")
    for w in sorted(set(warnings)):
        print(f"warning:             {w}")
    print(f"written:             {len(written)} files, {size} bytes, to {out} in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
