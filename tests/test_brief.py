"""The brief's text sections: what a council member reads, escaped and in Korean."""

import pandas as pd

from helpers import brief
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
    assert "판단 근거" in html and "사업전환" in html
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
