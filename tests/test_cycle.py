"""The quarterly council cycle on the demo, end to end (issue 12): the batch for 2026Q2, its survey form
filled by a script and imported, the council's decision entered (and corrected) through the decision form's
own functions, then the 2026Q3 batch. The 2026Q3 brief shows the survey's BSI, the decision beside the
proposal and the 8-quarter strip; the quarters link to each other; rerunning 2026Q2 changes no decision."""

import re

import pandas as pd
import pytest
from openpyxl import load_workbook

from helpers.batch import run_quarter
from helpers.cli import main
from helpers.decision_form import DecisionForm
from helpers.fieldsurvey import ANSWER_COLUMNS, FORM_HEADERS, load_responses
from helpers.panel import Panel
from tests.test_batch import root_failing_for

pytestmark = pytest.mark.slow

NOTE = "실태조사 후 심각 확정"


def section(page: str, title: str) -> str:
    """The brief's section under the heading `title`, up to the next heading."""
    m = re.search(r"<h2[^>]*>\s*" + re.escape(title), page)
    assert m, title
    end = page.find("<h2", m.end())
    return page[m.start():end if end > 0 else len(page)]


def fill_form(form, path, answer="3"):
    """Every firm of the form answers `answer` (3 = 감소/악화) to every question, with a private comment."""
    wb = load_workbook(form)
    ws = wb["응답"]
    header = [c.value for c in ws[3]]
    col = {k: header.index(h) + 1 for k, h in FORM_HEADERS.items() if h in header}
    ids = []
    for row in ws.iter_rows(min_row=4):
        firm = row[col["firm_id"] - 1].value
        if firm:
            ids.append(firm)
            for k in ANSWER_COLUMNS:
                ws.cell(row=row[0].row, column=col[k], value=answer)
            ws.cell(row=row[0].row, column=col["comment"], value=f"비공개메모-{firm}")
    wb.save(path)
    return ids


def test_survey_decision_and_next_quarter_reach_the_brief(demo_raw, tmp_path, monkeypatch):
    root = root_failing_for(tmp_path, "none")  # a workspace copy: its own params/decisions.csv
    monkeypatch.setenv("SME_MONITOR_ROOT", str(root))
    decisions = root / "params" / "decisions.csv"
    out = tmp_path / "outputs"
    run = dict(provinces="48", raw_dir=str(demo_raw), out=str(out), workers=1, progress=False)

    # 1. The 2026Q2 batch: briefs, the survey candidates and the survey form of 경남.
    assert run_quarter("2026Q2", **run)["failed"] == []
    q2 = out / "2026Q2"
    form = q2 / "48" / "survey_form.xlsx"
    assert form.is_file()

    # 2. The survey, filled by a script, then imported: every answer stored, nothing rejected.
    ids = fill_form(form, tmp_path / "filled.xlsx")
    assert len(ids) >= 6
    assert main(["survey-import", str(tmp_path / "filled.xlsx"), "--out", str(out)]) == 0
    stored = load_responses(out, "2026Q2")
    assert sorted(stored["firm_id"]) == sorted(ids)

    # 3. The council decides: entered through the form, then corrected (the trail keeps both).
    f = DecisionForm(Panel.load(q2 / "_panel"), "48", "2026Q2")
    area = f.agenda_frame["area_id"].iloc[0]
    name = f.agenda_frame["area_name"].iloc[0]
    assert f.record(area, "주의", "2026-09-10", "1차 심의"), f.status_text
    assert f.record(area, "심각", "2026-09-15", NOTE), f.status_text
    text = decisions.read_text(encoding="utf-8-sig")
    assert "1차 심의" in text and NOTE in text  # the correction is a new row; the first stays as the trail
    before = decisions.read_bytes()

    # 4. The next quarter's batch.
    assert run_quarter("2026Q3", **run)["failed"] == []
    q3 = out / "2026Q3"
    page = (q3 / "48" / "brief.html").read_text(encoding="utf-8")

    survey = section(page, "현장 체감 (실태조사)")
    assert "2026년 2분기 실태조사" in survey and "지난 분기 조사" in survey
    row = survey[survey.index(name):]
    row = row[:row.index("</tr>")]
    # Everybody answered 감소/악화: BSI = 100 + (0 − 1) × 100 = 0, for 현재 and 전망 alike.
    assert '<span class="bsi-down">0</span> / <span class="bsi-down">0</span>' in row

    flagged = section(page, "주의·심각 지역")
    assert f"심각 (2026년 2분기 · {NOTE})" in flagged  # the council's decision beside this quarter's proposal

    strip = section(page, "단계 이력 (최근 8분기)")
    assert f'aria-label="{name} 최근 8분기"' in strip
    cell = strip[strip.index(f'aria-label="{name} 최근 8분기"'):]
    assert "2026년 2분기: 제안" in cell and "· 협의회 결정 심각" in cell  # read from 2026Q2's stored stages.csv
    q2_stage = pd.read_csv(q2 / "stages.csv", dtype=str, encoding="utf-8-sig").set_index("area_id").loc[area, "stage"]
    assert f"2026년 2분기: 제안 {q2_stage} · 협의회 결정 심각" in cell
    assert "저장된 분기 결과를 그대로 보인 분기: 2026년 2분기" in strip

    # No firm-level answer, id or comment reaches the brief.
    assert not [s for s in [*ids, *(f"비공개메모-{i}" for i in ids)] if s in page]

    # 5. The quarters link to each other.
    top = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="2026Q3/index.html"' in top and 'href="2026Q2/index.html"' in top
    assert 'href="../2026Q3/index.html" rel="next"' in (q2 / "index.html").read_text(encoding="utf-8")
    assert 'href="../2026Q2/index.html" rel="prev"' in (q3 / "index.html").read_text(encoding="utf-8")

    # 6. Rerunning the past quarter changes no decision and no stored survey answer.
    answers = (q2 / "survey" / "responses.csv").read_bytes()
    assert run_quarter("2026Q2", force=True, **run)["failed"] == []
    assert decisions.read_bytes() == before
    assert (q2 / "survey" / "responses.csv").read_bytes() == answers
    rerun = pd.read_csv(q2 / "stages.csv", dtype=str, encoding="utf-8-sig").set_index("area_id")
    assert rerun.loc[area, ["decided_stage", "decided_note"]].tolist() == ["심각", NOTE]  # the decision in force
