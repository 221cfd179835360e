//! `Table`: a data file read into typed f64 columns, every column kept.
//!
//! CSV/TSV parsing checks the structure (header, field counts, UTF-8, unique names) and parses
//! every cell into an f64 once, with no allocation per cell, in parallel where the file allows
//! it (`csv_parallel.rs`); whether a cell is a number only matters for the columns a caller
//! selects (see `select.rs`), so a text column that is not used never causes an error.
//! Other formats (Parquet, FITS) build the same `Table`.

use super::column::Column;
use super::csv_parallel::{join, parse_parallel, threads_for};
use super::error::DataError;
pub use super::lines::LineMap;
use super::lines::check_header;

/// A parsed data file: named f64 columns of equal length.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The file path as given (or any label for in-memory data), used in error messages.
    pub source: String,
    /// Column names from the header row, trimmed, unique, non-empty (but for the first, where
    /// pandas writes its index).
    pub names: Vec<String>,
    /// SHA-256 (lower-case hex) of the bytes the table was parsed from: identifies the exact
    /// file content in experiment files without reading the file again.
    pub sha256: String,
    delimiter: u8,
    columns: Vec<Column>,
    n_rows: usize,
    places: RowPlaces,
}

/// Where a data row is in its file, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowPlaces {
    /// A text file: the 1-based line of each row, stored as the rows where the line stops being
    /// `row + 2 + offset` (blank lines, quoted newlines), so a plain file costs nothing.
    Lines(LineMap),
    /// A binary file (Parquet, FITS): rows are named by their 1-based number.
    Rows,
}

/// SHA-256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// SHA-256 of everything `reader` gives, as lower-case hex.
pub(crate) fn sha256_hex_of(mut reader: impl std::io::Read) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    // Large reads: the 8 KiB of `io::copy` cost a system call per 8 KiB.
    let mut buffer = vec![0; 1 << 20];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Parses CSV/TSV text held in memory. `source` names it in error messages; a name ending in
/// `.tsv` makes tab the default delimiter.
///
/// The delimiter is detected among comma, tab and semicolon from the header line (preferring
/// one that splits the first data line into the same number of fields). A header row is
/// required; cells are trimmed; blank lines are skipped; a UTF-8 byte-order mark is ignored.
pub fn parse_table(bytes: &[u8], source: &str) -> Result<Table, DataError> {
    let all = bytes;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DataError::EmptyFile {
            file: source.to_string(),
        });
    }
    let delimiter = detect_delimiter(bytes, source.to_ascii_lowercase().ends_with(".tsv"));
    let threads = threads_for(bytes.len());
    // The hash runs beside the parsing on a large file: it is a tenth of the work.
    let (sha256, fast) = if threads > 1 {
        std::thread::scope(|scope| {
            let hash = scope.spawn(|| sha256_hex(all));
            let fast = parse_parallel(bytes, delimiter, threads);
            (join(hash), fast)
        })
    } else {
        (sha256_hex(all), parse_parallel(bytes, delimiter, threads))
    };
    if let Some(parsed) = fast {
        return Ok(Table {
            sha256,
            source: source.to_string(),
            names: parsed.names,
            delimiter,
            columns: parsed.columns,
            n_rows: parsed.n_rows,
            places: RowPlaces::Lines(parsed.lines),
        });
    }
    parse_carefully(bytes, source, sha256, delimiter)
}

/// The csv crate's reading of any file (quotes, lone carriage returns), with the exact line of
/// every error; [`parse_parallel`] reads the plain files, which are most.
pub(super) fn parse_carefully(
    bytes: &[u8],
    source: &str,
    sha256: String,
    delimiter: u8,
) -> Result<Table, DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(bytes);

    let mut names: Option<Vec<String>> = None;
    let mut columns: Vec<Column> = Vec::new();
    let mut lines = LineMap::default();
    let mut n_rows = 0;
    let mut record = csv::ByteRecord::new();
    let mut lines_counter = LineCounter::new(bytes);
    // A guess of the row count from the first data line's length keeps the columns from
    // reallocating (and briefly doubling) many times on a large file.
    let capacity_guess = estimate_rows(bytes);
    loop {
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|e| DataError::Csv {
                file: source.to_string(),
                line: e.position().map(csv::Position::line),
                message: e.to_string(),
            })?;
        if !more {
            break;
        }
        let line = lines_counter.line_at(record.position().map_or(0, csv::Position::byte));
        let text_of = |field| utf8(field, source, line);
        let Some(names) = &names else {
            let header = record
                .iter()
                .map(|f| text_of(f).map(str::to_string))
                .collect::<Result<Vec<_>, _>>()?;
            check_header(&header, source)?;
            columns = header
                .iter()
                .map(|_| Column::with_capacity(capacity_guess))
                .collect();
            names = Some(header);
            continue;
        };
        if record.len() != names.len() {
            return Err(DataError::RaggedRow {
                file: source.to_string(),
                line,
                expected: names.len(),
                found: record.len(),
            });
        }
        for (column, field) in columns.iter_mut().zip(&record) {
            column.push_text(text_of(field)?);
        }
        lines.push(n_rows, line);
        n_rows += 1;
    }
    let Some(names) = names else {
        return Err(DataError::EmptyFile {
            file: source.to_string(),
        });
    };
    if n_rows == 0 {
        return Err(DataError::NoDataRows {
            file: source.to_string(),
        });
    }
    for column in &mut columns {
        column.shrink_to_fit();
    }
    Ok(Table {
        sha256,
        source: source.to_string(),
        names,
        delimiter,
        columns,
        n_rows,
        places: RowPlaces::Lines(lines),
    })
}

fn utf8<'b>(field: &'b [u8], source: &str, line: u64) -> Result<&'b str, DataError> {
    std::str::from_utf8(field).map_err(|_not_utf8| DataError::NonUtf8 {
        file: source.to_string(),
        line,
    })
}

/// Rows in the file, guessed from the length of the first non-blank lines (at most 1 << 24).
fn estimate_rows(bytes: &[u8]) -> usize {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let newlines = head.iter().filter(|&&b| b == b'\n').count().max(1);
    let per_line = head.len() / newlines;
    (bytes.len() / per_line.max(1)).min(1 << 24)
}

/// Turns a record's byte offset into the 1-based line where its first field starts.
///
/// The csv crate's own line numbers are off after CRLF endings and blank lines (it reports the
/// position before the skipped line terminators), so lines are counted here.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// `byte` must not decrease between calls (records come in file order).
    fn line_at(&mut self, byte: u64) -> u64 {
        let mut start = usize::try_from(byte).map_or(self.bytes.len(), |b| b.min(self.bytes.len()));
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.offset {
            let newlines = self.bytes[self.offset..start]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.line += newlines as u64;
            self.offset = start;
        }
        self.line
    }
}

const CANDIDATES: [u8; 3] = [b',', b'\t', b';'];

/// Picks the delimiter from the first two non-blank lines.
///
/// Among the candidates that occur in the header (outside quotes), prefer those that occur
/// equally often in the first data line, then the most frequent one. With no candidate in the
/// header (a single column), tab for `.tsv` files and comma otherwise.
fn detect_delimiter(bytes: &[u8], is_tsv: bool) -> u8 {
    let mut non_blank = bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace));
    let header = non_blank.next().unwrap_or_default();
    let first_data = non_blank.next();
    let fallback = if is_tsv { b'\t' } else { b',' };
    if is_tsv && count_unquoted(header, b'\t') > 0 {
        return b'\t';
    }
    let mut best: Option<(bool, usize, u8)> = None;
    for d in CANDIDATES {
        let in_header = count_unquoted(header, d);
        if in_header == 0 {
            continue;
        }
        let consistent = first_data.is_some_and(|l| count_unquoted(l, d) == in_header);
        let key = (consistent, in_header, d);
        if best.is_none_or(|b| (key.0, key.1) > (b.0, b.1)) {
            best = Some(key);
        }
    }
    best.map_or(fallback, |b| b.2)
}

fn count_unquoted(line: &[u8], delimiter: u8) -> usize {
    let mut in_quotes = false;
    let mut count = 0;
    for &b in line {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if b == delimiter && !in_quotes {
            count += 1;
        }
    }
    count
}

impl Table {
    /// A table from columns read by another format's reader; names are checked as for CSV.
    pub(crate) fn from_columns(
        source: &str,
        sha256: String,
        names: Vec<String>,
        columns: Vec<Column>,
    ) -> Result<Self, DataError> {
        check_header(&names, source)?;
        let n_rows = columns.first().map_or(0, Column::len);
        debug_assert!(columns.iter().all(|c| c.len() == n_rows), "ragged columns");
        if n_rows == 0 {
            return Err(DataError::NoDataRows {
                file: source.to_string(),
            });
        }
        Ok(Self {
            source: source.to_string(),
            names,
            sha256,
            delimiter: b',',
            columns,
            n_rows,
            places: RowPlaces::Rows,
        })
    }

    /// Number of data rows (the header is not counted).
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of columns.
    pub fn n_columns(&self) -> usize {
        self.names.len()
    }

    /// The detected delimiter byte (`b','`, `b'\t'` or `b';'`; `b','` for binary formats).
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// A column's cells; `NaN` where a cell is missing or not a finite number.
    ///
    /// # Panics
    /// If `column >= n_columns()`.
    pub fn column(&self, column: usize) -> &Column {
        &self.columns[column]
    }

    /// A cell's value, `None` where it is missing or not a finite number.
    ///
    /// # Panics
    /// If `row >= n_rows()` or `column >= n_columns()`.
    pub fn value(&self, row: usize, column: usize) -> Option<f64> {
        Some(self.columns[column].values()[row]).filter(|v| !v.is_nan())
    }

    /// How data rows are located in the file.
    pub fn places(&self) -> &RowPlaces {
        &self.places
    }

    /// The 1-based line in the file where data row `row` (0-based) starts; for binary formats,
    /// the 1-based row number.
    pub fn line_of_row(&self, row: usize) -> u64 {
        match &self.places {
            RowPlaces::Lines(lines) => lines.line(row),
            RowPlaces::Rows => row as u64 + 1,
        }
    }

    /// Index of the column with this name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Table, DataError> {
        parse_table(text.as_bytes(), "data.csv")
    }

    #[test]
    fn the_table_knows_the_hash_of_its_bytes() {
        let bytes = b"x,y\n1,2\n3,4\n";
        let table = parse_table(bytes, "t.csv").unwrap();
        // sha256("x,y\n1,2\n3,4\n"), computed independently with `sha256sum`.
        assert_eq!(
            table.sha256,
            "2a2b86e74ffd5e6a9b75e52a105cf9d02920837179f8e8961aa15411d380f7a3"
        );
        assert_eq!(table.sha256, sha256_hex(bytes));
        assert_ne!(
            parse_table(b"x,y\n1,2\n3,5\n", "t.csv").unwrap().sha256,
            table.sha256
        );
    }

    #[test]
    fn comma_tab_semicolon() {
        for (text, d) in [
            ("a,b,y\n1,2,3\n4,5,6\n", b','),
            ("a\tb\ty\n1\t2\t3\n4\t5\t6\n", b'\t'),
            ("a;b;y\n1,5;2;3\n4;5;6\n", b';'),
        ] {
            let t = parse(text).unwrap();
            assert_eq!(t.delimiter(), d, "{text:?}");
            assert_eq!(t.names, vec!["a", "b", "y"]);
            assert_eq!(t.n_rows(), 2);
            assert_eq!(t.value(1, 2), Some(6.0));
        }
    }

    #[test]
    fn delimiter_prefers_consistency_with_first_data_line() {
        // the header has one comma (inside a name) and two semicolons
        let t = parse("\"a,1\";b;c\n1;2;3\n").unwrap();
        assert_eq!(t.delimiter(), b';');
        assert_eq!(t.names, vec!["a,1", "b", "c"]);
        // a header with a comma in a name that is not quoted is ambiguous; consistency decides
        let t = parse("a;b,c\n1;2\n").unwrap();
        assert_eq!(t.delimiter(), b';');
    }

    #[test]
    fn tsv_extension_defaults_to_tab() {
        let t = parse_table(b"only\n1\n2\n", "data.tsv").unwrap();
        assert_eq!(t.delimiter(), b'\t');
        let t = parse_table(b"a\tb,c\n1\t2,3\n", "data.TSV").unwrap();
        assert_eq!(t.delimiter(), b'\t');
        assert_eq!(t.names, vec!["a", "b,c"]);
        let t = parse_table(b"only\n1\n", "data.csv").unwrap();
        assert_eq!(t.delimiter(), b',');
    }

    #[test]
    fn trims_cells_skips_blank_lines_and_bom_and_crlf() {
        let t = parse("\u{feff} a , b \r\n\r\n 1 ,  2\r\n\n3,4\n").unwrap();
        assert_eq!(t.names, vec!["a", "b"]);
        assert_eq!((t.line_of_row(0), t.line_of_row(1)), (3, 5));
        let t = parse("a,b\r\n1,2\r\n3,4\r\n").unwrap();
        assert_eq!((t.line_of_row(0), t.line_of_row(1)), (2, 3));
        // a quoted field spanning lines: the next row's line is still right
        let t = parse("a,b\n\"x\ny\",2\n3,4\n").unwrap();
        assert_eq!(
            t.column(0).first_bad(),
            Some(&crate::data::column::BadCell::NotANumber {
                row: 0,
                text: "x\ny".to_string()
            })
        );
        assert_eq!((t.line_of_row(0), t.line_of_row(1)), (2, 4));
        let t = parse("\u{feff} a , b \r\n\r\n 1 ,  2\r\n\n3,4\n").unwrap();
        assert_eq!(t.names, vec!["a", "b"]);
        assert_eq!(t.value(0, 0), Some(1.0));
        assert_eq!(t.value(0, 1), Some(2.0));
        assert_eq!(t.line_of_row(0), 3);
        assert_eq!(t.line_of_row(1), 5);
    }

    #[test]
    fn empty_file() {
        for text in ["", "  \n\n"] {
            let err = parse(text).unwrap_err();
            assert!(matches!(err, DataError::EmptyFile { .. }), "{err}");
            assert!(err.to_string().starts_with("data.csv:"), "{err}");
        }
    }

    #[test]
    fn header_only() {
        let err = parse("x,y\n").unwrap_err();
        assert!(matches!(err, DataError::NoDataRows { .. }), "{err}");
        assert!(err.to_string().contains("data.csv"));
    }

    #[test]
    fn ragged_row() {
        let err = parse("x,y\n1,2\n3,4\n5\n").unwrap_err();
        assert!(
            matches!(
                err,
                DataError::RaggedRow {
                    line: 4,
                    expected: 2,
                    found: 1,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "data.csv, line 4: expected 2 fields (as in the header) but found 1"
        );
        let err = parse("x,y\r\n1,2\r\n\r\n3,4,5\r\n").unwrap_err();
        assert!(
            matches!(
                err,
                DataError::RaggedRow {
                    line: 4,
                    found: 3,
                    ..
                }
            ),
            "{err}"
        );
        let err = parse("x,y\n1,2,3\n").unwrap_err();
        assert!(matches!(
            err,
            DataError::RaggedRow {
                line: 2,
                found: 3,
                ..
            }
        ));
    }

    #[test]
    fn non_utf8() {
        let err = parse_table(b"x,y\n1,2\n3,\xff\xfe\n", "data.csv").unwrap_err();
        assert!(matches!(err, DataError::NonUtf8 { line: 3, .. }), "{err}");
        assert!(err.to_string().contains("data.csv, line 3"), "{err}");
        let err = parse_table(b"x,\xe9\n1,2\n", "data.csv").unwrap_err();
        assert!(matches!(err, DataError::NonUtf8 { line: 1, .. }), "{err}");
    }

    #[test]
    fn duplicate_and_empty_header_names() {
        let err = parse("a,b,a\n1,2,3\n").unwrap_err();
        assert!(
            matches!(err, DataError::DuplicateColumn { first: 1, second: 3, ref name, .. } if name == "a"),
            "{err}"
        );
        assert!(
            err.to_string().contains("line 1: column name \"a\""),
            "{err}"
        );
        let err = parse("a,,c\n1,2,3\n").unwrap_err();
        assert!(
            matches!(
                err,
                DataError::EmptyColumnName {
                    column_number: 2,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn missing_file_is_io_error() {
        let err =
            crate::data::load_table(std::path::Path::new("/nonexistent/dir/data.csv")).unwrap_err();
        assert!(matches!(err, DataError::Io { .. }));
        assert!(err.to_string().contains("/nonexistent/dir/data.csv"));
    }
}
