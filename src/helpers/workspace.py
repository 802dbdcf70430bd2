"""The edge where a run is set up: configuration read once, the data folder chosen (real files, else the
synthetic demo), and the panel built with the council decisions in force.

The CLI, the batch and the notebooks start here; analysis modules below never read `params/` or reach
the demo generator themselves.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from helpers import nps
from helpers.decisions import load_decisions
from helpers.errors import UserError
from helpers.panel import Panel, build_panel
from helpers.params import Config, load_config


def resolve_raw_dir(raw_dir: str | Path | None, config: Config | None = None) -> tuple[Path, bool]:
    """(folder, synthetic): the user's folder; else data/raw/nps when it holds files; else the demo data,
    generated on first use."""
    if raw_dir:
        p = Path(raw_dir)
        if not p.is_dir() or not nps.raw_files(p):
            raise UserError(f"원자료 폴더 {p} 에 CSV 파일이 없습니다.")
        return p, nps.is_synthetic_dir(p)

    p, synthetic = nps.default_raw_dir()  # the demo folder counts as synthetic even before its marker exists
    if synthetic and not nps.raw_files(p):
        from helpers.demo import ensure_demo_data

        print("실제 자료(data/raw/nps)가 없어 합성(가상) 자료를 만듭니다…", file=sys.stderr)
        p = ensure_demo_data(p)
    return Path(p), synthetic


def open_panel(raw_dir: str | Path | None = None, areas: str | Path | None = None, config: Config | None = None,
               quiet: bool = True, reuse: Iterable[str | Path] = ()) -> Panel:
    """The panel of the chosen data folder, with `config` (default: the workspace's params, read once)
    and the council decisions of `config`'s decisions file attached. `reuse`: saved panel folders to load
    instead of computing, when one comes from the same inputs (see `panel.build_panel`)."""
    config = config or load_config()
    raw, synthetic = resolve_raw_dir(raw_dir, config)
    panel = build_panel(raw, areas, config, synthetic=synthetic, quiet=quiet, reuse=reuse)
    panel.decisions = load_decisions(config.path("decisions"), panel.reference, config.params_for)
    return panel


def load_panel(panel_dir: str | None = None, raw_dir: str | None = None, areas: str | None = None,
               synthetic: bool = False) -> Panel:
    """For notebooks: the panel a batch computed (`panel_dir`, with the params and decisions it used), or
    one computed here from the raw folder (interactive use)."""
    panel = Panel.load(panel_dir) if panel_dir else open_panel(raw_dir, areas)
    panel.synthetic = bool(panel.synthetic or synthetic)
    return panel


def pick_quarter(panel: Panel, quarter: str | None) -> str:
    """The quarter to report: the user's (checked against the data), else the latest complete one."""
    from helpers.indicators import latest_complete_quarter

    quarter = quarter or latest_complete_quarter(panel.indicators)
    if quarter is None:
        raise UserError("세 달이 모두 있는 분기가 없습니다. 월별 파일을 더 넣어 주세요.")
    if quarter not in set(panel.indicators["quarter"]):
        have = ", ".join(sorted(set(panel.indicators["quarter"])))
        raise UserError(f"분기 {quarter} 의 자료가 없습니다. 있는 분기: {have}")
    return quarter


def quarter_panel(quarter: str | None = None, outputs_dir: str | Path | None = None, raw_dir: str | Path | None = None,
                  areas: str | Path | None = None) -> tuple[Panel, str]:
    """For the decision form: (panel, quarter). The panel the batch saved for the quarter
    (`outputs/<quarter>/_panel`) is the quickest source of its stage table; without `quarter`, the latest
    quarter that has one. When the quarter was never run, the panel is computed from the raw folder (said
    on stderr), and a quarter the data do not have is a Korean UserError."""
    from helpers.periods import QUARTER_RE, check_quarter

    config = load_config()
    out = config.path("outputs", outputs_dir)
    quarter = check_quarter(quarter)
    if quarter is None:
        saved = sorted(p.parent.parent.name for p in out.glob("*/_panel/panel.json")
                       if QUARTER_RE.fullmatch(p.parent.parent.name))
        quarter = saved[-1] if saved else None
    saved_dir = out / quarter / "_panel" if quarter else None
    if saved_dir is not None and (saved_dir / "panel.json").is_file():
        return Panel.load(saved_dir), quarter
    if quarter:
        print(f"{quarter} 는 아직 일괄 실행되지 않아({saved_dir} 없음) 원자료에서 지표를 계산합니다…", file=sys.stderr)
    panel = open_panel(raw_dir, areas, config)
    try:
        return panel, pick_quarter(panel, quarter)
    except UserError as e:
        raise UserError(f"분기 {quarter} 는 일괄 실행된 적이 없고({saved_dir} 없음) 원자료에도 없습니다. "
                        f"{e}".replace(f"분기 {quarter} 의 자료가 없습니다. ", "")) from None
