"""Today's real files: administrative changes as data (the 2026-07 광주·전남 merger), payroll by each
month's contribution rate, older file vintages, months published twice, and data breaks that never
read as a crisis."""

from __future__ import annotations

import shutil
import warnings

import pandas as pd
import pytest

from helpers import codes, nps
from helpers.areas import ReferenceWarning, load_reference
from helpers.errors import UserError
from helpers.indicators import detect_data_breaks
from helpers.panel import panel_from_months
from helpers.params import load_params, project_root
from helpers.pension import PensionSchedule
from helpers.periods import quarter_months
from helpers.schema import NPS_COLUMNS
from helpers.stages import assign_stages
from tests.factories import month_frame, reference, workplace

YEOSU = "4613014600"      # 전남 여수시 월내동 as published up to 2026-06
YEOSU_NEW = "1213014600"  # the same place from 2026-07 (전남 46abc → 12abc)
HANAM = "2920012300"      # 광주 광산구 장덕동 as published up to 2026-06
HANAM_NEW = "1230012300"  # 광주 29abc → 12(abc+100)
MOKPO_REST = "4611010100"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project root with a copy of the shipped params, active for the test."""
    root = tmp_path / "proj"
    shutil.copytree(project_root() / "params", root / "params")
    monkeypatch.setenv("SME_MONITOR_ROOT", str(root))
    return root


# --- the change table ------------------------------------------------------------------------------


def test_the_merger_maps_both_old_provinces_to_twelve_with_the_official_examples():
    assert codes.to_current("4611000000") == "1211000000"  # 목포시, read from the official file
    assert codes.to_current("2914000000") == "1224000000"  # 광주 서구, read from the official file
    assert [codes.to_current(c + "00000") for c in ("29110", "29155", "29170", "29200")] == [
        "1221000000", "1225500000", "1227000000", "1230000000"]  # the +100 rule for the other districts
    assert "12" in codes.SIDO_NAMES and "29" not in codes.SIDO_NAMES and "46" not in codes.SIDO_NAMES
    assert codes.SIDO_NAMES["12"] == "전남광주통합특별시" and len(codes.SIDO_NAMES) == 16


def test_a_file_of_each_side_of_the_merger_carries_its_own_code():
    assert codes.code_as_of(HANAM_NEW, "2026-06") == HANAM
    assert codes.code_as_of(HANAM_NEW, "2026-07") == HANAM_NEW
    assert codes.code_as_of(YEOSU_NEW, "2026-06") == YEOSU
    assert codes.code_as_of("5113000000", "2023-05") == "4213000000"  # earlier changes still work


def test_a_new_change_is_a_new_row_and_needs_no_code(project, nps_row, nps_write):
    # A made-up next change: 경기 광주시 (41610) gets the code 41620 from 2027-01.
    with open(project / "params" / "code_changes.csv", "a", encoding="utf-8") as f:
        f.write("41610,41620,2027-01,경기도 광주시 코드 변경 (시험용 가상 변경)\n")
    assert codes.to_current("4161033025") == "4162033025"
    assert codes.code_as_of("4162033025", "2026-12") == "4161033025"
    # a reference listing the old code is moved forward with a warning naming the row
    ref = project / "areas.csv"
    ref.write_text("area_id,area_name,area_type,sido_code,bjd_codes\n41-009,도척 농공단지(예시),농공단지,41,41610330\n",
                   encoding="utf-8")
    with pytest.warns(ReferenceWarning, match="areas.csv 2행.*41610330.*41620330"):
        got = load_reference(ref)
    assert got.loc[0, "bjd_codes"] == ["41620330"]
    # rows of both sides are cached under the new code
    raw = project / "raw"
    nps_write(raw / "a.csv", [nps_row(month="2026-12"), nps_row(month="2027-01", bjd_code_orig="4162033025")])
    df, _ = nps.read_month_file(raw / "a.csv")
    assert df["bjd_code"].tolist() == ["4162033025", "4162033025"]


def test_a_cache_built_before_a_change_was_added_is_rebuilt(project, nps_row, nps_write):
    raw = project / "raw"
    nps_write(raw / "a.csv", [nps_row(month="2026-12")])
    cache = project / "cache"
    nps.ingest(raw, cache)
    assert nps.load_months(cache)["bjd_code"].tolist() == ["4161033025"]
    with open(project / "params" / "code_changes.csv", "a", encoding="utf-8") as f:
        f.write("41610,41620,2027-01,시험용 가상 변경\n")
    summary = nps.ingest(raw, cache)
    assert summary.rebuilt_months == ["2026-12"]
    assert nps.load_months(cache)["bjd_code"].tolist() == ["4162033025"]


@pytest.mark.parametrize("row, message", [
    ("4161,41620,2027-01,x", "2·5·8·10자리 숫자"),
    ("41610,4162,2027-01,x", "2·5·8·10자리"),
    ("41610,41620,2027-1,x", "first_month"),
    ("42,51,2023-06,twice", "old_prefix '42' 가"),
    ("41610,99610,2027-01,x", "현행 시도에 없습니다"),
])
def test_a_bad_change_row_is_a_korean_error_naming_the_line(project, row, message):
    with open(project / "params" / "code_changes.csv", "a", encoding="utf-8") as f:
        f.write(row + "\n")
    with pytest.raises(UserError, match=message) as e:
        codes.load_crosswalk(project / "params")
    assert "code_changes.csv" in str(e.value)


def test_a_reference_may_list_a_merged_area_under_old_or_new_codes(tmp_path):
    old = tmp_path / "old.csv"
    old.write_text("area_id,area_name,area_type,sido_code,bjd_codes\n"
                   "46-001,여수국가산업단지,국가산업단지,46,46130146;46130144\n"
                   "29-001,하남일반산업단지,일반산업단지,29,29200123\n", encoding="utf-8")
    with pytest.warns(ReferenceWarning) as rec:
        a = load_reference(old)
    text = " ".join(str(w.message) for w in rec)
    assert "old.csv 2행" in text and "46130146" in text and "old.csv 3행" in text and "29200123" in text
    new = tmp_path / "new.csv"
    new.write_text("area_id,area_name,area_type,sido_code,bjd_codes\n"
                   "46-001,여수국가산업단지,국가산업단지,12,12130146;12130144\n"
                   "29-001,하남일반산업단지,일반산업단지,12,12300123\n", encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new codes are accepted without a word
        b = load_reference(new)
    for df in (a, b):
        assert df["sido_code"].tolist() == ["12", "12"]
        assert df["bjd_codes"].tolist() == [["12300123"], ["12130146", "12130144"]]


def test_the_merger_does_not_break_a_series_or_the_gap(tmp_path):
    ref = reference([{"area_id": "12-001", "area_name": "여수", "bjd_codes": ["12130146"]},
                     {"area_id": "12-004", "area_name": "하남", "bjd_codes": ["12300123"]}])
    months = {}
    for m in quarter_months("2025Q3") + quarter_months("2026Q3"):
        after = m >= "2026-07"
        months[m] = month_frame(m, [workplace(f"여수{i}", YEOSU_NEW if after else YEOSU, 20) for i in range(5)]
                                + [workplace(f"하남{i}", HANAM_NEW if after else HANAM, 16) for i in range(5)]
                                + [workplace("목포상회", "1211010100" if after else MOKPO_REST, 400)])
    p = panel_from_months(months.items(), ref)
    st = assign_stages(p.indicators, "2026Q3").set_index("area_id")
    assert st["stage"].tolist() == ["양호", "양호"]
    assert st["employees_yoy_pct"].tolist() == [0.0, 0.0]
    prov = p.indicators[(p.indicators["level"] == "province") & (p.indicators["quarter"] == "2026Q3")]
    assert set(prov["unit_id"]) == set(codes.SIDO_NAMES)  # 16 provinces, 12 among them
    row = prov.set_index("unit_id").loc["12"]
    assert row.employees == 580 and row.employees_yoy_pct == 0
    assert len(p.data_breaks) == 0


# --- payroll with the real rate schedule ----------------------------------------------------------


def test_the_rate_schedule_is_nine_percent_then_half_a_point_each_january():
    s = PensionSchedule.from_params(load_params())
    assert [s.rate(m) for m in ("2025-12", "2026-01", "2027-06", "2033-01", "2040-01")] == [
        0.09, 0.095, 0.10, 0.13, 0.13]
    assert s.limits_for("2026-06").cap_krw == 6_370_000 and s.limits_for("2026-07").cap_krw == 6_590_000


def test_a_steady_wage_bill_is_steady_payroll_across_the_rate_rise():
    # The same wages billed at 9 % in 2025 and 9.5 % in 2026 (month_frame bills at the month's rate).
    ref = reference([{"area_id": "48-001", "area_name": "창원", "bjd_codes": ["48310101"]}])
    months = {m: month_frame(m, [workplace(f"w{i}", "4831010100", 20) for i in range(6)])
              for m in quarter_months("2025Q3") + quarter_months("2026Q3")}
    p = panel_from_months(months.items(), ref)
    area = p.indicators.query("level == 'area' and quarter == '2026Q3'").iloc[0]
    assert area.payroll_yoy_pct == pytest.approx(0.0, abs=1e-6)
    # a constant 9 % divisor would have reported the rate rise as payroll growth
    q = [months[m]["contribution_krw"].sum() for m in quarter_months("2026Q3")]
    q4 = [months[m]["contribution_krw"].sum() for m in quarter_months("2025Q3")]
    assert 100 * (sum(q) / sum(q4) - 1) == pytest.approx(100 * (0.095 / 0.09 - 1))


def test_a_payroll_decline_under_the_rate_rise_is_seen():
    # Wage bill −6 % (wages cut, same people): payroll ≤ −5 % → 주의. A constant divisor would see −0.8 %.
    ref = reference([{"area_id": "48-001", "area_name": "창원", "bjd_codes": ["48310101"]}])
    rate = PensionSchedule.from_params(load_params()).rate
    months = {}
    for m in quarter_months("2025Q3") + quarter_months("2026Q3"):
        wage = 3_000_000 * (0.94 if m >= "2026" else 1)
        months[m] = month_frame(m, [workplace(f"w{i}", "4831010100", 20, contribution=round(20 * wage * rate(m)))
                                    for i in range(6)])
    p = panel_from_months(months.items(), ref)
    st = assign_stages(p.indicators, "2026Q3").iloc[0]
    assert st.payroll_yoy_pct == pytest.approx(-6.0, abs=0.01)
    assert st.stage == "주의" and "총급여(추정) 전년동기 대비 −6.0%" in st.reasons


def test_a_constant_rate_setting_is_refused_with_a_korean_hint():
    params = load_params()
    params["payroll"] = {"contribution_rate": 0.09}
    with pytest.raises(UserError, match="contribution_rates"):
        PensionSchedule.from_params(params)


# --- older file vintages ---------------------------------------------------------------------------

LEGACY_HEADER = {  # how files published up to about 2019 wrote each header cell
    "자료생성년월": "자료생성년월 DATA_CRT_YM VARCHAR(6)",
    "사업장명": "사업장명 WKPL_NM\tVARCHAR(100)",
    "사업자등록번호": "사업자등록번호 BZOWR_RGST_NO VARCHAR(6)",
    "사업장가입상태코드 1 등록 2 탈퇴": "사업장가입상태코드 1:등록2:탈퇴 WKPL_JNNG_STCD VARCHAR(1)",
    "우편번호": "우편번호 VARCHAR(6)",
    "사업장지번상세주소": "사업장지번상세주소 VARCHAR(200)",
    "사업장도로명상세주소": "사업장도로명상세주소 WKPL_ROAD_NM_DTL_ADDR VARCHAR(200)",
    "고객법정동주소코드": "고객법정동주소코드 VARCHAR(10)",
    "고객행정동주소코드": "고객행정동주소코드 VARCHAR(10)",
    "법정동주소광역시도코드": "법정동주소광역시도코드 LDONG_ADDR_MGPL_DG_CD VARCHAR(2)",
    "법정동주소광역시시군구코드": "법정동주소광역시시군구코드 LDONG_ADDR_MGPL_SGGU_CD VARCHAR(3)",
    "법정동주소광역시시군구읍면동코드": "법정동주소광역시시군구읍면동코드 LDONG_ADDR_MGPL_SGGU_EMD_CD VARCHAR(3)",
    "사업장형태구분코드 1 법인 2 개인": "사업장형태구분코드 1:법인 2:개인 WKPL_STYL_DVCD VARCHAR(1)",
    "사업장업종코드": "사업장업종코드 WKPL_INTP_CD VARCHAR(6)",
    "사업장업종코드명": "사업장업종코드명 VLDT_VL_KRN_NM VARCHAR(100)",
    "적용일자": "적용일자 ADPT_DT VARCHAR(8)",
    "재등록일자": "재등록일자 VARCHAR(8)",
    "탈퇴일자": "탈퇴일자 SCSN_DT VARCHAR(8)",
    "가입자수": "가입자수 JNNGP_CNT INTEGER",
    "당월고지금액": "당월고지금액 CRRMM_NTC_AMT INTEGER",
    "신규취득자수": "신규취득자수 NW_ACQZR_CNT INTEGER",
    "상실가입자수": "상실가입자수 LSS_JNNGP_CNT INTEGER",
}


def _legacy(row: dict) -> list[str]:
    out = dict(row)
    out["자료생성년월"] = row["자료생성년월"].replace("-", "")
    for c in ("적용일자", "재등록일자", "탈퇴일자"):
        out[c] = row[c].replace("-", "")
    return [out[c] for c in NPS_COLUMNS]


def _rows(nps_row):
    return [nps_row(month="2019-03"),
            nps_row(month="2019-03", name='(유)케이비에프에스"전주밥상"', bizno6="418851", bjd_code_orig="4511310700"),
            nps_row(month="2019-03", name="떠난곳", status=2, withdrawn_date="2019-02-28", members=0, contribution_krw=0),
            nps_row(month="2019-03", name="돌아온곳", reregistered_date="2019-03-04", contribution_krw=0)]


def test_an_old_vintage_file_ingests_to_the_same_cache_as_the_current_format(tmp_path, nps_row, nps_write):
    rows = _rows(nps_row)
    nps_write(tmp_path / "new" / "국민연금공단_국민연금 가입 사업장 내역_20190420.csv", rows)
    nps_write(tmp_path / "old" / "국민연금공단_국민연금 가입 사업장 내역_20190420.csv",
              [_legacy(r) for r in rows], header=[LEGACY_HEADER[c] for c in NPS_COLUMNS])
    s_new = nps.ingest(tmp_path / "new", tmp_path / "c_new")
    s_old = nps.ingest(tmp_path / "old", tmp_path / "c_old")
    assert s_old.files[0].vintage == nps.VINTAGE_LEGACY and s_new.files[0].vintage == nps.VINTAGE_CURRENT
    assert s_old.files[0].accepted == 4 and s_old.files[0].rejected == 0
    assert "구형" in s_old.render()
    pd.testing.assert_frame_equal(nps.load_months(tmp_path / "c_old"), nps.load_months(tmp_path / "c_new"))
    got = nps.load_months(tmp_path / "c_old")
    assert got["month"].unique().tolist() == ["2019-03"]
    assert str(got.loc[2, "withdrawn_date"].date()) == "2019-02-28"
    assert got.loc[1, "bjd_code"] == "5211310700"  # and old codes are moved forward as ever


def test_an_old_vintage_header_is_read_in_any_column_order(tmp_path, nps_row, nps_write):
    rows = _rows(nps_row)
    order = list(reversed(NPS_COLUMNS))
    path = nps_write(tmp_path / "r.csv", [[_legacy(r)[NPS_COLUMNS.index(c)] for c in order] for r in rows],
                     header=[LEGACY_HEADER[c] for c in order])
    df, rep = nps.read_month_file(path)
    assert rep.accepted == 4 and df["members"].tolist() == [4, 4, 0, 4]


def test_an_english_code_that_contradicts_the_korean_name_is_an_error(tmp_path, nps_row, nps_write):
    header = [LEGACY_HEADER[c] for c in NPS_COLUMNS]
    header[NPS_COLUMNS.index("가입자수")] = "가입자수 CRRMM_NTC_AMT INTEGER"
    path = nps_write(tmp_path / "r.csv", [_legacy(nps_row(month="2019-03"))], header=header)
    with pytest.raises(UserError, match="r.csv.*가입자수.*CRRMM_NTC_AMT.*당월고지금액"):
        nps.read_month_file(path)


# --- the same month published twice ----------------------------------------------------------------


def test_a_month_published_twice_uses_the_later_upload_when_the_rows_tie(tmp_path, nps_row, nps_write):
    raw = tmp_path / "raw"
    nps_write(raw / "국민연금공단_국민연금 가입 사업장 내역_20260920.csv", [nps_row(month="2026-08", members=5)])
    nps_write(raw / "국민연금공단_국민연금 가입 사업장 내역_20261020.csv", [nps_row(month="2026-08", members=7)])
    s = nps.ingest(raw, tmp_path / "cache")
    assert s.month_sources["2026-08"].endswith("20261020.csv")
    assert nps.load_months(tmp_path / "cache")["members"].tolist() == [7]
    loser = next(r for r in s.files if r.file.endswith("20260920.csv"))
    assert loser.use == "제외" and "20261020.csv" in loser.note


def test_a_month_published_twice_uses_the_file_with_more_rows_whatever_its_date(tmp_path, nps_row, nps_write):
    raw = tmp_path / "raw"
    nps_write(raw / "국민연금공단_국민연금 가입 사업장 내역_20260920.csv",
              [nps_row(month="2026-08"), nps_row(month="2026-08", name="둘째")])
    nps_write(raw / "국민연금공단_국민연금 가입 사업장 내역_20261020.csv", [nps_row(month="2026-08")])  # cut off
    s = nps.ingest(raw, tmp_path / "cache")
    assert s.month_sources["2026-08"].endswith("20260920.csv")


# --- a data break never reads as a crisis ---------------------------------------------------------

CHANGWON, OKPO, JINJU = "4812110100", "4831010100", "4817010100"


def _break_panel(broken_code: str, limits: dict | None = None, months_: list[str] | None = None):
    """An area of 200 employees in 48 whose rows, from 2026-07, carry `broken_code` (a code change the
    crosswalk does not know); the rest of the province is steady."""
    ref = reference([{"area_id": "48-001", "area_name": "창원", "bjd_codes": ["48121101"]},
                     {"area_id": "48-003", "area_name": "옥포", "bjd_codes": ["48310101"]}])
    frames = {}
    for m in months_ or (quarter_months("2025Q3") + ["2026-04", "2026-05", "2026-06"] + quarter_months("2026Q3")):
        code = broken_code if m >= "2026-07" else CHANGWON
        frames[m] = month_frame(m, [workplace(f"c{i}", code, 40) for i in range(5)]
                                + [workplace(f"o{i}", OKPO, 40) for i in range(5)]
                                + [workplace("진주", JINJU, 2000)])
    return panel_from_months(frames.items(), ref, break_limits=limits)


def test_an_area_whose_codes_vanish_gets_no_call_with_the_reason_never_serious():
    p = _break_panel("9912110100")  # sido 99: no province has it
    st = assign_stages(p.indicators, "2026Q3").set_index("area_id")
    assert st.loc["48-001", "stage"] == "판단유보"
    assert "자료 연계 이상" in st.loc["48-001", "reasons"] and "2026-07" in st.loc["48-001", "reasons"]
    assert st.loc["48-003", "stage"] == "양호"  # the other area is not touched
    b = p.data_breaks
    assert b[["level", "unit_id", "first_month", "last_month"]].values.tolist() == [
        ["area", "48-001", "2026-07", "2026-09"]]
    assert any("자료 연계 이상" in w for w in p.warnings())


def test_unknown_sido_rows_are_counted_and_named_at_ingest(tmp_path, nps_row, nps_write):
    nps_write(tmp_path / "raw" / "a.csv", [nps_row(month="2026-08", bjd_code_orig="9912110100"), nps_row(month="2026-08")])
    s = nps.ingest(tmp_path / "raw", tmp_path / "cache")
    assert s.files[0].unknown_sido == {"99": 1}
    assert s.to_frame()["unknown_sido_rows"].tolist() == [1]
    text = s.render()
    assert "현행 시도에 없는 시도코드 99 (1행)" in text and "params/code_changes.csv" in text


def test_a_province_that_halves_in_a_month_makes_no_call_for_all_its_areas():
    # Every 48 row moves to an unknown code from 2026-07: the province collapses.
    ref = reference([{"area_id": "48-001", "area_name": "창원", "bjd_codes": ["48121101"]},
                     {"area_id": "48-003", "area_name": "옥포", "bjd_codes": ["48310101"]}])
    frames = {}
    for m in quarter_months("2025Q3") + quarter_months("2026Q2") + quarter_months("2026Q3"):
        c, o, j = (("9912110100", OKPO, "9917010100") if m >= "2026-07" else (CHANGWON, OKPO, JINJU))
        frames[m] = month_frame(m, [workplace(f"c{i}", c, 40) for i in range(5)]
                                + [workplace(f"o{i}", o, 40) for i in range(5)] + [workplace("진주", j, 2000)])
    p = panel_from_months(frames.items(), ref)
    st = assign_stages(p.indicators, "2026Q3").set_index("area_id")
    assert st["stage"].tolist() == ["판단유보", "판단유보"]
    assert "경남 전체 종사자" in st.loc["48-003", "reasons"] or "경상남도 전체 종사자" in st.loc["48-003", "reasons"]
    assert "province" in set(p.data_breaks["level"])


def test_the_break_limits_are_params():
    # With the area limit above its size, the same vanishing reads as a collapse: that is the limit's job.
    p = _break_panel("9912110100", limits={"area_min_employees": 1000, "province_drop_share": 0.5})
    st = assign_stages(p.indicators, "2026Q3").set_index("area_id")
    assert st.loc["48-001", "stage"] == "심각" and len(p.data_breaks) == 0
    assert load_params()["data_breaks"] == {"province_drop_share": 0.5, "area_min_employees": 30,
                                            "month_check": {"max_change_share": 0.05, "min_rows": 200}}


def test_a_real_decline_is_not_a_data_break():
    ref = reference([{"area_id": "48-003", "area_name": "옥포", "bjd_codes": ["48310101"]}])
    frames = {m: month_frame(m, [workplace(f"o{i}", OKPO, 40 if m < "2026-07" else 25) for i in range(5)])
              for m in quarter_months("2025Q3") + quarter_months("2026Q3")}
    p = panel_from_months(frames.items(), ref)
    assert len(detect_data_breaks(_monthly(frames, ref), ref)) == 0
    assert assign_stages(p.indicators, "2026Q3").iloc[0].stage == "심각"


def _monthly(frames, ref):
    from helpers.areas import AreaMatcher
    from helpers.indicators import monthly_aggregates

    m = AreaMatcher(ref)
    return pd.concat([monthly_aggregates(df, ym, m.match(df["bjd_code"], df["road_name"])) for ym, df in frames.items()],
                     ignore_index=True)


# --- the whole pipeline against the demo's known truth ---------------------------------------------


@pytest.fixture(scope="module")
def merged_demo(demo_raw):
    """Demo files with the 2026-07 merger and the 2026 rate, their panel and their true numbers."""
    import json

    from helpers import demo
    from helpers.panel import build_panel

    raw = demo_raw
    truth = json.loads(demo.truth_path(raw).read_text(encoding="utf-8"))["truth"]
    return raw, build_panel(raw), truth


def test_the_demo_files_carry_the_merger_and_the_rate_rise(merged_demo):
    raw, _, _ = merged_demo
    june = nps.read_month_file(next(raw.glob("*_20260630.csv")))[0]
    july = nps.read_month_file(next(raw.glob("*_20260731.csv")))[0]
    assert {"29", "46"} <= set(june["bjd_code_orig"].str[:2]) and "12" not in set(june["bjd_code_orig"].str[:2])
    assert "12" in set(july["bjd_code_orig"].str[:2]) and not {"29", "46"} & set(july["bjd_code_orig"].str[:2])
    # 당월고지금액 per member and wage rose with the rate: 9 % in 2025-12, 9.5 % in 2026-01
    dec = nps.read_month_file(next(raw.glob("*_20251231.csv")))[0]
    jan = nps.read_month_file(next(raw.glob("*_20260131.csv")))[0]
    key = ["bizno6", "name", "bjd_code"]
    both = dec.merge(jan, on=key, suffixes=("_d", "_j"))
    steady = both[(both["members_d"] == both["members_j"]) & (both["contribution_krw_d"] > 0)
                  & (both["contribution_krw_j"] > 0) & (both["status_j"] == 1)]
    ratio = (steady["contribution_krw_j"] / steady["contribution_krw_d"]).median()
    assert ratio == pytest.approx(0.095 / 0.09, abs=0.002)


@pytest.mark.parametrize("quarter", ["2026Q3", "2026Q1"])
def test_stages_agree_with_the_rules_on_the_true_numbers_across_the_merger(merged_demo, quarter):
    from helpers import demo

    _, panel, truth = merged_demo
    true = demo.true_stages(truth, quarter, load_params()["stages"]).set_index("area_id")
    got = assign_stages(panel.indicators, quarter).set_index("area_id")
    both = true.join(got[["sido_code", "stage", "employees_yoy_pct", "payroll_yoy_pct"]])
    clear = both[both["clear"]]
    assert len(clear) >= 0.8 * len(both)
    assert (clear["true_stage"] == clear["stage"]).mean() >= 0.95
    assert (both["employees_yoy_pct"] > -99).all()  # no area collapses across the merger
    assert len(both[both["sido_code"] == "12"]) == 6 and not len(panel.data_breaks)
    # payroll follows the true wage bill; what is left is the cap (a lower bound) and new workplaces'
    # zero first-month contribution
    err = (both["payroll_yoy_pct"] - both["true_payroll_yoy_pct"]).abs()
    assert err.median() <= 0.5 and (err <= 0.5).mean() >= 0.8 and err.max() <= 2.0
    # while a constant 9 % divisor is off by the rate rise (×1.056) in every area
    constant = (1 + both["payroll_yoy_pct"] / 100) * (0.095 / 0.09) * 100 - 100
    off = (constant - both["true_payroll_yoy_pct"]).abs()
    assert off.median() > 5 and (off > err).all()


def test_an_install_that_misses_the_merger_gets_warnings_and_no_call_not_minus_100(project, nps_row, nps_write):
    """The reported failure: files recoded to 12 from 2026-07 read with a change table that lacks the
    merger. Every 전남 area used to come out 심각 at −100 %, silently."""
    params = project / "params"
    changes = params / "code_changes.csv"
    changes.write_text("".join(line for line in changes.read_text(encoding="utf-8").splitlines(keepends=True)
                               if ",12" not in line and "2026-07" not in line), encoding="utf-8")
    provinces = params / "provinces.csv"
    provinces.write_text(provinces.read_text(encoding="utf-8")
                         .replace("12,전남광주통합특별시,전남광주,\n", "")
                         .replace("29,광주광역시,광주,2026-06", "29,광주광역시,광주,")
                         .replace("46,전라남도,전남,2026-06", "46,전라남도,전남,"), encoding="utf-8")
    assert "46" in codes.SIDO_NAMES and "12" not in codes.SIDO_NAMES
    raw = project / "raw"
    for m in quarter_months("2025Q3") + quarter_months("2026Q2") + quarter_months("2026Q3"):
        code = YEOSU_NEW if m >= "2026-07" else YEOSU
        rows = [nps_row(month=m, name=f"여수{i}", bjd_code_orig=code, members=40) for i in range(5)]
        rows += [nps_row(month=m, name="목포", bjd_code_orig="1211010100" if m >= "2026-07" else MOKPO_REST,
                         members=500)]
        nps_write(raw / f"국민연금공단_국민연금 가입 사업장 내역_{m.replace('-', '')}28.csv", rows)
    ref = project / "areas.csv"
    ref.write_text("area_id,area_name,area_type,sido_code,bjd_codes\n46-001,여수국가산업단지,국가산업단지,46,46130146\n",
                   encoding="utf-8")
    from helpers.panel import build_panel

    summary = nps.ingest(raw, nps.cache_dir_for(raw, project / "cache"))
    assert "현행 시도에 없는 시도코드 12 (6행)" in summary.render()
    panel = build_panel(raw, ref)
    st = assign_stages(panel.indicators, "2026Q3").set_index("area_id")
    assert st.loc["46-001", "stage"] == "판단유보" and "자료 연계 이상" in st.loc["46-001", "reasons"]
    assert any("시도코드의 행" in w for w in panel.warnings())


def test_a_closure_the_file_reports_is_a_crisis_not_a_data_break():
    """Every workplace of an area withdraws in 2026-07 and reports its members lost (as withdrawing
    workplaces do): the area goes to zero for a real reason, and the province's dense total halves."""
    ref = reference([{"area_id": "48-001", "area_name": "창원", "bjd_codes": ["48121101"]},
                     {"area_id": "48-003", "area_name": "옥포", "bjd_codes": ["48310101"]}])
    frames = {}
    for m in quarter_months("2025Q3") + quarter_months("2026Q2") + quarter_months("2026Q3"):
        if m < "2026-07":
            okpo = [workplace(f"o{i}", OKPO, 200) for i in range(5)]
        elif m == "2026-07":
            okpo = [workplace(f"o{i}", OKPO, 0, status=2, withdrawn="2026-07-15", lost=200) for i in range(5)]
        else:
            okpo = [workplace(f"o{i}", OKPO, 0, status=2, withdrawn="2026-07-15") for i in range(5)]
        frames[m] = month_frame(m, okpo + [workplace(f"c{i}", CHANGWON, 100) for i in range(5)]
                                + [workplace("진주", JINJU, 2000)])
    p = panel_from_months(frames.items(), ref)
    assert len(p.data_breaks) == 0
    st = assign_stages(p.indicators, "2026Q3").set_index("area_id")
    assert st.loc["48-003", "stage"] == "심각" and "자료 연계 이상" not in st.loc["48-003", "reasons"]
    assert st.loc["48-001", "stage"] == "양호"


def test_a_panel_folder_from_before_params_were_recorded_still_opens(tmp_path):
    from helpers.panel import Panel

    p = _break_panel("9912110100")
    d = p.save(tmp_path / "_panel")
    for name in ("params.json", "decisions.csv", "data_breaks.parquet"):
        (d / name).unlink()
    ind = pd.read_parquet(d / "indicators.parquet").drop(columns="data_break")
    ind.to_parquet(d / "indicators.parquet", index=False)
    with pytest.warns(UserWarning, match="params.json"):
        old = Panel.load(d)
    assert old.decisions.empty and old.data_breaks.empty and (old.indicators["data_break"] == "").all()
    assert old.params_for("48")["stages"]["scale"] == ["양호", "주의", "심각"]


def test_a_province_file_of_a_retired_province_is_named_in_the_warnings(project):
    (project / "params" / "regions").mkdir(exist_ok=True)
    (project / "params" / "regions" / "46.yaml").write_text("brief:\n  clusters: 3\n", encoding="utf-8")
    from helpers.params import load_config

    p = _break_panel(CHANGWON)
    p.config = load_config(project)
    assert any("regions/46.yaml" in w and "12.yaml" in w for w in p.warnings())


# --- months checked against their neighbours (issue 10) -------------------------------------------


def test_a_month_cut_in_half_is_a_data_problem_for_every_area_not_a_crisis(demo_raw, tmp_path):
    """The 2026-08 file cut at half its bytes: every row left is valid, the counts reconcile, and yet
    half of every province is missing. No call may be 심각 because of it."""
    from helpers.panel import build_panel

    raw = tmp_path / "nps"
    shutil.copytree(demo_raw, raw)
    aug = next(raw.glob("*_20260831.csv"))
    aug.write_bytes(aug.read_bytes()[: aug.stat().st_size // 2])
    panel = build_panel(raw)
    odd = panel.data_breaks
    assert set(odd["first_month"]) == {"2026-08"} and len(set(odd["sido_code"])) == 16
    st = assign_stages(panel.indicators, "2026Q3")
    assert (st["stage"] == "판단유보").all()
    assert st["reasons"].str.contains("자료 이상: 2026-08").all()
    assert any("2026-08" in w and "앞뒤 달" in w for w in panel.warnings())


def test_rows_written_with_the_next_month_leave_a_dip_that_is_caught():
    ref = reference([{"area_id": "48-003", "area_name": "옥포", "bjd_codes": ["48310101"]}])
    frames = {}
    for m in quarter_months("2025Q3") + quarter_months("2026Q2") + quarter_months("2026Q3"):
        rows = [workplace(f"o{i}", OKPO, 40) for i in range(5)] + [workplace(f"j{i}", JINJU, 10) for i in range(295)]
        if m == "2026-08":  # every 10th row relabelled 2026-09 in the file: the month loses 10 %
            rows = rows[:270]
        frames[m] = month_frame(m, rows)
    p = panel_from_months(frames.items(), ref)
    assert p.data_breaks["first_month"].tolist() == ["2026-08"]
    st = assign_stages(p.indicators, "2026Q3").iloc[0]
    assert st.stage == "판단유보" and "파일 행 수가 앞뒤 달(중앙값) 300 보다 10% 적습니다" in st.reasons


def test_stages_and_run_show_which_file_supplies_a_month_and_which_files_were_not_read(project, nps_row, nps_write):
    from helpers.workspace import open_panel

    raw = project / "raw"
    ref = project / "areas.csv"
    ref.write_text("area_id,area_name,area_type,sido_code,bjd_codes\n41-001,도척,농공단지,41,41610330\n", encoding="utf-8")
    nps_write(raw / "국민연금공단_국민연금 가입 사업장 내역_20260920.csv", [nps_row(month="2026-08")])
    nps_write(raw / "국민연금공단_국민연금 가입 사업장 내역_20261020.csv", [nps_row(month="2026-08", members=5)])
    nps_write(raw / "backup" / "old.csv", [nps_row(month="2026-08")])
    warnings_ = open_panel(raw, ref).warnings()
    assert any("20260920.csv" in w and "게시일이 늦은 쪽" in w for w in warnings_)
    assert any("backup/old.csv" in w and "하위 폴더" in w for w in warnings_)
