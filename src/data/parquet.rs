//! Parquet files, read with arrow-rs's `parquet` crate through its column readers (no Arrow
//! arrays in between): every top-level column becomes one [`Column`].
//!
//! Numeric columns (booleans as 0/1, signed and unsigned integers, decimals, float, double)
//! become numbers; nulls are missing cells and NaN or infinite values bad cells, as in
//! CSV. Text, dates, timestamps, byte arrays and nested columns (lists, structs, maps) are kept
//! as non-numeric columns, an error only when selected. Errors name the file and the column.

use parquet::basic::{Compression, ConvertedType, LogicalType, Repetition, Type as PhysicalType};
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::DataType;
use parquet::file::reader::{ChunkReader, FileReader, RowGroupReader};
use parquet::file::serialized_reader::SerializedFileReader;
use parquet::schema::types::{ColumnDescriptor, SchemaDescriptor, Type};

use super::column::Column;
use super::error::DataError;
use super::table::Table;

/// Values decoded per call into the column reader: bounds the scratch buffers.
const BATCH: usize = 64 * 1024;

const MAGIC: &[u8] = b"PAR1";

/// Compressions this build decodes (the crate's `snap`, `flate2`, `lz4` and `zstd` features).
fn is_supported(compression: Compression) -> bool {
    matches!(
        compression,
        Compression::UNCOMPRESSED
            | Compression::SNAPPY
            | Compression::GZIP(_)
            | Compression::LZ4
            | Compression::LZ4_RAW
            | Compression::ZSTD(_)
    )
}

/// How a leaf column's stored values turn into f64, or why they do not.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Numbers {
    /// Stored as is (signed integers, floats, booleans as 0/1).
    Plain,
    /// INT32/INT64 holding unsigned integers (reinterpret the bits).
    Unsigned,
    /// INT32/INT64 decimals: the stored integer times `factor` (10^−scale).
    Decimal { factor: f64 },
}

/// Parses a Parquet file: bytes in memory, or an open `File` (read a column chunk at a time,
/// so the file's bytes are never all in memory). `sha256` is the hash of its bytes; `source`
/// names it in error messages.
pub fn parse_parquet<R: ChunkReader + 'static>(
    file: R,
    sha256: String,
    source: &str,
) -> Result<Table, DataError> {
    let bad = |column: Option<&str>, message: String| DataError::BadFile {
        file: source.to_string(),
        column: column.map(str::to_string),
        message,
    };
    let len = file.len();
    let magic_len = MAGIC.len() as u64;
    let bytes_at = |start: u64| {
        file.get_bytes(start, MAGIC.len())
            .map_err(|e| bad(None, format!("cannot read the file: {e}")))
    };
    if len < magic_len || bytes_at(0)? != MAGIC {
        return Err(bad(
            None,
            "not a Parquet file (it does not start with PAR1)".to_string(),
        ));
    }
    let tail = if len >= 2 * magic_len {
        Some(bytes_at(len - magic_len)?)
    } else {
        None
    };
    if tail.as_deref() == Some(&b"PARE"[..]) {
        return Err(bad(
            None,
            "the file is encrypted, which this reader does not support".to_string(),
        ));
    }
    if len < 2 * magic_len + 4 || tail.as_deref() != Some(MAGIC) {
        return Err(bad(
            None,
            "the file is truncated (its footer, which must end with PAR1, is missing)".to_string(),
        ));
    }
    let reader = SerializedFileReader::new(file)
        .map_err(|e| bad(None, format!("cannot read the file's metadata: {e}")))?;
    let metadata = reader.metadata();
    let schema = metadata.file_metadata().schema_descr();
    let groups: Vec<Box<dyn RowGroupReader + '_>> = (0..metadata.num_row_groups())
        .map(|g| reader.get_row_group(g))
        .collect::<Result<_, _>>()
        .map_err(|e| bad(None, format!("cannot read the row groups: {e}")))?;
    let rows: usize = groups
        .iter()
        .map(|g| usize::try_from(g.metadata().num_rows()).unwrap_or(0))
        .sum();

    let fields = schema.root_schema().get_fields();
    let mut names = Vec::with_capacity(fields.len());
    let mut columns = Vec::with_capacity(fields.len());
    for (index, field) in fields.iter().enumerate() {
        let name = field.name();
        let column = match leaf_of(schema, index, field) {
            Err(kind) => Column::not_numeric(rows, &kind),
            Ok(leaf) => {
                let descr = schema.column(leaf);
                match numbers_of(&descr) {
                    Err(kind) => Column::not_numeric(rows, &kind),
                    Ok(numbers) => {
                        let optional = descr.max_def_level() > 0;
                        read_leaf(&groups, leaf, Leaf { numbers, optional }, rows)
                            .map_err(|message| bad(Some(name), message))?
                    }
                }
            }
        };
        names.push(name.to_string());
        columns.push(column);
    }
    Table::from_columns(source, sha256, names, columns)
}

/// The leaf column of a top-level field that holds one value per row, or what the field holds
/// instead (lists, structs, maps).
fn leaf_of(schema: &SchemaDescriptor, index: usize, field: &Type) -> Result<usize, String> {
    let info = field.get_basic_info();
    if field.is_group() {
        let list = matches!(info.logical_type_ref(), Some(LogicalType::List))
            || info.converted_type() == ConvertedType::LIST;
        let map = matches!(info.logical_type_ref(), Some(LogicalType::Map))
            || matches!(
                info.converted_type(),
                ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE
            );
        return Err(if list {
            "lists of values".to_string()
        } else if map {
            "maps".to_string()
        } else {
            "nested records (a struct)".to_string()
        });
    }
    if info.has_repetition() && info.repetition() == Repetition::REPEATED {
        return Err("repeated values (a list)".to_string());
    }
    (0..schema.num_columns())
        .find(|&leaf| schema.get_column_root_idx(leaf) == index)
        .ok_or_else(|| "no values".to_string())
}

/// How a leaf's values are numbers, or the name of what they are.
fn numbers_of(descr: &ColumnDescriptor) -> Result<Numbers, String> {
    let logical = descr.logical_type_ref();
    let converted = descr.converted_type();
    match descr.physical_type() {
        PhysicalType::BOOLEAN | PhysicalType::FLOAT | PhysicalType::DOUBLE => Ok(Numbers::Plain),
        PhysicalType::INT32 | PhysicalType::INT64 => integer_numbers(descr),
        PhysicalType::INT96 => Err("INT96 timestamps".to_string()),
        PhysicalType::BYTE_ARRAY => Err(match (logical, converted) {
            (Some(LogicalType::String | LogicalType::Enum | LogicalType::Json), _)
            | (None, ConvertedType::UTF8 | ConvertedType::ENUM | ConvertedType::JSON) => {
                "text".to_string()
            }
            _ => "binary data".to_string(),
        }),
        // pyarrow writes decimals as big-endian two's complement bytes by default.
        PhysicalType::FIXED_LEN_BYTE_ARRAY if descr.type_length() <= 16 => match logical {
            Some(LogicalType::Decimal(d)) => Ok(Numbers::Decimal {
                factor: 10f64.powi(-d.scale),
            }),
            None if converted == ConvertedType::DECIMAL => Ok(Numbers::Decimal {
                factor: 10f64.powi(-descr.type_scale()),
            }),
            _ => Err(fixed_len_kind(descr)),
        },
        PhysicalType::FIXED_LEN_BYTE_ARRAY => Err(fixed_len_kind(descr)),
    }
}

/// What `read_leaf` needs to know of a leaf column.
#[derive(Debug, Clone, Copy)]
struct Leaf {
    numbers: Numbers,
    /// Nullable: definition levels say which rows have a value.
    optional: bool,
}

/// INT32/INT64 columns: integers and decimals are numbers, dates and times are not.
fn integer_numbers(descr: &ColumnDescriptor) -> Result<Numbers, String> {
    let decimal = |scale: i32| Numbers::Decimal {
        factor: 10f64.powi(-scale),
    };
    match descr.logical_type_ref() {
        Some(LogicalType::Integer(int)) if !int.is_signed => Ok(Numbers::Unsigned),
        Some(LogicalType::Integer(_)) => Ok(Numbers::Plain),
        Some(LogicalType::Decimal(d)) => Ok(decimal(d.scale)),
        Some(LogicalType::Date) => Err("dates".to_string()),
        Some(LogicalType::Time(_)) => Err("times of day".to_string()),
        Some(LogicalType::Timestamp(_)) => Err("timestamps".to_string()),
        Some(other) => Err(format!("{other:?} values")),
        // Files that carry only the older converted types.
        None => match descr.converted_type() {
            ConvertedType::UINT_8
            | ConvertedType::UINT_16
            | ConvertedType::UINT_32
            | ConvertedType::UINT_64 => Ok(Numbers::Unsigned),
            ConvertedType::DECIMAL => Ok(decimal(descr.type_scale())),
            ConvertedType::DATE => Err("dates".to_string()),
            ConvertedType::TIME_MILLIS | ConvertedType::TIME_MICROS => {
                Err("times of day".to_string())
            }
            ConvertedType::TIMESTAMP_MILLIS | ConvertedType::TIMESTAMP_MICROS => {
                Err("timestamps".to_string())
            }
            _ => Ok(Numbers::Plain),
        },
    }
}

fn fixed_len_kind(descr: &ColumnDescriptor) -> String {
    match descr.logical_type_ref() {
        Some(LogicalType::Float16) => "half-precision floats (float16)".to_string(),
        Some(LogicalType::Decimal(_)) => "decimals of more than 16 bytes".to_string(),
        Some(LogicalType::Uuid) => "UUIDs".to_string(),
        _ => format!("fixed-length binary data of {} bytes", descr.type_length()),
    }
}

/// A big-endian two's complement integer of at most 16 bytes.
fn be_signed(bytes: &[u8]) -> i128 {
    let sign = if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        -1
    } else {
        0
    };
    bytes
        .iter()
        .fold(sign, |acc: i128, &b| (acc << 8) | i128::from(b))
}

/// Reads one leaf column through every row group.
fn read_leaf(
    groups: &[Box<dyn RowGroupReader + '_>],
    leaf: usize,
    Leaf { numbers, optional }: Leaf,
    rows: usize,
) -> Result<Column, String> {
    let mut column = Column::with_capacity(rows);
    for group in groups {
        let chunk = group.metadata().column(leaf);
        let compression = chunk.compression();
        if !is_supported(compression) {
            return Err(format!(
                "the column is compressed with {}, which this reader does not support (write the file with snappy, gzip, lz4 or zstd compression)",
                codec_name(compression)
            ));
        }
        let group_rows = usize::try_from(group.metadata().num_rows()).unwrap_or(0);
        let reader = group
            .get_column_reader(leaf)
            .map_err(|e| format!("cannot read the column: {e}"))?;
        let read = match (reader, numbers) {
            (ColumnReader::BoolColumnReader(r), _) => {
                drain(r, group_rows, optional, &mut column, |v| {
                    f64::from(u8::from(*v))
                })
            }
            (ColumnReader::Int32ColumnReader(r), Numbers::Unsigned) => {
                drain(r, group_rows, optional, &mut column, |v| {
                    f64::from(u32::from_ne_bytes(v.to_ne_bytes()))
                })
            }
            (ColumnReader::Int32ColumnReader(r), Numbers::Decimal { factor }) => {
                drain(r, group_rows, optional, &mut column, |v| {
                    f64::from(*v) * factor
                })
            }
            (ColumnReader::Int32ColumnReader(r), Numbers::Plain) => {
                drain(r, group_rows, optional, &mut column, |v| f64::from(*v))
            }
            (ColumnReader::Int64ColumnReader(r), Numbers::Unsigned) => {
                drain(r, group_rows, optional, &mut column, |v| {
                    u64::from_ne_bytes(v.to_ne_bytes()) as f64
                })
            }
            (ColumnReader::Int64ColumnReader(r), Numbers::Decimal { factor }) => {
                drain(r, group_rows, optional, &mut column, |v| *v as f64 * factor)
            }
            (ColumnReader::Int64ColumnReader(r), Numbers::Plain) => {
                drain(r, group_rows, optional, &mut column, |v| *v as f64)
            }
            (ColumnReader::FloatColumnReader(r), _) => {
                drain(r, group_rows, optional, &mut column, |v| f64::from(*v))
            }
            (ColumnReader::DoubleColumnReader(r), _) => {
                drain(r, group_rows, optional, &mut column, |v| *v)
            }
            (ColumnReader::FixedLenByteArrayColumnReader(r), Numbers::Decimal { factor }) => {
                drain(r, group_rows, optional, &mut column, |v| {
                    be_signed(v.data()) as f64 * factor
                })
            }
            // `numbers_of` gives no `Numbers` for the other physical types.
            _ => return Err("the column's type is not numeric".to_string()),
        };
        read.map_err(|e| format!("cannot read the column: {e}"))?;
    }
    Ok(column)
}

/// Appends every value of one row group's column chunk: nulls as missing cells.
fn drain<T: DataType>(
    mut reader: ColumnReaderImpl<T>,
    rows: usize,
    optional: bool,
    column: &mut Column,
    to_f64: impl Fn(&T::T) -> f64,
) -> Result<(), String> {
    let mut values = Vec::with_capacity(BATCH.min(rows));
    let mut levels = Vec::with_capacity(if optional { BATCH.min(rows) } else { 0 });
    let mut done = 0;
    while done < rows {
        values.clear();
        levels.clear();
        let want = BATCH.min(rows - done);
        let (records, _, _) = reader
            .read_records(want, Some(&mut levels), None, &mut values)
            .map_err(|e| e.to_string())?;
        if records == 0 {
            break;
        }
        if optional {
            let mut present = values.iter();
            for &level in &levels {
                match (level > 0).then(|| present.next()).flatten() {
                    Some(v) => column.push_value(to_f64(v)),
                    None => column.push_missing(),
                }
            }
        } else {
            for v in &values {
                column.push_value(to_f64(v));
            }
        }
        done += records;
    }
    if done != rows {
        return Err(format!(
            "the row group has {rows} rows but the column only {done} values (is the file truncated?)"
        ));
    }
    Ok(())
}

fn codec_name(compression: Compression) -> &'static str {
    match compression {
        Compression::UNCOMPRESSED => "no compression",
        Compression::SNAPPY => "snappy",
        Compression::GZIP(_) => "gzip",
        Compression::LZO => "LZO",
        Compression::BROTLI(_) => "brotli",
        Compression::LZ4 | Compression::LZ4_RAW => "lz4",
        Compression::ZSTD(_) => "zstd",
    }
}
