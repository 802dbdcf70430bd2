"""Row checks and exact duplicates, vectorised (each check on distinct values where values repeat).

Exact duplicate rows (all 22 fields equal) are dropped and counted, the first one kept; the other
rows are validated (month YYYY-MM, counts as integers ≥ 0, status and legal form 1/2, 10-digit
legal-dong code, dates YYYY-MM-DD or empty). The Korean reasons given here go to the quarantine
(see `read`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from helpers.nps.columns import _bools, _Columns, _first_occurrence_mask, _per_value, _plain

_MONTH_RE = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_COUNT_FIELDS = {  # source column → (arrow type, max digits that surely fit)
    "가입자수": (pa.int32(), 9),
    "당월고지금액": (pa.int64(), 18),
    "신규취득자수": (pa.int32(), 9),
    "상실가입자수": (pa.int32(), 9),
}
_DATE_FIELDS = ("적용일자", "재등록일자", "탈퇴일자")
# Source columns whose values repeat: checked and transformed once per distinct value.
_REPEATED = ("자료생성년월", "사업장가입상태코드 1 등록 2 탈퇴", "사업장형태구분코드 1 법인 2 개인", "고객법정동주소코드",
             "사업장업종코드", "적용일자", "재등록일자", "탈퇴일자", "사업장도로명상세주소", "사업장업종코드명")
_DUP_KEY = ("사업장명", "사업장도로명상세주소", "고객법정동주소코드", "사업장업종코드", "적용일자", "탈퇴일자")


def _is_date(v: pa.Array) -> pa.Array:
    """'YYYY-MM-DD' naming a real day (strptime alone rolls 2024-02-30 over to 03-01)."""
    parsed = pc.strptime(v, format="%Y-%m-%d", unit="s", error_is_null=True)
    same_day = pc.equal(pc.utf8_lpad(pc.cast(pc.day(parsed), pa.string()), 2, "0"),
                        pc.utf8_slice_codeunits(v, 8, 10))
    return pc.fill_null(pc.and_(pc.match_substring_regex(v, r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), same_day), False)


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
    _check_plausible(c, failed)
    bad = np.zeros(n, dtype=bool)
    for mask, _, _ in failed:
        bad |= mask
    return bad, failed


def plausibility_limits() -> dict:
    """params `plausibility:` (per-row limits of members and contributions), with defaults."""
    from helpers.params import load_params

    lim = load_params().get("plausibility") or {}
    return {"max_members": int(lim.get("max_members", 200_000)),
            "max_contribution_per_member_krw": int(lim.get("max_contribution_per_member_krw", 1_500_000))}


def _as_int(v: pa.Array, digits: int) -> tuple[np.ndarray, np.ndarray]:
    """(values, ok): the integers of a digit column, ok where the text is ≤ `digits` ASCII digits."""
    ok = _bools(pc.and_(pc.and_(pc.string_is_ascii(v), pc.utf8_is_digit(v)),
                        pc.less_equal(pc.utf8_length(v), digits)))
    vals = np.zeros(len(v), dtype=np.int64)
    if ok.any():
        vals[ok] = pc.cast(v.filter(pa.array(ok)), pa.int64()).to_numpy(zero_copy_only=False)
    return vals, ok


def _check_plausible(c: _Columns, failed: list) -> None:
    """Rows no real workplace can have (a typo, a shifted column): more members than the largest employer,
    or a contribution per member above what the highest rate on the income cap allows. Sums of the rows
    that pass never overflow (200,000 × 1,500,000 KRW per row × a million rows < 2^63)."""
    lim = plausibility_limits()
    members, ok_m = _as_int(c.plain("가입자수"), 9)
    contrib, ok_c = _as_int(c.plain("당월고지금액"), 18)
    active = _bools(pc.equal(c.plain("사업장가입상태코드 1 등록 2 탈퇴"), "1"))
    too_many = ok_m & (members > lim["max_members"])
    if too_many.any():
        failed.append((too_many, f"가입자수가 믿기 어려움: {{v}}명 (한 사업장 상한 {lim['max_members']:,}명, "
                                 "params 의 plausibility.max_members)", c.plain("가입자수")))
    per_member = lim["max_contribution_per_member_krw"]
    # Stale billing on a withdrawn row is never payroll, so only registered workplaces are checked.
    too_much = ok_m & ok_c & active & (contrib > np.maximum(members, 1) * per_member)
    if too_much.any():
        failed.append((too_much, f"당월고지금액이 가입자 1인당 상한({per_member:,}원)을 넘어 믿기 어려움: {{v}}원 "
                                 "(params 의 plausibility.max_contribution_per_member_krw)", c.plain("당월고지금액")))


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

