//! Confide's example iApp `stats`: the count, mean, median, population standard deviation,
//! minimum and maximum of one numeric column of a protected CSV file.
//!
//! The protected data (`$IEXEC_IN/$IEXEC_DATASET_FILENAME`) is a DataProtector zip of a
//! protected file, `{"file": <bytes>}`: the CSV is the raw content of its `file` entry (at most
//! 64 MiB). The CSV has a header row; the column is named by the first argument (`salary`) or
//! by `--column salary`. Writes `$IEXEC_OUT/result.json` =
//! `{"column":"salary","count":N,"mean":…,"median":…,"stddev":…,"min":…,"max":…}` and
//! `$IEXEC_OUT/computed.json`. Deterministic: the same inputs give the same bytes.
//!
//! Anything wrong (no column argument, no such column, a cell that is not a number, no data
//! rows, rows of the wrong length, input too large) exits with code 1 and one line on stderr.

mod csv;
mod summary;

use iapp::{dataset_path, write_result, zip};
use std::fs::File;
use std::process::ExitCode;
use summary::Summary;

/// Largest CSV read from the protected data.
const MAX_CSV_BYTES: u64 = 64 << 20;

/// The column named by the arguments: `<column>` or `--column <column>` (`--column=<column>`).
fn column_argument(args: impl Iterator<Item = String>) -> Result<String, String> {
    let usage = "name the numeric column: stats <column> (or --column <column>)";
    let args: Vec<String> = args.collect();
    let column = match args.as_slice() {
        [flag, column] if flag == "--column" => column.clone(),
        [single] => match single.strip_prefix("--column=") {
            Some(column) => column.to_owned(),
            None if single.starts_with("--") => {
                return Err(format!("unknown argument {single:?}: {usage}"));
            }
            None => single.clone(),
        },
        [] => return Err(usage.into()),
        _ => return Err(format!("one column only, got {args:?}: {usage}")),
    };
    if column.is_empty() {
        return Err(usage.into());
    }
    Ok(column)
}

fn run() -> Result<(), String> {
    let column = column_argument(std::env::args().skip(1))?;
    let path = dataset_path("IEXEC_DATASET_FILENAME")
        .ok_or("no protected data: the task needs a dataset (a protected CSV file)")?;
    let file = File::open(&path).map_err(|e| format!("cannot open the protected data: {e}"))?;
    let csv = zip::Archive::open(file)?
        .read("file", MAX_CSV_BYTES)?
        .ok_or("the protected data has no `file` field: protect the CSV as a file")?;
    let text = String::from_utf8(csv).map_err(|e| {
        format!(
            "the CSV is not UTF-8 text (bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    let mut values = csv::column_values(&text, &column)?;
    let summary = Summary::of(&mut values)?;
    write_result("result.json", summary.to_json(&column).as_bytes())?;
    println!(
        "stats: {} values of column {column:?} summarized",
        summary.count
    );
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(why) => {
            eprintln!("stats: {why}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_column_argument() {
        let column = |list: &[&str]| column_argument(list.iter().map(|s| s.to_string()));
        assert_eq!(column(&["salary"]).unwrap(), "salary");
        assert_eq!(column(&["--column", "salary"]).unwrap(), "salary");
        assert_eq!(column(&["--column=net pay"]).unwrap(), "net pay");
        assert!(column(&[]).unwrap_err().contains("name the numeric column"));
        assert!(
            column(&["--column"])
                .unwrap_err()
                .contains("unknown argument")
        );
        assert!(column(&["a", "b"]).unwrap_err().contains("one column only"));
        assert!(column(&["--columns=a"]).unwrap_err().contains("unknown"));
        assert!(column(&[""]).is_err());
    }
}
