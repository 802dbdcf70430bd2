"""Hand-made cached-month frames (the cache schema) for tests of areas, indicators and stages."""

from __future__ import annotations

import pandas as pd

from helpers import codes
from helpers.params import load_params
from helpers.pension import PensionSchedule


def workplace(name, bjd_code, members, *, status=1, road="테스트로", industry="292201", contribution=None,
              gained=0, lost=0, applied="2010-01-01", rereg=None, withdrawn=None, bizno="123456"):
    """One row of a cached month; `bjd_code` is the code as published (the crosswalk is applied here)."""
    cur = codes.to_current(bjd_code)
    return {
        "name": name, "bizno6": bizno, "status": status, "road_address": f"주소 {road}", "road_name": road,
        "bjd_code_orig": bjd_code, "bjd_code": cur, "sido_code": cur[:2], "sigungu_code": cur[:5],
        "legal_form": 1, "industry_code": industry, "industry_name": "업종",
        "applied_date": pd.Timestamp(applied), "reregistered_date": pd.Timestamp(rereg) if rereg else pd.NaT,
        "withdrawn_date": pd.Timestamp(withdrawn) if withdrawn else pd.NaT,
        "members": members if status == 1 else 0,
        # None: billed at that month's rate on a 3,000,000 KRW wage (filled in by `month_frame`)
        "contribution_krw": (None if status == 1 else 0) if contribution is None else contribution,
        "gained": gained, "lost": lost,
    }


WAGE_KRW = 3_000_000


def month_frame(ym, rows):
    """Rows of one month; contributions left open are the month's rate × 3,000,000 KRW × members, so a
    steady wage bill stays steady across a rate change (as in the real files)."""
    rate = PensionSchedule.from_params(load_params()).rate(ym)
    rows = [dict(r, contribution_krw=round(r["members"] * WAGE_KRW * rate)) if r["contribution_krw"] is None else r
            for r in rows]
    df = pd.DataFrame(rows)
    df.insert(0, "month", ym)
    df["contribution_krw"] = df["contribution_krw"].astype("int64")
    return df


def reference(rows):
    """Reference rows as load_reference returns them (lists for codes and roads)."""
    out = []
    for r in rows:
        r = {"area_type": "일반산업단지", "road_names": [], "lat": float("nan"), "lon": float("nan"), **r}
        r.setdefault("sido_code", r["bjd_codes"][0][:2])
        r.setdefault("sigungu_code", r["bjd_codes"][0][:5])
        out.append(r)
    return pd.DataFrame(out)[["area_id", "area_name", "area_type", "sido_code", "sigungu_code", "bjd_codes",
                              "road_names", "lat", "lon"]]
