//! `Column`: one column of a table as f64 values, with the cells that are not finite numbers
//! remembered sparsely so that selecting the column later reports the first bad cell exactly.
//!
//! No cell is kept as text: a column of text costs one `f64` per row plus its first text cell.

/// Why a column cannot be used as numbers at some row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadCell {
    /// A cell that does not parse as a number (its text, trimmed).
    NotANumber { row: usize, text: String },
    /// A cell that parses as `nan`, `inf` or `-inf` (its text, or the value's formatting).
    NonFinite { row: usize, text: String },
    /// The whole column has a type that is not numeric (Parquet strings, FITS text columns, …).
    NotNumericType { type_name: String },
}

impl BadCell {
    /// The 0-based row of the bad cell (0 for a column of the wrong type).
    pub fn row(&self) -> usize {
        match self {
            BadCell::NotANumber { row, .. } | BadCell::NonFinite { row, .. } => *row,
            BadCell::NotNumericType { .. } => 0,
        }
    }
}

/// The values of one column, `NaN` where a cell is missing or bad.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Column {
    values: Vec<f64>,
    /// 0-based rows of missing cells (empty, `NA`, or null), ascending.
    missing: Vec<usize>,
    /// The first cell that is neither a finite number nor missing.
    first_bad: Option<BadCell>,
}

impl Column {
    pub fn with_capacity(rows: usize) -> Self {
        Self {
            values: Vec::with_capacity(rows),
            ..Self::default()
        }
    }

    /// Appends a text cell (already trimmed): a number, a missing marker or anything else.
    pub fn push_text(&mut self, text: &str) {
        match TextCell::of(text) {
            TextCell::Number(v) => self.values.push(v),
            TextCell::Missing => self.push_missing(),
            TextCell::NonFinite => self.push_bad(|row| BadCell::NonFinite {
                row,
                text: text.to_string(),
            }),
            TextCell::NotANumber => self.push_bad(|row| BadCell::NotANumber {
                row,
                text: text.to_string(),
            }),
        }
    }

    /// A column from parts parsed elsewhere (the parallel CSV reader's chunks); `missing` must
    /// be ascending and `first_bad` the earliest bad cell.
    pub(crate) fn from_parts(
        values: Vec<f64>,
        missing: Vec<usize>,
        first_bad: Option<BadCell>,
    ) -> Self {
        debug_assert!(missing.is_sorted(), "missing rows out of order");
        Self {
            values,
            missing,
            first_bad,
        }
    }

    /// Appends a value read from a binary format; NaN and infinities are bad cells.
    pub fn push_value(&mut self, value: f64) {
        if value.is_finite() {
            self.values.push(value);
        } else {
            self.push_bad(|row| BadCell::NonFinite {
                row,
                text: value.to_string(),
            });
        }
    }

    /// Appends a missing cell (empty, `NA`, or a null in a binary format).
    pub fn push_missing(&mut self) {
        self.missing.push(self.values.len());
        self.values.push(f64::NAN);
    }

    /// A column of `rows` cells of a type that holds no numbers.
    pub fn not_numeric(rows: usize, type_name: &str) -> Self {
        Self {
            values: vec![f64::NAN; rows],
            missing: Vec::new(),
            first_bad: Some(BadCell::NotNumericType {
                type_name: type_name.to_string(),
            }),
        }
    }

    /// Only the first bad cell is kept: it is the one a selection reports.
    fn push_bad(&mut self, bad: impl FnOnce(usize) -> BadCell) {
        if self.first_bad.is_none() {
            self.first_bad = Some(bad(self.values.len()));
        }
        self.values.push(f64::NAN);
    }

    pub fn shrink_to_fit(&mut self) {
        self.values.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The values, `NaN` at missing and bad cells.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// 0-based rows of the missing cells, ascending.
    pub fn missing_rows(&self) -> &[usize] {
        &self.missing
    }

    pub fn first_bad(&self) -> Option<&BadCell> {
        self.first_bad.as_ref()
    }

    /// Every cell is a finite number.
    pub fn is_numeric(&self) -> bool {
        self.first_bad.is_none() && self.missing.is_empty()
    }
}

/// What a trimmed text cell holds: the one rule for every text reader.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum TextCell {
    Number(f64),
    Missing,
    /// Parses, but as `nan`, `inf` or `-inf`.
    NonFinite,
    NotANumber,
}

impl TextCell {
    pub(crate) fn of(text: &str) -> Self {
        if let Some(v) = parse_plain_decimal(text.as_bytes()) {
            return Self::Number(v);
        }
        if is_missing(text) {
            return Self::Missing;
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Self::Number(v),
            Ok(_) => Self::NonFinite,
            Err(_) => Self::NotANumber,
        }
    }
}

/// Powers of ten that f64 holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `[+-]digits[.digits]` with at most 2^53 as the digits' integer and at most 22 decimals, the
/// shape of nearly every number a program writes, parsed several times faster than
/// `str::parse`; `None` for anything else, which `str::parse` then reads.
///
/// The result is the same bits as `str::parse` gives (Clinger's fast path): the integer of the
/// digits and the power of ten are both exact in f64, so one correctly rounded division gives
/// the correctly rounded value.
fn parse_plain_decimal(text: &[u8]) -> Option<f64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    let (mut mantissa, mut decimals, mut seen_digit, mut seen_point) = (0u64, 0usize, false, false);
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
                decimals += usize::from(seen_point);
                seen_digit = true;
            }
            b'.' if !seen_point => seen_point = true,
            _ => return None,
        }
    }
    if !seen_digit || mantissa > 1 << 53 || decimals >= EXACT_POWERS_OF_TEN.len() {
        return None;
    }
    let value = mantissa as f64 / EXACT_POWERS_OF_TEN[decimals];
    Some(if negative { -value } else { value })
}

/// A cell counts as missing when it is empty after trimming or is exactly `NA` (R's marker).
pub fn is_missing(cell: &str) -> bool {
    cell.is_empty() || cell == "NA"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_first_bad_cell_is_kept_and_missing_rows_are_all_kept() {
        let mut c = Column::default();
        for text in ["1.5", "", "abc", "NA", "inf", "def", "2"] {
            c.push_text(text);
        }
        assert_eq!(c.len(), 7);
        assert_eq!(c.missing_rows(), &[1, 3]);
        assert_eq!(
            c.first_bad(),
            Some(&BadCell::NotANumber {
                row: 2,
                text: "abc".to_string()
            })
        );
        assert_eq!(c.values()[0], 1.5);
        assert_eq!(c.values()[6], 2.0);
        assert!(c.values()[4].is_nan());
        assert!(!c.is_numeric());
    }

    #[test]
    fn plain_decimals_parse_to_the_same_bits_as_str_parse() {
        use rand::rngs::StdRng;
        use rand::{RngExt, SeedableRng};
        let mut rng = StdRng::seed_from_u64(3);
        let alphabet = b"0123456789012345678901234567890123456789.-+e";
        let mut fast = 0;
        for k in 0..200_000 {
            let len = rng.random_range(1..if k % 2 == 0 { 8 } else { 26 });
            let text: String = (0..len)
                .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
                .collect();
            let expected = text.parse::<f64>().ok();
            if let Some(v) = parse_plain_decimal(text.as_bytes()) {
                fast += 1;
                assert_eq!(Some(v.to_bits()), expected.map(f64::to_bits), "{text:?}");
            }
        }
        for text in [
            "9007199254740993",
            "0.1",
            "-0.0",
            "+.5",
            "5.",
            "123456789.123456789",
        ] {
            let fast = parse_plain_decimal(text.as_bytes()).map(f64::to_bits);
            if fast.is_some() {
                assert_eq!(fast, text.parse::<f64>().ok().map(f64::to_bits), "{text}");
            }
        }
        for text in [".", "-", "", "1e5", "1.2.3", "--1", "nan", "0x10"] {
            assert_eq!(parse_plain_decimal(text.as_bytes()), None, "{text}");
        }
        assert!(fast > 50_000, "the fast path took only {fast} strings");
    }

    #[test]
    fn non_finite_binary_values_are_bad() {
        let mut c = Column::default();
        c.push_value(1.0);
        c.push_value(f64::INFINITY);
        assert!(matches!(
            c.first_bad(),
            Some(BadCell::NonFinite { row: 1, .. })
        ));
    }
}
