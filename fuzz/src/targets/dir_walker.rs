//! Fuzzes the directory walk of the input layer (issue 18): the bytes build a small tree of
//! directories, files and symbolic links (to `.`, `..`, siblings, ancestors, nothing) in a
//! scratch directory, and the walk must end (the runner flags a slow input), read each file
//! at most once (by device and inode), never return a hidden entry found inside a directory,
//! and return every regular file that is reachable without a symbolic link.
//!
//! ```text
//! cargo fuzz run dir_walker corpus/dir_walker seeds/dir_walker
//! cargo run --release --no-default-features --bin stable -- dir_walker --seconds 60
//! ```

use std::collections::HashSet;
use std::path::PathBuf;

use crate::Outcome;

const NAMES: [&str; 6] = ["a", "b", "c", ".h", "d.json", "e.gz"];
const TARGETS: [&str; 8] = [".", "..", "../..", "a", "../a", "b/c", "nowhere", "../../b"];

/// The tree's root, three levels below a scratch directory of its own: a link climbs at most
/// two levels (`../..`), so the walk never leaves the scratch directory (a walk of `/tmp`
/// would be slow, not wrong).
fn scratch() -> (PathBuf, PathBuf) {
    let base = std::env::temp_dir().join(format!("iamwhy-fuzz-walk-{}", std::process::id()));
    let root = base.join("1/2/3/root");
    (base, root)
}

/// The target: panics when a property fails.
#[cfg(unix)]
pub fn run(data: &[u8]) -> Outcome {
    use std::os::unix::fs::{MetadataExt as _, symlink};
    let mut out = Outcome::new();
    let (base, root) = scratch();
    let _ = std::fs::remove_dir_all(&base);
    if std::fs::create_dir_all(&root).is_err() {
        return out;
    }
    // Each pair of bytes: which directory (among those made so far), what to make there.
    let mut dirs: Vec<PathBuf> = vec![root.clone()];
    let mut plain_files: Vec<PathBuf> = Vec::new();
    for pair in data.chunks(2).take(40) {
        let [at, what] = pair else { break };
        let dir = dirs[usize::from(*at) % dirs.len()].clone();
        let name = NAMES[usize::from(what >> 4) % NAMES.len()];
        let path = dir.join(name);
        if path.symlink_metadata().is_ok() {
            continue;
        }
        match what & 0x3 {
            0 => {
                if std::fs::create_dir(&path).is_ok() {
                    dirs.push(path);
                }
            }
            1 => {
                if std::fs::write(&path, [*what]).is_ok() {
                    plain_files.push(path);
                }
            }
            _ => {
                let target = TARGETS[usize::from(what >> 2) % TARGETS.len()];
                let _ = symlink(target, &path);
            }
        }
    }
    let walked = iamwhy_input::walk(&[&root]);
    let mut seen = HashSet::new();
    for entry in &walked.entries {
        let Some(path) = entry.path() else { continue };
        let rel = path.strip_prefix(&root).unwrap_or(path);
        assert!(
            !rel.components()
                .any(|c| c.as_os_str().as_encoded_bytes().first() == Some(&b'.')
                    && c.as_os_str() != "."
                    && c.as_os_str() != ".."),
            "a hidden entry was returned: {}",
            path.display()
        );
        if let Ok(meta) = std::fs::metadata(path) {
            assert!(
                seen.insert((meta.dev(), meta.ino())),
                "read twice: {}",
                path.display()
            );
        }
    }
    // Files reachable without links, outside hidden directories, are all there (under some
    // path: a link may have led to them first).
    for file in &plain_files {
        let hidden = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .components()
            .any(|c| c.as_os_str().as_encoded_bytes().first() == Some(&b'.'));
        if hidden {
            continue;
        }
        if let Ok(meta) = std::fs::metadata(file) {
            assert!(
                seen.contains(&(meta.dev(), meta.ino())),
                "lost: {}",
                file.display()
            );
        }
    }
    out.count(walked.entries.len()).count(walked.problems.len());
    let _ = std::fs::remove_dir_all(&base);
    out
}

/// Not Unix: symbolic links need privileges; nothing to fuzz.
#[cfg(not(unix))]
pub fn run(_: &[u8]) -> Outcome {
    Outcome::new()
}
