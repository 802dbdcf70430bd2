"""Reading one raw file (`read_month_file`): decode, parse, validate, deduplicate, transform.

* Any CSV of the portal format, whatever its name. Encoding and undecodable bytes: `decode`;
  header and vintages: `header`; rows and line numbers: `parse`; checks and duplicates:
  `validate`; the cache table: `transform`.
* A bad row goes to the quarantine with the file name, its line and a Korean reason. Per file
  `read = accepted + rejected + duplicates`.
* The month of a row is its `자료생성년월`, never the file name; a file may hold several months.
* Rows whose current sido code no province has (a code change missing from
  `params/code_changes.csv`) are kept and counted per file (`unknown_sido`) with a warning.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.codes import crosswalk
from helpers.errors import UserError
from helpers.nps.columns import _Columns, _plain
from helpers.nps.decode import _ENCODING_LABEL, _detect_encoding, _SlowPath
from helpers.nps.header import VINTAGE_LEGACY, _expand_compact_dates
from helpers.nps.parse import _parse_fast, _parse_slow, _Rows
from helpers.nps.summary import FileReport
from helpers.nps.transform import _to_cache, _to_pandas
from helpers.nps.validate import _REPEATED, _duplicates, _validate


@dataclass
class _FileRead:
    table: pa.Table  # CACHE_SCHEMA, accepted rows of every month in the file
    report: FileReport
    quarantine: pa.Table


_QUARANTINE_SCHEMA = pa.schema([("file", pa.string()), ("line", pa.int64()), ("reason", pa.string()),
                                ("raw", pa.string())])


def _refuse_other_formats(data: bytes, file: str) -> None:
    """A file named .csv that is something else gets a Korean UserError saying what it is and what to do."""
    if data.startswith(b"PK\x03\x04"):
        raise UserError(f"파일 {file} 은(는) 이름은 .csv 이지만 엑셀(XLSX) 통합문서입니다. 엑셀에서 "
                        "'CSV (쉼표로 분리)' 로 다시 저장하거나 포털에서 받은 CSV 원본을 넣으세요.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserError(f"파일 {file} 은(는) UTF-16 으로 저장되어 있습니다. UTF-8 또는 cp949(ANSI) CSV 로 다시 저장하세요.")
    head = data[:1 << 16]
    if b"\r" in head and b"\n" not in head:
        raise UserError(f"파일 {file} 의 줄바꿈이 CR 뿐입니다(옛 맥 형식). CRLF 또는 LF 줄바꿈의 CSV 로 다시 저장하세요.")


def _read(path: Path, file: str) -> _FileRead:
    """Read raw file `path` (named `file` in reports): its cache table, report and quarantine."""
    data = path.read_bytes()
    _refuse_other_formats(data, file)
    box: dict[str, object] = {}

    def hash_and_count() -> None:  # hashlib and numpy release the GIL: runs beside the parse
        box["sha256"] = hashlib.sha256(data).hexdigest()
        view = np.frombuffer(data, dtype=np.uint8)
        box["newlines"] = sum(int(np.count_nonzero(view[i:i + (16 << 20)] == 10))
                              for i in range(0, len(view), 16 << 20))

    hasher = threading.Thread(target=hash_and_count)
    hasher.start()

    def count_lines() -> int:
        hasher.join()
        return int(box["newlines"])

    try:
        if not data or data.isspace():
            raise UserError(f"파일 {file} 이(가) 비어 있습니다 (머리글이 없습니다).")
        codec, label = _detect_encoding(data)
        try:
            rows = _parse_fast(data, codec, file, count_lines)
        except _SlowPath:
            rows = _parse_slow(data, codec, file)
        if rows.vintage == VINTAGE_LEGACY:
            rows.table = _expand_compact_dates(rows.table)
        c = _Columns(rows.table)
        c.encode(_REPEATED)
        n = rows.table.num_rows
        bad, failed = _validate(c)
        for i in rows.wrong_width:
            bad[i] = True
        dup = rows.duplicate if rows.duplicate is not None else _duplicates(c)
        rejected = bad & ~dup
        quarantine = _quarantine(file, rows, failed, rejected)
        table = _to_cache(c, ~bad & ~dup)
    finally:
        hasher.join()
    counts = pc.value_counts(table.column("month")).to_pylist() if table.num_rows else []
    month_rows = dict(sorted((d["values"], int(d["counts"])) for d in counts))
    sidos = pc.value_counts(_plain(table.column("sido_code"))).to_pylist() if table.num_rows else []
    current = crosswalk().current
    unknown = {d["values"]: int(d["counts"]) for d in sidos if d["values"] not in current}
    report = FileReport(
        file=file, months=list(month_rows), encoding=_ENCODING_LABEL[label], read=n,
        accepted=table.num_rows, rejected=int(rejected.sum()), duplicates=int(dup.sum()),
        undecodable_bytes=rows.undecodable, month_rows=month_rows, sha256=str(box["sha256"]),
        use="사용" if month_rows else "자료 없음", vintage=rows.vintage, unknown_sido=dict(sorted(unknown.items())),
    )
    return _FileRead(table, report, quarantine)


def _quarantine(file: str, rows: _Rows, failed: list[tuple[np.ndarray, str, pa.Array]],
                rejected: np.ndarray) -> pa.Table:
    """The rejected rows: file, line, Korean reason(s) and raw text."""
    reasons: dict[int, list[str]] = {}
    for mask, reason, values in failed:
        for i in np.flatnonzero(mask & rejected):
            if int(i) not in rows.wrong_width:
                reasons.setdefault(int(i), []).append(reason.format(v=values[int(i)].as_py()))
    for i, width in rows.wrong_width.items():
        reasons[i] = [f"필드 개수가 {width}개임 (머리글은 {rows.header_width}개)"]
    q_rows = [{"file": file, "line": rows.line_of(int(i)), "reason": "; ".join(reasons[int(i)]),
               "raw": rows.raw_of(int(i))} for i in np.flatnonzero(rejected)]
    return pa.Table.from_pylist(q_rows, schema=_QUARANTINE_SCHEMA)


def read_month_file(path: str | os.PathLike) -> tuple[pd.DataFrame, FileReport]:
    """Read one raw file of the portal format (any name, any number of months).

    Returns the accepted rows as a DataFrame in the cache schema (`schema.CACHE_COLUMNS`, code
    crosswalk applied, all months of the file) and its `FileReport`, whose `quarantine` holds the
    rejected rows (file, line, reason, raw). Raises `UserError` when the header lacks a column.
    """
    path = Path(path)
    r = _read(path, path.name)
    r.report.quarantine = r.quarantine.to_pandas()
    return _to_pandas(r.table), r.report
