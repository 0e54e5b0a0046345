//! The shared files as the SDKs see them: which files (`AWS_CONFIG_FILE`,
//! `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and `~/.aws/credentials`), their
//! profiles and `[sso-session]` sections, and a profile's settings with the file and line each
//! came from. In the config file a profile is `[profile NAME]` (`[default]` for the default
//! profile); other sections without the prefix are not profiles there. In the credentials file
//! a profile is `[NAME]`. A setting present in both files comes from the credentials file
//! (botocore, spec §6.1).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use iamwhy_input::{InputErrorKind, Limit};
use serde::Serialize;

use crate::Environment;
use crate::ini::{self, SyntaxError};

/// Which of the two shared files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileRole {
    /// `~/.aws/config`.
    Config,
    /// `~/.aws/credentials`.
    Credentials,
}

/// One shared file and whether it could be read.
#[derive(Clone, Debug, Serialize)]
pub struct FileInfo {
    /// Which file.
    pub role: FileRole,
    /// Its path.
    pub path: String,
    /// Where the path came from (`AWS_CONFIG_FILE`, or the default under the home directory).
    pub from: String,
    /// `read`, `missing`, `unreadable` or `malformed`.
    pub state: &'static str,
    /// Why not read, with line and column for a malformed file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// One setting of a profile.
#[derive(Clone, Debug)]
pub struct Setting {
    /// The value.
    pub value: String,
    /// The file it is in.
    pub file: FileRole,
    /// Its line.
    pub line: u32,
}

/// A profile's settings by lower-case name.
pub type Settings = BTreeMap<String, Setting>;

/// The shared files, read.
#[derive(Clone, Debug, Default)]
pub struct SharedFiles {
    /// The two files.
    pub files: Vec<FileInfo>,
    config: BTreeMap<String, Settings>,
    credentials: BTreeMap<String, Settings>,
    sso_sessions: BTreeMap<String, Settings>,
}

impl SharedFiles {
    /// Reads the files the environment points at.
    pub fn read(env: &Environment) -> SharedFiles {
        let mut out = SharedFiles::default();
        for (role, var, default) in [
            (FileRole::Config, "AWS_CONFIG_FILE", "config"),
            (
                FileRole::Credentials,
                "AWS_SHARED_CREDENTIALS_FILE",
                "credentials",
            ),
        ] {
            let (path, from) = match env.var(var) {
                Some(p) => (expand_home(p, env.home.as_deref()), var.to_owned()),
                None => match &env.home {
                    Some(h) => (
                        h.join(".aws").join(default),
                        format!("the default (`~/.aws/{default}`)"),
                    ),
                    None => continue,
                },
            };
            let path_text = path.display().to_string();
            let source = iamwhy_input::Source::File(path.clone());
            let (state, problem) = match iamwhy_input::read_text(&source, Limit::CONFIG) {
                Err(e) => match e.kind() {
                    InputErrorKind::Io(io) if io.kind() == std::io::ErrorKind::NotFound => {
                        ("missing", None)
                    }
                    _ => ("unreadable", Some(e.to_string())),
                },
                Ok(text) => match ini::parse(&text) {
                    Err(SyntaxError {
                        line,
                        column,
                        message,
                    }) => (
                        "malformed",
                        Some(format!("{path_text}:{line}:{column}: {message}")),
                    ),
                    Ok(sections) => {
                        out.add(role, sections);
                        ("read", None)
                    }
                },
            };
            out.files.push(FileInfo {
                role,
                path: path_text,
                from,
                state,
                problem,
            });
        }
        out
    }

    fn add(&mut self, role: FileRole, sections: Vec<ini::Section>) {
        for s in sections {
            let (map, name) = match role {
                FileRole::Credentials => (&mut self.credentials, s.name.clone()),
                FileRole::Config => {
                    if s.name == "default" {
                        (&mut self.config, "default".to_owned())
                    } else if let Some(p) = s.name.strip_prefix("profile ") {
                        (&mut self.config, p.trim().to_owned())
                    } else if let Some(p) = s.name.strip_prefix("sso-session ") {
                        (&mut self.sso_sessions, p.trim().to_owned())
                    } else {
                        continue;
                    }
                }
            };
            let settings = map.entry(name).or_default();
            for e in s.entries {
                settings.insert(
                    e.key,
                    Setting {
                        value: e.value,
                        file: role,
                        line: e.line,
                    },
                );
            }
        }
    }

    /// The first problem that makes the SDKs refuse the shared files (a malformed or
    /// unreadable file), as `path:line:column: message`.
    pub fn problem(&self) -> Option<&str> {
        self.files
            .iter()
            .filter(|f| f.state == "malformed" || f.state == "unreadable")
            .find_map(|f| f.problem.as_deref())
    }

    /// Whether any file defines the profile.
    pub fn has_profile(&self, name: &str) -> bool {
        self.config.contains_key(name) || self.credentials.contains_key(name)
    }

    /// The profile's settings, from one file or merged (the credentials file winning).
    pub fn profile(&self, name: &str, only: Option<FileRole>) -> Settings {
        let mut out = Settings::new();
        if only != Some(FileRole::Credentials)
            && let Some(c) = self.config.get(name)
        {
            out.extend(c.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        if only != Some(FileRole::Config)
            && let Some(c) = self.credentials.get(name)
        {
            out.extend(c.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        out
    }

    /// An `[sso-session NAME]` section.
    pub fn sso_session(&self, name: &str) -> Option<&Settings> {
        self.sso_sessions.get(name)
    }

    /// Every profile name, for suggestions.
    pub fn profile_names(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .config
            .keys()
            .chain(self.credentials.keys())
            .map(String::as_str)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Every (profile, access key id, secret) held in the files, for finding one key with
    /// two secrets.
    pub fn static_keys(&self) -> Vec<(String, FileRole, String, String)> {
        let mut out = Vec::new();
        for (role, map) in [
            (FileRole::Config, &self.config),
            (FileRole::Credentials, &self.credentials),
        ] {
            for (name, s) in map {
                if let (Some(id), Some(secret)) =
                    (s.get("aws_access_key_id"), s.get("aws_secret_access_key"))
                {
                    out.push((name.clone(), role, id.value.clone(), secret.value.clone()));
                }
            }
        }
        out
    }
}

/// `~/x` with the home directory.
pub fn expand_home(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(h)) => h.join(rest),
        _ => PathBuf::from(path),
    }
}
