//! `.iamwhy.toml`: findings silenced by code, everywhere or under some paths (JSON has no
//! comments to silence a finding in place).
//!
//! ```toml
//! [lint]
//! ignore = ["missing-version"]        # these codes, in every file
//! fail-on = "warning"                 # default of --fail-on
//!
//! [[lint.paths]]
//! path = "legacy/*"                   # relative to this file; `*` matches `/` too
//! ignore = ["allow-not-action"]       # or ["*"]: every finding under the path
//! ```

use std::path::{Path, PathBuf};

use iamwhy_policy::{CaseFold, NoVariables, Pattern, PatternMatch, Variables, Wildcards};
use serde::Deserialize;

use crate::rules::{Level, RULES};

/// A loaded configuration.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file it was read from.
    pub file: Option<PathBuf>,
    /// Codes ignored everywhere.
    pub ignore: Vec<String>,
    /// The default of `--fail-on`.
    pub fail_on: Option<Level>,
    /// Codes ignored under some paths.
    pub paths: Vec<PathIgnore>,
}

/// Codes ignored under a path.
#[derive(Clone, Debug)]
pub struct PathIgnore {
    /// The path as written, relative to the configuration file's directory.
    pub path: String,
    /// The codes; `*` means every code.
    pub ignore: Vec<String>,
}

/// Why a configuration file cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file.
    pub file: PathBuf,
    /// Line and column, when the problem has a place.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.position {
            Some((line, column)) => write!(
                f,
                "{}:{line}:{column}: {}",
                self.file.display(),
                self.message
            ),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    lint: Option<LintShape>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct LintShape {
    #[serde(default)]
    ignore: Vec<String>,
    fail_on: Option<String>,
    #[serde(default)]
    paths: Vec<PathShape>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PathShape {
    path: String,
    ignore: Vec<String>,
}

/// The name of the configuration file.
pub const CONFIG_FILE: &str = ".iamwhy.toml";

impl Config {
    /// Finds `.iamwhy.toml` in `dir` or the nearest parent directory that has one.
    pub fn discover(dir: &Path) -> Option<PathBuf> {
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        dir.ancestors()
            .map(|d| d.join(CONFIG_FILE))
            .find(|p| p.is_file())
    }

    /// Reads and checks a configuration file.
    pub fn load(file: &Path) -> Result<Config, ConfigError> {
        let source = iamwhy_input::Source::File(file.to_path_buf());
        let text = iamwhy_input::read_text(&source, iamwhy_input::Limit::CONFIG).map_err(|e| {
            ConfigError {
                file: file.to_path_buf(),
                position: None,
                message: e.to_string(),
            }
        })?;
        Config::parse(file, &text)
    }

    /// Checks the text of a configuration file read from `file`.
    pub fn parse(file: &Path, text: &str) -> Result<Config, ConfigError> {
        let error = |position: Option<(usize, usize)>, message: String| ConfigError {
            file: file.to_path_buf(),
            position,
            message,
        };
        let shape: FileShape = toml::from_str(text).map_err(|e| {
            let position = e.span().map(|s| line_column(text, s.start));
            error(position, e.message().to_owned())
        })?;
        let Some(lint) = shape.lint else {
            return Ok(Config {
                file: Some(file.to_path_buf()),
                ..Config::default()
            });
        };
        let check_codes = |codes: &[String], star: bool| -> Result<(), ConfigError> {
            for code in codes {
                if (star && code == "*") || RULES.iter().any(|r| r.code == code) {
                    continue;
                }
                let position = find(text, &format!("\"{code}\""));
                return Err(error(
                    position,
                    format!("`{code}` is not a lint code; `iamwhy lint --list-rules` lists them"),
                ));
            }
            Ok(())
        };
        check_codes(&lint.ignore, false)?;
        for p in &lint.paths {
            check_codes(&p.ignore, true)?;
        }
        let fail_on = match lint.fail_on {
            None => None,
            Some(f) => Some(Level::parse(&f).ok_or_else(|| {
                error(
                    find(text, &format!("\"{f}\"")),
                    format!(
                        "`fail-on` is `error`, `security-warning`, `warning` or `suggestion`, not `{f}`"
                    ),
                )
            })?),
        };
        Ok(Config {
            file: Some(file.to_path_buf()),
            ignore: lint.ignore,
            fail_on,
            paths: lint
                .paths
                .into_iter()
                .map(|p| PathIgnore {
                    path: p.path,
                    ignore: p.ignore,
                })
                .collect(),
        })
    }

    /// Whether findings with `code` in the file at `path` are silenced.
    pub fn ignores(&self, code: &str, path: &Path) -> bool {
        if self.ignore.iter().any(|c| c == code) {
            return true;
        }
        if self.paths.is_empty() {
            return false;
        }
        let rel = self.relative(path);
        self.paths
            .iter()
            .any(|p| p.ignore.iter().any(|c| c == "*" || c == code) && path_matches(&p.path, &rel))
    }

    /// `path` relative to the configuration file's directory, with `/` separators.
    fn relative(&self, path: &Path) -> String {
        let base = self
            .file
            .as_deref()
            .and_then(Path::parent)
            // `--config c.toml`: the parent of a bare name is the current directory.
            .map(|d| {
                if d.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    d
                }
            })
            .and_then(|d| std::fs::canonicalize(d).ok());
        let full = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let rel = match &base {
            Some(b) => full.strip_prefix(b).unwrap_or(&full),
            None => &full,
        };
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// Whether a configured path covers `rel`: a glob (`*` and `?`, `*` crossing `/`), or a plain
/// path that names the file or a directory above it.
fn path_matches(pattern: &str, rel: &str) -> bool {
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    if pattern.contains(['*', '?']) {
        let p = Pattern::compile(pattern, Wildcards::Glob, Variables::Literal);
        return p.matches(rel, CaseFold::Sensitive, &NoVariables) == PatternMatch::Match;
    }
    rel == pattern
        || rel
            .strip_prefix(pattern)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count().saturating_add(1);
    let column = before
        .rsplit('\n')
        .next()
        .map_or(0, |l| l.chars().count())
        .saturating_add(1);
    (line, column)
}

fn find(text: &str, needle: &str) -> Option<(usize, usize)> {
    text.find(needle).map(|o| line_column(text, o))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ignores_and_paths() {
        let c = Config::parse(
            Path::new("/nonexistent/.iamwhy.toml"),
            "[lint]\nignore = [\"missing-version\"]\nfail-on = \"warning\"\n[[lint.paths]]\npath = \"legacy/*\"\nignore = [\"*\"]\n",
        )
        .unwrap();
        assert_eq!(c.fail_on, Some(Level::Warning));
        assert!(c.ignores("missing-version", Path::new("/x/a.json")));
        assert!(path_matches("legacy/*", "legacy/old/a.json"));
        assert!(path_matches("legacy", "legacy/a.json"));
        assert!(!path_matches("legacy", "legacy2/a.json"));
    }

    #[test]
    fn errors_name_the_place() {
        let e = Config::parse(Path::new("c.toml"), "[lint]\nignore = [\"no-such-code\"]\n")
            .unwrap_err();
        assert_eq!(e.position, Some((2, 11)));
        assert!(e.message.contains("no-such-code"));
        let e = Config::parse(Path::new("c.toml"), "[lint]\nignored = []\n").unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(2));
        let e = Config::parse(Path::new("c.toml"), "[lint\n").unwrap_err();
        assert!(e.position.is_some());
    }
}
