"""Numbers as people read them: the one home of number formatting (briefs, reasons, charts, tables).

Signed values carry a true minus sign (−) and thousands separators; a missing value is '–'.
"""

from __future__ import annotations

import pandas as pd

MISSING = "–"
MINUS = "−"


def is_missing(x: object) -> bool:
    if x is None or x is pd.NA:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def signed(x: object, unit: str = "", decimals: int = 1) -> str:
    """Signed number with `decimals` decimals: −12.3%, +0.4%p, +1,234.5; zero is '0.0' + unit."""
    if is_missing(x):
        return MISSING
    r = round(float(x), decimals)
    if r == 0:
        return f"{0:.{decimals}f}{unit}"
    return f"{'+' if r > 0 else MINUS}{abs(r):,.{decimals}f}{unit}"


def fmt_pct(x: object) -> str:
    """Signed percent with one decimal: 3.21 → '+3.2%', -12.34 → '−12.3%', 0 → '0.0%'."""
    return signed(x, "%")


def fmt_pp(x: object) -> str:
    """Signed percentage points with one decimal: -4 → '−4.0%p'."""
    return signed(x, "%p")


def fmt_int(x: object) -> str:
    """Whole number with thousands separators: 12345.6 → '12,346'; negative with a true minus."""
    if is_missing(x):
        return MISSING
    v = int(round(float(x)))
    return f"{MINUS if v < 0 else ''}{abs(v):,}"


def fmt_krw_100m(x: object) -> str:
    """KRW in 억원 (100 million) with one decimal and separators: 123_456_000_000 → '1,234.6억원'."""
    if is_missing(x):
        return MISSING
    v = round(float(x) / 1e8, 1)
    return f"{MINUS if v < 0 else ''}{abs(v):,.1f}억원"


def fmt_threshold(x: float, unit: str = "%") -> str:
    """A rule's threshold as written in params: -10 → '−10%', 0 → '0%'."""
    return (MINUS if x < 0 else "") + f"{abs(x):g}{unit}"
