//! One account: its identity, IAM, S3 and, per Region, KMS, SQS, SNS, Secrets Manager and
//! Lambda, written in the single-account layout of docs/snapshot.md. Services run
//! concurrently; the calls of one service run one after another, which keeps the request
//! rate of an account modest (the SDK's retries absorb the throttling that remains).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use aws_config::SdkConfig;
use aws_sdk_sqs::types::QueueAttributeName;

use crate::call::{call, file_name, unique_json, write};
use crate::ops::Op;
use crate::record::Recorder;
use crate::shape;

/// Where and how one account is collected.
pub(crate) struct AccountPlan {
    pub(crate) config: SdkConfig,
    pub(crate) dir: PathBuf,
    pub(crate) regions: Vec<String>,
    /// Regional services under `REGION/` folders (more than one Region).
    pub(crate) region_folders: bool,
    /// S3 path-style addressing (an emulator at a custom endpoint).
    pub(crate) path_style: bool,
}

/// Collects one account; returns its id as `sts get-caller-identity` names it.
pub(crate) async fn collect(plan: &AccountPlan, rec: &Recorder) -> Option<String> {
    rec.step("sts");
    let sts = aws_sdk_sts::Client::new(&plan.config);
    let id = call(
        rec,
        Op::GetCallerIdentity,
        "",
        &[],
        sts.get_caller_identity().send(),
    )
    .await;
    let account = id.as_ref().and_then(|o| o.account().map(str::to_owned));
    if let Some(o) = &id {
        write(
            rec,
            &plan.dir.join("sts/caller-identity.json"),
            &shape::caller_identity(o),
        );
    }
    let account_id = account.clone().unwrap_or_else(|| rec.account.clone());
    tokio::join!(iam(plan, rec), s3(plan, rec, &account_id));
    for region in &plan.regions {
        let rrec = rec.in_region(region);
        rrec.step(region);
        let config = plan
            .config
            .to_builder()
            .region(aws_config::Region::new(region.clone()))
            .build();
        let dir = if plan.region_folders {
            plan.dir.join(file_name(region))
        } else {
            plan.dir.clone()
        };
        tokio::join!(
            kms(&config, &dir, &rrec),
            sqs(&config, &dir, &rrec),
            sns(&config, &dir, &rrec),
            secrets(&config, &dir, &rrec),
            lambda(&config, &dir, &rrec),
        );
    }
    account
}

async fn iam(plan: &AccountPlan, rec: &Recorder) {
    let iam = aws_sdk_iam::Client::new(&plan.config);
    let pages = iam
        .get_account_authorization_details()
        .into_paginator()
        .send()
        .try_collect();
    if let Some(pages) = call(rec, Op::GetAccountAuthorizationDetails, "", &[], pages).await {
        write(
            rec,
            &plan.dir.join("iam/account-authorization-details.json"),
            &shape::authorization_details(&pages),
        );
    }
}

/// The Region a bucket lives in, from `GetBucketLocation`'s answer.
fn bucket_region(constraint: Option<&str>) -> &str {
    match constraint {
        None | Some("") => "us-east-1",
        Some("EU") => "eu-west-1",
        Some(r) => r,
    }
}

fn s3_client(config: &SdkConfig, region: Option<&str>, path_style: bool) -> aws_sdk_s3::Client {
    let mut b = aws_sdk_s3::config::Builder::from(config).force_path_style(path_style);
    if let Some(r) = region {
        b = b.region(aws_sdk_s3::config::Region::new(r.to_owned()));
    }
    aws_sdk_s3::Client::from_conf(b.build())
}

async fn s3(plan: &AccountPlan, rec: &Recorder, account: &str) {
    let dir = plan.dir.join("s3");
    let control = aws_sdk_s3control::Client::new(&plan.config);
    let pab = control.get_public_access_block().account_id(account).send();
    if let Some(o) = call(
        rec,
        Op::GetAccountPublicAccessBlock,
        account,
        &["NoSuchPublicAccessBlockConfiguration"],
        pab,
    )
    .await
        && let Some(v) = shape::account_public_access_block(&o)
    {
        write(rec, &dir.join("account-public-access-block.json"), &v);
    }
    let s3 = s3_client(&plan.config, None, plan.path_style);
    let Some(pages) = call(
        rec,
        Op::ListBuckets,
        "",
        &[],
        s3.list_buckets().into_paginator().send().try_collect(),
    )
    .await
    else {
        return;
    };
    let names: Vec<String> = pages
        .iter()
        .flat_map(|p| p.buckets())
        .filter_map(|b| b.name().map(str::to_owned))
        .collect();
    for name in names {
        rec.step(&format!("s3 {name}"));
        let bdir = dir.join(file_name(&name));
        let located = call(
            rec,
            Op::GetBucketLocation,
            &name,
            &[],
            s3.get_bucket_location().bucket(&name).send(),
        )
        .await;
        // The other calls go to the bucket's own Region.
        let client = match &located {
            Some(o) => {
                write(rec, &bdir.join("location.json"), &shape::bucket_location(o));
                let region = bucket_region(o.location_constraint().map(|c| c.as_str()));
                s3_client(&plan.config, Some(region), plan.path_style)
            }
            None => s3.clone(),
        };
        if let Some(o) = call(
            rec,
            Op::GetBucketPolicy,
            &name,
            &["NoSuchBucketPolicy"],
            client.get_bucket_policy().bucket(&name).send(),
        )
        .await
            && let Some(v) = shape::bucket_policy(&o)
        {
            write(rec, &bdir.join("policy.json"), &v);
        }
        if let Some(o) = call(
            rec,
            Op::GetBucketEncryption,
            &name,
            &["ServerSideEncryptionConfigurationNotFoundError"],
            client.get_bucket_encryption().bucket(&name).send(),
        )
        .await
            && let Some(v) = shape::bucket_encryption(&o)
        {
            write(rec, &bdir.join("encryption.json"), &v);
        }
        if let Some(o) = call(
            rec,
            Op::GetBucketPublicAccessBlock,
            &name,
            &["NoSuchPublicAccessBlockConfiguration"],
            client.get_public_access_block().bucket(&name).send(),
        )
        .await
            && let Some(v) = shape::bucket_public_access_block(&o)
        {
            write(rec, &bdir.join("public-access-block.json"), &v);
        }
    }
}

async fn kms(config: &SdkConfig, dir: &Path, rec: &Recorder) {
    let kms = aws_sdk_kms::Client::new(config);
    let dir = dir.join("kms");
    let aliases = kms.list_aliases().into_paginator().send().try_collect();
    if let Some(pages) = call(rec, Op::ListAliases, "", &[], aliases).await {
        write(rec, &dir.join("aliases.json"), &shape::aliases(&pages));
    }
    let keys = kms.list_keys().into_paginator().send().try_collect();
    let Some(pages) = call(rec, Op::ListKeys, "", &[], keys).await else {
        return;
    };
    let ids: Vec<String> = pages
        .iter()
        .flat_map(|p| p.keys())
        .filter_map(|k| k.key_id().map(str::to_owned))
        .collect();
    for id in ids {
        let kdir = dir.join(file_name(&id));
        if let Some(o) = call(
            rec,
            Op::DescribeKey,
            &id,
            &[],
            kms.describe_key().key_id(&id).send(),
        )
        .await
            && let Some(v) = shape::describe_key(&o)
        {
            write(rec, &kdir.join("describe-key.json"), &v);
        }
        let policy = kms
            .get_key_policy()
            .key_id(&id)
            .policy_name("default")
            .send();
        if let Some(o) = call(rec, Op::GetKeyPolicy, &id, &[], policy).await
            && let Some(v) = shape::key_policy(&o)
        {
            write(rec, &kdir.join("key-policy.json"), &v);
        }
        let grants = kms
            .list_grants()
            .key_id(&id)
            .into_paginator()
            .send()
            .try_collect();
        if let Some(pages) = call(rec, Op::ListGrants, &id, &[], grants).await {
            write(rec, &kdir.join("grants.json"), &shape::grants(&pages));
        }
    }
}

async fn sqs(config: &SdkConfig, dir: &Path, rec: &Recorder) {
    let sqs = aws_sdk_sqs::Client::new(config);
    let list = sqs.list_queues().into_paginator().send().try_collect();
    let Some(pages) = call(rec, Op::ListQueues, "", &[], list).await else {
        return;
    };
    let mut taken = BTreeSet::new();
    for url in pages.iter().flat_map(|p| p.queue_urls()) {
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::Policy)
            .attribute_names(QueueAttributeName::QueueArn)
            .attribute_names(QueueAttributeName::KmsMasterKeyId)
            .send();
        if let Some(o) = call(rec, Op::GetQueueAttributes, url, &[], attrs).await
            && let Some(v) = shape::queue_attributes(&o)
        {
            let name = url.rsplit('/').next().unwrap_or(url);
            write(
                rec,
                &dir.join("sqs").join(unique_json(&mut taken, name)),
                &v,
            );
        }
    }
}

async fn sns(config: &SdkConfig, dir: &Path, rec: &Recorder) {
    let sns = aws_sdk_sns::Client::new(config);
    let list = sns.list_topics().into_paginator().send().try_collect();
    let Some(pages) = call(rec, Op::ListTopics, "", &[], list).await else {
        return;
    };
    let mut taken = BTreeSet::new();
    for arn in pages
        .iter()
        .flat_map(|p| p.topics())
        .filter_map(|t| t.topic_arn())
    {
        let attrs = sns.get_topic_attributes().topic_arn(arn).send();
        if let Some(o) = call(rec, Op::GetTopicAttributes, arn, &[], attrs).await
            && let Some(v) = shape::topic_attributes(&o)
        {
            let name = arn.rsplit(':').next().unwrap_or(arn);
            write(
                rec,
                &dir.join("sns").join(unique_json(&mut taken, name)),
                &v,
            );
        }
    }
}

async fn secrets(config: &SdkConfig, dir: &Path, rec: &Recorder) {
    let sm = aws_sdk_secretsmanager::Client::new(config);
    let list = sm.list_secrets().into_paginator().send().try_collect();
    let Some(pages) = call(rec, Op::ListSecrets, "", &[], list).await else {
        return;
    };
    let mut taken = BTreeSet::new();
    for s in pages.iter().flat_map(|p| p.secret_list()) {
        let Some(arn) = s.arn() else { continue };
        let name = s.name().unwrap_or(arn);
        let policy = sm.get_resource_policy().secret_id(arn).send();
        if let Some(o) = call(rec, Op::GetResourcePolicy, arn, &[], policy).await {
            match shape::secret_policy(&o) {
                Some(v) => write(
                    rec,
                    &dir.join("secretsmanager")
                        .join(unique_json(&mut taken, name)),
                    &v,
                ),
                // No policy: the output names none, so nothing is kept.
                None => rec.absent_after_ok(),
            }
        }
    }
}

async fn lambda(config: &SdkConfig, dir: &Path, rec: &Recorder) {
    let lambda = aws_sdk_lambda::Client::new(config);
    let list = lambda
        .list_functions()
        .into_paginator()
        .send()
        .try_collect();
    let Some(pages) = call(rec, Op::ListFunctions, "", &[], list).await else {
        return;
    };
    for f in pages.iter().flat_map(|p| p.functions()) {
        let (Some(arn), Some(name)) = (f.function_arn(), f.function_name()) else {
            continue;
        };
        let policy = lambda.get_policy().function_name(arn).send();
        if let Some(o) = call(
            rec,
            Op::GetPolicy,
            arn,
            &["ResourceNotFoundException"],
            policy,
        )
        .await
            && let Some(v) = shape::function_policy(&o)
        {
            write(
                rec,
                &dir.join("lambda").join(file_name(name)).join("policy.json"),
                &v,
            );
        }
    }
}
