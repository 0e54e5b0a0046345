//! What a run did: the calls made, the files written, the calls that found nothing and the
//! calls that failed, each with the permission it needed. A failed call is a result, never
//! the end of the run (style §12).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::ops::Op;

/// Reports progress as the run goes; the binary draws a progress bar per account with it.
/// Every method has an empty default.
pub trait Observer: Send + Sync {
    /// Work on `account` started (`"organization"` for the organization's structure).
    fn started(&self, _account: &str) {}
    /// `account` is now at `step` (a service, a Region).
    fn step(&self, _account: &str, _step: &str) {}
    /// A call in `account` ended; `ok` is false when it failed.
    fn call(&self, _account: &str, _ok: bool) {}
    /// Work on `account` ended.
    fn finished(&self, _account: &str) {}
}

/// An [`Observer`] that reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Observer for Quiet {}

/// A call that failed: which one, on what, why, and the permission it needed.
#[derive(Clone, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Failure {
    /// The account it was made in (or for).
    pub account: String,
    /// The Region of a regional call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The API operation, e.g. `GetKeyPolicy`.
    pub operation: &'static str,
    /// The IAM action it needed, e.g. `kms:GetKeyPolicy`.
    pub permission: &'static str,
    /// What it was called on (a bucket, a key id, a target id), empty for a listing.
    pub target: String,
    /// The error code AWS returned (`AccessDenied`, ...), or the kind of failure.
    pub code: String,
    /// The error message, one line.
    pub message: String,
}

/// The per-account tally, shared by the tasks of one account.
#[derive(Clone)]
pub(crate) struct Recorder {
    inner: Arc<Mutex<Tally>>,
    observer: Arc<dyn Observer>,
    pub(crate) account: String,
    pub(crate) region: Option<String>,
}

#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) calls: u64,
    pub(crate) files: u64,
    pub(crate) absent: u64,
    pub(crate) failures: Vec<Failure>,
    pub(crate) operations: BTreeSet<Op>,
    pub(crate) notes: Vec<String>,
}

impl Recorder {
    pub(crate) fn new(account: &str, observer: Arc<dyn Observer>) -> Recorder {
        Recorder {
            inner: Arc::new(Mutex::new(Tally::default())),
            observer,
            account: account.to_owned(),
            region: None,
        }
    }

    /// The same tally, for calls in `region`.
    pub(crate) fn in_region(&self, region: &str) -> Recorder {
        Recorder {
            region: Some(region.to_owned()),
            ..self.clone()
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Tally) -> T) -> T {
        let mut guard = match self.inner.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    pub(crate) fn step(&self, step: &str) {
        self.observer.step(&self.account, step);
    }

    /// A call of `op` succeeded.
    pub(crate) fn ok(&self, op: Op) {
        self.with(|t| {
            t.calls = t.calls.saturating_add(1);
            t.operations.insert(op);
        });
        self.observer.call(&self.account, true);
    }

    /// A call of `op` found nothing to fetch (a bucket without a policy, ...): no file, no
    /// failure.
    pub(crate) fn absent(&self, op: Op) {
        self.with(|t| {
            t.calls = t.calls.saturating_add(1);
            t.absent = t.absent.saturating_add(1);
            t.operations.insert(op);
        });
        self.observer.call(&self.account, true);
    }

    /// A call of `op` on `target` failed with `code`.
    pub(crate) fn failed(&self, op: Op, target: &str, code: &str, message: &str) {
        let row = op.operation();
        let failure = Failure {
            account: self.account.clone(),
            region: self.region.clone(),
            operation: row.name,
            permission: row.action,
            target: target.to_owned(),
            code: code.to_owned(),
            message: one_line(message),
        };
        self.with(|t| {
            t.calls = t.calls.saturating_add(1);
            t.operations.insert(op);
            t.failures.push(failure);
        });
        self.observer.call(&self.account, false);
    }

    pub(crate) fn wrote(&self) {
        self.with(|t| t.files = t.files.saturating_add(1));
    }

    pub(crate) fn note(&self, note: String) {
        self.with(|t| t.notes.push(note));
    }

    pub(crate) fn take(&self) -> Tally {
        self.with(std::mem::take)
    }
}

/// The first line of a message, at most 300 characters: error messages are shown, never
/// kept whole (style §13).
fn one_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(300).collect()
}

impl Recorder {
    /// A call that succeeded turned out to have nothing to keep (a secret without a policy).
    pub(crate) fn absent_after_ok(&self) {
        self.with(|t| t.absent = t.absent.saturating_add(1));
    }
}
