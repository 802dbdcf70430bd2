"""The early warning where people read it: the brief's 조기경보 section (the alerts raised since the last
council: areas with alerts, 경계 first, those the stage rules do not flag marked, never a firm's name), the
batch computing them once for every province, and the alert rings on the explorer's area trend."""

from __future__ import annotations

import re

import matplotlib
import pandas as pd
import pytest

from helpers import brief, charts
from helpers.alerts import ALERT_COLUMNS, EXTRA_COLUMNS
from helpers.early_warning import (
    HEADING,
    alerts_file,
    alerts_section_html,
    area_alerts,
    compute_quarter_alerts,
    council_months,
    quarter_alerts,
)
from helpers.panel import panel_from_months
from helpers.periods import month_range
from tests.factories import month_frame, reference, workplace

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

TRICKY = "시험<b>단지</b> & 예시"
REF = reference([
    {"area_id": "48-001", "area_name": "옥포국가산업단지", "bjd_codes": ["48310101"]},
    {"area_id": "48-002", "area_name": TRICKY, "bjd_codes": ["48121101"]},
    {"area_id": "48-003", "area_name": "김해골든루트일반산업단지", "bjd_codes": ["48250101"]},
])
MONTHS = month_range("2025-01", "2026-09")
FIRMS = [f"{town}기계{i}" for town in ("옥포", "창원", "김해") for i in range(6)]


def _rows(month: str) -> list[dict]:
    late = month >= "2026-01"
    rows = []
    for i in range(6):
        rows.append(workplace(f"옥포기계{i}", "4831010100", 14 if late else 20, bizno=f"10000{i}"))  # −30%: 심각
        rows.append(workplace(f"창원기계{i}", "4812110100", 10, bizno=f"20000{i}"))  # flat: 양호
        rows.append(workplace(f"김해기계{i}", "4825010100", 6 if (late and i == 0) else 10, bizno=f"30000{i}"))  # 주의
    return rows + [workplace("경남 밖", "4817010100", 400, bizno="600000")]


@pytest.fixture(scope="module")
def panel():
    return panel_from_months(((m, month_frame(m, _rows(m))) for m in MONTHS), REF, synthetic=True)


@pytest.fixture(scope="module")
def ctx(panel):
    return brief.brief_context(panel, "48", "2026Q3")


def alert(month, area_id, signal, level, reason, area_name=None) -> dict:
    names = dict(zip(REF["area_id"], REF["area_name"]))
    return {"month": month, "sido_code": area_id[:2], "area_id": area_id, "area_name": area_name or names[area_id],
            "signal": signal, "level": level, "value": -6.0, "threshold": -5.0,
            "reason": f"{reason} — {int(month[5:]):d}월", "measure": "시험", "unit": "%"}


def frame(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=ALERT_COLUMNS + EXTRA_COLUMNS)


def section_items(html: str) -> list[str]:
    return re.findall(r"<li>(.*?)</li>", html)


def test_since_the_last_council_means_the_months_of_the_brief_quarter_in_the_data(panel, ctx):
    assert council_months(panel, "2026Q3") == ["2026-07", "2026-08", "2026-09"]
    assert council_months(panel, "2026Q4") == []
    html = alerts_section_html(ctx, frame())
    assert HEADING in html
    assert "지난 협의회는 2026년 2분기 자료까지 보고 열렸으므로, 그 뒤 2026년 7~9월 자료의 월별 조기경보입니다." in html


def test_areas_with_alerts_are_listed_with_those_at_경계_first_and_unflagged_ones_marked(ctx):
    stages = ctx.stages.set_index("area_id")["stage"]
    assert (stages["48-001"], stages["48-002"], stages["48-003"]) == ("심각", "양호", "주의")
    alerts = frame(
        alert("2026-07", "48-001", "members", "관심", "종사자 전년 같은 달 대비 −30.0% (120명 → 84명, 기준 −5.0%)"),
        alert("2026-08", "48-002", "separations", "관심", "상실가입자 30명으로 평소(5명)의 6.0배"),
        alert("2026-09", "48-002", "separations", "경계", "상실가입자 40명으로 평소(5명)의 8.0배"),
        alert("2026-09", "48-002", "members", "경계", "종사자 최근 3개월 변화가 예년 같은 달들보다 −7.0%p 낮음"),
        alert("2026-09", "48-003", "payroll_per_member", "관심", "가입자 1인당 추정 급여가 전년 같은 달 대비 −4.0%"),
        alert("2026-08", "26-001", "members", "경계", "다른 시도", area_name="녹산국가산업단지"),  # ignored
    )
    per_area = area_alerts(alerts[alerts["sido_code"] == "48"], ctx.stages)
    assert per_area["area_id"].tolist() == ["48-002", "48-001", "48-003"]  # 경계; then 관심 by signals, month
    top = per_area.iloc[0]
    assert (top["level"], top["first_month"], top["months"]) == ("경계", "2026-08", 2)
    assert top["signals"] == ["종사자 감소", "상실가입자 급증"]  # the alerts' signal order
    assert top["reason"].startswith("종사자 최근 3개월 변화") and "—" not in top["reason"]

    html = alerts_section_html(ctx, alerts)
    assert "경보 지역 <strong>3곳</strong>: 경계 1, 관심 2, 단계 규칙으로는 아직 주의 미만 1" in html
    assert "신호별 종사자 감소 2 · 1인당 급여 감소 1 · 상실가입자 급증 1" in html
    items = section_items(html)
    assert len(items) == 2  # brief.alert_rows; the third area in the closing sentence
    assert "단계 규칙으로는 아직 주의 미만" in items[0] and "2026년 8월부터" in items[0]
    assert "−7.0%p" in items[0] and "2026년 9월" in items[0]  # the reason and its month
    assert "제안 단계" in items[1] and "옥포국가산업단지" in items[1]
    assert "그 밖의 경보 지역 1곳: 김해골든루트일반산업단지(관심, 제안 주의)." in html
    assert "녹산" not in html and "다른 시도" not in html


def test_names_are_escaped_and_no_firm_is_named(panel, ctx):
    computed = compute_quarter_alerts(panel, "2026Q1")  # the real signals of the planted −30 % area
    assert set(computed.loc[computed["sido_code"] == "48", "area_id"]) >= {"48-001"}
    tricky = frame(alert("2026-09", "48-002", "members", "경계", "종사자 <감소> & 급감"))
    html = alerts_section_html(ctx, tricky) + alerts_section_html(brief.brief_context(panel, "48", "2026Q1"), computed)
    assert TRICKY not in html and "시험&lt;b&gt;단지&lt;/b&gt; &amp; 예시" in html
    assert "종사자 &lt;감소&gt; &amp; 급감" in html
    assert not [f for f in FIRMS if f in html]


def test_no_alerts_is_one_sentence(ctx):
    html = alerts_section_html(ctx, frame())
    assert "<ul" not in html and html.count("<p") == 1
    assert "이 기간에 조기경보가 난 밀집지역은 없습니다." in html


def test_the_section_reads_the_batch_file_and_computes_only_without_it(panel, tmp_path):
    computed = quarter_alerts(panel, "2026Q1", None)  # stand-alone: computed here
    pd.testing.assert_frame_equal(computed, compute_quarter_alerts(panel, "2026Q1"))
    saved = computed.assign(reason=computed["reason"] + " [일괄]")
    saved.to_parquet(alerts_file(tmp_path, "2026Q1"), index=False)
    got = quarter_alerts(panel, "2026Q1", tmp_path, sido_code="48")
    assert len(got) and got["reason"].str.endswith(" [일괄]").all() and set(got["sido_code"]) == {"48"}
    assert quarter_alerts(panel, "2026Q2", tmp_path).equals(compute_quarter_alerts(panel, "2026Q2"))  # other quarter


# ---------------------------------------------------------------------------------------------
# The explorer


def test_the_area_trend_rings_the_quarters_with_alerts_in_their_level_colour(panel):
    alerts = compute_quarter_alerts(panel, "2026Q1")
    quarters = ["2025Q3", "2025Q4", "2026Q1"]
    marks = charts.alert_quarters(alerts, ["48-001", "48-002"], quarters)
    assert marks[["area_id", "quarter"]].values.tolist() == [["48-001", "2026Q1"]]
    ax = charts.area_trend_chart(panel.indicators, ["48-001", "48-002"], "employees_yoy_pct", quarters,
                                 sido_code="48", alerts=alerts)
    rings = [a for a in ax.lines if a.get_gid() == "alert"]
    assert len(rings) == 1 and rings[0].get_markeredgecolor() == charts.ALERT_COLORS[marks["level"].iloc[0]]
    assert rings[0].get_xdata()[0] == 2  # 2026Q1
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"조기경보 {marks['level'].iloc[0]} (그 분기 중)" in legend
    plain = charts.area_trend_chart(panel.indicators, ["48-002"], "employees_yoy_pct", quarters, alerts=alerts)
    assert not [a for a in plain.lines if a.get_gid() == "alert"]
    plt.close("all")


def test_the_explorer_shows_an_areas_alerts_and_computes_each_month_once(panel, monkeypatch):
    import helpers.explorer as explorer_module
    from helpers.explorer import Explorer

    calls: list[str] = []
    real = explorer_module.month_alerts
    monkeypatch.setattr(explorer_module, "month_alerts", lambda p, m: calls.append(m) or real(p, m))
    ex = Explorer(panel, "48", "2026Q3", quarters=4)
    assert ex.selected_area_ids[0] == "48-001"
    assert ex.quarters == ["2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    marked = ex.trend_alerts[ex.trend_alerts["area_id"] == "48-001"]
    assert marked["quarter"].tolist() == ["2026Q1", "2026Q2", "2026Q3"]  # the fall began in 2026-01
    assert sorted(calls) == month_range("2025-10", "2026-09")
    ex.indicator.value = "employees"  # a redraw of the trend: nothing computed again
    ex.reasons_toggle.value = True
    assert sorted(calls) == month_range("2025-10", "2026-09")
    html = ex.reasons_html.value
    assert "조기경보 (2025년 4분기~2026년 3분기" in html and "종사자 감소" in html
    assert 'data-level="경계"' in html and not [f for f in FIRMS if f in html]
    ex.quarter_range.index = (ex.quarter_range.index[0] - 1, ex.quarter_range.index[1])
    assert sorted(calls) == month_range("2025-07", "2026-09")  # only the new quarter's months
    plt.close("all")


# ---------------------------------------------------------------------------------------------
# Through the batch (slow)


@pytest.mark.slow
def test_the_batch_computes_the_alerts_once_and_the_brief_shows_the_planted_closure(demo_raw, tmp_path, monkeypatch):
    import helpers.early_warning as ew
    from helpers.batch import run_quarter

    calls = []
    real = ew.compute_quarter_alerts

    def counted(panel, quarter):
        calls.append(quarter)
        out = real(panel, quarter)  # marked, so the briefs show they read this file
        return out.assign(reason=out["reason"].str.replace(" — ", " [일괄] — ", n=1, regex=False))

    monkeypatch.setattr(ew, "compute_quarter_alerts", counted)
    manifest = run_quarter(quarter="2026Q1", provinces="48,52", raw_dir=str(demo_raw), out=str(tmp_path), workers=2,
                           progress=False)
    assert [p["status"] for p in manifest["provinces"]] == ["ok", "ok"], manifest["provinces"]
    assert calls == ["2026Q1"]  # once for every province
    saved = pd.read_parquet(alerts_file(tmp_path / "2026Q1" / "_panel", "2026Q1"))
    assert {"48", "52"} <= set(saved["sido_code"])
    page = (tmp_path / "2026Q1" / "52" / "brief.html").read_text(encoding="utf-8")
    section = page[page.index(HEADING):page.index("지역 경기동향")]
    assert page.index("현황 요약") < page.index(HEADING) < page.index("지역 경기동향")
    assert "[일괄]" in section  # read from the batch's file, not computed again in the notebook
    assert "2026년 1~3월" in section and "2025년 4분기 자료까지" in section
    first = section_items(section)[0]
    assert "김제지평선일반산업단지" in first and 'data-level="경계"' in first
    assert "대형 사업장 이탈" in first and "2026년 2월" in first and "탈퇴" in first
    firms = pd.read_csv(tmp_path / "2026Q1" / "52" / "survey_candidates.csv", encoding="utf-8-sig", dtype=str)
    assert len(firms) and not [n for n in firms["사업장명"] if n in section]
