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
        let data_len = data_size(&header);
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
        offset = data_start + data_len.div_ceil(BLOCK) * BLOCK;
    }
}

fn read_header(bytes: &[u8]) -> Option<Header> {
    let mut cards = Vec::new();
    for (i, card) in bytes.chunks_exact(CARD).enumerate() {
        let text = String::from_utf8_lossy(card);
        let key = text[..8.min(text.len())].trim().to_string();
        if key == "END" {
            let len = ((i + 1) * CARD).div_ceil(BLOCK) * BLOCK;
            return Some(Header { cards, len });
        }
        if text.get(8..10) == Some("= ") {
            cards.push((key, card_value(&text[10..])));
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

fn data_size(header: &Header) -> usize {
    let naxis = header.int("NAXIS").unwrap_or(0);
    if naxis == 0 {
        return 0;
    }
    let bitpix = header.int("BITPIX").unwrap_or(8).unsigned_abs() as usize / 8;
    let axes: usize = (1..=naxis)
        .map(|k| header.int(&format!("NAXIS{k}")).unwrap_or(0).max(0) as usize)
        .product();
    let pcount = header.int("PCOUNT").unwrap_or(0).max(0) as usize;
    let gcount = header.int("GCOUNT").unwrap_or(1).max(1) as usize;
    bitpix * gcount * (pcount + axes)
}

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

fn width_of(repeat: usize, code: char) -> Option<usize> {
    let per = match code {
        'L' | 'B' | 'A' => 1,
        'X' => return Some(repeat.div_ceil(8)),
        'I' => 2,
        'J' | 'E' => 4,
        'K' | 'D' | 'C' | 'P' => 8,
        'M' | 'Q' => 16,
        _ => return None,
    };
    Some(per * repeat)
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
    let row_len = header.int("NAXIS1").unwrap_or(0).max(0) as usize;
    let rows = header.int("NAXIS2").unwrap_or(0).max(0) as usize;
    let fields = header.int("TFIELDS").unwrap_or(0).max(0) as usize;
    let mut names = Vec::with_capacity(fields);
    let mut columns = Vec::with_capacity(fields);
    let mut start = 0;
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
        let width = width_of(repeat, code).ok_or_else(|| {
            bad(
                Some(name.clone()),
                format!("unknown column type TFORM{k} = \"{tform}\""),
            )
        })?;
        if start + width > row_len {
            return Err(bad(
                Some(name),
                format!("the columns are wider than a row (NAXIS1 = {row_len})"),
            ));
        }
        let column = if repeat != 1 && code != 'A' {
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
