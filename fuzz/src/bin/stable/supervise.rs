//! The supervisor: runs the fuzzing loop in a worker process and watches it.
//!
//! A panic is caught in the worker, but some failures are not panics: a stack overflow, an
//! allocation failure and an abort end the process, and an endless loop never ends. So the
//! worker sends each input to the supervisor before running it (a length and the bytes, on
//! its stdout); when the worker dies without a report, or sends nothing for `--timeout`, the
//! last input it sent is the culprit.

use std::io::Read;
use std::process::{Command, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::{Options, save_artifact, show_input};

/// The last input the worker announced, and when.
type Last = Arc<Mutex<(Instant, Vec<u8>)>>;

pub(crate) fn run(options: &Options) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => {
            eprintln!("stable: cannot find my own executable: {e}");
            return ExitCode::from(2);
        }
    };
    let mut child = match Command::new(&exe)
        .args(options.worker_args())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            eprintln!("stable: cannot start the worker: {e}");
            return ExitCode::from(2);
        }
    };
    let last: Last = Arc::new(Mutex::new((Instant::now(), Vec::new())));
    let reader = child.stdout.take().map(|pipe| {
        // Buffered: when the worker is fast, one read takes many inputs.
        let mut pipe = std::io::BufReader::with_capacity(1 << 20, pipe);
        let last = Arc::clone(&last);
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            loop {
                let mut len = [0; 4];
                if pipe.read_exact(&mut len).is_err() {
                    break;
                }
                buf.resize(u32::from_le_bytes(len) as usize, 0);
                if pipe.read_exact(&mut buf).is_err() {
                    break;
                }
                if let Ok(mut last) = last.lock() {
                    last.0 = Instant::now();
                    std::mem::swap(&mut last.1, &mut buf);
                }
            }
        })
    });
    let name = options.target.name;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => {
                eprintln!("stable: cannot wait for the worker: {e}");
                return ExitCode::from(2);
            }
        }
        let stuck = last
            .lock()
            .ok()
            .and_then(|last| (last.0.elapsed() > options.timeout).then(|| last.1.clone()));
        if let Some(input) = stuck {
            let _ = child.kill();
            let _ = child.wait();
            let path = save_artifact(&options.artifacts, "timeout", &input);
            // A finding must repeat: a machine that stalls the worker (a busy CI host, swap)
            // is not a bug of the target. The input runs once more, alone, in a new process.
            if let Some(took) = replays_in_time(&exe, name, &path, options.timeout) {
                let _ = std::fs::remove_file(&path);
                eprintln!(
                    "{name}: the worker sent nothing for {:?}, but its last input ({} bytes) runs alone in {took:.2?}: \
                     the machine stalled, not the target; the run ends here without a finding",
                    options.timeout,
                    input.len(),
                );
                return ExitCode::SUCCESS;
            }
            eprintln!(
                "{name}: timeout: an input of {} bytes ran for more than {:?}: {}\n{}",
                input.len(),
                options.timeout,
                path.display(),
                show_input(&input)
            );
            return ExitCode::FAILURE;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    if let Some(reader) = reader {
        let _ = reader.join();
    }
    match status.code() {
        // Nothing found, a finding the worker reported, or bad usage.
        Some(code @ 0..=2) => ExitCode::from(code as u8),
        _ => {
            let input = last.lock().map(|last| last.1.clone()).unwrap_or_default();
            let path = save_artifact(&options.artifacts, "crash", &input);
            eprintln!(
                "{name}: crash: the worker died ({status}) on an input of {} bytes: {}\n\
                 replay: cargo run --release --no-default-features --bin stable -- {name} --replay {}\n{}",
                input.len(),
                path.display(),
                path.display(),
                show_input(&input)
            );
            ExitCode::FAILURE
        }
    }
}

/// Runs `stable TARGET --replay FILE` in a new process: how long it took when it ended well
/// within `timeout`, `None` when it failed or ran out of time (then the finding stands).
fn replays_in_time(
    exe: &std::path::Path,
    name: &str,
    file: &std::path::Path,
    timeout: Duration,
) -> Option<Duration> {
    let start = Instant::now();
    let mut child = Command::new(exe)
        .args([name, "--replay"])
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success().then(|| start.elapsed()),
            Ok(None) if start.elapsed() <= timeout => {
                std::thread::sleep(Duration::from_millis(20));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}
