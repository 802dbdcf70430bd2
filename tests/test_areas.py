import warnings

import pandas as pd
import pytest

from helpers.areas import ReferenceWarning, load_reference, match_areas, match_report
from helpers.errors import UserError
from tests.factories import month_frame, reference, workplace

HEADER = "area_id,area_name,area_type,sido_code,sigungu_code,bjd_codes,road_names,lat,lon\n"


def write_ref(tmp_path, body):
    p = tmp_path / "dense_areas.csv"
    p.write_text(HEADER + body, encoding="utf-8")
    return p


def test_reference_rows_load_with_lists_of_current_codes(tmp_path):
    p = write_ref(tmp_path, "26-001,녹산국가산업단지,국가산업단지,26,26440,26440101;26440102,,35.09,128.86\n")
    ref = load_reference(p)
    assert ref.loc[0, "bjd_codes"] == ["26440101", "26440102"]
    assert ref.loc[0, "road_names"] == []
    assert ref.loc[0, "lat"] == pytest.approx(35.09)


@pytest.mark.parametrize("body, fragment", [
    ("26-001,A,국가,26,,26440101,,,\n26-001,B,국가,26,,26440102,,,\n", "3행"),
    ("26-001,A,국가,26,,2644010,,,\n", "8자리 또는 10자리"),
    ("26-001,A,국가,26,,26999999,,,\n", "경계 자료에도 없는"),
    ("26-001,A,국가,27,,26440101,,,\n", "시도가 다릅니다"),
])
def test_bad_reference_rows_are_korean_errors_naming_the_row(tmp_path, body, fragment):
    with pytest.raises(UserError) as e:
        load_reference(write_ref(tmp_path, body))
    assert fragment in str(e.value)
    assert "dense_areas.csv" in str(e.value)


def test_old_codes_in_a_users_reference_are_mapped_forward_with_a_warning(tmp_path):
    # 춘천시 후평동 written with the pre-2023 강원 code 42.
    p = write_ref(tmp_path, "51-001,후평일반산업단지,일반산업단지,42,42110,42110120,,,\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ref = load_reference(p)
    assert ref.loc[0, "bjd_codes"] == ["51110120"]
    assert ref.loc[0, "sido_code"] == "51"
    assert any(issubclass(w.category, ReferenceWarning) for w in caught)


def test_longest_prefix_wins_and_road_filter_applies():
    ref = reference([
        {"area_id": "48-001", "area_name": "큰단지", "bjd_codes": ["48123101"]},
        {"area_id": "48-002", "area_name": "작은단지", "bjd_codes": ["4812310121"]},
        {"area_id": "48-003", "area_name": "도로단지", "bjd_codes": ["48123102"], "road_names": ["공단로"]},
    ])
    m = month_frame("2026-09", [
        workplace("a", "4812310100", 5),
        workplace("b", "4812310121", 5),
        workplace("c", "4812310200", 5, road="공단로"),
        workplace("d", "4812310200", 5, road="다른로"),
        workplace("e", "1111010100", 5),
    ])
    res = match_areas(m, ref)
    assert res.area_id.tolist()[:3] == ["48-001", "48-002", "48-003"]
    # b lies in both 48-002 (ri) and 48-001 (dong): reported as an overlap resolved to the longer prefix
    assert res.overlaps.set_index("chosen_area_id").loc["48-002", "other_area_ids"] == "48-001"
    assert pd.isna(res.area_id.iloc[3]) and pd.isna(res.area_id.iloc[4])


def test_overlapping_areas_are_resolved_deterministically_and_reported():
    ref = reference([
        {"area_id": "48-010", "area_name": "넓은단지", "bjd_codes": ["48123101"]},
        {"area_id": "48-011", "area_name": "도로지구(예시)", "bjd_codes": ["48123101"], "road_names": ["벤처로"]},
    ])
    m = month_frame("2026-09", [workplace("a", "4812310100", 5, road="벤처로"),
                                workplace("b", "4812310100", 5, road="보통로")])
    res = match_areas(m, ref)
    assert res.area_id.tolist() == ["48-011", "48-010"]
    assert res.overlaps["chosen_area_id"].tolist() == ["48-011"]
    assert res.overlaps["other_area_ids"].tolist() == ["48-010"]


def test_workplaces_with_old_codes_match_after_the_crosswalk():
    ref = reference([{"area_id": "52-001", "area_name": "전주일반산업단지", "bjd_codes": ["52113108"]}])
    m = month_frame("2023-12", [workplace("a", "4511310800", 7)])  # 전북 before 2024-01
    assert match_areas(m, ref).area_id.tolist() == ["52-001"]


def test_match_report_gives_dense_shares_and_unmatched_areas():
    ref = reference([
        {"area_id": "26-001", "area_name": "A", "bjd_codes": ["26440101"]},
        {"area_id": "26-002", "area_name": "B", "bjd_codes": ["26440102"]},
    ])
    m = month_frame("2026-09", [workplace("a", "2644010100", 30), workplace("b", "2611010100", 10),
                                workplace("c", "2644010100", 0, status=2, withdrawn="2026-01-05")])
    res = match_areas(m, ref)
    rep = match_report(m, res.area_id, ref).set_index("sido_code")
    assert rep.loc["26", "workplaces"] == 2
    assert rep.loc["26", "dense_workplace_share_pct"] == pytest.approx(50.0)
    assert rep.loc["26", "dense_employee_share_pct"] == pytest.approx(75.0)
    assert rep.loc["26", "areas_without_match"] == "26-002"


def test_coordinates_that_are_not_numbers_in_korea_are_an_error_naming_the_row(tmp_path):
    from helpers.areas import load_reference
    from helpers.errors import UserError

    p = tmp_path / "areas.csv"
    p.write_text("area_id,area_name,area_type,sido_code,bjd_codes,lat,lon\n48-001,옥포,국가산업단지,48,48310101,북위35,128.7\n",
                 encoding="utf-8")
    with pytest.raises(UserError, match="areas.csv 2행.*위도·경도"):
        load_reference(p)


def test_every_bad_reference_row_is_reported_at_once(tmp_path):
    from helpers.areas import load_reference
    from helpers.errors import UserError

    p = tmp_path / "areas.csv"
    p.write_text("area_id,area_name,area_type,sido_code,bjd_codes\n"
                 "48-001,옥포,국가산업단지,48,4831\n"
                 "48-002,,국가산업단지,48,48310101\n"
                 "48-003,창원,국가산업단지,48,48121101\n", encoding="utf-8")
    with pytest.raises(UserError) as e:
        load_reference(p)
    msg = str(e.value)
    assert "고칠 곳이 2개" in msg and "2행" in msg and "3행" in msg and "4행" not in msg
