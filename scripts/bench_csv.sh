#!/usr/bin/env bash
# Loads a 5 000 000-row x 3-column CSV, and the same table as Parquet (written by polars, zstd),
# with the workbench (before/after binaries) and polars, reporting wall time and peak RSS from
# /usr/bin/time -v, one after the other in one run.
#
# Usage: scripts/bench_csv.sh [ROWS]   (env: AFTER=path/to/binary, BEFORE=..., PYTHON=...)
# The workbench is timed on `train --data FILE --y no-such-column`: it loads and parses the whole
# file, then stops at the unknown column, so only loading is measured.
set -euo pipefail
rows=${1:-5000000}
dir=${BENCH_DIR:-target/bench}
mkdir -p "$dir"
file="$dir/bench-${rows}x3.csv"
if [ ! -f "$file" ]; then
  awk -v n="$rows" 'BEGIN { srand(1); print "a,b,y";
    for (i = 0; i < n; i++) printf "%.6f,%.6f,%.6f\n", rand(), rand() * 10, rand() - 0.5 }' >"$file"
fi
echo "file: $file ($(du -h "$file" | cut -f1), $rows rows)"

measure() { # label, command...
  local label=$1; shift
  local log="$dir/time.log"
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || true
  local wall rss
  wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
  printf '%-28s wall %s  peak RSS %d MB\n' "$label" "$wall" $((rss / 1024))
}

after=${AFTER:-target/release/density-workbench}
before=${BEFORE:-$dir/density-workbench-before}
[ -x "$before" ] && measure "workbench (before)" "$before" train --data "$file" --y no-such-column
measure "workbench" "$after" train --data "$file" --y no-such-column
measure "workbench describe" "$after" describe --data "$file"
python=${PYTHON:-target/pyenv/bin/python}
if "$python" -c 'import polars' 2>/dev/null; then
  measure "polars read_csv" "$python" -c "import polars as pl; print(pl.read_csv('$file').shape)"
  parquet="${file%.csv}.parquet"
  [ -f "$parquet" ] || "$python" -c "import polars as pl; pl.read_csv('$file').write_parquet('$parquet')"
  echo "file: $parquet ($(du -h "$parquet" | cut -f1))"
  measure "workbench parquet" "$after" train --data "$parquet" --y no-such-column
  measure "polars read_parquet" "$python" -c "import polars as pl; print(pl.read_parquet('$parquet').shape)"
  measure "python startup + polars" "$python" -c "import polars"
else
  echo "polars: not installed (python -m venv target/pyenv && target/pyenv/bin/pip install polars)"
fi
