"""The NPS workplace file and the cache, described once (PUDL-style: columns, types, meaning).

`NPS_COLUMNS` is the exact 22-column header of the portal file (국민연금 가입 사업장 내역).
`CACHE_COLUMNS` is the typed, compact table one month becomes after ingest; every analysis step
reads only these columns.
"""

from __future__ import annotations

# Exact header of the monthly file, in order.
NPS_COLUMNS: tuple[str, ...] = (
    "자료생성년월",
    "사업장명",
    "사업자등록번호",
    "사업장가입상태코드 1 등록 2 탈퇴",
    "우편번호",
    "사업장지번상세주소",
    "사업장도로명상세주소",
    "고객법정동주소코드",
    "고객행정동주소코드",
    "법정동주소광역시도코드",
    "법정동주소광역시시군구코드",
    "법정동주소광역시시군구읍면동코드",
    "사업장형태구분코드 1 법인 2 개인",
    "사업장업종코드",
    "사업장업종코드명",
    "적용일자",
    "재등록일자",
    "탈퇴일자",
    "가입자수",
    "당월고지금액",
    "신규취득자수",
    "상실가입자수",
)

# Source column → cache column name (English, used in code).
RENAME: dict[str, str] = {
    "자료생성년월": "month",
    "사업장명": "name",
    "사업자등록번호": "bizno6",
    "사업장가입상태코드 1 등록 2 탈퇴": "status",
    "사업장도로명상세주소": "road_address",
    "고객법정동주소코드": "bjd_code_orig",
    "사업장형태구분코드 1 법인 2 개인": "legal_form",
    "사업장업종코드": "industry_code",
    "사업장업종코드명": "industry_name",
    "적용일자": "applied_date",
    "재등록일자": "reregistered_date",
    "탈퇴일자": "withdrawn_date",
    "가입자수": "members",
    "당월고지금액": "contribution_krw",
    "신규취득자수": "gained",
    "상실가입자수": "lost",
}

# Columns of one cached month (Parquet), with their pandas dtypes and meaning.
CACHE_COLUMNS: dict[str, tuple[str, str]] = {
    "month": ("string", "자료생성년월, 'YYYY-MM'"),
    "name": ("string", "사업장명"),
    "bizno6": ("string", "사업자등록번호 앞 6자리 (고유키 아님)"),
    "status": ("int8", "1 등록, 2 탈퇴"),
    "road_address": ("string", "도로명주소 (도로명까지)"),
    "road_name": ("string", "도로명주소의 마지막 토큰 = 도로명 (밀집지역 도로명 필터에 사용)"),
    "bjd_code_orig": ("string", "파일에 적힌 10자리 법정동코드"),
    "bjd_code": ("string", "현행 10자리 법정동코드 (코드 변경 연계표 적용 후)"),
    "sido_code": ("string", "현행 시도코드 2자리"),
    "sigungu_code": ("string", "현행 시군구코드 5자리"),
    "legal_form": ("int8", "1 법인, 2 개인"),
    "industry_code": ("string", "국민연금 업종코드 6자리 (앞 2자리 = KSIC 8차 중분류)"),
    "industry_name": ("category", "업종명"),
    "applied_date": ("datetime64[s]", "적용일자 (가입일)"),
    "reregistered_date": ("datetime64[s]", "재등록일자"),
    "withdrawn_date": ("datetime64[s]", "탈퇴일자"),
    "members": ("int32", "가입자수 = 종사자 수"),
    "contribution_krw": ("int64", "당월고지금액 (원)"),
    "gained": ("int32", "신규취득자수"),
    "lost": ("int32", "상실가입자수"),
}

# KSIC 8th edition: manufacturing is divisions 15–37.
MANUFACTURING_DIVISIONS = range(15, 38)


def is_manufacturing(industry_code: str) -> bool:
    """True when the NPS industry code's first two digits are a manufacturing division (15–37)."""
    try:
        return int(str(industry_code)[:2]) in MANUFACTURING_DIVISIONS
    except ValueError:
        return False
