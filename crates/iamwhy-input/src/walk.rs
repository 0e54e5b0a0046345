//! Expanding command-line paths into the files to read.
//!
//! Directories are walked with `walkdir`, following symbolic links as users expect (a trail
//! folder is often a link to a mounted bucket), but each directory and file is read once: the
//! walk remembers what it visited by device and inode (by canonical path where the platform
//! has no inodes), so a link back to an ancestor (`ln -s . d/a`, `x -> ..`) is a loop, reported
//! and not followed, and a second way to the same directory or file is skipped with a note.
//! Entries whose names start with `.` are skipped inside directories (never when named on the
//! command line), and so are pipes, FIFOs, sockets and devices met inside a directory, which
//! could block the walk for ever; named on the command line they are read as streams.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fs::Metadata;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::Source;

/// One input to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The file, or standard input.
    pub source: Source,
    /// Its size when it is a regular file; `None` for a stream (pipe, FIFO, device, stdin),
    /// whose size is not known before it is read.
    pub size: Option<u64>,
    /// Named on the command line (read whatever its name), rather than found in a directory.
    pub explicit: bool,
}

impl Entry {
    /// The path, for entries that are files.
    pub fn path(&self) -> Option<&Path> {
        match &self.source {
            Source::File(p) => Some(p),
            Source::Stdin => None,
        }
    }
}

/// Something the walk met and did not read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// A path that could not be read (missing, no permission, broken link).
    Unreadable {
        /// The path.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// A symbolic link to a directory that contains it: not followed.
    Loop {
        /// The link.
        path: PathBuf,
        /// The directory it leads back to.
        ancestor: PathBuf,
    },
    /// A second way to a directory or file already read: not read again.
    Revisit {
        /// The path met now.
        path: PathBuf,
        /// The path it was read under.
        first: PathBuf,
    },
    /// A pipe, FIFO, socket or device inside a directory: not read (it could block).
    NotRegular {
        /// The path.
        path: PathBuf,
    },
}

impl Problem {
    /// The path the problem is about.
    pub fn path(&self) -> &Path {
        match self {
            Problem::Unreadable { path, .. }
            | Problem::Loop { path, .. }
            | Problem::Revisit { path, .. }
            | Problem::NotRegular { path } => path,
        }
    }

    /// What is wrong with [`Problem::path`], without the path.
    pub fn reason(&self) -> String {
        match self {
            Problem::Unreadable { reason, .. } => format!("cannot read: {reason}"),
            Problem::Loop { ancestor, .. } => format!(
                "a symbolic-link loop back to `{}`; not followed",
                ancestor.display()
            ),
            Problem::Revisit { first, .. } => format!(
                "the same as `{}` (a symbolic link); read once",
                first.display()
            ),
            Problem::NotRegular { .. } => "not a regular file (a pipe, socket or device); skipped inside a directory — name it on the command line to read it".to_owned(),
        }
    }

    /// Whether the problem lost input (an unreadable path), rather than avoided reading
    /// something twice or blocking.
    pub fn is_error(&self) -> bool {
        matches!(self, Problem::Unreadable { .. })
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`: {}", self.path().display(), self.reason())
    }
}

/// What [`walk()`] found.
#[derive(Debug, Default)]
pub struct Walk {
    /// The inputs, in command-line order, each directory's files sorted by name.
    pub entries: Vec<Entry>,
    /// What was met and not read.
    pub problems: Vec<Problem>,
}

/// What identifies a file or directory whatever the path to it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Identity {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg_attr(unix, expect(dead_code, reason = "used where there are no inodes"))]
    Canonical(PathBuf),
}

fn identity(path: &Path, meta: &Metadata) -> Option<Identity> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let _ = path;
        Some(Identity::Inode(meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        std::fs::canonicalize(path).ok().map(Identity::Canonical)
    }
}

/// Expands command-line paths: `-` is standard input, a file (or pipe, FIFO, device) is read
/// as given, a directory is walked recursively (see the module docs). Every problem is
/// reported in [`Walk::problems`]; none stops the walk.
pub fn walk(paths: &[impl AsRef<Path>]) -> Walk {
    let mut out = Walk::default();
    let mut seen: HashMap<Identity, PathBuf> = HashMap::new();
    for arg in paths {
        let arg = arg.as_ref();
        if arg.as_os_str() == "-" {
            out.entries.push(Entry {
                source: Source::Stdin,
                size: None,
                explicit: true,
            });
            continue;
        }
        match std::fs::metadata(arg) {
            Ok(m) if m.is_dir() => walk_dir(arg, &mut out, &mut seen),
            Ok(m) => {
                if let Some(id) = identity(arg, &m)
                    && let Some(first) = seen.get(&id)
                {
                    out.problems.push(Problem::Revisit {
                        path: arg.to_path_buf(),
                        first: first.clone(),
                    });
                    continue;
                }
                if let Some(id) = identity(arg, &m) {
                    seen.insert(id, arg.to_path_buf());
                }
                out.entries.push(Entry {
                    source: Source::File(arg.to_path_buf()),
                    size: m.is_file().then_some(m.len()),
                    explicit: true,
                });
            }
            Err(e) => out.problems.push(Problem::Unreadable {
                path: arg.to_path_buf(),
                reason: e.to_string(),
            }),
        }
    }
    out
}

fn hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

fn walk_dir(root: &Path, out: &mut Walk, seen: &mut HashMap<Identity, PathBuf>) {
    // The filter runs before the walk descends, so a directory already seen is never entered.
    let problems = RefCell::new(Vec::new());
    let seen = RefCell::new(seen);
    let walker = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() > 0 && hidden(e.file_name()) {
                return false;
            }
            if !e.file_type().is_dir() {
                return true;
            }
            let Ok(meta) = e.metadata() else {
                return true; // reported when the walk yields it
            };
            let Some(id) = identity(e.path(), &meta) else {
                return true;
            };
            let mut seen = seen.borrow_mut();
            match seen.get(&id) {
                Some(first) if e.path().starts_with(first) => {
                    problems.borrow_mut().push(Problem::Loop {
                        path: e.path().to_path_buf(),
                        ancestor: first.clone(),
                    });
                    false
                }
                Some(first) => {
                    problems.borrow_mut().push(Problem::Revisit {
                        path: e.path().to_path_buf(),
                        first: first.clone(),
                    });
                    false
                }
                None => {
                    seen.insert(id, e.path().to_path_buf());
                    true
                }
            }
        });
    for item in walker {
        let entry = match item {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(root).to_path_buf();
                let problem = match e.loop_ancestor() {
                    Some(ancestor) => Problem::Loop {
                        path,
                        ancestor: ancestor.to_path_buf(),
                    },
                    None => Problem::Unreadable {
                        path,
                        reason: e
                            .io_error()
                            .map_or_else(|| e.to_string(), ToString::to_string),
                    },
                };
                problems.borrow_mut().push(problem);
                continue;
            }
        };
        if entry.file_type().is_dir() {
            continue;
        }
        let path = entry.path().to_path_buf();
        let meta = match entry.metadata() {
            Ok(m) => m,
            Err(e) => {
                problems.borrow_mut().push(Problem::Unreadable {
                    path,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        if !meta.is_file() {
            problems.borrow_mut().push(Problem::NotRegular { path });
            continue;
        }
        if let Some(id) = identity(&path, &meta) {
            let mut seen = seen.borrow_mut();
            if let Some(first) = seen.get(&id) {
                problems.borrow_mut().push(Problem::Revisit {
                    path,
                    first: first.clone(),
                });
                continue;
            }
            seen.insert(id, path.clone());
        }
        out.entries.push(Entry {
            source: Source::File(path),
            size: Some(meta.len()),
            explicit: false,
        });
    }
    out.problems.append(&mut problems.into_inner());
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("iamwhy-walk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("d/sub")).unwrap();
        std::fs::write(dir.join("d/one.json"), "{}").unwrap();
        std::fs::write(dir.join("d/sub/two.json"), "{}").unwrap();
        std::fs::write(dir.join("d/.hidden.json"), "{}").unwrap();
        dir
    }

    fn names(w: &Walk) -> Vec<String> {
        w.entries
            .iter()
            .map(|e| {
                e.path()
                    .and_then(|p| p.file_name())
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect()
    }

    fn count(w: &Walk, kind: impl Fn(&Problem) -> bool) -> usize {
        w.problems.iter().filter(|p| kind(p)).count()
    }

    #[test]
    fn symlink_cycles_are_reported_not_followed() {
        // Issue 18: `mkdir d; ln -s . d/a; ln -s . d/b` hung every command.
        let dir = tree("cycle");
        symlink(".", dir.join("d/a")).unwrap();
        symlink(".", dir.join("d/b")).unwrap();
        symlink("..", dir.join("d/sub/up")).unwrap();
        let w = walk(&[dir.join("d")]);
        assert_eq!(names(&w), ["one.json", "two.json"]);
        assert_eq!(count(&w, |p| matches!(p, Problem::Loop { .. })), 3);
    }

    #[test]
    fn a_directory_reached_twice_is_read_once() {
        let dir = tree("twice");
        std::fs::create_dir_all(dir.join("e")).unwrap();
        std::fs::write(dir.join("e/three.json"), "{}").unwrap();
        symlink("../e", dir.join("d/x")).unwrap();
        symlink("../e", dir.join("d/y")).unwrap();
        let w = walk(&[dir.join("d"), dir.join("e"), dir.join("d/one.json")]);
        assert_eq!(names(&w), ["one.json", "two.json", "three.json"]);
        assert_eq!(count(&w, |p| matches!(p, Problem::Revisit { .. })), 3);
    }

    #[test]
    fn a_fifo_is_skipped_in_a_directory_and_streamed_when_named() {
        let dir = tree("fifo");
        let fifo = dir.join("d/pipe.json");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo here
        }
        let w = walk(&[dir.join("d")]);
        assert!(
            w.problems
                .contains(&Problem::NotRegular { path: fifo.clone() })
        );
        let named = walk(&[&fifo]);
        assert_eq!(named.entries.len(), 1);
        assert_eq!(named.entries.first().and_then(|e| e.size), None);
    }

    #[test]
    fn missing_paths_and_stdin() {
        let w = walk(&[Path::new("-"), Path::new("/nonexistent/iamwhy")]);
        assert_eq!(
            w.entries,
            [Entry {
                source: Source::Stdin,
                size: None,
                explicit: true
            }]
        );
        assert!(matches!(
            w.problems.first(),
            Some(Problem::Unreadable { .. })
        ));
    }
}
