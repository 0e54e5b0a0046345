//! Throughput of the CloudTrail scan: the splitter and pre-filter on plain JSON in memory,
//! a full `trail denied`-style scan of gzip files on disk, and the message parser.
//! `bench/trail.sh` compares the whole command with jq and DuckDB.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "benchmark set-up over fixed fixtures: a panic is a failed run"
)]
#![allow(
    missing_docs,
    reason = "criterion's macros generate undocumented items"
)]
#![allow(clippy::unwrap_used, reason = "a benchmark's set-up may fail loudly")]

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use iamwhy_trail::input::collect_inputs;
use iamwhy_trail::split::{Item, Splitter};
use iamwhy_trail::{Prefilter, Scan, parse_message, scan};

/// A CloudTrail file body of `n` records, every fiftieth a denial (2 %).
fn records(n: usize) -> String {
    let mut out = String::from("{\"Records\":[");
    for i in 0..n {
        if i > 0 {
            out.push(',');
        }
        let error = if i % 50 == 7 {
            format!(
                ",\"errorCode\":\"AccessDenied\",\"errorMessage\":\"User: arn:aws:iam::111122223333:user/u{i} is not authorized to perform: s3:GetObject on resource: \\\"arn:aws:s3:::b/k{i}\\\" because no identity-based policy allows the s3:GetObject action\""
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{{\"eventVersion\":\"1.09\",\"userIdentity\":{{\"type\":\"AssumedRole\",\"principalId\":\"AROAEXAMPLE:s{i}\",\"arn\":\"arn:aws:sts::111122223333:assumed-role/app/s{i}\",\"accountId\":\"111122223333\",\"accessKeyId\":\"ASIAEXAMPLEEXAMPLE\",\"sessionContext\":{{\"sessionIssuer\":{{\"type\":\"Role\",\"principalId\":\"AROAEXAMPLE\",\"arn\":\"arn:aws:iam::111122223333:role/app\",\"accountId\":\"111122223333\",\"userName\":\"app\"}},\"attributes\":{{\"creationDate\":\"2026-11-20T09:00:00Z\",\"mfaAuthenticated\":\"false\"}}}}}},\"eventTime\":\"2026-11-20T10:{:02}:{:02}Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"203.0.113.{}\",\"userAgent\":\"[aws-sdk-java/1.12.0 Linux/5.10 OpenJDK_64-Bit_Server_VM/17]\"{error},\"requestParameters\":{{\"bucketName\":\"b\",\"Host\":\"b.s3.us-east-1.amazonaws.com\",\"key\":\"k{i}\"}},\"responseElements\":null,\"additionalEventData\":{{\"SignatureVersion\":\"SigV4\",\"CipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"bytesTransferredIn\":0,\"AuthenticationMethod\":\"AuthHeader\",\"x-amz-id-2\":\"abcdefghijklmnopqrstuvwxyz0123456789\",\"bytesTransferredOut\":1024}},\"requestID\":\"R{i}\",\"eventID\":\"00000000-0000-4000-8000-{i:012}\",\"readOnly\":true,\"resources\":[{{\"type\":\"AWS::S3::Object\",\"ARN\":\"arn:aws:s3:::b/k{i}\"}},{{\"accountId\":\"111122223333\",\"type\":\"AWS::S3::Bucket\",\"ARN\":\"arn:aws:s3:::b\"}}],\"eventType\":\"AwsApiCall\",\"managementEvent\":false,\"recipientAccountId\":\"111122223333\",\"eventCategory\":\"Data\",\"tlsDetails\":{{\"tlsVersion\":\"TLSv1.3\",\"cipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"clientProvidedHostHeader\":\"b.s3.us-east-1.amazonaws.com\"}}}}",
            i / 60 % 60,
            i % 60,
            i % 250
        ));
    }
    out.push_str("]}");
    out
}

fn split_in_memory(c: &mut Criterion) {
    let body = records(20_000);
    let mut g = c.benchmark_group("trail");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("split 20k records (plain JSON in memory)", |b| {
        b.iter(|| {
            let mut s = Splitter::new(Vec::new(), body.as_bytes());
            let mut n = 0usize;
            while let Some(item) = s.next_item() {
                if let Item::Record { bytes, .. } = item {
                    n += bytes.len();
                }
            }
            n
        });
    });
    g.finish();
}

fn scan_gzip_files(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("iamwhy-trail-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body = records(2_000);
    let mut total = 0u64;
    for i in 0..16 {
        let path = dir.join(format!("111122223333_CloudTrail_us-east-1_{i}.json.gz"));
        let mut gz = flate2::write::GzEncoder::new(
            std::fs::File::create(path).unwrap(),
            flate2::Compression::default(),
        );
        gz.write_all(body.as_bytes()).unwrap();
        gz.finish().unwrap();
        total += body.len() as u64;
    }
    let inputs = collect_inputs(&[dir.display().to_string()]);
    let mut g = c.benchmark_group("trail");
    g.throughput(Throughput::Bytes(total));
    g.sample_size(20);
    g.bench_function("scan denials in 16 gzip files of 2k records", |b| {
        b.iter(|| {
            let settings = Scan {
                prefilter: Prefilter::Denials,
                threads: 0,
                progress: Arc::new(AtomicU64::new(0)),
            };
            let mut found = 0usize;
            scan(&inputs, &settings, |e, _| Some(e.denial()), |_| found += 1);
            found
        });
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn message_parser(c: &mut Criterion) {
    let text = "An error occurred (AccessDenied) when calling the ListRoles operation: User: arn:aws:iam::123456789012:user/Matt is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::123456789012:role/* with an explicit deny in a service control policy: arn:aws:organizations::987654321098:policy/o-qv5af4abcd/service_control_policy/p-2kgnabcd";
    c.bench_function("trail/parse an AccessDenied message", |b| {
        b.iter(|| parse_message(std::hint::black_box(text)));
    });
}

criterion_group!(benches, split_in_memory, scan_gzip_files, message_parser);
criterion_main!(benches);
