#!/usr/bin/env python3
"""Writes N simulate scenarios (issue 22) as one JSON array, pretty-printed or on one line.

Each scenario is a role session with 10 identity-based policies of 20 statements (exact
actions, `List*`/`Get*` wildcards, ARN patterns, a condition on every statement:
`StringEquals` with a `${aws:PrincipalTag/team}` variable, `IpAddress`, `Bool` + `StringLike`,
`DateLessThan`) plus, for S3 requests, the bucket's policy. As in a real account, the identity
policies are drawn from a pool of shared managed-policy documents (50 by default), and every
bucket has one policy shared by the scenarios that use it. The statements mirror the criterion
fixture of `crates/iamwhy-eval/benches/decision.rs`.

    gen_scenarios.py --count 2000 [--pool 50] [--one-line] [--seed 22] OUT
"""
import argparse
import json
import random

ACCOUNT = "111122223333"
SERVICES = [
    ("s3", ["GetObject", "PutObject", "ListBucket", "DeleteObject", "GetBucketPolicy"]),
    ("ec2", ["DescribeInstances", "RunInstances", "StartInstances", "StopInstances"]),
    ("dynamodb", ["GetItem", "PutItem", "Query", "Scan", "UpdateItem"]),
    ("kms", ["Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey"]),
    ("sqs", ["SendMessage", "ReceiveMessage", "DeleteMessage"]),
    ("logs", ["CreateLogStream", "PutLogEvents"]),
    ("lambda", ["InvokeFunction", "GetFunction"]),
]
CONDITIONS = [
    {"StringEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/team}",
                      "aws:RequestedRegion": ["us-east-1", "eu-west-1"]}},
    {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.0/24"]}},
    {"Bool": {"aws:SecureTransport": "true"},
     "StringLike": {"s3:prefix": ["home/${aws:PrincipalTag/team}/*"]}},
    {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
]


def statement(i, j):
    service, actions = SERVICES[(i * 20 + j) % len(SERVICES)]
    action = actions[j % len(actions)]
    if service == "sqs" and j % 5 == 0:
        # A wildcard that matches no action of the service (a common slip): the
        # `action-matches-nothing` warning, repeated wherever the document is attached.
        action_el = "sqs:Put*"
    elif j % 5 == 0:
        action_el = f"{service}:{action[:3]}*"
    else:
        action_el = [f"{service}:{action}", f"{service}:List*"]
    if service == "s3":
        resource = [f"arn:aws:s3:::bucket-{i % 10}", f"arn:aws:s3:::bucket-{i % 10}/*"]
    elif service == "dynamodb":
        resource = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t{j}"
    elif service == "kms":
        resource = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*"
    else:
        resource = "*"
    return {
        "Sid": f"S{i}x{j}",
        "Effect": "Deny" if j == 19 else "Allow",
        "Action": action_el,
        "Resource": resource,
        "Condition": CONDITIONS[j % 4],
    }


def identity_document(i):
    return {"Version": "2012-10-17", "Statement": [statement(i, j) for j in range(20)]}


def bucket_policy(bucket):
    arn = f"arn:aws:s3:::{bucket}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": [arn, f"{arn}/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
            {"Sid": "DenyOutsideOrg", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": f"{arn}/*",
             "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}},
            {"Sid": "AnalystsRead", "Effect": "Allow",
             "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/analyst"},
             "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": f"{arn}/*",
             "Condition": {"StringLike": {"aws:userid": "AROA*:*"}}},
            {"Sid": "VpceOnlyWrites", "Effect": "Deny", "Principal": "*",
             "Action": "s3:DeleteObject", "Resource": f"{arn}/*",
             "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}},
        ],
    }


def scenario(k, rng, pool):
    role = "analyst" if k % 7 == 0 else f"app-{k}"
    team = rng.choice(["data", "web", "ops"])
    docs = rng.sample(range(pool), 10)
    service, actions = rng.choice([SERVICES[0]] * 4 + [SERVICES[1], SERVICES[2], SERVICES[4], SERVICES[5]])
    action = rng.choice(actions)
    context = {
        "aws:SourceIp": rng.choice(["203.0.113.10", "198.51.100.7", "192.0.2.1"]),
        "aws:RequestedRegion": rng.choice(["us-east-1", "eu-west-1", "ap-south-1"]),
        "aws:SecureTransport": rng.choice(["true", "true", "true", "false"]),
    }
    s = {
        "name": f"s{k}",
        "principal": {
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/session-{k}",
            "unique_id": f"AROAEXAMPLE{k:09d}",
            "tags": {"team": team},
            "org_id": rng.choice(["o-abc123", "o-abc123", "o-other999"]),
        },
        "action": f"{service}:{action}",
        "resource_account": ACCOUNT,
        "context": context,
        "current_time": "2026-12-01T12:00:00Z",
        "identity_policies": [
            {"name": f"managed-{d}", "arn": f"arn:aws:iam::{ACCOUNT}:policy/managed-{d}",
             "document": identity_document(d)}
            for d in docs
        ],
    }
    if service == "s3":
        bucket = f"bucket-{rng.choice(docs) % 10}" if rng.random() < 0.8 else "reports"
        if action == "ListBucket":
            s["resource"] = f"arn:aws:s3:::{bucket}"
            s["context"]["s3:prefix"] = rng.choice([f"home/{team}/", "home/other/"])
        elif action == "GetBucketPolicy":
            s["resource"] = f"arn:aws:s3:::{bucket}"
        else:
            s["resource"] = f"arn:aws:s3:::{bucket}/2026/q{k % 4 + 1}.csv"
        s["resource_policy"] = {"name": f"bucket policy of {bucket}", "document": bucket_policy(bucket)}
    elif service == "dynamodb":
        s["resource"] = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t{rng.randrange(20)}"
    elif service == "sqs":
        s["resource"] = f"arn:aws:sqs:us-east-1:{ACCOUNT}:queue-{rng.randrange(5)}"
    elif service == "logs":
        s["resource"] = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:app:log-stream:s{k}"
    else:
        s["resource"] = "*"
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--pool", type=int, default=50)
    ap.add_argument("--one-line", action="store_true")
    ap.add_argument("--seed", type=int, default=22)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    scenarios = [scenario(k, rng, a.pool) for k in range(a.count)]
    with open(a.out, "w") as f:
        if a.one_line:
            json.dump(scenarios, f, separators=(",", ":"))
        else:
            json.dump(scenarios, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
