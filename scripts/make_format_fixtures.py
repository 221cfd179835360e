#!/usr/bin/env python3
"""Writes the small FITS and Parquet test files in datasets/formats/ (needs numpy, astropy and
pyarrow).

    python -m venv target/pyenv && target/pyenv/bin/pip install astropy pyarrow
    target/pyenv/bin/python scripts/make_format_fixtures.py

faithful.fits and faithful.parquet hold the same numbers as datasets/faithful.csv (so
`describe --json` must print the same summary for all three); the others are files with
columns of every kind and the bad files the reader must reject with a clear message.
"""
import csv
import pathlib

import numpy as np
from astropy.io import fits

root = pathlib.Path(__file__).resolve().parent.parent
out = root / "datasets" / "formats"
out.mkdir(parents=True, exist_ok=True)

with open(root / "datasets" / "faithful.csv") as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
cols = {name: [row[j] for row in body] for j, name in enumerate(header)}
rownames = np.array([int(v) for v in cols["rownames"]], dtype=np.int32)
eruptions = np.array([float(v) for v in cols["eruptions"]], dtype=np.float64)
waiting = np.array([float(v) for v in cols["waiting"]], dtype=np.float64)


def table(columns):
    return fits.BinTableHDU.from_columns(columns)


good = table([
    fits.Column(name="rownames", format="J", array=rownames),
    fits.Column(name="eruptions", format="D", array=eruptions),
    fits.Column(name="waiting", format="D", array=waiting),
])
fits.HDUList([fits.PrimaryHDU(), good]).writeto(out / "faithful.fits", overwrite=True)

# mixed: a text column, a vector column, an integer column with TNULL, a float32 with NaN,
# a logical column
n = 4
mixed = table([
    fits.Column(name="name", format="8A", array=np.array(["a", "b", "c", "d"])),
    fits.Column(name="vec", format="3D", array=np.arange(3 * n, dtype=np.float64).reshape(n, 3)),
    fits.Column(name="count", format="I", null=-1, array=np.array([3, -1, 5, 6], dtype=np.int16)),
    fits.Column(name="flux", format="E", array=np.array([1.5, 2.5, np.nan, 4.0], dtype=np.float32)),
    fits.Column(name="flag", format="L", array=np.array([True, False, True, True])),
    fits.Column(name="y", format="D", array=np.array([0.1, 0.2, 0.3, 0.5])),
])
fits.HDUList([fits.PrimaryHDU(), mixed]).writeto(out / "mixed.fits", overwrite=True)

# no binary table: an image only
fits.PrimaryHDU(np.zeros((4, 4), dtype=np.float32)).writeto(out / "image_only.fits", overwrite=True)

# truncated: the good file cut inside its table data
data = (out / "faithful.fits").read_bytes()
(out / "truncated.fits").write_bytes(data[: 2880 * 2 + 1000])

# tile-compressed table (astropy >= 6.1 writes CompImageHDU for images only; write a table
# header by hand that declares ZTABLE, which is what funpack-compressed tables carry)
hdr = good.header.copy()
hdr["ZTABLE"] = True
fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU(data=good.data, header=hdr)]).writeto(
    out / "compressed.fits", overwrite=True
)

# --- Parquet (pyarrow) ---
import pyarrow as pa
import pyarrow.parquet as pq

faithful = pa.table({
    "rownames": pa.array(rownames, pa.int32()),
    "eruptions": pa.array(eruptions, pa.float64()),
    "waiting": pa.array(waiting, pa.float64()),
})
pq.write_table(faithful, out / "faithful.parquet")  # pyarrow's default: snappy

# mixed: numeric columns of every kind (nulls, a NaN, unsigned beyond i32, booleans, decimals)
# next to text, list, struct and timestamp columns; zstd, two rows per row group
from decimal import Decimal
import datetime

mixed = pa.table({
    "name": pa.array(["a", "b", "c", "d"]),
    "vec": pa.array([[1.0, 2.0], [3.0], [], [4.0, 5.0]], pa.list_(pa.float64())),
    "point": pa.array([{"u": 1, "v": 2}] * 4, pa.struct([("u", pa.int32()), ("v", pa.int32())])),
    "when": pa.array([datetime.datetime(2020, 1, d) for d in range(1, 5)], pa.timestamp("us")),
    "count": pa.array([3, None, 5, 6], pa.int16()),
    "flux": pa.array([1.5, 2.5, float("nan"), 4.0], pa.float32()),
    "big": pa.array([1, 2, 3, 4_000_000_000], pa.uint32()),
    "flag": pa.array([True, False, False, True]),
    "price": pa.array([Decimal("1.25"), Decimal("2.50"), Decimal("-3.75"), Decimal("4.00")],
                      pa.decimal128(9, 2)),
    "y": pa.array([0.1, 0.2, 0.3, 0.5], pa.float64()),
})
pq.write_table(mixed, out / "mixed.parquet", compression="zstd", row_group_size=2)

# every codec this reader decodes, one per column, on the same values
codecs = ["none", "snappy", "gzip", "lz4", "zstd"]
pq.write_table(
    pa.table({c: pa.array(waiting, pa.float64()) for c in codecs}),
    out / "codecs.parquet",
    compression={c: c for c in codecs},
)

# brotli: a codec this reader leaves out (its crate is the slowest to build)
pq.write_table(faithful, out / "brotli.parquet", compression="brotli")

# truncated: the good file cut in the middle, footer lost
data = (out / "faithful.parquet").read_bytes()
(out / "truncated.parquet").write_bytes(data[: len(data) // 2])

print("wrote", sorted(p.name for p in out.iterdir()))
