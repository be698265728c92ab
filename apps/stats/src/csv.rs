//! A CSV reader for one numeric column: RFC 4180 records (comma-separated fields, CRLF or LF
//! line ends, fields in double quotes may hold commas, line breaks and `""` for a quote), a
//! header row naming the columns, every record as long as the header. Blank lines are skipped;
//! a UTF-8 byte-order mark is ignored. Errors name the line where the record starts (the
//! header's line is 1).

use std::borrow::Cow;

/// The values of column `column` (named in the header row), in the file's order.
pub fn column_values(text: &str, column: &str) -> Result<Vec<f64>, String> {
    let mut records = Records::new(text.strip_prefix('\u{feff}').unwrap_or(text));
    let mut fields = Vec::new();
    if !records.next_record(&mut fields)? {
        return Err("the CSV is empty (no header row)".into());
    }
    let header_len = fields.len();
    let mut matches = fields
        .iter()
        .enumerate()
        .filter(|(_, name)| name.trim() == column);
    let index = match (matches.next(), matches.next()) {
        (Some((index, _)), None) => index,
        (Some(_), Some(_)) => return Err(format!("the header names column {column:?} twice")),
        (None, _) => {
            let names: Vec<&str> = fields.iter().map(|name| name.trim()).collect();
            return Err(format!(
                "no column {column:?} in the header (columns: {})",
                names.join(", ")
            ));
        }
    };
    let mut values = Vec::new();
    while records.next_record(&mut fields)? {
        let line = records.record_line;
        if fields.len() != header_len {
            return Err(format!(
                "line {line}: {} fields where the header has {header_len}",
                fields.len()
            ));
        }
        let cell = fields[index].trim();
        let value: f64 = cell
            .parse()
            .ok()
            .filter(|value: &f64| value.is_finite())
            .ok_or_else(|| {
                if cell.is_empty() {
                    format!("line {line}: the {column:?} cell is empty")
                } else {
                    format!("line {line}: {cell:?} in column {column:?} is not a finite number")
                }
            })?;
        values.push(value);
    }
    Ok(values)
}

/// The records of a CSV text, one at a time.
struct Records<'a> {
    text: &'a str,
    /// Byte offset of the next record.
    at: usize,
    /// Line number (1-based) at `at`.
    line: usize,
    /// Line number where the last record read starts.
    record_line: usize,
}

impl<'a> Records<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            at: 0,
            line: 1,
            record_line: 1,
        }
    }

    /// Reads the next non-blank record into `fields`; `false` at the end of the text.
    fn next_record(&mut self, fields: &mut Vec<Cow<'a, str>>) -> Result<bool, String> {
        fields.clear();
        let bytes = self.text.as_bytes();
        // Blank lines are not records.
        loop {
            let rest = &bytes[self.at..];
            if rest.starts_with(b"\n") {
                self.at += 1;
            } else if rest.starts_with(b"\r\n") {
                self.at += 2;
            } else {
                break;
            }
            self.line += 1;
        }
        if self.at == bytes.len() {
            return Ok(false);
        }
        let record_line = self.line;
        self.record_line = record_line;
        loop {
            let field = if bytes[self.at] == b'"' {
                self.quoted_field(record_line)?
            } else {
                let end = bytes[self.at..]
                    .iter()
                    .position(|&byte| byte == b',' || byte == b'\n')
                    .map_or(bytes.len(), |offset| self.at + offset);
                let mut field = &self.text[self.at..end];
                if bytes.get(end) != Some(&b',') {
                    field = field.strip_suffix('\r').unwrap_or(field);
                }
                self.at = end;
                Cow::Borrowed(field)
            };
            fields.push(field);
            match bytes.get(self.at) {
                Some(b',') => self.at += 1,
                Some(b'\n') => {
                    self.at += 1;
                    self.line += 1;
                    return Ok(true);
                }
                None => return Ok(true),
                Some(_) => {
                    return Err(format!(
                        "line {record_line}: a quoted field is followed by more than a comma or a line end"
                    ));
                }
            }
        }
    }

    /// A field in double quotes starting at `self.at`; leaves `self.at` after the closing
    /// quote (and a `\r` before a line end).
    fn quoted_field(&mut self, record_line: usize) -> Result<Cow<'a, str>, String> {
        let bytes = self.text.as_bytes();
        let start = self.at + 1;
        let mut unescaped: Option<String> = None;
        let mut piece_start = start;
        let mut at = start;
        loop {
            let Some(offset) = bytes[at..].iter().position(|&byte| byte == b'"') else {
                return Err(format!(
                    "line {record_line}: a quoted field has no closing quote"
                ));
            };
            let quote = at + offset;
            self.line += bytes[at..quote]
                .iter()
                .filter(|&&byte| byte == b'\n')
                .count();
            if bytes.get(quote + 1) == Some(&b'"') {
                // `""` is one quote: keep the piece up to and including the first.
                unescaped
                    .get_or_insert_with(String::new)
                    .push_str(&self.text[piece_start..=quote]);
                piece_start = quote + 2;
                at = quote + 2;
                continue;
            }
            let field = match unescaped {
                Some(mut text) => {
                    text.push_str(&self.text[piece_start..quote]);
                    Cow::Owned(text)
                }
                None => Cow::Borrowed(&self.text[start..quote]),
            };
            self.at = quote + 1;
            if bytes[self.at..].starts_with(b"\r\n") {
                self.at += 1;
            }
            return Ok(field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Result<Vec<Vec<String>>, String> {
        let mut records = Records::new(text);
        let mut fields = Vec::new();
        let mut all = Vec::new();
        while records.next_record(&mut fields)? {
            all.push(fields.iter().map(|field| field.to_string()).collect());
        }
        Ok(all)
    }

    #[test]
    fn records_follow_rfc_4180() {
        assert_eq!(
            records("a,b\r\n1,\"x, \"\"y\"\"\"\r\n\"multi\nline\",\r\n").unwrap(),
            [
                vec!["a", "b"],
                vec!["1", "x, \"y\""],
                vec!["multi\nline", ""]
            ]
        );
        assert_eq!(records("a\n\n\nb").unwrap(), [["a"], ["b"]]);
        assert_eq!(records("").unwrap(), Vec::<Vec<String>>::new());
        assert_eq!(records(",\n").unwrap(), [["", ""]]);
        assert_eq!(records("\"\"\n").unwrap(), [[""]]);
        assert!(
            records("a,\"open\n")
                .unwrap_err()
                .contains("no closing quote")
        );
        assert!(
            records("\"a\"b,c")
                .unwrap_err()
                .contains("followed by more than")
        );
    }

    #[test]
    fn a_column_is_read_by_its_header_name() {
        let csv =
            "\u{feff}name,\"salary\",team\r\nAnn,\"1,5\",x\nBob, 2e3 ,\"a,b\"\n\"C\nD\",-3,z\n";
        assert!(
            column_values(csv, "salary")
                .unwrap_err()
                .contains("\"1,5\"")
        );
        let csv = csv.replace("\"1,5\"", "1.5");
        assert_eq!(column_values(&csv, "salary").unwrap(), [1.5, 2000.0, -3.0]);
        assert_eq!(
            column_values("n\n", "n").unwrap(),
            Vec::<f64>::new(),
            "no rows: no values (the summary refuses them)"
        );
    }

    #[test]
    fn hostile_csv_is_refused_with_the_line() {
        let error = |csv: &str| column_values(csv, "n").unwrap_err();
        assert_eq!(
            error("a,b\n1,2\n"),
            "no column \"n\" in the header (columns: a, b)"
        );
        assert_eq!(error("n,n\n1,2\n"), "the header names column \"n\" twice");
        assert_eq!(error(""), "the CSV is empty (no header row)");
        assert_eq!(
            error("n,m\n1,2\n\"x\ny\",abc,3\n"),
            "line 3: 3 fields where the header has 2"
        );
        assert_eq!(
            error("m,n\n\"x\ny\",1\nz,abc\n"),
            "line 4: \"abc\" in column \"n\" is not a finite number"
        );
        assert_eq!(error("n\n1\n \n"), "line 3: the \"n\" cell is empty");
        for not_finite in ["NaN", "inf", "-infinity", "1e400"] {
            assert!(
                error(&format!("n\n{not_finite}\n")).contains("is not a finite number"),
                "{not_finite}"
            );
        }
    }
}
