"""The quarter's nowcast (전망, 추정): it reads only the months up to the one looked at, sees a decline one or
two months into the quarter, gives the rules' own answer once the quarter is observed, and its band holds
what the quarter turned out to be."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from helpers.nowcast import NOWCAST_COLUMNS, nowcast, nowcast_params
from helpers.panel import Panel, panel_from_months
from helpers.periods import month_range, quarter_months
from helpers.stages import stage_history
from tests.factories import month_frame, reference, workplace

BJD = "4831010100"  # 거제 옥포동: inside the area
BJD2 = "4831010200"  # 거제 아주동: a second area
OUTSIDE = "4831011000"  # same province, outside both (keeps the province big and steady)
REF = reference([{"area_id": "48-001", "area_name": "옥포국가산업단지", "bjd_codes": ["48310101"]},
                 {"area_id": "48-002", "area_name": "아주 일반산업단지(예시)", "bjd_codes": ["48310102"]}])
MONTHS = month_range("2023-07", "2026-06")


def rows_for(ym: str, decline: float = 1.0, season: float = 1.0) -> list[dict]:
    """One month: area 48-001 with 10 workplaces of 50 × `decline` × `season` members, area 48-002 steady
    with the same season, and a steady rest of the province."""
    out = [workplace(f"사업장{i}", BJD, round(50 * decline * season), bizno=f"{100000 + i}") for i in range(10)]
    out += [workplace(f"이웃{i}", BJD2, round(40 * season), bizno=f"{300000 + i}") for i in range(10)]
    out += [workplace(f"밖{i}", OUTSIDE, 40, bizno=f"{200000 + i}") for i in range(40)]
    return out


def seasonal(ym: str) -> float:
    """A dip every August, back in September (what the nowcast must not read as a crisis)."""
    return 0.9 if ym[5:] == "08" else 1.0


def build(month_rows: dict[str, list[dict]]) -> Panel:
    return panel_from_months(((m, month_frame(m, r)) for m, r in sorted(month_rows.items())), REF)


def declining(onset: str = "2026-03", step: float = 0.96) -> dict[str, list[dict]]:
    """Area 48-001 loses 4 % of its members a month from `onset` (seasonal August dip in both areas)."""
    out = {}
    for m in MONTHS:
        k = max(0, MONTHS.index(m) - MONTHS.index(onset) + 1)
        out[m] = rows_for(m, step ** k, seasonal(m))
    return out


def test_columns_and_one_row_per_area():
    out = nowcast(build({m: rows_for(m) for m in MONTHS}), "2026-05")
    assert list(out.columns) == NOWCAST_COLUMNS
    assert list(out["area_id"]) == ["48-001", "48-002"]
    assert set(out["quarter"]) == {"2026Q2"} and set(out["months_known"]) == {2}
    assert set(out["stage"]) == {"양호"}
    assert all(r.startswith("전망(추정)") for r in out["reason"])


@pytest.mark.parametrize("month, known", [("2026-04", 1), ("2026-05", 2)])
def test_a_decline_is_projected_negative_and_at_least_caution_one_or_two_months_into_the_quarter(month, known):
    # the decline starts in the last month of 2026Q1: that quarter's rule still says 양호
    out = nowcast(build(declining()), month).set_index("area_id")
    area = out.loc["48-001"]
    assert area["months_known"] == known
    assert area["employees_yoy_pct"] < -3 and area["payroll_yoy_pct"] < -3
    assert area["stage"] in ("주의", "심각")
    assert area["prev_stage"] == "양호"  # 2026Q1 was quiet: the nowcast is earlier than the quarterly rule
    assert out.loc["48-002", "stage"] == "양호"  # the neighbour's August dips repeat every year
    assert area["employees_yoy_lo_pct"] <= area["employees_yoy_pct"] <= area["employees_yoy_hi_pct"]


def test_a_seasonal_dip_in_the_middle_of_the_quarter_is_not_projected_as_a_decline():
    # 2025-07 known only: August's dip of every year is carried in, so the quarter looks as usual
    out = nowcast(build({m: rows_for(m, 1.0, seasonal(m)) for m in MONTHS}), "2025-07").set_index("area_id")
    assert out.loc["48-001", "employees_yoy_pct"] == pytest.approx(0.0, abs=0.05)
    assert set(out["stage"]) == {"양호"}


def test_the_band_holds_the_realised_change_about_as_often_as_it_says():
    # a steady area whose workplaces move ±3 % a month at random: 14 projections (7 quarters × 1 or 2
    # months known), each against what its quarter turned out to be; an 80 % band should hold most of them
    rng = np.random.default_rng(1)
    rows = {}
    for m in month_range("2022-07", "2026-06"):
        rows[m] = rows_for(m)
        for w in rows[m]:
            if w["bjd_code"] == BJD:
                w["members"] = int(round(50 * (1 + rng.normal(0, 0.03))))
    panel = build(rows)
    held, widths = [], []
    for q in ("2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2"):
        months = quarter_months(q)
        real = nowcast(panel, months[2]).set_index("area_id").loc["48-001"]
        for month in months[:2]:
            guess = nowcast(panel, month).set_index("area_id").loc["48-001"]
            assert guess["backtests"] >= 3 and "지역 과거" in guess["band_basis"]
            for name in ("employees", "payroll"):
                lo, hi = guess[f"{name}_yoy_lo_pct"], guess[f"{name}_yoy_hi_pct"]
                held.append(lo <= real[f"{name}_yoy_pct"] <= hi)
                widths.append(hi - lo)
    assert np.mean(held) >= 0.7
    assert 0.3 < np.median(widths) < 5  # a real band, not a point and not everything


def test_the_stage_range_spans_the_stages_the_band_allows():
    # a decline near the 주의 line (−5 %): the band reaches across it
    out = nowcast(build(declining(step=0.975)), "2026-04").set_index("area_id").loc["48-001"]
    scale = ["양호", "주의", "심각"]
    assert scale.index(out["stage_low"]) <= scale.index(out["stage"]) <= scale.index(out["stage_high"])
    if out["stage_low"] != out["stage_high"]:
        assert out["stage_range"] == f"{out['stage']} ({out['stage_low']}~{out['stage_high']} 가능)"
    else:
        assert out["stage_range"] == out["stage"]


def test_in_the_third_month_it_is_the_quarterly_rule_itself():
    panel = build(declining())
    out = nowcast(panel, "2026-06").set_index("area_id")
    rules = stage_history(panel.indicators[panel.indicators["quarter"] == "2026Q2"], panel.params_for).set_index("area_id")
    for col in ("workplaces_yoy_pct", "employees_yoy_pct", "payroll_yoy_pct", "employees_gap_pp"):
        assert out[col].to_numpy() == pytest.approx(rules.loc[out.index, col].to_numpy())
    assert list(out["stage"]) == list(rules.loc[out.index, "stage"])
    assert (out["months_known"] == 3).all() and (out["stage_low"] == out["stage"]).all()
    assert all(r.startswith("분기 실적") for r in out["reason"])


def test_nowcast_uses_no_later_month():
    rows = declining()
    full = build(rows)
    for m in ("2025-10", "2026-01", "2026-04", "2026-05"):
        cut = build({k: v for k, v in rows.items() if k <= m})
        pd.testing.assert_frame_equal(nowcast(full, m), nowcast(cut, m))
    # and the later months do change the answer of the quarter's end (the test above is not vacuous)
    assert not nowcast(full, "2026-06").equals(nowcast(full, "2026-05"))


def test_a_missing_month_gives_no_call():
    rows = {m: r for m, r in declining().items() if m != "2025-05"}  # q−4 of 2026Q2 lacks a month
    out = nowcast(build(rows), "2026-05")
    assert set(out["stage"]) == {"판단유보"} and (out["stage_low"] == "판단유보").all()
    assert "전년 동기 분기 자료에 빠진 달" in out["reason"].iloc[0]


def test_one_province_only_and_bad_parameters():
    panel = build({m: rows_for(m) for m in MONTHS})
    assert nowcast(panel, "2026-05", sido_code="11").empty
    assert len(nowcast(panel, "2026-05", sido_code="48")) == 2
    from helpers.errors import UserError

    with pytest.raises(UserError, match="band_pct"):
        nowcast_params({"nowcast": {"band_pct": 150}})
