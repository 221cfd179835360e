//! FITS binary tables (BINTABLE extensions), read by hand: 2880-byte blocks of 80-character
//! header cards, then big-endian rows of `NAXIS1` bytes.
//!
//! The first BINTABLE extension is read. Scalar numeric columns (TFORM `B`, `I`, `J`, `K`, `E`,
//! `D`, repeat 1) become numbers with `TSCALn`/`TZEROn` applied; `TNULLn` integers and NaN
//! floats are missing values. Logical columns (`L`) are 1 for `T`, 0 for `F` and missing for a
//! null byte, as Parquet booleans are. Text, bit, complex, array-descriptor and vector columns
//! are kept as non-numeric columns, which are an error only when selected.

use super::column::Column;
use super::error::DataError;
use super::table::{Table, sha256_hex};

const BLOCK: usize = 2880;
const CARD: usize = 80;

/// One HDU's header: keyword → raw value text (quotes removed for strings).
struct Header {
    cards: Vec<(String, String)>,
    /// Bytes from the start of the HDU to its data.
    len: usize,
}

impl Header {
    fn get(&self, key: &str) -> Option<&str> {
        self.cards
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|v| v.parse().ok())
    }

    fn float(&self, key: &str) -> Option<f64> {
        self.get(key)
            .and_then(|v| v.replace(['D', 'd'], "E").parse().ok())
    }
}

pub fn parse_fits(bytes: &[u8], source: &str) -> Result<Table, DataError> {
    let bad = |column: Option<&str>, message: String| DataError::BadFile {
        file: source.to_string(),
        column: column.map(str::to_string),
        message,
    };
    if !bytes.starts_with(b"SIMPLE  =") {
        return Err(bad(None, "not a FITS file (no SIMPLE card)".to_string()));
    }
    let mut offset = 0;
    loop {
        if offset >= bytes.len() {
            return Err(bad(
                None,
                "the file has no binary table (BINTABLE extension)".to_string(),
            ));
        }
        let header = read_header(&bytes[offset..]).ok_or_else(|| {
            bad(
                None,
                format!("the header at byte {offset} is truncated (no END card)"),
            )
        })?;
        let data_start = offset + header.len;
        let data_len = data_size(&header).ok_or_else(|| {
            bad(
                None,
                format!(
                    "the header at byte {offset} gives a data size beyond what any file can hold (NAXIS, BITPIX, PCOUNT or GCOUNT)"
                ),
            )
        })?;
        let is_table = header.get("XTENSION") == Some("BINTABLE");
        if is_table {
            if header.get("ZTABLE") == Some("T") || header.get("ZIMAGE") == Some("T") {
                return Err(bad(
                    None,
                    "the binary table is tile-compressed, which this reader does not support (decompress it with fpack -U / funpack)".to_string(),
                ));
            }
            let end = data_start.saturating_add(data_len);
            if bytes.len() < end {
                return Err(bad(
                    None,
                    format!(
                        "the file is truncated: the binary table needs {data_len} bytes of data from byte {data_start}, the file has {}",
                        bytes.len().saturating_sub(data_start)
                    ),
                ));
            }
            return read_table(&header, &bytes[data_start..end], source, sha256_hex(bytes));
        }
        // Saturating: a size past the end of the file ends the loop above.
        offset = data_start.saturating_add(data_len.div_ceil(BLOCK).saturating_mul(BLOCK));
    }
}

fn read_header(bytes: &[u8]) -> Option<Header> {
    let mut cards = Vec::new();
    for (i, card) in bytes.chunks_exact(CARD).enumerate() {
        // Cards are ASCII; split them by bytes, so that other bytes cannot cut a character.
        let key = String::from_utf8_lossy(&card[..8]).trim().to_string();
        if key == "END" {
            let len = ((i + 1) * CARD).div_ceil(BLOCK) * BLOCK;
            return Some(Header { cards, len });
        }
        if &card[8..10] == b"= " {
            cards.push((key, card_value(&String::from_utf8_lossy(&card[10..]))));
        }
    }
    None
}

/// The value of a card: a quoted string (quotes doubled inside) or the text before a `/` comment.
fn card_value(text: &str) -> String {
    let text = text.trim_start();
    if let Some(rest) = text.strip_prefix('\'') {
        let mut value = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    break;
                }
            }
            value.push(c);
        }
        return value.trim_end().to_string();
    }
    text.split('/')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Bytes of the data after a header; `None` when the header's numbers overflow (or NAXIS
/// exceeds the standard's 999), which no real file can hold.
fn data_size(header: &Header) -> Option<usize> {
    let naxis = header.int("NAXIS").unwrap_or(0);
    if naxis <= 0 {
        return Some(0);
    }
    if naxis > MAX_INDEXED {
        return None;
    }
    let count =
        |key: &str, default: i64| usize::try_from(header.int(key).unwrap_or(default).max(0)).ok();
    let bitpix = usize::try_from(header.int("BITPIX").unwrap_or(8).unsigned_abs() / 8).ok()?;
    let mut axes = 1usize;
    for k in 1..=naxis {
        axes = axes.checked_mul(count(&format!("NAXIS{k}"), 0)?)?;
    }
    let pcount = count("PCOUNT", 0)?;
    let gcount = count("GCOUNT", 1)?.max(1);
    bitpix
        .checked_mul(gcount)?
        .checked_mul(pcount.checked_add(axes)?)
}

/// The FITS standard's largest NAXIS and TFIELDS.
const MAX_INDEXED: i64 = 999;

/// A TFORM: repeat count and type letter.
fn parse_tform(tform: &str) -> Option<(usize, char)> {
    let tform = tform.trim();
    let digits = tform.chars().take_while(char::is_ascii_digit).count();
    let repeat = if digits == 0 {
        1
    } else {
        tform[..digits].parse().ok()?
    };
    let code = tform[digits..].chars().next()?;
    Some((repeat, code))
}

/// Why a TFORM gives no cell width.
enum NoWidth {
    UnknownType,
    /// The repeat count times the value size overflows.
    TooLarge,
}

/// Bytes of one cell.
fn width_of(repeat: usize, code: char) -> Result<usize, NoWidth> {
    let per: usize = match code {
        'L' | 'B' | 'A' => 1,
        'X' => return Ok(repeat.div_ceil(8)),
        'I' => 2,
        'J' | 'E' => 4,
        'K' | 'D' | 'C' | 'P' => 8,
        'M' | 'Q' => 16,
        _ => return Err(NoWidth::UnknownType),
    };
    per.checked_mul(repeat).ok_or(NoWidth::TooLarge)
}

fn read_table(
    header: &Header,
    data: &[u8],
    source: &str,
    sha256: String,
) -> Result<Table, DataError> {
    let bad = |column: Option<String>, message: String| DataError::BadFile {
        file: source.to_string(),
        column,
        message,
    };
    let count =
        |key: &str| usize::try_from(header.int(key).unwrap_or(0).max(0)).unwrap_or(usize::MAX);
    let row_len = count("NAXIS1");
    let rows = count("NAXIS2");
    let fields = count("TFIELDS");
    if fields > MAX_INDEXED as usize {
        return Err(bad(
            None,
            format!("TFIELDS = {fields}: a binary table has at most {MAX_INDEXED} columns"),
        ));
    }
    // Every row is read from the data: they must be there (and a row must have bytes, or
    // NAXIS2 alone would set how much is read).
    let table_len = rows.checked_mul(row_len).filter(|&n| n <= data.len());
    if table_len.is_none() || (rows > 0 && fields > 0 && row_len == 0) {
        return Err(bad(
            None,
            format!(
                "NAXIS1 = {row_len} bytes × NAXIS2 = {rows} rows does not fit the {} bytes of table data",
                data.len()
            ),
        ));
    }
    let mut names = Vec::with_capacity(fields);
    let mut columns = Vec::with_capacity(fields);
    let mut start = 0usize;
    for k in 1..=fields {
        let name = header
            .get(&format!("TTYPE{k}"))
            .map_or_else(|| format!("col{k}"), str::to_string);
        let tform = header.get(&format!("TFORM{k}")).unwrap_or_default();
        let (repeat, code) = parse_tform(tform).ok_or_else(|| {
            bad(
                Some(name.clone()),
                format!("unreadable TFORM{k} \"{tform}\""),
            )
        })?;
        let width = match width_of(repeat, code) {
            Err(NoWidth::UnknownType) => {
                return Err(bad(
                    Some(name),
                    format!("unknown column type TFORM{k} = \"{tform}\""),
                ));
            }
            // A cell too large to count is wider than any row.
            Err(NoWidth::TooLarge) => usize::MAX,
            Ok(width) => width,
        };
        if start.checked_add(width).is_none_or(|end| end > row_len) {
            return Err(bad(
                Some(name),
                format!("the columns are wider than a row (NAXIS1 = {row_len})"),
            ));
        }
        let column = if width == 0 {
            Column::not_numeric(rows, &format!("empty cells (TFORM {tform})"))
        } else if repeat != 1 && code != 'A' {
            Column::not_numeric(rows, &format!("vectors of {repeat} values (TFORM {tform})"))
        } else {
            let scale = header.float(&format!("TSCAL{k}")).unwrap_or(1.0);
            let zero = header.float(&format!("TZERO{k}")).unwrap_or(0.0);
            let null = header.int(&format!("TNULL{k}"));
            let cell = |row: usize| &data[row * row_len + start..row * row_len + start + width];
            read_column(rows, code, tform, scale, zero, null, cell)
        };
        names.push(name);
        columns.push(column);
        start += width;
    }
    Table::from_columns(source, sha256, names, columns)
}

fn read_column<'a>(
    rows: usize,
    code: char,
    tform: &str,
    scale: f64,
    zero: f64,
    null: Option<i64>,
    cell: impl Fn(usize) -> &'a [u8],
) -> Column {
    let integer = |raw: i64, column: &mut Column| {
        if null == Some(raw) {
            column.push_missing();
        } else {
            column.push_value(raw as f64 * scale + zero);
        }
    };
    let float = |raw: f64, column: &mut Column| {
        // NaN is FITS's null for floating-point columns.
        if raw.is_nan() {
            column.push_missing();
        } else {
            column.push_value(raw * scale + zero);
        }
    };
    let mut column = Column::with_capacity(rows);
    for row in 0..rows {
        let b = cell(row);
        match code {
            'B' => integer(i64::from(b[0]), &mut column),
            'L' => match b[0] {
                b'T' => column.push_value(1.0),
                b'F' => column.push_value(0.0),
                _ => column.push_missing(),
            },
            'I' => integer(i64::from(i16::from_be_bytes([b[0], b[1]])), &mut column),
            'J' => integer(
                i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])),
                &mut column,
            ),
            'K' => integer(
                i64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
                &mut column,
            ),
            'E' => float(
                f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]])),
                &mut column,
            ),
            'D' => float(
                f64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]),
                &mut column,
            ),
            _ => {
                let kind = match code {
                    'A' => "text",
                    'X' => "bits",
                    'C' | 'M' => "complex numbers",
                    _ => "variable-length arrays",
                };
                return Column::not_numeric(rows, &format!("{kind} (TFORM {tform})"));
            }
        }
    }
    column
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header of 80-byte cards (each padded with spaces), ended and padded to a block.
    fn fits(cards: &[&[u8]], data: &[u8]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for card in cards.iter().copied().chain([b"END".as_slice()]) {
            let mut padded = card.to_vec();
            padded.resize(CARD, b' ');
            bytes.extend(padded);
        }
        bytes.resize(bytes.len().div_ceil(BLOCK) * BLOCK, b' ');
        bytes.extend(data);
        bytes
    }

    fn table(extra: &[&[u8]], data: &[u8]) -> Vec<u8> {
        let mut cards: Vec<&[u8]> = vec![
            b"SIMPLE  =                    T",
            b"BITPIX  =                    8",
            b"NAXIS   =                    0",
            b"END",
        ];
        cards.pop();
        let mut bytes = fits(&cards, &[]);
        let mut ext: Vec<&[u8]> = vec![b"XTENSION= 'BINTABLE'"];
        if !extra.iter().any(|card| card.starts_with(b"BITPIX")) {
            ext.push(b"BITPIX  =                    8");
        }
        ext.extend(extra);
        bytes.extend(fits(&ext, data));
        bytes
    }

    fn message(bytes: &[u8]) -> String {
        parse_fits(bytes, "t.fits")
            .expect_err("refused")
            .to_string()
    }

    #[test]
    fn a_card_with_non_ascii_bytes_is_read_without_cutting_a_character() {
        // Found by fuzzing (table_fits): a byte ≥ 0x80 before column 8 of a card became a
        // 3-byte replacement character and the key was sliced inside it.
        let mut bytes = table(&[b"NAXIS   =                    0"], &[]);
        // Byte 6 of the primary header's BITPIX card, and of the table's XTENSION card.
        for card in [1, BLOCK / CARD] {
            bytes[card * CARD + 6] = 0xE2;
        }
        match parse_fits(&bytes, "t.fits") {
            Ok(table) => assert_eq!(table.n_rows(), 0),
            Err(error) => assert!(error.to_string().contains("t.fits"), "{error}"),
        }
    }

    #[test]
    fn header_sizes_that_overflow_are_refused() {
        let huge = b"NAXIS1  =  9223372036854775807";
        let bytes = table(
            &[
                b"NAXIS   =                    2",
                huge,
                b"NAXIS2  =  9223372036854775807",
            ],
            &[],
        );
        assert!(message(&bytes).contains("data size"), "{}", message(&bytes));
        let bytes = table(&[b"NAXIS   =  9223372036854775807"], &[]);
        assert!(message(&bytes).contains("data size"), "{}", message(&bytes));
    }

    #[test]
    fn rows_missing_from_the_data_and_absurd_column_counts_are_refused() {
        // BITPIX 0 makes the data size 0 while NAXIS2 promises rows.
        let bytes = table(
            &[
                b"BITPIX  =                    0",
                b"NAXIS   =                    2",
                b"NAXIS1  =                    8",
                b"NAXIS2  =                   10",
                b"TFIELDS =                    1",
                b"TFORM1  = 'D'",
            ],
            &[],
        );
        assert!(
            message(&bytes).contains("does not fit"),
            "{}",
            message(&bytes)
        );
        let bytes = table(
            &[
                b"NAXIS   =                    2",
                b"NAXIS1  =                    0",
                b"NAXIS2  =          10000000000",
                b"TFIELDS =                    1",
                b"TFORM1  = '0L'",
            ],
            &[],
        );
        assert!(
            message(&bytes).contains("does not fit"),
            "{}",
            message(&bytes)
        );
        let bytes = table(
            &[
                b"NAXIS   =                    2",
                b"NAXIS1  =                    8",
                b"NAXIS2  =                    0",
                b"TFIELDS =  9223372036854775807",
            ],
            &[],
        );
        assert!(
            message(&bytes).contains("at most 999"),
            "{}",
            message(&bytes)
        );
        let bytes = table(
            &[
                b"NAXIS   =                    2",
                b"NAXIS1  =                    8",
                b"NAXIS2  =                    1",
                b"TFIELDS =                    1",
                b"TFORM1  = '9223372036854775807D'",
            ],
            &[0; 8],
        );
        assert!(message(&bytes).contains("wider"), "{}", message(&bytes));
    }
}
