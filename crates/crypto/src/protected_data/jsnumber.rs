//! JavaScript's `Number(string)` (ECMAScript StringToNumber), used by legacy `number` values
//! (decimal text in protected data from `@iexec/dataprotector` v0/v1).

/// ECMAScript WhiteSpace and LineTerminator code points (differs from `char::is_whitespace`:
/// includes U+FEFF, excludes U+0085).
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// `Number(text)`: trims whitespace; empty → 0; `0x`/`0o`/`0b` integers (no sign); decimal
/// literals with optional sign, fraction and exponent; `Infinity`; anything else → NaN.
pub(crate) fn string_to_number(text: &str) -> f64 {
    let t = text.trim_matches(is_js_space);
    if t.is_empty() {
        return 0.0;
    }
    let radix_bits = match t.as_bytes() {
        [b'0', b'x' | b'X', ..] => Some(4),
        [b'0', b'o' | b'O', ..] => Some(3),
        [b'0', b'b' | b'B', ..] => Some(1),
        _ => None,
    };
    if let Some(bits) = radix_bits {
        return t
            .get(2..)
            .map_or(f64::NAN, |digits| parse_pow2(digits, bits));
    }
    let (negative, unsigned) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let magnitude = if unsigned == "Infinity" {
        f64::INFINITY
    } else if is_unsigned_decimal(unsigned) {
        // The grammar is checked above; Rust's parser is correctly rounded like JavaScript's.
        unsigned.parse::<f64>().unwrap_or(f64::NAN)
    } else {
        return f64::NAN;
    };
    if negative { -magnitude } else { magnitude }
}

/// StrUnsignedDecimalLiteral without `Infinity`: `1`, `1.`, `1.5`, `.5`, each with an optional
/// exponent `e[+-]?digits`.
fn is_unsigned_decimal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let int_digits = count_digits(b, &mut i);
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = count_digits(b, &mut i);
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if count_digits(b, &mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn count_digits(b: &[u8], i: &mut usize) -> usize {
    let start = *i;
    while b.get(*i).is_some_and(u8::is_ascii_digit) {
        *i += 1;
    }
    *i - start
}

/// Integer in base 2^`bits`, rounded to nearest f64 (ties to even); NaN if empty or invalid.
fn parse_pow2(digits: &str, bits: u32) -> f64 {
    if digits.is_empty() {
        return f64::NAN;
    }
    // First 64 significant bits in `head`, the count of all significant bits, and whether any
    // bit beyond the first 64 is set.
    let mut head: u64 = 0;
    let mut significant: u64 = 0;
    let mut sticky = false;
    for c in digits.chars() {
        let Some(d) = c.to_digit(1 << bits) else {
            return f64::NAN;
        };
        for k in (0..bits).rev() {
            let bit = (d >> k) & 1 == 1;
            if significant == 0 && !bit {
                continue;
            }
            if significant < 64 {
                head = (head << 1) | u64::from(bit);
            } else {
                sticky |= bit;
            }
            significant += 1;
        }
    }
    if significant == 0 {
        return 0.0;
    }
    if significant > 1024 {
        return f64::INFINITY;
    }
    let kept = significant.min(64);
    // Align the kept bits to a 64-bit window, then round to 53 bits.
    let window = head << (64 - kept);
    let mut mantissa = window >> 11;
    let round = (window >> 10) & 1 == 1;
    sticky |= window & 0x3ff != 0;
    if round && (sticky || mantissa & 1 == 1) {
        mantissa += 1;
    }
    // value = mantissa * 2^(significant - 53); `significant` ≤ 1024 so the exponent fits.
    let exponent = i32::try_from(significant).unwrap_or(1024) - 53;
    #[allow(clippy::cast_precision_loss)] // mantissa ≤ 2^53: exact
    let m = mantissa as f64;
    m * 2f64.powi(exponent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    #[test]
    fn decimal_and_specials() {
        let cases: &[(&str, f64)] = &[
            ("", 0.0),
            ("  \n\t", 0.0),
            ("42", 42.0),
            (" -1.5 ", -1.5),
            ("+.5", 0.5),
            ("1.", 1.0),
            ("1.e2", 100.0),
            ("1E+3", 1000.0),
            ("-0", -0.0),
            ("Infinity", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
            ("1e400", f64::INFINITY),
            ("\u{feff}7\u{3000}", 7.0),
            ("0.1", 0.1),
            ("0x10", 16.0),
            ("0B101", 5.0),
            ("0o17", 15.0),
        ];
        for (text, want) in cases {
            assert!(same(string_to_number(text), *want), "{text:?}");
        }
        for nan in [
            ".", "e5", "1e", "inf", "infinity", "NaN", "0x", "-0x10", "1_000", "12px", "\u{85}1",
            "0xg", "--1", "1 2",
        ] {
            assert!(string_to_number(nan).is_nan(), "{nan:?}");
        }
    }

    #[test]
    fn power_of_two_radix_rounds_to_nearest_even() {
        assert!(same(
            string_to_number("0x20000000000001"),
            9_007_199_254_740_992.0
        ));
        assert!(same(
            string_to_number("0x20000000000003"),
            9_007_199_254_740_996.0
        ));
        assert!(same(
            string_to_number("0x20000000000005"),
            9_007_199_254_740_996.0
        ));
        assert!(same(string_to_number("0x0000000000000000000ff"), 255.0));
        assert!(same(
            string_to_number("0xFFFFFFFFFFFFFFFF"),
            18_446_744_073_709_551_616.0
        ));
        assert!(same(
            string_to_number(&format!("0x{}", "f".repeat(256))),
            f64::INFINITY
        ));
        assert!(same(
            string_to_number(&format!("0x1{}", "0".repeat(255))),
            2f64.powi(1020)
        ));
    }
}
