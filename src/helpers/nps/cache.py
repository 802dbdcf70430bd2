"""The cache on disk: its folder, its files, and reading months back (`load_months`).

* `<cache_dir>/months/YYYY-MM.parquet` (zstd, exactly the `CACHE_COLUMNS`, repeated strings
  dictionary-encoded), one per month; its metadata names the raw file (name, sha256) it came
  from. `load_months` returns the `CACHE_COLUMNS` dtypes.
* `<cache_dir>/state.json`: per raw file size, mtime, sha256, its report and rows per month.
* `<cache_dir>/quarantine.csv` (UTF-8 with BOM for Excel): file, line, reason, raw row, for every
  current raw file (pieces kept per file under `<cache_dir>/quarantine/`).
* Every write is atomic (temporary file, then `os.replace`); raw files are only ever read.

Cache location (`cache_dir_for`): one cache per raw folder, `<cache_root>/<folder>-<sha1(abs path)[:8]>`,
so demo and real data never mix; the state also records the raw folder, and a cache built from
another folder, or by another cache version, is rebuilt from scratch.

What goes into the cache, and when, is decided by `pipeline.ingest`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from helpers.codes import crosswalk
from helpers.errors import UserError
from helpers.files import atomic_path, write_atomic
from helpers.nps.transform import CACHE_SCHEMA, _to_pandas
from helpers.nps.validate import plausibility_limits
from helpers.schema import CACHE_COLUMNS

CACHE_VERSION = 2  # 2: state records the code crosswalk and each file's vintage and unknown sido codes


def _write_parquet(table: pa.Table, path: Path, meta: dict[str, str] | None = None) -> None:
    """zstd Parquet, written atomically, with `meta` as key-value metadata.

    Statistics only where a filter may use them (string min/max of 600,000 names cost more than the
    compression). No stored Arrow schema: dictionary-encoded columns are read back as plain strings,
    and `load_months` applies the cache dtypes."""
    stats = [c for c in ("month", "sido_code", "sigungu_code", "status") if c in table.column_names]
    with atomic_path(path) as tmp, pq.ParquetWriter(tmp, table.schema, compression="zstd", store_schema=False,
                                                    write_statistics=stats or False) as writer:
        writer.write_table(table)
        if meta:
            writer.add_key_value_metadata(meta)


def _parquet_source(path: Path) -> str | None:
    """sha256 of the raw file a cached month came from (from its Parquet metadata)."""
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException):
        return None
    v = meta.get(b"source_sha256")
    return v.decode() if v else None


def cache_dir_for(raw_dir: str | os.PathLike, cache_root: str | os.PathLike | None = None) -> Path:
    """The cache folder of one raw folder: `<cache_root>/<folder>-<sha1(abs path)[:8]>`.

    `cache_root` defaults to params `paths.cache_dir`. Demo and real data thus never share a cache.
    """
    from helpers.params import resolve_path

    raw = Path(raw_dir).resolve()
    root = Path(cache_root) if cache_root is not None else resolve_path(None, "cache_dir")
    slug = re.sub(r"[^A-Za-z0-9_]+", "_", f"{raw.parent.name}-{raw.name}").strip("_") or "raw"
    return root / f"{slug[:40]}-{hashlib.sha1(str(raw).encode('utf-8')).hexdigest()[:8]}"


def _load_state(cache_dir: Path, raw_dir: Path) -> dict:
    """The cache's state, or a fresh one when the cache was built from another folder, by another cache
    version, with another code crosswalk (a row added to params/code_changes.csv re-codes every month) or
    other plausibility limits (they decide which rows are quarantined)."""
    fresh = {"version": CACHE_VERSION, "raw_dir": str(raw_dir), "files": {}}
    try:
        state = json.loads((cache_dir / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return fresh
    if (state.get("version") != CACHE_VERSION or state.get("raw_dir") != str(raw_dir)
            or state.get("crosswalk") != crosswalk().digest or state.get("plausibility") != plausibility_limits()):
        return fresh
    return state


def _quarantine_piece(file: str, sha256: str) -> str:
    """Rejected rows of one raw file are kept per (content, name): copies keep their own file name."""
    return f"{sha256[:16]}-{hashlib.sha1(file.encode('utf-8')).hexdigest()[:8]}.parquet"


def _save_state(cache_dir: Path, raw_dir: Path, files: dict[str, dict], months: dict[str, dict]) -> None:
    """Write state.json: the raw folder, the code crosswalk, every raw file's entry and every month's source."""
    state = {"version": CACHE_VERSION, "raw_dir": str(raw_dir), "crosswalk": crosswalk().digest,
             "plausibility": plausibility_limits(), "files": files, "months": months}
    write_atomic(cache_dir / "state.json",
                 json.dumps(state, ensure_ascii=False, indent=1).encode("utf-8"))


def _write_quarantine_csv(cache_dir: Path, quarantine: pa.Table) -> None:
    """quarantine.csv: UTF-8 with BOM (for Excel), CRLF line ends."""
    write_atomic(cache_dir / "quarantine.csv",
                 quarantine.to_pandas().to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))


def available_months(cache_dir: str | os.PathLike) -> list[str]:
    """Months (YYYY-MM) present in the cache, sorted."""
    d = Path(cache_dir) / "months"
    if not d.is_dir():
        return []
    return sorted(p.stem for p in d.glob("*.parquet") if re.fullmatch(r"[0-9]{4}-[0-9]{2}", p.stem))


def load_months(cache_dir: str | os.PathLike, months: list[str] | None = None,
                columns: list[str] | None = None) -> pd.DataFrame:
    """Cached months concatenated into one DataFrame with the `CACHE_COLUMNS` dtypes.

    `months=None` loads every cached month; `columns=None` every cache column.
    """
    have = available_months(cache_dir)
    months = have if months is None else list(months)
    absent = [m for m in months if m not in have]
    if absent:
        raise UserError(f"캐시에 {', '.join(absent)} 월 자료가 없습니다. 먼저 `python -m helpers ingest` 를 "
                        "실행하거나 해당 월 파일을 원자료 폴더에 넣으세요.")
    unknown = [c for c in (columns or []) if c not in CACHE_COLUMNS]
    if unknown:
        raise UserError(f"캐시에 없는 열입니다: {', '.join(unknown)}")
    cols = list(columns) if columns is not None else list(CACHE_COLUMNS)
    tables = [pq.read_table(Path(cache_dir) / "months" / f"{m}.parquet", columns=cols) for m in months]
    if not tables:
        return _to_pandas(CACHE_SCHEMA.empty_table().select(cols))
    table = pa.concat_tables(tables).replace_schema_metadata(None)
    return _to_pandas(table)
