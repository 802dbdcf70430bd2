"""NPS monthly workplace files (국민연금 가입 사업장 내역): read, validate, cache.

Extract + transform for the one raw source (PUDL-style): the file's quirks are handled here, once,
and every later step reads the typed monthly cache described by `schema.CACHE_COLUMNS`.

Reading one file (`read_month_file`)
    * Any CSV of the portal format, whatever its name. Encoding: a UTF-8 BOM means UTF-8; else a
      header that decodes as UTF-8 means UTF-8; else cp949 (the portal's encoding).
    * Bytes that do not decode are replaced by U+FFFD and counted per file, over every field of
      every row read (duplicates included); the row is kept.
    * The header must hold all 22 columns of `schema.NPS_COLUMNS` (any order; extra columns are
      ignored); otherwise `UserError` naming the file, the missing columns and similar ones.
    * Exact duplicate rows (all 22 fields equal) are dropped and counted, the first one kept; the
      other rows are validated (month YYYY-MM, counts as integers ≥ 0, status and legal form 1/2,
      10-digit legal-dong code, dates YYYY-MM-DD or empty) and a bad row goes to the quarantine
      with the file name, its line and a Korean reason. Per file `read = accepted + rejected +
      duplicates`.
    * The month of a row is its `자료생성년월`, never the file name; a file may hold several months.
    * Older files (published up to about 2019) pack the Korean name, an English code and a type into
      each header cell (`가입자수 JNNGP_CNT INTEGER`) and write months as YYYYMM and dates as YYYYMMDD:
      the columns are found by their leading Korean name (the English code is a cross-check) and the
      dates are rewritten, so both vintages give the same cache.
    * Rows whose current sido code no province has (a code change missing from
      `params/code_changes.csv`) are kept and counted per file (`unknown_sido`) with a warning.
    * Line numbers: 1 is the header. On the fast path (no field holds a line break, no blank or
      malformed line) row *i* (0-based) is on line *i* + 2; any other file is read by the `csv`
      module, which gives the physical line where each record starts.
    * Fast path: the raw bytes are split into fields by pyarrow.csv (multithreaded; delimiters,
      quotes and line ends are ASCII and never part of a multibyte cp949 character), ASCII columns
      are taken as they are and only the distinct values of the other columns are decoded.
      Repeated columns are checked and transformed once per distinct value.

Caching (`ingest`)
    * `<cache_dir>/months/YYYY-MM.parquet` (zstd, exactly the `CACHE_COLUMNS`, repeated strings
      dictionary-encoded), one per month; its metadata names the raw file (name, sha256) it came
      from. `load_months` returns the `CACHE_COLUMNS` dtypes.
    * `<cache_dir>/state.json`: per raw file size, mtime, sha256, its report and rows per month.
      A file whose size and mtime are unchanged is trusted; otherwise it is hashed, and only when the
      hash changed is it read again. Only months whose cached file does not come from their
      (possibly new) source file are rewritten.
    * `<cache_dir>/quarantine.csv` (UTF-8 with BOM for Excel): file, line, reason, raw row, for every
      current raw file (pieces kept per file under `<cache_dir>/quarantine/`).
    * Every write is atomic (temporary file, then `os.replace`); raw files are only ever read.

Same month in several files (never double-counted): for each month the file with the most accepted
rows of that month is used (a cut-off download loses); ties go to the later upload date in the file
name (`..._YYYYMMDD.csv`: a re-publication corrects the earlier one), then to the name that sorts first. Every other file holding
that month is reported as excluded for it ("사본" when its bytes are identical to the used file).
A file holding several months is split; the rule applies month by month.

Cache location (`cache_dir_for`): one cache per raw folder, `<cache_root>/<folder>-<sha1(abs path)[:8]>`,
so demo and real data never mix; the state also records the raw folder, and a cache built from
another folder, or by another cache version, is rebuilt from scratch.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import json
import os
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from helpers.codes import crosswalk
from helpers.errors import UserError
from helpers.files import atomic_path, sha256_file, write_atomic
from helpers.periods import missing_months, month_range
from helpers.schema import CACHE_COLUMNS, NPS_COLUMNS, RENAME

VINTAGE_CURRENT, VINTAGE_LEGACY = "현행", "구형(2019년 이전)"  # header forms of the portal file
CACHE_VERSION = 2  # 2: state records the code crosswalk and each file's vintage and unknown sido codes
SYNTHETIC_MARKER = "SYNTHETIC.txt"

# Arrow types of the cached columns (pandas dtypes of `CACHE_COLUMNS` after `load_months`).
_ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int8": pa.int8(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "category": pa.dictionary(pa.int32(), pa.string()),
    "datetime64[s]": pa.timestamp("s"),
}
CACHE_SCHEMA = pa.schema([(c, _ARROW_TYPES[dt]) for c, (dt, _) in CACHE_COLUMNS.items()])

_MONTH_RE = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_COUNT_FIELDS = {  # source column → (arrow type, max digits that surely fit)
    "가입자수": (pa.int32(), 9),
    "당월고지금액": (pa.int64(), 18),
    "신규취득자수": (pa.int32(), 9),
    "상실가입자수": (pa.int32(), 9),
}
_DATE_FIELDS = ("적용일자", "재등록일자", "탈퇴일자")
_THREADS = 2  # worker threads for independent column work
_BLOCK_SIZE = 4 << 20  # bytes per parse block (pyarrow parses blocks in parallel)
_ENCODING_LABEL = {"cp949": "cp949", "utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)"}


# ---------------------------------------------------------------------------------------------
# Reports


@dataclass
class FileReport:
    """What reading one raw file gave. `read = accepted + rejected + duplicates` (rows, header excluded).

    `status`: 새로 읽음 (read this run), 변경 없음 (unchanged since the last run, not read),
    다시 읽음 (unchanged, read again to rebuild a month). `use`: 사용 / 일부 제외 / 제외 (its months
    are taken from another file, see `excluded_months` and `note`) / 자료 없음.
    """

    file: str
    months: list[str]
    encoding: str
    read: int
    accepted: int
    rejected: int
    duplicates: int
    undecodable_bytes: int
    status: str = "새로 읽음"
    use: str = "사용"
    excluded_months: list[str] = field(default_factory=list)
    month_rows: dict[str, int] = field(default_factory=dict)
    sha256: str = ""
    note: str = ""
    vintage: str = VINTAGE_CURRENT
    unknown_sido: dict[str, int] = field(default_factory=dict)  # sido code no province has → accepted rows
    quarantine: pd.DataFrame | None = field(default=None, repr=False, compare=False)

    @property
    def reconciles(self) -> bool:
        return self.read == self.accepted + self.rejected + self.duplicates

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("quarantine")
        return d


@dataclass
class IngestSummary:
    """Result of `ingest`: one `FileReport` per raw file, the cached months and the gaps between them."""

    raw_dir: Path
    cache_dir: Path
    files: list[FileReport]
    months: list[str]
    missing_months: list[str]
    month_sources: dict[str, str]
    rebuilt_months: list[str]
    removed_files: list[str]
    synthetic: bool
    quarantined: int

    def to_frame(self) -> pd.DataFrame:
        """One row per raw file (the data-quality table)."""
        cols = ["file", "months", "encoding", "vintage", "read", "accepted", "rejected", "duplicates",
                "undecodable_bytes", "unknown_sido_rows", "status", "use", "excluded_months", "note"]
        rows = []
        for r in self.files:
            d = r.to_dict()
            d["months"] = ", ".join(r.months)
            d["excluded_months"] = ", ".join(r.excluded_months)
            d["unknown_sido_rows"] = sum(r.unknown_sido.values())
            rows.append({c: d[c] for c in cols})
        return pd.DataFrame(rows, columns=cols)

    def warnings(self) -> list[str]:
        """Korean warnings about the data (lines starting with '  ! ')."""
        out = []
        for r in self.files:
            if r.unknown_sido and r.use != "제외":
                codes_text = ", ".join(f"{c} ({n:,}행)" for c, n in r.unknown_sido.items())
                out.append(f"  ! {r.file}: 현행 시도에 없는 시도코드 {codes_text} — 이 행들은 어느 시도·밀집지역에도 "
                           "들어가지 않습니다. 행정구역이 바뀌었다면 params/code_changes.csv 에 변경을 한 행 더하세요.")
        return out

    def render(self) -> str:
        """Korean text summary for the terminal and notebooks."""
        out = []
        if self.synthetic:
            out.append("※ 합성(가상) 자료입니다. 실제 국민연금 자료가 아닙니다.")
        out.append(f"원자료 폴더: {self.raw_dir}")
        out.append(f"캐시 폴더: {self.cache_dir}")
        out.append(f"파일 {len(self.files)}개")
        for r in self.files:
            months = _month_span_text(r.months) or "-"
            line = (f"  · {r.file} [{r.status}, {r.use}] 월 {months}, 인코딩 {r.encoding}: "
                    f"읽은 행 {r.read:,} = 정상 {r.accepted:,} + 격리 {r.rejected:,} + 중복 {r.duplicates:,}")
            if r.undecodable_bytes:
                line += f", 해독 불가 바이트 {r.undecodable_bytes:,}"
            if r.vintage != VINTAGE_CURRENT:
                line += f", 머리글 {r.vintage}"
            out.append(line)
            if r.note:
                out.append(f"      {r.note}")
        out.extend(self.warnings())
        for f in self.removed_files:
            out.append(f"  · {f} [삭제됨] 캐시에서 뺐습니다.")
        if self.months:
            out.append(f"캐시된 월: {_month_span_text(self.months)} ({len(self.months)}개월)")
        else:
            out.append("캐시된 월이 없습니다.")
        for m in self.missing_months:
            out.append(f"  ! {m} 월 파일이 없습니다.")
        if self.rebuilt_months:
            out.append(f"이번에 다시 만든 월: {_month_span_text(self.rebuilt_months)}")
        elif all(r.status == "변경 없음" for r in self.files) and not self.removed_files:
            out.append("바뀐 파일이 없어 캐시를 그대로 썼습니다.")
        if self.quarantined:
            out.append(f"격리된 행 {self.quarantined:,}개: {self.cache_dir / 'quarantine.csv'}")
        return "\n".join(out)


def _month_span_text(months: list[str]) -> str:
    if not months:
        return ""
    if len(months) > 3 and months == month_range(months[0], months[-1]):
        return f"{months[0]} ~ {months[-1]}"
    return ", ".join(months)


# ---------------------------------------------------------------------------------------------
# Decoding


_tls = threading.local()


def _counting_handler(exc: UnicodeError):
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    _tls.spans.append((exc.start, exc.end))
    return "\ufffd", exc.end


codecs.register_error("helpers.nps.count", _counting_handler)


def _decode(buf, codec: str) -> tuple[str, list[tuple[int, int]]]:
    """Decode, replacing undecodable bytes by U+FFFD; returns the text and the byte spans replaced."""
    _tls.spans = spans = []
    return str(buf, codec, "helpers.nps.count"), spans


def _detect_encoding(data: bytes) -> tuple[str, str]:
    """(codec, label). The header line is Hangul, so it tells UTF-8 from cp949."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8", "utf-8-sig"
    end = data.find(b"\n")
    head = data[: end if end >= 0 else 4096]
    try:
        head.decode("utf-8")
        return "utf-8", "utf-8"
    except UnicodeDecodeError:
        return "cp949", "cp949"


def _has_high_bytes(arr: pa.Array) -> bool:
    """True when a binary array holds any byte ≥ 0x80 (i.e. anything that is not ASCII)."""
    data = arr.buffers()[2]
    if data is None or len(arr) == 0:
        return False
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)
    lo, hi = int(offsets[arr.offset]), int(offsets[arr.offset + len(arr)])
    if hi <= lo:
        return False
    return bool(np.frombuffer(data, dtype=np.uint8)[lo:hi].max() >= 0x80)


def _decode_column(arr: pa.ChunkedArray, codec: str) -> tuple[pa.Array | pa.ChunkedArray, int]:
    """Binary column → UTF-8 strings (dictionary-encoded when non-ASCII) + undecodable byte count.

    Only distinct values are decoded, joined by '\n' (never part of a multibyte character in cp949
    or UTF-8, and absent from values on the fast path); bad bytes are weighted by occurrences.
    """
    if len(arr) == 0:
        return pa.array([], pa.string()), 0
    if not any(_has_high_bytes(ch) for ch in arr.chunks):
        return arr.cast(pa.string()), 0  # ASCII: zero-copy
    enc = pc.dictionary_encode(arr)  # one dictionary shared by every chunk
    dic = enc.chunk(0).dictionary
    indices = pa.concat_arrays([ch.indices for ch in enc.chunks])
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array([0, len(dic)], pa.int32()), dic),
                            pa.scalar(b"\n", pa.binary()))
    text, spans = _decode(memoryview(joined[0].as_buffer()), codec)
    bad = 0
    if spans:
        lens = pc.binary_length(dic).to_numpy(zero_copy_only=False).astype(np.int64) + 1
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        pos = np.fromiter((s for s, _ in spans), np.int64, len(spans))
        width = np.fromiter((e - s for s, e in spans), np.int64, len(spans))
        per_value = np.bincount(np.searchsorted(starts, pos, side="right") - 1, weights=width,
                                minlength=len(dic))
        occurrences = np.bincount(indices.to_numpy(zero_copy_only=False), minlength=len(dic))
        bad = int(round(float(per_value @ occurrences)))
    values = pc.split_pattern(pa.array([text], pa.large_string()), "\n").flatten().cast(pa.string())
    if len(values) != len(dic):  # cannot happen for cp949/UTF-8; be safe rather than misalign rows
        raise _SlowPath
    return pa.DictionaryArray.from_arrays(indices, values), bad


class _SlowPath(Exception):
    """The fast reader cannot vouch for this file; read it with the csv module instead."""


# ---------------------------------------------------------------------------------------------
# Header


def _normalise(name: str) -> str:
    return re.sub(r"\s+", "", name)


# English column codes of the older header form (files published up to about 2019), from the public
# API; the cell's leading Korean name decides, the code is a cross-check where it is known.
LEGACY_CODES: dict[str, str] = {
    "자료생성년월": "DATA_CRT_YM", "사업장명": "WKPL_NM", "사업자등록번호": "BZOWR_RGST_NO",
    "사업장가입상태코드 1 등록 2 탈퇴": "WKPL_JNNG_STCD", "사업장도로명상세주소": "WKPL_ROAD_NM_DTL_ADDR",
    "법정동주소광역시도코드": "LDONG_ADDR_MGPL_DG_CD", "법정동주소광역시시군구코드": "LDONG_ADDR_MGPL_SGGU_CD",
    "법정동주소광역시시군구읍면동코드": "LDONG_ADDR_MGPL_SGGU_EMD_CD", "사업장형태구분코드 1 법인 2 개인": "WKPL_STYL_DVCD",
    "사업장업종코드": "WKPL_INTP_CD", "사업장업종코드명": "VLDT_VL_KRN_NM", "적용일자": "ADPT_DT", "탈퇴일자": "SCSN_DT",
    "가입자수": "JNNGP_CNT", "당월고지금액": "CRRMM_NTC_AMT", "신규취득자수": "NW_ACQZR_CNT", "상실가입자수": "LSS_JNNGP_CNT",
}
_ENGLISH_CODE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")


def _legacy_header(header: list[str], file: str) -> list[str] | None:
    """The older header form → the current column names, or None when `header` is not of that form.

    Each cell packs the Korean name, an English code and a type (`가입자수 JNNGP_CNT INTEGER`,
    `사업장가입상태코드 1:등록2:탈퇴 WKPL_JNNG_STCD VARCHAR(1)`); the leading Korean word names the column.
    """
    tokens = [h.split() for h in header]
    if not any(_ENGLISH_CODE.match(t) for cell in tokens for t in cell):
        return None
    by_lead = {c.split()[0]: c for c in NPS_COLUMNS}
    by_code = {v: k for k, v in LEGACY_CODES.items()}
    out = []
    for cell, parts in zip(header, tokens):
        col = by_lead.get(parts[0]) if parts else None
        code = next((t for t in parts if _ENGLISH_CODE.match(t)), None)
        if col is None:
            out.append(cell)  # unknown extra column: ignored like any extra column
            continue
        if code and code in by_code and by_code[code] != col:
            raise UserError(f"파일 {file} 의 머리글 '{cell}': 한글 이름은 '{col}' 인데 영문 코드 {code} 는 "
                            f"'{by_code[code]}' 의 코드입니다. 머리글을 확인하세요.")
        if code and col in LEGACY_CODES and code != LEGACY_CODES[col]:
            raise UserError(f"파일 {file} 의 머리글 '{cell}': '{col}' 의 영문 코드는 {LEGACY_CODES[col]} 이어야 "
                            f"하는데 {code} 입니다.")
        out.append(col)
    return out


def _check_header(header: list[str], file: str) -> tuple[list[int], str]:
    """Positions of the 22 required columns in `header` and the file's vintage (현행 or 구형), or a
    Korean UserError naming what is wrong."""
    header = [h.strip().lstrip("\ufeff").strip() for h in header]
    legacy = _legacy_header(header, file)
    vintage = VINTAGE_CURRENT if legacy is None else VINTAGE_LEGACY
    header = legacy or header
    pos: dict[str, int] = {}
    for i, h in enumerate(header):
        pos.setdefault(h, i)
    missing = [c for c in NPS_COLUMNS if c not in pos]
    if missing:
        extras = [h for h in header if h not in NPS_COLUMNS]
        parts = []
        for c in missing:
            similar = [h for h in extras if _normalise(h) == _normalise(c)]
            similar += [h for h in difflib.get_close_matches(c, extras, n=2, cutoff=0.6) if h not in similar]
            parts.append(f"{c} (비슷한 열: {', '.join(similar)})" if similar else c)
        raise UserError(f"파일 {file} 의 머리글에 필요한 열이 없습니다: {'; '.join(parts)}. "
                        "국민연금 가입 사업장 내역 파일의 22개 열 머리글이 그대로 있어야 합니다.")
    return [pos[c] for c in NPS_COLUMNS], vintage


# ---------------------------------------------------------------------------------------------
# Reading one file


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


_COMPACT_DATES = (("자료생성년월", r"^([0-9]{4})([0-9]{2})$", r"\1-\2"),
                  *((c, r"^([0-9]{4})([0-9]{2})([0-9]{2})$", r"\1-\2-\3") for c in ("적용일자", "재등록일자", "탈퇴일자")))


def _expand_compact_dates(table: pa.Table) -> pa.Table:
    """Older files write months as YYYYMM and dates as YYYYMMDD: rewrite them as YYYY-MM(-DD) (per
    distinct value) so that one validation and one cache serve both vintages."""
    for col, pattern, repl in _COMPACT_DATES:
        d = _dict(table.column(col))
        fixed = pc.replace_substring_regex(d.dictionary.cast(pa.string()), pattern, repl)
        table = table.set_column(table.column_names.index(col), col, pa.DictionaryArray.from_arrays(d.indices, fixed))
    return table


def _first_occurrence_mask(keys: list) -> np.ndarray | None:
    """Keep-mask of first occurrences of hashable keys, or None when all are distinct."""
    n = len(keys)
    firsts = dict(zip(reversed(keys), range(n - 1, -1, -1)))
    if len(firsts) == n:
        return None
    keep = np.zeros(n, dtype=bool)
    keep[np.fromiter(firsts.values(), np.int64, len(firsts))] = True
    return keep


def _plain(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A plain string array (dictionary arrays are expanded)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if pa.types.is_dictionary(arr.type):
        return arr.dictionary.take(arr.indices)
    return arr


def _dict(arr: pa.Array | pa.ChunkedArray) -> pa.DictionaryArray:
    """Dictionary-encoded view (values are checked and transformed once per distinct value)."""
    if isinstance(arr, pa.ChunkedArray):
        if arr.num_chunks == 1:
            arr = arr.chunk(0)
        elif arr.num_chunks == 0 or pa.types.is_dictionary(arr.type):
            arr = arr.combine_chunks()
        else:  # encode chunk by chunk: one shared dictionary, no copy of the values
            enc = pc.dictionary_encode(arr)
            return pa.DictionaryArray.from_arrays(pa.concat_arrays([ch.indices for ch in enc.chunks]),
                                                  enc.chunk(0).dictionary)
    return arr if pa.types.is_dictionary(arr.type) else pc.dictionary_encode(arr)


def _per_value(d: pa.DictionaryArray, fn) -> pa.Array:
    """fn applied to the distinct values of `d`, expanded back to one value per row."""
    return fn(d.dictionary).take(d.indices)


def _bools(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def _is_date(v: pa.Array) -> pa.Array:
    """'YYYY-MM-DD' naming a real day (strptime alone rolls 2024-02-30 over to 03-01)."""
    parsed = pc.strptime(v, format="%Y-%m-%d", unit="s", error_is_null=True)
    same_day = pc.equal(pc.utf8_lpad(pc.cast(pc.day(parsed), pa.string()), 2, "0"),
                        pc.utf8_slice_codeunits(v, 8, 10))
    return pc.fill_null(pc.and_(pc.match_substring_regex(v, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), same_day), False)


class _Columns:
    """The parsed columns, dictionary-encoded once where values repeat."""

    def __init__(self, t: pa.Table):
        self.t = t
        self.enc: dict[str, pa.DictionaryArray] = {}

    def d(self, col: str) -> pa.DictionaryArray:
        if col not in self.enc:
            self.enc[col] = _dict(self.t.column(col))
        return self.enc[col]

    def encode(self, cols: tuple[str, ...]) -> None:
        """Dictionary-encode several columns at once (two threads)."""
        todo = [col for col in cols if col not in self.enc]
        with ThreadPoolExecutor(max_workers=_THREADS) as pool:
            for col, d in zip(todo, pool.map(lambda col: _dict(self.t.column(col)), todo)):
                self.enc[col] = d

    def plain(self, col: str) -> pa.Array:
        return _plain(self.t.column(col))


def _validate(c: _Columns) -> tuple[np.ndarray, list[tuple[np.ndarray, str, pa.Array]]]:
    """Vectorised row checks (each on distinct values where values repeat).

    Returns the bad-row mask and the failed checks as (mask, reason template, values)."""
    n = c.t.num_rows
    failed: list[tuple[np.ndarray, str, pa.Array]] = []

    def check(ok_rows: pa.Array, reason: str, values: pa.Array) -> None:
        f = ~_bools(ok_rows)
        if f.any():
            failed.append((f, reason, values))

    def in_12(col: str) -> pa.Array:
        return _per_value(c.d(col), lambda v: pc.is_in(v, pa.array(["1", "2"])))

    month = "자료생성년월"
    check(_per_value(c.d(month), lambda v: pc.match_substring_regex(v, _MONTH_RE)),
          "자료생성년월이 YYYY-MM 형식이 아님: '{v}'", c.d(month))
    status = "사업장가입상태코드 1 등록 2 탈퇴"
    check(in_12(status), "사업장가입상태코드가 1(등록)·2(탈퇴)가 아님: '{v}'", c.d(status))
    form = "사업장형태구분코드 1 법인 2 개인"
    check(in_12(form), "사업장형태구분코드가 1(법인)·2(개인)가 아님: '{v}'", c.d(form))
    bjd = "고객법정동주소코드"
    check(_per_value(c.d(bjd), lambda v: pc.match_substring_regex(v, r"^[0-9]{10}$")),
          "고객법정동주소코드가 10자리 숫자가 아님: '{v}'", c.d(bjd))
    for col in _DATE_FIELDS:
        check(_per_value(c.d(col), lambda v: pc.or_(pc.equal(v, ""), _is_date(v))),
              f"{col}을(를) 날짜(YYYY-MM-DD)로 읽을 수 없음: '{{v}}'", c.d(col))
    for col, (_, digits) in _COUNT_FIELDS.items():
        v = c.plain(col)
        length = pc.utf8_length(v)
        ok = pc.and_(pc.and_(pc.string_is_ascii(v), pc.utf8_is_digit(v)), pc.less_equal(length, digits))
        f = ~_bools(ok)
        if not f.any():
            continue
        neg = _bools(pc.match_substring_regex(v, r"^-[0-9]+$"))
        empty = _bools(pc.equal(length, 0))
        big = _bools(pc.and_(pc.string_is_ascii(v), pc.utf8_is_digit(v)))
        for mask, reason in ((f & neg, f"{col}이(가) 음수: {{v}}"), (f & empty, f"{col} 값이 없음"),
                             (f & big, f"{col} 값이 너무 큼: {{v}}"),
                             (f & ~neg & ~empty & ~big, f"{col}이(가) 0 이상의 정수가 아님: '{{v}}'")):
            if mask.any():
                failed.append((mask, reason, v))
    bad = np.zeros(n, dtype=bool)
    for mask, _, _ in failed:
        bad |= mask
    return bad, failed


def _duplicates(c: _Columns) -> np.ndarray:
    """Exact duplicate rows (every occurrence after the first).

    Rows that agree on a key built from columns already dictionary-encoded for validation (name,
    road address, legal-dong code, industry code, dates) are candidates; candidates are then
    compared on all 22 fields."""
    n = c.t.num_rows
    if n < 2:
        return np.zeros(n, dtype=bool)
    key = np.zeros(n, dtype=np.uint64)
    for col in _DUP_KEY:
        idx = c.d(col).indices.to_numpy(zero_copy_only=False).astype(np.uint64)
        key = (key ^ (idx + np.uint64(1))) * np.uint64(0x9E3779B97F4A7C15)
        key ^= key >> np.uint64(29)
    cand = pd.Series(key).duplicated(keep=False).to_numpy()
    dup = np.zeros(n, dtype=bool)
    if not cand.any():
        return dup
    pos = np.flatnonzero(cand)
    sub = c.t.take(pa.array(pos))
    rows = list(zip(*(_plain(sub.column(i)).to_pylist() for i in range(sub.num_columns))))
    keep = _first_occurrence_mask(rows)
    if keep is not None:
        dup[pos[~keep]] = True
    return dup


# Source columns whose values repeat: checked and transformed once per distinct value.
_REPEATED = ("자료생성년월", "사업장가입상태코드 1 등록 2 탈퇴", "사업장형태구분코드 1 법인 2 개인", "고객법정동주소코드",
             "사업장업종코드", "적용일자", "재등록일자", "탈퇴일자", "사업장도로명상세주소", "사업장업종코드명")
_DUP_KEY = ("사업장명", "사업장도로명상세주소", "고객법정동주소코드", "사업장업종코드", "적용일자", "탈퇴일자")


def _crosswalk(codes: pa.Array) -> pa.Array:
    """Current legal-dong codes (`codes.to_current`), computed only for codes a change touches."""
    cw = crosswalk()
    touched = None
    for ch in cw.changes:
        hit = pc.starts_with(codes, ch.old)
        touched = hit if touched is None else pc.or_(touched, hit)
    if touched is None or not pc.any(touched).as_py():
        return codes
    old = pc.unique(codes.filter(touched))
    new = pa.array([cw.to_current(x) for x in old.to_pylist()], pa.string())
    return pc.if_else(touched, new.take(pc.fill_null(pc.index_in(codes, value_set=old), 0)), codes)


def _recode(indices: pa.Array, values: pa.Array, typ: pa.DataType | None = None) -> pa.Array:
    """Rows `indices` of per-distinct-value `values`: plain values of type `typ` when given, else a
    dictionary array whose dictionary is made unique again (transformed values may coincide, e.g.
    42… and 51… both become 51…; the Parquet writer is much faster with a unique dictionary)."""
    if typ is not None:
        return pc.cast(values, typ).take(indices)
    enc = pc.dictionary_encode(pc.cast(values, pa.string()))
    return pa.DictionaryArray.from_arrays(enc.indices.take(indices), enc.dictionary)


def _to_cache(c: _Columns, keep: np.ndarray) -> pa.Table:
    """Accepted rows (`keep`) → the typed cache table (CACHE_SCHEMA), code crosswalk applied.

    Columns whose values repeat are transformed once per distinct value, then expanded."""
    sel = pa.array(keep)

    def kept_plain(col: str) -> pa.Array:
        return c.plain(col).filter(sel)

    def kept(col: str, fn=None, typ: pa.DataType | None = None) -> pa.Array:
        """Kept rows of a repeated column: a dictionary array of the (transformed) distinct values,
        or plain values when `typ` is given."""
        d = c.d(col)
        if fn is None:
            return _recode(d.indices.filter(sel), d.dictionary, typ)
        return _recode(d.indices.filter(sel), fn(d.dictionary), typ)

    def road_name(values: pa.Array) -> pa.Array:
        last = pc.replace_substring_regex(pc.utf8_trim_whitespace(values), r"^.*\s", "")
        return pc.if_else(pc.equal(last, ""), pa.scalar(None, pa.string()), last)

    def as_date(values: pa.Array) -> pa.Array:
        return pc.strptime(values, format="%Y-%m-%d", unit="s", error_is_null=True)

    bjd = "고객법정동주소코드"
    d_bjd = c.d(bjd)
    current = _crosswalk(d_bjd.dictionary)
    bjd_idx = d_bjd.indices.filter(sel)
    industry = c.d("사업장업종코드명")
    cols = {
        "month": kept("자료생성년월"),
        "name": kept("사업장명", typ=pa.string()),
        "bizno6": kept_plain("사업자등록번호"),
        "status": kept("사업장가입상태코드 1 등록 2 탈퇴", typ=pa.int8()),
        "road_address": kept("사업장도로명상세주소"),
        "road_name": kept("사업장도로명상세주소", road_name),
        "bjd_code_orig": _recode(bjd_idx, d_bjd.dictionary),
        "bjd_code": _recode(bjd_idx, current),
        "sido_code": _recode(bjd_idx, pc.utf8_slice_codeunits(current, 0, 2)),
        "sigungu_code": _recode(bjd_idx, pc.utf8_slice_codeunits(current, 0, 5)),
        "legal_form": kept("사업장형태구분코드 1 법인 2 개인", typ=pa.int8()),
        "industry_code": kept("사업장업종코드"),
        "industry_name": pa.DictionaryArray.from_arrays(industry.indices.filter(sel), industry.dictionary),
    }
    for col in _DATE_FIELDS:
        cols[RENAME[col]] = kept(col, as_date, pa.timestamp("s"))
    for col, (typ, _) in _COUNT_FIELDS.items():
        cols[RENAME[col]] = pc.cast(kept_plain(col), typ)
    # Repeated string columns stay dictionary-encoded: the Parquet writer then reuses the dictionary
    # instead of hashing 600,000 values again. Readers get plain strings (see `_write_parquet`).
    arrays = [cols[f.name] if pa.types.is_dictionary(cols[f.name].type) else pc.cast(cols[f.name], f.type)
              for f in CACHE_SCHEMA]
    return pa.Table.from_arrays(arrays, names=CACHE_SCHEMA.names)


@dataclass
class _FileRead:
    table: pa.Table  # CACHE_SCHEMA, accepted rows of every month in the file
    report: FileReport
    quarantine: pa.Table


_QUARANTINE_SCHEMA = pa.schema([("file", pa.string()), ("line", pa.int64()), ("reason", pa.string()),
                                ("raw", pa.string())])


def _read(path: Path, file: str) -> _FileRead:
    data = path.read_bytes()
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
        reasons: dict[int, list[str]] = {}
        for mask, reason, values in failed:
            for i in np.flatnonzero(mask & rejected):
                if int(i) not in rows.wrong_width:
                    reasons.setdefault(int(i), []).append(reason.format(v=values[int(i)].as_py()))
        for i, width in rows.wrong_width.items():
            reasons[i] = [f"필드 개수가 {width}개임 (머리글은 {rows.header_width}개)"]
        q_rows = [{"file": file, "line": rows.line_of(int(i)), "reason": "; ".join(reasons[int(i)]),
                   "raw": rows.raw_of(int(i))} for i in np.flatnonzero(rejected)]
        quarantine = pa.Table.from_pylist(q_rows, schema=_QUARANTINE_SCHEMA)
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


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    # Dictionaries built per distinct source value may repeat values (42… and 51… both become 51…):
    # expand them; pandas applies the categories of CACHE_COLUMNS itself.
    table = pa.table({n: _plain(col) if pa.types.is_dictionary(col.type) else col
                      for n, col in zip(table.column_names, table.columns)})
    df = table.to_pandas()
    return df.astype({c: dt for c, (dt, _) in CACHE_COLUMNS.items() if c in df.columns})


# ---------------------------------------------------------------------------------------------
# Cache


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


def raw_files(raw_dir: str | os.PathLike) -> list[Path]:
    """Every *.csv under `raw_dir` (any name, sub-folders included, hidden ones skipped), sorted."""
    raw_dir = Path(raw_dir)
    out = []
    for p in raw_dir.rglob("*"):
        rel = p.relative_to(raw_dir)
        if p.is_file() and p.suffix.lower() == ".csv" and not any(s.startswith(".") for s in rel.parts):
            out.append(p)
    return sorted(out, key=lambda p: p.relative_to(raw_dir).as_posix())


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
    version, or with another code crosswalk (a row added to params/code_changes.csv re-codes every month)."""
    fresh = {"version": CACHE_VERSION, "raw_dir": str(raw_dir), "files": {}}
    try:
        state = json.loads((cache_dir / "state.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return fresh
    if (state.get("version") != CACHE_VERSION or state.get("raw_dir") != str(raw_dir)
            or state.get("crosswalk") != crosswalk().digest):
        return fresh
    return state


def _quarantine_piece(file: str, sha256: str) -> str:
    """Rejected rows of one raw file are kept per (content, name): copies keep their own file name."""
    return f"{sha256[:16]}-{hashlib.sha1(file.encode('utf-8')).hexdigest()[:8]}.parquet"


def upload_date(file: str) -> str:
    """The upload date a portal file name carries (`..._20260930.csv` → '20260930'), '' when none."""
    found = re.findall(r"(?<![0-9])(20[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01]))(?![0-9])", Path(file).name)
    return found[-1] if found else ""


def _winner_order(file: str, rows: int) -> tuple[int, int, str]:
    """Which file supplies a month published more than once: the most accepted rows of that month (a
    cut-off download loses); on a tie the later upload date in the name (a re-publication corrects the
    earlier one), then the name."""
    return (-rows, -int(upload_date(file) or 0), file)


def ingest(raw_dir: str | os.PathLike, cache_dir: str | os.PathLike) -> IngestSummary:
    """Validate and cache every raw file of `raw_dir` into `cache_dir` (see the module docstring).

    Incremental: unchanged files (same size and mtime, or same sha256) are not read again and only
    the months they affect are rebuilt. Raises `UserError` when the folder has no CSV file or a
    file's header lacks a column.
    """
    raw_dir = Path(raw_dir).resolve()
    cache_dir = Path(cache_dir)
    paths = raw_files(raw_dir) if raw_dir.is_dir() else []
    if not paths:
        raise UserError(_no_files_message(raw_dir))
    months_dir = cache_dir / "months"
    q_dir = cache_dir / "quarantine"
    months_dir.mkdir(parents=True, exist_ok=True)
    q_dir.mkdir(parents=True, exist_ok=True)

    state = _load_state(cache_dir, raw_dir)
    old_files: dict[str, dict] = state["files"]
    new_files: dict[str, dict] = {}
    reports: dict[str, FileReport] = {}
    fresh: list[str] = []
    path_of = {p.relative_to(raw_dir).as_posix(): p for p in paths}

    # 1. Which files changed?
    for name, p in path_of.items():
        st = p.stat()
        old = old_files.get(name)
        if old and old["size"] == st.st_size and old["mtime_ns"] == st.st_mtime_ns:
            unchanged = True
        elif old and old["size"] == st.st_size and sha256_file(p) == old["sha256"]:
            unchanged = True
        else:
            unchanged = False
        piece = old.get("quarantine") if old else None
        if unchanged and piece is not None and (piece == "" or (q_dir / piece).is_file()):
            entry = dict(old, mtime_ns=st.st_mtime_ns)
            new_files[name] = entry
            reports[name] = FileReport(**{**entry["report"], "status": "변경 없음"})
        else:
            fresh.append(name)
    removed = sorted(set(old_files) - set(path_of))

    # 2. Candidates per month: rows per month of unchanged files are known from the state.
    candidates: dict[str, dict[str, int]] = {}
    for name, entry in new_files.items():
        for m, n in entry["report"]["month_rows"].items():
            candidates.setdefault(m, {})[name] = n
    def sha_of(name: str) -> str:
        return new_files[name]["sha256"]

    # Months are written on a background thread (the Parquet writer releases the GIL) while the next
    # file is read; at most one write waits, so at most one extra file's table is held in memory.
    writer = ThreadPoolExecutor(max_workers=1)
    pending: list = []

    def write_month(m: str, table: pa.Table, name: str) -> None:
        part = table if len(reports[name].months) == 1 else table.filter(pc.equal(table.column("month"), m))
        meta = {"source_file": name, "source_sha256": sha_of(name), "rows": str(part.num_rows)}
        while pending:
            pending.pop().result()
        pending.append(writer.submit(_write_parquet, part, months_dir / f"{m}.parquet", meta))

    def flush() -> None:
        while pending:
            pending.pop().result()

    def store(name: str, r: _FileRead, status: str) -> None:
        r.report.status = status
        reports[name] = r.report
        st = path_of[name].stat()
        piece = _quarantine_piece(name, r.report.sha256) if r.quarantine.num_rows else ""
        new_files[name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": r.report.sha256,
                           "quarantine": piece, "report": r.report.to_dict()}
        if piece:
            _write_parquet(r.quarantine, q_dir / piece)

    # 3. Read changed files one at a time; write each month it provisionally wins (a later file that
    #    beats it overwrites the month, so at the end every month holds its winner's rows).
    written: set[str] = set()
    try:
        for name in fresh:
            r = _read(path_of[name], name)
            store(name, r, "새로 읽음")
            for m, n in r.report.month_rows.items():
                candidates.setdefault(m, {})[name] = n
                if min(candidates[m].items(), key=lambda kv: _winner_order(*kv))[0] == name:
                    write_month(m, r.table, name)
                    written.add(m)
            del r
        flush()

        # 4. Final winners. A month whose cached file does not hold its winner's rows (the winner is
        #    an unchanged file but the month was overwritten or lost) is rebuilt by reading it again.
        winners = {m: min(c.items(), key=lambda kv: _winner_order(*kv))[0] for m, c in candidates.items()}
        reread: dict[str, _FileRead] = {}
        for m in sorted(winners):
            w = winners[m]
            if _parquet_source(months_dir / f"{m}.parquet") == sha_of(w):
                continue
            if w not in reread:
                reread[w] = _read(path_of[w], w)
                store(w, reread[w], "다시 읽음")
            write_month(m, reread[w].table, w)
            written.add(m)
        flush()
        reread.clear()
    finally:
        flush()
        writer.shutdown()
    for p in months_dir.glob("*.parquet"):
        if p.stem not in winners:
            p.unlink()

    # 5. Exclusions (same month in several files), reported on the losing files.
    for name, rep in reports.items():
        rep.excluded_months, notes = [], []
        for m in rep.months:
            w = winners[m]
            if w == name:
                continue
            rep.excluded_months.append(m)
            if sha_of(w) == sha_of(name):
                notes.append(f"{m}: {w} 와(과) 내용이 같은 사본이라 제외했습니다")
            else:
                notes.append(f"{m}: 같은 월의 {w} ({candidates[m][w]:,}행)을(를) 쓰고 이 파일 "
                             f"({candidates[m][name]:,}행)은 제외했습니다")
        if rep.months:
            rep.use = "사용" if not rep.excluded_months else (
                "제외" if len(rep.excluded_months) == len(rep.months) else "일부 제외")
        rep.note = "; ".join(notes)
        new_files[name]["report"] = rep.to_dict()

    # 6. Quarantine of every current file; drop pieces of files that are gone.
    keep_pieces = {e["quarantine"] for e in new_files.values() if e["quarantine"]}
    for p in q_dir.glob("*.parquet"):
        if p.name not in keep_pieces:
            p.unlink()
    pieces = [pq.read_table(q_dir / new_files[n]["quarantine"]) for n in sorted(new_files)
              if new_files[n]["quarantine"]]
    quarantine = pa.concat_tables(pieces) if pieces else _QUARANTINE_SCHEMA.empty_table()
    write_atomic(cache_dir / "quarantine.csv",
                        quarantine.to_pandas().to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig"))

    state = {"version": CACHE_VERSION, "raw_dir": str(raw_dir), "crosswalk": crosswalk().digest, "files": new_files,
             "months": {m: {"source": w, "sha256": sha_of(w), "rows": candidates[m][w]}
                        for m, w in sorted(winners.items())}}
    write_atomic(cache_dir / "state.json",
                        json.dumps(state, ensure_ascii=False, indent=1).encode("utf-8"))

    months = sorted(winners)
    ordered = [reports[n] for n in sorted(reports)]
    return IngestSummary(
        raw_dir=raw_dir, cache_dir=cache_dir, files=ordered, months=months,
        missing_months=missing_months(months), month_sources=dict(sorted(winners.items())),
        rebuilt_months=sorted(written), removed_files=removed, synthetic=is_synthetic_dir(raw_dir),
        quarantined=quarantine.num_rows,
    )


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


# ---------------------------------------------------------------------------------------------
# Raw folder and command line


def is_synthetic_dir(raw_dir: str | os.PathLike) -> bool:
    """True when `raw_dir` holds synthetic data (the demo folder, or a SYNTHETIC.txt marker)."""
    from helpers.params import resolve_path

    raw = Path(raw_dir).resolve()
    if (raw / SYNTHETIC_MARKER).is_file():
        return True
    try:
        return raw == resolve_path(None, "demo_dir").resolve()
    except (UserError, OSError, KeyError):  # no usable params: only the marker can tell
        return False


def default_raw_dir() -> tuple[Path, bool]:
    """`data/raw/nps` when it holds any *.csv, else the demo folder; and whether the data are synthetic."""
    from helpers.params import resolve_path

    raw = resolve_path(None, "raw_dir")
    chosen = raw if raw.is_dir() and raw_files(raw) else resolve_path(None, "demo_dir")
    return chosen, is_synthetic_dir(chosen)


def _no_files_message(raw_dir: Path) -> str:
    return (f"원자료 폴더 {raw_dir} 에 CSV 파일이 없습니다. 공공데이터포털에서 내려받은 "
            "'국민연금 가입 사업장 내역' 월별 CSV 파일을 data/raw/nps/ 에 넣거나, "
            "`python -m helpers demo-data` 로 합성 자료를 만든 뒤 다시 실행하세요.")


def cli_ingest(args) -> int:
    """`python -m helpers ingest [--raw-dir DIR]`: validate and cache, print the Korean summary."""
    raw_arg = getattr(args, "raw_dir", None)
    if raw_arg:
        from helpers.params import resolve_path

        raw_dir = resolve_path(raw_arg, "raw_dir")
    else:
        raw_dir, _ = default_raw_dir()
    if not raw_dir.is_dir() or not raw_files(raw_dir):
        raise UserError(_no_files_message(raw_dir))
    summary = ingest(raw_dir, cache_dir_for(raw_dir))
    print(summary.render())
    return 0
