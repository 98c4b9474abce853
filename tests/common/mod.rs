//! One way to run the real binary in tests (as zizmor's tests do): a scrubbed environment, a scratch
//! working directory (so no stray acr-audit.toml is found), and paths redacted from the output so
//! that snapshots are the same on every machine.
#![allow(dead_code)] // each test binary uses its own part of this module

use std::path::{Path, PathBuf};

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    /// The scratch working directory, kept until the output is dropped (files the run wrote).
    pub dir: tempfile::TempDir,
}

pub struct Builder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    config: Option<String>,
    dir: tempfile::TempDir,
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A builder for one run, in a fresh scratch directory that holds a copy of `tests/fixtures/cli/`,
/// so that inputs are named by short relative paths (as a user types them) in every snapshot.
pub fn acr_audit() -> Builder {
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(root().join("tests/fixtures/cli")).expect("fixtures") {
        let path = entry.expect("fixture").path();
        std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy fixture");
    }
    std::fs::copy(root().join("examples/estate.json"), dir.path().join("estate.json")).expect("copy estate");
    Builder { args: Vec::new(), env: Vec::new(), config: None, dir }
}

impl Builder {
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_string()));
        self
    }

    pub fn env(mut self, k: &str, v: &str) -> Self {
        self.env.push((k.into(), v.into()));
        self
    }

    /// Writes `acr-audit.toml` into the working directory.
    pub fn config(mut self, toml: &str) -> Self {
        self.config = Some(toml.into());
        self
    }

    /// A file in the scratch working directory.
    pub fn write(self, name: &str, text: &str) -> Self {
        std::fs::write(self.dir.path().join(name), text).expect("write scratch file");
        self
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn run(self) -> Output {
        if let Some(cfg) = &self.config {
            std::fs::write(self.dir.path().join("acr-audit.toml"), cfg).expect("write config");
        }
        let mut cmd = assert_cmd::Command::cargo_bin("acr-audit").expect("binary");
        cmd.env_clear().env("PATH", std::env::var("PATH").unwrap_or_default()).current_dir(self.dir.path());
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let out = cmd.args(&self.args).output().expect("run acr-audit");
        let redact = |s: &[u8]| {
            let text = String::from_utf8_lossy(s).to_string();
            let text = text.replace(&root().display().to_string(), "[ROOT]");
            let tmp = self.dir.path().display().to_string();
            text.replace(&tmp, "[TMP]")
        };
        let (stdout, stderr) = (redact(&out.stdout), redact(&out.stderr));
        let output = Output { code: out.status.code().unwrap_or(-1), stdout, stderr, dir: self.dir };
        assert!(!output.stderr.contains("panicked"), "acr-audit panicked:\n{}", output.stderr);
        output
    }
}
