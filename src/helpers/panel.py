"""The panel: everything the notebooks and the batch need, computed once per data set.

`build_panel` is the one path from the raw folder to the analysis: ingest (nps) → match workplaces to
dense areas (areas) → quarterly indicators and data breaks (indicators). The panel also carries the
configuration it was computed with and the council decisions in force, and `Panel.save` writes all of
it to one folder, so a brief rebuilt from that folder alone agrees with the batch's manifest.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from helpers.areas import AreaMatcher, load_reference, match_report
from helpers.indicators import (
    BREAK_COLUMNS,
    area_workplaces,
    detect_data_breaks,
    detect_odd_months,
    largest_drops,
    monthly_aggregates,
    monthly_series,
    quarterly_indicators,
)
from helpers.params import Config, load_config
from helpers.pension import PensionSchedule
from helpers.periods import add_months, missing_months

DECISION_COLUMNS = ["quarter", "area_id", "decided_stage", "decided_date", "note"]
INPUTS_FILE = "inputs.json"  # in a saved panel folder: the data key it was computed from


@dataclass
class Panel:
    """Indicators and data-quality facts of one data set, with the parameters and decisions in force."""

    indicators: pd.DataFrame
    reference: pd.DataFrame
    months: list[str]
    synthetic: bool
    source: str
    match_report: pd.DataFrame = field(default_factory=pd.DataFrame)
    overlaps: pd.DataFrame = field(default_factory=pd.DataFrame)
    quality: pd.DataFrame = field(default_factory=pd.DataFrame)
    missing_months: list[str] = field(default_factory=list)
    data_breaks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=BREAK_COLUMNS))
    config: Config | None = None
    decisions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=DECISION_COLUMNS))
    # Monthly unit aggregates of every level (`indicators.monthly_series`): the monthly alerts' input.
    # Empty for a panel folder saved before it was kept.
    monthly: pd.DataFrame = field(default_factory=pd.DataFrame)
    key: str = ""  # digest of the inputs the numbers come from (`data_key`); '' when not known
    reused: bool = False  # loaded from a saved panel with the same key instead of computed

    def params_for(self, sido_code: str | None = None) -> dict:
        """The parameters this panel was computed with (the workspace's, for a panel built in memory)."""
        if self.config is None:
            self.config = load_config()
        return self.config.params_for(sido_code)

    def warnings(self) -> list[str]:
        """Korean warnings about the data behind the panel: rows with a sido code no province has, data
        breaks, missing months. Shown by `stages`, `run` and the analyst page."""
        out = []
        q = self.quality
        if len(q) and "unknown_sido_rows" in q:
            for r in q[q["unknown_sido_rows"] > 0].to_dict("records"):
                out.append(f"{r['file']}: 현행 시도에 없는 시도코드의 행 {int(r['unknown_sido_rows']):,}개는 어느 시도·밀집지역에도 "
                           "들어가지 않았습니다. 행정구역이 바뀌었다면 params/code_changes.csv 에 한 행을 더하세요.")
        if len(q) and "use" in q:  # which file supplies a month, and files not read: shown by stages and run too
            for r in q[q["use"].isin(["제외", "일부 제외", "읽지 않음"])].to_dict("records"):
                out.append(f"{r['file']}: {r['note']}")
        for b in self.data_breaks.itertuples(index=False):
            out.append(f"{b.reason}. 이 기간이 걸린 분기는 판단유보로 둡니다.")
        if self.missing_months:
            out.append(f"빠진 달: {', '.join(self.missing_months)} — 이 달이 걸린 분기는 판단유보로 둡니다.")
        if self.config is not None:
            from helpers import codes

            for s in sorted(set(self.config.regions) - set(codes.SIDO_NAMES)):
                out.append(f"params/regions/{s}.yaml 은 현행 시도가 아니어서(시도코드 {s}) 적용되지 않습니다. "
                           f"행정구역이 바뀌었다면 새 시도코드의 파일로 옮기세요 (예: 광주·전남 → 12.yaml).")
        return out

    def save(self, directory: str | Path) -> Path:
        """Write to a folder (Parquet + JSON + the decisions as CSV) so many notebook runs share one
        computation and one configuration."""
        # Written into a sibling folder renamed at the end: a crash never leaves half a panel.
        final = Path(directory)
        d = final.with_name(f".{final.name}.tmp{os.getpid()}")
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        self.indicators.to_parquet(d / "indicators.parquet", index=False)
        ref = self.reference.copy()
        ref["bjd_codes"] = ref["bjd_codes"].map(";".join)
        ref["road_names"] = ref["road_names"].map(";".join)
        ref.to_parquet(d / "reference.parquet", index=False)
        for name in ("match_report", "overlaps", "quality", "data_breaks", "monthly"):
            getattr(self, name).to_parquet(d / f"{name}.parquet", index=False)
        meta = {"months": self.months, "synthetic": self.synthetic, "source": self.source,
                "missing_months": self.missing_months}
        (d / "panel.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        if self.key:
            (d / INPUTS_FILE).write_text(json.dumps({"key": self.key}), encoding="utf-8")
        config = self.config or load_config()
        (d / "params.json").write_text(json.dumps(config.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
        self.decisions[DECISION_COLUMNS].to_csv(d / "decisions.csv", index=False, encoding="utf-8")
        shutil.rmtree(final, ignore_errors=True)
        os.replace(d, final)
        return final

    @staticmethod
    def saved_key(directory: str | Path) -> str:
        """The data key a saved panel folder records ('' when none: an older folder, or no folder)."""
        try:
            return str(json.loads((Path(directory) / INPUTS_FILE).read_text(encoding="utf-8"))["key"])
        except (OSError, ValueError, KeyError, TypeError):
            return ""

    @classmethod
    def load(cls, directory: str | Path) -> Panel:
        d = Path(directory)
        meta = json.loads((d / "panel.json").read_text(encoding="utf-8"))
        ref = pd.read_parquet(d / "reference.parquet")
        ref["bjd_codes"] = ref["bjd_codes"].map(lambda s: [p for p in s.split(";") if p])
        ref["road_names"] = ref["road_names"].map(lambda s: [p for p in s.split(";") if p])
        # A folder written before the panel recorded its parameters, decisions and breaks still opens:
        # the workspace's parameters, no decisions, no breaks (and a warning about the parameters).
        config = None
        if (d / "params.json").is_file():
            config = Config.from_dict(json.loads((d / "params.json").read_text(encoding="utf-8")))
        else:
            warnings.warn(f"지표 폴더 {d} 에 당시 설정(params.json)이 없어 지금의 params/ 설정을 씁니다.", stacklevel=2)
        decisions = (pd.read_csv(d / "decisions.csv", dtype=str, keep_default_na=False, encoding="utf-8")
                     if (d / "decisions.csv").is_file() else pd.DataFrame(columns=DECISION_COLUMNS))
        breaks = (pd.read_parquet(d / "data_breaks.parquet") if (d / "data_breaks.parquet").is_file()
                  else pd.DataFrame(columns=BREAK_COLUMNS))
        indicators = pd.read_parquet(d / "indicators.parquet")
        monthly = pd.read_parquet(d / "monthly.parquet") if (d / "monthly.parquet").is_file() else pd.DataFrame()
        if "data_break" not in indicators:
            indicators["data_break"] = ""
        return cls(
            indicators=indicators, reference=ref, months=meta["months"],
            synthetic=meta["synthetic"], source=meta["source"],
            match_report=pd.read_parquet(d / "match_report.parquet"),
            overlaps=pd.read_parquet(d / "overlaps.parquet"), quality=pd.read_parquet(d / "quality.parquet"),
            missing_months=meta.get("missing_months", []),
            data_breaks=breaks, config=config, decisions=decisions, monthly=monthly, key=cls.saved_key(d),
        )


def panel_from_months(months: Iterable[tuple[str, pd.DataFrame]], reference: pd.DataFrame,
                      schedule: PensionSchedule | None = None, synthetic: bool = False, source: str = "",
                      quality: pd.DataFrame | None = None, break_limits: dict | None = None,
                      config: Config | None = None) -> Panel:
    """Build the panel from (YYYY-MM, cached month frame) pairs, one month in memory at a time.

    `schedule` gives the contribution rate of each month, `break_limits` the limits of
    `detect_data_breaks` (params `data_breaks:`); both default to `config`'s (else the workspace's)."""
    if schedule is None or break_limits is None:
        params = (config or load_config()).params_for(None)
        schedule = schedule or PensionSchedule.from_params(params)
        break_limits = params.get("data_breaks", {}) if break_limits is None else break_limits
    matcher = AreaMatcher(reference)
    monthly, present, drops, compared = [], [], [], []
    last = prev = None
    for ym, df in months:
        area_id = matcher.match(df["bjd_code"], df["road_name"])
        monthly.append(monthly_aggregates(df, ym, area_id))
        present.append(ym)
        last = (df, area_id)
        # workplace-level change against the previous calendar month (months arrive in order)
        now = area_workplaces(df, area_id) if {"name", "bizno6"} <= set(df.columns) else None
        if now is not None and prev is not None and prev[0] == add_months(ym, -1):
            drops.append(largest_drops(prev[1], now, ym))
            compared.append(ym)
        prev = (ym, now) if now is not None else None
    present = sorted(present)
    mon = pd.concat(monthly, ignore_index=True) if monthly else pd.DataFrame(columns=["unit_id", "month", "level"])
    breaks = pd.DataFrame(columns=BREAK_COLUMNS)
    if len(mon):
        found = [detect_data_breaks(mon, reference, break_limits),
                 detect_odd_months(mon, reference, (break_limits or {}).get("month_check"))]
        breaks = pd.concat([b for b in found if len(b)], ignore_index=True) if any(len(b) for b in found) else breaks
    ind = quarterly_indicators(mon, reference, present, schedule, breaks)
    drop_frame = pd.concat(drops, ignore_index=True) if drops else pd.DataFrame()
    series = monthly_series(mon, drop_frame, schedule, compared)
    overlaps = matcher.overlap_frame()
    rep = match_report(last[0], last[1], reference, overlaps) if last is not None else pd.DataFrame()
    return Panel(indicators=ind, reference=reference, months=present, synthetic=synthetic, source=source,
                 match_report=rep, overlaps=overlaps,
                 quality=quality if quality is not None else pd.DataFrame(),
                 missing_months=missing_months(present), data_breaks=breaks, config=config, monthly=series)


# Cache columns the panel reads (the rest stay on disk).
PANEL_COLUMNS = ["name", "bizno6", "status", "members", "industry_code", "applied_date", "reregistered_date", "withdrawn_date",
                 "contribution_krw", "gained", "lost", "bjd_code", "road_name", "sido_code"]


def data_key(summary, areas: Path, config: Config, raw_dir: Path, synthetic: bool) -> str:
    """The digest of everything the panel's numbers come from: the raw files as the ingest state knows them
    (names, sizes, sha256 and reports — no file is read again for this), which file supplies each month,
    the dense-area reference, the code crosswalk, the default parameters (the panel uses no province's),
    and the code and package versions. Council decisions and province parameters are not in it: they are
    attached to the panel, not computed into it."""
    import platform
    import sys
    from importlib import metadata

    from helpers import __version__
    from helpers.codes import crosswalk
    from helpers.files import digest, sha256_file, source_digest

    quality = summary.to_frame().drop(columns=["status"])  # 새로 읽음 / 변경 없음 says when, not what
    versions = {p: metadata.version(p) for p in ("pandas", "numpy", "pyarrow")}
    return digest({
        "raw_dir": str(raw_dir), "synthetic": bool(synthetic),
        "files": sorted((f.file, f.sha256) for f in summary.files), "quality": quality.to_dict("records"),
        "month_sources": summary.month_sources, "areas": sha256_file(areas), "crosswalk": crosswalk().digest,
        "params": config.params_for(None), "helpers": [__version__, source_digest()],
        "python": [sys.version, platform.machine()], "versions": versions,
    })


def _reuse_saved(key: str, candidates: Iterable[str | Path], config: Config) -> Panel | None:
    """The first saved panel folder among `candidates` computed from the same inputs (same data key),
    loaded with `config`; None when there is none. A folder that cannot be read is simply not reused."""
    for d in candidates:
        if Panel.saved_key(d) != key:
            continue
        try:
            panel = Panel.load(d)
        except Exception:  # noqa: BLE001 — a damaged or half-replaced folder: compute instead
            continue
        if panel.key == key:
            panel.config, panel.reused = config, True
            return panel
    return None


def build_panel(raw_dir: str | Path, areas: str | Path | None = None, config: Config | None = None,
                synthetic: bool | None = None, quiet: bool = True, reuse: Iterable[str | Path] = ()) -> Panel:
    """Ingest (incrementally) the raw folder and compute the panel with `config` (default: the
    workspace's params). `areas` defaults to the reference of `config`'s paths. Which folder holds the
    data — real files or the demo — is decided by the caller (`workspace.resolve_raw_dir`).

    `reuse`: saved panel folders; when one was computed from the same inputs (`data_key`), it is loaded
    instead of computing the panel again (the ingest still runs: it is what tells whether a raw file
    changed, from sizes and modification times, without reading unchanged files)."""
    from helpers import nps

    config = config or load_config()
    params = config.params_for(None)
    raw_dir = Path(raw_dir)
    areas_path = config.path("areas", areas)
    reference = load_reference(areas_path)  # a broken reference is reported before any long work
    cache = nps.cache_dir_for(raw_dir, config.path("cache_dir"))
    summary = nps.ingest(raw_dir, cache)
    if not quiet:
        print(summary.render())
    months = nps.available_months(cache)
    if not months:
        from helpers.errors import UserError

        raise UserError(f"원자료 폴더 {raw_dir} 의 파일에서 채택된 행이 하나도 없습니다. 격리 사유는 "
                        f"{cache / 'quarantine.csv'} 에 있습니다.")
    synthetic = nps.is_synthetic_dir(raw_dir) if synthetic is None else synthetic
    key = data_key(summary, areas_path, config, raw_dir.resolve(), synthetic)
    saved = _reuse_saved(key, reuse, config)
    if saved is not None:
        return saved
    pairs = ((m, nps.load_months(cache, [m], columns=PANEL_COLUMNS)) for m in months)
    quality = summary.to_frame()
    quality["sha256"] = quality["file"].map({f.file: f.sha256 for f in summary.files}).fillna("")
    panel = panel_from_months(pairs, reference, PensionSchedule.from_params(params), synthetic=synthetic,
                              source=str(raw_dir), quality=quality, break_limits=params.get("data_breaks", {}),
                              config=config)
    panel.key = key
    return panel
