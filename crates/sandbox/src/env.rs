//! The environment an iApp gets, named as the reference worker names it (devtools.md §2.4).

use std::collections::BTreeMap;
use std::fmt;

/// Where the app's inputs are, inside the sandbox.
pub const IEXEC_IN: &str = "/iexec_in";
/// Where the app writes its results, inside the sandbox.
pub const IEXEC_OUT: &str = "/iexec_out";

/// The task's facts and secrets, turned into `IEXEC_*` variables by [`AppEnv::variables`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AppEnv {
    /// `IEXEC_TASK_ID` (0x-hex).
    pub task_id: String,
    /// `IEXEC_DEAL_ID` (0x-hex).
    pub deal_id: String,
    /// `IEXEC_TASK_INDEX` and `IEXEC_BOT_TASK_INDEX`.
    pub task_index: u64,
    /// `IEXEC_BOT_SIZE`.
    pub bot_size: u64,
    /// `IEXEC_BOT_FIRST_INDEX`.
    pub bot_first_index: u64,
    /// The dataset's address, also its file name in `/iexec_in` (`IEXEC_DATASET_ADDRESS`,
    /// `IEXEC_DATASET_FILENAME`).
    pub dataset: Option<String>,
    /// Names of the input files in `/iexec_in` (`IEXEC_INPUT_FILE_NAME_<n>`, 1-based).
    pub input_file_names: Vec<String>,
    /// `IEXEC_APP_DEVELOPER_SECRET` (and `_1`).
    pub app_developer_secret: Option<String>,
    /// `IEXEC_REQUESTER_SECRET_<n>`.
    pub requester_secrets: BTreeMap<u32, String>,
    /// Any further variables, set last.
    pub extra: Vec<(String, String)>,
}

impl AppEnv {
    /// The variables, in a stable order.
    pub fn variables(&self) -> Vec<(String, String)> {
        let mut vars: Vec<(String, String)> = vec![
            ("IEXEC_IN".into(), IEXEC_IN.into()),
            ("IEXEC_OUT".into(), IEXEC_OUT.into()),
            ("IEXEC_TASK_ID".into(), self.task_id.clone()),
            ("IEXEC_DEAL_ID".into(), self.deal_id.clone()),
            ("IEXEC_TASK_INDEX".into(), self.task_index.to_string()),
            ("IEXEC_BOT_SIZE".into(), self.bot_size.to_string()),
            (
                "IEXEC_BOT_FIRST_INDEX".into(),
                self.bot_first_index.to_string(),
            ),
            ("IEXEC_BOT_TASK_INDEX".into(), self.task_index.to_string()),
        ];
        if let Some(dataset) = &self.dataset {
            vars.push(("IEXEC_DATASET_ADDRESS".into(), dataset.clone()));
            vars.push(("IEXEC_DATASET_FILENAME".into(), dataset.clone()));
        }
        vars.push((
            "IEXEC_INPUT_FILES_NUMBER".into(),
            self.input_file_names.len().to_string(),
        ));
        vars.push(("IEXEC_INPUT_FILES_FOLDER".into(), IEXEC_IN.into()));
        for (index, name) in self.input_file_names.iter().enumerate() {
            vars.push((format!("IEXEC_INPUT_FILE_NAME_{}", index + 1), name.clone()));
        }
        if let Some(secret) = &self.app_developer_secret {
            vars.push(("IEXEC_APP_DEVELOPER_SECRET".into(), secret.clone()));
            vars.push(("IEXEC_APP_DEVELOPER_SECRET_1".into(), secret.clone()));
        }
        for (index, secret) in &self.requester_secrets {
            vars.push((format!("IEXEC_REQUESTER_SECRET_{index}"), secret.clone()));
        }
        vars.extend(self.extra.iter().cloned());
        vars
    }
}

/// Secrets are never printed.
impl fmt::Debug for AppEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppEnv")
            .field("task_id", &self.task_id)
            .field("deal_id", &self.deal_id)
            .field("task_index", &self.task_index)
            .field("bot_size", &self.bot_size)
            .field("bot_first_index", &self.bot_first_index)
            .field("dataset", &self.dataset)
            .field("input_file_names", &self.input_file_names)
            .field(
                "app_developer_secret",
                &self.app_developer_secret.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "requester_secrets",
                &self.requester_secrets.keys().collect::<Vec<_>>(),
            )
            .field(
                "extra",
                &self.extra.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .finish()
    }
}
