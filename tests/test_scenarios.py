"""The whole pipeline (ingest → match → indicators → stages) gives each planted scenario its stage."""

import pytest

from helpers import demo
from helpers.panel import build_panel
from helpers.stages import assign_stages


@pytest.fixture(scope="module")
def panel(demo_raw):
    return build_panel(demo_raw)


def test_every_planted_scenario_gets_the_stage_it_was_planted_for(panel):
    st = assign_stages(panel.indicators, "2026Q3").set_index("area_id")
    got = {a: st.loc[a, "stage"] for a in demo.planted_expectations()}
    assert got == demo.planted_expectations()


def test_the_data_are_known_to_be_synthetic_and_reasons_are_given(panel):
    assert panel.synthetic
    st = assign_stages(panel.indicators, "2026Q3").set_index("area_id")
    assert "종사자수 전년동기 대비" in st.loc["48-003", "reasons"]
    assert st.loc["51-004", "reasons"].startswith("판단유보")


def test_a_province_s_dense_share_is_reported_for_every_province(panel):
    rep = panel.match_report
    assert len(rep) == 16  # 광주·전남 are one province (12) since 2026-07
    assert (rep["dense_workplaces"] > 0).all() and rep["dense_workplace_share_pct"].between(0, 100).all()
    # 27-004 (a 10-digit ri prefix) lies inside 27-002: the longer prefix wins and the overlap is reported.
    ov = panel.overlaps
    nested = ov[ov["chosen_area_id"] == "27-004"]
    assert len(nested) and set(nested["other_area_ids"]) == {"27-002"}
