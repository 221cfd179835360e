#!/usr/bin/env python3
"""Writes the small FITS test files in datasets/formats/ (needs numpy and astropy).

    python -m venv target/pyenv && target/pyenv/bin/pip install astropy
    target/pyenv/bin/python scripts/make_format_fixtures.py

faithful.fits holds the same numbers as datasets/faithful.csv (so `describe --json` must print
the same summary for both); the others are the bad files the reader must reject with a clear
message.
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

# mixed: a text column, a vector column, an integer column with TNULL, a float32 with NaN
n = 4
mixed = table([
    fits.Column(name="name", format="8A", array=np.array(["a", "b", "c", "d"])),
    fits.Column(name="vec", format="3D", array=np.arange(3 * n, dtype=np.float64).reshape(n, 3)),
    fits.Column(name="count", format="I", null=-1, array=np.array([3, -1, 5, 6], dtype=np.int16)),
    fits.Column(name="flux", format="E", array=np.array([1.5, 2.5, np.nan, 4.0], dtype=np.float32)),
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
print("wrote", sorted(p.name for p in out.iterdir()))
