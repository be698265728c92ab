//! Progress reports: DataProtector's `onStatusUpdate({title, isDone, payload})`. Each step is
//! reported twice, when it starts (`is_done` false) and when it is done.

use serde::Serialize;
use serde_json::Value;

/// A step of a long operation, named as DataProtector names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Step {
    ExtractDataSchema,
    CreateZipFile,
    CreateEncryptionKey,
    EncryptFile,
    UploadEncryptedFile,
    DeployProtectedData,
    PushSecretToSms,
    CreateDatasetOrder,
    PublishDatasetOrder,
    RetrieveAllGrantedAccess,
    RevokeOneAccess,
    FetchOrders,
    PushRequesterSecret,
    PushEncryptionKey,
    RequestToProcessProtectedData,
    TaskExecution,
    TaskUpdated,
    TaskResultDownload,
    TaskResultDecrypt,
}

impl Step {
    /// The step's title (`ENCRYPT_FILE`).
    pub fn title(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// One progress report. Payloads never carry a secret (the encryption key stays out).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    pub title: Step,
    pub is_done: bool,
    #[serde(skip_serializing_if = "Value::is_null")]
    pub payload: Value,
}

/// Where progress goes: any `FnMut(Status)`, e.g. `&mut |_| {}` to ignore it.
pub type OnStatus<'a> = &'a mut (dyn FnMut(Status) + Send);

pub(crate) fn start(on_status: &mut (dyn FnMut(Status) + Send), title: Step) {
    on_status(Status {
        title,
        is_done: false,
        payload: Value::Null,
    });
}

pub(crate) fn done(on_status: &mut (dyn FnMut(Status) + Send), title: Step, payload: Value) {
    on_status(Status {
        title,
        is_done: true,
        payload,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_dataprotectors() {
        assert_eq!(Step::PushSecretToSms.title(), "PUSH_SECRET_TO_SMS");
        assert_eq!(
            Step::RequestToProcessProtectedData.title(),
            "REQUEST_TO_PROCESS_PROTECTED_DATA"
        );
        let status = Status {
            title: Step::EncryptFile,
            is_done: true,
            payload: serde_json::json!({ "checksum": "0x00" }),
        };
        assert_eq!(
            serde_json::to_value(status).unwrap(),
            serde_json::json!({ "title": "ENCRYPT_FILE", "isDone": true, "payload": { "checksum": "0x00" } })
        );
    }
}
