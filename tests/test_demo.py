"""The synthetic NPS files look and behave like the portal's, and the planted scenarios get their stages.

Files are read here with pandas/csv only (not with helpers.nps), so these tests state facts about the bytes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import codes, demo
from helpers.errors import UserError
from helpers.periods import add_months
from helpers.schema import NPS_COLUMNS, is_manufacturing

C = NPS_COLUMNS
NAME, BIZNO, STATUS, LOT, ROAD, BJD = C[1], C[2], C[3], C[5], C[6], C[7]
APPLIED, REREG, WITHDRAWN, MEMBERS, CONTRIB, GAINED, LOST = C[15], C[16], C[17], C[18], C[19], C[20], C[21]

REAL_AREAS = {  # domain.md §4: province code → real areas
    "26": ["녹산국가산업단지", "신평장림일반산업단지"],
    "27": ["성서일반산업단지", "대구국가산업단지", "달성1차일반산업단지"],
    "28": ["남동국가산업단지", "부평국가산업단지"],
    "30": ["대전일반산업단지", "대덕테크노밸리"],
    "31": ["울산미포국가산업단지", "온산국가산업단지"],
    "36": ["명학일반산업단지"],
    "41": ["반월국가산업단지", "시화국가산업단지"],
    "51": ["문막반계일반산업단지", "후평일반산업단지", "북평국가산업단지"],
    "43": ["오창과학산업단지", "청주일반산업단지"],
    "44": ["천안제3일반산업단지", "석문국가산업단지"],
    "52": ["군산국가산업단지", "익산국가산업단지", "전주일반산업단지", "김제지평선일반산업단지"],
    # 광주 and 전남 merged into 전남광주통합특별시 (12) on 2026-07-01
    "12": ["여수국가산업단지", "광양국가산업단지", "대불국가산업단지", "하남일반산업단지", "평동일반산업단지"],
    "47": ["구미국가산업단지", "포항철강산업단지", "경산일반산업단지"],
    "48": ["창원국가산업단지", "마산자유무역지역", "옥포국가산업단지", "죽도국가산업단지", "김해골든루트일반산업단지"],
    "50": ["제주첨단과학기술단지"],
    "11": ["서울디지털국가산업단지"],
}


def read_month(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="cp949", encoding_errors="replace", dtype=str, keep_default_na=False)


def read_all(folder: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for p in sorted(folder.glob("*.csv")):
        df = read_month(p)
        out[df[C[0]].iloc[0]] = df
    return out


def keyed(df: pd.DataFrame) -> pd.DataFrame:
    """Deduplicated rows with clean names, indexed by the cross-month key (bizno, name, current code)."""
    df = df.drop_duplicates()
    df = df[~df[NAME].str.contains("\ufffd")].copy()
    df["cur"] = codes.to_current_series(df[BJD])
    return df.set_index([BIZNO, NAME, "cur"])


@pytest.fixture(scope="module")
def demo_dir(demo_raw) -> Path:
    return demo_raw


@pytest.fixture(scope="module")
def months(demo_dir) -> dict[str, pd.DataFrame]:
    return read_all(demo_dir)


@pytest.fixture(scope="module")
def truth(demo_dir) -> dict:
    return json.loads(demo.truth_path(demo_dir).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def era_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("era") / "nps"
    demo.generate_demo(out, workplaces=300, months=("2023-01", "2024-02"), seed=7)
    return out


@pytest.fixture(scope="module")
def era_months(era_dir) -> dict[str, pd.DataFrame]:
    return read_all(era_dir)


# --- the format ----------------------------------------------------------------------------------


def test_one_file_per_month_named_like_the_portal(demo_dir, truth):
    names = sorted(p.name for p in demo_dir.glob("*.csv"))
    assert len(names) == 21  # 2025-01 .. 2026-09, the run's shared demo set
    assert names[0] == "국민연금공단_국민연금 가입 사업장 내역_20250131.csv"
    assert names[-1] == "국민연금공단_국민연금 가입 사업장 내역_20260930.csv"
    assert "국민연금공단_국민연금 가입 사업장 내역_20260228.csv" in names  # the month's last day


def test_header_is_exactly_the_22_portal_columns_in_cp949_with_crlf(demo_dir):
    for p in demo_dir.glob("*.csv"):
        data = p.read_bytes()
        assert data.startswith((",".join(NPS_COLUMNS) + "\r\n").encode("cp949"))
        assert data.count(b"\n") == data.count(b"\r\n") and data.endswith(b"\r\n")


def test_every_row_parses_into_22_fields_with_the_csv_module(demo_dir):
    for p in demo_dir.glob("*.csv"):
        text = p.read_bytes().decode("cp949", errors="replace")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert {len(r) for r in rows} == {22}


def test_same_seed_gives_identical_bytes_and_another_seed_does_not(tmp_path):
    a = demo.generate_demo(tmp_path / "a", workplaces=300, months=("2026-08", "2026-09"), seed=5)
    b = demo.generate_demo(tmp_path / "b", workplaces=300, months=("2026-08", "2026-09"), seed=5)
    c = demo.generate_demo(tmp_path / "c", workplaces=300, months=("2026-08", "2026-09"), seed=6)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert a[1].read_bytes() != c[1].read_bytes()


def test_fields_have_the_published_shapes(months):
    df = months["2026-09"]
    assert df[C[0]].eq("2026-09").all()
    assert df[BIZNO].str.fullmatch(r"\d{6}").all()
    assert df[C[4]].str.fullmatch(r"\d{5}").all()
    assert df[BJD].str.fullmatch(r"\d{10}").all() and df[C[8]].str.fullmatch(r"\d{10}").all()
    assert (df[C[9]] + df[C[10]] + df[C[11]] == df[BJD].str[:8]).all()
    assert set(df[STATUS]) == {"1", "2"} and set(df[C[12]]) == {"1", "2"}
    assert df[C[13]].str.fullmatch(r"\d{6}").all() and (df[C[14]] != "").all()
    for col in (APPLIED, REREG, WITHDRAWN):
        assert df[col].str.fullmatch(r"(\d{4}-\d{2}-\d{2})?").all()
    assert (df[APPLIED] != "").all()
    for col in (MEMBERS, CONTRIB, GAINED, LOST):
        assert df[col].str.fullmatch(r"\d+").all()


def test_lot_address_stops_at_the_legal_dong_and_road_address_at_a_road(months):
    df = months["2026-09"]
    meta = codes.boundary_meta("emd").set_index("code")["emd"]
    emd = df[BJD].str[:8].map(meta)
    assert (df[LOT].str.split().str[-1] == emd).all()
    road = df[ROAD].str.split().str[-1]
    assert road.str.contains(r"(?:로|길)(?:\d+길)?$").all()
    assert df[LOT].str.split().str[0].isin(set(codes.SIDO_NAMES.values())).all()


def test_all_17_provinces_are_present(months):
    df = months["2026-09"]
    assert set(df[C[9]]) == set(codes.SIDO_NAMES)


# --- administrative code changes -------------------------------------------------------------------


@pytest.mark.parametrize("old,new,effective,old_name,new_name", [
    ("42", "51", "2023-06", "강원도", "강원특별자치도"),
    ("45", "52", "2024-01", "전라북도", "전북특별자치도"),
    ("47720", "27720", "2023-07", "경상북도 군위군", "대구광역시 군위군"),
])
def test_codes_and_province_names_are_those_of_the_files_month(era_months, old, new, effective, old_name, new_name):
    files = era_months
    before = files[add_months(effective, -1)]
    after = files[effective]
    assert before[BJD].str.startswith(old).any() and not before[BJD].str.startswith(new).any()
    assert after[BJD].str.startswith(new).any() and not after[BJD].str.startswith(old).any()
    assert before.loc[before[BJD].str.startswith(old), LOT].str.startswith(old_name).all()
    assert after.loc[after[BJD].str.startswith(new), LOT].str.startswith(new_name).all()
    # the same workplaces, followed through the crosswalk
    b = keyed(before)
    a = keyed(after)
    moved = b[b.index.get_level_values("cur").str.startswith(new)].index
    assert len(moved) and moved.isin(a.index).mean() > 0.9


# --- flows and life cycle ------------------------------------------------------------------------


def test_members_change_by_gained_minus_lost_for_continuing_workplaces(months):
    ms = sorted(months)
    checked = 0
    for prev, cur in zip(ms, ms[1:]):
        a, b = keyed(months[prev]), keyed(months[cur])
        assert a.index.is_unique and b.index.is_unique
        both = a.index.intersection(b.index)
        m0 = a.loc[both, MEMBERS].astype(int)
        m1, g, l_ = (b.loc[both, c].astype(int) for c in (MEMBERS, GAINED, LOST))
        assert (m1 == m0 + g - l_).all()
        checked += len(both)
    assert checked > 10_000


def test_withdrawn_workplaces_stay_in_every_later_file(months):
    ms = sorted(months)
    first = keyed(months[ms[0]])
    gone = first[first[STATUS] == "2"].index
    assert len(gone) > 50
    for m in ms[1:]:
        assert gone.isin(keyed(months[m]).index).all()
    last = keyed(months[ms[-1]])
    w = last[last[STATUS] == "2"]
    assert (w[WITHDRAWN] != "").all() and (w[MEMBERS] == "0").all() and (w[CONTRIB] == "0").all()


def test_withdrawal_month_shows_status_2_and_all_members_lost(months):
    a, b = keyed(months["2026-05"]), keyed(months["2026-06"])
    both = a.index.intersection(b.index)
    closed = both[(a.loc[both, STATUS] == "1").to_numpy() & (b.loc[both, STATUS] == "2").to_numpy()]
    assert len(closed) > 5
    assert b.loc[closed, WITHDRAWN].str.startswith("2026-06").all()
    assert (b.loc[closed, LOST] == a.loc[closed, MEMBERS]).all()


def test_openings_have_their_applied_date_in_the_month_and_no_contribution_yet(months):
    a, b = keyed(months["2026-08"]), keyed(months["2026-09"])
    new = b.loc[~b.index.isin(a.index)]
    opened = new[new[APPLIED].str.startswith("2026-09")]
    assert len(opened) > 10
    assert (opened[CONTRIB] == "0").all() and (opened[MEMBERS] == opened[GAINED]).all()
    # the month after, they pay
    assert (b[(b[STATUS] == "1") & ~b[APPLIED].str.startswith("2026-09")][CONTRIB].astype(int) > 0).mean() > 0.99


def test_some_workplaces_re_register(months):
    last = months["2026-09"]
    rr = last[last[REREG] != ""]
    assert (rr[STATUS] == "1").sum() >= 1
    assert (rr[STATUS] == "1").eq(rr[WITHDRAWN] == "").all()
    again = rr[rr[STATUS] == "2"]  # re-registered, then withdrawn again
    assert (again[WITHDRAWN] > again[REREG]).all()


def test_some_workplaces_change_their_name(months):
    a = keyed(months["2025-07"]).reset_index()
    b = keyed(months["2026-09"]).reset_index()
    ka = a.set_index([BIZNO, "cur", APPLIED])[NAME]
    kb = b.set_index([BIZNO, "cur", APPLIED])[NAME]
    common = ka.index.intersection(kb.index)
    changed = (ka.loc[common] != kb.loc[common]).sum()
    assert changed >= 3


# --- distributions ---------------------------------------------------------------------------------


def test_sizes_are_heavy_tailed_and_contributions_stay_under_the_cap(months):
    df = months["2026-09"].drop_duplicates()
    act = df[df[STATUS] == "1"]
    m = act[MEMBERS].astype(int)
    assert (m.between(1, 9)).mean() > 0.6
    assert m.max() >= 300
    contrib = act[CONTRIB].astype(int)
    assert (contrib <= 0.095 * 6_590_000 * m).all()  # 2026-09: rate 9.5 %, cap 6,590,000 KRW
    assert (contrib % 10 == 0).all()


def test_dense_areas_hold_a_minority_of_workplaces_mostly_manufacturing(months):
    df = months["2026-09"].drop_duplicates()
    act = df[df[STATUS] == "1"].copy()
    cur = codes.to_current_series(act[BJD])
    act["area"] = demo.area_of(cur, act[ROAD].str.split().str[-1])
    inside = act["area"] != ""
    assert 0.12 <= inside.mean() <= 0.30
    ref = demo.read_reference(None).set_index("area_id")
    complexes = act[inside & act["area"].map(ref["area_type"]).str.contains("산업단지|자유무역")
                    & ~act["area"].map(ref["area_type"]).isin(["도시첨단산업단지"])]
    assert complexes[C[13]].map(is_manufacturing).mean() > 0.6
    assert act.loc[~inside, C[13]].map(is_manufacturing).mean() < 0.3


def test_areas_with_road_names_hold_workplaces_on_those_roads_only(months):
    ref = demo.read_reference(None)
    filtered = ref[ref["road_names"].map(len) > 0]
    df = pd.concat(months.values()).drop_duplicates(subset=[BJD, ROAD])
    road = df[ROAD].str.split().str[-1]
    for rec in filtered.itertuples():
        here = df[BJD].str[:8].isin(rec.prefixes)
        on_list = here & road.isin(rec.roads)
        assert on_list.any(), rec.area_id
        got = demo.area_of(df.loc[here, BJD], road[here])
        assert [a == rec.area_id for a in got] == on_list[here].tolist()


# --- the real files' quirks --------------------------------------------------------------------------


def test_each_file_has_a_few_exact_duplicate_rows(demo_dir, truth):
    for f in truth["files"]:
        lines = (demo_dir / f["file"]).read_bytes().split(b"\r\n")[1:-1]
        dups = len(lines) - len(set(lines))
        assert dups == f["duplicate_rows"] >= 3


def test_some_files_hold_bytes_that_do_not_decode_as_cp949(demo_dir, truth):
    total = 0
    for f in truth["files"]:
        data = (demo_dir / f["file"]).read_bytes()
        replaced = data.decode("cp949", errors="replace").count("\ufffd")
        assert replaced == f["undecodable_bytes"]
        if f["undecodable_bytes"]:
            with pytest.raises(UnicodeDecodeError):
                data.decode("cp949")
        total += f["undecodable_bytes"]
    assert truth["files"][0]["undecodable_rows"] >= 1 and truth["files"][-1]["undecodable_rows"] >= 1
    assert total >= 2


def test_the_sidecar_lies_beside_the_folder_and_the_folder_says_synthetic(demo_dir, truth):
    assert demo.truth_path(demo_dir).parent == demo_dir.parent
    assert {p.suffix for p in demo_dir.iterdir()} == {".csv", ".txt"}
    assert "합성(가상)" in (demo_dir / demo.SYNTHETIC_MARKER).read_text(encoding="utf-8")
    assert truth["synthetic"] is True


def test_names_with_commas_and_quotes_round_trip_through_csv(demo_dir, months):
    raw = (demo_dir / demo.file_name("2026-09")).read_bytes()
    assert '"(유)케이비에이치""한솥밥상 다잡수소!"""'.encode("cp949") in raw
    names = set(months["2026-09"][NAME])
    assert '(유)케이비에이치"한솥밥상 다잡수소!"' in names
    assert any("," in n for n in names) and "떡, 빵 및 과자류 제조업" in set(months["2026-09"][C[14]])
    assert "<script>alert(1)</script>" in names


# --- planted scenarios -----------------------------------------------------------------------------


def _quarter_stages(months: dict[str, pd.DataFrame], q: tuple[str, ...], q4: tuple[str, ...]) -> dict[str, dict]:
    """domain.md §5 with the default numbers, computed here independently of helpers.stages."""
    frames = []
    for m in q + q4:
        df = months[m].drop_duplicates().copy()
        df["cur"] = codes.to_current_series(df[BJD])
        df["month"] = m
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    pairs = df[["cur", ROAD]].drop_duplicates()
    pairs["area"] = demo.area_of(pairs["cur"], pairs[ROAD].str.split().str[-1])
    df = df.merge(pairs, on=["cur", ROAD])
    df["sido"] = df["cur"].str[:2]
    df["when"] = np.where(df["month"].isin(q), "q", "q4")
    df["m"] = df[MEMBERS].astype(int)
    # the contribution rate by year (domain.md: 9 % to 2025-12, then +0.5 pp each January)
    rate = {str(y): 0.09 if y <= 2025 else 0.09 + 0.005 * (y - 2025) for y in range(2020, 2034)}
    df["p"] = df[CONTRIB].astype(int) / df["month"].str[:4].map(rate)

    def ind(key):
        act = df[df[STATUS] == "1"]
        w = act.groupby([key, "when"]).size() / 3
        e = act.groupby([key, "when"])["m"].sum() / 3
        p = df.groupby([key, "when"])["p"].sum()
        return pd.DataFrame({"W": w, "E": e, "P": p}).fillna(0)

    area, prov = ind("area"), ind("sido")
    out = {}
    for aid in sorted(set(df["area"]) - {""}):
        x, y = area.loc[(aid, "q")], area.loc[(aid, "q4")]
        if y.W < 5 or y.E < 30:
            out[aid] = {"stage": "판단유보"}
            continue
        g = x / y - 1
        gp = prov.loc[(aid[:2], "q")] / prov.loc[(aid[:2], "q4")] - 1
        gap = 100 * (g.E - gp.E)
        gs = [g.W, g.E, g.P]
        if sum(v <= -0.10 for v in gs) >= 2 or (g.E <= -0.10 and gap <= -10):
            st = "심각"
        elif sum(v <= -0.05 for v in gs) >= 1 or (g.E < 0 and gap <= -5):
            st = "주의"
        else:
            st = "양호"
        out[aid] = {"stage": st, "gW": g.W, "gE": g.E, "gP": g.P, "gap": gap}
    return out


@pytest.fixture(scope="module")
def stages_2026q3(months):
    return _quarter_stages(months, ("2026-07", "2026-08", "2026-09"), ("2025-07", "2025-08", "2025-09"))


def test_every_planted_scenario_gets_its_stage(stages_2026q3):
    got = {aid: stages_2026q3.get(aid, {}).get("stage") for aid in demo.planted_expectations()}
    assert got == demo.planted_expectations()


def test_scenarios_are_listed_once_with_distinct_areas_and_cover_every_stage():
    ids = [s.area_id for s in demo.SCENARIOS]
    assert len(ids) == len(set(ids))
    assert set(demo.planted_expectations().values()) == {"양호", "주의", "심각", "판단유보"}
    ref_ids = set(demo.read_reference(None)["area_id"])
    assert set(ids) <= ref_ids
    assert all(s.quarter == "2026Q3" for s in demo.SCENARIOS)


def test_most_unplanted_areas_are_steady_and_a_brief_still_has_something_to_say(stages_2026q3):
    planted = demo.planted_expectations()
    other = [v["stage"] for k, v in stages_2026q3.items() if k not in planted]
    flagged = sum(s in ("주의", "심각") for s in other) / len(other)
    assert 0.03 <= flagged <= 0.35
    allflag = sum(v["stage"] in ("주의", "심각") for v in stages_2026q3.values()) / len(stages_2026q3)
    assert 0.10 <= allflag <= 0.35


# --- command line ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2024-7:2026-09", "2024-07~2026-09", "2026-13:2026-12", "2026-09:2026-01", ""])
def test_unusable_month_ranges_are_korean_user_errors(text):
    with pytest.raises(UserError, match="기간"):
        demo.parse_months(text)


def test_month_ranges_parse():
    assert demo.parse_months("2023-01:2026-09") == ("2023-01", "2026-09")
    assert demo.parse_months("2026-09") == ("2026-09", "2026-09")


def test_cli_writes_files_and_a_korean_summary(tmp_path, capsys):
    from helpers.cli import main

    rc = main(["demo-data", "--out", str(tmp_path / "nps"), "--workplaces", "200", "--months", "2026-09:2026-09"])
    assert rc == 0
    out = capsys.readouterr().out
    assert "합성(가상)" in out and "출력 폴더" in out
    assert len(list((tmp_path / "nps").glob("*.csv"))) == 1
    assert main(["demo-data", "--out", str(tmp_path / "x"), "--months", "2026/09"]) == 2


def test_ensure_demo_data_keeps_an_existing_folder(tmp_path):
    (tmp_path / "a.csv").write_text("x", encoding="utf-8")
    assert demo.ensure_demo_data(tmp_path) == tmp_path
    assert (tmp_path / "a.csv").read_text(encoding="utf-8") == "x"
    assert (tmp_path / demo.SYNTHETIC_MARKER).is_file()


# --- the demo reference ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(demo.default_areas_csv(), dtype=str, keep_default_na=False, encoding="utf-8")


def test_reference_has_the_contract_columns_and_unique_ids(reference):
    assert tuple(reference.columns) == demo.REFERENCE_COLUMNS
    assert reference["area_id"].is_unique
    assert reference["area_id"].str.fullmatch(r"\d{2}-\d{3}").all()
    assert (reference["area_id"].str[:2] == reference["sido_code"]).all()


def test_reference_covers_every_province_with_at_least_three_areas(reference):
    counts = reference["sido_code"].value_counts()
    assert set(counts.index) == set(codes.SIDO_NAMES) and counts.min() >= 3


def test_reference_prefixes_are_known_current_codes_of_their_province(reference):
    for rec in reference.itertuples():
        for p in rec.bjd_codes.split(";"):
            assert re.fullmatch(r"\d{8}|\d{10}", p), p
            assert codes.to_current(p) == p and codes.is_known_code(p), p
            assert p[:2] == rec.sido_code, p
        assert rec.sigungu_code == rec.bjd_codes[:5]


def test_reference_points_lie_in_korea(reference):
    lat, lon = reference["lat"].astype(float), reference["lon"].astype(float)
    assert lat.between(33.0, 38.7).all() and lon.between(124.5, 131.0).all()


def test_reference_lists_every_real_area_and_marks_the_invented_ones(reference):
    real = {(s, n) for s, names in REAL_AREAS.items() for n in names}
    have = set(zip(reference["sido_code"], reference["area_name"]))
    assert real <= have
    invented = have - real
    assert invented and all("(예시)" in n for _, n in invented)


def test_reference_has_road_filters_and_one_nested_overlap(reference):
    assert (reference["road_names"] != "").sum() >= 3
    prefixes = [(aid, p) for aid, ps in zip(reference["area_id"], reference["bjd_codes"]) for p in ps.split(";")]
    nested = [(a, b) for a, p in prefixes for b, q in prefixes if a != b and len(q) == 10 and q.startswith(p)]
    assert nested == [("27-002", "27-004")]


def test_reference_file_is_what_build_reference_rows_gives(reference):
    built = demo.build_reference_rows().astype(str)
    built["lat"] = built["lat"].astype(float)
    built["lon"] = built["lon"].astype(float)
    ref = reference.copy()
    ref["lat"] = ref["lat"].astype(float)
    ref["lon"] = ref["lon"].astype(float)
    pd.testing.assert_frame_equal(built.reset_index(drop=True), ref.reset_index(drop=True), check_dtype=False)
