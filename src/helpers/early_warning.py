"""The monthly early warning (`helpers.alerts`) where people read the quarterly results: the brief's section
"조기경보 (지난 협의회 이후)" and the alerts of the areas on the explorer's trend chart.

"Since the last council" is the months of the brief's quarter that are in the data: the council on the
quarter before met once that quarter's data were in, so every alert raised in these months is news to it.
The batch computes these alerts once for all provinces (`save_quarter_alerts`, next to the saved panel);
the province notebook reads them (`quarter_alerts` with the panel folder) and computes them itself when the
file is absent (a notebook run on its own in JupyterLab).

The brief lists every area of the province with an alert, not only the flagged ones: an alert on an area
the stage rules still put below 주의 is exactly the early sign the rules do not show yet. Areas, months,
sizes and signals only: an alert never carries a firm's name.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from helpers.agenda import BriefContext, with_sigungu
from helpers.alerts import LEVELS, SIGNAL_LABELS, SIGNALS, alerts_between, empty_alerts, month_label
from helpers.files import write_atomic
from helpers.panel import Panel
from helpers.periods import quarter_label, quarter_months, shift_quarter

e = html.escape
LEVEL_RANK = {lv: i + 1 for i, lv in enumerate(LEVELS)}  # 관심 1, 경계 2
# Level chips: outlined (a stage chip is filled), the level's word always written.
LEVEL_STYLE = {"관심": ("#8a5a00", "#fff4d6"), "경계": ("#a8182a", "#fdecea")}


def alerts_file(panel_dir: str | Path, quarter: str) -> Path:
    """Where the batch keeps the quarter's alerts: beside the panel it saved (`outputs/<Q>/_panel`)."""
    return Path(panel_dir) / f"alerts_{quarter}.parquet"


def council_months(panel: Panel, quarter: str) -> list[str]:
    """The months of `quarter` in the data: those since the council on the quarter before."""
    have = set(panel.months)
    return [m for m in quarter_months(quarter) if m in have]


def compute_quarter_alerts(panel: Panel, quarter: str) -> pd.DataFrame:
    """Every province's alerts in the months of `quarter` (`alerts.alerts_between`: each month from the
    data up to that month only)."""
    months = council_months(panel, quarter)
    return alerts_between(panel, months[0], months[-1]) if months else empty_alerts()


def save_quarter_alerts(panel: Panel, quarter: str, panel_dir: str | Path) -> Path:
    """Compute the quarter's alerts once for every province and write them beside the saved panel. The
    panel folder is rewritten whenever the panel is, so the file never outlives the data it comes from."""
    import io

    buf = io.BytesIO()
    compute_quarter_alerts(panel, quarter).to_parquet(buf, index=False)
    path = alerts_file(panel_dir, quarter)
    write_atomic(path, buf.getvalue())
    return path


def quarter_alerts(panel: Panel, quarter: str, panel_dir: str | Path | None = None,
                   sido_code: str | None = None) -> pd.DataFrame:
    """The alerts of `quarter` (of one province with `sido_code`): read from the batch's file in
    `panel_dir` when there is one, else computed here."""
    path = alerts_file(panel_dir, quarter) if panel_dir else None
    out = pd.read_parquet(path) if path is not None and path.is_file() else compute_quarter_alerts(panel, quarter)
    if sido_code is not None:
        out = out[out["sido_code"].astype(str) == str(sido_code)]
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# One row per area


def core_reason(reason: str) -> str:
    """The reason without its month and level note ('… — 2026년 2월 (경계: 2개월 연속)' → '…'): the
    section shows both beside it."""
    return str(reason).split(" — ")[0].strip()


def area_alerts(alerts: pd.DataFrame, stages: pd.DataFrame) -> pd.DataFrame:
    """One row per area with any alert: area_id, area_name, level (the highest), signals (labels, in the
    alerts' signal order), first_month (the first month with any alert), months (how many months had one),
    reason (the most severe alert's, with numbers) and reason_month, stage and stage_rank (the proposal of
    `stages`; '' when the area is not in it). Sorted 경계 first; within a level, areas not flagged by the
    stage rules first, then more signals, the earlier first month, the area id."""
    cols = ["area_id", "area_name", "level", "signals", "first_month", "months", "reason", "reason_month",
            "stage", "stage_rank"]
    if alerts.empty:
        return pd.DataFrame(columns=cols)
    order = {s: i for i, s in enumerate(SIGNALS)}
    a = alerts.assign(_lv=alerts["level"].map(LEVEL_RANK).fillna(0), _sig=alerts["signal"].map(order).fillna(len(order)))
    top = a.sort_values(["area_id", "_lv", "_sig", "month"], ascending=[True, False, True, True], kind="mergesort")
    top = top.drop_duplicates("area_id").set_index("area_id")
    first, n_months = a.groupby("area_id")["month"].min(), a.groupby("area_id")["month"].nunique()
    signals = {area: [SIGNAL_LABELS.get(s, s) for s in g.sort_values("_sig")["signal"].drop_duplicates()]
               for area, g in a.groupby("area_id")}
    st = stages.set_index(stages["area_id"].astype(str)) if len(stages) else None
    out = pd.DataFrame({
        "area_id": top.index,
        "area_name": top["area_name"].to_numpy(),
        "level": top["level"].to_numpy(),
        "signals": [signals[x] for x in top.index],
        "first_month": first.reindex(top.index).to_numpy(),
        "months": n_months.reindex(top.index).astype(int).to_numpy(),
        "reason": top["reason"].map(core_reason).to_numpy(),
        "reason_month": top["month"].to_numpy(),
    })
    out["stage"] = out["area_id"].map(st["stage"]).fillna("") if st is not None else ""
    out["stage_rank"] = out["area_id"].map(st["stage_rank"]).fillna(-1).astype(int) if st is not None else -1
    # 경계 first; within a level the areas the stage rules do not flag yet (the news: the flagged ones are
    # on the decision list already), then more signals, then the earlier.
    out["_lv"], out["_n"] = out["level"].map(LEVEL_RANK).fillna(0), out["signals"].map(len)
    out["_flagged"] = out["stage_rank"] >= 1
    out = out.sort_values(["_lv", "_flagged", "_n", "first_month", "area_id"],
                          ascending=[False, True, False, True, True], kind="mergesort")
    return out[cols].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# The brief's section


def level_chip_html(level: str) -> str:
    """관심 / 경계 as an outlined chip (a stage chip is filled): the word is always written."""
    ink, bg = LEVEL_STYLE.get(level, ("#57606a", "#f3f5f7"))
    return (f'<span class="alert-level" data-level="{e(level, quote=True)}" style="display:inline-block;padding:0 6px;'
            f"border:1.5px solid {ink};border-radius:4px;color:{ink};background:{bg};font-weight:700;font-size:0.82em;"
            f'line-height:1.35;white-space:nowrap">{e(level)}</span>')


def _months_text(months: list[str]) -> str:
    """['2026-01', '2026-02', '2026-03'] → '2026년 1~3월'; gaps listed ('2026년 1·3월')."""
    if not months:
        return ""
    nums = [int(m[5:7]) for m in months]
    year = months[0][:4]
    if len(nums) > 1 and nums == list(range(nums[0], nums[-1] + 1)):
        return f"{year}년 {nums[0]}~{nums[-1]}월"
    return f"{year}년 " + "·".join(str(n) for n in nums) + "월"


HEADING = "조기경보 (지난 협의회 이후)"
OTHER_CHARS = 48  # names in the closing sentence up to about one line (a large province); the rest counted


def _stage_note(r, scale: list[str]) -> str:
    """Beside an area: its proposal when flagged, else that the stage rules do not show it (yet)."""
    from helpers.report import stage_chip_html

    if r.stage_rank >= 1:
        return f' <span class="alert-stage">제안 단계 {stage_chip_html(r.stage, scale)}</span>'
    if r.stage_rank == 0:
        return ' <span class="alert-unflagged">단계 규칙으로는 아직 주의 미만</span>'
    return f' <span class="alert-unflagged">단계 {e(r.stage or "없음")}</span>'


def _area_item(r, scale: list[str]) -> str:
    """Two short lines: level, area, proposal or '주의 미만', first month and signals; then one reason."""
    since = month_label(r.first_month) + ("부터" if r.months > 1 else "")
    when = "" if r.reason_month == r.first_month else f" ({month_label(r.reason_month)})"
    sub = f" <small>{e(str(r.sigungu))}</small>" if getattr(r, "sigungu", "") else ""
    return (f"<li>{level_chip_html(r.level)} <strong>{e(str(r.area_name))}</strong>{sub}{_stage_note(r, scale)} · "
            f'{since} · {e(", ".join(r.signals))}<br><span class="alert-reason">{e(r.reason)}{when}</span></li>')


def _others_html(rest: pd.DataFrame) -> str:
    """The areas not shown line by line, in one sentence: how many, and by name — those the stage rules do
    not flag yet first (the news), 경계 before 관심 — as many as fit in about one line (`OTHER_CHARS`)."""
    if rest.empty:
        return ""
    order = rest.assign(_u=(rest["stage_rank"] >= 1).astype(int), _lv=-rest["level"].map(LEVEL_RANK).fillna(0))
    names: list[str] = []
    for r in order.sort_values(["_u", "_lv"], kind="mergesort").itertuples(index=False):
        tag = r.level if r.stage_rank < 1 else f"{r.level}, 제안 {r.stage}"
        name = f"{r.area_name}({tag})"
        if names and sum(len(n) + 2 for n in names) + len(name) > OTHER_CHARS and len(rest) > len(names) + 1:
            break
        names.append(name)
    more = f" 외 {len(rest) - len(names):,}곳" if len(rest) > len(names) else ""
    first = "(단계상 주의 미만 먼저)" if (rest["stage_rank"] < 1).any() and more else ""
    return f'<p class="alert-more">그 밖의 경보 지역 {len(rest):,}곳{first}: {e(", ".join(names))}{more}.</p>'



def alerts_section_html(ctx: BriefContext, alerts: pd.DataFrame) -> str:
    """조기경보 (지난 협의회 이후), heading included: the months it covers and why (one sentence), the areas
    with an alert by level and by signal, the `brief.alert_rows` most severe areas in two short lines each
    (level, proposal or '단계 규칙으로는 아직 주의 미만', first month, signals; one reason with numbers), the others
    in one sentence. `alerts`: the quarter's alerts (`quarter_alerts`; other provinces' rows are ignored)."""
    months = council_months(ctx.panel, ctx.quarter)
    head = f'<h3 class="alert-head">{HEADING}</h3>'
    when = (f"지난 협의회는 {quarter_label(shift_quarter(ctx.quarter, -1))} 자료까지 보고 열렸으므로, 그 뒤 "
            f"{_months_text(months) or quarter_label(ctx.quarter)} 자료의 월별 조기경보입니다.")
    if not months:
        return f'{head}<p class="alert-lead">{when} 이 분기의 월별 자료가 없어 조기경보를 계산하지 않았습니다.</p>'
    own = alerts[alerts["sido_code"].astype(str) == ctx.sido_code] if len(alerts) else alerts
    areas = area_alerts(own, ctx.stages)
    if areas.empty:
        return f'{head}<p class="alert-lead">{when} 이 기간에 조기경보가 난 밀집지역은 없습니다.</p>'
    areas = with_sigungu(ctx, areas)
    n_level = areas["level"].value_counts()
    unflagged = int((areas["stage_rank"] == 0).sum())
    by_signal = own.groupby("signal")["area_id"].nunique()
    signal_text = " · ".join(f"{e(SIGNAL_LABELS[s])} {int(by_signal[s]):,}" for s in SIGNALS if s in by_signal)
    lead = (f'<p class="alert-lead">{when} 경보 지역 <strong>{len(areas):,}곳</strong>: '
            + ", ".join(f"{lv} {int(n_level[lv]):,}" for lv in reversed(LEVELS) if lv in n_level)
            + (f", 단계 규칙으로는 아직 주의 미만 {unflagged:,}" if unflagged else "")
            + f"; 신호별 {signal_text}.</p>")
    limit = int(ctx.params.get("brief", {}).get("alert_rows", 2))
    items = "".join(_area_item(r, ctx.scale) for r in areas.head(limit).itertuples(index=False))
    return f'{head}{lead}<ul class="alert-list">{items}</ul>{_others_html(areas.iloc[limit:])}'
