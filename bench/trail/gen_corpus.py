#!/usr/bin/env python3
"""Generate a large, realistic CloudTrail corpus for the `iamwhy trail denied` benchmark.

The corpus is built by resampling the real CloudTrail records kept in
shared/data/cloudtrail/ (see its SOURCES.md) and varying, per record, every
field that identifies an event: eventTime, eventID, requestID, account ids
(everywhere they occur, ARNs included), user/role/session names, source IP,
access key id and region. A configurable share of records is turned into
authorization denials with messages in AWS's formats (identity-based policy,
SCP with policy ARN, resource-based policy, permissions boundary, session
policy, EC2's encoded-message form, ...); a further share gets ordinary,
non-denial errors (NoSuchEntity, ThrottlingException, ...) so that a scanner
cannot just look for the presence of `errorCode`.

Output is the S3 delivery layout of an organization trail:

  OUT/AWSLogs/o-ORG/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/
      ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHMMZ_<16 alnum>.json.gz   {"Records":[...]}
  OUT/AWSLogs/o-ORG/ACCOUNT/CloudTrail-Digest/REGION/YYYY/MM/DD/
      ACCOUNT_CloudTrail-Digest_REGION_TRAIL_HOMEREGION_YYYYMMDDTHHMMSSZ.json.gz
  OUT/AWSLogs/o-ORG/ACCOUNT/CloudTrail-Insight/REGION/YYYY/MM/DD/
      ACCOUNT_CloudTrail-Insight_REGION_YYYYMMDDTHHMMZ_<16 alnum>.json.gz

Digest and Insights files are decoys a scanner must skip (Insights records
carry an `errorCode` *inside* `insightDetails`). OUT/EXPECTED.json records the
exact number of records and denials in the CloudTrail log files, so that a
benchmark can check that every tool found the same denials.

Everything is derived from --seed, so the same arguments give byte-identical
files whatever --jobs is. Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import calendar
import gzip
import hashlib
import json
import math
import os
import random
import re
import shutil
import string
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
DEFAULT_SEED_DIR = REPO_ROOT.parent / "shared" / "data" / "cloudtrail"
DENIAL_CODES_FILE = HERE / "denial_codes.txt"

ALNUM = string.ascii_letters + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
BLOB_ALPHABET = string.ascii_letters + string.digits + "-_"

FIVE_MINUTES = 300
SLOTS_PER_DAY = 86400 // FIVE_MINUTES


def load_denial_codes(path: Path = DENIAL_CODES_FILE) -> frozenset[str]:
    """The errorCode values that count as denials (shared with the other tools)."""
    codes = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            codes.add(line)
    return frozenset(codes)


# ---------------------------------------------------------------------------
# Loading the seed records
# ---------------------------------------------------------------------------

def load_seed_records(seed_dir: Path) -> list[dict]:
    """Read every record of the four sample sets, normalised to plain CloudTrail records."""
    records: list[dict] = []

    # Stratus Red Team: JSON arrays of records.
    for path in sorted((seed_dir / "stratus-red-team-detonation-logs").glob("*.json")):
        records.extend(json.loads(path.read_text()))

    # OTRF: NDJSON with Logstash's extra keys.
    for path in sorted((seed_dir / "otrf-security-datasets").glob("*.json")):
        for line in path.read_text().splitlines():
            if line.strip():
                rec = json.loads(line)
                rec.pop("@timestamp", None)
                rec.pop("@version", None)
                records.append(rec)

    # plaso: `aws cloudtrail lookup-events` entries, the record is a JSON string.
    for path in sorted((seed_dir / "plaso-lookup-events").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                records.append(json.loads(json.loads(line)["CloudTrailEvent"]))

    # AWS documentation examples: an array with an added `_source` key.
    for path in sorted((seed_dir / "awsdocs-examples").glob("*.json")):
        for rec in json.loads(path.read_text()):
            rec.pop("_source", None)
            records.append(rec)

    return [r for r in records if isinstance(r, dict) and r.get("eventSource")]


# ---------------------------------------------------------------------------
# Templates: each seed record becomes a %-format string with placeholders
# ---------------------------------------------------------------------------
#
# Placeholder keys (kept short and unlike any real value):
#   T eventTime   E eventID   Q requestID   R region   I source IP
#   A0..A3 account ids (A0 = recipient account = the file's account)
#   U user name   O role name   S role session name   K access key id
#   C errorCode   M errorMessage (already JSON-escaped)
# Formatting a template with a dict is a single C-level `%` operation, which is
# what makes 500k records take seconds rather than minutes.

MAX_ACCOUNT_SLOTS = 4

# CloudTrail's usual key order; anything else keeps its original order at the end.
KEY_ORDER = [
    "eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
    "sourceIPAddress", "userAgent", "errorCode", "errorMessage", "requestParameters",
    "responseElements", "additionalEventData", "requestID", "eventID", "readOnly", "resources",
    "eventType", "apiVersion", "managementEvent", "recipientAccountId", "sharedEventID",
    "vpcEndpointId", "eventCategory", "tlsDetails", "sessionCredentialFromConsole",
]

ARN_ACCOUNT_RE = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]*:[a-z0-9-]*:(\d{12})[:/]")
TWELVE_DIGITS_RE = re.compile(r"(?<!\d)(\d{12})(?!\d)")
IPV4_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
NAME_BOUNDARY = r"A-Za-z0-9_+=,.@-"

# eventSource host label -> IAM service prefix, where they differ.
SERVICE_PREFIX = {"monitoring": "cloudwatch", "email": "ses"}

# Services whose API answers a denial with `AccessDenied` (query/XML protocols);
# EC2 uses `Client.UnauthorizedOperation`; the JSON protocol services use
# `AccessDeniedException` (the default).
ACCESS_DENIED_SERVICES = {"iam", "sts", "s3", "organizations", "rds", "elasticloadbalancing",
                          "cloudwatch", "sqs", "autoscaling", "cloudformation"}


# Services without regional ARNs; a denial names "*" when there is no better resource.
GLOBAL_SERVICES = {"sts", "organizations", "cloudfront", "route53", "account", "support"}


@dataclass
class Template:
    text: str                # the record, ready for `text % mapping`
    err_text: str | None     # the same record with errorCode/errorMessage placeholders
    prefix: str              # IAM service prefix, e.g. "ec2"
    event_name: str
    arn: str | None          # userIdentity.arn as a %-template (None: cannot be denied)
    resource: str | None     # a resource ARN (%-template) for denial messages
    code: str | None         # the errorCode the seed record already carries
    key_prefix: str          # AKIA/ASIA for the access key placeholder
    s3_request_id: bool      # S3 request ids are 16 upper-case alnum, not uuids


def collect_known_accounts(records: list[dict]) -> set[str]:
    """Every string that is used as an account id somewhere in the seed data."""
    known = set()
    for rec in records:
        ui = rec.get("userIdentity") or {}
        issuer = ((ui.get("sessionContext") or {}).get("sessionIssuer") or {})
        for value in (rec.get("recipientAccountId"), ui.get("accountId"), issuer.get("accountId")):
            if isinstance(value, str) and value.isdigit() and len(value) == 12:
                known.add(value)
        known.update(ARN_ACCOUNT_RE.findall(json.dumps(rec)))
    return known


def repair_assumed_role_arn(ui: dict) -> None:
    """Rebuild `assumed-role/ROLE/SESSION` where the upstream anonymisation mangled it."""
    arn = ui.get("arn")
    issuer = ((ui.get("sessionContext") or {}).get("sessionIssuer") or {})
    pid = ui.get("principalId") or ""
    if (ui.get("type") == "AssumedRole" and isinstance(arn, str) and arn.count("/") < 2
            and issuer.get("userName") and ":" in pid):
        account = ui.get("accountId") or issuer.get("accountId")
        ui["arn"] = f"arn:aws:sts::{account}:assumed-role/{issuer['userName']}/{pid.split(':', 1)[1]}"


def principal_names(ui: dict) -> dict[str, str]:
    """Names in userIdentity to vary, mapped to their placeholder key."""
    names: dict[str, str] = {}
    kind = ui.get("type")
    arn = ui.get("arn") or ""
    if kind == "IAMUser" and ui.get("userName"):
        names[ui["userName"]] = "U"
    elif kind == "FederatedUser" and "/" in arn:
        names[arn.rsplit("/", 1)[-1]] = "U"
    elif kind == "AssumedRole" and arn.count("/") >= 2:
        _, role, session = arn.split("/", 2)
        names[role] = "O"
        names[session] = "S"
    # Too short a name would be replaced inside unrelated words.
    return {n: k for n, k in names.items() if len(n) >= 4}


def service_prefix(event_source: str) -> str:
    label = event_source.split(".", 1)[0]
    return SERVICE_PREFIX.get(label, label)


def resource_for(rec: dict, prefix: str, region: str, account: str) -> str | None:
    """A plausible resource for a denial message, in the form the service prints it."""
    rp = rec.get("requestParameters") or {}
    if not isinstance(rp, dict):
        rp = {}
    for res in rec.get("resources") or []:
        if isinstance(res, dict) and isinstance(res.get("ARN"), str):
            return res["ARN"]
    if prefix == "s3":
        bucket, key = rp.get("bucketName"), rp.get("key")
        if bucket:
            # S3 quotes the resource in its messages.
            return '"arn:aws:s3:::%s%s"' % (bucket, "/" + key if key else "")
        return None
    if prefix == "sts" and isinstance(rp.get("roleArn"), str):
        return rp["roleArn"]
    if prefix in GLOBAL_SERVICES:
        return "*"  # e.g. organizations:LeaveOrganization "on resource: *"
    if prefix == "iam":
        for field, kind in (("roleName", "role"), ("userName", "user"), ("groupName", "group")):
            if isinstance(rp.get(field), str):
                return f"arn:aws:iam::{account}:{kind}/{rp[field]}"
        if isinstance(rp.get("policyArn"), str):
            return rp["policyArn"]
        return f"arn:aws:iam::{account}:*"
    if prefix == "ec2":
        found = re.search(r'"instanceId":"(i-[0-9a-f]+)"', json.dumps(rp, separators=(",", ":")))
        return f"arn:aws:ec2:{region}:{account}:instance/{found.group(1) if found else '*'}"
    if prefix == "secretsmanager":
        sid = rp.get("secretId")
        if isinstance(sid, str):
            return sid if sid.startswith("arn:") else f"arn:aws:secretsmanager:{region}:{account}:secret:{sid}"
        return f"arn:aws:secretsmanager:{region}:{account}:secret:*"
    if prefix == "ssm":
        name = rp.get("name") or (rp.get("names") or [None])[0]
        if isinstance(name, str):
            return f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}"
    if prefix == "lambda" and isinstance(rp.get("functionName"), str):
        fn = rp["functionName"]
        return fn if fn.startswith("arn:") else f"arn:aws:lambda:{region}:{account}:function:{fn}"
    if prefix == "kms" and isinstance(rp.get("keyId"), str):
        key = rp["keyId"]
        return key if key.startswith("arn:") else f"arn:aws:kms:{region}:{account}:key/{key}"
    return f"arn:aws:{prefix}:{region}:{account}:*"


class Substituter:
    """Turns literal values of one seed record into placeholders, consistently."""

    def __init__(self, accounts: list[str], region: str, names: dict[str, str]):
        self.account_slot = {acct: f"A{i}" for i, acct in enumerate(accounts)}
        self.region_re = re.compile(r"(?<![A-Za-z0-9-])" + re.escape(region) + r"(?![0-9])")
        self.name_res = [
            (re.compile(f"(?<![{NAME_BOUNDARY}])" + re.escape(n) + f"(?![{NAME_BOUNDARY}])"), k)
            for n, k in sorted(names.items(), key=lambda item: -len(item[0]))
        ]

    def __call__(self, text: str) -> str:
        text = text.replace("%", "%%")
        text = TWELVE_DIGITS_RE.sub(
            lambda m: f"%({self.account_slot[m.group(1)]})s" if m.group(1) in self.account_slot
            else m.group(1), text)
        text = self.region_re.sub("%(R)s", text)
        for regex, key in self.name_res:
            text = regex.sub(f"%({key})s", text)
        return text


def ordered(rec: dict) -> dict:
    out = {k: rec[k] for k in KEY_ORDER if k in rec}
    out.update((k, v) for k, v in rec.items() if k not in out)
    return out


def to_template_text(rec: dict, subst: Substituter) -> str:
    text = subst(json.dumps(ordered(rec), separators=(",", ":")))
    for key in ("T", "E", "Q", "I", "K", "C", "M"):
        text = text.replace(f'"@@{key}@@"', f'"%({key})s"')
    return text


def build_template(rec: dict, known_accounts: set[str]) -> Template:
    rec = json.loads(json.dumps(rec))  # private deep copy
    ui = rec.get("userIdentity")
    if not isinstance(ui, dict):
        ui = rec["userIdentity"] = {}
    primary = rec.get("recipientAccountId") or ui.get("accountId") or "123456789012"
    region = rec.get("awsRegion") or "us-east-1"
    rec["awsRegion"] = region
    rec["recipientAccountId"] = primary
    rec["eventTime"] = "@@T@@"
    rec["eventID"] = "@@E@@"
    rec["requestID"] = "@@Q@@"
    if IPV4_RE.match(str(rec.get("sourceIPAddress", ""))):
        rec["sourceIPAddress"] = "@@I@@"
    repair_assumed_role_arn(ui)
    key_prefix = "AKIA"
    if isinstance(ui.get("accessKeyId"), str):
        key_prefix = "ASIA" if ui["accessKeyId"].startswith("ASIA") else "AKIA"
        ui["accessKeyId"] = "@@K@@"

    # Account slots: the recipient first, then others in order of appearance.
    accounts = [primary]
    for acct in TWELVE_DIGITS_RE.findall(json.dumps(rec)):
        if acct in known_accounts and acct not in accounts and len(accounts) < MAX_ACCOUNT_SLOTS:
            accounts.append(acct)
    subst = Substituter(accounts, region, principal_names(ui))

    prefix = service_prefix(rec["eventSource"])
    text = to_template_text(rec, subst)

    err_text = None
    code = rec.get("errorCode")
    if code is None:
        err = dict(rec, errorCode="@@C@@", errorMessage="@@M@@", responseElements=None)
        err_text = to_template_text(err, subst)

    arn = ui.get("arn")
    deniable = (isinstance(arn, str) and ui.get("type") in ("IAMUser", "AssumedRole", "Root", "FederatedUser")
                and prefix not in ("signin",) and rec.get("eventType", "AwsApiCall") == "AwsApiCall")
    resource = resource_for(rec, prefix, region, primary)
    return Template(
        text=text,
        err_text=err_text,
        prefix=prefix,
        event_name=str(rec.get("eventName", "")),
        arn=subst(arn) if deniable else None,
        resource=subst(resource) if resource else None,
        code=code,
        key_prefix=key_prefix,
        s3_request_id=prefix == "s3",
    )


# ---------------------------------------------------------------------------
# Global state shared with the worker processes (inherited through fork)
# ---------------------------------------------------------------------------

@dataclass
class World:
    clean: list[Template]       # no error; the bulk of the output
    deniable: list[Template]    # clean templates that can carry a synthesised denial
    seed_denials: list[Template]
    seed_errors: list[Template]
    denial_codes: frozenset[str]
    accounts: list[str]
    external_accounts: list[str]
    org_id: str
    scp_ids: list[str]
    rcp_ids: list[str]
    users: list[str]
    roles: list[str]
    sessions: list[str]
    ips: list[str]
    access_keys: dict[str, list[str]]
    out: Path
    denial_share: float
    error_share: float
    seed_denial_share: float
    gzip_level: int


WORLD: World | None = None


def rand_str(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choices(alphabet, k=n))


def uuid4(rng: random.Random) -> str:
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def iso(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def json_escape(s: str) -> str:
    return json.dumps(s)[1:-1]


# Denial contexts: (weight, kind, policy type, which ARN to append)
DENIAL_CONTEXTS = [
    (50, "implicit", "identity-based policy", None),
    (10, "explicit", "service control policy", "scp"),
    (5, "implicit", "service control policy", None),
    (5, "explicit", "identity-based policy", "iam"),
    (8, "implicit", "resource-based policy", None),
    (4, "explicit", "resource-based policy", None),
    (7, "implicit", "permissions boundary", None),
    (2, "explicit", "permissions boundary", "iam"),
    (4, "implicit", "session policy", None),
    (2, "explicit", "resource control policy", "rcp"),
    (2, "implicit", "VPC endpoint policy", None),
    (3, "none", None, None),  # legacy form without a context clause
]
DENIAL_CONTEXT_WEIGHTS = [c[0] for c in DENIAL_CONTEXTS]
MANAGED_DENY_POLICIES = ["DenyOutsideApprovedRegions", "DenyDeleteProtection", "QuarantinePolicy",
                         "DenyWithoutMFA", "BoundaryDevelopers"]


def denial_code_for(prefix: str) -> str:
    if prefix == "ec2":
        return "Client.UnauthorizedOperation"
    if prefix in ACCESS_DENIED_SERVICES:
        return "AccessDenied"
    return "AccessDeniedException"


def denial_message(tpl: Template, m: dict, rng: random.Random, code: str) -> str:
    w = WORLD
    action = f"{tpl.prefix}:{tpl.event_name}"
    if tpl.prefix == "s3" and rng.random() < 0.1:
        return "Access Denied"  # what S3 says to callers outside the organization
    msg = f"User: {tpl.arn % m} is not authorized to perform: {action}"
    if tpl.resource and not (tpl.event_name.startswith(("List", "Describe")) and rng.random() < 0.5):
        msg += f" on resource: {tpl.resource % m}"
    _, kind, ptype, arn_kind = rng.choices(DENIAL_CONTEXTS, weights=DENIAL_CONTEXT_WEIGHTS)[0]
    if kind == "implicit":
        msg += f" because no {ptype} allows the {action} action"
    elif kind == "explicit":
        article = "an" if ptype[0] in "aeiou" else "a"
        msg += f" with an explicit deny in {article} {ptype}"
        if arn_kind == "scp":
            msg += f": arn:aws:organizations::{w.accounts[0]}:policy/{w.org_id}/service_control_policy/{rng.choice(w.scp_ids)}"
        elif arn_kind == "rcp":
            msg += f": arn:aws:organizations::{w.accounts[0]}:policy/{w.org_id}/resource_control_policy/{rng.choice(w.rcp_ids)}"
        elif arn_kind == "iam":
            if rng.random() < 0.2:
                msg += ": arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3"
            else:
                msg += f": arn:aws:iam::{m['A0']}:policy/{rng.choice(MANAGED_DENY_POLICIES)}"
    if code == "Client.UnauthorizedOperation":
        blob = rand_str(rng, BLOB_ALPHABET, rng.randint(300, 1200))
        msg = f"You are not authorized to perform this operation. {msg}. Encoded authorization failure message: {blob}"
    return msg


def non_denial_error(tpl: Template, m: dict, rng: random.Random) -> tuple[str, str]:
    """An ordinary failure: not found, throttled or invalid input."""
    p = tpl.prefix
    r = rng.random()
    if r < 0.45:  # not found
        if p == "iam":
            return "NoSuchEntity", f"The role with name {rng.choice(WORLD.roles)} cannot be found."
        if p == "s3":
            return rng.choice([("NoSuchKey", "The specified key does not exist."),
                               ("NoSuchBucket", "The specified bucket does not exist")])
        if p == "ec2":
            return ("Client.InvalidInstanceID.NotFound",
                    f"The instance ID 'i-0{rand_str(rng, '0123456789abcdef', 16)}' does not exist")
        if p == "ssm":
            return "ParameterNotFound", ""
        if p == "secretsmanager":
            return "ResourceNotFoundException", "Secrets Manager can't find the specified secret."
        if p == "lambda":
            return ("ResourceNotFoundException",
                    f"Function not found: arn:aws:lambda:{m['R']}:{m['A0']}:function:app-{rand_str(rng, LOWER_ALNUM, 6)}")
        return "ResourceNotFoundException", "Requested resource not found"
    if r < 0.85:  # throttled
        if p == "ec2":
            return "Client.RequestLimitExceeded", "Request limit exceeded."
        if p == "s3":
            return "SlowDown", "Please reduce your request rate."
        if p in ("iam", "sts"):
            return "Throttling", "Rate exceeded"
        return "ThrottlingException", "Rate exceeded"
    if p in ("iam", "sts"):
        return "ValidationError", "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64"
    if p == "ec2":
        return "Client.InvalidParameterValue", "Value () for parameter groupId is invalid. The value cannot be empty"
    return ("ValidationException",
            "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null")


@dataclass
class FilePlan:
    index: int
    account: int      # index into WORLD.accounts
    region: str
    delivery: int     # epoch seconds of the file's timestamp (a 5-minute boundary)
    records: int
    seed: int


def log_file_relpath(w: World, account: str, region: str, delivery: int, suffix: str) -> str:
    day = time.strftime("%Y/%m/%d", time.gmtime(delivery))
    stamp = time.strftime("%Y%m%dT%H%MZ", time.gmtime(delivery))
    return (f"AWSLogs/{w.org_id}/{account}/CloudTrail/{region}/{day}/"
            f"{account}_CloudTrail_{region}_{stamp}_{suffix}.json.gz")


def write_log_file(plan: FilePlan) -> dict:
    """Generate, compress and write one CloudTrail log file; return its statistics."""
    w = WORLD
    rng = random.Random(plan.seed)
    account = w.accounts[plan.account]
    others = [a for a in w.accounts if a != account] + w.external_accounts

    # Events of the 5 minutes before delivery, in order.
    times = sorted(rng.randrange(plan.delivery - FIVE_MINUTES, plan.delivery) for _ in range(plan.records))
    parts = []
    denials: Counter = Counter()
    errors: Counter = Counter()
    denial_share, error_share = w.denial_share, w.error_share
    choice, rnd = rng.choice, rng.random
    for ts in times:
        m = {
            "T": iso(ts), "E": uuid4(rng), "R": plan.region, "A0": account,
            "A1": choice(others), "A2": choice(others), "A3": choice(others),
            "U": choice(w.users), "O": choice(w.roles), "S": choice(w.sessions), "I": choice(w.ips),
        }
        u = rnd()
        if u < denial_share:
            if w.seed_denials and rnd() < w.seed_denial_share:
                tpl = choice(w.seed_denials)
                code, text_tpl = tpl.code, tpl.text
            else:
                tpl = choice(w.deniable)
                code = denial_code_for(tpl.prefix)
                m["C"], m["M"] = code, json_escape(denial_message(tpl, m, rng, code))
                text_tpl = tpl.err_text
        elif u < denial_share + error_share:
            if w.seed_errors and rnd() < 0.1:
                tpl = choice(w.seed_errors)
                code, text_tpl = tpl.code, tpl.text
            else:
                tpl = choice(w.clean)
                code, message = non_denial_error(tpl, m, rng)
                m["C"], m["M"] = code, json_escape(message)
                text_tpl = tpl.err_text
        else:
            tpl = choice(w.clean)
            code, text_tpl = None, tpl.text
        if code is not None:
            (denials if code in w.denial_codes else errors)[code] += 1
        m["Q"] = rand_str(rng, UPPER_ALNUM, 16) if tpl.s3_request_id else uuid4(rng)
        m["K"] = choice(w.access_keys[tpl.key_prefix])
        parts.append(text_tpl % m)

    raw = ('{"Records":[' + ",".join(parts) + "]}").encode()
    data = gzip.compress(raw, compresslevel=w.gzip_level, mtime=0)
    rel = log_file_relpath(w, account, plan.region, plan.delivery, rand_str(rng, ALNUM, 16))
    path = w.out / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {
        "index": plan.index, "account": account, "region": plan.region, "delivery": plan.delivery,
        "relpath": rel, "records": plan.records, "denials": denials, "errors": errors,
        "raw_bytes": len(raw), "gz_bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
        "oldest": iso(times[0]), "newest": iso(times[-1]),
    }


# ---------------------------------------------------------------------------
# Decoys: digest and Insights files
# ---------------------------------------------------------------------------

def write_digests(w: World, results: list[dict], count: int, rng: random.Random,
                  bucket: str, trail: str, home_region: str) -> tuple[int, int]:
    """Write `count` hourly digest files, each listing the log files of one hour."""
    by_hour: dict[tuple, list[dict]] = defaultdict(list)
    for r in results:
        by_hour[(r["account"], r["region"], r["delivery"] // 3600)].append(r)
    chosen = sorted(rng.sample(sorted(by_hour), min(count, len(by_hour))), key=lambda k: (k[0], k[1], k[2]))
    previous: dict[tuple, tuple[str, str, str]] = {}
    written = size = 0
    for account, region, hour in chosen:
        files = sorted(by_hour[(account, region, hour)], key=lambda r: r["delivery"])
        end = (hour + 1) * 3600 + rng.randrange(60, 900)
        start = end - 3600
        day = time.strftime("%Y/%m/%d", time.gmtime(end))
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(end))
        rel = (f"AWSLogs/{w.org_id}/{account}/CloudTrail-Digest/{region}/{day}/"
               f"{account}_CloudTrail-Digest_{region}_{trail}_{home_region}_{stamp}.json.gz")
        prev = previous.get((account, region))
        digest = {
            "awsAccountId": account,
            "digestStartTime": iso(start),
            "digestEndTime": iso(end),
            "digestS3Bucket": bucket,
            "digestS3Object": rel,
            "digestPublicKeyFingerprint": rand_str(rng, "0123456789abcdef", 32),
            "digestSignatureAlgorithm": "SHA256withRSA",
            "newestEventTime": max(f["newest"] for f in files),
            "oldestEventTime": min(f["oldest"] for f in files),
            "previousDigestS3Bucket": bucket if prev else None,
            "previousDigestS3Object": prev[0] if prev else None,
            "previousDigestHashValue": prev[1] if prev else None,
            "previousDigestHashAlgorithm": "SHA-256" if prev else None,
            "previousDigestSignature": prev[2] if prev else None,
            "logFiles": [
                {"s3Bucket": bucket, "s3Object": f["relpath"], "hashValue": f["sha256"],
                 "hashAlgorithm": "SHA-256", "newestEventTime": f["newest"], "oldestEventTime": f["oldest"]}
                for f in files
            ],
        }
        raw = json.dumps(digest, separators=(",", ":")).encode()
        data = gzip.compress(raw, compresslevel=w.gzip_level, mtime=0)
        path = w.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        previous[(account, region)] = (rel, hashlib.sha256(raw).hexdigest(), rand_str(rng, "0123456789abcdef", 512))
        written += 1
        size += len(data)
    return written, size


def write_insights(w: World, results: list[dict], count: int, rng: random.Random) -> tuple[int, int]:
    """Write `count` Insights files: ApiErrorRateInsight events about AccessDeniedException.

    Their errorCode sits inside insightDetails, never at the top level; they are
    not denials and live outside CloudTrail/, so a correct scanner counts none.
    """
    written = size = 0
    for r in rng.sample(results, min(count, len(results))):
        account, region, delivery = r["account"], r["region"], r["delivery"]
        shared = uuid4(rng)
        source, name = rng.choice([("kms.amazonaws.com", "Decrypt"), ("s3.amazonaws.com", "GetObject"),
                                   ("secretsmanager.amazonaws.com", "GetSecretValue")])
        records = []
        for state, ts in (("Start", delivery - 2 * FIVE_MINUTES), ("End", delivery - FIVE_MINUTES)):
            records.append({
                "eventVersion": "1.08", "eventTime": iso(ts), "awsRegion": region,
                "eventID": uuid4(rng), "eventType": "AwsCloudTrailInsight", "recipientAccountId": account,
                "sharedEventID": shared,
                "insightDetails": {
                    "state": state, "eventSource": source, "eventName": name,
                    "insightType": "ApiErrorRateInsight", "errorCode": "AccessDeniedException",
                    "insightContext": {
                        "statistics": {"baseline": {"average": 0.0}, "insight": {"average": 12.5},
                                       "insightDuration": 5, "baselineDuration": 10079},
                        "attributions": [
                            {"attribute": "userIdentityArn",
                             "insight": [{"value": f"arn:aws:iam::{account}:role/{rng.choice(w.roles)}", "average": 12.5}],
                             "baseline": []},
                            {"attribute": "errorCode",
                             "insight": [{"value": "AccessDeniedException", "average": 12.5}],
                             "baseline": [{"value": "null", "average": 0.0}]},
                        ],
                    },
                },
                "eventCategory": "Insight",
            })
        day = time.strftime("%Y/%m/%d", time.gmtime(delivery))
        stamp = time.strftime("%Y%m%dT%H%MZ", time.gmtime(delivery))
        rel = (f"AWSLogs/{w.org_id}/{account}/CloudTrail-Insight/{region}/{day}/"
               f"{account}_CloudTrail-Insight_{region}_{stamp}_{rand_str(rng, ALNUM, 16)}.json.gz")
        data = gzip.compress(json.dumps({"Records": records}, separators=(",", ":")).encode(),
                             compresslevel=w.gzip_level, mtime=0)
        path = w.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written += 1
        size += len(data)
    return written, size


# ---------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------

FIRST_NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
               "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
               "yasmin", "zoe", "priya", "chen", "fatima", "kenji", "lucia", "omar", "sven"]
ROLE_NAMES = ["OrganizationAccountAccessRole", "GitHubActionsDeploy", "TerraformApply", "eks-node-group-role",
              "app-backend-role", "data-pipeline-role", "lambda-exec-orders", "lambda-exec-billing",
              "ecs-task-web", "ecs-task-worker", "ReadOnlyAuditor", "SecurityHubReader", "BackupOperator",
              "ci-artifacts-writer", "glue-crawler-role", "sagemaker-execution", "bastion-instance-role",
              "cost-explorer-reader", "incident-responder", "batch-job-role"]


def build_pools(rng: random.Random, n_accounts: int | None, account_list: list[str] | None) -> dict:
    accounts = account_list or []
    while len(accounts) < (n_accounts or 0):
        acct = str(rng.randrange(10**11, 10**12))
        if acct not in accounts:
            accounts.append(acct)
    users = [f"{n}{'' if i % 3 else '.' + rand_str(rng, string.ascii_lowercase, 5)}" for i, n in enumerate(FIRST_NAMES)]
    users += [f"svc-{rand_str(rng, string.ascii_lowercase, 6)}" for _ in range(12)]
    roles = list(ROLE_NAMES)
    roles += [f"AWSReservedSSO_{p}_{rand_str(rng, '0123456789abcdef', 16)}"
              for p in ("AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "Developers", "DataScientists")]
    sessions = []
    for i in range(400):
        kind = i % 5
        if kind == 0:
            sessions.append(f"aws-go-sdk-{rng.randrange(10**18, 10**19)}")
        elif kind == 1:
            sessions.append(f"botocore-session-{rng.randrange(10**9, 10**10)}")
        elif kind == 2:
            sessions.append(f"{rng.choice(FIRST_NAMES)}@example.com")
        elif kind == 3:
            sessions.append(f"i-0{rand_str(rng, '0123456789abcdef', 16)}")
        else:
            sessions.append(f"GitHubActions-{rng.randrange(10**9, 10**10)}")
    ips = []
    for i in range(300):
        if i % 3 == 0:
            ips.append(f"203.0.113.{rng.randrange(1, 255)}")
        elif i % 3 == 1:
            ips.append(f"198.51.100.{rng.randrange(1, 255)}")
        else:
            ips.append(f"{rng.choice([3, 18, 34, 52, 54, 99])}.{rng.randrange(0, 256)}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}")
    access_keys = {p: [p + rand_str(rng, UPPER_ALNUM, 16) for _ in range(200)] for p in ("AKIA", "ASIA")}
    return {
        "accounts": accounts,
        "external_accounts": [str(rng.randrange(10**11, 10**12)) for _ in range(3)],
        "org_id": "o-" + rand_str(rng, LOWER_ALNUM, 10),
        "scp_ids": ["p-" + rand_str(rng, LOWER_ALNUM, 8) for _ in range(4)],
        "rcp_ids": ["p-" + rand_str(rng, LOWER_ALNUM, 8) for _ in range(2)],
        "users": users, "roles": roles, "sessions": sessions, "ips": ips, "access_keys": access_keys,
    }


def plan_files(rng: random.Random, total: int, n_accounts: int, regions: list[str], start: int, days: int,
               min_size: int, max_size: int) -> list[FilePlan]:
    """Split `total` records into files of log-uniform size, spread over streams and 5-minute slots."""
    sizes = []
    remaining = total
    lo, hi = math.log(min_size), math.log(max_size)
    while remaining > 0:
        n = min(remaining, int(round(math.exp(rng.uniform(lo, hi)))))
        sizes.append(n)
        remaining -= n
    # Busier accounts and regions, as in a real organization.
    streams = [(a, r) for a in range(n_accounts) for r in range(len(regions))]
    account_weight = [rng.uniform(0.5, 2.0) for _ in range(n_accounts)]
    weights = [account_weight[a] / (r + 1) for a, r in streams]
    used = set()
    plans = []
    for i, n in enumerate(sizes):
        for _attempt in range(50):
            stream = rng.choices(streams, weights=weights)[0]
            slot = rng.randrange(1, days * SLOTS_PER_DAY)
            # A file delivered at 00:00 would hold the previous day's events.
            if slot % SLOTS_PER_DAY and (stream, slot) not in used:
                break
        used.add((stream, slot))
        plans.append(FilePlan(index=i, account=stream[0], region=regions[stream[1]],
                              delivery=start + slot * FIVE_MINUTES, records=n, seed=rng.getrandbits(64)))
    plans.sort(key=lambda p: p.delivery)
    return plans


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--seed-dir", type=Path, default=DEFAULT_SEED_DIR, help="the real CloudTrail samples")
    ap.add_argument("--out", type=Path, required=True, help="output directory (created; must be empty unless --force)")
    ap.add_argument("--records", type=int, default=500_000, help="CloudTrail records to write")
    ap.add_argument("--denial-share", type=float, default=0.02, help="share of records that are denials")
    ap.add_argument("--error-share", type=float, default=0.01, help="share of records with a non-denial error")
    ap.add_argument("--seed", type=int, default=1, help="seed of the random generator (output is deterministic)")
    ap.add_argument("--accounts", default="4",
                    help="number of member accounts, or a comma-separated list of 12-digit account ids")
    ap.add_argument("--regions", default="us-east-1,eu-west-1,us-west-2", help="comma-separated regions")
    ap.add_argument("--start", default="2026-11-01", help="first day (UTC) of the events, YYYY-MM-DD")
    ap.add_argument("--days", type=int, default=7, help="number of days the events are spread over")
    ap.add_argument("--min-file-records", type=int, default=100)
    ap.add_argument("--max-file-records", type=int, default=2000)
    ap.add_argument("--digests", type=int, default=20, help="CloudTrail-Digest files to write (decoys)")
    ap.add_argument("--insights", type=int, default=4, help="CloudTrail-Insight files to write (decoys)")
    ap.add_argument("--gzip-level", type=int, default=6)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    ap.add_argument("--force", action="store_true", help="clear AWSLogs/ and EXPECTED.json in --out first")
    args = ap.parse_args(argv)
    if args.records < 1 or not 0 <= args.denial_share <= 1 or not 0 <= args.error_share <= 1 - args.denial_share:
        ap.error("need --records >= 1 and 0 <= --denial-share + --error-share <= 1")
    if not 1 <= args.min_file_records <= args.max_file_records:
        ap.error("need 1 <= --min-file-records <= --max-file-records")
    return args


def main(argv: list[str]) -> int:
    global WORLD
    args = parse_args(argv)
    started = time.monotonic()
    rng = random.Random(args.seed)

    out: Path = args.out
    if out.exists() and any(out.iterdir()):
        if not args.force:
            print(f"gen_corpus: {out} is not empty (use --force to replace a generated corpus)", file=sys.stderr)
            return 2
        shutil.rmtree(out / "AWSLogs", ignore_errors=True)
        (out / "EXPECTED.json").unlink(missing_ok=True)
    out.mkdir(parents=True, exist_ok=True)

    if re.fullmatch(r"\d+", args.accounts):
        n_accounts, account_list = int(args.accounts), None
    else:
        account_list = [a.strip() for a in args.accounts.split(",") if a.strip()]
        if not all(re.fullmatch(r"\d{12}", a) for a in account_list):
            print("gen_corpus: --accounts must be a count or 12-digit ids", file=sys.stderr)
            return 2
        n_accounts = len(account_list)
    regions = [r.strip() for r in args.regions.split(",") if r.strip()]
    if n_accounts < 1 or not regions:
        print("gen_corpus: need at least one account and one region", file=sys.stderr)
        return 2
    start = calendar.timegm(time.strptime(args.start, "%Y-%m-%d"))  # UTC midnight

    seeds = load_seed_records(args.seed_dir)
    if not seeds:
        print(f"gen_corpus: no seed records under {args.seed_dir}", file=sys.stderr)
        return 2
    denial_codes = load_denial_codes()
    known = collect_known_accounts(seeds)
    templates = [build_template(r, known) for r in seeds]
    clean = [t for t in templates if t.code is None]
    pools = build_pools(rng, n_accounts, account_list)
    WORLD = World(
        clean=clean,
        deniable=[t for t in clean if t.arn is not None],
        seed_denials=[t for t in templates if t.code in denial_codes],
        seed_errors=[t for t in templates if t.code is not None and t.code not in denial_codes],
        denial_codes=denial_codes,
        out=out, denial_share=args.denial_share, error_share=args.error_share,
        seed_denial_share=0.25, gzip_level=args.gzip_level, **pools,
    )

    plans = plan_files(rng, args.records, n_accounts, regions, start, args.days,
                       args.min_file_records, args.max_file_records)
    if args.jobs > 1:
        with get_context("fork").Pool(args.jobs) as pool:
            results = list(pool.imap_unordered(write_log_file, plans, chunksize=4))
    else:
        results = [write_log_file(p) for p in plans]
    results.sort(key=lambda r: r["index"])

    bucket = f"aws-cloudtrail-logs-{WORLD.accounts[0]}-{rand_str(rng, '0123456789abcdef', 8)}"
    n_digests, digest_bytes = write_digests(WORLD, results, args.digests, rng, bucket, "org-trail", regions[0])
    n_insights, insight_bytes = write_insights(WORLD, results, args.insights, rng)

    denials: Counter = Counter()
    errors: Counter = Counter()
    for r in results:
        denials.update(r["denials"])
        errors.update(r["errors"])
    expected = {
        "records": sum(r["records"] for r in results),
        "denials": sum(denials.values()),
        "uncompressed_bytes": sum(r["raw_bytes"] for r in results),
        "compressed_bytes": sum(r["gz_bytes"] for r in results),
        "log_files": len(results),
        "max_file_uncompressed_bytes": max(r["raw_bytes"] for r in results),
        "non_denial_errors": sum(errors.values()),
        "denials_by_code": dict(sorted(denials.items())),
        "non_denial_errors_by_code": dict(sorted(errors.items())),
        "digest_files": n_digests,
        "insight_files": n_insights,
        "org_id": WORLD.org_id,
        "accounts": WORLD.accounts,
        "regions": regions,
        "denial_codes_file": "bench/trail/denial_codes.txt",
        "generator": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()
                      if k not in ("out", "seed_dir", "force", "jobs")},
    }
    (out / "EXPECTED.json").write_text(json.dumps(expected, indent=2) + "\n")

    elapsed = time.monotonic() - started
    mb = 1e6
    print(f"files written:       {len(results)} log files, {n_digests} digest files, {n_insights} Insights files")
    print(f"records:             {expected['records']}")
    print(f"denials:             {expected['denials']} "
          f"({', '.join(f'{c} {n}' for c, n in sorted(denials.items()))})")
    print(f"non-denial errors:   {expected['non_denial_errors']}")
    print(f"uncompressed bytes:  {expected['uncompressed_bytes']} ({expected['uncompressed_bytes'] / mb:.1f} MB, log files)")
    print(f"compressed bytes:    {expected['compressed_bytes']} ({expected['compressed_bytes'] / mb:.1f} MB, log files;"
          f" decoys {(digest_bytes + insight_bytes) / 1e3:.1f} kB)")
    print(f"written to:          {out} in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
