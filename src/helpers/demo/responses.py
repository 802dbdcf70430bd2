"""Synthetic (합성·가상) field-survey responses for the demo, so the survey loop shows in a demo brief.

For a quarter's survey candidates (`helpers.survey.survey_candidates`) about `RESPONSE_RATE` of the firms
answer, area by area with a seed of (seed, quarter, area), so the same inputs give the same answers. Worse
areas answer worse on average: the chance of 3 (감소·악화) grows, and of 1 (증가·호전) shrinks, with the
area's stage rank and with the firm's own loss of members; outlooks lean a little better than the present
(firms expect a recovery, as real BSI surveys show). Difficulties and the free text lean the same way.
Every row is marked synthetic. Never used for real data (the batch checks `panel.synthetic`).
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from helpers.fieldsurvey import ANSWER_COLUMNS, DIFFICULTIES, RESPONSE_COLUMNS
from helpers.periods import quarter_index, shift_quarter

RESPONSE_RATE = 0.6
SOURCE = "합성(가상) 응답 (데모)"
# Difficulty weights for a firm in a calm and in a serious area (order of `DIFFICULTIES`).
_CALM = np.array([3, 2, 3, 3, 2, 1, 1, 0.5])
_SERIOUS = np.array([6, 3, 4, 3, 2, 5, 3, 0.5])
_COMMENTS = [
    "[합성] 원청 발주가 줄어 잔업을 없앴음",
    "[합성] 원자재 값이 올라 납품 단가를 맞추기 어려움",
    "[합성] 숙련 인력을 구하기 어려움",
    "[합성] 운전자금 대출 만기 연장이 걱정됨",
    "[합성] 다음 분기 신규 수주를 기대함",
]


def _answer(rng: np.random.Generator, p_better: float, p_worse: float) -> int:
    p_better, p_worse = min(max(p_better, 0.03), 0.9), min(max(p_worse, 0.03), 0.9)
    mid = max(1.0 - p_better - p_worse, 0.05)
    p = np.array([p_better, mid, p_worse])
    return int(rng.choice([1, 2, 3], p=p / p.sum()))


def _firm_row(rng: np.random.Generator, cand, rank: int, quarter: str) -> dict:
    shrank = min(max(-float(cand.change_pct) / 100.0, 0.0), 1.0) if cand.change_pct == cand.change_pct else 0.0
    lean = 0.12 * rank + 0.25 * shrank  # how much worse than a calm firm this one answers
    row = {"quarter": quarter, "sido_code": str(cand.sido_code), "area_id": str(cand.area_id),
           "firm_id": str(cand.firm_id)}
    for col in ANSWER_COLUMNS:
        hope = 0.08 if col.endswith("_outlook") else 0.0
        row[col] = _answer(rng, 0.3 - lean / 2 + hope, 0.22 + lean - hope)
    weights = _CALM + min(lean, 1.0) * (_SERIOUS - _CALM)
    k = int(rng.integers(1, 4))
    chosen = set(rng.choice(len(DIFFICULTIES), size=k, replace=False, p=weights / weights.sum()))
    for i, (key, _) in enumerate(DIFFICULTIES):
        row[f"difficulty_{key}"] = int(i in chosen)
    row["comment"] = _COMMENTS[int(rng.integers(len(_COMMENTS)))] if rng.random() < 0.4 else ""
    return row


def synthetic_responses(candidates: pd.DataFrame, stages: pd.DataFrame, quarter: str, seed: int,
                        response_rate: float = RESPONSE_RATE, imported_at: str = "") -> pd.DataFrame:
    """Responses (`fieldsurvey.RESPONSE_COLUMNS`, every row synthetic) of about `response_rate` of the
    `candidates` of `quarter`; `stages` gives each area's stage_rank (how badly its firms answer)."""
    rank = stages.set_index("area_id")["stage_rank"]
    rows = []
    for area_id, grp in candidates.groupby("area_id", sort=True):
        rng = np.random.default_rng([seed, quarter_index(quarter), zlib.crc32(str(area_id).encode("utf-8"))])
        answered = grp[rng.random(len(grp)) < response_rate]
        r = int(rank.get(area_id, 1)) if pd.notna(rank.get(area_id, 1)) else 1
        for i, cand in enumerate(answered.itertuples(index=False), start=1):
            rows.append({**_firm_row(rng, cand, max(r, 0), quarter), "synthetic": 1, "source_file": SOURCE,
                         "source_row": i, "imported_at": imported_at})
    return pd.DataFrame(rows, columns=RESPONSE_COLUMNS)


def seed_previous_quarter(panel, quarter: str, sido_codes: list[str], outputs_root, seed: int) -> dict[str, int]:
    """Demo only: synthetic responses for the survey of the quarter before `quarter` (its flagged areas'
    candidates), for each province of `sido_codes` with no responses stored for that quarter, so the brief
    of `quarter` shows '지난 분기 실태조사'. Returns {sido: responses stored}; {} for real data."""
    from datetime import datetime

    from helpers.fieldsurvey import load_responses, store_responses
    from helpers.stages import quarter_stages
    from helpers.survey import survey_candidates

    prev = shift_quarter(quarter, -1)
    if not panel.synthetic or prev not in set(panel.indicators["quarter"]):
        return {}
    stored = set(load_responses(outputs_root, prev)["sido_code"].astype(str))
    todo = [s for s in sido_codes if s not in stored]
    if not todo:
        return {}
    stages = quarter_stages(panel, prev, todo)
    cands = survey_candidates(panel, stages, prev)
    resp = synthetic_responses(cands, stages, prev, seed, imported_at=datetime.now().isoformat(timespec="seconds"))
    if resp.empty:
        return {}
    store_responses(outputs_root, prev, resp)
    return {str(k): int(v) for k, v in resp["sido_code"].value_counts().items()}
