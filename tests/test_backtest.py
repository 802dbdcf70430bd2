"""The backtest of early warnings: the scenarios' onsets and windows, the scoring of alerts on hand-made frames,
the quarterly rules measured on the demo, and the backtest's plants leaving every other area unchanged."""

from __future__ import annotations

import csv
import dataclasses
import json

import pandas as pd
import pytest

from helpers import demo
from helpers.demo import backtest, plants, scenarios
from helpers.panel import build_panel
from helpers.params import load_params
from helpers.periods import add_months, month_index, month_range
from helpers.stages import stage_history

ALERT_COLUMNS = ["month", "sido_code", "area_id", "area_name", "signal", "level", "value", "threshold", "reason"]


def alerts_frame(rows: list[tuple[str, str]], signal: str = "employees") -> pd.DataFrame:
    """Alerts with the contract's columns, one per (area_id, month)."""
    return pd.DataFrame([{"month": m, "sido_code": a[:2], "area_id": a, "area_name": a, "signal": signal,
                          "level": "경계", "value": -0.1, "threshold": -0.05, "reason": "시험"} for a, m in rows],
                        columns=ALERT_COLUMNS)


def expect_frame() -> pd.DataFrame:
    rows = [("11-001", "crisis", "sharp_decline", "2026-03", "2026-03", "2026-08"),
            ("11-002", "seasonal", "seasonal", None, None, None),
            ("11-003", "stable", "stable", None, None, None),
            ("11-004", "quiet", "truth", None, None, None),
            ("11-005", "borderline", "truth", None, None, None),
            ("11-006", "crisis", "gradual_decline", "2026-01", "2026-01", "2026-12")]
    return pd.DataFrame([dict(zip(backtest.EXPECT_COLUMNS, (*r, "scenario"))) for r in rows])


# --- the scenarios ----------------------------------------------------------------------------------------


def test_the_scenarios_cover_every_kind_the_issue_names():
    kinds = {s.kind for s in demo.SCENARIOS}
    assert {"sharp_decline", "gradual_decline", "employer_closure", "payroll_decline", "decline_recovery",
            "relative_decline", "stable", "seasonal"} <= kinds
    assert sum(s.kind == "seasonal" for s in demo.SCENARIOS) >= 2


def test_every_crisis_has_an_onset_inside_its_window_and_the_others_have_neither():
    for s in demo.SCENARIOS:
        if s.kind in scenarios.CRISIS_KINDS:
            assert s.window[0] <= s.onset <= s.window[1], s.area_id
            assert month_index(s.window[1]) >= month_index(s.onset) + 6, s.area_id
        else:
            assert s.onset is None and s.window is None, s.area_id


def test_a_crisis_without_a_window_is_refused():
    with pytest.raises(ValueError, match="window"):
        scenarios.Scenario("11-001", "t", "d", "심각", kind="sharp_decline", onset="2026-04")
    with pytest.raises(ValueError, match="outside"):
        scenarios.Scenario("11-001", "t", "d", "심각", kind="sharp_decline", onset="2026-04",
                           window=("2026-05", "2026-12"))


def test_the_new_plants_use_areas_of_the_reference_outside_the_provinces_the_brief_tests_use():
    ref = set(demo.read_reference(None)["area_id"])
    own = [s for s in demo.SCENARIOS if s.plant.own_stream]
    assert own and all(s.area_id in ref for s in own)
    assert not {s.area_id[:2] for s in own} & {"48", "12", "36"}


def test_a_drop_builds_up_over_its_months_and_a_recovery_returns_to_the_old_path():
    sharp = next(s for s in demo.SCENARIOS if s.kind == "sharp_decline" and s.plant.own_stream)
    before, first, full = (plants.drop_share(sharp, add_months(sharp.onset, k)) for k in (-1, 0, 5))
    assert before == 0 and 0 < first < 1 and full == 1
    rec = next(s for s in demo.SCENARIOS if s.kind == "decline_recovery")
    shares = [plants.drop_share(rec, add_months(rec.onset, k)) for k in range(10)]
    assert max(shares) == 1 and shares[-1] == 0
    assert add_months(rec.onset, max(i for i, v in enumerate(shares) if v > 0)) <= rec.window[1]


def test_a_seasonal_course_repeats_every_year_and_has_a_january_dip():
    sea = next(s for s in demo.SCENARIOS if s.kind == "seasonal")
    e = {m: plants.course(sea, m, "2025-01")[1] for m in month_range("2025-01", "2026-12")}
    assert e["2026-01"] < e["2025-12"] and e["2026-08"] > e["2026-04"] * 1.05
    assert e["2026-07"] / e["2025-07"] == pytest.approx(1 + sea.plant.employees_trend, abs=1e-9)


# --- scoring on hand-made alerts --------------------------------------------------------------------------


def test_alerts_are_scored_per_area_month_against_the_windows():
    alerts = pd.concat([
        alerts_frame([("11-001", "2026-01"), ("11-001", "2026-04"), ("11-001", "2026-05"), ("11-001", "2026-10"),
                      ("11-002", "2026-01"), ("11-005", "2026-02"), ("99-001", "2026-02")]),
        alerts_frame([("11-001", "2026-04")], signal="payroll"),  # a second signal, same area-month
    ])
    m = backtest.method_metrics(alerts, expect_frame(), first_month="2025-01")
    assert m["alerted_area_months"] == 7 and m["judged_area_months"] == 5 and m["hits"] == 2
    assert m["precision"] == pytest.approx(2 / 5)
    assert m["precision_areas"] == 0  # 11-001 also alarmed outside its window, 11-002 is seasonal
    assert m["episodes"] == 2 and m["detected"] == 1 and m["recall"] == pytest.approx(0.5)
    assert m["before_window"] == 1 and m["after_window"] == 1
    assert m["false_alarms"]["seasonal"] == {"area_months": 1, "areas": 1, "of_areas": 1}
    assert m["false_alarms"]["stable"]["area_months"] == 0
    ep = {e["area_id"]: e for e in m["per_episode"]}
    assert ep["11-001"]["first_alert"] == "2026-04" and ep["11-001"]["lead_months"] == 1
    assert ep["11-001"]["alerts_before"] == 1 and ep["11-001"]["alerts_after"] == 1
    assert not ep["11-006"]["detected"] and ep["11-006"]["lead_months"] is None
    assert m["mean_lead_months"] == 1 and m["lead_episodes"] == 1
    wrong = {(w["area_id"], w["month"]): (w["verdict"], w["signals"]) for w in m["wrong_alarms"]}
    assert wrong == {("11-001", "2026-01"): ("before", "employees:경계"), ("11-001", "2026-10"): ("after", "employees:경계"),
                     ("11-002", "2026-01"): ("false", "employees:경계")}


def test_an_alert_before_the_onset_is_a_false_alarm_not_a_negative_lead():
    m = backtest.method_metrics(alerts_frame([("11-006", "2025-12"), ("11-006", "2026-03")]), expect_frame(),
                                first_month="2025-01")
    ep = {e["area_id"]: e for e in m["per_episode"]}["11-006"]
    assert ep["first_alert"] == "2026-03" and ep["lead_months"] == 2 and m["before_window"] == 1
    assert m["precision"] == pytest.approx(1 / 2)


def test_lead_time_is_not_measured_without_a_year_of_data_before_the_onset():
    m = backtest.method_metrics(alerts_frame([("11-006", "2026-01")]), expect_frame(), first_month="2025-06")
    ep = {e["area_id"]: e for e in m["per_episode"]}["11-006"]
    assert ep["detected"] and not ep["lead_measured"] and ep["lead_months"] is None
    assert m["mean_lead_months"] is None and m["recall"] == pytest.approx(0.5)


def test_no_alerts_give_no_precision_and_no_recall():
    m = backtest.method_metrics(alerts_frame([]), expect_frame(), first_month="2025-01")
    assert m["precision"] is None and m["recall"] == 0 and m["detected"] == 0


def test_a_flagged_quarter_counts_as_raised_the_month_after_it_ends():
    history = pd.DataFrame({"area_id": ["11-001", "11-001", "11-002", "11-003"],
                            "quarter": ["2026Q1", "2026Q2", "2026Q1", "2026Q1"],
                            "stage": ["주의", "심각", "판단유보", "양호"], "stage_rank": [1, 2, -1, 0]})
    r = backtest.rule_alerts(history)
    assert list(zip(r["area_id"], r["month"])) == [("11-001", "2026-04"), ("11-001", "2026-07")]
    assert list(backtest.rule_alerts(history, delay_months=0)["month"]) == ["2026-03", "2026-06"]


def test_areas_without_a_scenario_are_judged_by_their_true_numbers():
    months = month_range("2025-01", "2026-06")
    flat = [100.0] * len(months)
    falling = [100.0 if m < "2026-01" else 80.0 for m in months]
    unit = {"level": "area", "sido_code": "11"}
    truth = {"months": months, "units": {
        "11-001": {**unit, "W": [20] * 18, "E": flat, "P": [v * 3e6 for v in flat], "P_capped": flat},
        "11-002": {**unit, "W": [20] * 18, "E": falling, "P": [v * 3e6 for v in falling], "P_capped": falling},
        "11": {"level": "province", "sido_code": "11", "W": [400] * 18, "E": [2000.0] * 18,
               "P": [6e9] * 18, "P_capped": [2000.0] * 18}}}
    ex = backtest.truth_expectations(truth, load_params()["stages"]).set_index("area_id")
    assert ex.loc["11-001", "group"] == "quiet" and ex.loc["11-002", "group"] == "truth_crisis"
    assert ex.loc["11-002", "window_start"] == add_months("2026-01", -backtest.TRUTH_LOOKBACK_MONTHS)
    assert pd.isna(ex.loc["11-002", "onset"])
    skipped = backtest.truth_expectations(truth, load_params()["stages"], exclude={"11-002"})
    assert list(skipped["area_id"]) == ["11-001"]


# --- on the demo ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_case(demo_raw):
    truth = json.loads(demo.truth_path(demo_raw).read_text(encoding="utf-8"))["truth"]
    panel = build_panel(demo_raw)
    expect = backtest.expectations(panel.reference["area_id"], truth, load_params()["stages"])
    return panel, truth, expect


def test_every_area_of_the_demo_is_expected_something(demo_case):
    panel, _, expect = demo_case
    assert set(expect["area_id"]) == set(panel.reference["area_id"])
    groups = expect["group"].value_counts()
    assert groups["crisis"] == sum(s.kind in scenarios.CRISIS_KINDS for s in demo.SCENARIOS)
    assert groups["seasonal"] >= 2 and groups["quiet"] >= 20  # most unplanted areas are steady in truth
    assert 1 <= groups.get("truth_crisis", 0) <= 12  # the unplanted mild declines


def test_the_quarterly_rules_catch_the_planted_crises_about_a_quarter_late(demo_case):
    panel, _, expect = demo_case
    rules = backtest.rule_alerts(stage_history(panel.indicators, panel.params_for))
    m = backtest.method_metrics(rules, expect, panel.months[0])
    assert m["recall"] >= 0.75 and m["precision"] >= 0.8
    measured = [e for e in m["per_episode"] if e["lead_months"] is not None]
    assert len(measured) >= 4  # onsets from 2026-01 have a year of data before them
    # the rules cannot raise before the quarter's files are in: never in the onset month, often 3+ months late
    assert all(e["lead_months"] >= 1 for e in measured)
    assert 2.5 <= m["mean_lead_months"] <= 9
    assert m["false_alarms"]["seasonal"]["area_months"] == 0  # year on year, a seasonal pattern cancels
    lines = backtest.report_lines({"rules": m}, expect)
    assert any("분기 단계 규칙" in ln for ln in lines) and any("44-002" in ln for ln in lines)


def _month_on_month_stand_in(truth: dict, drop: float = -0.03) -> pd.DataFrame:
    """A stand-in for monthly alerts, for this test only: true employees down by `drop` or more on the
    previous month. Naive on purpose: it sees a seasonal January dip as a crisis."""
    rows = []
    months = truth["months"]
    for aid, u in truth["units"].items():
        if u["level"] != "area":
            continue
        for i in range(1, len(months)):
            if u["E"][i - 1] > 0 and u["E"][i] / u["E"][i - 1] - 1 <= drop:
                rows.append((aid, months[i]))
    return alerts_frame(rows)


def test_a_naive_monthly_stand_in_is_early_on_a_sharp_drop_but_alarms_in_seasonal_areas(demo_case):
    panel, truth, expect = demo_case
    m = backtest.method_metrics(_month_on_month_stand_in(truth), expect, panel.months[0])
    ep = {e["area_id"]: e for e in m["per_episode"]}
    sharp = next(s for s in demo.SCENARIOS if s.kind == "sharp_decline" and s.plant.own_stream)
    assert ep[sharp.area_id]["lead_months"] in (0, 1)
    assert m["false_alarms"]["seasonal"]["areas"] >= 1
    checks = {c["target"]: c["met"] for c in backtest.target_checks({"alerts": m, "rules": m})}
    assert checks["계절 변동만 있는 지역 경보 0건"] is False


# --- the plants leave every other number alone ------------------------------------------------------------


def test_the_backtest_plants_change_no_other_area_or_province(tmp_path, monkeypatch):
    kw = dict(workplaces=2000, months=("2025-11", "2026-05"), seed=5)
    demo.generate_demo(tmp_path / "with" / "nps", **kw)
    without = [s for s in scenarios.SCENARIOS if not s.plant.own_stream]
    monkeypatch.setattr(scenarios, "SCENARIOS", without)
    demo.generate_demo(tmp_path / "without" / "nps", **kw)
    a, b = (json.loads(demo.truth_path(tmp_path / d / "nps").read_text(encoding="utf-8"))["truth"]["units"]
            for d in ("with", "without"))
    own = {s.area_id for s in demo.SCENARIOS if s.plant.own_stream}
    changed = {u for u in a if a[u] != b[u]}
    assert changed and changed <= own | {aid[:2] for aid in own}
    assert own <= changed
    # the file rows outside the planted areas are the same bytes
    prefixes = tuple(p for aid in own for p in demo.read_reference(None).set_index("area_id").loc[aid, "bjd_codes"])
    def outside(path) -> list[bytes]:
        lines = [ln for ln in path.read_bytes().split(b"\r\n")[1:] if ln]
        codes = [r[7] for r in csv.reader(ln.decode("cp949", errors="replace") for ln in lines)]
        return sorted(ln for ln, code in zip(lines, codes) if not code.startswith(prefixes))

    for f in sorted((tmp_path / "with" / "nps").glob("*.csv")):
        assert outside(f) == outside(tmp_path / "without" / "nps" / f.name), f.name


def test_scenario_dataclass_fields_are_recorded_in_the_sidecar(demo_raw):
    side = json.loads(demo.truth_path(demo_raw).read_text(encoding="utf-8"))
    by_id = {s["area_id"]: s for s in side["scenarios"]}
    for s in demo.SCENARIOS:
        rec = by_id[s.area_id]
        assert rec["kind"] == s.kind and rec["onset"] == s.onset
        assert (tuple(rec["window"]) if rec["window"] else None) == s.window
    assert {f.name for f in dataclasses.fields(scenarios.Scenario)} - {"plant"} == set(by_id["44-002"])


def test_targets_compare_the_alerts_with_the_rules():
    seasonal = {"area_months": 0, "areas": 0, "of_areas": 2}
    a = {"mean_lead_months": 1.0, "recall": 8 / 9, "precision": 0.9, "false_alarms": {"seasonal": seasonal}}
    r = {"mean_lead_months": 4.5}
    checks = {c["target"]: (c["met"], c["shown"]) for c in backtest.target_checks({"alerts": a, "rules": r})}
    assert checks["평균 선행 시간이 분기 규칙보다 3개월 이상 짧음"] == (True, "3.5개월 짧음")
    assert checks["재현율 90% 이상"] == (False, "89%")
    assert checks["정밀도 85% 이상"] == (True, "90%")
    assert checks["계절 변동만 있는 지역 경보 0건"] == (True, "0건")
    assert backtest.target_checks({"rules": r}) == []
