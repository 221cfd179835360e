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
        if is_missing(text) {
            self.push_missing();
            return;
        }
        match text.parse::<f64>() {
            Ok(v) if v.is_finite() => self.values.push(v),
            Ok(_) => self.push_bad(|row| BadCell::NonFinite {
                row,
                text: text.to_string(),
            }),
            Err(_) => self.push_bad(|row| BadCell::NotANumber {
                row,
                text: text.to_string(),
            }),
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
