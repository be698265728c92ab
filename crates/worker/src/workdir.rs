//! A task's directory: `<work>/tasks/<taskId>/` with `in/` (the app's `/iexec_in`), `out/`
//! (its `/iexec_out`) and `scratch/` (sealed downloads, the result zip). Removed when the run
//! ends, whatever happened: plaintext inputs and results never outlive the task.

use alloy_primitives::B256;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub(crate) struct TaskDir {
    root: PathBuf,
}

impl TaskDir {
    /// A fresh directory for `task_id` under `tasks_dir` (a leftover of a crashed run is
    /// removed first).
    pub(crate) fn create(tasks_dir: &Path, task_id: B256) -> io::Result<Self> {
        let root = tasks_dir.join(task_id.to_string());
        match std::fs::remove_dir_all(&root) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
            _ => {}
        }
        let dir = Self { root };
        for sub in [dir.input(), dir.output(), dir.scratch()] {
            std::fs::create_dir_all(sub)?;
        }
        Ok(dir)
    }

    /// The app's `/iexec_in`.
    pub(crate) fn input(&self) -> PathBuf {
        self.root.join("in")
    }

    /// The app's `/iexec_out`.
    pub(crate) fn output(&self) -> PathBuf {
        self.root.join("out")
    }

    /// The worker's own files (never seen by the app).
    pub(crate) fn scratch(&self) -> PathBuf {
        self.root.join("scratch")
    }
}

impl Drop for TaskDir {
    fn drop(&mut self) {
        if let Err(error) = std::fs::remove_dir_all(&self.root)
            && error.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(dir = %self.root.display(), %error, "cannot remove a task directory");
        }
    }
}
