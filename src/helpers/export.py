"""Tables for people: CSV as UTF-8 with BOM (Excel shows Hangul) and formatted XLSX with Korean headers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers.fields import INDICATOR_COLUMNS, headers
from helpers.files import atomic_path, neutralise_formulas

# Korean headers (with units) of the indicator table, from the field declarations.
INDICATOR_HEADERS: dict[str, str] = headers(INDICATOR_COLUMNS)


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
    """One XLSX with a formatted sheet per table (see `write_xlsx`), written atomically."""
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        for sh in sheets:
            _write_sheet(xw, sh)
    return Path(path)


def _write_sheet(xw, sh: Sheet) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    df, headers, title = sh.df, sh.headers, sh.title
    cols = list(df.columns)
    out = df[cols].rename(columns={c: headers.get(c, c) for c in cols})
    start = 2 if title else 0
    name = sh.name[:31]
    out.to_excel(xw, index=False, sheet_name=name, startrow=start)
    ws = xw.sheets[name]
    if title:
        ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
    hdr = start + 1
    for j, c in enumerate(cols, start=1):
        cell = ws.cell(row=hdr, column=j)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE6F0")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        fmt = None
        if c.endswith(("_pct", "_pp")):
            fmt = "+0.0;-0.0;0.0"
        elif pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]):
            fmt = "#,##0"
        if fmt:
            for r in range(hdr + 1, hdr + 1 + len(df)):
                ws.cell(row=r, column=j).number_format = fmt
        width = max([len(str(headers.get(c, c)))] + [len(str(v)) for v in df[c].head(200).tolist()])
        ws.column_dimensions[get_column_letter(j)].width = min(max(8, width * 1.3), 60)
    ws.freeze_panes = ws.cell(row=hdr + 1, column=1)
    _text_stays_text(ws)


def _text_stays_text(ws) -> None:
    """openpyxl stores a string starting with '=' as a formula: store every such cell as text instead
    (a workplace named '=HYPERLINK(…)' must never become a live link)."""
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
