//! The window's calls, kept between `generate`'s two passes. The observation pass writes each
//! call's reconstructed request (and what a listing cites of its record) to an anonymous
//! temporary file; the verification replays them from there instead of reading,
//! decompressing and parsing the logs a second time, which was half of its work.
//!
//! Memory stays bounded: the calls are on disk (the file is deleted when closed; `TMPDIR`
//! chooses where), read back a batch at a time. When the file cannot be made or written, or
//! grows past [`MAX_BYTES`], the verification reads the logs again instead, with the same
//! result.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::Arc;

use iamwhy_core::ContextValue;
use iamwhy_core::time::Instant;
use iamwhy_core::{Action, Resource};
use iamwhy_trail::Event;
use serde::{Deserialize, Serialize};

use crate::replay::{CallRef, Recorded};
use crate::request::{Reconstructed, Unexplained, UnexplainedKind};

/// Past this size the calls are dropped and the logs read again: about four million calls.
pub(super) const MAX_BYTES: u64 = 2 << 30;

/// The bytes read back at a time (whole frames; a frame is one call, a few hundred bytes).
const BATCH_BYTES: usize = 8 << 20;

/// One call as written: what [`crate::replay::Replayer::replay_request`] takes, and the
/// parts of the record a listing cites. Strings are borrowed both ways (from the call when
/// written, from the batch when read).
#[derive(Serialize, Deserialize)]
struct Frame<'a> {
    recorded: u8,
    /// The identity key of the record's principal ([`super::observe::identity_of`]).
    identity: Option<&'a str>,
    access_key: Option<&'a str>,
    time: &'a str,
    event_id: Option<&'a str>,
    service: &'a str,
    name: &'a str,
    error_code: Option<&'a str>,
    line: u64,
    #[serde(borrow)]
    request: Result<Request<'a>, Why<'a>>,
}

/// [`Reconstructed`], borrowed.
#[derive(Serialize, Deserialize)]
struct Request<'a> {
    principal: &'a str,
    parent_user: Option<&'a str>,
    operation: &'a str,
    action: &'a str,
    #[serde(borrow)]
    also_needs: Vec<&'a str>,
    resource: &'a str,
    resource_from: &'a str,
    #[serde(borrow)]
    context: Vec<(&'a str, Value<'a>)>,
    time: Option<(i64, u32)>,
    via_service: Option<&'a str>,
    object_kms_key: Option<&'a str>,
    #[serde(borrow)]
    notes: Vec<&'a str>,
}

/// [`ContextValue`], borrowed.
#[derive(Serialize, Deserialize)]
enum Value<'a> {
    Single(&'a str),
    Multi(#[serde(borrow)] Vec<&'a str>),
}

/// [`Unexplained`]: its kind and first reason (all the replay reads of it).
#[derive(Serialize, Deserialize)]
struct Why<'a> {
    kind: u8,
    reason: &'a str,
}

fn recorded_code(r: Recorded) -> u8 {
    match r {
        Recorded::Allowed => 0,
        Recorded::Denied => 1,
        Recorded::OtherError => 2,
    }
}

fn recorded_of(code: u8) -> Recorded {
    match code {
        0 => Recorded::Allowed,
        1 => Recorded::Denied,
        _ => Recorded::OtherError,
    }
}

fn kind_code(k: UnexplainedKind) -> u8 {
    match k {
        UnexplainedKind::NotAuthorized => 0,
        UnexplainedKind::UnknownAction => 1,
        UnexplainedKind::Missing => 2,
    }
}

fn kind_of(code: u8) -> UnexplainedKind {
    match code {
        0 => UnexplainedKind::NotAuthorized,
        1 => UnexplainedKind::UnknownAction,
        _ => UnexplainedKind::Missing,
    }
}

/// One call, encoded (on a scan worker).
pub(super) fn encode(
    event: &Event,
    line: u64,
    identity: Option<&str>,
    request: &Result<Reconstructed, Unexplained>,
) -> Option<Vec<u8>> {
    let request = match request {
        Ok(r) => Ok(Request {
            principal: &r.principal,
            parent_user: r.parent_user.as_deref(),
            operation: &r.operation,
            action: r.action.as_str(),
            also_needs: r.also_needs.iter().map(Action::as_str).collect(),
            resource: r.resource.as_str(),
            resource_from: &r.resource_from,
            context: r
                .context
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        ContextValue::Single(s) => Value::Single(s),
                        ContextValue::Multi(m) => {
                            Value::Multi(m.iter().map(String::as_str).collect())
                        }
                    };
                    (k.as_str(), v)
                })
                .collect(),
            time: r.time.map(|t| (t.secs, t.nanos)),
            via_service: r.via_service.as_deref(),
            object_kms_key: r.object_kms_key.as_deref(),
            notes: r.notes.iter().map(String::as_str).collect(),
        }),
        Err(u) => Err(Why {
            kind: kind_code(u.kind),
            reason: u.reasons.first().map_or("", String::as_str),
        }),
    };
    let frame = Frame {
        recorded: recorded_code(crate::replay::recorded_of(event)),
        identity,
        access_key: event.user_identity.access_key_id.as_deref(),
        time: &event.event_time,
        event_id: event.event_id.as_deref(),
        service: event.service(),
        name: &event.event_name,
        error_code: event.error_code.as_deref(),
        line,
        request,
    };
    postcard::to_allocvec(&frame).ok()
}

/// One call read back, ready for the replay.
pub(super) struct Call {
    pub(super) recorded: Recorded,
    pub(super) identity: Option<String>,
    pub(super) access_key: Option<String>,
    pub(super) request: Result<Reconstructed, Unexplained>,
    /// The record, as a listing cites it.
    pub(super) call: CallRef,
}

/// Decodes one frame of `file`; `None` when it is not one (the file was changed under us).
pub(super) fn decode(file: &str, bytes: &[u8]) -> Option<Call> {
    let f: Frame<'_> = postcard::from_bytes(bytes).ok()?;
    let request = match f.request {
        Ok(r) => {
            let action = Action::parse(r.action).ok()?;
            let resource = Resource::parse(r.resource).ok()?;
            let also_needs = r
                .also_needs
                .iter()
                .map(|a| Action::parse(a).ok())
                .collect::<Option<Vec<_>>>()?;
            Ok(Reconstructed {
                principal: r.principal.to_owned(),
                parent_user: r.parent_user.map(str::to_owned),
                operation: r.operation.to_owned(),
                action,
                also_needs,
                resource,
                resource_from: r.resource_from.to_owned(),
                context: r
                    .context
                    .into_iter()
                    .map(|(k, v)| {
                        let v = match v {
                            Value::Single(s) => ContextValue::Single(s.to_owned()),
                            Value::Multi(m) => {
                                ContextValue::Multi(m.into_iter().map(str::to_owned).collect())
                            }
                        };
                        (k.to_owned(), v)
                    })
                    .collect(),
                time: r.time.map(|(secs, nanos)| Instant { secs, nanos }),
                via_service: r.via_service.map(str::to_owned),
                object_kms_key: r.object_kms_key.map(str::to_owned),
                notes: r.notes.into_iter().map(str::to_owned).collect(),
            })
        }
        Err(w) => Err(Unexplained {
            kind: kind_of(w.kind),
            reasons: vec![w.reason.to_owned()],
        }),
    };
    Some(Call {
        recorded: recorded_of(f.recorded),
        identity: f.identity.map(str::to_owned),
        access_key: f.access_key.map(str::to_owned),
        request,
        call: CallRef {
            time: f.time.to_owned(),
            event_id: f.event_id.map(str::to_owned),
            call: format!("{}:{}", f.service, f.name),
            error_code: f.error_code.map(str::to_owned),
            at: format!("{file}:{}", f.line),
        },
    })
}

/// The calls being written: frames `[file index: u32][length: u32][bytes]`, little-endian.
pub(super) struct Writer {
    out: BufWriter<File>,
    files: Vec<Arc<str>>,
    written: u64,
}

impl Writer {
    /// A new anonymous temporary file; `None` when none can be made.
    pub(super) fn new() -> Option<Writer> {
        let file = tempfile::tempfile().ok()?;
        Some(Writer {
            out: BufWriter::with_capacity(1 << 20, file),
            files: Vec::new(),
            written: 0,
        })
    }

    /// Appends one call of `file`; an error (or the file growing past [`MAX_BYTES`]) means
    /// the calls cannot be kept.
    pub(super) fn push(&mut self, file: &Arc<str>, frame: &[u8]) -> io::Result<()> {
        let index = match self.files.iter().rposition(|f| Arc::ptr_eq(f, file)) {
            Some(i) => i,
            None => {
                self.files.push(Arc::clone(file));
                self.files.len().saturating_sub(1)
            }
        };
        let too_large = || io::Error::other("too large");
        let index = u32::try_from(index).map_err(|_| too_large())?;
        let len = u32::try_from(frame.len()).map_err(|_| too_large())?;
        self.out.write_all(&index.to_le_bytes())?;
        self.out.write_all(&len.to_le_bytes())?;
        self.out.write_all(frame)?;
        self.written = self
            .written
            .saturating_add(8)
            .saturating_add(u64::from(len));
        if self.written > MAX_BYTES {
            return Err(too_large());
        }
        Ok(())
    }

    /// The calls written, to read back.
    pub(super) fn finish(self) -> io::Result<Reader> {
        let mut file = self
            .out
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        file.seek(SeekFrom::Start(0))?;
        Ok(Reader {
            file,
            files: self.files,
            buffer: Vec::new(),
            batch: BATCH_BYTES,
            total: self.written,
        })
    }
}

/// The calls written, read back in order, a batch at a time.
pub(super) struct Reader {
    file: File,
    files: Vec<Arc<str>>,
    buffer: Vec<u8>,
    /// The bytes read at a time.
    batch: usize,
    /// The bytes written.
    total: u64,
}

impl Reader {
    /// The bytes written: every frame, with its 8 bytes of header.
    pub(super) fn total(&self) -> u64 {
        self.total
    }

    /// Calls `f` with each batch of frames, as (file, bytes), in the order written.
    pub(super) fn for_each_batch(&mut self, mut f: impl FnMut(&[(&str, &[u8])])) -> io::Result<()> {
        let broken = |what: &str| io::Error::other(format!("the kept calls {what}"));
        let mut kept = 0usize;
        let mut size = self.batch;
        loop {
            if self.buffer.len() < size {
                self.buffer.resize(size, 0);
            }
            let mut filled = kept;
            while let Some(room) = self.buffer.get_mut(filled..).filter(|r| !r.is_empty()) {
                match self.file.read(room) {
                    Ok(0) => break,
                    Ok(n) => filled = filled.saturating_add(n),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            let at_end = filled < self.buffer.len();
            let data = self.buffer.get(..filled).unwrap_or_default();
            let mut frames: Vec<(&str, &[u8])> = Vec::new();
            let mut rest = data;
            let mut pending = 0usize;
            while let Some((head, tail)) = rest.split_first_chunk::<8>() {
                let [i0, i1, i2, i3, l0, l1, l2, l3] = *head;
                let index = u32::from_le_bytes([i0, i1, i2, i3]) as usize;
                let len = u32::from_le_bytes([l0, l1, l2, l3]) as usize;
                let Some((bytes, after)) = tail.split_at_checked(len) else {
                    pending = len.saturating_add(8);
                    break;
                };
                let file = self
                    .files
                    .get(index)
                    .ok_or_else(|| broken("name no file"))?;
                frames.push((file, bytes));
                rest = after;
            }
            let used = filled.saturating_sub(rest.len());
            if frames.is_empty() {
                if at_end {
                    return if filled == 0 {
                        Ok(())
                    } else {
                        Err(broken("end within a call"))
                    };
                }
                // One call larger than the buffer: read it whole next time.
                size = pending.max(size.saturating_add(1));
                kept = filled;
                continue;
            }
            f(&frames);
            drop(frames);
            self.buffer.copy_within(used..filled, 0);
            kept = filled.saturating_sub(used);
            if at_end && kept == 0 {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = r#"{"eventVersion":"1.09","eventTime":"2026-11-20T10:00:00Z",
        "eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1",
        "sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15",
        "userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:job",
          "arn":"arn:aws:sts::111122223333:assumed-role/etl/job","accountId":"111122223333",
          "accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role",
          "arn":"arn:aws:iam::111122223333:role/etl","accountId":"111122223333"}}},
        "requestParameters":{"bucketName":"data","key":"reports/a.csv"},
        "resources":[{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::data/reports/a.csv"}],
        "eventID":"0d5ad8f4-0000-4000-8000-000000000001","eventCategory":"Data",
        "readOnly":true,"recipientAccountId":"111122223333"}"#;

    #[test]
    fn a_call_reads_back_as_written() {
        let event = Event::from_json(RECORD.as_bytes()).unwrap();
        let request = crate::request::from_event(&event, &event.denial(), None);
        let written = request.as_ref().unwrap();
        assert!(!written.context.is_empty());
        let frame = encode(
            &event,
            7,
            Some("arn:aws:iam::111122223333:role/etl"),
            &request,
        )
        .unwrap();
        let call = decode("logs/a.json", &frame).unwrap();
        let read = call.request.as_ref().unwrap();
        assert_eq!(
            serde_json::to_value(read).unwrap(),
            serde_json::to_value(written).unwrap()
        );
        assert_eq!(read.time, written.time);
        assert_eq!(call.recorded, Recorded::Allowed);
        assert_eq!(call.access_key.as_deref(), Some("ASIAEXAMPLE"));
        assert_eq!(
            call.identity.as_deref(),
            Some("arn:aws:iam::111122223333:role/etl")
        );
        assert_eq!(call.call.at, "logs/a.json:7");
        assert_eq!(call.call.call, "s3:GetObject");
        assert_eq!(
            serde_json::to_value(&call.call).unwrap(),
            serde_json::json!({"time": "2026-11-20T10:00:00Z",
                "event_id": "0d5ad8f4-0000-4000-8000-000000000001",
                "call": "s3:GetObject", "at": "logs/a.json:7"})
        );
        assert!(decode("logs/a.json", &frame[..frame.len() / 2]).is_none());
    }

    #[test]
    fn an_unexplained_call_keeps_its_kind_and_reason() {
        let event = Event::from_json(RECORD.as_bytes()).unwrap();
        let request = Err(Unexplained::missing("no bucket"));
        let frame = encode(&event, 1, None, &request).unwrap();
        let call = decode("f", &frame).unwrap();
        let why = call.request.err().unwrap();
        assert_eq!(why.kind, UnexplainedKind::Missing);
        assert_eq!(why.reasons, vec!["no bucket".to_owned()]);
        assert_eq!(call.identity, None);
    }

    /// Frames of every size around the batch size, across files, read back in order
    /// whatever the batch (frames larger than a batch, frames cut by a batch's end).
    #[test]
    fn frames_read_back_in_order_whatever_the_batch() {
        let files: Vec<Arc<str>> = vec![Arc::from("a.json"), Arc::from("b.json.gz")];
        let frames: Vec<(usize, Vec<u8>)> = (0..200usize)
            .map(|i| {
                (
                    i / 70 % 2,
                    (0..(i * 7) % 53).map(|b| (b + i) as u8).collect(),
                )
            })
            .collect();
        for batch in [1usize, 8, 9, 16, 60, 1000, BATCH_BYTES] {
            let mut w = Writer::new().unwrap();
            for (f, bytes) in &frames {
                w.push(&files[*f], bytes).unwrap();
            }
            let mut r = w.finish().unwrap();
            r.batch = batch;
            let mut read: Vec<(String, Vec<u8>)> = Vec::new();
            r.for_each_batch(|b| {
                read.extend(b.iter().map(|(f, bytes)| ((*f).to_owned(), bytes.to_vec())));
            })
            .unwrap();
            let expected: Vec<(String, Vec<u8>)> = frames
                .iter()
                .map(|(f, bytes)| (files[*f].to_string(), bytes.clone()))
                .collect();
            assert_eq!(read, expected, "batch of {batch} bytes");
        }
    }

    #[test]
    fn a_cut_file_is_an_error() {
        let mut w = Writer::new().unwrap();
        w.push(&Arc::from("a"), &[1, 2, 3]).unwrap();
        let mut r = w.finish().unwrap();
        let len = r.file.metadata().unwrap().len();
        r.file.set_len(len - 1).unwrap();
        assert!(r.for_each_batch(|_| {}).is_err());
    }
}
