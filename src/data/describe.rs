//! Per-column summaries of a table (`density-workbench describe`).

use serde::Serialize;

use super::table::Table;

/// Min, max, mean, population std and missing count of one column; the statistics are over
/// the finite numeric cells, `None` when there are none (a text column).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnSummary {
    pub name: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    /// Cells that are empty, `NA` or null.
    pub missing: usize,
}

/// The row count and a summary of every column, in file order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableSummary {
    pub rows: usize,
    pub columns: Vec<ColumnSummary>,
}

impl Table {
    pub fn describe(&self) -> TableSummary {
        let columns = (0..self.n_columns())
            .map(|j| summarize(&self.names[j], self.column(j)))
            .collect();
        TableSummary {
            rows: self.n_rows(),
            columns,
        }
    }
}

fn summarize(name: &str, column: &super::column::Column) -> ColumnSummary {
    let finite = || column.values().iter().copied().filter(|v| !v.is_nan());
    let count = finite().count();
    let (mut min, mut max, mut sum) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
    for v in finite() {
        min = min.min(v);
        max = max.max(v);
        sum += v;
    }
    let present = count > 0;
    let mean = sum / count as f64;
    // Two passes: the one-pass formula loses digits on large offsets (e.g. MJD dates).
    let var = finite().map(|v| (v - mean) * (v - mean)).sum::<f64>() / count as f64;
    let stat = |v: f64| present.then_some(v);
    ColumnSummary {
        name: name.to_string(),
        min: stat(min),
        max: stat(max),
        mean: stat(mean),
        std: stat(var.sqrt()),
        missing: column.missing_rows().len(),
    }
}

#[cfg(test)]
mod tests {
    use crate::data::parse_table;

    #[test]
    fn summaries_count_missing_cells_and_skip_text() {
        let t = parse_table(b"a,b,name\n1,,x\n2,NA,y\n6,4,z\n", "t.csv").unwrap();
        let s = t.describe();
        assert_eq!(s.rows, 3);
        let a = &s.columns[0];
        assert_eq!((a.min, a.max, a.mean), (Some(1.0), Some(6.0), Some(3.0)));
        // population std of 1, 2, 6: sqrt(14/3)
        assert!((a.std.unwrap() - (14.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(a.missing, 0);
        assert_eq!(s.columns[1].missing, 2);
        assert_eq!(s.columns[1].std, Some(0.0));
        assert_eq!(s.columns[2].mean, None);
        let json = serde_json::to_string(&s).unwrap();
        assert!(
            json.starts_with("{\"rows\":3,\"columns\":[{\"name\":\"a\",\"min\":1.0,\"max\":6.0,\"mean\":3.0,\"std\":"),
            "{json}"
        );
        assert!(json.contains("{\"name\":\"name\",\"min\":null,\"max\":null,\"mean\":null,\"std\":null,\"missing\":0}"), "{json}");
    }
}
