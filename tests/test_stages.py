"""Crisis-stage rules of domain.md §5: each rule just inside and just outside its threshold."""

import copy

import pandas as pd
import pytest

from helpers.decisions import load_decisions
from helpers.errors import UserError
from helpers.params import load_params, project_root
from helpers.stages import (
    STAGES_CSV_COLUMNS,
    assign_stages,
    propose_stage,
    stage_history,
    stages_csv_bytes,
)

DEFAULT = load_params()
SP = DEFAULT["stages"]


def row(w=0.0, e=0.0, p=0.0, gap=0.0, wb=50.0, eb=500.0, complete=True, base_complete=True):
    return {"workplaces_yoy_pct": w, "employees_yoy_pct": e, "payroll_yoy_pct": p, "employees_gap_pp": gap,
            "workplaces_base": wb, "employees_base": eb, "complete": complete, "base_complete": base_complete}


@pytest.mark.parametrize("kw, stage", [
    # two of three at or below −10% → 심각; just outside → 주의 (one ≤ −5% still holds)
    ({"w": -10.0, "e": -10.0}, "심각"),
    ({"w": -10.0, "e": -9.99}, "주의"),
    ({"e": -10.0, "p": -12.0}, "심각"),
    # employees ≤ −10% and gap ≤ −10%p → 심각
    ({"e": -10.0, "gap": -10.0}, "심각"),
    ({"e": -10.0, "gap": -9.99}, "주의"),
    # one of three ≤ −5% → 주의; just outside → 양호
    ({"p": -5.0}, "주의"),
    ({"p": -4.99}, "양호"),
    ({"w": -5.0, "e": 2.0}, "주의"),
    # employees < 0 and gap ≤ −5%p → 주의; zero growth is not a decline
    ({"e": -0.1, "gap": -5.0}, "주의"),
    ({"e": -0.1, "gap": -4.99}, "양호"),
    ({"e": 0.0, "gap": -6.0}, "양호"),
    ({}, "양호"),
])
def test_default_rules_at_their_thresholds(kw, stage):
    assert propose_stage(row(**kw), SP)[0] == stage


@pytest.mark.parametrize("kw", [
    {"wb": 4.9}, {"eb": 29.9}, {"complete": False}, {"base_complete": False}, {"wb": float("nan")},
])
def test_no_call_when_the_base_is_too_small_or_a_month_is_missing(kw):
    stage, why = propose_stage(row(e=-30, w=-30, **kw), SP)
    assert stage == "판단유보"
    assert why.startswith("판단유보")


def test_just_big_enough_base_gets_a_call():
    assert propose_stage(row(wb=5, eb=30, e=-30, w=-30), SP)[0] == "심각"


def test_reasons_carry_numbers_and_thresholds_in_korean():
    stage, why = propose_stage(row(e=-12.34, w=-11.0), SP)
    assert stage == "심각"
    assert "종사자수 전년동기 대비 −12.3% (기준 −10%)" in why
    assert "사업장수 전년동기 대비 −11.0%" in why


def test_a_five_step_scale_is_expressible_in_params_alone():
    five = copy.deepcopy(SP)
    five["scale"] = ["양호", "주의", "경고", "심각", "위험"]
    five["rules"] = [
        {"stage": "위험", "any": [{"kind": "count_at_or_below", "indicators": ["workplaces", "employees", "payroll"],
                                 "threshold_pct": -20, "min_count": 2}]},
        {"stage": "심각", "any": [{"kind": "count_at_or_below", "indicators": ["workplaces", "employees", "payroll"],
                                 "threshold_pct": -10, "min_count": 2}]},
        {"stage": "경고", "any": [{"kind": "count_at_or_below", "indicators": ["employees"], "threshold_pct": -10}]},
        {"stage": "주의", "any": [{"kind": "count_at_or_below", "indicators": ["employees"], "threshold_pct": -5}]},
    ]
    assert propose_stage(row(w=-21, e=-25), five)[0] == "위험"
    assert propose_stage(row(w=-11, e=-12), five)[0] == "심각"
    assert propose_stage(row(e=-11), five)[0] == "경고"
    assert propose_stage(row(e=-6), five)[0] == "주의"
    assert propose_stage(row(e=-1), five)[0] == "양호"


def test_the_shipped_chungnam_five_step_example_works_as_a_province_file(tmp_path):
    (tmp_path / "params" / "regions").mkdir(parents=True)
    (tmp_path / "params" / "default.yaml").write_text(
        (project_root() / "params" / "default.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "params" / "regions" / "44.yaml").write_text(
        (project_root() / "params" / "regions" / "44.example.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    sp = load_params("44", root=tmp_path)["stages"]
    assert sp["scale"] == ["양호", "주의", "경고", "심각", "위험"]
    assert propose_stage(row(w=-25, e=-22), sp)[0] == "위험"
    assert propose_stage(row(e=-11), sp)[0] == "경고"
    assert propose_stage(row(e=-11, gap=-12), sp)[0] == "심각"
    assert load_params("44", root=tmp_path)["programmes"]["위험"][-1] == "사업전환"


def test_province_override_file_changes_only_that_province(tmp_path):
    root = tmp_path
    (root / "params" / "regions").mkdir(parents=True)
    (root / "params" / "default.yaml").write_text(
        (project_root() / "params" / "default.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (root / "params" / "regions" / "44.yaml").write_text(
        "stages:\n  scale: [양호, 주의, 경고, 심각, 위험]\n", encoding="utf-8")
    assert load_params("44", root=root)["stages"]["scale"] == ["양호", "주의", "경고", "심각", "위험"]
    assert load_params("48", root=root)["stages"]["scale"] == ["양호", "주의", "심각"]


def indicators_frame():
    base = {"level": "area", "sido_code": "48", "area_type": "국가산업단지", "complete": True,
            "base_complete": True, "workplaces": 40.0, "employees": 400.0, "payroll_krw": 1e9,
            "workplaces_base": 50.0, "employees_base": 500.0, "workplaces_yoy_pct": -20.0,
            "employees_yoy_pct": -20.0, "payroll_yoy_pct": -20.0, "employees_gap_pp": -18.0}
    rows = []
    for q, e in (("2026Q2", -1.0), ("2026Q3", -20.0)):
        rows.append({**base, "quarter": q, "unit_id": "48-001", "unit_name": "옥포국가산업단지",
                     "employees_yoy_pct": e, "workplaces_yoy_pct": e, "payroll_yoy_pct": e,
                     "employees_gap_pp": e + 2})
        rows.append({**base, "quarter": q, "unit_id": "48-002", "unit_name": "<script>alert(1)</script>",
                     "employees_yoy_pct": 1.0, "workplaces_yoy_pct": 1.0, "payroll_yoy_pct": 1.0})
    return pd.DataFrame(rows)


def test_stage_table_carries_previous_stage_decision_and_programmes():
    dec = pd.DataFrame([{"quarter": "2026Q3", "area_id": "48-001", "decided_stage": "주의",
                         "decided_date": "2026-10-20", "note": "조선업 수주 회복 감안"}])
    st = assign_stages(indicators_frame(), "2026Q3", dec, params_for=lambda s: DEFAULT)
    a = st.set_index("area_id").loc["48-001"]
    assert a.stage == "심각" and a.prev_stage == "양호"
    assert a.decided_stage == "주의" and a.decided_note == "조선업 수주 회복 감안"
    assert "사업전환" in a.programmes
    assert st.set_index("area_id").loc["48-002", "decided_stage"] == ""


def test_an_earlier_council_decision_is_shown_next_to_a_later_proposal():
    dec = pd.DataFrame([{"quarter": "2026Q2", "area_id": "48-001", "decided_stage": "주의",
                         "decided_date": "2026-07-21", "note": "지켜봄"}])
    st = assign_stages(indicators_frame(), "2026Q3", dec, params_for=lambda s: DEFAULT).set_index("area_id")
    assert (st.loc["48-001", "decided_quarter"], st.loc["48-001", "decided_stage"]) == ("2026Q2", "주의")
    earlier = assign_stages(indicators_frame(), "2026Q2", dec.assign(quarter="2026Q3"),
                            params_for=lambda s: DEFAULT).set_index("area_id")
    assert earlier.loc["48-001", "decided_stage"] == ""  # a later decision never shows in an earlier brief


def test_stage_history_covers_every_quarter():
    h = stage_history(indicators_frame(), params_for=lambda s: DEFAULT)
    assert sorted(h["quarter"].unique()) == ["2026Q2", "2026Q3"]
    assert len(h) == 4


def test_stages_csv_has_the_contract_columns_bom_and_identical_bytes():
    st = assign_stages(indicators_frame(), "2026Q3", params_for=lambda s: DEFAULT)
    b1, b2 = stages_csv_bytes(st), stages_csv_bytes(st.sample(frac=1, random_state=1))
    assert b1 == b2
    assert b1.startswith("\ufeff".encode())
    header = b1.decode("utf-8-sig").splitlines()[0].split(",")
    assert header == STAGES_CSV_COLUMNS


def write_decisions(tmp_path, body):
    p = tmp_path / "decisions.csv"
    p.write_text("quarter,area_id,decided_stage,decided_date,note\n" + body, encoding="utf-8")
    return p


REF = pd.DataFrame({"area_id": ["48-001"], "sido_code": ["48"]})


@pytest.mark.parametrize("body, fragment", [
    ("2026-3,48-001,주의,2026-10-20,\n", "YYYYQn"),
    ("2026Q3,99-999,주의,2026-10-20,\n", "기준표에 없습니다"),
    ("2026Q3,48-001,경고,2026-10-20,\n", "척도"),
    ("2026Q3,48-001,주의,20.10.2026,\n", "YYYY-MM-DD"),
    ("2026Q3,48-001,주의,2026-10-20,\n2026Q3,48-001,심각,2026-10-21,\n", "두 번"),
])
def test_bad_council_decisions_are_korean_errors_naming_the_line(tmp_path, body, fragment):
    with pytest.raises(UserError) as e:
        load_decisions(write_decisions(tmp_path, body), REF, params_for=lambda s: DEFAULT)
    assert fragment in str(e.value) and "decisions.csv" in str(e.value)


def test_comment_lines_are_skipped_but_a_hash_inside_a_note_is_kept_and_lines_are_counted(tmp_path):
    p = tmp_path / "decisions.csv"
    p.write_text("# 설명\nquarter,area_id,decided_stage,decided_date,note\n2026Q3,48-001,주의,2026-10-20,#3 라인\n"
                 "2026Q3,48-001,주의,2026-10-21,\n", encoding="utf-8")
    with pytest.raises(UserError) as e:
        load_decisions(p, REF, params_for=lambda s: DEFAULT)
    assert "4행" in str(e.value)
    p.write_text("# 설명\nquarter,area_id,decided_stage,decided_date,note\n2026Q3,48-001,주의,2026-10-20,#3 라인\n",
                 encoding="utf-8")
    assert load_decisions(p, REF, params_for=lambda s: DEFAULT).loc[0, "note"] == "#3 라인"


def test_valid_council_decisions_load(tmp_path):
    d = load_decisions(write_decisions(tmp_path, "2026Q3,48-001,주의,2026-10-20,현장 확인\n"), REF,
                       params_for=lambda s: DEFAULT)
    assert d.loc[0, "decided_stage"] == "주의"


def test_every_mistake_in_the_parameters_is_listed_at_once_in_korean(tmp_path):
    import copy

    import yaml

    from helpers.errors import UserError
    from helpers.params import load_params, validate_params

    p = copy.deepcopy(load_params())
    p["stages"]["rules"][0]["any"][0]["indicators"] = ["workplaces", "employes"]  # a typo
    p["stages"]["rules"][1]["any"][0]["threshold_pct"] = "abc"
    p["stages"]["rules"][1]["any"][0]["min_count"] = "two"
    p["stages"]["minimum"]["workplaces"] = "5"
    p["brief"]["trend_quarters"] = "eight"
    with pytest.raises(UserError) as e:
        validate_params(p, "params/default.yaml")
    msg = str(e.value)
    assert "고칠 곳이 5개" in msg
    for part in ("알 수 없는 지표 'employes'", "threshold_pct", "min_count", "stages.minimum.workplaces",
                 "brief.trend_quarters"):
        assert part in msg
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "default.yaml").write_text(yaml.safe_dump(p, allow_unicode=True), encoding="utf-8")
    with pytest.raises(UserError, match="고칠 곳이 5개"):
        load_params(root=tmp_path)


def test_every_bad_decision_row_is_reported_at_once_with_its_line(tmp_path):
    from helpers.errors import UserError

    body = ("2026Q3,48-001,주의,2026-10-20,메모,남는 칸\n"      # one field too many
            "2027Q1,48-001,주의,2026-10-20,미래 분기\n"
            "2026Q2,48-001,주의,2099-01-01,미래 날짜\n"
            "2026Q3,99-999,주의,2026-10-20,없는 지역\n")
    with pytest.raises(UserError) as e:
        load_decisions(write_decisions(tmp_path, body), REF, params_for=lambda s: DEFAULT, today="2026-11-27")
    msg = str(e.value)
    assert "고칠 곳이 4개" in msg
    assert "필드가 6개입니다 (머리글은 5개)" in msg and "분기 2027Q1 는 아직 오지 않았습니다" in msg
    assert "결정일 2099-01-01 는 오늘(2026-11-27) 이후입니다" in msg and "'99-999' 가 기준표에 없습니다" in msg


def test_a_decisions_file_saved_by_korean_excel_in_cp949_is_read(tmp_path):
    p = tmp_path / "decisions.csv"
    p.write_bytes("quarter,area_id,decided_stage,decided_date,note\n2026Q3,48-001,주의,2026-10-20,현장 확인\n"
                  .encode("cp949"))
    d = load_decisions(p, REF, params_for=lambda s: DEFAULT, today="2026-11-27")
    assert d.loc[0, "note"] == "현장 확인" and d.loc[0, "decided_stage"] == "주의"
    p.write_bytes(b"")
    assert load_decisions(p, REF, params_for=lambda s: DEFAULT).empty


def test_a_quoted_note_spanning_lines_may_have_a_line_starting_with_a_hash(tmp_path):
    body = '2026Q3,48-001,주의,2026-10-20,"현장 확인\n# 2차 방문 예정"\n# 주석 줄\n'
    d = load_decisions(write_decisions(tmp_path, body), REF, params_for=lambda s: DEFAULT, today="2026-11-27")
    assert d["note"].tolist() == ["현장 확인\n# 2차 방문 예정"]
