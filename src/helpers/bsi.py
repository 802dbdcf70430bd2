"""Business survey index (BSI, 기업경기실사지수) per dense area from the stored field-survey responses
(`helpers.fieldsurvey`), and the council brief's section "현장 체감 (실태조사)".

BSI of a question and period (현재 = the survey quarter against the one before, 전망 = the next quarter
against the survey quarter) = 100 + (share answering 1 증가·호전 − share answering 3 감소·악화) × 100, over
an area's responses; above 100 more firms answer better than worse. An area with fewer than
`MIN_RESPONSES` responses gets its count only: no index, no difficulties.

Only area aggregates leave this module. No firm-level answer, firm name, response id or free text is
ever rendered (tests/test_fieldsurvey.py checks the exported brief).
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import pandas as pd

from helpers.agenda import BriefContext, with_sigungu
from helpers.fieldsurvey import (
    DIFFICULTIES,
    LOOKBACK_QUARTERS,
    MIN_RESPONSES,
    PERIODS,
    QUESTIONS,
    TOP_DIFFICULTIES,
    load_responses,
)
from helpers.files import digest
from helpers.fmt import fmt_pct
from helpers.periods import quarter_label, shift_quarter

e = html.escape
BSI_COLUMNS = [f"bsi_{q}_{p}" for q, _ in QUESTIONS for p, _ in PERIODS]


def bsi(answers: pd.Series) -> float:
    """100 + (share of 1 − share of 3) × 100 over the answers (codes 1, 2, 3 as numbers or text); NaN when
    there are none."""
    codes = pd.to_numeric(pd.Series(answers), errors="coerce").dropna()
    if codes.empty:
        return float("nan")
    return 100.0 + 100.0 * (float((codes == 1).mean()) - float((codes == 3).mean()))


def area_bsi(responses: pd.DataFrame, min_responses: int = MIN_RESPONSES) -> pd.DataFrame:
    """One row per area of `responses`: area_id, n (responses), `BSI_COLUMNS` (NaN when n < min_responses),
    difficulties ([(label, firms citing it)], the `TOP_DIFFICULTIES` most cited, [] when n < min_responses)
    and synthetic (any response synthetic)."""
    rows = []
    for area_id, grp in responses.groupby("area_id", sort=True):
        n = len(grp)
        row = {"area_id": area_id, "n": n, "synthetic": bool((grp["synthetic"].astype(str) == "1").any())}
        enough = n >= min_responses
        for q, _ in QUESTIONS:
            for p, _ in PERIODS:
                row[f"bsi_{q}_{p}"] = bsi(grp[f"{q}_{p}"]) if enough else float("nan")
        cited = [(label, int(pd.to_numeric(grp[f"difficulty_{k}"], errors="coerce").fillna(0).sum()))
                 for k, label in DIFFICULTIES]
        cited = sorted([c for c in cited if c[1] > 0], key=lambda c: -c[1])  # stable: list order breaks ties
        row["difficulties"] = cited[:TOP_DIFFICULTIES] if enough else []
        rows.append(row)
    return pd.DataFrame(rows, columns=["area_id", "n", *BSI_COLUMNS, "difficulties", "synthetic"])


def latest_survey(outputs_root: str | Path, sido_code: str, quarter: str,
                  lookback: int = LOOKBACK_QUARTERS) -> tuple[str | None, pd.DataFrame]:
    """(survey quarter, the province's responses) of the latest quarter from `quarter` back `lookback`
    quarters with stored responses for the province; (None, empty) when there is none."""
    for k in range(lookback + 1):
        q = shift_quarter(quarter, -k)
        df = load_responses(outputs_root, q)
        df = df[df["sido_code"].astype(str) == str(sido_code)]
        if len(df):
            return q, df.reset_index(drop=True)
    return None, load_responses(outputs_root, quarter).iloc[0:0]


def survey_key(outputs_root: str | Path, sido_code: str, quarter: str) -> str:
    """Digest of the province's stored responses in every quarter the brief of `quarter` may read: part of
    the batch's province input key, so an import refreshes the brief."""
    facts = {}
    for k in range(LOOKBACK_QUARTERS + 1):
        q = shift_quarter(quarter, -k)
        df = load_responses(outputs_root, q)
        facts[q] = df[df["sido_code"].astype(str) == str(sido_code)].to_dict("records")
    return digest(facts)


def _outputs_root(ctx: BriefContext, outputs_dir: str | Path | None) -> Path:
    if outputs_dir:
        return Path(outputs_dir)
    from helpers.params import load_config

    return (ctx.panel.config or load_config()).path("outputs")


def _bsi_text(v: float) -> str:
    if v != v:
        return "–"
    shown = math.floor(v + 0.5)  # half up: 62.5 → 63
    cls = "bsi-up" if shown > 100 else "bsi-down" if shown < 100 else "bsi-even"
    return f'<span class="{cls}">{shown}</span>'


def _survey_when(survey_q: str, quarter: str) -> str:
    k = (int(quarter[:4]) * 4 + int(quarter[-1])) - (int(survey_q[:4]) * 4 + int(survey_q[-1]))
    return {0: "이번 분기 조사", 1: "지난 분기 조사"}.get(k, f"{k}분기 전 조사")


def _area_row(ctx: BriefContext, r, agg: dict) -> str:
    """One line per surveyed area with an index: stage, 종사자 / 총급여 year-on-year, n, BSI 현재 / 전망 of each
    question, the most-cited difficulties."""
    from helpers.report import stage_chip_html

    yoy = f"<span>{fmt_pct(r.employees_yoy_pct)} / {fmt_pct(r.payroll_yoy_pct)}</span>"
    cells = [f'<td data-label="제안 단계">{stage_chip_html(r.stage, ctx.scale)}</td>',
             f'<td class="num" data-label="종사자 / 총급여 전년비">{yoy}</td>',
             f'<td class="num" data-label="응답">{agg["n"]}곳</td>']
    for q, label in QUESTIONS:
        cells.append(f'<td class="num" data-label="{e(label)} (현재 / 전망)"><span>{_bsi_text(agg[f"bsi_{q}_now"])} / '
                     f'{_bsi_text(agg[f"bsi_{q}_outlook"])}</span></td>')
    diff = " · ".join(f"{e(label)} {count}곳" for label, count in agg["difficulties"]) or "–"
    cells.append(f'<td class="text" data-label="주요 애로"><span>{diff}</span></td>')
    return (f'<tr><th scope="row">{e(str(r.area_name))} <small>{e(str(r.sigungu))}</small></th>'
            f"{''.join(cells)}</tr>")


def _named(label: str, items: list[str], limit: int = 12) -> str:
    """'label (n곳): A, B, … 외 k곳' as one paragraph, or '' when there is none."""
    if not items:
        return ""
    more = f" 외 {len(items) - limit:,}곳" if len(items) > limit else ""
    return f'<p class="field-named"><strong>{e(label)} ({len(items):,}곳)</strong>: {e(", ".join(items[:limit]))}{more}</p>'


def _lead_html(ctx: BriefContext, survey_q: str, responses: pd.DataFrame, aggs: pd.DataFrame, shown: set[str]
               ) -> str:
    synthetic = bool(aggs["synthetic"].any())
    others = len(set(aggs["area_id"]) - shown)
    out = [f"<p><strong>{quarter_label(survey_q)} 실태조사</strong> ({_survey_when(survey_q, ctx.quarter)}): "
           f"조사 지역 {len(aggs):,}곳, 응답 사업장 {len(responses):,}곳. 위 주의·심각 지역의 국민연금 지표 옆에 "
           "사업장이 느끼는 경기(BSI)를 보입니다."
           + (f" 조사했으나 이번 분기에 주의 이상이 아닌 지역 {others:,}곳은 표에서 뺐습니다." if others else "")
           + (" <strong>합성(가상) 응답</strong>입니다 (데모)." if synthetic else "") + "</p>",
           '<p class="sme-muted">BSI(기업경기실사지수) = 100 + (호전 응답 비율 − 악화 응답 비율) × 100. '
           "<strong>100 초과 = 호전 응답이 많음</strong>, 100 미만 = 악화 응답이 많음. 현재 = 조사 분기의 사정(직전 "
           "분기 대비), 전망 = 그다음 분기 전망. 응답이 3곳 미만인 지역은 지수와 애로사항을 싣지 않으며, 개별 사업장의 "
           "응답은 싣지 않습니다.</p>"]
    return "\n".join(out)


def field_survey_html(ctx: BriefContext, outputs_dir: str | Path | None = None) -> str:
    """현장 체감 (실태조사): for each flagged area (`ctx.flagged`), its proposed stage, 종사자/총급여 year-on-year
    change, and from the latest stored survey (`latest_survey`) the response count, BSI 현재/전망 per question
    and the most-cited difficulties; '실태조사 안 함' for an area not surveyed. Area aggregates only."""
    root = _outputs_root(ctx, outputs_dir)
    survey_q, responses = latest_survey(root, ctx.sido_code, ctx.quarter)
    if survey_q is None:
        first = shift_quarter(ctx.quarter, -LOOKBACK_QUARTERS)
        return (f"<p>{quarter_label(first)}부터 {quarter_label(ctx.quarter)}까지 {e(ctx.province)}에서 가져온 실태조사 "
                "응답이 없어 현장 체감 지표(BSI)를 싣지 않았습니다.</p>")
    aggs = area_bsi(responses)
    fl = ctx.flagged
    if fl.empty:
        return (_lead_html(ctx, survey_q, responses, aggs, set())
                + "<p>이번 분기에는 주의 이상 단계로 제안된 밀집지역이 없습니다.</p>")
    limit = int(ctx.params.get("brief", {}).get("survey_rows", 10))
    by_area = {a["area_id"]: a for a in aggs.to_dict("records")}
    fl = with_sigungu(ctx, fl)
    n_of = fl["area_id"].map(lambda a: by_area[a]["n"] if a in by_area else 0)
    indexed = fl[n_of >= MIN_RESPONSES]
    few = [f"{name}({n}곳)" for name, n in zip(fl.loc[(n_of > 0) & (n_of < MIN_RESPONSES), "area_name"],
                                               n_of[(n_of > 0) & (n_of < MIN_RESPONSES)])]
    not_surveyed = list(fl.loc[n_of == 0, "area_name"])
    shown = indexed.head(limit)
    table = ""
    if len(shown):
        rows = "".join(_area_row(ctx, r, by_area[r.area_id]) for r in shown.itertuples(index=False))
        heads = "".join(f"<th>{e(label)}<br><small>현재 / 전망</small></th>" for _, label in QUESTIONS)
        table = (f'<table class="area-table field-bsi"><thead><tr><th>밀집지역</th><th>제안 단계</th>'
                 f"<th>종사자 / 총급여<br><small>전년 동기 대비</small></th><th>응답</th>{heads}<th>주요 애로</th>"
                 f"</tr></thead><tbody>{rows}</tbody></table>")
    rest = indexed.iloc[len(shown):]
    note = _named(f"표 밖의 조사 지역 (지수 있음; 표에는 제안 단계가 높은 {len(shown):,}곳)",
                  [f"{name}({n_of[i]}곳)" for i, name in zip(rest.index, rest["area_name"])])
    note += _named(f"응답 {MIN_RESPONSES}곳 미만이라 지수를 내지 않은 지역", few)
    note += _named("실태조사 안 함", not_surveyed)
    return _lead_html(ctx, survey_q, responses, aggs, set(ctx.flagged["area_id"])) + table + note
