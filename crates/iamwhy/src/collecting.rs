//! Progress of `iamwhy collect`: one bar per account on stderr, only on a terminal.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bars, by account; an [`iamwhy_collect::Observer`].
pub(crate) struct Bars {
    multi: Option<MultiProgress>,
    bars: Mutex<BTreeMap<String, (ProgressBar, u64, u64)>>,
}

impl Bars {
    /// Bars when `wanted` and stderr is a terminal; otherwise nothing is drawn.
    pub(crate) fn new(wanted: bool) -> Bars {
        let multi = (wanted && std::io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Bars {
            multi,
            bars: Mutex::new(BTreeMap::new()),
        }
    }

    /// Removes every bar (before the summary is printed).
    pub(crate) fn clear(&self) {
        if let Some(m) = &self.multi {
            let _ = m.clear();
        }
    }

    fn update(&self, account: &str, f: impl FnOnce(&mut (ProgressBar, u64, u64))) {
        let Ok(mut bars) = self.bars.lock() else {
            return;
        };
        if let Some(entry) = bars.get_mut(account) {
            f(entry);
        }
    }
}

impl iamwhy_collect::Observer for Bars {
    fn started(&self, account: &str) {
        let Some(multi) = &self.multi else { return };
        let bar = multi.add(ProgressBar::new_spinner());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {prefix:>14} {msg} ({elapsed})")
        {
            bar.set_style(style);
        }
        bar.set_prefix(account.to_owned());
        bar.enable_steady_tick(Duration::from_millis(120));
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(account.to_owned(), (bar, 0, 0));
        }
    }

    fn step(&self, account: &str, step: &str) {
        self.update(account, |(bar, calls, failed)| {
            bar.set_message(format!("{step}: {calls} calls, {failed} failed"));
        });
    }

    fn call(&self, account: &str, ok: bool) {
        self.update(account, |(_, calls, failed)| {
            *calls = calls.saturating_add(1);
            if !ok {
                *failed = failed.saturating_add(1);
            }
        });
    }

    fn finished(&self, account: &str) {
        self.update(account, |(bar, calls, failed)| {
            bar.finish_with_message(format!("done: {calls} calls, {failed} failed"));
        });
    }
}
