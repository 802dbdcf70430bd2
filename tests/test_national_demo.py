"""The national-scale demo: the synthetic reference of about 2,185 areas and `demo-data --scale national`.

Fast: the reference is built without coordinates once, the generated sets are small (`--workplaces`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from helpers import codes, demo
from helpers.areas import load_reference
from helpers.cli import main
from helpers.nps import is_synthetic_dir
from helpers.workspace import resolve_raw_dir

TYPES = {"국가산업단지", "일반산업단지", "농공단지", "도시첨단산업단지", "벤처기업육성촉진지구", "벤처기업집적시설",
         "자유무역지역", "첨단과학기술단지"}


@pytest.fixture(scope="module")
def national() -> pd.DataFrame:
    return demo.national_reference(coordinates=False)


@pytest.fixture(scope="module")
def real() -> pd.DataFrame:
    return pd.read_csv(demo.default_areas_csv(), dtype=str, keep_default_na=False, encoding="utf-8")


def test_about_2185_areas_spread_over_all_16_provinces(national):
    counts = national["sido_code"].value_counts()
    assert len(national) == sum(demo.NATIONAL_AREAS.values()) == 2185
    assert set(counts.index) == set(codes.SIDO_NAMES) and counts.min() >= 25
    assert 300 <= counts["41"] <= 313 and 144 <= counts["44"] <= 154
    assert counts.to_dict() == demo.NATIONAL_AREAS


def test_ids_are_unique_per_province_and_types_are_real(national):
    assert national["area_id"].is_unique and national["area_id"].str.fullmatch(r"\d{2}-\d{3}").all()
    assert (national["area_id"].str[:2] == national["sido_code"]).all()
    assert set(national["area_type"]) <= TYPES


def test_the_real_areas_are_kept_and_the_invented_ones_are_marked(national, real):
    kept = national.set_index("area_id").loc[real["area_id"]]
    assert list(kept["bjd_codes"]) == list(real["bjd_codes"]) and list(kept["area_name"]) == list(real["area_name"])
    invented = national[~national["area_id"].isin(real["area_id"])]
    assert len(invented) == 2185 - len(real) and invented["area_name"].str.endswith("(가상)").all()
    assert invented.groupby("sido_code")["area_name"].apply(lambda s: s.is_unique).all()


def test_no_legal_dong_code_is_in_two_areas(national):
    owner: dict[str, str] = {}
    for aid, cs in zip(national["area_id"], national["bjd_codes"]):
        for c in cs.split(";"):
            assert c not in owner, (c, aid, owner.get(c))
            owner[c] = aid
            assert codes.to_current(c) == c and codes.is_known_code(c) and c[:2] == aid[:2], c
    nested = {(owner[c[:8]], aid) for c, aid in owner.items() if len(c) == 10 and c[:8] in owner}
    assert nested == {("27-002", "27-004")}  # the real reference's one deliberate nesting


def test_the_reference_validates_with_coordinates(tmp_path):
    ref = demo.national_reference(provinces=["36", "50"])
    path = tmp_path / "areas.csv"
    ref.to_csv(path, index=False)
    loaded = load_reference(path)
    assert len(loaded) == demo.NATIONAL_AREAS["36"] + demo.NATIONAL_AREAS["50"]
    assert loaded["lat"].between(33.0, 38.7).all() and loaded["lon"].between(124.5, 131.0).all()


def test_a_large_single_province_is_the_same_as_in_the_national_table(national):
    gg = demo.national_reference(provinces=["41"], coordinates=False)
    pd.testing.assert_frame_equal(gg, national[national["sido_code"] == "41"].reset_index(drop=True))
    big = demo.national_reference(provinces=["41"], areas_per_province={"41": 400}, coordinates=False)
    assert len(big) == 400 and set(big["sido_code"]) == {"41"}


def test_a_large_province_reference_works_with_small_generated_data(tmp_path):
    path = tmp_path / "areas.csv"
    demo.national_reference(provinces=["41"], coordinates=False).to_csv(path, index=False)
    demo.generate_demo(tmp_path / "nps", workplaces=3000, months=("2026-08", "2026-09"), seed=3, areas_csv=path,
                       mix=demo.NATIONAL_MIX)
    units = json.loads(demo.truth_path(tmp_path / "nps").read_text(encoding="utf-8"))["truth"]["units"]
    areas = {k: u for k, u in units.items() if u["level"] == "area"}
    assert len(areas) == 310 and sum(u["W"][-1] > 0 for u in areas.values()) >= 300


def test_cli_national_writes_the_reference_marker_and_the_command(tmp_path, capsys):
    out = tmp_path / "national" / "nps"
    rc = main(["demo-data", "--scale", "national", "--out", str(out), "--workplaces", "3000",
               "--months", "2026-09:2026-09"])
    assert rc == 0
    text = capsys.readouterr().out
    areas = tmp_path / "national" / "dense_areas.csv"
    assert f"python -m helpers run --raw-dir {out} --areas {areas}" in text and "2,185곳" in text
    assert len(pd.read_csv(areas, dtype=str)) == 2185
    assert (out / demo.SYNTHETIC_MARKER).is_file() and demo.truth_path(out).is_file()
    assert len(list(out.glob("*.csv"))) == 1 and not list(Path(out).glob("*.json"))
    assert is_synthetic_dir(out) and resolve_raw_dir(str(out)) == (out, True)
    assert json.loads(demo.truth_path(out).read_text(encoding="utf-8"))["mix"]["national"] is True


def test_cli_national_never_overwrites_a_reference_that_is_not_synthetic(tmp_path, capsys):
    (tmp_path / "dense_areas.csv").write_text("area_id,area_name\n41-001,반월국가산업단지\n", encoding="utf-8")
    assert main(["demo-data", "--scale", "national", "--out", str(tmp_path / "nps"), "--workplaces", "300"]) == 2
    assert "덮어쓰지 않습니다" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["demo-data", "--scale", "world"])
    assert e.value.code == 2
