//! The fast path of CSV/TSV reading: the bytes after the header split at newlines into one
//! chunk per core, each chunk parsed straight into its share of the typed columns.
//!
//! It takes only files that it reads exactly as the careful reader in `table.rs` (the csv
//! crate) does: no quote character anywhere, and no carriage return except right before a
//! newline. At anything else (a ragged row, a bad header, bytes that are not UTF-8, no data
//! rows) it gives up and returns `None`; the careful reader then reads the file and reports
//! the problem with its exact line and column, so every message stays the careful reader's.
//! The two readers give the same table on every file the fast one takes (a test checks this on
//! random files).

use std::ops::Range;

use super::column::{BadCell, Column, TextCell};
use super::lines::{LineMap, check_header};

/// What the fast path read: the same parts a `Table` is made of.
pub(crate) struct Parsed {
    pub names: Vec<String>,
    pub columns: Vec<Column>,
    pub n_rows: usize,
    pub lines: LineMap,
}

/// Files below this size are read by one thread: starting threads would cost more.
const MIN_BYTES_PER_THREAD: usize = 1 << 20;

/// The threads worth using for `len` bytes on this machine.
pub(crate) fn threads_for(len: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    cores.min(len / MIN_BYTES_PER_THREAD).max(1)
}

/// Parses `bytes` (the byte-order mark already removed) with `threads` chunks, or `None` when
/// the careful reader must read the file.
pub(crate) fn parse_parallel(bytes: &[u8], delimiter: u8, threads: usize) -> Option<Parsed> {
    if memchr::memchr(b'"', bytes).is_some() {
        return None;
    }
    let header = next_record(bytes, 0)?;
    count_rows(bytes, 0..header.end)?; // a lone `\r` before or in the header
    let names = split_fields(line_text(bytes, &header.text), delimiter)
        .map(|field| {
            std::str::from_utf8(field.trim_ascii())
                .ok()
                .map(str::to_string)
        })
        .collect::<Option<Vec<_>>>()?;
    check_header(&names, "").ok()?;

    let chunks = split_chunks(bytes, header.end, threads);
    // First pass: rows and newlines in each chunk, so that every chunk knows the first row and
    // line it holds and writes its values in place.
    let counts = run_all(&chunks, |chunk| count_rows(bytes, chunk.clone()))
        .into_iter()
        .collect::<Option<Vec<_>>>()?;
    let n_rows: usize = counts.iter().map(|c| c.rows).sum();
    if n_rows == 0 {
        return None;
    }
    let width = names.len();
    let mut values: Vec<Vec<f64>> = (0..width).map(|_| vec![0.0; n_rows]).collect();
    let mut jobs = Vec::with_capacity(chunks.len());
    {
        let mut rest: Vec<&mut [f64]> = values.iter_mut().map(Vec::as_mut_slice).collect();
        let (mut first_row, mut first_line) = (0, header.line + 1);
        for (chunk, count) in chunks.iter().zip(&counts) {
            let mut slices = Vec::with_capacity(width);
            for column in &mut rest {
                let (mine, others) = std::mem::take(column).split_at_mut(count.rows);
                slices.push(mine);
                *column = others;
            }
            jobs.push(Job {
                bytes: chunk.clone(),
                first_row,
                first_line,
                values: slices,
            });
            first_row += count.rows;
            first_line += count.newlines;
        }
    }
    let parts = run_owned(jobs, |job| parse_chunk(bytes, delimiter, job))
        .into_iter()
        .collect::<Option<Vec<_>>>()?;

    let mut lines = LineMap::default();
    let mut missing = vec![Vec::new(); width];
    let mut first_bad: Vec<Option<BadCell>> = vec![None; width];
    for part in parts {
        for (row, line) in part.line_breaks {
            lines.push(row, line);
        }
        for (j, (part_missing, part_bad)) in
            part.missing.into_iter().zip(part.first_bad).enumerate()
        {
            missing[j].extend(part_missing);
            if first_bad[j].is_none() {
                first_bad[j] = part_bad;
            }
        }
    }
    let columns = values
        .into_iter()
        .zip(missing)
        .zip(first_bad)
        .map(|((values, missing), bad)| Column::from_parts(values, missing, bad))
        .collect();
    Some(Parsed {
        names,
        columns,
        n_rows,
        lines,
    })
}

/// A non-blank line: its text (terminators excluded), the byte after it, its 1-based line.
struct Record {
    text: Range<usize>,
    end: usize,
    line: u64,
}

/// The first non-blank line at or after `start` (which begins a line).
fn next_record(bytes: &[u8], mut start: usize) -> Option<Record> {
    let mut line = 1;
    while start < bytes.len() {
        let newline = memchr::memchr(b'\n', &bytes[start..]).map(|i| start + i);
        let end = newline.map_or(bytes.len(), |i| i + 1);
        let text = start..newline.map_or(bytes.len(), |i| strip_cr(bytes, start, i));
        if !text.is_empty() {
            return Some(Record { text, end, line });
        }
        line += 1;
        start = end;
    }
    None
}

fn line_text<'a>(bytes: &'a [u8], text: &Range<usize>) -> &'a [u8] {
    &bytes[text.clone()]
}

/// The end of a line's text that stops at the newline at `newline`: one `\r` before it is part
/// of the terminator.
fn strip_cr(bytes: &[u8], start: usize, newline: usize) -> usize {
    if newline > start && bytes[newline - 1] == b'\r' {
        newline - 1
    } else {
        newline
    }
}

fn split_fields(line: &[u8], delimiter: u8) -> impl Iterator<Item = &[u8]> {
    line.split(move |&b| b == delimiter)
}

/// Splits `bytes[start..]` into at most `threads` ranges, each ending just after a newline
/// (the last at the end of the bytes).
fn split_chunks(bytes: &[u8], start: usize, threads: usize) -> Vec<Range<usize>> {
    let len = bytes.len() - start;
    let mut chunks = Vec::with_capacity(threads);
    let mut from = start;
    for k in 1..=threads {
        let target = start + len * k / threads;
        let to = if k == threads {
            bytes.len()
        } else {
            memchr::memchr(b'\n', &bytes[target.max(from)..])
                .map_or(bytes.len(), |i| target.max(from) + i + 1)
        };
        if to > from {
            chunks.push(from..to);
        }
        from = to;
    }
    chunks
}

struct Count {
    rows: usize,
    newlines: u64,
}

/// Rows (non-blank lines) and newlines of a chunk; `None` at a carriage return that does not
/// end a line (the csv crate ends a record there).
fn count_rows(bytes: &[u8], chunk: Range<usize>) -> Option<Count> {
    let (mut rows, mut newlines, mut line_start) = (0, 0, chunk.start);
    for i in memchr::memchr2_iter(b'\n', b'\r', &bytes[chunk.clone()]).map(|i| chunk.start + i) {
        if bytes[i] == b'\r' {
            if bytes.get(i + 1) != Some(&b'\n') {
                return None;
            }
            continue;
        }
        if strip_cr(bytes, line_start, i) > line_start {
            rows += 1;
        }
        newlines += 1;
        line_start = i + 1;
    }
    if line_start < chunk.end {
        rows += 1; // a last line without a newline
    }
    Some(Count { rows, newlines })
}

/// One chunk's work: its bytes, where it starts, and its rows of every column.
struct Job<'a> {
    bytes: Range<usize>,
    first_row: usize,
    first_line: u64,
    values: Vec<&'a mut [f64]>,
}

/// What a chunk found besides the values it wrote.
struct Part {
    /// `(row, line)` wherever `line - row` changes (see `LineMap`).
    line_breaks: Vec<(usize, u64)>,
    /// Per column, the global rows of missing cells, ascending.
    missing: Vec<Vec<usize>>,
    /// Per column, the chunk's first bad cell.
    first_bad: Vec<Option<BadCell>>,
}

fn parse_chunk(bytes: &[u8], delimiter: u8, mut job: Job<'_>) -> Option<Part> {
    // One UTF-8 check for the chunk (it starts and ends at line boundaries) costs less than
    // one per cell; fields are then `&str` slices of it.
    let text = std::str::from_utf8(&bytes[job.bytes.clone()]).ok()?;
    let bytes = text.as_bytes();
    let chunk_end = text.len();
    let width = job.values.len();
    let mut part = Part {
        line_breaks: Vec::new(),
        missing: vec![Vec::new(); width],
        first_bad: vec![None; width],
    };
    let (mut local, mut line, mut start) = (0, job.first_line, 0);
    let mut last_offset = None;
    while start < chunk_end {
        let newline = memchr::memchr(b'\n', &bytes[start..chunk_end]).map(|i| start + i);
        let end = newline.map_or(chunk_end, |i| strip_cr(bytes, start, i));
        if end > start {
            let row = job.first_row + local;
            let offset = line as i64 - row as i64;
            if last_offset != Some(offset) {
                part.line_breaks.push((row, line));
                last_offset = Some(offset);
            }
            // Fields are split at the ASCII delimiter, so every field is on char boundaries;
            // a byte loop beats a search call on fields this short.
            let (mut from, mut j) = (start, 0);
            loop {
                let to = bytes[from..end]
                    .iter()
                    .position(|&b| b == delimiter)
                    .map_or(end, |i| from + i);
                if j == width {
                    return None; // more fields than the header: the careful reader says where
                }
                let text = text.get(from..to)?.trim_ascii();
                let cell = &mut job.values[j][local];
                match TextCell::of(text) {
                    TextCell::Number(v) => *cell = v,
                    TextCell::Missing => {
                        *cell = f64::NAN;
                        part.missing[j].push(row);
                    }
                    bad => {
                        *cell = f64::NAN;
                        if part.first_bad[j].is_none() {
                            let text = text.to_string();
                            part.first_bad[j] = Some(if bad == TextCell::NonFinite {
                                BadCell::NonFinite { row, text }
                            } else {
                                BadCell::NotANumber { row, text }
                            });
                        }
                    }
                }
                j += 1;
                if to == end {
                    break;
                }
                from = to + 1;
            }
            if j != width {
                return None; // fewer fields than the header
            }
            local += 1;
        }
        line += 1;
        start = newline.map_or(chunk_end, |i| i + 1);
    }
    Some(part)
}

/// Runs `work` on every item, one thread per item beyond the first (which runs here).
fn run_all<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    std::thread::scope(|scope| {
        let Some((first, rest)) = items.split_first() else {
            return Vec::new();
        };
        let handles: Vec<_> = rest.iter().map(|item| scope.spawn(|| work(item))).collect();
        let mut results = vec![work(first)];
        results.extend(handles.into_iter().map(join));
        results
    })
}

/// Like [`run_all`], for items that move into their thread.
fn run_owned<T: Send, R: Send>(items: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    std::thread::scope(|scope| {
        let mut items = items.into_iter();
        let Some(first) = items.next() else {
            return Vec::new();
        };
        let work = &work;
        let handles: Vec<_> = items.map(|item| scope.spawn(move || work(item))).collect();
        let mut results = vec![work(first)];
        results.extend(handles.into_iter().map(join));
        results
    })
}

/// A panic in a worker thread is a bug: pass it on.
pub(crate) fn join<R>(handle: std::thread::ScopedJoinHandle<'_, R>) -> R {
    match handle.join() {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    use super::*;
    use crate::data::table::{Table, parse_carefully};

    const FIELDS: [&[u8]; 16] = [
        b"1", b"2.5", b"-3e2", b" 4 ", b"", b" ", b"NA", b"nan", b"-inf", b"abc", b"1.5x",
        b"\"q\"", b"\xff", b"\t7", b"0", b"x\ry",
    ];
    const NAMES: [&[u8]; 6] = [b"a", b"b", b"c", b" y ", b"a", b""];
    const ENDS: [&[u8]; 5] = [b"\n", b"\n", b"\r\n", b"\n\n", b"\r"];

    /// A random small file: mostly well-formed, with every kind of trouble now and then.
    fn random_file(rng: &mut StdRng) -> Vec<u8> {
        let width = rng.random_range(1..4);
        let pick =
            |rng: &mut StdRng, from: &[&[u8]]| from[rng.random_range(0..from.len())].to_vec();
        let mut text = Vec::new();
        if rng.random_bool(0.1) {
            text.extend_from_slice(b"\n");
        }
        for k in 0..width {
            if k > 0 {
                text.push(b',');
            }
            text.extend(if rng.random_bool(0.9) {
                format!("c{k}").into_bytes()
            } else {
                pick(rng, &NAMES)
            });
        }
        text.extend(pick(rng, &ENDS[..3]));
        for _ in 0..rng.random_range(0..12) {
            let fields = if rng.random_bool(0.05) {
                width + 1
            } else {
                width
            };
            for k in 0..fields {
                if k > 0 {
                    text.push(b',');
                }
                text.extend(if rng.random_bool(0.7) {
                    format!("{}", rng.random_range(-50..50) as f64 / 8.0).into_bytes()
                } else {
                    pick(rng, &FIELDS)
                });
            }
            text.extend(if rng.random_bool(0.95) {
                pick(rng, &ENDS[..4])
            } else {
                pick(rng, &ENDS)
            });
        }
        if rng.random_bool(0.2) {
            text.pop();
        }
        text
    }

    /// Two tables hold the same cells (NaN included) and the same line of every row.
    fn assert_same(fast: &Parsed, careful: &Table, text: &[u8]) {
        let shown = String::from_utf8_lossy(text);
        assert_eq!(fast.names, careful.names, "{shown:?}");
        assert_eq!(fast.n_rows, careful.n_rows(), "{shown:?}");
        for (j, column) in fast.columns.iter().enumerate() {
            let theirs = careful.column(j);
            let bits = |c: &Column| c.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(column), bits(theirs), "{shown:?}");
            assert_eq!(column.missing_rows(), theirs.missing_rows(), "{shown:?}");
            assert_eq!(column.first_bad(), theirs.first_bad(), "{shown:?}");
        }
        for row in 0..fast.n_rows {
            let line = careful.line_of_row(row);
            assert_eq!(fast.lines.line(row), line, "row {row} of {shown:?}");
        }
    }

    #[test]
    fn the_fast_path_reads_every_file_it_takes_as_the_careful_reader_does() {
        let mut rng = StdRng::seed_from_u64(17);
        let (mut taken, tries) = (0, 4000);
        for _ in 0..tries {
            let text = random_file(&mut rng);
            let careful = parse_carefully(&text, "t.csv", String::new(), b',');
            for threads in [1, 2, 3, 7] {
                if let Some(fast) = parse_parallel(&text, b',', threads) {
                    let shown = String::from_utf8_lossy(&text);
                    let careful = careful.as_ref().unwrap_or_else(|e| {
                        panic!("the careful reader fails on {shown:?} ({e}), the fast one did not")
                    });
                    assert_same(&fast, careful, &text);
                    taken += 1;
                }
            }
        }
        // the comparison means something only when most files take the fast path
        assert!(
            taken > tries,
            "the fast path took only {taken} of {} reads",
            tries * 4
        );
    }

    #[test]
    fn chunks_end_after_newlines_and_cover_the_bytes() {
        let text = b"h\n1\n22\n333\n4444\n5";
        for threads in 1..8 {
            let chunks = split_chunks(text, 2, threads);
            assert_eq!(chunks.first().map(|c| c.start), Some(2));
            assert_eq!(chunks.last().map(|c| c.end), Some(text.len()));
            for pair in chunks.windows(2) {
                assert_eq!(pair[0].end, pair[1].start);
                assert_eq!(text[pair[0].end - 1], b'\n', "{chunks:?}");
            }
        }
    }

    #[test]
    fn quotes_and_lone_carriage_returns_go_to_the_careful_reader() {
        assert!(parse_parallel(b"a,b\n1,2\n", b',', 2).is_some());
        assert!(parse_parallel(b"a,b\r\n1,2\r\n", b',', 2).is_some());
        assert!(parse_parallel(b"a,b\n\"1\",2\n", b',', 2).is_none());
        assert!(parse_parallel(b"a,b\r1,2\n", b',', 2).is_none());
        assert!(parse_parallel(b"a,b\n1,2,3\n", b',', 2).is_none());
        assert!(parse_parallel(b"a,b\n", b',', 2).is_none());
    }
}
