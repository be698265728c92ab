//! The summary of a column: count, mean, median, population standard deviation, min, max, and
//! its JSON form. Sums are compensated (Neumaier), so the figures do not depend on rounding
//! drift over long columns; the same values in the same order give the same bytes.

/// The statistics of a non-empty column of finite numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub count: usize,
    pub mean: f64,
    pub median: f64,
    /// Population standard deviation (divides by the count).
    pub stddev: f64,
    pub min: f64,
    pub max: f64,
}

impl Summary {
    /// Summarizes `values` (sorted in place). Refuses an empty column and sums beyond `f64`.
    pub fn of(values: &mut [f64]) -> Result<Self, String> {
        if values.is_empty() {
            return Err("the column has no values (no data rows)".into());
        }
        let count = values.len();
        let mean = compensated_sum(values.iter().copied()) / count as f64;
        let variance = compensated_sum(values.iter().map(|value| (value - mean) * (value - mean)))
            / count as f64;
        if !mean.is_finite() || !variance.is_finite() {
            return Err("the values are too large to sum in 64-bit floating point".into());
        }
        values.sort_unstable_by(f64::total_cmp);
        let middle = count / 2;
        let median = if count % 2 == 1 {
            values[middle]
        } else {
            // Halves first: the sum of two large values could overflow.
            values[middle - 1] / 2.0 + values[middle] / 2.0
        };
        Ok(Self {
            count,
            mean,
            median,
            stddev: variance.sqrt(),
            min: values[0],
            max: values[count - 1],
        })
    }

    /// `{"column":…,"count":…,"mean":…,"median":…,"stddev":…,"min":…,"max":…}` and a line end.
    pub fn to_json(&self, column: &str) -> String {
        format!(
            "{{\"column\":{},\"count\":{},\"mean\":{},\"median\":{},\"stddev\":{},\"min\":{},\"max\":{}}}\n",
            iapp::json_string(column),
            self.count,
            json_number(self.mean),
            json_number(self.median),
            json_number(self.stddev),
            json_number(self.min),
            json_number(self.max),
        )
    }
}

/// Neumaier's compensated sum.
fn compensated_sum(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut compensation) = (0.0_f64, 0.0_f64);
    for value in values {
        let next = sum + value;
        compensation += if sum.abs() >= value.abs() {
            (sum - next) + value
        } else {
            (value - next) + sum
        };
        sum = next;
    }
    sum + compensation
}

/// A finite `f64` as JSON: the shortest text that reads back as the same number (`2.5`,
/// `1e-7`), integers without a fraction (`52500`).
fn json_number(value: f64) -> String {
    let text = format!("{value:?}");
    match text.strip_suffix(".0") {
        Some(integer) => integer.to_owned(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_of_a_column() {
        let summary = Summary::of(&mut [4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_eq!(
            summary,
            Summary {
                count: 4,
                mean: 2.5,
                median: 2.5,
                stddev: 1.25_f64.sqrt(),
                min: 1.0,
                max: 4.0
            }
        );
        let odd = Summary::of(&mut [7.0, -1.0, 100.0]).unwrap();
        assert_eq!((odd.median, odd.min, odd.max), (7.0, -1.0, 100.0));
        let one = Summary::of(&mut [42.5]).unwrap();
        assert_eq!((one.mean, one.median, one.stddev), (42.5, 42.5, 0.0));
        assert!(Summary::of(&mut []).unwrap_err().contains("no values"));
        assert!(
            Summary::of(&mut [f64::MAX, f64::MAX])
                .unwrap_err()
                .contains("too large")
        );
        let huge = Summary::of(&mut [f64::MAX, f64::MAX / 2.0, 0.0, f64::MAX]).unwrap_err();
        assert!(huge.contains("too large"), "{huge}");
    }

    #[test]
    fn compensated_sums_keep_small_terms() {
        let mut values = vec![1e16, 1.0, -1e16, 1.0];
        assert_eq!(compensated_sum(values.iter().copied()), 2.0);
        assert_eq!(Summary::of(&mut values).unwrap().mean, 0.5);
        let mut tenths = vec![0.1; 10];
        assert_eq!(Summary::of(&mut tenths).unwrap().mean, 0.1);
    }

    #[test]
    fn json_is_stable_and_valid() {
        let summary = Summary::of(&mut [50000.0, 55000.0, 0.1]).unwrap();
        // The figures are those of Python's statistics.fmean and pstdev.
        assert_eq!(
            summary.to_json("sal\"ary"),
            "{\"column\":\"sal\\\"ary\",\"count\":3,\"mean\":35000.03333333333,\"median\":50000,\"stddev\":24832.727061995338,\"min\":0.1,\"max\":55000}\n"
        );
        assert_eq!(json_number(1e-7), "1e-7");
        assert_eq!(json_number(-0.0), "-0");
        assert_eq!(json_number(1e300), "1e300");
        assert_eq!(json_number(-2.25), "-2.25");
    }
}
