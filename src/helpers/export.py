"""Tables for people: CSV as UTF-8 with BOM (Excel shows Hangul) and formatted XLSX with Korean headers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.fields import INDICATOR_COLUMNS, headers
from helpers.files import atomic_path, neutralise_formulas

# Korean headers (with units) of the indicator table, from the field declarations.
INDICATOR_HEADERS: dict[str, str] = headers(INDICATOR_COLUMNS)

# XlsxWriter options that keep every text cell a text cell (see `write_workbook`).
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                "nan_inf_to_errors": True}


def write_csv_bom(df: pd.DataFrame, path: str | Path, headers: dict[str, str] | None = None) -> Path:
    """CSV in UTF-8 with BOM, written atomically; `headers` renames columns for people. Text cells that
    a spreadsheet would run as formulas are neutralised."""
    out = neutralise_formulas(df)
    out = out.rename(columns=headers) if headers else out
    with atomic_path(path) as tmp:
        # CRLF, as Excel writes it; a CR or LF inside a value is then always quoted
        out.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return Path(path)


def write_xlsx(df: pd.DataFrame, path: str | Path, headers: dict[str, str], sheet: str = "표",
               title: str | None = None) -> Path:
    """Formatted XLSX: Korean headers, bold frozen header row, thousands separators, 0.0 for %, widths."""
    return write_workbook([Sheet(sheet, df, headers, title)], path)


@dataclass
class Sheet:
    """One sheet of a workbook: its name (≤ 31 characters), table, Korean headers and optional title line."""

    name: str
    df: pd.DataFrame
    headers: dict[str, str]
    title: str | None = None


def write_workbook(sheets: list[Sheet], path: str | Path) -> Path:
    """One XLSX with a formatted sheet per table (see `write_xlsx`), written atomically.

    Written with XlsxWriter, whose options keep every text cell a text cell: a workplace named
    '=HYPERLINK(…)' never becomes a formula, a link or a number."""
    import xlsxwriter

    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), XLSX_OPTIONS)
        try:
            fmts = {
                "title": wb.add_format({"bold": True, "font_size": 13}),
                "header": wb.add_format({"bold": True, "bg_color": "#DDE6F0", "pattern": 1, "text_wrap": True,
                                         "valign": "vcenter", "border": 1}),
                "pct": wb.add_format({"num_format": "+0.0;-0.0;0.0"}),
                "int": wb.add_format({"num_format": "#,##0"}),
                "datetime": wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            }
            for sh in sheets:
                _write_sheet(wb, fmts, sh)
        finally:
            wb.close()
    return Path(path)


def _cells(col: pd.Series) -> list:
    """A column's values as Python objects, None where empty (NaN, NA, NaT)."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return [None if pd.isna(v) else v.to_pydatetime().replace(tzinfo=None) for v in col]
    values = col.astype(object).where(col.notna(), None).tolist()
    return [v.item() if hasattr(v, "item") and not isinstance(v, str) else v for v in values]


def _write_sheet(wb, fmts: dict, sh: Sheet) -> None:
    df, headers, title = sh.df, sh.headers, sh.title
    cols = list(df.columns)
    start = 2 if title else 0
    ws = wb.add_worksheet(sh.name[:31])
    if title:
        ws.write_string(0, 0, title, fmts["title"])
    hdr = start  # 0-based row of the header
    for j, c in enumerate(cols):
        ws.write_string(hdr, j, str(headers.get(c, c)), fmts["header"])
        fmt = None
        if c.endswith(("_pct", "_pp")):
            fmt = fmts["pct"]
        elif pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]):
            fmt = fmts["int"]
        elif pd.api.types.is_datetime64_any_dtype(df[c]):
            fmt = fmts["datetime"]
        width = max([len(str(headers.get(c, c)))] + [len(str(v)) for v in df[c].head(200).tolist()])
        ws.set_column(j, j, min(max(8, width * 1.3), 60))
        for i, v in enumerate(_cells(df[c]), start=hdr + 1):
            if v is None or v == "":  # an empty text is an empty cell, as before
                if fmt is not None:
                    ws.write_blank(i, j, None, fmt)
            elif isinstance(v, str):
                ws.write_string(i, j, v, fmt)
            elif isinstance(v, bool):
                ws.write_boolean(i, j, v, fmt)
            elif isinstance(v, (int, float)):
                ws.write_number(i, j, v, fmt)
            else:
                ws.write(i, j, v, fmt)
    ws.freeze_panes(hdr + 1, 0)
