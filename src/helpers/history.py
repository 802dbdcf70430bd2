"""History across quarters: each flagged area's proposals and council decisions over the last quarters
(the brief's stage strip), and the pages that tie the stored quarters together (`outputs/index.html`
and the previous/next links on each quarter's index page).

Where a quarter was run before, its proposal is the one stored in `outputs/<quarter>/stages.csv` — what
the council was shown then, even if parameters changed since. A quarter never run is recomputed from
today's data and parameters, and the brief says which quarters were recomputed. Council decisions come
from the decisions file (the decision recorded for that very quarter). Nothing here writes a decision.
"""

from __future__ import annotations

import json
import re
from html import escape as e
from pathlib import Path

import pandas as pd

from helpers.agenda import BriefContext, flagged_frame
from helpers.files import sha256_file, write_atomic
from helpers.periods import QUARTER_RE, quarter_label, shift_quarter

STRIP_QUARTERS = 8
# Source of one quarter's proposal in the strip.
STORED, RECOMPUTED, CURRENT, NO_DATA = "stored", "recomputed", "current", "none"


def stored_stages(outputs_dir: str | Path | None, quarter: str) -> pd.DataFrame | None:
    """The stage table an earlier run stored for `quarter` (`outputs/<quarter>/stages.csv`), or None.
    A file that cannot be read counts as absent (the quarter is then recomputed and the brief says so)."""
    if outputs_dir is None:
        return None
    path = Path(outputs_dir) / quarter / "stages.csv"
    if not path.is_file():
        return None
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return df if {"area_id", "stage"} <= set(df.columns) else None


def strip_quarters(quarter: str, n: int = STRIP_QUARTERS) -> list[str]:
    """The `n` quarters ending with `quarter`, oldest first."""
    return [shift_quarter(quarter, k) for k in range(-(n - 1), 1)]


def strip_areas(ctx: BriefContext) -> pd.DataFrame:
    """The areas the strip shows: every flagged area (and any with a decision on record), in the order of
    the flagged table (by 시군구, worst first)."""
    fl = flagged_frame(ctx)
    return fl.sort_values(["city", "stage_rank", "employees_yoy_pct"], ascending=[True, False, True],
                          kind="stable")[["area_id", "area_name", "city"]].reset_index(drop=True)


def stage_strip(ctx: BriefContext, outputs_dir: str | Path | None, area_ids: list[str] | None = None,
                n: int = STRIP_QUARTERS) -> pd.DataFrame:
    """Long table of the strip: area_id, quarter, stage (proposal, '' without data), source (stored /
    recomputed / current / none) and decided_stage (the council's decision for that quarter, or '')."""
    ids = list(strip_areas(ctx)["area_id"]) if area_ids is None else list(area_ids)
    quarters = strip_quarters(ctx.quarter, n)
    hist = ctx.history.set_index(["quarter", "area_id"])["stage"]
    current = ctx.stages.set_index("area_id")["stage"]
    dec = ctx.panel.decisions
    decided = {(q, a): s for q, a, s in zip(dec["quarter"], dec["area_id"], dec["decided_stage"])}
    rows = []
    for q in quarters:
        stored = None if q == ctx.quarter else stored_stages(_outputs(ctx, outputs_dir), q)
        kept = stored.drop_duplicates("area_id").set_index("area_id")["stage"] if stored is not None else None
        for a in ids:
            if q == ctx.quarter:
                stage, source = str(current.get(a, "")), CURRENT
            elif kept is not None and a in kept.index:
                stage, source = str(kept[a]), STORED
            elif (q, a) in hist.index:
                stage, source = str(hist[(q, a)]), RECOMPUTED
            else:
                stage, source = "", NO_DATA
            rows.append({"area_id": a, "quarter": q, "stage": stage, "source": source,
                         "decided_stage": decided.get((q, a), "")})
    return pd.DataFrame(rows, columns=["area_id", "quarter", "stage", "source", "decided_stage"])


def stored_stage_facts(outputs_root: str | Path, quarter: str, n: int = STRIP_QUARTERS) -> list[dict]:
    """The stored stage tables of the quarters before `quarter` that its stage strip reads (quarter and
    SHA-256 of each present): part of a province's reuse key, so rerunning an earlier quarter refreshes it."""
    paths = [Path(outputs_root) / q / "stages.csv" for q in strip_quarters(quarter, n)[:-1]]
    return [{"quarter": p.parent.name, "sha256": sha256_file(p)} for p in paths if p.is_file()]


def _outputs(ctx: BriefContext, outputs_dir: str | Path | None) -> Path | None:
    if outputs_dir is not None:
        return Path(outputs_dir)
    config = ctx.panel.config
    return config.path("outputs") if config is not None else None


def _short_labels(ctx: BriefContext) -> dict[str, str]:
    """One character per stage for the strip's cells: its first character (양/주/심), 유 for 판단유보 (보류),
    or the stage's position on the scale when first characters collide (a custom scale)."""
    no_call = ctx.params["stages"].get("no_call", "판단유보")
    labels = {s: s[:1] for s in ctx.scale}
    labels[no_call] = "유" if "유" not in labels.values() else no_call[:1]
    if len(set(labels.values())) < len(labels):
        labels = {**{s: str(i + 1) for i, s in enumerate(ctx.scale)}, no_call: "–"}
    return labels


def _cell_html(ctx: BriefContext, labels: dict[str, str], colors: dict[str, str], q: str, stage: str,
               source: str, decided: str) -> str:
    from helpers.charts.theme import text_color_on

    words = [f"{quarter_label(q)}: 제안 {stage or '자료 없음'}"]
    if source == RECOMPUTED:
        words.append("(다시 계산)")
    if decided:
        words.append(f"· 협의회 결정 {decided}")
    label = " ".join(words)
    if stage:
        bg = colors.get(stage, "#6E7781")
        top = f'<span class="p" style="background:{bg};color:{text_color_on(bg)}">{e(labels.get(stage, stage[:1]))}</span>'
    else:
        top = '<span class="p none">·</span>'
    if decided:
        bd = colors.get(decided, "#6E7781")
        bottom = f'<span class="d" style="border-color:{bd}">{e(labels.get(decided, decided[:1]))}</span>'
    else:
        bottom = '<span class="d none"></span>'
    mark = " recomputed" if source == RECOMPUTED else ""
    return (f'<li class="q{mark}" title="{e(label, quote=True)}"><span class="sr">{e(label)}</span>'
            f'<span aria-hidden="true">{top}{bottom}</span></li>')


def strip_html(ctx: BriefContext, outputs_dir: str | Path | None = None, n: int = STRIP_QUARTERS) -> str:
    """단계 이력: one compact row per flagged area — its proposal in each of the last `n` quarters (a
    coloured square with the stage's first character) and, under it, the council's decision for that
    quarter when one was recorded. Says which quarters were recomputed rather than read from a stored run."""
    from helpers.charts.theme import stage_palette

    areas = strip_areas(ctx)
    if areas.empty:
        return "<p>주의 이상 지역이 없어 단계 이력을 싣지 않았습니다.</p>"
    strip = stage_strip(ctx, outputs_dir, list(areas["area_id"]), n)
    no_call = ctx.params["stages"].get("no_call", "판단유보")
    labels = _short_labels(ctx)
    colors = stage_palette(ctx.scale, no_call)
    quarters = strip_quarters(ctx.quarter, n)
    by_area = {a: g for a, g in strip.groupby("area_id", sort=False)}
    rows = []
    for r in areas.itertuples(index=False):
        cells = "".join(_cell_html(ctx, labels, colors, c.quarter, c.stage, c.source, c.decided_stage)
                        for c in by_area[r.area_id].itertuples(index=False))
        decided = "" if (by_area[r.area_id]["decided_stage"] != "").any() else " no-decisions"
        rows.append(f'<div class="strip-row{decided}"><span class="strip-name" title="{e(r.area_name, quote=True)} · '
                    f'{e(r.city, quote=True)}">{e(r.area_name)} <small>{e(r.city)}</small></span><ol class="strip" aria-label="{e(r.area_name, quote=True)} 최근 {n}분기">{cells}</ol></div>')
    head_cells = "".join(f'<li title="{e(quarter_label(q), quote=True)}"><span>{q[2:4]}</span><span>{q[-1]}Q</span></li>'
                         for q in quarters)
    head = (f'<div class="strip-row strip-head" aria-hidden="true"><span class="strip-name">분기 (년·분기)</span>'
            f'<ol class="strip">{head_cells}</ol></div>')
    # Two newspaper columns (top to bottom, then the next column), each with its header; one on a phone (CSS
    # hides the second header there).
    half = (len(rows) + 1) // 2
    rows = [head, *rows[:half], head.replace("strip-head", "strip-head second"), *rows[half:]]
    key = " · ".join(f"{e(labels[s])} = {e(s)}" for s in [*ctx.scale, no_call])
    recomputed = sorted(set(strip.loc[strip["source"] == RECOMPUTED, "quarter"]))
    stored = sorted(set(strip.loc[strip["source"] == STORED, "quarter"]))
    origin = []
    if stored:
        origin.append(f"저장된 분기 결과를 그대로 보인 분기: {_quarter_span(stored)}")
    if recomputed:
        origin.append(f"저장된 결과가 없어 지금의 자료와 기준으로 다시 계산한 분기(점선 테두리): {_quarter_span(recomputed)}")
    decided = int((strip["decided_stage"] != "").sum())
    lead = (f'<p class="strip-lead">주의 이상이거나 협의회 결정이 있는 지역 {len(areas):,}곳의 최근 {n}분기 '
            f"({quarter_label(quarters[0])} → {quarter_label(quarters[-1])}, 맨 오른쪽이 이번 분기). "
            f"칸의 위는 제안 단계, 아래는 그 분기의 협의회 결정입니다 (기록된 결정 {decided:,}건). {key}.</p>")
    note = f'<p class="sme-muted">{"; ".join(origin)}.</p>' if origin else ""
    return f'{lead}<div class="strip-grid">{"".join(rows)}</div>{note}'


def _quarter_span(quarters: list[str]) -> str:
    labels = [quarter_label(q) for q in quarters]
    return ", ".join(labels) if len(labels) <= 3 else f"{labels[0]} ~ {labels[-1]} 중 {len(labels)}개 분기"


# ---------------------------------------------------------------------------------------------
# The stored quarters: outputs/index.html and the previous/next links on each quarter's index page.

QUARTER_NAV_RE = re.compile(r'<nav class="sme-nav quarter-nav".*?</nav>\n?', re.S)
_NAV_ANCHOR = '<h1 class="brief-title">'


def stored_quarters(outputs_root: str | Path) -> list[str]:
    """Quarters with an index page under `outputs_root`, oldest first."""
    root = Path(outputs_root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and QUARTER_RE.fullmatch(p.name) and (p / "index.html").is_file())


def quarter_nav_html(quarter: str, quarters: list[str]) -> str:
    """The links at the top of a quarter's index page: every quarter (outputs/index.html), and the previous
    and next quarters that have been run (the nearest stored ones, when a quarter in between was not run)."""
    before = [q for q in quarters if q < quarter]
    after = [q for q in quarters if q > quarter]
    items = ['<a href="../index.html">전체 분기 목록</a>']
    if before:
        items.append(f'<a href="../{before[-1]}/index.html" rel="prev">← 이전 분기({quarter_label(before[-1])})</a>')
    if after:
        items.append(f'<a href="../{after[0]}/index.html" rel="next">다음 분기({quarter_label(after[0])}) →</a>')
    return f'<nav class="sme-nav quarter-nav" aria-label="분기 이동">{" · ".join(items)}</nav>\n'


def _with_quarter_nav(page: str, nav: str) -> str:
    if QUARTER_NAV_RE.search(page):
        return QUARTER_NAV_RE.sub(lambda _m: nav, page, count=1)
    at = page.find(_NAV_ANCHOR)
    if at < 0:
        at = page.find("<body")
        at = page.find(">", at) + 1 if at >= 0 else 0
    return page[:at] + nav + page[at:]


def _manifest(root: Path, q: str) -> dict:
    try:
        m = json.loads((root / q / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return m if isinstance(m, dict) else {}


def quarter_row(root: Path, q: str, params_for=None) -> dict:
    """What the list of quarters shows for one quarter: provinces done/failed, areas, flagged areas, when
    it ran, and whether it was made from synthetic data."""
    m = _manifest(root, q)
    provinces = [p for p in m.get("provinces", []) if isinstance(p, dict)]
    st = stored_stages(root, q)
    flagged_n = None
    if st is not None and params_for is not None:
        flagged_n = 0
        for s, grp in st.groupby("sido_code"):
            try:
                scale = list(params_for(str(s))["stages"]["scale"])
            except Exception:  # noqa: BLE001 — a province no longer configured: count what we can
                scale = ["양호", "주의", "심각"]
            flagged_n += int(grp["stage"].isin(scale[1:]).sum())
    return {"quarter": q, "ok": sum(p.get("status") == "ok" for p in provinces),
            "failed": sum(p.get("status") != "ok" for p in provinces),
            "areas": None if st is None else len(st), "flagged": flagged_n,
            "started": str(m.get("started", ""))[:16].replace("T", " "), "synthetic": bool(m.get("synthetic")),
            "xlsx": (root / q / "stages.xlsx").is_file()}


def quarters_page_html(outputs_root: str | Path, params_for=None) -> str:
    """outputs/index.html: every quarter that has been run, newest first, each linking its index page."""
    from helpers.report import page_html, synthetic_banner_html

    root = Path(outputs_root)
    rows_data = [quarter_row(root, q, params_for) for q in reversed(stored_quarters(root))]
    rows = []
    for r in rows_data:
        q = r["quarter"]
        status = f"완료 {r['ok']}곳" + (f' · <strong class="sme-status-failed">실패 {r["failed"]}곳</strong>'
                                        if r["failed"] else "")
        count = lambda v: "–" if v is None else f"{v:,}곳"  # noqa: E731
        files = f'<a href="{q}/stages.xlsx">엑셀</a> · <a href="{q}/stages.csv">CSV</a>' if r["xlsx"] else "–"
        data = "합성(가상) 자료" if r["synthetic"] else "국민연금 자료"
        rows.append(f'<tr><th scope="row"><a href="{q}/index.html">{e(quarter_label(q))}</a></th>'
                    f"<td>{status}</td><td class=\"num\">{count(r['areas'])}</td><td class=\"num\">{count(r['flagged'])}</td>"
                    f"<td>{files}</td><td>{e(r['started'])} (UTC)</td><td>{data}</td></tr>")
    body = ['<h1 class="brief-title">지역중소기업 밀집지역 위기징후 모니터링 — 분기별 결과</h1>']
    if any(r["synthetic"] for r in rows_data):
        body.append(synthetic_banner_html())
    if rows:
        body.append('<p>분기를 누르면 그 분기의 시도별 현황과 협의회 보고서로 갑니다. 위기단계는 협의회 심의 전의 '
                    '제안이고, 협의회 결정은 각 보고서에 제안과 나란히 있습니다.</p>')
        body.append('<table class="overview quarters"><thead><tr><th>분기</th><th>시도</th><th>밀집지역</th>'
                    '<th>주의 이상</th><th>전국 위기단계 표</th><th>실행 시각</th><th>자료</th></tr></thead>'
                    f'<tbody>{"".join(rows)}</tbody></table>')
    else:
        body.append("<p>아직 실행한 분기가 없습니다. <code>python -m helpers run</code> 으로 분기 결과를 만드세요.</p>")
    return page_html("지역중소기업 위기징후 모니터링 — 분기별 결과", "\n".join(body))


def link_quarters(outputs_root: str | Path, params_for=None) -> list[Path]:
    """Write outputs/index.html (every stored quarter) and put previous/next links on each quarter's index
    page. Only the links change on an earlier quarter's page; files are rewritten atomically and only
    when they change. Returns the files written."""
    root = Path(outputs_root)
    quarters = stored_quarters(root)
    written = []
    for q in quarters:
        path = root / q / "index.html"
        page = path.read_text(encoding="utf-8")
        new = _with_quarter_nav(page, quarter_nav_html(q, quarters))
        if new != page:
            written.append(write_atomic(path, new.encode("utf-8")))
    top = root / "index.html"
    page = quarters_page_html(root, params_for)
    if not top.is_file() or top.read_text(encoding="utf-8") != page:
        written.append(write_atomic(top, page.encode("utf-8")))
    return written
