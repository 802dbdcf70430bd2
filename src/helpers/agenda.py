"""The council's agenda for one province and quarter, as data (no HTML): the stage tables the brief reads
(`BriefContext`), the areas the council is asked to decide on (`decision_table`) with the one or two facts
behind each (`area_facts`: a large employer's withdrawal, the weakest year-on-year changes), the 판단유보
areas by kind of reason (`held_groups`) and the flagged areas with their facts (`flagged_frame`).
`helpers.brief` renders these; the workbook and the appendix use the same frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from helpers import codes
from helpers.fmt import fmt_pct
from helpers.indicators import latest_complete_quarter
from helpers.panel import Panel
from helpers.periods import quarter_label, shift_quarter
from helpers.stages import flagged, province_stages, stage_history


@dataclass
class BriefContext:
    """One province and quarter: the stage tables the brief sections read."""

    panel: Panel
    sido_code: str
    quarter: str

    @cached_property
    def params(self) -> dict:
        return self.panel.params_for(self.sido_code)

    @property
    def scale(self) -> list[str]:
        return self.params["stages"]["scale"]

    @property
    def thresholds_pct(self) -> tuple[float, ...]:
        """The year-on-year thresholds (%) of the stage rules in force, mildest first (for chart lines)."""
        vals = {float(c["threshold_pct"]) for r in self.params["stages"].get("rules", [])
                for c in r.get("any", []) if c.get("kind") == "count_at_or_below"}
        return tuple(sorted(vals, reverse=True))

    @property
    def province(self) -> str:
        return codes.SIDO_NAMES[self.sido_code]

    @cached_property
    def indicators(self) -> pd.DataFrame:
        ind = self.panel.indicators
        return ind[(ind["sido_code"] == self.sido_code) | (ind["level"] == "nation")]

    @cached_property
    def history(self) -> pd.DataFrame:
        return stage_history(self.indicators, params_for=lambda s: self.params)

    @cached_property
    def stages(self) -> pd.DataFrame:
        return province_stages(self.panel, self.sido_code, self.quarter, history=self.history)

    @cached_property
    def prev_stages(self) -> pd.DataFrame:
        prev = shift_quarter(self.quarter, -1)
        if prev not in set(self.history["quarter"]):
            return self.stages.iloc[0:0]
        return province_stages(self.panel, self.sido_code, prev, history=self.history)

    @property
    def flagged(self) -> pd.DataFrame:
        """Areas at the second stage of the scale or worse (주의/심각 on the default scale), worst first,
        and any other area the council has a recorded decision for (so the decision stays in view)."""
        st = self.stages
        return st[flagged(st) | (st["decided_stage"] != "")].sort_values(
            ["stage_rank", "employees_yoy_pct"], ascending=[False, True])


def brief_context(panel: Panel, sido_code: str, quarter: str | None = None) -> BriefContext:
    """Context for one province; quarter defaults to the latest complete quarter in the data."""
    from helpers.errors import UserError

    sido_code = str(sido_code)
    if sido_code not in codes.SIDO_NAMES:
        raise UserError(f"시도코드 '{sido_code}' 를 알 수 없습니다. 가능한 값: {', '.join(codes.SIDO_NAMES)}")
    quarter = quarter or latest_complete_quarter(panel.indicators)
    if quarter is None or quarter not in set(panel.indicators["quarter"]):
        raise UserError(f"분기 {quarter} 의 자료가 없습니다.")
    return BriefContext(panel, sido_code, quarter)


def _sigungu_names() -> dict[str, str]:
    meta = codes.boundary_meta("sigungu")
    return dict(zip(meta["code"].astype(str), meta["sigungu"].astype(str)))


def with_sigungu(ctx: BriefContext, df: pd.DataFrame) -> pd.DataFrame:
    """`df` (rows of areas) with `sigungu_code`, `sigungu` (its name) and `city` (the city of a 구 of a city,
    '수원시 장안구' → '수원시': the unit a province's council groups by)."""
    ref = ctx.panel.reference.set_index("area_id")["sigungu_code"].astype(str)
    names = _sigungu_names()
    out = df.copy()
    out["sigungu_code"] = out["area_id"].map(ref).fillna("")
    out["sigungu"] = pd.Series([names.get(c, c or "시군구 미상") for c in out["sigungu_code"]], index=out.index,
                               dtype=object)
    out["city"] = [str(n).split(" ")[0] for n in out["sigungu"]]
    return out


def largest_closures(ctx: BriefContext) -> pd.DataFrame:
    """Per area, the largest workplace that withdrew in the four quarters ending with the brief's quarter
    (the months behind the year-on-year change): members and month."""
    quarters = [shift_quarter(ctx.quarter, -k) for k in range(4)]
    ind = ctx.indicators
    ind = ind[(ind["level"] == "area") & ind["quarter"].isin(quarters)]
    if "largest_closure_members" not in ind or ind.empty:
        return pd.DataFrame(columns=["area_id", "largest_closure_members", "largest_closure_month"])
    top = ind.sort_values("largest_closure_members", ascending=False).drop_duplicates("unit_id")
    return top.rename(columns={"unit_id": "area_id"})[["area_id", "largest_closure_members", "largest_closure_month"]]


def _month_label(ym: str) -> str:
    return f"{int(ym[:4])}년 {int(ym[5:7])}월"


def area_facts(row, closure: tuple[float, str] | None, limits: dict) -> list[str]:
    """The one or two facts behind an area's stage: one employer leaving (when it carries at least
    `limits['closure_share']` of the area's employees a year earlier and `limits['closure_min']` members),
    then the two weakest year-on-year changes."""
    facts = []
    if closure:
        members, month = closure
        base = row.employees_base if row.employees_base == row.employees_base else 0
        if members >= limits["closure_min"] and base > 0 and members >= limits["closure_share"] * base:
            facts.append(f"최대 사업장 1곳 탈퇴 (가입자 {int(members):,}명) — {_month_label(month)}")
    changes = [(v, name) for v, name in ((row.employees_yoy_pct, "종사자"), (row.workplaces_yoy_pct, "사업장"),
                                          (row.payroll_yoy_pct, "총급여")) if v == v]
    changes.sort()
    if changes:
        facts.append(" · ".join(f"{name} {fmt_pct(v)}" for v, name in changes[:2]) + " (전년 동기 대비)")
    return facts[:2]


def facts_column(ctx: BriefContext, df: pd.DataFrame) -> list[str]:
    """`area_facts` for each row of `df` (areas of the brief's quarter), '; '-joined, with the limits of
    the province's `brief.facts` parameters."""
    closures = largest_closures(ctx).set_index("area_id")
    lim = ctx.params.get("brief", {}).get("facts", {}) or {}
    limits = {"closure_min": float(lim.get("closure_min_members", 30)),
              "closure_share": float(lim.get("closure_min_share_pct", 10)) / 100}
    out = []
    for r in df.itertuples(index=False):
        c = closures.loc[r.area_id] if r.area_id in closures.index else None
        closure = ((float(c["largest_closure_members"]), str(c["largest_closure_month"]))
                   if c is not None and c["largest_closure_members"] > 0 else None)
        out.append("; ".join(area_facts(r, closure, limits)))
    return out


DECISION_KINDS = {"new": "새로 위기징후", "up": "단계 상승", "differs": "협의회 결정과 다름",
                  "undecided": "결정 기록 없음"}


def decision_table(ctx: BriefContext) -> pd.DataFrame:
    """The areas the council is asked to decide on, worst first: newly at the second stage of the scale
    or worse, escalated since last quarter, proposed at a stage other than the council's standing
    decision, and — after those — areas at the second stage or worse with no decision on record.
    Columns: area_id, area_name, sigungu, city, stage, stage_rank, prev_stage, kinds (Korean, '; '), facts
    (Korean, '; '), standing (the standing decision and its quarter, or '결정 없음')."""
    st = ctx.stages
    cols = ["area_id", "area_name", "sigungu", "city", "stage", "stage_rank", "prev_stage", "kinds", "facts",
            "standing"]
    if st.empty:
        return pd.DataFrame(columns=cols)
    scale = list(ctx.scale)
    prev_rank = st["prev_stage"].map(lambda s: scale.index(s) if s in scale else -1)
    in_scale = st["stage"].isin(scale)
    new = flagged(st) & (prev_rank < 1)
    up = flagged(st) & (prev_rank >= 1) & (st["stage_rank"] > prev_rank)
    differs = in_scale & (st["decided_stage"] != "") & (st["decided_stage"] != st["stage"])
    undecided = flagged(st) & (st["decided_stage"] == "") & ~(new | up)
    pick = st[new | up | differs | undecided].copy()
    if pick.empty:
        return pd.DataFrame(columns=cols)
    pick = with_sigungu(ctx, pick)
    kinds, standing = [], []
    for idx, r in zip(pick.index, pick.itertuples(index=False)):
        k = [DECISION_KINDS[name] for name, mask in (("new", new), ("up", up), ("differs", differs),
                                                     ("undecided", undecided)) if mask[idx]]
        if up[idx]:
            k[k.index(DECISION_KINDS["up"])] = f"단계 상승 ({r.prev_stage}→{r.stage})"
        kinds.append("; ".join(k))
        standing.append(f"{r.decided_stage} ({quarter_label(r.decided_quarter)} 결정)" if r.decided_stage
                        else "결정 없음")
    pick["kinds"], pick["facts"], pick["standing"] = kinds, facts_column(ctx, pick), standing
    pick["_later"] = undecided[pick.index] & ~differs[pick.index]
    pick = pick.sort_values(["_later", "stage_rank", "employees_yoy_pct"], ascending=[True, False, True])
    return pick[cols].reset_index(drop=True)


def _hold_class(reason: str) -> str:
    """The kind of a 판단유보 reason, for grouping: '자료 이상', '빠진 달', '전년 동기 규모 작음'."""
    text = reason.removeprefix("판단유보: ")
    if text.startswith("자료 이상") or "자료 연계" in text or "급감" in text:
        return "자료 이상(경기가 아니라 자료의 문제)"
    if "빠진 달" in text:
        return "자료에 빠진 달"
    if "전년 동기" in text:
        return "전년 동기 규모가 작음(사업장·종사자 최소 기준 미만)"
    return text.split(";")[0]


def held_groups(ctx: BriefContext) -> list[tuple[str, list[str]]]:
    """판단유보 areas by the kind of reason: [(reason, [area names…])], largest group first."""
    no_call = ctx.params["stages"].get("no_call", "판단유보")
    st = ctx.stages[ctx.stages["stage"] == no_call]
    groups: dict[str, list[str]] = {}
    for name, reason in zip(st["area_name"], st["reasons"]):
        groups.setdefault(_hold_class(str(reason)), []).append(str(name))
    return sorted(groups.items(), key=lambda kv: -len(kv[1]))


def flagged_frame(ctx: BriefContext) -> pd.DataFrame:
    """`ctx.flagged` with sigungu/city and the one or two facts behind each stage (`area_facts`)."""
    fl = with_sigungu(ctx, ctx.flagged)
    fl["facts"] = facts_column(ctx, fl)
    return fl
