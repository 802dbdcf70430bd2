"""History across quarters: the brief's 8-quarter stage strip and the pages linking the stored quarters."""

import pandas as pd

from helpers import brief, history
from helpers.panel import panel_from_months
from helpers.periods import quarter_months
from tests.factories import month_frame, reference, workplace

REF = reference([
    {"area_id": "48-001", "area_name": "옥포<국가>산단", "bjd_codes": ["48310101"]},
    {"area_id": "48-002", "area_name": "창원국가산업단지", "bjd_codes": ["48123101"]},
])


def context(decisions=None):
    """경남 2025Q1..2026Q3; 48-001 shrinks to 70 % in 2026Q3 (심각), 48-002 stays (양호)."""
    months = []
    for q in ("2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"):
        size = 7 if q == "2026Q3" else 10
        for m in quarter_months(q):
            rows = [workplace(f"w{i}", "4831010100", size) for i in range(10)]
            rows += [workplace(f"c{i}", "4812310100", 10) for i in range(10)]
            months.append((m, month_frame(m, rows)))
    p = panel_from_months(months, REF, synthetic=True)
    if decisions is not None:
        p.decisions = pd.DataFrame(decisions)
    return brief.brief_context(p, "48", "2026Q3")


def store_stages(root, quarter, stages):
    """An earlier run's stored stage table, as `run` writes it (UTF-8 with BOM)."""
    d = root / quarter
    d.mkdir(parents=True, exist_ok=True)
    pd.DataFrame([{"quarter": quarter, "sido_code": "48", "area_id": a, "stage": s} for a, s in stages.items()]
                 ).to_csv(d / "stages.csv", index=False, encoding="utf-8-sig")


def test_strip_reads_stored_quarters_recomputes_the_rest_and_shows_that_quarters_decision(tmp_path):
    ctx = context([{"quarter": "2026Q2", "area_id": "48-001", "decided_stage": "주의", "decided_date": "2026-08-20",
                    "note": ""}])
    store_stages(tmp_path, "2026Q2", {"48-001": "주의", "48-002": "양호"})  # what the council saw then
    strip = history.stage_strip(ctx, tmp_path, ["48-001"])
    assert list(strip["quarter"]) == history.strip_quarters("2026Q3") == [
        "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3"]
    by_q = strip.set_index("quarter")
    assert by_q.loc["2026Q2", ["stage", "source", "decided_stage"]].tolist() == ["주의", "stored", "주의"]
    assert by_q.loc["2026Q3", ["stage", "source"]].tolist() == ["심각", "current"]
    # 2026Q1 was never run: recomputed from today's data (a year-on-year change of 0 → 양호).
    assert by_q.loc["2026Q1", ["stage", "source", "decided_stage"]].tolist() == ["양호", "recomputed", ""]
    # 2025Q1 has no year-earlier quarter in the data: 판단유보; 2024Q4 is outside the data altogether.
    assert by_q.loc["2025Q1", "stage"] == "판단유보"
    assert by_q.loc["2024Q4", ["stage", "source"]].tolist() == ["", "none"]


def test_strip_html_names_each_flagged_area_escaped_with_eight_cells_and_says_what_was_recomputed(tmp_path):
    ctx = context()
    store_stages(tmp_path, "2026Q2", {"48-001": "양호", "48-002": "양호"})
    page = history.strip_html(ctx, tmp_path)
    assert "옥포&lt;국가&gt;산단" in page and "<국가>" not in page
    assert "창원국가산업단지" not in page  # 양호 without a decision: not in the strip
    assert page.count('<li class="q') == 8
    assert "2026년 3분기: 제안 심각" in page and "2026년 2분기: 제안 양호" in page
    assert "저장된 분기 결과를 그대로 보인 분기: 2026년 2분기" in page
    assert "다시 계산한 분기" in page and page.count('class="q recomputed"') == 5  # 2025Q1..2026Q1
    assert "2025년 1분기 ~ 2026년 1분기 중 5개 분기" in page


def test_an_area_with_a_decision_stays_in_the_strip_even_when_proposed_fine(tmp_path):
    ctx = context([{"quarter": "2026Q1", "area_id": "48-002", "decided_stage": "주의", "decided_date": "2026-05-02",
                    "note": ""}])
    page = history.strip_html(ctx, tmp_path)
    assert "창원국가산업단지" in page and "2026년 1분기: 제안 양호 (다시 계산) · 협의회 결정 주의" in page


def test_no_flagged_area_gives_one_sentence(tmp_path):
    months = []
    for q in ("2025Q3", "2026Q3"):
        for m in quarter_months(q):
            months.append((m, month_frame(m, [workplace(f"w{i}", "4831010100", 10) for i in range(10)])))
    ctx = brief.brief_context(panel_from_months(months, REF, synthetic=True), "48", "2026Q3")
    assert history.strip_html(ctx, tmp_path) == "<p>주의 이상 지역이 없어 단계 이력을 싣지 않았습니다.</p>"


def quarter_page(root, q, synthetic=True, failed=0):
    d = root / q
    d.mkdir(parents=True, exist_ok=True)
    (d / "index.html").write_text(f'<html><body><main><h1 class="brief-title">{q}</h1></main></body></html>',
                                  encoding="utf-8")
    provinces = [{"sido_code": "48", "status": "ok"}] + [{"sido_code": "26", "status": "failed"}] * failed
    (d / "manifest.json").write_text(
        f'{{"quarter": "{q}", "synthetic": {str(synthetic).lower()}, "started": "2026-10-01T09:00:00+00:00", '
        f'"provinces": {pd.Series(provinces).to_json(orient="values")}}}', encoding="utf-8")
    store_stages(root, q, {"48-001": "심각", "48-002": "양호"})


def test_link_quarters_writes_the_list_and_previous_next_links_and_is_idempotent(tmp_path):
    for q in ("2025Q4", "2026Q2", "2026Q3"):  # 2026Q1 never run: 2026Q2's previous is 2025Q4
        quarter_page(tmp_path, q, failed=int(q == "2026Q2"))
    (tmp_path / "2026Q1").mkdir()  # a folder without an index page is not a stored quarter
    scales = lambda s: {"stages": {"scale": ["양호", "주의", "심각"]}}  # noqa: E731
    written = history.link_quarters(tmp_path, scales)
    assert len(written) == 4
    top = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert [q for q in ("2026Q3", "2026Q2", "2025Q4") if f'href="{q}/index.html"' in top] == ["2026Q3", "2026Q2", "2025Q4"]
    assert top.index("2026Q3/index.html") < top.index("2026Q2/index.html") < top.index("2025Q4/index.html")
    assert "2026Q1/index.html" not in top
    assert "합성 자료" in top and "실패 1곳" in top and "1곳</td>" in top  # one flagged area per quarter
    mid = (tmp_path / "2026Q2" / "index.html").read_text(encoding="utf-8")
    assert 'href="../2025Q4/index.html" rel="prev"' in mid and 'href="../2026Q3/index.html" rel="next"' in mid
    assert 'href="../index.html"' in mid and mid.count("quarter-nav") == 1
    last = (tmp_path / "2026Q3" / "index.html").read_text(encoding="utf-8")
    assert 'rel="next"' not in last and 'href="../2026Q2/index.html" rel="prev"' in last
    assert history.link_quarters(tmp_path, scales) == []  # nothing changed: nothing rewritten
    # Run a later quarter: the old last page gains its "next" link, and only the link changes.
    quarter_page(tmp_path, "2026Q4", synthetic=False)
    history.link_quarters(tmp_path)
    again = (tmp_path / "2026Q3" / "index.html").read_text(encoding="utf-8")
    assert 'href="../2026Q4/index.html" rel="next"' in again and again.count("quarter-nav") == 1
    assert again.replace(history.quarter_nav_html("2026Q3", ["2026Q2", "2026Q3", "2026Q4"]), "") == \
        last.replace(history.quarter_nav_html("2026Q3", ["2026Q2", "2026Q3"]), "")


def test_link_quarters_with_nothing_run_says_so(tmp_path):
    history.link_quarters(tmp_path)
    assert "아직 실행한 분기가 없습니다" in (tmp_path / "index.html").read_text(encoding="utf-8")
