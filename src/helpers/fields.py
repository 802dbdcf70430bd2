"""Every column people see, declared once (in the manner of PUDL's `metadata/fields.py`).

A field has its pandas dtype, unit, Korean labels and checks. Table headers (briefs, the explorer,
Excel), chart axis labels, the explorer's indicator menu and the stage reasons all read these
declarations instead of keeping their own copies:

- `label`: the short column header of tables (briefs, explorer, analyst pages);
- `header`: the header with its unit, for the Excel/CSV tables people download;
- `axis`: the chart axis label with its unit, and `kind`, which decides the tick format;
- `option`: the name in the explorer's indicator menu (only fields an analyst can plot have one);
- `reason`: how stage reasons name the indicator ("종사자수 전년동기 대비 −12.3%").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Field:
    name: str
    dtype: str
    unit: str
    label: str
    header: str = ""
    axis: str = ""
    kind: str = ""        # count | krw | wage | yoy | pp | net | share | text | flag
    option: str = ""
    reason: str = ""
    minimum: float | None = None   # check: no value below (NaN allowed)
    description: str = ""


_F = Field
FIELDS: dict[str, Field] = {f.name: f for f in [
    # identity
    _F("quarter", "string", "", "분기", "분기", kind="text"),
    _F("level", "string", "", "구분", "구분", kind="text"),
    _F("unit_id", "string", "", "코드", "코드", kind="text"),
    _F("unit_name", "string", "", "이름", "이름", kind="text"),
    _F("sido_code", "string", "", "시도", "시도코드", kind="text"),
    _F("area_id", "string", "", "지역 코드", "지역 코드", kind="text"),
    _F("area_name", "string", "", "밀집지역", "밀집지역", kind="text"),
    _F("area_type", "string", "", "유형", "유형", kind="text"),
    _F("months_present", "int64", "개월", "자료 개월 수", "자료 개월 수", kind="count", minimum=0),
    _F("complete", "bool", "", "완결 분기", "완결 분기", kind="flag"),
    _F("base_complete", "bool", "", "전년 동기 완결", "전년 동기 완결", kind="flag"),
    # levels
    _F("workplaces", "float64", "개, 월평균", "사업장수", "사업장수(개, 월평균)", "사업장수 (개, 월평균)", "count",
       option="사업장수", reason="사업장수", minimum=0, description="등록 사업장 수, 분기 3개월 평균"),
    _F("employees", "float64", "명, 월평균", "종사자수", "종사자수(명, 월평균)", "종사자수 (명, 월평균)", "count",
       option="종사자수", reason="종사자수", minimum=0, description="가입자수 합, 분기 3개월 평균"),
    _F("payroll_krw", "float64", "원, 분기 합, 하한", "추정 총급여(분기)", "추정 총급여(원, 분기 합, 하한)",
       "추정 총급여 (억원, 분기 합, 하한 추정)", "krw", option="추정 총급여", reason="총급여(추정)", minimum=0,
       description="달마다 당월고지금액 ÷ 그 달의 보험료율의 분기 합 (상한 때문에 하한 추정치)"),
    _F("avg_wage_krw", "float64", "원, 하한", "1인당 월평균 급여", "1인당 월평균 급여(원, 하한)",
       "1인당 월평균 급여 (만원, 하한 추정)", "wage", option="1인당 급여", minimum=0),
    _F("gained", "int64", "명", "신규취득자", "신규취득자(명)", kind="count", minimum=0),
    _F("lost", "int64", "명", "상실자", "상실자(명)", kind="count", minimum=0),
    _F("net_hires", "int64", "명", "순증", "순증(명)", "순증: 신규취득 − 상실 (명, 분기 합)", "net", option="순증"),
    _F("openings", "int64", "개", "신규 사업장", "신규 사업장(개)", kind="count", minimum=0),
    _F("closures", "int64", "개", "탈퇴 사업장", "탈퇴 사업장(개)", kind="count", minimum=0),
    _F("manufacturing_employees", "float64", "명", "제조업 종사자", "제조업 종사자(명)", kind="count", minimum=0),
    _F("manufacturing_share_pct", "float64", "%", "제조업 비중", "제조업 비중(%)", "제조업 종사자 비중 (%)", "share",
       option="제조업 비중", minimum=0),
    _F("top_employer_share_pct", "float64", "%", "최대 사업장 비중", "최대 사업장 비중(%)",
       "최대 사업장의 종사자 비중 (%)", "share", option="최대 사업장 비중", minimum=0),
    _F("largest_closure_members", "int64", "명", "최대 탈퇴 사업장 가입자", "최대 탈퇴 사업장 가입자(명)", kind="count",
       minimum=0, description="분기 중 탈퇴한 가장 큰 사업장의 상실가입자수"),
    _F("largest_closure_month", "string", "", "최대 탈퇴 월", "최대 탈퇴 월", kind="text"),
    _F("workplaces_base", "float64", "개", "전년 동기 사업장수", "전년 동기 사업장수", kind="count", minimum=0),
    _F("employees_base", "float64", "명", "전년 동기 종사자수", "전년 동기 종사자수", kind="count", minimum=0),
    # changes
    _F("workplaces_yoy_pct", "float64", "%", "사업장 전년비", "사업장 전년비(%)", "사업장수 전년동기 대비 (%)", "yoy",
       option="사업장 전년비"),
    _F("employees_yoy_pct", "float64", "%", "종사자 전년비", "종사자 전년비(%)", "종사자수 전년동기 대비 (%)", "yoy",
       option="종사자 전년비"),
    _F("payroll_yoy_pct", "float64", "%", "총급여 전년비", "총급여 전년비(%)", "추정 총급여 전년동기 대비 (%)", "yoy",
       option="총급여 전년비"),
    _F("workplaces_qoq_pct", "float64", "%", "사업장 전분기비", "사업장 전분기비(%)", kind="yoy"),
    _F("employees_qoq_pct", "float64", "%", "종사자 전분기비", "종사자 전분기비(%)", kind="yoy"),
    _F("payroll_qoq_pct", "float64", "%", "총급여 전분기비", "총급여 전분기비(%)", kind="yoy"),
    _F("employees_gap_pp", "float64", "%p", "시도 대비 격차", "시도 대비 격차(%p)", "종사자 증감률의 시도 대비 격차 (%p)",
       "pp", option="시도 대비 격차"),
    _F("employees_gap_nation_pp", "float64", "%p", "전국 대비 격차", "전국 대비 격차(%p)", kind="pp"),
    _F("data_break", "string", "", "자료 연계 이상", "자료 연계 이상", kind="text"),
    # stages
    _F("stage", "string", "", "제안 단계", "제안 단계", kind="text"),
    _F("prev_stage", "string", "", "전분기", "전분기 제안 단계", kind="text"),
    _F("decided_stage", "string", "", "협의회 결정", "협의회 결정", kind="text"),
    _F("reasons", "string", "", "판단 근거", "판단 근거", kind="text"),
    _F("programmes", "string", "", "연계 지원사업", "연계 지원사업", kind="text"),
    # data quality: files read
    _F("file", "string", "", "파일", "파일", kind="text"),
    _F("months", "string", "", "자료 월", "자료 월", kind="text"),
    _F("encoding", "string", "", "인코딩", "인코딩", kind="text"),
    _F("vintage", "string", "", "머리글 형식", "머리글 형식", kind="text"),
    _F("read", "int64", "행", "읽은 행", "읽은 행", kind="count", minimum=0),
    _F("accepted", "int64", "행", "채택", "채택", kind="count", minimum=0),
    _F("rejected", "int64", "행", "격리", "격리", kind="count", minimum=0),
    _F("duplicates", "int64", "행", "중복", "중복", kind="count", minimum=0),
    _F("undecodable_bytes", "int64", "바이트", "깨진 바이트", "깨진 바이트", kind="count", minimum=0),
    _F("unknown_sido_rows", "int64", "행", "시도 미상 행", "시도 미상 행", kind="count", minimum=0),
    _F("status", "string", "", "읽기", "읽기", kind="text"),
    _F("use", "string", "", "사용", "사용", kind="text"),
    _F("excluded_months", "string", "", "제외된 월", "제외된 월", kind="text"),
    _F("note", "string", "", "비고", "비고", kind="text"),
    # data quality: matching (per province, latest month)
    _F("dense_workplaces", "int64", "개", "밀집지역 사업장", "밀집지역 사업장", kind="count", minimum=0),
    _F("dense_employees", "int64", "명", "밀집지역 종사자", "밀집지역 종사자", kind="count", minimum=0),
    _F("dense_workplace_share_pct", "float64", "%", "사업장 비중(%)", "사업장 비중(%)", kind="share", minimum=0),
    _F("dense_employee_share_pct", "float64", "%", "종사자 비중(%)", "종사자 비중(%)", kind="share", minimum=0),
    _F("areas", "int64", "곳", "밀집지역 수", "밀집지역 수", kind="count", minimum=0),
    _F("areas_without_match", "string", "", "배정 0곳인 지역", "배정 0곳인 지역", kind="text"),
    _F("overlap_pairs", "int64", "쌍", "겹침(코드·도로명 쌍)", "겹침(코드·도로명 쌍)", kind="count", minimum=0),
]}

# The quarterly indicator table (`indicators.quarterly_indicators`), in order.
INDICATOR_COLUMNS: tuple[str, ...] = (
    "quarter", "level", "unit_id", "unit_name", "sido_code", "area_type", "months_present", "complete",
    "base_complete", "workplaces", "employees", "payroll_krw", "avg_wage_krw", "gained", "lost", "net_hires",
    "openings", "closures", "manufacturing_employees", "manufacturing_share_pct", "top_employer_share_pct",
    "largest_closure_members", "largest_closure_month", "workplaces_base", "employees_base", "workplaces_yoy_pct", "employees_yoy_pct", "payroll_yoy_pct",
    "workplaces_qoq_pct", "employees_qoq_pct", "payroll_qoq_pct", "employees_gap_pp", "employees_gap_nation_pp",
    "data_break",
)
# Indicators a stage rule may name (params `indicators: [...]`) → their year-on-year field.
RULE_INDICATORS: dict[str, str] = {"workplaces": "workplaces", "employees": "employees", "payroll": "payroll_krw"}


def labels(columns: Iterable[str], **overrides: str) -> dict[str, str]:
    """{column: table label} for `columns`, in order (a few contexts rename one column)."""
    return {c: overrides.get(c, FIELDS[c].label) for c in columns}


def headers(columns: Iterable[str]) -> dict[str, str]:
    """{column: header with unit} for downloads (Excel, CSV)."""
    return {c: FIELDS[c].header or FIELDS[c].label for c in columns}


def axis(column: str) -> tuple[str, str]:
    """(axis label with unit, kind) of a plottable column; unknown columns plot as plain counts."""
    f = FIELDS.get(column)
    return (f.axis, f.kind) if f and f.axis else (column, "count")


def plottable() -> list[tuple[str, str]]:
    """The explorer's indicator menu: (menu name, column), in declaration order of `PLOT_MENU`."""
    return [(FIELDS[c].option, c) for c in PLOT_MENU]


PLOT_MENU: tuple[str, ...] = (
    "employees", "workplaces", "payroll_krw", "avg_wage_krw", "employees_yoy_pct", "workplaces_yoy_pct",
    "payroll_yoy_pct", "employees_gap_pp", "net_hires", "manufacturing_share_pct", "top_employer_share_pct",
)


def rule_label(indicator: str) -> str:
    """How stage reasons name a rule's indicator: 'payroll' → '총급여(추정)'."""
    return FIELDS[RULE_INDICATORS[indicator]].reason


def check(df: pd.DataFrame, columns: Iterable[str] | None = None) -> list[str]:
    """Problems of a table against its declared fields (missing columns, wrong kinds, values below the
    minimum, infinities), in Korean; an empty list when the table is sound."""
    problems = []
    for c in (columns if columns is not None else [c for c in df.columns if c in FIELDS]):
        f = FIELDS[c]
        if c not in df.columns:
            problems.append(f"열 {c}({f.label}) 이(가) 없습니다.")
            continue
        s = df[c]
        if f.dtype.startswith(("float", "int")):
            if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
                problems.append(f"열 {c}({f.label}) 은(는) 수여야 합니다 ({s.dtype}).")
                continue
            v = s.to_numpy(dtype=float)
            if np.isinf(v).any():
                problems.append(f"열 {c}({f.label}) 에 무한대 값이 있습니다.")
            if f.minimum is not None and (v[~np.isnan(v)] < f.minimum).any():
                problems.append(f"열 {c}({f.label}) 에 {f.minimum:g} 보다 작은 값이 있습니다.")
        elif f.dtype == "bool" and not pd.api.types.is_bool_dtype(s):
            problems.append(f"열 {c}({f.label}) 은(는) 참/거짓이어야 합니다 ({s.dtype}).")
    return problems
