"""Survey candidates (실태조사 후보): loss ranking, identity across months, exports, and never in a brief."""

import json
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from helpers import brief
from helpers.panel import panel_from_months
from helpers.periods import quarter_months
from helpers.stages import assign_stages
from helpers.survey import (
    SURVEY_COLUMNS,
    SURVEY_HEADERS,
    comparison_months,
    pair_workplaces,
    survey_candidates,
    write_survey_candidates,
)
from tests.factories import month_frame, reference, workplace

ROOT = Path(__file__).resolve().parents[1]
REF = reference([
    {"area_id": "48-001", "area_name": "옥포국가산업단지", "bjd_codes": ["48310101"]},
    {"area_id": "48-002", "area_name": "창원국가산업단지", "bjd_codes": ["48121101"]},
])
OKPO, CHANGWON, ELSEWHERE = "4831010100", "4812110100", "4817010100"


def _okpo(year_ago: bool) -> list[dict]:
    """옥포: 240 → 165 members (−31%, 심각). Losses: 큰공장 −40, 닫은곳 −20 (탈퇴), 새이름 −10 (renamed
    from 옛이름, same bizno6, dong and 적용일자), 중공장 −5, 가게A −5 (가게B shares its bizno6 and dong)."""
    if year_ago:
        return [workplace("큰공장(주)", OKPO, 100, bizno="111111"),
                workplace("중공장(주)", OKPO, 50, bizno="222222"),
                workplace("옛이름(주)", OKPO, 40, bizno="333333", applied="2015-03-02"),
                workplace("닫은곳", OKPO, 20, bizno="444444"),
                workplace("늘어난곳", OKPO, 10, bizno="555555"),
                workplace("가게A", OKPO, 10, bizno="777777", applied="2019-01-01"),
                workplace("가게B", OKPO, 10, bizno="777777", applied="2019-01-01")]
    return [workplace("큰공장(주)", OKPO, 60, bizno="111111"),
            workplace("중공장(주)", OKPO, 45, bizno="222222"),
            workplace("새이름(주)", OKPO, 30, bizno="333333", applied="2015-03-02"),
            workplace("닫은곳", OKPO, 0, bizno="444444", status=2, withdrawn="2026-06-30"),
            workplace("늘어난곳", OKPO, 15, bizno="555555"),
            workplace("가게A", OKPO, 5, bizno="777777", applied="2019-01-01"),
            workplace("가게B", OKPO, 10, bizno="777777", applied="2019-01-01")]


def _changwon(year_ago: bool) -> list[dict]:
    """창원: 5 workplaces, 50 → 49 members (−2%, 양호): its small loss is not a survey candidate."""
    return [workplace(f"창원{i}", CHANGWON, 10 if (year_ago or i) else 9, bizno=f"90000{i}") for i in range(5)]


def _month_rows(year_ago: bool) -> list[dict]:
    return _okpo(year_ago) + _changwon(year_ago) + [workplace("밖", ELSEWHERE, 500, bizno="999999")]


MONTHS = {m: month_frame(m, _month_rows(True)) for m in quarter_months("2025Q3")}
MONTHS |= {m: month_frame(m, _month_rows(False)) for m in quarter_months("2026Q3")}


@pytest.fixture(scope="module")
def panel():
    return panel_from_months(MONTHS.items(), REF)


@pytest.fixture(scope="module")
def stages(panel):
    return assign_stages(panel.indicators, "2026Q3")


def test_the_planted_stages_are_serious_and_good(stages):
    by_area = stages.set_index("area_id")["stage"]
    assert by_area["48-001"] == "심각" and by_area["48-002"] == "양호"


def test_candidates_are_the_flagged_areas_workplaces_ranked_by_biggest_loss(panel, stages):
    df = survey_candidates(panel, stages, "2026Q3", "48", monthly=MONTHS)
    assert list(df.columns) == SURVEY_COLUMNS
    assert set(df["area_id"]) == {"48-001"}  # 창원 is 양호: its workplaces are never listed
    assert df["name"].tolist() == ["큰공장(주)", "닫은곳", "새이름(주)", "가게A", "중공장(주)"]
    assert df["change"].tolist() == [-40, -20, -10, -5, -5]
    first = df.iloc[0]
    assert (first.members_before, first.members_now, first.change_pct) == (100, 60, -40.0)
    assert first.bizno6 == "111111" and first.stage == "심각" and first.area_name == "옥포국가산업단지"
    assert (first.month_before, first.month_now) == ("2025-09", "2026-09")
    assert df.set_index("name").loc["닫은곳", "status_now"] == "탈퇴"
    assert df.set_index("name").loc["큰공장(주)", "status_now"] == "등록"
    assert "늘어난곳" not in set(df["name"])  # growth is not a loss


def test_a_renamed_workplace_is_the_same_workplace_not_a_closure_and_an_opening(panel, stages):
    df = survey_candidates(panel, stages, "2026Q3", monthly=MONTHS).set_index("name")
    assert "옛이름(주)" not in df.index  # would be −40 (vanished) if identity used the name only
    row = df.loc["새이름(주)"]
    assert (row.members_before, row.members_now, row.change) == (40, 30, -10)
    assert "옛이름(주)" in row.matched_by and "상호 변경" in row.matched_by


def test_same_bizno6_and_dong_with_different_names_are_different_workplaces(panel, stages):
    df = survey_candidates(panel, stages, "2026Q3", monthly=MONTHS)
    shops = df[df["bizno6"] == "777777"]
    assert shops["name"].tolist() == ["가게A"] and shops["change"].tolist() == [-5]


def test_per_area_keeps_the_biggest_losses(panel, stages):
    df = survey_candidates(panel, stages, "2026Q3", per_area=2, monthly=MONTHS)
    assert df["name"].tolist() == ["큰공장(주)", "닫은곳"]


def test_ambiguous_renames_are_never_guessed():
    old = month_frame("2025-09", [workplace("갑", OKPO, 10, bizno="123123"), workplace("을", OKPO, 10, bizno="123123")])
    new = month_frame("2026-09", [workplace("병", OKPO, 10, bizno="123123"), workplace("정", OKPO, 10, bizno="123123")])
    p = pair_workplaces(old, new)  # same bizno6, dong and 적용일자 on both sides: no pairing by date
    assert p["name_b"].notna().sum() == 2 and p["name_n"].notna().sum() == 2
    assert len(p) == 4 and (p["name_b"].isna() | p["name_n"].isna()).all()


def test_a_workplace_gone_from_the_file_counts_as_zero_members_not_in_file(panel, stages):
    months = dict(MONTHS)
    months["2026-09"] = month_frame("2026-09", [r for r in _month_rows(False) if r["name"] != "큰공장(주)"])
    df = survey_candidates(panel, stages, "2026Q3", monthly=months).set_index("name")
    assert df.loc["큰공장(주)", "members_now"] == 0 and df.loc["큰공장(주)", "status_now"] == "미수록"
    assert df.loc["큰공장(주)", "change"] == -100


def test_comparison_months_fall_back_to_the_months_present():
    full = quarter_months("2025Q3") + quarter_months("2026Q3")
    assert comparison_months(full, "2026Q3") == ("2025-09", "2026-09")
    assert comparison_months([m for m in full if m != "2026-09"], "2026Q3") == ("2025-08", "2026-08")
    assert comparison_months([m for m in full if m not in ("2025-09",)], "2026Q3") == ("2025-08", "2026-09")
    assert comparison_months(quarter_months("2026Q3"), "2026Q3") == (None, "2026-09")
    assert comparison_months([], "2026Q3") == (None, None)


def test_no_flagged_area_gives_an_empty_list_with_the_columns(panel, stages):
    calm = stages.assign(stage_rank=0, stage="양호")
    df = survey_candidates(panel, calm, "2026Q3", monthly=MONTHS)
    assert df.empty and list(df.columns) == SURVEY_COLUMNS


def test_exports_are_bom_csv_and_formatted_xlsx_with_korean_headers_for_analysts_only(panel, stages, tmp_path):
    df = survey_candidates(panel, stages, "2026Q3", "48", monthly=MONTHS)
    csv_path, xlsx_path = write_survey_candidates(df, tmp_path / "2026Q3" / "48")
    assert (csv_path.name, xlsx_path.name) == ("survey_candidates.csv", "survey_candidates.xlsx")
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(csv_path, encoding="utf-8-sig", dtype=str)
    assert list(back.columns) == [SURVEY_HEADERS[c] for c in SURVEY_COLUMNS]
    assert back["사업자등록번호(앞 6자리)"].iloc[0] == "111111"
    assert "자료 구분" not in back.columns  # real data: no synthetic column

    ws = load_workbook(xlsx_path).active
    title = ws["A1"].value
    assert "분석가 전용" in title and "협의회 브리프에 싣지 않음" in title and "합성" not in title
    assert [c.value for c in ws[3]] == [SURVEY_HEADERS[c] for c in SURVEY_COLUMNS]
    assert ws["A3"].font.bold and ws.freeze_panes == "A4"
    assert ws.cell(row=4, column=SURVEY_COLUMNS.index("members_before") + 1).value == 100


def test_exports_of_synthetic_data_say_so(panel, stages, tmp_path):
    df = survey_candidates(panel, stages, "2026Q3", "48", monthly=MONTHS)
    csv_path, xlsx_path = write_survey_candidates(df, tmp_path, synthetic=True)
    back = pd.read_csv(csv_path, encoding="utf-8-sig", dtype=str)
    assert set(back["자료 구분"]) == {"합성(가상) 자료"}
    assert "합성(가상) 자료" in load_workbook(xlsx_path).active["A1"].value


def _notebook_source(name: str) -> str:
    nb = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"])


@pytest.mark.parametrize("name", ["regional_monitoring.ipynb", "national_overview.ipynb"])
def test_brief_notebooks_never_call_the_survey_list(name):
    # The brief's survey section (helpers.bsi) shows area aggregates of the responses; the candidate list
    # (helpers.survey) itself never reaches a notebook.
    src = _notebook_source(name)
    assert "survey_candidates" not in src and "실태조사 후보" not in src
    assert "import survey" not in src and "helpers.survey" not in src and "fieldsurvey" not in src


def test_brief_sections_do_not_import_the_survey_module_nor_show_workplace_names(panel, stages):
    assert "survey" not in (ROOT / "src" / "helpers" / "brief.py").read_text(encoding="utf-8")
    names = set(survey_candidates(panel, stages, "2026Q3", monthly=MONTHS)["name"])
    ctx = brief.brief_context(panel, "48", "2026Q3")
    html = "".join([brief.title_html(ctx), brief.decisions_html(ctx), brief.summary_html(ctx),
                    brief.flagged_table_html(ctx), brief.appendix_html(ctx), brief.methods_html(ctx)])
    assert not any(n in html for n in names)


def test_the_batch_reads_the_two_comparison_months_once_for_every_province(panel, stages, monkeypatch):
    from helpers import nps
    from helpers.survey import ComparisonMonths

    reads = []

    def load_months(cache_dir, months, columns=None):
        reads.append(tuple(months))
        return pd.concat([MONTHS[m] for m in months], ignore_index=True)[columns]

    monkeypatch.setattr(nps, "load_months", load_months)
    direct = survey_candidates(panel, stages, "2026Q3", "48", cache_dir="cache")
    assert reads == [("2025-09",), ("2026-09",)]
    shared = ComparisonMonths(panel, "2026Q3", cache_dir="cache")
    reads.clear()
    for _ in range(3):  # one per province worker
        pd.testing.assert_frame_equal(survey_candidates(panel, stages, "2026Q3", "48", monthly=shared), direct)
    assert sorted(reads) == [("2025-09",), ("2026-09",)] and list(shared) == ["2025-09", "2026-09"]
