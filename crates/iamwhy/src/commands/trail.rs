//! `iamwhy trail denied` and `iamwhy trail timeline`.

use iamwhy_core::time::Instant;
use iamwhy_trail::denied::{Denied, Tally};
use iamwhy_trail::filter::PrincipalFilter;
use iamwhy_trail::input::collect_inputs;
use iamwhy_trail::timeline::{self, LatestDenial, Timeline, TimelineCall, Window};
use iamwhy_trail::{Event, Origin, Prefilter, Stats, scan};

use crate::args::{filter_from, time_arg, window_arg};
use crate::cli::{DeniedArgs, Format, TimelineArgs};
use crate::exit::ExitStatus;
use crate::render::{
    DeniedSink, Output, Paint, denied_table, scan_summary, tally_lines, timeline_text, to_json,
};
use crate::scanning::{Progress, csv_note, finish_scan};

/// `iamwhy trail denied`.
pub(crate) fn denied(args: &DeniedArgs, csv: bool, out: &mut Output) -> ExitStatus {
    let Ok(filter) = filter_from(&args.filter, out) else {
        return ExitStatus::Error;
    };
    let inputs = collect_inputs(&args.input.paths);
    let progress = Progress::start(&inputs, &args.input);
    let settings = progress.settings(&args.input, Prefilter::Denials);
    let started = std::time::Instant::now();
    let mut sink = DeniedSink::new(out.format, csv);
    let mut tally = Tally::default();
    let stats = scan(
        &inputs,
        &settings,
        |event: Event, origin: &Origin| Denied::select(event, origin, &filter),
        |d| {
            tally.add(&d);
            sink.push(d);
        },
    );
    let kept = sink.finish(out);
    progress.finish();
    let paint = Paint(out.color);
    let summary = scan_summary(&stats, &tally_lines(&tally), started.elapsed(), &paint);
    match kept {
        Some(mut kept) => {
            Denied::sort(&mut kept);
            let mut text = denied_table(&kept, &paint);
            text.push_str(&summary);
            out.result(&text);
        }
        None => out.note(&summary),
    }
    if let Some(p) = &filter.principal {
        csv_note(&stats, p, out);
    }
    finish_scan(&stats, out)
}

/// `iamwhy trail timeline`.
pub(crate) fn timeline(args: &TimelineArgs, out: &mut Output) -> ExitStatus {
    let now = Instant::now();
    let principal = PrincipalFilter::new(&args.principal);
    let Ok(seconds) = window_arg(&args.window, out) else {
        return ExitStatus::Error;
    };
    let Ok(around) = time_arg("--around", args.around.as_deref(), now, out) else {
        return ExitStatus::Error;
    };
    let inputs = collect_inputs(&args.input.paths);
    let passes = if around.is_some() { 1 } else { 2 };
    let progress = Progress::start_passes(&inputs, &args.input, passes);
    let (around, latest) = match around {
        Some(t) => (t, None),
        None => {
            // First pass: the identity's latest denial.
            let settings = progress.settings(&args.input, Prefilter::Denials);
            let mut latest = LatestDenial::default();
            let stats = scan(
                &inputs,
                &settings,
                |e: Event, _: &Origin| LatestDenial::candidate(&e, &principal),
                |c| latest.offer(c),
            );
            match latest.get() {
                Some((t, action)) => (t, Some(action)),
                None => {
                    progress.finish();
                    return no_denial(&stats, &principal, out);
                }
            }
        }
    };
    let window = Window::around(around, seconds);
    let settings = progress.settings(&args.input, timeline::prefilter(&principal));
    let started = std::time::Instant::now();
    let mut events = Vec::new();
    let stats = scan(
        &inputs,
        &settings,
        |e: Event, o: &Origin| window.keeps(&e, &principal).then(|| (e, o.clone())),
        |pair| events.push(pair),
    );
    progress.finish();
    let calls = timeline::build(events, &principal);
    let paint = Paint(out.color);
    let text = match out.format {
        Format::Json => to_json(&Timeline {
            principal: principal.as_str(),
            around: around.to_iso8601(),
            window_seconds: seconds,
            centred_on_latest_denial: latest,
            calls: TimelineCall::of(&calls),
            events_scanned: stats.events,
        }),
        Format::Text => {
            let mut t = timeline_text(
                &calls,
                principal.as_str(),
                around,
                &args.window,
                latest.as_deref(),
                &paint,
            );
            t.push_str(&scan_summary(&stats, &[], started.elapsed(), &paint));
            t
        }
    };
    out.result(&text);
    csv_note(&stats, &principal, out);
    finish_scan(&stats, out)
}

/// No denial of the identity to centre the timeline on: a negative answer, unless nothing
/// could be read at all.
fn no_denial(stats: &Stats, principal: &PrincipalFilter, out: &mut Output) -> ExitStatus {
    let status = finish_scan(stats, out);
    // A partial scan that found no denial still answers the question.
    if status == ExitStatus::Error {
        return status;
    }
    out.error_line(&format!(
        "no denied call of `{}` in these logs; give `--around TIME` to see its calls",
        principal.as_str()
    ));
    csv_note(stats, principal, out);
    ExitStatus::Negative
}
