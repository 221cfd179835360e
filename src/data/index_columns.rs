//! Row-index columns (R's `write.csv` `rownames`, pandas' unnamed index): not inputs by default.

use super::table::Table;

/// Header names that R, pandas, readr and the like give to a written row index (compared
/// case-insensitively, after trimming).
const INDEX_NAMES: [&str; 9] = [
    "",
    "rownames",
    "row.names",
    "row_names",
    "rowid",
    "index",
    "unnamed: 0",
    "...1",
    // pandas' `to_parquet` writes a non-default index under this name.
    "__index_level_0__",
];

/// Whether a header name is one a row index is written under.
pub fn is_index_name(name: &str) -> bool {
    let name = name.trim().to_ascii_lowercase();
    INDEX_NAMES.contains(&name.as_str())
}

/// Whether the values are exactly 1…n or 0…n−1 in order.
pub fn is_row_index(values: &[f64]) -> bool {
    let Some(&first) = values.first() else {
        return false;
    };
    (first == 0.0 || first == 1.0)
        && values
            .iter()
            .enumerate()
            .all(|(i, &v)| v == first + i as f64)
}

impl Table {
    /// Columns that are a written row index: an index name and the values 1…n or 0…n−1.
    /// [`Table::default_roles`] leaves them out of the inputs.
    pub fn index_columns(&self) -> Vec<String> {
        (0..self.n_columns())
            .filter(|&j| is_index_name(&self.names[j]) && self.column(j).is_numeric())
            .filter(|&j| is_row_index(self.column(j).values()))
            .map(|j| self.names[j].clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::parse_table;

    fn table(text: &str) -> Table {
        parse_table(text.as_bytes(), "data.csv").unwrap()
    }

    #[test]
    fn r_rownames_and_pandas_unnamed_index_are_not_inputs() {
        let t = table("rownames,a,y\n1,5,0\n2,6,1\n3,7,0\n");
        assert_eq!(t.index_columns(), vec!["rownames"]);
        assert_eq!(t.default_roles().x, vec!["a"]);
        let t = table(",a,y\n0,5,0\n1,6,1\n");
        assert_eq!(t.index_columns(), vec![""]);
        assert_eq!(t.default_roles().x, vec!["a"]);
        let t = table("Unnamed: 0,a,y\n0,5,0\n1,6,1\n");
        assert_eq!(t.default_roles().x, vec!["a"]);
        let t = table("a,INDEX,y\n5,1,0\n6,2,1\n");
        assert_eq!(t.default_roles().x, vec!["a"]);
    }

    #[test]
    fn an_index_name_with_other_values_or_a_plain_counter_stays_an_input() {
        // not 1…n in order
        let t = table("index,a,y\n1,5,0\n3,6,1\n");
        assert_eq!(t.default_roles().x, vec!["index", "a"]);
        let t = table("rownames,a,y\n2,5,0\n3,6,1\n");
        assert!(t.index_columns().is_empty());
        // 1…n under an ordinary name is data
        let t = table("count,a,y\n1,5,0\n2,6,1\n");
        assert_eq!(t.default_roles().x, vec!["count", "a"]);
        // text under an index name
        let t = table("index,a,y\nr1,5,0\nr2,6,1\n");
        assert_eq!(t.default_roles().x, vec!["index", "a"]);
    }

    #[test]
    fn the_shipped_faithful_file_skips_its_rownames() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/faithful.csv");
        let t = crate::data::load_table(&path).unwrap();
        assert_eq!(t.index_columns(), vec!["rownames"]);
        assert_eq!(t.default_roles().x, vec!["eruptions"]);
        assert_eq!(t.default_roles().y, "waiting");
    }
}
