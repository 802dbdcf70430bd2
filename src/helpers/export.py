"""Tables for people: CSV as UTF-8 with BOM (Excel shows Hangul) and formatted XLSX with Korean headers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from helpers.files import atomic_path

# Korean headers for the indicator table (units in brackets).
INDICATOR_HEADERS: dict[str, str] = {
    "quarter": "분기", "level": "구분", "unit_id": "코드", "unit_name": "이름", "sido_code": "시도코드",
    "area_type": "유형", "months_present": "자료 개월 수", "complete": "완결 분기", "base_complete": "전년 동기 완결",
    "workplaces": "사업장수(개, 월평균)", "employees": "종사자수(명, 월평균)", "payroll_krw": "추정 총급여(원, 분기 합, 하한)",
    "avg_wage_krw": "1인당 월평균 급여(원, 하한)", "gained": "신규취득자(명)", "lost": "상실자(명)",
    "net_hires": "순증(명)", "openings": "신규 사업장(개)", "closures": "탈퇴 사업장(개)",
    "manufacturing_employees": "제조업 종사자(명)", "manufacturing_share_pct": "제조업 비중(%)",
    "top_employer_share_pct": "최대 사업장 비중(%)", "workplaces_base": "전년 동기 사업장수",
    "employees_base": "전년 동기 종사자수", "workplaces_yoy_pct": "사업장 전년비(%)",
    "employees_yoy_pct": "종사자 전년비(%)", "payroll_yoy_pct": "총급여 전년비(%)",
    "workplaces_qoq_pct": "사업장 전분기비(%)", "employees_qoq_pct": "종사자 전분기비(%)",
    "payroll_qoq_pct": "총급여 전분기비(%)", "employees_gap_pp": "시도 대비 격차(%p)",
    "employees_gap_nation_pp": "전국 대비 격차(%p)",
}


def write_csv_bom(df: pd.DataFrame, path: str | Path, headers: dict[str, str] | None = None) -> Path:
    """CSV in UTF-8 with BOM, written atomically; `headers` renames columns for people."""
    out = df.rename(columns=headers) if headers else df
    with atomic_path(path) as tmp:
        out.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
    return Path(path)


def write_xlsx(df: pd.DataFrame, path: str | Path, headers: dict[str, str], sheet: str = "표",
               title: str | None = None) -> Path:
    """Formatted XLSX: Korean headers, bold frozen header row, thousands separators, 0.0 for %, widths."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    cols = [c for c in df.columns]
    out = df[cols].rename(columns={c: headers.get(c, c) for c in cols})
    start = 2 if title else 0
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as xw:
        out.to_excel(xw, index=False, sheet_name=sheet[:31], startrow=start)
        ws = xw.sheets[sheet[:31]]
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
    return Path(path)
