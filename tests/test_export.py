"""Tables people open in Excel: text stays text (no formula injection), numbers stay numbers."""

import pandas as pd
import pytest

from helpers.export import write_csv_bom, write_xlsx
from helpers.stages import STAGES_CSV_COLUMNS, stages_csv_bytes

EVIL = '=HYPERLINK("http://evil.example/x","클릭")'


@pytest.mark.parametrize("text", [EVIL, "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_a_spreadsheet_would_run_start_with_an_apostrophe(tmp_path, text):
    df = pd.DataFrame({"name": [text, "정상(주)"], "change": [-12.3, 4.0]})
    write_csv_bom(df, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig", keep_default_na=False)
    assert back["name"].tolist() == ["'" + text, "정상(주)"]
    assert back["change"].tolist() == [-12.3, 4.0]  # numbers keep their sign and stay numbers


def test_xlsx_stores_a_formula_looking_name_as_text(tmp_path):
    from openpyxl import load_workbook

    df = pd.DataFrame({"name": [EVIL, "정상(주)"], "members": [10, 20]})
    path = write_xlsx(df, tmp_path / "t.xlsx", headers={"name": "사업장명", "members": "가입자수"})
    ws = load_workbook(path).active
    cell = ws.cell(row=2, column=1)
    assert cell.value == EVIL and cell.data_type == "s"
    assert ws.cell(row=2, column=2).value == 10
    assert "<f>" not in _sheet_xml(path)


def _sheet_xml(path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_stages_csv_neutralises_an_area_name_but_not_the_numbers():
    row = {c: "" for c in STAGES_CSV_COLUMNS}
    row.update(quarter="2026Q3", sido_code="48", area_id="48-001", area_name="-옥포", area_type="국가산업단지",
               workplaces=10.0, employees=100.0, payroll_krw=1.0, workplaces_yoy_pct=-12.5, employees_yoy_pct=-3.0,
               payroll_yoy_pct=-1.0, employees_gap_pp=-2.0, stage="심각", reasons="사업장수 −12.5%")
    text = stages_csv_bytes(pd.DataFrame([row])).decode("utf-8-sig")
    assert ",'-옥포," in text and ",-12.50," in text
