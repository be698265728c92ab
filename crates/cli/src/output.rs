//! Human output by default, one JSON document with `--json`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use serde_json::{Value, json};

/// Where results and errors go.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    json: bool,
}

impl Output {
    pub(crate) fn new(json: bool) -> Self {
        Self { json }
    }

    pub(crate) fn is_json(&self) -> bool {
        self.json
    }

    /// Prints a command's result: `human` lines, or `value` as JSON.
    pub(crate) fn result(&self, human: &str, value: Value) {
        if self.json {
            println!("{value}");
        } else if !human.is_empty() {
            println!("{human}");
        }
    }

    /// Prints an error with its causes (stderr; stdout gets a JSON error object with `--json`).
    pub(crate) fn error(&self, error: &anyhow::Error) {
        let causes: Vec<String> = error.chain().skip(1).map(ToString::to_string).collect();
        if self.json {
            let mut document = json!({ "error": error.to_string(), "causes": causes });
            if let Some(details) = crate::exit::details_of(error) {
                document["details"] = details.clone();
            }
            println!("{document}");
        } else {
            eprintln!("error: {error}");
            for cause in causes {
                eprintln!("  caused by: {cause}");
            }
        }
    }

    /// A note for humans (stderr), silent in JSON mode.
    pub(crate) fn note(&self, message: &str) {
        if !self.json {
            eprintln!("{message}");
        }
    }
}
