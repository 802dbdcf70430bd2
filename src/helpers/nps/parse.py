"""Splitting one raw file into rows and fields: a fast path (pyarrow.csv) and a slow path (csv module).

* Fast path: the raw bytes are split into fields by pyarrow.csv (multithreaded; delimiters,
  quotes and line ends are ASCII and never part of a multibyte cp949 character), ASCII columns
  are taken as they are and only the distinct values of the other columns are decoded.
* Line numbers: 1 is the header. On the fast path (no field holds a line break, no blank or
  malformed line) row *i* (0-based) is on line *i* + 2; any other file is read by the `csv`
  module, which gives the physical line where each record starts.
"""

from __future__ import annotations

import csv
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from helpers.errors import UserError
from helpers.nps.columns import _THREADS, _first_occurrence_mask
from helpers.nps.decode import _decode, _decode_column, _SlowPath
from helpers.nps.header import VINTAGE_CURRENT, _check_header
from helpers.schema import NPS_COLUMNS

_BLOCK_SIZE = 4 << 20  # bytes per parse block (pyarrow parses blocks in parallel)


@dataclass
class _Rows:
    """Every parsed row of one file (duplicates included), 22 columns named by NPS_COLUMNS, each
    UTF-8 string or dictionary<string>; rows with the wrong number of fields are all-null."""

    table: pa.Table
    undecodable: int
    line_of: object  # row index → physical line number where the row starts
    raw_of: object  # row index → raw row text (decoded)
    duplicate: np.ndarray | None = None  # exact-duplicate mask when the reader already knows it
    wrong_width: dict[int, int] = field(default_factory=dict)  # row index → its number of fields
    header_width: int = len(NPS_COLUMNS)
    vintage: str = VINTAGE_CURRENT


def _parse_fast(data: bytes, codec: str, file: str, count_lines=None) -> _Rows:
    """pyarrow.csv over the raw bytes: delimiters, quotes and line ends are ASCII and never part of a
    multibyte cp949 character, so the bytes are split into fields first and only the distinct values
    of non-ASCII columns are decoded afterwards."""
    end = data.find(b"\n")
    header_line = data[: end if end >= 0 else len(data)].rstrip(b"\r")
    header = next(csv.reader([_decode(header_line, codec)[0]]))
    positions, vintage = _check_header(header, file)
    names = [f"c{i}" for i in range(len(header))]
    wanted = [names[p] for p in positions]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=_BLOCK_SIZE),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.binary() for c in names},
                                                 include_columns=wanted),
        )
    except pa.ArrowInvalid as e:
        raise _SlowPath from e
    newlines = count_lines() if count_lines else data.count(b"\n")
    if table.num_rows != newlines + (0 if data.endswith(b"\n") else 1) - 1:  # data lines after the header
        raise _SlowPath  # line breaks inside fields, or blank lines
    # Columns are independent and Arrow kernels release the GIL: decode them on two threads.
    with ThreadPoolExecutor(max_workers=_THREADS) as pool:
        decoded = list(pool.map(lambda col: _decode_column(col, codec), [table.column(c) for c in wanted]))
    del table
    cols = [arr for arr, _ in decoded]
    bad = sum(b for _, b in decoded)
    lines: list[bytes] = []

    def raw_of(i: int) -> str:
        if not lines:  # only when some row is rejected
            lines.extend(data.split(b"\n"))
        return lines[i + 1].rstrip(b"\r").decode(codec, "replace")

    return _Rows(pa.table(cols, names=list(NPS_COLUMNS)), bad, line_of=lambda i: int(i) + 2, raw_of=raw_of,
                 vintage=vintage)


def _parse_slow(data: bytes, codec: str, file: str) -> _Rows:
    """The csv module over the decoded text: handles line breaks inside quoted fields, blank lines and
    rows with the wrong number of fields."""
    text, spans = _decode(data, codec)
    if text.startswith("\ufeff"):
        text = text[1:]
    phys = list(io.StringIO(text, newline=""))
    reader = csv.reader(iter(phys))
    header = next(reader, None)
    if header is None:
        raise UserError(f"파일 {file} 이(가) 비어 있습니다 (머리글이 없습니다).")
    positions, vintage = _check_header(header, file)
    width = len(header)
    records, starts, ends = [], [], []
    prev = reader.line_num
    for rec in reader:
        if rec:
            records.append(tuple(rec))
            starts.append(prev + 1)
            ends.append(reader.line_num)
        prev = reader.line_num
    keep = _first_occurrence_mask(records)
    cols = [pa.array([r[p] if len(r) == width else None for r in records], pa.string()) for p in positions]
    return _Rows(pa.table(cols, names=list(NPS_COLUMNS)), sum(e - s for s, e in spans),
                 line_of=lambda i: starts[i],
                 raw_of=lambda i: "".join(phys[starts[i] - 1: ends[i]]).rstrip("\r\n"),
                 duplicate=np.zeros(len(records), bool) if keep is None else ~keep,
                 wrong_width={i: len(r) for i, r in enumerate(records) if len(r) != width},
                 header_width=width, vintage=vintage)
