#!/usr/bin/env python3
"""Seeds a moto server (`moto_server`, started by tests/moto.rs) with an organization to collect.

Usage: seed_moto.py ENDPOINT_URL. Prints one JSON object on stdout naming what was made
(account ids, ARNs), which the Rust test uses for its questions. The credentials are moto's
dummy keys; unknown keys act in 123456789012, the management account.

What the policies imply (the test's expectations):
  management account 123456789012 (SCPs and RCPs do not apply to it):
    alice (group devs, managed DevRead): s3:GetObject on mgmt-data/* allowed, except
      mgmt-data/secret/* (the bucket policy denies her); s3:PutObject not allowed.
    app-role (boundary AppBoundary: sqs:* only): sqs:SendMessage on app-queue allowed;
      secretsmanager:GetSecretValue on app-secret allowed by its inline policy but not by
      its boundary: denied.
  members app (OU prod/eu), data (OU prod), dev (OU dev):
    SCP DenyS3Delete on OU prod, SCP DenyIamUsers on account dev, RCP DenyKmsOutsideOrg on
    OU prod; data-role in app reads data-bucket (SSE-KMS, key in data) across accounts.
"""

import json
import sys

import boto3

ENDPOINT = sys.argv[1]
REGION = "us-east-1"
MGMT = "123456789012"


def client(service, creds=None):
    kw = dict(endpoint_url=ENDPOINT, region_name=REGION)
    if creds:
        kw.update(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
    else:
        kw.update(aws_access_key_id="testing", aws_secret_access_key="testing")
    return boto3.client(service, **kw)


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource, **extra):
    return dict(Effect="Allow", Action=action, Resource=resource, **extra)


def deny(action, resource, **extra):
    return dict(Effect="Deny", Action=action, Resource=resource, **extra)


out = {"management": MGMT}

# ------------------------------------------------------------- organization ---
org = client("organizations")
o = org.create_organization(FeatureSet="ALL")["Organization"]
out["org_id"] = o["Id"]
root = org.list_roots()["Roots"][0]["Id"]
for t in ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY"):
    try:
        org.enable_policy_type(RootId=root, PolicyType=t)
    except Exception:
        pass  # already enabled in moto
prod = org.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
prod_eu = org.create_organizational_unit(ParentId=prod, Name="prod-eu")["OrganizationalUnit"]["Id"]
dev_ou = org.create_organizational_unit(ParentId=root, Name="dev")["OrganizationalUnit"]["Id"]
out["ous"] = {"prod": prod, "prod-eu": prod_eu, "dev": dev_ou, "root": root}

accounts = {}
for name, ou in (("app", prod_eu), ("data", prod), ("dev", dev_ou)):
    status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
    acct = status["AccountId"]
    org.move_account(AccountId=acct, SourceParentId=root, DestinationParentId=ou)
    accounts[name] = acct
out["accounts"] = accounts


def scp(name, ptype, content, target):
    p = org.create_policy(Name=name, Description=name, Type=ptype, Content=content)["Policy"]
    pid = p["PolicySummary"]["Id"]
    org.attach_policy(PolicyId=pid, TargetId=target)
    return pid


out["policies"] = {
    "DenyS3Delete": scp("DenyS3Delete", "SERVICE_CONTROL_POLICY", doc(deny("s3:DeleteBucket", "*")), prod),
    "DenyIamUsers": scp("DenyIamUsers", "SERVICE_CONTROL_POLICY", doc(deny("iam:CreateUser", "*")), accounts["dev"]),
    "DenyKmsOutsideOrg": scp(
        "DenyKmsOutsideOrg",
        "RESOURCE_CONTROL_POLICY",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "kms:*",
                        "Resource": "*",
                        "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalOrgID": o["Id"]}},
                    }
                ],
            }
        ),
        prod,
    ),
}

# ---------------------------------------------------------- member accounts ---
sts = client("sts")
member_creds = {}
for name, acct in accounts.items():
    role = f"arn:aws:iam::{acct}:role/OrganizationAccountAccessRole"
    creds = sts.assume_role(RoleArn=role, RoleSessionName="seed")["Credentials"]
    member_creds[name] = creds
    # AWS gives this role AdministratorAccess; moto creates it without permissions.
    client("iam", creds).attach_role_policy(
        RoleName="OrganizationAccountAccessRole",
        PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess",
    )


def seed_account(prefix, creds, acct):
    """Users, groups, roles, policies and resources of one account."""
    iam = client("iam", creds)
    s3 = client("s3", creds)
    kms = client("kms", creds)
    sqs = client("sqs", creds)
    sns = client("sns", creds)
    sm = client("secretsmanager", creds)
    lam = client("lambda", creds)
    made = {}

    key = kms.create_key(Description=f"{prefix} data key")["KeyMetadata"]
    key_arn = key["Arn"]
    made["key"] = key_arn
    kms.create_alias(AliasName=f"alias/{prefix}-data", TargetKeyId=key["KeyId"])

    bucket = f"{prefix}-data"
    made["bucket"] = bucket

    dev_read = iam.create_policy(
        PolicyName="DevRead",
        PolicyDocument=doc(
            allow(["s3:GetObject", "s3:ListBucket"], [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]),
            allow(["kms:Decrypt", "kms:GenerateDataKey"], key_arn),
        ),
    )["Policy"]["Arn"]
    boundary = iam.create_policy(
        PolicyName="AppBoundary", PolicyDocument=doc(allow("sqs:*", "*"), allow("kms:*", "*"))
    )["Policy"]["Arn"]
    user_boundary = iam.create_policy(
        PolicyName="UserBoundary", PolicyDocument=doc(allow("s3:GetObject", "*"))
    )["Policy"]["Arn"]

    iam.create_group(GroupName="devs")
    iam.attach_group_policy(GroupName="devs", PolicyArn=dev_read)
    iam.put_group_policy(GroupName="devs", PolicyName="ListAll", PolicyDocument=doc(allow("s3:ListAllMyBuckets", "*")))
    iam.create_user(UserName="alice")
    iam.add_user_to_group(GroupName="devs", UserName="alice")
    made["alice"] = f"arn:aws:iam::{acct}:user/alice"
    iam.create_user(UserName="bob")
    iam.put_user_policy(UserName="bob", PolicyName="S3All", PolicyDocument=doc(allow("s3:*", "*")))
    try:
        iam.put_user_permissions_boundary(UserName="bob", PermissionsBoundary=user_boundary)
    except Exception:
        made["user_boundary_unsupported"] = True
    made["bob"] = f"arn:aws:iam::{acct}:user/bob"

    trust = doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
    role = iam.create_role(RoleName="app-role", AssumeRolePolicyDocument=trust, PermissionsBoundary=boundary)["Role"]
    made["app_role"] = role["Arn"]
    queue_url = sqs.create_queue(QueueName="app-queue")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    made["queue"] = queue_arn
    secret = sm.create_secret(Name="app/secret", SecretString="s3cr3t")["ARN"]
    made["secret"] = secret
    iam.put_role_policy(
        RoleName="app-role",
        PolicyName="AppAccess",
        PolicyDocument=doc(
            allow("sqs:SendMessage", queue_arn),
            allow("secretsmanager:GetSecretValue", secret),
        ),
    )

    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=doc(
            dict(
                Sid="NoSecretsForAlice",
                Effect="Deny",
                Principal={"AWS": made["alice"]},
                Action="s3:GetObject",
                Resource=f"arn:aws:s3:::{bucket}/secret/*",
            )
        ),
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn},
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.create_bucket(Bucket=f"{prefix}-plain")  # no policy, no encryption: "nothing to fetch"

    kms.create_grant(KeyId=key["KeyId"], GranteePrincipal=role["Arn"], Operations=["Decrypt"])

    sqs.set_queue_attributes(
        QueueUrl=queue_url,
        Attributes={
            "Policy": doc(
                dict(Effect="Allow", Principal={"AWS": f"arn:aws:iam::{acct}:root"}, Action="sqs:*", Resource=queue_arn)
            )
        },
    )
    topic = sns.create_topic(Name="app-topic")["TopicArn"]
    made["topic"] = topic
    sns.set_topic_attributes(
        TopicArn=topic,
        AttributeName="Policy",
        AttributeValue=doc(
            dict(Effect="Allow", Principal={"AWS": f"arn:aws:iam::{acct}:root"}, Action="sns:Publish", Resource=topic)
        ),
    )
    sm.put_resource_policy(
        SecretId=secret,
        ResourcePolicy=doc(
            dict(
                Effect="Allow",
                Principal={"AWS": f"arn:aws:iam::{acct}:root"},
                Action="secretsmanager:GetSecretValue",
                Resource="*",
            )
        ),
    )
    sm.create_secret(Name="no-policy", SecretString="x")  # no resource policy: no file

    fn_role = iam.create_role(
        RoleName="fn-role",
        AssumeRolePolicyDocument=trust,
    )["Role"]["Arn"]
    fn = lam.create_function(
        FunctionName="app-fn",
        Runtime="python3.12",
        Role=fn_role,
        Handler="index.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
    )["FunctionArn"]
    made["function"] = fn
    lam.add_permission(
        FunctionName="app-fn",
        StatementId="topic-invokes",
        Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com",
        SourceArn=topic,
    )
    return made


out["mgmt"] = seed_account("mgmt", None, MGMT)
out["app"] = seed_account("app", member_creds["app"], accounts["app"])
out["data"] = seed_account("data", member_creds["data"], accounts["data"])

# Cross-account: the app account's role `reader` reads the data account's SSE-KMS bucket;
# the bucket policy and the key policy in the data account let it.
app_iam = client("iam", member_creds["app"])
data_key = out["data"]["key"]
reader = app_iam.create_role(
    RoleName="reader",
    AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{accounts['app']}:root"}, "Action": "sts:AssumeRole"}
    ),
)["Role"]["Arn"]
app_iam.put_role_policy(
    RoleName="reader",
    PolicyName="ReadData",
    PolicyDocument=doc(allow("s3:GetObject", "arn:aws:s3:::data-data/*"), allow("kms:Decrypt", data_key)),
)
out["app"]["reader"] = reader
data_s3 = client("s3", member_creds["data"])
data_s3.put_bucket_policy(
    Bucket="data-data",
    Policy=doc(
        dict(
            Sid="AppReads",
            Effect="Allow",
            Principal={"AWS": reader},
            Action="s3:GetObject",
            Resource="arn:aws:s3:::data-data/*",
        )
    ),
)
data_acct = accounts["data"]
client("kms", member_creds["data"]).put_key_policy(
    KeyId=data_key,
    PolicyName="default",
    Policy=doc(
        dict(
            Sid="Account",
            Effect="Allow",
            Principal={"AWS": f"arn:aws:iam::{data_acct}:root"},
            Action="kms:*",
            Resource="*",
        ),
        dict(
            Sid="AppReaderDecrypts",
            Effect="Allow",
            Principal={"AWS": reader},
            Action="kms:Decrypt",
            Resource="*",
        ),
    ),
)

json.dump(out, sys.stdout)
