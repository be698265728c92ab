//! The `Range` header of a GET (RFC 9110 §14): one range of bytes, or the whole file.
//!
//! Only a single `bytes=` range is honoured. A malformed header, another unit or several ranges
//! are ignored and the whole file is sent with 200, as RFC 9110 §14.2 allows ("a server MAY
//! ignore the Range header field"); a syntactically valid range that selects no byte of the file
//! is answered 416.

/// What a `Range` header asks of a file of a known size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RangeRequest {
    /// No usable range: the whole file, 200.
    Full,
    /// Bytes `first..=last` (both within the file), 206.
    Partial {
        /// The first byte.
        first: u64,
        /// The last byte (inclusive).
        last: u64,
    },
    /// A valid range outside the file, 416.
    Unsatisfiable,
}

/// Interprets `header` (the value of `Range`, if any) for a file of `size` bytes.
pub(crate) fn parse(header: Option<&str>, size: u64) -> RangeRequest {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Full;
    };
    if spec.contains(',') {
        return RangeRequest::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeRequest::Full;
    };
    let (first, last) = (first.trim(), last.trim());
    let number = |text: &str| -> Option<u64> {
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // Too many digits to fit: larger than any file, which is what it means.
        Some(text.parse().unwrap_or(u64::MAX))
    };
    if first.is_empty() {
        // `-n`: the last n bytes.
        return match number(last) {
            None => RangeRequest::Full,
            Some(0) => RangeRequest::Unsatisfiable,
            Some(_) if size == 0 => RangeRequest::Unsatisfiable,
            Some(n) => RangeRequest::Partial {
                first: size - n.min(size),
                last: size - 1,
            },
        };
    }
    let Some(first) = number(first) else {
        return RangeRequest::Full;
    };
    let last = if last.is_empty() {
        None
    } else {
        match number(last) {
            Some(last) if last >= first => Some(last),
            _ => return RangeRequest::Full,
        }
    };
    if first >= size {
        return RangeRequest::Unsatisfiable;
    }
    RangeRequest::Partial {
        first,
        last: last.map_or(size - 1, |last| last.min(size - 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::RangeRequest::{Full, Partial, Unsatisfiable};
    use super::*;

    #[test]
    fn single_ranges() {
        let cases = [
            ("bytes=0-0", Partial { first: 0, last: 0 }),
            (
                "bytes=10-19",
                Partial {
                    first: 10,
                    last: 19,
                },
            ),
            (
                "bytes=10-",
                Partial {
                    first: 10,
                    last: 99,
                },
            ),
            (
                "bytes=90-1000",
                Partial {
                    first: 90,
                    last: 99,
                },
            ),
            (
                "bytes=-1",
                Partial {
                    first: 99,
                    last: 99,
                },
            ),
            ("bytes=-500", Partial { first: 0, last: 99 }),
            (" bytes= 5 - 6 ", Partial { first: 5, last: 6 }),
            ("bytes=100-", Unsatisfiable),
            ("bytes=100-200", Unsatisfiable),
            ("bytes=-0", Unsatisfiable),
            ("bytes=99999999999999999999999-", Unsatisfiable),
        ];
        for (header, want) in cases {
            assert_eq!(parse(Some(header), 100), want, "{header}");
        }
    }

    #[test]
    fn unusable_headers_mean_the_whole_file() {
        for header in [
            "bytes=0-1,5-6",
            "bytes=5-4",
            "bytes=a-b",
            "bytes=-",
            "bytes=1",
            "items=0-1",
            "bytes=+1-2",
            "",
        ] {
            assert_eq!(parse(Some(header), 100), Full, "{header:?}");
        }
        assert_eq!(parse(None, 100), Full);
    }

    #[test]
    fn an_empty_file_has_no_satisfiable_range() {
        assert_eq!(parse(Some("bytes=0-"), 0), Unsatisfiable);
        assert_eq!(parse(Some("bytes=-5"), 0), Unsatisfiable);
        assert_eq!(parse(None, 0), Full);
    }
}
