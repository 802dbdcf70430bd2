"""The files a quarterly run writes beside each executed province notebook, and the quarter's stage table.

- `province_pages`: brief and analysis (exports of the executed notebook), the appendix of every area,
  the Excel workbook of the brief's tables, and the brief as A4 PDF printed in the background;
- `write_province_tables`: the province's indicator table as CSV and XLSX;
- `write_stage_table`: stages.csv (merging a partial run with the earlier rows of the provinces it did not
  redo) and its Excel twin with Korean headers, stages.xlsx; `stage_rows_per_province` counts its rows.
"""

from __future__ import annotations

import csv
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from helpers import brief, codes
from helpers.export import INDICATOR_HEADERS, write_csv_bom, write_workbook, write_xlsx
from helpers.files import write_atomic
from helpers.panel import Panel
from helpers.periods import quarter_label
from helpers.report import export_html, page_html, synthetic_banner_html, write_pdf
from helpers.stages import stages_csv_bytes


def province_pages(panel: Panel, sido_code: str, quarter: str, executed: Path, folder: Path, *, issued: str,
                   previous_brief: str | None) -> Future:
    """Write the province's pages into `folder` and start printing the brief to PDF on its own thread
    (Chromium is a separate process, so the caller writes the tables meanwhile). The returned future's
    `result()` is `write_pdf`'s answer: None, or the Korean reason (e.g. a missing browser — a warning,
    not a failure)."""
    short, when = codes.SIDO_SHORT[sido_code], quarter_label(quarter)
    export_html(executed, folder / "brief.html", "brief", title=f"{short} 협의회 보고 — {when}")
    export_html(executed, folder / "analysis.html", "analysis", title=f"{short} 분석 보고서 — {when}")
    ctx = brief.brief_context(panel, sido_code, quarter)
    body = "\n".join([
        brief.nav_html(ctx, "appendix", previous_brief), brief.print_style_html(ctx, issued),
        f'<h1>{codes.SIDO_NAMES[sido_code]} 부록: 전체 밀집지역 — {when}</h1>',
        synthetic_banner_html() if panel.synthetic else "", brief.appendix_html(ctx)])
    write_atomic(folder / "appendix.html",
                 page_html(f"{short} 부록: 전체 밀집지역 — {when}", body, kind="brief").encode("utf-8"))
    write_workbook(brief.workbook_sheets(ctx), folder / "tables.xlsx")
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"pdf-{sido_code}")
    try:
        return pool.submit(write_pdf, folder / "brief.html", folder / "brief.pdf")
    finally:
        pool.shutdown(wait=False)  # the thread ends with its one print


def write_province_tables(panel: Panel, sido_code: str, directory: Path) -> dict[str, str]:
    """The province's indicator table (every quarter, its areas and province parts) as CSV and XLSX."""
    ind = panel.indicators
    df = ind[(ind["sido_code"] == sido_code) | (ind["level"] == "nation")].copy()
    path = directory / "indicators.csv"
    write_csv_bom(df, path)
    xlsx = write_xlsx(df, directory / "indicators.xlsx", INDICATOR_HEADERS, sheet=codes.SIDO_SHORT[sido_code])
    return {"indicators_csv": path.name, "indicators_xlsx": xlsx.name}


def write_stage_table(out_q: Path, sidos: list[str], tables: dict[str, pd.DataFrame], quarter: str,
                      synthetic: bool) -> None:
    """stages.csv in the quarter folder `out_q`: every province of `sidos` that succeeded (`tables`), and the
    earlier rows of every province this run did not redo or failed to redo (its earlier good outputs
    stand), in code order (identical bytes on identical inputs); then stages.xlsx when the table changed."""
    text = stages_csv_bytes(pd.concat([tables[s] for s in sidos if s in tables], ignore_index=True)
                            ) if tables else b""
    path, xlsx = out_q / "stages.csv", out_q / "stages.xlsx"
    kept = _earlier_rows(path, keep=lambda s: s not in tables)
    if not tables and not kept:  # never leave an earlier run's table beside a manifest that says all failed
        path.unlink(missing_ok=True)
        return
    header, rows = _csv_lines(text) if text else (kept[0], [])
    merged = sorted(rows + (kept[1] if kept else []), key=_row_key)
    data = "\ufeff".encode() + (header + "".join(merged)).encode("utf-8")
    changed = not (path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data)
    if changed:
        write_atomic(path, data)  # an unchanged table keeps its file (and modification time)
    if changed or not xlsx.is_file():
        write_stage_workbook(path, xlsx, quarter, synthetic)


def write_stage_workbook(csv_path: Path, xlsx_path: Path, quarter: str, synthetic: bool) -> Path:
    """stages.xlsx: the same rows as stages.csv with Korean headers, for people (the CSV keeps the English
    column names other programs read)."""
    df = pd.read_csv(csv_path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    for c in df.columns:
        if c.endswith(("_pct", "_pp", "_krw")) or c in ("workplaces", "employees"):
            df[c] = pd.to_numeric(df[c], errors="coerce")
    title = f"{quarter_label(quarter)} 밀집지역 위기단계 (전국)" + (" — 합성(가상) 자료: 실제 현황 아님" if synthetic else "")
    return write_xlsx(df, xlsx_path, {c: brief.column_header(c) for c in df.columns}, sheet="위기단계", title=title)


def stage_rows_per_province(path: Path) -> dict[str, int]:
    """Rows of stages.csv per sido code ({} when there is no table)."""
    if not path.is_file():
        return {}
    out: dict[str, int] = {}
    for line in _csv_lines(path.read_bytes())[1]:
        s = _row_key(line)[0]
        out[s] = out.get(s, 0) + 1
    return out


def _csv_lines(data: bytes) -> tuple[str, list[str]]:
    """(header line, row lines) of a stages.csv, each line with its line end (rows never span lines)."""
    lines = data.decode("utf-8-sig").splitlines(keepends=True)
    return lines[0], lines[1:]


def _row_key(line: str) -> tuple[str, str]:
    fields = next(csv.reader([line]))
    return fields[1], fields[2]  # sido_code, area_id


def _earlier_rows(path: Path, keep) -> tuple[str, list[str]] | tuple:
    """(header, the earlier stages.csv rows of the provinces `keep(sido)` says to keep); () when none."""
    if not path.is_file():
        return ()
    header, rows = _csv_lines(path.read_bytes())
    kept = [line for line in rows if keep(_row_key(line)[0])]
    return (header, kept) if kept else ()
