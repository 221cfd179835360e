//! `Dataset`: named numeric inputs and one numeric target, row-major, always finite.

use serde::{Deserialize, Serialize};

use super::error::DataError;

/// Numeric data ready for training: `len()` rows of `n_inputs()` inputs and one target.
///
/// Invariants (checked by [`Dataset::new`]): at least one input name, `x.len() == len() *
/// n_inputs()`, every value finite. [`Dataset::subset`] may produce an empty dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// Input column names, at least one.
    pub x_names: Vec<String>,
    /// Target column name.
    pub y_name: String,
    /// Inputs, row-major: row `i` is `x[i * n_inputs() .. (i + 1) * n_inputs()]`.
    pub x: Vec<f64>,
    /// Targets, one per row.
    pub y: Vec<f64>,
}

/// Summary statistics of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnStats {
    pub name: String,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// Population standard deviation (divides by n, like numpy's default).
    pub std: f64,
    /// Middle value; the mean of the two middle values for an even count.
    pub median: f64,
}

impl Dataset {
    /// Builds a dataset, checking shapes, non-emptiness and finiteness.
    ///
    /// # Shapes
    /// `x`: `[n_rows * x_names.len()]` row-major, `y`: `[n_rows]`.
    pub fn new(
        x_names: Vec<String>,
        y_name: String,
        x: Vec<f64>,
        y: Vec<f64>,
    ) -> Result<Self, DataError> {
        // No inputs is allowed: the target alone, for the unconditional density p(y).
        let n_inputs = x_names.len();
        let expected = y.len().saturating_mul(n_inputs);
        if x.len() != expected {
            return Err(DataError::ShapeMismatch {
                n_rows: y.len(),
                n_inputs,
                expected,
                found: x.len(),
            });
        }
        if y.is_empty() {
            return Err(DataError::EmptyDataset);
        }
        if let Some(i) = x.iter().position(|v| !v.is_finite()) {
            return Err(DataError::NonFiniteInDataset {
                row: i / n_inputs,
                column: x_names[i % n_inputs].clone(),
                value: x[i],
            });
        }
        if let Some(row) = y.iter().position(|v| !v.is_finite()) {
            return Err(DataError::NonFiniteInDataset {
                row,
                column: y_name,
                value: y[row],
            });
        }
        Ok(Self {
            x_names,
            y_name,
            x,
            y,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// True when there are no rows (only possible through [`Dataset::subset`]).
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// Number of input columns.
    pub fn n_inputs(&self) -> usize {
        self.x_names.len()
    }

    /// The inputs of row `i`.
    ///
    /// # Panics
    /// If `i >= len()`, like slice indexing.
    pub fn x_row(&self, i: usize) -> &[f64] {
        let d = self.n_inputs();
        &self.x[i * d..(i + 1) * d]
    }

    /// True when every target is exactly 0.0 or 1.0 (a Bernoulli head applies).
    pub fn is_binary_target(&self) -> bool {
        !self.y.is_empty() && self.y.iter().all(|&v| v == 0.0 || v == 1.0)
    }

    /// Statistics of every input column, in order, then of the target.
    pub fn column_stats(&self) -> Vec<ColumnStats> {
        let d = self.n_inputs();
        let mut stats = Vec::with_capacity(d + 1);
        for (j, name) in self.x_names.iter().enumerate() {
            let column: Vec<f64> = self.x.iter().skip(j).step_by(d).copied().collect();
            stats.push(stats_of(name, column));
        }
        stats.push(stats_of(&self.y_name, self.y.clone()));
        stats
    }

    /// The rows at `rows`, in that order (repeats allowed).
    ///
    /// # Panics
    /// If an index is `>= len()`, like slice indexing.
    pub fn subset(&self, rows: &[usize]) -> Dataset {
        let d = self.n_inputs();
        let mut x = Vec::with_capacity(rows.len() * d);
        let mut y = Vec::with_capacity(rows.len());
        for &i in rows {
            x.extend_from_slice(self.x_row(i));
            y.push(self.y[i]);
        }
        Dataset {
            x_names: self.x_names.clone(),
            y_name: self.y_name.clone(),
            x,
            y,
        }
    }

    /// Writes the dataset as comma-separated text: a header (inputs then target) and one
    /// line per row. Numbers use Rust's shortest round-trip formatting (`{:?}`: `2.0`, `1e-300`), so reading the file
    /// back gives bit-identical values.
    pub fn write_csv<W: std::io::Write>(&self, writer: W, file: &str) -> Result<(), DataError> {
        let write_err = |e: csv::Error| DataError::Write {
            file: file.to_string(),
            message: e.to_string(),
        };
        let mut w = csv::Writer::from_writer(writer);
        let header: Vec<&str> = self
            .x_names
            .iter()
            .map(String::as_str)
            .chain(std::iter::once(self.y_name.as_str()))
            .collect();
        w.write_record(&header).map_err(write_err)?;
        // One buffer per field, reused on every row: no allocation per cell.
        let mut fields: Vec<String> = vec![String::new(); self.n_inputs() + 1];
        for i in 0..self.len() {
            let values = self.x_row(i).iter().chain(std::iter::once(&self.y[i]));
            for (field, v) in fields.iter_mut().zip(values) {
                use std::fmt::Write as _;
                field.clear();
                let _ = write!(field, "{v:?}"); // writing to a String cannot fail
            }
            w.write_record(&fields).map_err(write_err)?;
        }
        w.flush().map_err(|e| DataError::Write {
            file: file.to_string(),
            message: e.to_string(),
        })
    }

    /// Writes the dataset to a CSV file (see [`Dataset::write_csv`]).
    pub fn save_csv(&self, path: &std::path::Path) -> Result<(), DataError> {
        let file = path.display().to_string();
        let handle = std::fs::File::create(path).map_err(|e| DataError::Write {
            file: file.clone(),
            message: e.to_string(),
        })?;
        self.write_csv(std::io::BufWriter::new(handle), &file)
    }
}

fn stats_of(name: &str, mut values: Vec<f64>) -> ColumnStats {
    if values.is_empty() {
        return ColumnStats {
            name: name.to_string(),
            min: f64::NAN,
            max: f64::NAN,
            mean: f64::NAN,
            std: f64::NAN,
            median: f64::NAN,
        };
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    let median = if values.len() % 2 == 1 {
        values[mid]
    } else {
        0.5 * (values[mid - 1] + values[mid])
    };
    ColumnStats {
        name: name.to_string(),
        min: values[0],
        max: values[values.len() - 1],
        mean,
        std: var.sqrt(),
        median,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Dataset {
        Dataset::new(
            vec!["a".into(), "b".into()],
            "y".into(),
            vec![1.0, 10.0, 2.0, 20.0, 3.0, 30.0, 4.0, 40.0],
            vec![0.0, 1.0, 1.0, 0.0],
        )
        .unwrap()
    }

    #[test]
    fn new_checks_shapes_and_values() {
        let targets_only = Dataset::new(vec![], "y".into(), vec![], vec![1.0, 2.0]).unwrap();
        assert_eq!((targets_only.len(), targets_only.n_inputs()), (2, 0));
        let err = Dataset::new(vec![], "y".into(), vec![1.0], vec![1.0]).unwrap_err();
        assert!(matches!(err, DataError::ShapeMismatch { .. }));
        let err = Dataset::new(vec!["a".into()], "y".into(), vec![1.0], vec![1.0, 2.0]);
        assert!(matches!(
            err,
            Err(DataError::ShapeMismatch {
                expected: 2,
                found: 1,
                ..
            })
        ));
        let err = Dataset::new(vec!["a".into()], "y".into(), vec![], vec![]);
        assert!(matches!(err, Err(DataError::EmptyDataset)));
        let err = Dataset::new(
            vec!["a".into(), "b".into()],
            "y".into(),
            vec![1.0, 2.0, 3.0, f64::NAN],
            vec![1.0, 2.0],
        )
        .unwrap_err();
        assert!(matches!(err, DataError::NonFiniteInDataset { row: 1, .. }));
        assert!(err.to_string().contains("\"b\""), "{err}");
        let err = Dataset::new(vec!["a".into()], "t".into(), vec![1.0], vec![f64::INFINITY]);
        assert!(matches!(
            err,
            Err(DataError::NonFiniteInDataset { row: 0, .. })
        ));
    }

    #[test]
    fn accessors() {
        let d = small();
        assert_eq!(d.len(), 4);
        assert!(!d.is_empty());
        assert_eq!(d.n_inputs(), 2);
        assert_eq!(d.x_row(2), &[3.0, 30.0]);
        assert!(d.is_binary_target());
        let mut e = d.clone();
        e.y[0] = 0.5;
        assert!(!e.is_binary_target());
    }

    #[test]
    fn stats() {
        let s = small().column_stats();
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].name, "a");
        assert_eq!(
            (s[0].min, s[0].max, s[0].mean, s[0].median),
            (1.0, 4.0, 2.5, 2.5)
        );
        assert!((s[0].std - 1.25f64.sqrt()).abs() < 1e-12);
        assert_eq!(s[1].median, 25.0);
        assert_eq!(s[2].name, "y");
        assert_eq!(s[2].mean, 0.5);
    }

    #[test]
    fn subset_picks_rows_in_order() {
        let d = small();
        let s = d.subset(&[3, 0]);
        assert_eq!(s.x, vec![4.0, 40.0, 1.0, 10.0]);
        assert_eq!(s.y, vec![0.0, 0.0]);
        assert!(d.subset(&[]).is_empty());
    }

    #[test]
    fn write_csv_output() {
        let d = Dataset::new(
            vec!["x".into()],
            "y".into(),
            vec![0.1, 2.0],
            vec![1e-300, -3.5],
        )
        .unwrap();
        let mut out = Vec::new();
        d.write_csv(&mut out, "mem").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "x,y\n0.1,1e-300\n2.0,-3.5\n"
        );
    }
}
