"""Months and quarters: the one home of period arithmetic and period labels.

A month is 'YYYY-MM' (the NPS file's 자료생성년월), a quarter 'YYYYQn' (2026Q3 = months 2026-07..09).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from helpers.errors import UserError

QUARTER_RE = re.compile(r"(19|20)[0-9]{2}Q[1-4]")
MONTH_RE = re.compile(r"(19|20)[0-9]{2}-(0[1-9]|1[0-2])")


def month_index(month: str) -> int:
    """'2026-08' → a running month number (consecutive months differ by one)."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_from_index(i: int) -> str:
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


def add_months(month: str, k: int) -> str:
    """'2026-11', 2 → '2027-01'."""
    return month_from_index(month_index(month) + k)


def month_range(first: str, last: str) -> list[str]:
    """Every month from `first` to `last` (YYYY-MM), both included."""
    return [month_from_index(i) for i in range(month_index(first), month_index(last) + 1)]


def missing_months(months: Iterable[str]) -> list[str]:
    """Months absent between the first and the last of `months` (YYYY-MM)."""
    months = list(months)
    if not months:
        return []
    present = set(months)
    return [m for m in month_range(min(months), max(months)) if m not in present]


def quarter_of(month: str) -> str:
    """'2026-08' → '2026Q3'."""
    return f"{int(month[:4])}Q{(int(month[5:7]) - 1) // 3 + 1}"


def quarter_months(quarter: str) -> list[str]:
    """'2026Q3' → ['2026-07', '2026-08', '2026-09']."""
    y, q = int(quarter[:4]), int(quarter[-1])
    return [f"{y}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]


def quarter_index(quarter: str) -> int:
    """'2026Q3' → a running quarter number (consecutive quarters differ by one)."""
    return int(quarter[:4]) * 4 + int(quarter[-1]) - 1


def quarter_from_index(i: int) -> str:
    return f"{i // 4}Q{i % 4 + 1}"


def shift_quarter(quarter: str, n: int) -> str:
    """'2026Q3', -4 → '2025Q3'."""
    return quarter_from_index(quarter_index(quarter) + n)


def quarter_window(available: Iterable[str], quarters: int, end: str | None = None) -> list[str]:
    """`quarters` consecutive quarters ending at `end` (default: the latest available)."""
    avail = sorted(set(available))
    if not avail:
        return []
    last = quarter_index(end or avail[-1])
    return [quarter_from_index(i) for i in range(last - quarters + 1, last + 1)]


def check_quarter(quarter: str | None) -> str | None:
    """A user-given quarter in YYYYQn form (None passes); anything else is a Korean UserError."""
    if quarter is None:
        return None
    q = str(quarter).strip().upper()
    if not QUARTER_RE.fullmatch(q):
        raise UserError(f"분기 '{quarter}' 는 YYYYQn 형식이어야 합니다 (예: 2026Q3).")
    return q


def check_month(month: str | None, what: str = "월") -> str | None:
    """A user-given month in YYYY-MM form (None passes); anything else is a Korean UserError."""
    if month is None:
        return None
    m = str(month).strip()
    if not MONTH_RE.fullmatch(m):
        raise UserError(f"{what} '{month}' 는 YYYY-MM 형식이어야 합니다 (예: 2026-02).")
    return m


def quarter_label(quarter: str) -> str:
    """'2026Q3' → '2026년 3분기' ('' stays '')."""
    return f"{quarter[:4]}년 {quarter[-1]}분기" if quarter else ""


def quarter_tick(quarter: str) -> str:
    """'2026Q3' → '26년\\n3분기' (a two-line axis tick)."""
    return f"{quarter[2:4]}년\n{quarter[-1]}분기"
