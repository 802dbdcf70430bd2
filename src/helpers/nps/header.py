"""The header row of a raw file and its two vintages (현행 and 구형).

* The header must hold all 22 columns of `schema.NPS_COLUMNS` (any order; extra columns are
  ignored); otherwise `UserError` naming the file, the missing columns and similar ones.
* Older files (published up to about 2019) pack the Korean name, an English code and a type into
  each header cell (`가입자수 JNNGP_CNT INTEGER`) and write months as YYYYMM and dates as YYYYMMDD:
  the columns are found by their leading Korean name (the English code is a cross-check) and the
  dates are rewritten, so both vintages give the same cache.
"""

from __future__ import annotations

import difflib
import re

import pyarrow as pa
import pyarrow.compute as pc

from helpers.errors import UserError
from helpers.nps.columns import _dict
from helpers.schema import NPS_COLUMNS

VINTAGE_CURRENT, VINTAGE_LEGACY = "현행", "구형(2019년 이전)"  # header forms of the portal file


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
    if missing and len(header) == 1 and ("\t" in header[0] or ";" in header[0]):
        sep = "탭" if "\t" in header[0] else "세미콜론(;)"
        raise UserError(f"파일 {file} 의 열이 쉼표가 아니라 {sep}으로 나뉘어 있습니다. 엑셀에서 'CSV (쉼표로 분리)' 로 "
                        "다시 저장하거나 포털에서 받은 CSV 원본을 넣으세요.")
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
