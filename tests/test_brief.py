"""The brief's text sections: what a council member reads, escaped and in Korean."""

import pandas as pd

from helpers import agenda, brief
from helpers.panel import panel_from_months
from helpers.periods import quarter_months
from tests.factories import month_frame, reference, workplace

REF = reference([
    {"area_id": "48-001", "area_name": "<script>alert(1)</script>", "bjd_codes": ["48310101"]},
    {"area_id": "48-002", "area_name": "창원국가산업단지", "bjd_codes": ["48123101"]},
])


def panel(synthetic=True):
    months = []
    for q, shrink in (("2025Q2", 100), ("2025Q3", 100), ("2026Q2", 100), ("2026Q3", 70)):
        for m in quarter_months(q):
            rows = [workplace(f"w{i}", "4831010100", shrink // 10) for i in range(10)]
            rows += [workplace(f"c{i}", "4812310100", 10) for i in range(10)]
            months.append((m, month_frame(m, rows)))
    return panel_from_months(months, REF, synthetic=synthetic)


def context_with_decision(quarter, area_id, note, date="2026-10-20", stage="주의"):
    """경남 2026Q3 with one recorded council decision (instead of params/decisions.csv)."""
    p = panel()
    p.decisions = pd.DataFrame([{"quarter": quarter, "area_id": area_id, "decided_stage": stage,
                                 "decided_date": date, "note": note}])
    return brief.brief_context(p, "48", "2026Q3")


def test_flagged_areas_show_escaped_names_reasons_and_programmes():
    ctx = context_with_decision("2026Q3", "48-001", "<b>현장</b>")
    html = brief.flagged_table_html(ctx)
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "근거가 된 사실" in html and "사업전환" in html
    assert "2026년 3분기" in html and "&lt;b&gt;현장&lt;/b&gt;" in html


def test_title_and_summary_say_synthetic_and_count_stages():
    ctx = brief.brief_context(panel(), "48", "2026Q3")
    title = brief.title_html(ctx)
    assert "경상남도" in title and "2026년 3분기" in title and "합성(가상) 자료" in title
    summary = brief.summary_html(ctx)
    assert "밀집지역 <strong>2곳</strong>" in summary and "심각 1곳" in summary


def test_real_data_carry_no_synthetic_notice():
    ctx = brief.brief_context(panel(synthetic=False), "48", "2026Q3")
    assert "합성(가상)" not in brief.title_html(ctx)
    assert "합성(가상)" not in brief.methods_html(ctx)


def test_methods_state_the_payroll_lower_bound_and_the_rules_in_force():
    text = brief.methods_html(brief.brief_context(panel(), "48", "2026Q3"))
    assert "하한 추정치" in text
    # the rate and the cap of both quarters compared (the rate rose in 2026, the cap every July)
    assert "2025년 3분기 보험료율 9.0%·상한 월 6,370,000원" in text
    assert "2026년 3분기 보험료율 9.5%·상한 월 6,590,000원" in text
    assert "전남광주" in text and "46→12" in text
    assert "-10% 이하" in text and "판단유보" in text


def test_a_province_without_dense_areas_still_gets_a_brief():
    ctx = brief.brief_context(panel(), "50", "2026Q3")  # 제주: no area in this reference
    assert ctx.stages.empty
    assert "밀집지역이 없습니다" in brief.summary_html(ctx)
    assert "없습니다" in brief.flagged_table_html(ctx)


def test_a_standing_council_decision_stays_in_view_when_the_area_is_no_longer_flagged():
    ctx = context_with_decision("2026Q2", "48-002", "관찰", date="2026-07-20")
    html = brief.flagged_table_html(ctx)
    assert "창원국가산업단지" in html and "2026년 2분기" in html


def test_chart_threshold_lines_come_from_the_rules_in_force():
    assert brief.brief_context(panel(), "48", "2026Q3").thresholds_pct == (-5.0, -10.0)


# ---------------------------------------------------------------------------------------------
# Page 1: the decisions the council is asked to take (issue 11).

REF3 = reference([
    {"area_id": "48-001", "area_name": "사천일반산업단지", "bjd_codes": ["48240101"]},
    {"area_id": "48-002", "area_name": "창원국가산업단지", "bjd_codes": ["48123101"]},
    {"area_id": "48-003", "area_name": "함안농공단지", "bjd_codes": ["48730101"]},
    {"area_id": "48-004", "area_name": "작은농공단지", "bjd_codes": ["48740101"]},
])


def decision_panel():
    """48-001: one 350-member employer (of 750) withdraws in 2026-02 → 심각 since 2026Q1; 48-002 drops
    30 % in 2026Q3 only (newly flagged); 48-003 steady (양호); 48-004 too small (판단유보)."""
    months = []
    for q in ("2025Q1", "2025Q2", "2025Q3", "2026Q1", "2026Q2", "2026Q3"):
        for m in quarter_months(q):
            gone = m >= "2026-02"
            rows = [workplace(f"s{i}", "4824010100", 20) for i in range(20)]
            if not gone:
                rows.append(workplace("big", "4824010100", 350))
            elif m == "2026-02":
                rows.append(workplace("big", "4824010100", 0, status=2, lost=350, withdrawn="2026-02-10"))
            drift = 14 if q == "2026Q3" else 20
            rows += [workplace(f"c{i}", "4812310100", drift) for i in range(12)]
            rows += [workplace(f"h{i}", "4873010100", 20) for i in range(12)]
            rows += [workplace(f"t{i}", "4874010100", 2) for i in range(3)]
            months.append((m, month_frame(m, rows)))
    return panel_from_months(months, REF3, synthetic=True)


def test_page_one_names_each_area_to_decide_with_its_facts_and_standing_decision():
    p = decision_panel()
    p.decisions = pd.DataFrame([{"quarter": "2026Q2", "area_id": "48-001", "decided_stage": "주의",
                                 "decided_date": "2026-07-20", "note": ""}])
    ctx = brief.brief_context(p, "48", "2026Q3")
    dec = agenda.decision_table(ctx).set_index("area_id")
    assert list(dec.index) == ["48-001", "48-002"]  # 심각 first; 양호 and 판단유보 are not asked about
    assert dec.loc["48-001", "stage"] == "심각" and "협의회 결정과 다름" in dec.loc["48-001", "kinds"]
    assert dec.loc["48-001", "standing"] == "주의 (2026년 2분기 결정)"
    assert dec.loc["48-001", "facts"].startswith("최대 사업장 1곳 탈퇴 (가입자 350명) — 2026년 2월")
    assert dec.loc["48-002", "kinds"] == "새로 위기징후" and dec.loc["48-002", "standing"] == "결정 없음"
    assert "종사자 −30.0%" in dec.loc["48-002", "facts"]
    page = brief.decisions_html(ctx)
    assert "결정이 필요한 지역 2곳" in page and "사천일반산업단지" in page and "창원국가산업단지" in page
    # the 판단유보 area is named with the kind of its reason
    assert "작은농공단지" in page and "전년 동기 규모가 작음" in page
    assert "함안농공단지" not in page


def test_a_standing_decision_equal_to_the_proposal_needs_no_new_decision():
    p = decision_panel()
    p.decisions = pd.DataFrame([{"quarter": "2026Q2", "area_id": "48-001", "decided_stage": "심각",
                                 "decided_date": "2026-07-20", "note": ""}])
    ctx = brief.brief_context(p, "48", "2026Q3")
    assert list(agenda.decision_table(ctx)["area_id"]) == ["48-002"]


def test_a_small_closure_is_not_stated_as_the_fact_behind_a_stage():
    row = pd.Series({"employees_base": 5000.0, "employees_yoy_pct": -6.0, "workplaces_yoy_pct": -1.0,
                     "payroll_yoy_pct": -7.5})
    limits = {"closure_min": 30, "closure_share": 0.10}
    facts = agenda.area_facts(row, (350.0, "2026-02"), limits)  # 7 % of the area: not the story
    assert facts == ["총급여 −7.5% · 종사자 −6.0% (전년 동기 대비)"]
    assert agenda.area_facts(row, (600.0, "2026-02"), limits)[0] == "최대 사업장 1곳 탈퇴 (가입자 600명) — 2026년 2월"


def test_many_flagged_areas_are_grouped_by_sigungu_and_the_page_one_list_is_bounded():
    import copy

    p = decision_panel()
    p.decisions = pd.DataFrame([{"quarter": "2026Q2", "area_id": "48-001", "decided_stage": "주의",
                                 "decided_date": "2026-07-20", "note": ""}])
    ctx = brief.brief_context(p, "48", "2026Q3")
    params = copy.deepcopy(ctx.params)
    params["brief"].update(table_rows=1, decision_rows=1)
    ctx.__dict__["params"] = params  # the province's parameters, as a regions/48.yaml override would give
    table = brief.flagged_table_html(ctx)
    assert 'class="by-sigungu"' in table and "사천시" in table and "창원시" in table
    page = brief.decisions_html(ctx)
    assert page.count('<th scope="row">') == 1 and "나머지 1곳은 부록" in page


def test_flagged_areas_without_any_decision_are_listed_by_name_not_row_by_row():
    ctx = brief.brief_context(decision_panel(), "48", "2026Q3")  # no decision recorded at all
    page = brief.decisions_html(ctx)
    assert page.count('<th scope="row">') == 1  # the newly flagged 창원 only
    assert "결정 기록이 없는 주의 이상 지역 1곳" in page and "사천일반산업단지" in page


def test_the_workbook_holds_every_brief_table_with_korean_headers(tmp_path):
    from openpyxl import load_workbook

    from helpers.export import write_workbook

    ctx = brief.brief_context(decision_panel(), "48", "2026Q3")
    path = write_workbook(brief.workbook_sheets(ctx), tmp_path / "tables.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["결정 요청", "주의·심각", "판단유보", "전체 밀집지역"]
    ws = wb["전체 밀집지역"]
    assert "합성(가상) 자료" in ws["A1"].value
    header = [c.value for c in ws[3]]
    assert "제안 단계" in header and "판단 근거" in header and "stage" not in header
    assert ws.max_row == 3 + 4


def test_print_furniture_names_the_issuer_and_marks_every_page_synthetic():
    ctx = brief.brief_context(decision_panel(), "48", "2026Q3")
    title = brief.title_html(ctx, issued="2026-11-27")
    assert "@top-center" in title and "합성(가상) 자료" in title and "counter(page)" in title
    assert "발행: 경상남도 지역중소기업 위기지원센터 · 발행일 2026-11-27" in title
