//! `Dataset`: named numeric inputs and one numeric target on ndarray arrays, always finite.

use std::borrow::Cow;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use super::error::DataError;

/// Numeric data ready for training: `len()` rows of `n_inputs()` inputs and one target.
///
/// Invariants, checked once by [`Dataset::new`] and [`Dataset::from_arrays`] and kept by every
/// method: `x` is `len() × n_inputs()` in standard (row-major, C) layout, `y` has `len()`
/// values, at least one row, one name per input column, every value finite. No inputs is
/// allowed: the target alone, for the unconditional density p(y).
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    x_names: Vec<String>,
    y_name: String,
    /// Rows × inputs, standard layout (so `as_slice` is always `Some`).
    x: Array2<f64>,
    y: Array1<f64>,
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
    /// Builds a dataset from row-major inputs, checking shapes, non-emptiness and finiteness.
    ///
    /// # Shapes
    /// `x`: `[n_rows * x_names.len()]` row-major, `y`: `[n_rows]`.
    pub fn new(
        x_names: Vec<String>,
        y_name: String,
        x: Vec<f64>,
        y: Vec<f64>,
    ) -> Result<Self, DataError> {
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
        let n_rows = y.len();
        // The length was checked just above, so the shape always fits; the error arm only
        // keeps this free of a panic.
        let x = Array2::from_shape_vec((n_rows, n_inputs), x).map_err(|_impossible| {
            DataError::ShapeMismatch {
                n_rows,
                n_inputs,
                expected,
                found: expected,
            }
        })?;
        Self::checked(x_names, y_name, x, Array1::from(y))
    }

    /// Builds a dataset from arrays (`x`: rows × inputs, any memory layout; it is stored in
    /// standard layout), with the checks of [`Dataset::new`].
    ///
    /// # Shapes
    /// `x`: `[n_rows, x_names.len()]`, `y`: `[n_rows]`.
    pub fn from_arrays(
        x_names: Vec<String>,
        y_name: String,
        x: Array2<f64>,
        y: Array1<f64>,
    ) -> Result<Self, DataError> {
        let (n_rows, n_inputs) = (y.len(), x_names.len());
        if x.dim() != (n_rows, n_inputs) {
            return Err(DataError::ArrayShapeMismatch {
                n_rows,
                n_inputs,
                rows: x.nrows(),
                columns: x.ncols(),
            });
        }
        Self::checked(x_names, y_name, standard_layout(x), y)
    }

    /// The checks shared by the constructors, on arrays of matching shapes.
    fn checked(
        x_names: Vec<String>,
        y_name: String,
        x: Array2<f64>,
        y: Array1<f64>,
    ) -> Result<Self, DataError> {
        if y.is_empty() {
            return Err(DataError::EmptyDataset);
        }
        // Standard layout: the first non-finite value in row-major order, as in a flat vector.
        if let Some(((row, j), &value)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(DataError::NonFiniteInDataset {
                row,
                column: x_names[j].clone(),
                value,
            });
        }
        if let Some((row, &value)) = y.indexed_iter().find(|(_, v)| !v.is_finite()) {
            return Err(DataError::NonFiniteInDataset {
                row,
                column: y_name,
                value,
            });
        }
        Ok(Self {
            x_names,
            y_name,
            x,
            y,
        })
    }

    /// The names, inputs (rows × inputs, standard layout) and targets, for a caller that takes
    /// the data apart.
    pub fn into_parts(self) -> (Vec<String>, String, Array2<f64>, Array1<f64>) {
        (self.x_names, self.y_name, self.x, self.y)
    }

    /// Input column names, one per column of [`Dataset::x`].
    pub fn x_names(&self) -> &[String] {
        &self.x_names
    }

    /// Target column name.
    pub fn y_name(&self) -> &str {
        &self.y_name
    }

    /// The inputs, rows × inputs.
    pub fn x(&self) -> ArrayView2<'_, f64> {
        self.x.view()
    }

    /// The targets, one per row.
    pub fn y(&self) -> ArrayView1<'_, f64> {
        self.y.view()
    }

    /// The inputs as one row-major slice: row `i` is `[i * n_inputs() .. (i + 1) * n_inputs()]`.
    /// For loops that index rows by hand (per-row scoring, truth densities).
    ///
    /// Always borrowed: the constructors store `x` in standard layout. The copy arm only keeps
    /// this free of a panic.
    pub fn x_flat(&self) -> Cow<'_, [f64]> {
        match self.x.as_slice() {
            Some(flat) => Cow::Borrowed(flat),
            None => Cow::Owned(self.x.iter().copied().collect()),
        }
    }

    /// Number of rows (at least one).
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Always false: a dataset has at least one row.
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
    pub fn row(&self, i: usize) -> ArrayView1<'_, f64> {
        self.x.row(i)
    }

    /// The values of input column `j`, `None` when there is no such column.
    pub fn x_column(&self, j: usize) -> Option<ArrayView1<'_, f64>> {
        (j < self.n_inputs()).then(|| self.x.column(j))
    }

    /// True when every target is exactly 0.0 or 1.0 (a Bernoulli head applies).
    pub fn is_binary_target(&self) -> bool {
        self.y.iter().all(|&v| v == 0.0 || v == 1.0)
    }

    /// Statistics of every input column, in order, then of the target.
    pub fn column_stats(&self) -> Vec<ColumnStats> {
        self.stats_over(&[])
    }

    /// [`Dataset::column_stats`] over the rows of `self` and then `other` (which must have the
    /// same columns, as for [`Dataset::concat`]), without joining the two: one column at a
    /// time is copied, not the whole table.
    pub fn column_stats_with(&self, other: &Dataset) -> Result<Vec<ColumnStats>, DataError> {
        self.same_columns(other)?;
        Ok(self.stats_over(&[other]))
    }

    fn stats_over(&self, more: &[&Dataset]) -> Vec<ColumnStats> {
        let parts = || std::iter::once(self).chain(more.iter().copied());
        let mut stats = Vec::with_capacity(self.n_inputs() + 1);
        for (j, name) in self.x_names.iter().enumerate() {
            let column = parts()
                .flat_map(|d| d.x.column(j).into_iter().copied())
                .collect();
            stats.push(stats_of(name, column));
        }
        let target = parts().flat_map(|d| d.y.iter().copied()).collect();
        stats.push(stats_of(&self.y_name, target));
        stats
    }

    fn same_columns(&self, other: &Dataset) -> Result<(), DataError> {
        if other.x_names != self.x_names || other.y_name != self.y_name {
            return Err(DataError::ColumnsDiffer {
                first: columns_text(self),
                second: columns_text(other),
            });
        }
        Ok(())
    }

    /// The rows at `rows`, in that order (repeats allowed); an empty `rows` is
    /// [`DataError::EmptyDataset`].
    ///
    /// # Panics
    /// If an index is `>= len()`, like slice indexing.
    pub fn subset(&self, rows: &[usize]) -> Result<Dataset, DataError> {
        if rows.is_empty() {
            return Err(DataError::EmptyDataset);
        }
        // Rows of finite values: nothing left to check.
        Ok(Dataset {
            x_names: self.x_names.clone(),
            y_name: self.y_name.clone(),
            x: standard_layout(self.x.select(Axis(0), rows)),
            y: self.y.select(Axis(0), rows),
        })
    }

    /// The same rows without inputs: the target alone, for the unconditional density p(y).
    pub fn without_inputs(&self) -> Dataset {
        Dataset {
            x_names: Vec::new(),
            y_name: self.y_name.clone(),
            x: Array2::zeros((self.len(), 0)),
            y: self.y.clone(),
        }
    }

    /// The rows of `self` followed by those of `other`, which must have the same columns
    /// ([`DataError::ColumnsDiffer`] otherwise).
    pub fn concat(&self, other: &Dataset) -> Result<Dataset, DataError> {
        self.same_columns(other)?;
        // Both have the same columns, so the shapes fit; the error arm only keeps this free
        // of a panic. Rows of finite values: nothing left to check.
        let shape_error = |_impossible| DataError::ArrayShapeMismatch {
            n_rows: self.len() + other.len(),
            n_inputs: self.n_inputs(),
            rows: self.len() + other.len(),
            columns: other.n_inputs(),
        };
        Ok(Dataset {
            x_names: self.x_names.clone(),
            y_name: self.y_name.clone(),
            x: standard_layout(
                ndarray::concatenate(Axis(0), &[self.x(), other.x()]).map_err(shape_error)?,
            ),
            y: ndarray::concatenate(Axis(0), &[self.y(), other.y()]).map_err(shape_error)?,
        })
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
        for (row, y) in self.x.rows().into_iter().zip(&self.y) {
            let values = row.into_iter().chain(std::iter::once(y));
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

/// `x` itself when it is in standard layout (no copy), else a standard-layout copy.
fn standard_layout(x: Array2<f64>) -> Array2<f64> {
    if x.is_standard_layout() {
        x
    } else {
        x.as_standard_layout().into_owned()
    }
}

fn columns_text(data: &Dataset) -> String {
    format!("{:?} → \"{}\"", data.x_names, data.y_name)
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
        assert_eq!(d.row(2), ndarray::aview1(&[3.0, 30.0]));
        assert_eq!(d.x().dim(), (4, 2));
        assert_eq!(d.x()[[3, 1]], 40.0);
        assert_eq!(
            d.x_column(1),
            Some(ndarray::aview1(&[10.0, 20.0, 30.0, 40.0]))
        );
        assert_eq!(d.x_column(2), None);
        assert_eq!(d.y(), ndarray::aview1(&[0.0, 1.0, 1.0, 0.0]));
        assert_eq!(&d.x_flat()[2..4], &[2.0, 20.0]);
        assert!(matches!(d.x_flat(), Cow::Borrowed(_)), "stored row-major");
        assert_eq!(
            (d.x_names(), d.y_name()),
            (&["a".to_string(), "b".into()][..], "y")
        );
        assert!(d.is_binary_target());
        let (names, target, x, mut y) = d.into_parts();
        y[0] = 0.5;
        let e = Dataset::from_arrays(names, target, x, y).unwrap();
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
        let s = d.subset(&[3, 0]).unwrap();
        assert_eq!(s.x_flat(), &[4.0, 40.0, 1.0, 10.0][..]);
        assert_eq!(s.y(), ndarray::aview1(&[0.0, 0.0]));
        assert!(matches!(s.x_flat(), Cow::Borrowed(_)), "stored row-major");
        assert!(matches!(d.subset(&[]), Err(DataError::EmptyDataset)));
    }

    #[test]
    fn from_arrays_checks_the_shape_and_stores_row_major() {
        let x = ndarray::array![[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]];
        let err = Dataset::from_arrays(
            vec!["a".into()],
            "y".into(),
            x.clone(),
            ndarray::array![1.0, 2.0, 3.0],
        );
        assert_eq!(
            err.unwrap_err().to_string(),
            "inconsistent dataset shape: 3 targets and 1 inputs need a 3 × 1 input array, found 3 × 2"
        );
        // Column-major input: the same rows, stored row-major.
        use ndarray::ShapeBuilder as _;
        let mut fortran = Array2::zeros(x.raw_dim().f());
        fortran.assign(&x);
        assert!(!fortran.is_standard_layout());
        let d = Dataset::from_arrays(
            vec!["a".into(), "b".into()],
            "y".into(),
            fortran,
            ndarray::array![1.0, 2.0, 3.0],
        )
        .unwrap();
        assert_eq!(d.x_flat(), &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0][..]);
        assert!(matches!(d.x_flat(), Cow::Borrowed(_)), "stored row-major");
        let err = Dataset::from_arrays(
            vec!["a".into(), "b".into()],
            "t".into(),
            ndarray::array![[1.0, f64::NAN]],
            ndarray::array![1.0],
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "row 0 (0-based), column \"b\": NaN is not a finite number"
        );
        let empty =
            Dataset::from_arrays(vec![], "y".into(), Array2::zeros((0, 0)), Array1::zeros(0));
        assert!(matches!(empty, Err(DataError::EmptyDataset)));
    }

    #[test]
    fn statistics_over_two_parts_are_those_of_the_joined_rows() {
        let train = Dataset::new(
            vec!["a".into()],
            "y".into(),
            vec![1.0, 5.0, 2.0],
            vec![0.5, 0.25, 4.0],
        )
        .unwrap();
        let test = train.subset(&[2, 0]).unwrap();
        assert_eq!(
            train.column_stats_with(&test).unwrap(),
            train.concat(&test).unwrap().column_stats()
        );
        assert!(matches!(
            train.column_stats_with(&train.without_inputs()),
            Err(DataError::ColumnsDiffer { .. })
        ));
    }

    #[test]
    fn concat_and_without_inputs() {
        let d = small();
        let both = d.concat(&d.subset(&[1]).unwrap()).unwrap();
        assert_eq!(both.len(), 5);
        assert_eq!(both.row(4), ndarray::aview1(&[2.0, 20.0]));
        assert_eq!(both.y()[4], 1.0);
        let p_y = d.without_inputs();
        assert_eq!((p_y.len(), p_y.n_inputs(), p_y.x().dim()), (4, 0, (4, 0)));
        assert_eq!(p_y.y(), d.y());
        let err = d.concat(&p_y).unwrap_err();
        assert!(matches!(err, DataError::ColumnsDiffer { .. }), "{err}");
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
