"""Quarterly indicators on small hand-made panels whose values are computed by hand."""

import math

import pandas as pd
import pytest

from helpers.panel import panel_from_months
from helpers.periods import quarter_months, shift_quarter
from tests.factories import month_frame, reference, workplace

REF = reference([
    {"area_id": "48-001", "area_name": "옥포국가산업단지", "bjd_codes": ["48310101"]},
    {"area_id": "51-001", "area_name": "후평일반산업단지", "bjd_codes": ["51110120"]},
])


def months(year_q):
    return quarter_months(year_q)


def ind(panel, level, unit, quarter):
    df = panel.indicators
    return df[(df.level == level) & (df.unit_id == unit) & (df.quarter == quarter)].iloc[0]


def build(month_rows):
    return panel_from_months(((m, month_frame(m, rows)) for m, rows in month_rows), REF)


def test_quarter_arithmetic():
    assert quarter_months("2026Q3") == ["2026-07", "2026-08", "2026-09"]
    assert shift_quarter("2026Q1", -1) == "2025Q4"
    assert shift_quarter("2026Q3", -4) == "2025Q3"


def test_core_three_are_means_of_snapshots_and_payroll_is_the_quarter_sum():
    # Month 1: two workplaces (10 + 20 members), month 2: 10 + 26, month 3: only 10 active.
    rows = {
        "2026-07": [workplace("a", "4831010100", 10, contribution=900_000),
                    workplace("b", "4831010100", 20, contribution=1_800_000)],
        "2026-08": [workplace("a", "4831010100", 10, contribution=900_000),
                    workplace("b", "4831010100", 26, contribution=2_700_000, gained=6)],
        "2026-09": [workplace("a", "4831010100", 10, contribution=900_000),
                    workplace("b", "4831010100", 0, status=2, withdrawn="2026-09-10", lost=26)],
    }
    p = build(rows.items())
    r = ind(p, "area", "48-001", "2026Q3")
    assert r.workplaces == pytest.approx((2 + 2 + 1) / 3)
    assert r.employees == pytest.approx((30 + 36 + 10) / 3)
    assert r.payroll_krw == pytest.approx((2_700_000 + 3_600_000 + 900_000) / 0.095)  # 2026: 9.5 %
    assert r.gained == 6 and r.lost == 26 and r.net_hires == -20
    assert r.closures == 1
    assert r.top_employer_share_pct == pytest.approx(100 * (20 / 30 + 26 / 36 + 10 / 10) / 3)
    assert r.manufacturing_share_pct == pytest.approx(100.0)  # 29xxxx is manufacturing in KSIC-8
    assert bool(r.complete)


def test_withdrawn_and_duplicated_workplaces_never_inflate_workplaces():
    a = workplace("a", "4831010100", 10)
    gone = workplace("x", "4831010100", 0, status=2, withdrawn="2025-01-03")
    p = build([(m, [a, gone]) for m in months("2026Q3")])
    assert ind(p, "area", "48-001", "2026Q3").workplaces == 1


def test_a_withdrawn_rows_stale_contribution_is_not_payroll():
    a = workplace("a", "4831010100", 10, contribution=900_000)
    gone = workplace("x", "4831010100", 0, status=2, withdrawn="2025-01-03", contribution=450_000)
    p = build([(m, [a, gone]) for m in months("2026Q3")])
    assert ind(p, "area", "48-001", "2026Q3").payroll_krw == pytest.approx(3 * 900_000 / 0.095)


def test_year_on_year_changes_and_gap_to_the_province():
    # Area: 100 → 80 employees (−20%). Rest of the province: 100 → 120. Province: 200 → 200 (0%).
    def q(area_emp, rest_emp):
        return [workplace("a", "4831010100", area_emp), workplace("r", "4812110100", rest_emp)]
    data = [(m, q(100, 100)) for m in months("2025Q3")] + [(m, q(80, 120)) for m in months("2026Q3")]
    p = build(data)
    r = ind(p, "area", "48-001", "2026Q3")
    assert r.employees_yoy_pct == pytest.approx(-20.0)
    assert r.employees_gap_pp == pytest.approx(-20.0)
    assert ind(p, "province", "48", "2026Q3").employees_yoy_pct == pytest.approx(0.0)
    assert ind(p, "province_other", "48-other", "2026Q3").employees_yoy_pct == pytest.approx(20.0)
    assert ind(p, "nation", "KR", "2026Q3").employees == pytest.approx(200)


def test_a_quarter_with_a_missing_month_is_marked_incomplete_not_filled():
    data = [(m, [workplace("a", "4831010100", 10)]) for m in ["2026-07", "2026-09"]]
    p = build(data)
    r = ind(p, "area", "48-001", "2026Q3")
    assert not r.complete and r.months_present == 2
    assert r.employees == pytest.approx(10)  # mean of the months present, not a zero for the gap
    assert math.isnan(r.payroll_krw)  # a two-month sum would look like a collapse: left empty
    assert p.missing_months == ["2026-08"]


def test_gangwon_area_keeps_an_unbroken_series_across_the_2023_code_change():
    # 후평동: published as 42110120.. until 2023-05, as 51110120.. from 2023-06.
    data = []
    for m in months("2022Q2") + months("2023Q2"):
        code = "4211012000" if m < "2023-06" else "5111012000"
        data.append((m, [workplace("a", code, 50)]))
    p = build(data)
    r = ind(p, "area", "51-001", "2023Q2")
    assert r.employees == pytest.approx(50)
    assert r.employees_yoy_pct == pytest.approx(0.0)
    assert ind(p, "province", "51", "2022Q2").employees == pytest.approx(50)


def test_openings_count_new_and_reregistered_workplaces_in_their_month():
    rows = [workplace("new", "4831010100", 3, applied="2026-07-15", contribution=0),
            workplace("back", "4831010100", 4, rereg="2026-08-01"),
            workplace("old", "4831010100", 5)]
    p = build([(m, rows) for m in months("2026Q3")])
    assert ind(p, "area", "48-001", "2026Q3").openings == 2


def test_an_area_without_workplaces_has_zero_and_no_growth_rate():
    p = build([(m, [workplace("a", "4831010100", 10)]) for m in months("2025Q3") + months("2026Q3")])
    r = ind(p, "area", "51-001", "2026Q3")
    assert r.workplaces == 0 and math.isnan(r.employees_yoy_pct)


def test_panel_round_trips_through_disk(tmp_path):
    p = build([(m, [workplace("a", "4831010100", 10)]) for m in months("2026Q3")])
    q = type(p).load(p.save(tmp_path / "panel"))
    pd.testing.assert_frame_equal(p.indicators, q.indicators)
    assert q.reference.loc[0, "bjd_codes"] == REF.loc[0, "bjd_codes"]
