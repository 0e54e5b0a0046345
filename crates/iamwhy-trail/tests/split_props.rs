//! Property tests of the record splitter: whatever the JSON and however it is cut into
//! chunks, the records found are exactly the records written, byte for byte, in every shape.
#![allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: an out-of-range index or an overflow is a failed test"
)]
#![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail loudly")]

use iamwhy_trail::split::{Item, Splitter};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// Strings full of the bytes a splitter must get right: quotes, backslashes, brackets,
/// newlines (escaped by JSON), and plain text.
fn tricky_string() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("\"".to_owned()),
            Just("\\".to_owned()),
            Just("\\\\\"".to_owned()),
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just("\n".to_owned()),
            Just("é".to_owned()),
            "[a-z]{1,40}",
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        tricky_string().prop_map(Value::String),
        any::<i64>().prop_map(Value::from),
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((tricky_string(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn record() -> impl Strategy<Value = Value> {
    proptest::collection::vec(("[a-zA-Z]{1,12}", value()), 1..8).prop_map(|kv| {
        let mut m: Map<String, Value> = kv.into_iter().collect();
        m.insert("eventTime".into(), Value::from("2026-11-20T10:00:00Z"));
        Value::Object(m)
    })
}

fn split_all(text: &[u8], chunk: usize) -> Vec<Value> {
    let mut s = Splitter::with_limits(Vec::new(), text, chunk, 1 << 24);
    let mut out = Vec::new();
    while let Some(item) = s.next_item() {
        match item {
            Item::Record { bytes, .. } => out.push(serde_json::from_slice(bytes).unwrap()),
            Item::Malformed {
                message, offset, ..
            } => {
                panic!("unexpected problem at {offset}: {message}")
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_shape_and_chunking_yields_the_records(
        records in proptest::collection::vec(record(), 1..6),
        chunk in 1usize..300,
        pretty in any::<bool>(),
    ) {
        let render = |v: &Value| if pretty {
            serde_json::to_string_pretty(v).unwrap()
        } else {
            serde_json::to_string(v).unwrap()
        };
        let list = Value::Array(records.clone());
        let wrapped = render(&serde_json::json!({ "Records": list }));
        let bare = render(&list);
        let lines: String = records.iter().map(|r| serde_json::to_string(r).unwrap() + "\n").collect();
        let concatenated: String = records.iter().map(render).collect();
        for text in [wrapped, bare, lines, concatenated] {
            prop_assert_eq!(&split_all(text.as_bytes(), chunk), &records);
        }
    }
}
