//! What Confide's example iApps share: where the iApp contract puts inputs and outputs, a
//! bounded zip reader for protected data (DataProtector zips), and writing the result file with
//! its `computed.json`.

pub mod zip;

use std::path::PathBuf;

/// `$IEXEC_IN`: where the task's inputs are (the protected data, input files).
pub fn input_dir() -> PathBuf {
    std::env::var_os("IEXEC_IN")
        .unwrap_or_else(|| "/iexec_in".into())
        .into()
}

/// `$IEXEC_OUT`: where the app writes its results.
pub fn output_dir() -> PathBuf {
    std::env::var_os("IEXEC_OUT")
        .unwrap_or_else(|| "/iexec_out".into())
        .into()
}

/// The path of the dataset named by the environment variable `variable`
/// (`IEXEC_DATASET_FILENAME`, `IEXEC_DATASET_<i>_FILENAME`) in `$IEXEC_IN`, if it is set.
pub fn dataset_path(variable: &str) -> Option<PathBuf> {
    std::env::var_os(variable)
        .filter(|name| !name.is_empty())
        .map(|name| input_dir().join(name))
}

/// Writes `content` to `$IEXEC_OUT/<file_name>` and a `computed.json` naming it as the
/// deterministic output.
pub fn write_result(file_name: &str, content: &[u8]) -> Result<(), String> {
    let output_dir = output_dir();
    let result_path = output_dir.join(file_name);
    std::fs::write(&result_path, content).map_err(|e| format!("cannot write {file_name}: {e}"))?;
    let computed = format!(
        "{{\"deterministic-output-path\":{}}}",
        json_string(&result_path.to_string_lossy())
    );
    std::fs::write(output_dir.join("computed.json"), computed)
        .map_err(|e| format!("cannot write computed.json: {e}"))
}

/// `text` as a JSON string literal.
pub fn json_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            control if u32::from(control) < 0x20 => {
                quoted.push_str(&format!("\\u{:04x}", u32::from(control)));
            }
            other => quoted.push(other),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_string("salary"), r#""salary""#);
        assert_eq!(json_string("a\"b\\c\nd\u{1}é"), r#""a\"b\\c\nd\u0001é""#);
    }
}
