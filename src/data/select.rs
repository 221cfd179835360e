//! Column roles and turning a `Table` into a numeric `Dataset`.

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::column::BadCell;
pub use super::column::is_missing;
use super::dataset::Dataset;
use super::error::DataError;
use super::table::{RowPlaces, Table};

/// Which columns are inputs (x) and which one is the target (y).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnRoles {
    pub x: Vec<String>,
    pub y: String,
}

/// What to do with a row whose selected cell is missing (empty or `NA`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum MissingPolicy {
    /// Fail with [`DataError::MissingValue`] naming the line and column.
    #[default]
    Error,
    /// Drop the row and count it in [`Selection::dropped_rows`].
    DropRows,
}

/// The result of [`Table::select`].
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    pub dataset: Dataset,
    /// Rows dropped by [`MissingPolicy::DropRows`] (always 0 with [`MissingPolicy::Error`]).
    pub dropped_rows: usize,
}

/// The result of [`Table::select_for_model`].
#[derive(Debug, Clone, PartialEq)]
pub struct ModelRows {
    /// Rows × the model's inputs in its order (rows × 0 for a model without inputs).
    pub x: Array2<f64>,
    /// The target column, when the file has it.
    pub y: Option<Array1<f64>>,
    pub dropped_rows: usize,
}

/// A cell that stops a selection.
#[derive(Clone, Copy)]
enum Problem<'a> {
    Missing(usize),
    Bad(&'a BadCell),
}

impl Table {
    /// Default roles: y = last column, x = all the others except row-index columns
    /// ([`Table::index_columns`]); x is empty for a one-column file, which [`Table::select`]
    /// then rejects.
    pub fn default_roles(&self) -> ColumnRoles {
        let index = self.index_columns();
        let (y, x) = match self.names.split_last() {
            Some((y, x)) => (
                y.clone(),
                x.iter().filter(|n| !index.contains(n)).cloned().collect(),
            ),
            None => (String::new(), Vec::new()),
        };
        ColumnRoles { x, y }
    }

    /// Columns whose every cell parses as a finite number (for column pickers).
    pub fn numeric_columns(&self) -> Vec<String> {
        (0..self.n_columns())
            .filter(|&j| self.column(j).is_numeric())
            .map(|j| self.names[j].clone())
            .collect()
    }

    /// Builds a numeric dataset from the selected columns.
    ///
    /// Only selected columns must be numeric. Non-numeric, `nan` and `inf` cells are always
    /// errors; missing cells (empty or `NA`) are errors unless `missing` is
    /// [`MissingPolicy::DropRows`]. Every selected column must take at least two distinct
    /// values (a constant column cannot be standardised).
    pub fn select(
        &self,
        roles: &ColumnRoles,
        missing: MissingPolicy,
    ) -> Result<Selection, DataError> {
        let columns = self.check_roles(roles)?;
        let (values, dropped_rows) = self.parse_rows(&columns, missing)?;
        let width = columns.len();
        let x = values
            .chunks_exact(width)
            .flat_map(|row| &row[..width - 1])
            .copied()
            .collect();
        let y = values
            .chunks_exact(width)
            .map(|row| row[width - 1])
            .collect();
        let dataset = Dataset::new(roles.x.clone(), roles.y.clone(), x, y)?;
        self.check_not_constant(&dataset)?;
        Ok(Selection {
            dataset,
            dropped_rows,
        })
    }

    /// The inputs of a trained model, and its target when the file has that column. Unlike
    /// [`Table::select`], constant columns are fine here (one row to predict is a valid file).
    pub fn select_for_model(
        &self,
        x: &[String],
        y: &str,
        missing: MissingPolicy,
    ) -> Result<ModelRows, DataError> {
        let has_target = self.column_index(y).is_some() && !x.iter().any(|n| n == y);
        let mut names: Vec<String> = x.to_vec();
        if has_target {
            names.push(y.to_string());
        }
        let columns = names
            .iter()
            .map(|name| {
                self.column_index(name)
                    .ok_or_else(|| DataError::UnknownColumn {
                        file: self.source.clone(),
                        name: name.clone(),
                        available: self.names.clone(),
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (values, dropped_rows) = self.parse_rows(&columns, missing)?;
        let width = columns.len();
        let (n, d) = (values.len().checked_div(width).unwrap_or(0), x.len());
        Ok(ModelRows {
            x: Array2::from_shape_fn((n, d), |(i, j)| values[i * width + j]),
            y: has_target.then(|| (0..n).map(|i| values[i * width + d]).collect()),
            dropped_rows,
        })
    }

    /// Parses the given columns of every row (row-major), dropping rows with a missing cell
    /// when `missing` allows it; at least one row must remain.
    fn parse_rows(
        &self,
        columns: &[usize],
        missing: MissingPolicy,
    ) -> Result<(Vec<f64>, usize), DataError> {
        if let Some(err) = self.first_problem(columns, missing) {
            return Err(err);
        }
        // Rows with a missing cell in a selected column (only under DropRows: otherwise the
        // first missing cell was an error above).
        let mut dropped = vec![false; self.n_rows()];
        for &j in columns {
            for &row in self.column(j).missing_rows() {
                dropped[row] = true;
            }
        }
        let dropped_rows = dropped.iter().filter(|&&d| d).count();
        let mut values = Vec::with_capacity((self.n_rows() - dropped_rows) * columns.len());
        let selected: Vec<&[f64]> = columns.iter().map(|&j| self.column(j).values()).collect();
        for (i, _) in dropped.iter().enumerate().filter(|(_, d)| !**d) {
            values.extend(selected.iter().map(|column| column[i]));
        }
        if values.is_empty() {
            return Err(DataError::AllRowsDropped {
                file: self.source.clone(),
                dropped: dropped_rows,
            });
        }
        Ok((values, dropped_rows))
    }

    /// Validates the roles and returns the column indices: x columns in order, then y.
    fn check_roles(&self, roles: &ColumnRoles) -> Result<Vec<usize>, DataError> {
        let file = || self.source.clone();
        let index = |name: &String| {
            self.column_index(name)
                .ok_or_else(|| DataError::UnknownColumn {
                    file: file(),
                    name: name.clone(),
                    available: self.names.clone(),
                })
        };
        let mut columns = Vec::with_capacity(roles.x.len() + 1);
        for (k, name) in roles.x.iter().enumerate() {
            columns.push(index(name)?);
            if roles.x[..k].contains(name) {
                return Err(DataError::DuplicateInput {
                    file: file(),
                    name: name.clone(),
                });
            }
        }
        columns.push(index(&roles.y)?);
        if roles.x.contains(&roles.y) {
            return Err(DataError::TargetAlsoInput {
                file: file(),
                name: roles.y.clone(),
            });
        }
        Ok(columns)
    }

    /// The error of the first cell, in file order (row, then selection order), that is not a
    /// finite number, counting missing cells only when `missing` is `Error`.
    fn first_problem(&self, columns: &[usize], missing: MissingPolicy) -> Option<DataError> {
        let mut first: Option<(usize, usize, Problem<'_>)> = None;
        for (k, &j) in columns.iter().enumerate() {
            let column = self.column(j);
            let bad = column.first_bad().map(|b| (b.row(), k, Problem::Bad(b)));
            let absent = match missing {
                MissingPolicy::Error => column
                    .missing_rows()
                    .first()
                    .map(|&row| (row, k, Problem::Missing(row))),
                MissingPolicy::DropRows => None,
            };
            for candidate in [bad, absent].into_iter().flatten() {
                if first
                    .as_ref()
                    .is_none_or(|f| (candidate.0, candidate.1) < (f.0, f.1))
                {
                    first = Some(candidate);
                }
            }
        }
        first.map(|(_, k, problem)| self.problem_error(&self.names[columns[k]], problem))
    }

    fn problem_error(&self, column: &str, problem: Problem<'_>) -> DataError {
        let file = self.source.clone();
        let column = column.to_string();
        let binary = matches!(self.places(), RowPlaces::Rows);
        match problem {
            Problem::Missing(row) if binary => DataError::NullValue {
                file,
                row: self.line_of_row(row),
                column,
            },
            Problem::Missing(row) => DataError::MissingValue {
                file,
                line: self.line_of_row(row),
                column,
            },
            Problem::Bad(BadCell::NotANumber { row, text }) => DataError::NotANumber {
                file,
                line: self.line_of_row(*row),
                column,
                text: text.clone(),
            },
            Problem::Bad(BadCell::NonFinite { row, text }) if binary => DataError::NonFiniteAtRow {
                file,
                row: self.line_of_row(*row),
                column,
                text: text.clone(),
            },
            Problem::Bad(BadCell::NonFinite { row, text }) => DataError::NonFiniteValue {
                file,
                line: self.line_of_row(*row),
                column,
                text: text.clone(),
            },
            Problem::Bad(BadCell::NotNumericType { type_name }) => DataError::NotNumericColumn {
                file,
                column,
                type_name: type_name.clone(),
            },
        }
    }

    fn check_not_constant(&self, dataset: &Dataset) -> Result<(), DataError> {
        for stats in dataset.column_stats() {
            if stats.min == stats.max {
                return Err(DataError::ConstantColumn {
                    file: self.source.clone(),
                    column: stats.name,
                    value: stats.min,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::parse_table;

    fn table(text: &str) -> Table {
        parse_table(text.as_bytes(), "data.csv").unwrap()
    }

    fn roles(x: &[&str], y: &str) -> ColumnRoles {
        ColumnRoles {
            x: x.iter().map(|s| s.to_string()).collect(),
            y: y.to_string(),
        }
    }

    fn select_err(text: &str, r: &ColumnRoles) -> DataError {
        table(text).select(r, MissingPolicy::Error).unwrap_err()
    }

    #[test]
    fn rows_for_a_model_with_and_without_target() {
        let t = table("b,a,y\n1,5,0\n2,5,1\n");
        let names = vec!["a".to_string(), "b".to_string()];
        let with = t
            .select_for_model(&names, "y", MissingPolicy::Error)
            .unwrap();
        // a constant column is fine here
        assert_eq!(with.x, ndarray::array![[5.0, 1.0], [5.0, 2.0]]);
        assert_eq!(with.y, Some(ndarray::array![0.0, 1.0]));
        let without = t
            .select_for_model(&names, "target", MissingPolicy::Error)
            .unwrap();
        assert_eq!(without.y, None);
        let err = t
            .select_for_model(&["c".to_string()], "y", MissingPolicy::Error)
            .unwrap_err();
        assert!(matches!(err, DataError::UnknownColumn { .. }), "{err}");
    }

    #[test]
    fn default_roles_last_column_is_target() {
        let t = table("a,b,c\n1,2,3\n4,5,7\n");
        assert_eq!(t.default_roles(), roles(&["a", "b"], "c"));
        let s = t.select(&t.default_roles(), MissingPolicy::Error).unwrap();
        assert_eq!(s.dropped_rows, 0);
        assert_eq!(s.dataset.x_flat(), vec![1.0, 2.0, 4.0, 5.0]);
        assert_eq!(s.dataset.y().to_vec(), vec![3.0, 7.0]);
        assert_eq!(s.dataset.y_name(), "c");
    }

    #[test]
    fn unselected_text_column_is_fine_and_order_follows_roles() {
        let t = table("name,b,a,y\nfoo,1,10,0\nbar,2,20,1\n");
        assert_eq!(t.numeric_columns(), vec!["b", "a", "y"]);
        let s = t
            .select(&roles(&["a", "b"], "y"), MissingPolicy::Error)
            .unwrap();
        assert_eq!(s.dataset.x_flat(), vec![10.0, 1.0, 20.0, 2.0]);
        assert!(s.dataset.is_binary_target());
    }

    #[test]
    fn not_a_number() {
        let err = select_err("x,y\n1,2\n2,3\n3,4\n4,5\n5,6\n6,abc\n", &roles(&["x"], "y"));
        assert!(
            matches!(err, DataError::NotANumber { line: 7, .. }),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "data.csv, line 7, column \"y\": \"abc\" is not a number"
        );
    }

    #[test]
    fn missing_cell_is_an_error_by_default() {
        let err = select_err("x,y\n1,2\n,3\n", &roles(&["x"], "y"));
        assert!(
            matches!(err, DataError::MissingValue { line: 3, ref column, .. } if column == "x")
        );
        assert!(
            err.to_string().contains("data.csv, line 3, column \"x\""),
            "{err}"
        );
        let err = select_err("x,y\n1,2\n2,NA\n", &roles(&["x"], "y"));
        assert!(
            matches!(err, DataError::MissingValue { line: 3, .. }),
            "{err}"
        );
    }

    #[test]
    fn drop_rows_counts_only_selected_columns() {
        let t = table("x,note,y\n1,,2\n,a,3\n3,b,\n4,c,5\n5,d,NA\n6,e,1\n");
        let s = t
            .select(&roles(&["x"], "y"), MissingPolicy::DropRows)
            .unwrap();
        assert_eq!(s.dropped_rows, 3);
        assert_eq!(s.dataset.x_flat(), vec![1.0, 4.0, 6.0]);
        assert_eq!(s.dataset.y().to_vec(), vec![2.0, 5.0, 1.0]);
    }

    #[test]
    fn drop_rows_still_rejects_bad_values_and_all_dropped() {
        let t = table("x,y\n,2\n1,abc\n");
        let err = t
            .select(&roles(&["x"], "y"), MissingPolicy::DropRows)
            .unwrap_err();
        assert!(
            matches!(err, DataError::NotANumber { line: 3, .. }),
            "{err}"
        );
        let t = table("x,y\n,2\n1,\n");
        let err = t
            .select(&roles(&["x"], "y"), MissingPolicy::DropRows)
            .unwrap_err();
        assert!(
            matches!(err, DataError::AllRowsDropped { dropped: 2, .. }),
            "{err}"
        );
    }

    #[test]
    fn nan_and_inf_are_errors() {
        for (cell, line) in [
            ("nan", 3),
            ("NaN", 3),
            ("inf", 3),
            ("-inf", 3),
            ("infinity", 3),
        ] {
            let text = format!("x,y\n1,2\n2,{cell}\n");
            for policy in [MissingPolicy::Error, MissingPolicy::DropRows] {
                let err = table(&text)
                    .select(&roles(&["x"], "y"), policy)
                    .unwrap_err();
                assert!(
                    matches!(err, DataError::NonFiniteValue { line: l, ref column, .. } if l == line && column == "y"),
                    "{err}"
                );
                assert!(
                    err.to_string()
                        .contains(&format!("\"{cell}\" is not a finite number"))
                );
            }
        }
    }

    #[test]
    fn unknown_column_lists_available() {
        let err = select_err("a,b\n1,2\n2,3\n", &roles(&["a"], "z"));
        assert!(matches!(err, DataError::UnknownColumn { ref name, .. } if name == "z"));
        assert_eq!(
            err.to_string(),
            "data.csv: no column named \"z\"; the columns are: \"a\", \"b\""
        );
        let err = select_err("a,b\n1,2\n2,3\n", &roles(&["q"], "b"));
        assert!(matches!(err, DataError::UnknownColumn { ref name, .. } if name == "q"));
    }

    #[test]
    fn role_conflicts() {
        let text = "a,b\n1,2\n2,3\n";
        let err = select_err(text, &roles(&["a", "b"], "b"));
        assert!(matches!(err, DataError::TargetAlsoInput { ref name, .. } if name == "b"));
        assert!(err.to_string().contains("\"b\""));
        let err = select_err(text, &roles(&["a", "a"], "b"));
        assert!(matches!(err, DataError::DuplicateInput { .. }));
        // No inputs is p(y): the target alone (also a one-column file's default roles).
        let t = table(text);
        let s = t
            .select(&roles(&[], "b"), MissingPolicy::Error)
            .expect("p(y)");
        assert_eq!(
            (s.dataset.n_inputs(), s.dataset.y().to_vec()),
            (0, vec![2.0, 3.0])
        );
        let t = table("y\n1\n2\n");
        let s = t
            .select(&t.default_roles(), MissingPolicy::Error)
            .expect("p(y)");
        assert_eq!(s.dataset.len(), 2);
    }

    #[test]
    fn constant_column() {
        let err = select_err("a,b,y\n1,5,1\n2,5,2\n3,5,3\n", &roles(&["a", "b"], "y"));
        assert!(
            matches!(err, DataError::ConstantColumn { ref column, value, .. } if column == "b" && value == 5.0)
        );
        assert!(err.to_string().contains("column \"b\""), "{err}");
        let err = select_err("a,y\n1,0\n2,0\n", &roles(&["a"], "y"));
        assert!(matches!(err, DataError::ConstantColumn { ref column, .. } if column == "y"));
        // a constant column that is not selected is fine
        let t = table("a,b,y\n1,5,1\n2,5,2\n");
        assert!(t.select(&roles(&["a"], "y"), MissingPolicy::Error).is_ok());
    }

    #[test]
    fn never_panics_on_garbage() {
        use rand::rngs::StdRng;
        use rand::{RngExt, SeedableRng};
        let alphabet = b"ab,;\t\"\r\n .-+1e5NAinf\xff\xc3";
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..5_000 {
            let len = rng.random_range(0..48);
            let bytes: Vec<u8> = (0..len)
                .map(|_| alphabet[rng.random_range(0..alphabet.len())])
                .collect();
            match parse_table(&bytes, "fuzz.tsv") {
                Ok(t) => {
                    let _ = t.numeric_columns();
                    for policy in [MissingPolicy::Error, MissingPolicy::DropRows] {
                        match t.select(&t.default_roles(), policy) {
                            Ok(s) => assert!(!s.dataset.is_empty()),
                            Err(e) => assert!(!e.to_string().is_empty()),
                        }
                    }
                }
                Err(e) => assert!(e.to_string().starts_with("fuzz.tsv"), "{e}"),
            }
        }
    }
}
