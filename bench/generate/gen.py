#!/usr/bin/env python3
"""The `iamwhy generate` benchmark corpus: 1,000 roles and 1,000,000 CloudTrail records.

    python3 bench/generate/gen.py --out target/generate-bench [--roles 1000] [--records 1000000]

Writes OUT/snapshot (one account, 111122223333: ROLES roles `app-NNNN`, each with an inline
policy for its own bucket, its KMS key and a few Describe calls; the keys with their default key
policy) and OUT/AWSLogs (gzip trail files of 5,000 records, one trail of the account in
us-east-1). Each role's sessions read objects of its bucket under three prefixes (most calls),
upload, list with a prefix, decrypt with its key, describe instances and ask who they are; about
1% of the reads are denied (another role's bucket). Everything is made up; deterministic for a
given ROLES and RECORDS. Python 3.9+, standard library only.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from pathlib import Path

ACCOUNT = "111122223333"
REGION = "us-east-1"


def key_id(i: int) -> str:
    return f"{i:08x}-0000-4000-8000-{i:012x}"


def snapshot(out: Path, roles: int) -> None:
    details = {"UserDetailList": [], "GroupDetailList": [], "Policies": [], "RoleDetailList": []}
    for i in range(roles):
        name = f"app-{i:04d}"
        bucket = f"bench-{i:04d}"
        key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id(i)}"
        details["RoleDetailList"].append({
            "Path": "/", "RoleName": name, "RoleId": f"AROA{i:017d}",
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "CreateDate": "2026-01-01T00:00:00+00:00",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "InstanceProfileList": [], "AttachedManagedPolicies": [], "Tags": [],
            "RolePolicyList": [{"PolicyName": "app", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], "Resource": f"arn:aws:s3:::{bucket}/*"},
                {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}"},
                {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key},
                {"Effect": "Allow", "Action": ["ec2:Describe*", "cloudwatch:PutMetricData"], "Resource": "*"},
            ]}}],
        })
        kdir = out / "kms" / key_id(i)
        kdir.mkdir(parents=True, exist_ok=True)
        (kdir / "describe-key.json").write_text(json.dumps({"KeyMetadata": {
            "AWSAccountId": ACCOUNT, "KeyId": key_id(i), "Arn": key, "Enabled": True, "KeyState": "Enabled",
            "KeyManager": "CUSTOMER", "KeyUsage": "ENCRYPT_DECRYPT", "KeySpec": "SYMMETRIC_DEFAULT",
            "Origin": "AWS_KMS", "CreationDate": "2026-01-01T00:00:00+00:00"}}))
        (kdir / "key-policy.json").write_text(json.dumps({"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
            {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
             "Action": "kms:*", "Resource": "*"}]})}))
    (out / "iam").mkdir(parents=True, exist_ok=True)
    (out / "iam" / "authorization-details.json").write_text(json.dumps(details))
    (out / "sts").mkdir(parents=True, exist_ok=True)
    (out / "sts" / "caller-identity.json").write_text(json.dumps(
        {"UserId": "AROAEXAMPLE:bench", "Account": ACCOUNT, "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/app-0000/bench"}))


def identity(i: int, session: int) -> dict:
    name = f"app-{i:04d}"
    return {"type": "AssumedRole", "principalId": f"AROA{i:017d}:i-{session:017x}",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{name}/i-{session:017x}", "accountId": ACCOUNT,
            "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
            "sessionContext": {"sessionIssuer": {"type": "Role", "principalId": f"AROA{i:017d}",
                                                 "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
                                                 "accountId": ACCOUNT, "userName": name},
                               "attributes": {"creationDate": "2026-11-20T00:00:00Z", "mfaAuthenticated": "false"}}}


def records(roles: int, total: int, rng: random.Random):
    for n in range(total):
        i = rng.randrange(roles)
        who = identity(i, rng.randrange(4))
        bucket = f"bench-{i:04d}"
        secs = n * 86400 // total
        t = f"2026-11-20T{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}Z"
        r = {"eventVersion": "1.09", "userIdentity": who, "eventTime": t, "awsRegion": REGION,
             "sourceIPAddress": f"10.0.{i % 250}.{rng.randrange(1, 250)}", "userAgent": "aws-sdk-java/2.25.0",
             "requestID": f"{n:032x}", "eventID": f"{n:08x}-0000-4000-8000-{n:012x}", "eventType": "AwsApiCall",
             "recipientAccountId": ACCOUNT, "readOnly": True, "managementEvent": True, "eventCategory": "Management"}
        roll = rng.random()
        if roll < 0.80:
            denied = rng.random() < 0.01
            b = f"bench-{(i + 1) % roles:04d}" if denied else bucket
            prefix = ("logs", "reports", "cache")[rng.randrange(3)]
            key = f"{prefix}/{rng.randrange(400)}/obj-{rng.randrange(50)}.bin"
            r.update(eventSource="s3.amazonaws.com", eventName="GetObject", eventCategory="Data", managementEvent=False,
                     requestParameters={"bucketName": b, "key": key},
                     resources=[{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{b}/{key}"},
                                {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{b}"}])
            if denied:
                r.update(errorCode="AccessDenied", errorMessage="Access Denied")
        elif roll < 0.88:
            key = f"uploads/{rng.randrange(1000)}.bin"
            r.update(eventSource="s3.amazonaws.com", eventName="PutObject", eventCategory="Data", managementEvent=False,
                     readOnly=False, requestParameters={"bucketName": bucket, "key": key},
                     resources=[{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
                                {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}])
        elif roll < 0.92:
            r.update(eventSource="s3.amazonaws.com", eventName="ListObjectsV2", eventCategory="Data", managementEvent=False,
                     requestParameters={"bucketName": bucket, "prefix": "reports/", "list-type": "2"},
                     resources=[{"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}])
        elif roll < 0.97:
            key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id(i)}"
            r.update(eventSource="kms.amazonaws.com", eventName="Decrypt",
                     requestParameters={"keyId": key, "encryptionAlgorithm": "SYMMETRIC_DEFAULT"},
                     resources=[{"accountId": ACCOUNT, "type": "AWS::KMS::Key", "ARN": key}])
        elif roll < 0.99:
            r.update(eventSource="ec2.amazonaws.com", eventName="DescribeInstances",
                     requestParameters={"instancesSet": {}, "filterSet": {}})
        else:
            r.update(eventSource="sts.amazonaws.com", eventName="GetCallerIdentity", requestParameters=None)
        yield r


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--roles", type=int, default=1000)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--per-file", type=int, default=5000)
    a = ap.parse_args()
    rng = random.Random(25)
    snapshot(a.out / "snapshot", a.roles)
    logs = a.out / "AWSLogs" / ACCOUNT / "CloudTrail" / REGION / "2026" / "11" / "20"
    logs.mkdir(parents=True, exist_ok=True)
    batch, files = [], 0
    for r in records(a.roles, a.records, rng):
        batch.append(r)
        if len(batch) == a.per_file:
            write(logs, files, batch)
            batch, files = [], files + 1
    if batch:
        write(logs, files, batch)


def write(logs: Path, n: int, batch: list) -> None:
    path = logs / f"{ACCOUNT}_CloudTrail_{REGION}_20261120T{n // 60 % 24:02d}{n % 60:02d}Z_{n:016x}.json.gz"
    data = json.dumps({"Records": batch}, separators=(",", ":")).encode()
    path.write_bytes(gzip.compress(data, compresslevel=1, mtime=0))


if __name__ == "__main__":
    main()
