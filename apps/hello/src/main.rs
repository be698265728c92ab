//! Confide's example iApp.
//!
//! Greets a name: `--name X` if given, else the `name` string field of the protected data
//! (`$IEXEC_IN/$IEXEC_DATASET_FILENAME`, a DataProtector zip of borsh leaves), else its `email`
//! field, else "world". Writes `$IEXEC_OUT/result.txt` = `Hello, <name>!\n` and
//! `$IEXEC_OUT/computed.json`. Deterministic: the same inputs give the same bytes.
//!
//! A bulk task (`IEXEC_BULK_SLICE_SIZE` datasets, `$IEXEC_IN/$IEXEC_DATASET_<i>_FILENAME`)
//! gets one such line per dataset, in the slice's order.
//!
//! Other arguments: `--delay-ms N` sleeps N milliseconds first (tests stop a worker mid-task
//! with it), `--fail` exits with code 1.

use iapp::{dataset_path, write_result, zip};
use std::fs::File;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

/// Longest leaf read from the protected data (a name or an email is far shorter).
const MAX_LEAF_BYTES: u64 = 64 << 10;

#[derive(Debug, Default)]
struct Args {
    name: Option<String>,
    delay_ms: u64,
    fail: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args::default();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        let mut value = |flag: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--name" => parsed.name = Some(value("--name")?),
            "--delay-ms" => {
                let text = value("--delay-ms")?;
                parsed.delay_ms = text
                    .parse()
                    .map_err(|_| format!("--delay-ms {text:?} is not a number of milliseconds"))?;
            }
            "--fail" => parsed.fail = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(parsed)
}

/// The `name` (else `email`) string leaf of the protected data at `path`.
fn name_in_protected_data(path: &PathBuf) -> Result<Option<String>, String> {
    let file = File::open(path).map_err(|e| format!("cannot open the protected data: {e}"))?;
    let mut archive = zip::Archive::open(file)?;
    for field in ["name", "email"] {
        if let Some(leaf) = archive.read(field, MAX_LEAF_BYTES)? {
            return borsh_string(&leaf)
                .map(Some)
                .ok_or_else(|| format!("the `{field}` field is not a string"));
        }
    }
    Ok(None)
}

/// A borsh string: u32 little-endian byte length, then UTF-8.
fn borsh_string(bytes: &[u8]) -> Option<String> {
    let (length, text) = bytes.split_first_chunk::<4>()?;
    if u32::from_le_bytes(*length) as usize != text.len() {
        return None;
    }
    String::from_utf8(text.to_vec()).ok()
}

fn run() -> Result<(), String> {
    let args = parse_args(std::env::args().skip(1))?;
    if args.delay_ms > 0 {
        std::thread::sleep(Duration::from_millis(args.delay_ms));
    }
    if args.fail {
        return Err("failing as asked (--fail)".into());
    }
    let greet = |path: Option<PathBuf>| -> Result<String, String> {
        let name = match path {
            Some(path) => name_in_protected_data(&path)?,
            None => None,
        };
        Ok(format!("Hello, {}!\n", name.as_deref().unwrap_or("world")))
    };
    let bulk_size: usize = std::env::var("IEXEC_BULK_SLICE_SIZE")
        .ok()
        .and_then(|size| size.parse().ok())
        .unwrap_or(0);
    let result = match (args.name, dataset_path("IEXEC_DATASET_FILENAME")) {
        (Some(name), _) => format!("Hello, {name}!\n"),
        (None, Some(path)) => greet(Some(path))?,
        (None, None) if bulk_size > 0 => (1..=bulk_size)
            .map(|index| greet(dataset_path(&format!("IEXEC_DATASET_{index}_FILENAME"))))
            .collect::<Result<String, String>>()?,
        (None, None) => greet(None)?,
    };
    write_result("result.txt", result.as_bytes())?;
    println!("hello: result written");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("hello: {why}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        let args = |list: &[&str]| parse_args(list.iter().map(|s| s.to_string()));
        let parsed = args(&["--name", "Bob", "--delay-ms=20", "--fail"]).unwrap();
        assert_eq!(parsed.name.as_deref(), Some("Bob"));
        assert_eq!(parsed.delay_ms, 20);
        assert!(parsed.fail);
        assert!(args(&["--name"]).is_err());
        assert!(args(&["--delay-ms", "soon"]).is_err());
        assert!(args(&["--other"]).is_err());
    }

    #[test]
    fn borsh_strings() {
        assert_eq!(borsh_string(b"\x03\0\0\0Ann").as_deref(), Some("Ann"));
        assert_eq!(borsh_string(b"\x04\0\0\0Ann"), None);
        assert_eq!(borsh_string(b"\x01\0"), None);
    }
}
