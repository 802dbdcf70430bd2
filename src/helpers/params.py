"""Parameters: `params/default.yaml` merged with `params/regions/<sido_code>.yaml`, and project paths.

`load_config()` reads them once into a `Config` that the edges (CLI, batch, notebooks) pass down;
`load_params` / `resolve_path` remain for the few edge helpers that need one value."""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from helpers.errors import UserError


def project_root() -> Path:
    """The workspace root: $SME_MONITOR_ROOT, else the nearest parent of cwd with params/default.yaml,
    else the checkout this package was installed from (editable install)."""
    env = os.environ.get("SME_MONITOR_ROOT")
    if env:
        return Path(env).resolve()
    for d in (Path.cwd(), *Path.cwd().parents):
        if (d / "params" / "default.yaml").is_file():
            return d
    return Path(__file__).resolve().parents[2]


def _deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise UserError(f"설정 파일 {path} 을(를) 읽을 수 없습니다: {e}") from e
    if not isinstance(data, dict):
        raise UserError(f"설정 파일 {path} 의 최상위는 키-값 목록이어야 합니다.")
    return data


@lru_cache(maxsize=64)
def _load_params_cached(root: str, sido_code: str | None) -> dict:
    base_dir = Path(root) / "params"
    if not (base_dir / "default.yaml").is_file():
        raise UserError(f"설정 파일 {base_dir / 'default.yaml'} 이(가) 없습니다. 작업공간 폴더(params/ 가 있는 곳)에서 "
                        "실행하거나 SME_MONITOR_ROOT 로 그 폴더를 알려 주세요.")
    params = _read_yaml(base_dir / "default.yaml")
    source = base_dir / "default.yaml"
    if sido_code:
        region = base_dir / "regions" / f"{sido_code}.yaml"
        if region.is_file():
            params = _deep_merge(params, _read_yaml(region))
            source = region  # a mistake in the merged parameters is reported with the province's file
    validate_params(params, source=str(source))
    return params


def load_params(sido_code: str | None = None, root: Path | None = None) -> dict[str, Any]:
    """Default parameters, overridden by the province's file when `sido_code` is given (a copy)."""
    return copy.deepcopy(_load_params_cached(str(root or project_root()), sido_code))


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def validate_params(params: dict, source: str = "params") -> None:
    """Check the parameters against their declared shape before any work: types, known names and ranges.
    Every problem is listed in one Korean `UserError` (an analyst fixes them all in one go)."""
    from helpers.pension import PensionSchedule

    st = params.get("stages")
    if not isinstance(st, dict):
        raise UserError(f"{source}: 'stages' 항목이 없습니다.")
    errors: list[str] = []
    _check_scale_and_minimum(st, errors)
    _check_rules(st, errors)
    _check_brief_and_programmes(params, errors)
    try:
        PensionSchedule.from_params(params, source)
    except UserError as e:
        errors.append(str(e).removeprefix(f"{source}: "))
    _check_data_limits(params, errors)
    _check_alerts(params, errors)
    if errors:
        raise UserError(f"설정 {source} 에 고칠 곳이 {len(errors)}개 있습니다:\n" + "\n".join(f"  - {e}" for e in errors))


def _need(errors: list[str], ok: bool, where: str, what: str) -> None:
    if not ok:
        errors.append(f"{where}: {what}")


def _check_scale_and_minimum(st: dict, errors: list[str]) -> None:
    scale = st.get("scale")
    _need(errors, isinstance(scale, list) and len(scale) >= 2 and all(isinstance(s, str) and s for s in scale),
          "stages.scale", "2개 이상의 단계 이름 목록이어야 합니다 (예: [양호, 주의, 심각])")
    _need(errors, isinstance(st.get("no_call", "판단유보"), str), "stages.no_call", "단계 이름(글자)이어야 합니다")
    mins = st.get("minimum") or {}
    _need(errors, isinstance(mins, dict), "stages.minimum", "workplaces, employees 두 값을 가진 항목이어야 합니다")
    for k in ("workplaces", "employees"):
        v = mins.get(k, 0) if isinstance(mins, dict) else 0
        _need(errors, _is_num(v) and v >= 0, f"stages.minimum.{k}", f"0 이상의 수여야 합니다 (지금: {v!r})")


def _check_rules(st: dict, errors: list[str]) -> None:
    scale = st.get("scale") if isinstance(st.get("scale"), list) else []
    rules = st.get("rules") or []
    _need(errors, isinstance(rules, list), "stages.rules", "규칙 목록이어야 합니다")
    for i, rule in enumerate(rules if isinstance(rules, list) else []):
        where = f"stages.rules[{i}]"
        if not isinstance(rule, dict):
            errors.append(f"{where}: stage 와 any 를 가진 항목이어야 합니다")
            continue
        _need(errors, rule.get("stage") in scale, where, f"단계 '{rule.get('stage')}' 가 척도 {scale} 에 없습니다")
        conds = rule.get("any") or []
        _need(errors, isinstance(conds, list) and len(conds) > 0, f"{where}.any", "조건 목록이어야 합니다")
        for j, cond in enumerate(conds if isinstance(conds, list) else []):
            _check_condition(cond, f"{where}.any[{j}]", errors)


def _check_condition(cond: object, w: str, errors: list[str]) -> None:
    from helpers.fields import RULE_INDICATORS

    kind = cond.get("kind") if isinstance(cond, dict) else None
    if kind == "count_at_or_below":
        inds = cond.get("indicators")
        ok_list = isinstance(inds, list) and len(inds) > 0
        _need(errors, ok_list, f"{w}.indicators", f"지표 목록이어야 합니다 (가능한 값: {', '.join(RULE_INDICATORS)})")
        for name in inds if ok_list else []:
            _need(errors, name in RULE_INDICATORS, f"{w}.indicators",
                  f"알 수 없는 지표 '{name}' (가능한 값: {', '.join(RULE_INDICATORS)}; 오타라면 조건이 영영 충족되지 않습니다)")
        _need(errors, _is_num(cond.get("threshold_pct")), f"{w}.threshold_pct",
              f"수(%)여야 합니다 (지금: {cond.get('threshold_pct')!r})")
        mc = cond.get("min_count", 1)
        _need(errors, isinstance(mc, int) and not isinstance(mc, bool) and 1 <= mc <= (len(inds) if ok_list else 3),
              f"{w}.min_count", f"1 이상, 지표 수 이하의 정수여야 합니다 (지금: {mc!r})")
    elif kind == "decline_and_gap":
        for k in ("growth_pct", "gap_pp"):
            _need(errors, _is_num(cond.get(k)), f"{w}.{k}", f"수여야 합니다 (지금: {cond.get(k)!r})")
        _need(errors, isinstance(cond.get("strict", False), bool), f"{w}.strict", "true 또는 false 여야 합니다")
    else:
        errors.append(f"{w}: kind '{kind}' 를 알 수 없습니다 (가능한 값: count_at_or_below, decline_and_gap)")


def _check_brief_and_programmes(params: dict, errors: list[str]) -> None:
    brief = params.get("brief") or {}
    for k in ("trend_quarters", "clusters", "decision_rows", "table_rows", "survey_rows", "alert_rows"):
        v = brief.get(k, 1) if isinstance(brief, dict) else 1
        _need(errors, isinstance(v, int) and not isinstance(v, bool) and v >= 1, f"brief.{k}",
              f"1 이상의 정수여야 합니다 (지금: {v!r})")
    if isinstance(brief, dict):
        for k in ("issuer", "contact"):
            v = brief.get(k, "")
            ok = isinstance(v, str)
            if ok:
                try:
                    v.format(province="", short="")
                except (KeyError, IndexError, ValueError):
                    ok = False
            _need(errors, ok, f"brief.{k}", f"글자여야 하며 {{province}}, {{short}} 외의 중괄호는 쓸 수 없습니다 (지금: {v!r})")
        facts = brief.get("facts") or {}
        for k in ("closure_min_members", "closure_min_share_pct"):
            v = facts.get(k, 1) if isinstance(facts, dict) else None
            _need(errors, _is_num(v) and v >= 0, f"brief.facts.{k}", f"0 이상의 수여야 합니다 (지금: {v!r})")
    progs = params.get("programmes") or {}
    _need(errors, isinstance(progs, dict) and all(isinstance(v, list) or v is None for v in progs.values()),
          "programmes", "단계 이름 → 지원사업 목록이어야 합니다")


def _check_data_limits(params: dict, errors: list[str]) -> None:
    """data_breaks: and plausibility: (fractions in (0, 1), counts and amounts positive)."""
    brk = params.get("data_breaks") or {}
    mcheck = brk.get("month_check") or {}
    for where, v, ok, what in (
        ("data_breaks.province_drop_share", brk.get("province_drop_share", 0.5), lambda v: 0 < v < 1, "0과 1 사이의 수 (예: 0.5)"),
        ("data_breaks.area_min_employees", brk.get("area_min_employees", 30), lambda v: v >= 1, "1 이상의 수 (예: 30)"),
        ("data_breaks.month_check.max_change_share", mcheck.get("max_change_share", 0.05), lambda v: 0 < v < 1,
         "0과 1 사이의 수 (예: 0.05)"),
        ("data_breaks.month_check.min_rows", mcheck.get("min_rows", 200), lambda v: v >= 0, "0 이상의 수 (예: 200)"),
        *((f"plausibility.{k}", (params.get("plausibility") or {}).get(k, 1), lambda v: v > 0, "양의 수")
          for k in ("max_members", "max_contribution_per_member_krw")),
    ):
        _need(errors, _is_num(v) and ok(v), where, f"{what}여야 합니다 (지금: {v!r})")


# The monthly alerts' parameters (`alerts:`): section → key → (check, what it must be).
_POS = (lambda v: v > 0, "양의 수")
_NONNEG = (lambda v: v >= 0, "0 이상의 수")
_NEG = (lambda v: v < 0, "음의 수(%, %p)")
_PCT = (lambda v: 0 < v <= 100, "0보다 크고 100 이하인 수(%)")
_FACTOR = (lambda v: v >= 1, "1 이상의 수")
_MONTHS = (lambda v: float(v).is_integer() and 1 <= v <= 36, "1~36 의 정수(개월)")
_SHARE = (lambda v: 0 <= v <= 1, "0 이상 1 이하의 수(비율)")
ALERT_LIMITS: dict[str, dict[str, tuple]] = {
    "": {"min_employees": _NONNEG, "min_workplaces": _NONNEG},
    "levels": {"persist_months": (lambda v: float(v).is_integer() and v >= 1, "1 이상의 정수(개월)"),
               "coincide_signals": (lambda v: float(v).is_integer() and v >= 1, "1 이상의 정수(신호 수)")},
    "large_employer": {"min_members": _POS, "min_share_pct": _PCT, "floor_members": _NONNEG, "shrink_pct": _PCT,
                       "shrink_min_members": _NONNEG,
                       "severe_factor": _FACTOR},
    "members": {"window_months": _MONTHS, "seasonal_years": (lambda v: float(v).is_integer() and 1 <= v <= 10,
                                                            "1~10 의 정수(년)"),
                "momentum_pp": _NEG, "yoy_pct": _NEG, "gap_pp": _NEG, "min_change_members": _NONNEG,
                "noise_z": _NONNEG, "severe_factor": _FACTOR},
    "payroll_per_member": {"momentum_pp": _NEG, "yoy_pct": _NEG, "members_hold_pct": _NEG, "severe_factor": _FACTOR},
    "separations": {"baseline_months": _MONTHS, "ratio": _FACTOR, "min_excess": _NONNEG, "min_excess_pct": _NONNEG,
                    "net_share": _SHARE, "severe_factor": _FACTOR},
    "closures": {"baseline_months": _MONTHS, "ratio": _FACTOR, "min_excess": _NONNEG, "min_excess_pct": _NONNEG,
                 "net_share": _SHARE, "severe_factor": _FACTOR},
}


def _check_alerts(params: dict, errors: list[str]) -> None:
    """alerts: every section and value present, numbers in range, no unknown key (a typo would silently
    leave a default in force)."""
    al = params.get("alerts")
    if not isinstance(al, dict):
        errors.append("alerts: 월별 조기경보 설정 항목이 없습니다 (params/default.yaml 의 alerts: 참고)")
        return
    for section, keys in ALERT_LIMITS.items():
        where = f"alerts.{section}" if section else "alerts"
        sec = al.get(section) if section else al
        if not isinstance(sec, dict):
            errors.append(f"{where}: 항목이 없거나 키-값 목록이 아닙니다")
            continue
        allowed = set(keys) | (set(ALERT_LIMITS) - {""} if not section else set())
        for k in sorted(set(sec) - allowed, key=str):
            errors.append(f"{where}.{k}: 알 수 없는 설정입니다 (가능한 값: {', '.join(sorted(allowed))})")
        for k, (ok, what) in keys.items():
            v = sec.get(k)
            _need(errors, _is_num(v) and ok(v), f"{where}.{k}", f"{what}여야 합니다 (지금: {v!r})")


def resolve_path(value: str | os.PathLike | None, default_key: str, root: Path | None = None) -> Path:
    """A user-given path as the user meant it (relative to the current folder, like any command), or
    the default from params `paths.<default_key>`, relative to the project root."""
    if value:
        return Path(value).absolute()
    root = root or project_root()
    p = Path(load_params(root=root)["paths"][default_key])
    return p if p.is_absolute() else (root / p)


@dataclass(frozen=True)
class Config:
    """Everything an analyst configures, resolved once at the edge (CLI, batch, notebook) and passed down:
    the workspace root and its paths, the default parameters and each province's merged parameters
    (`params/default.yaml` + `params/regions/<sido_code>.yaml`). A province whose file is unusable keeps
    its error, raised when that province's parameters are asked for (the others go on)."""

    root: Path | None
    default: dict
    regions: dict[str, dict] = field(default_factory=dict)
    region_errors: dict[str, str] = field(default_factory=dict)

    def params_for(self, sido_code: str | None = None) -> dict:
        """The parameters in force for a province (the defaults for None or a province without a file)."""
        s = str(sido_code) if sido_code else ""
        if s in self.region_errors:
            raise UserError(self.region_errors[s])
        return self.regions.get(s, self.default)

    def path(self, key: str, value: str | os.PathLike | None = None) -> Path:
        """A user-given path as the user meant it (relative to the current folder), or the default
        `paths.<key>` relative to the workspace root."""
        if value:
            return Path(value).absolute()
        p = Path(self.default["paths"][key])
        if p.is_absolute() or self.root is None:
            return p
        return self.root / p

    def to_dict(self) -> dict:
        """What a panel folder records: the parameters exactly as used."""
        return {"default": self.default, "regions": self.regions, "region_errors": self.region_errors}

    @classmethod
    def from_dict(cls, data: dict, root: Path | None = None) -> Config:
        return cls(root, data["default"], data.get("regions", {}), data.get("region_errors", {}))


def load_config(root: Path | None = None) -> Config:
    """Read `params/` once: the defaults (a Korean UserError when unusable) and every province file."""
    root = Path(root or project_root())
    default = copy.deepcopy(_load_params_cached(str(root), None))
    regions, errors = {}, {}
    regions_dir = root / "params" / "regions"
    for f in sorted(regions_dir.glob("*.yaml")) if regions_dir.is_dir() else []:
        if not re.fullmatch(r"[0-9]{2}", f.stem):  # e.g. 44.example.yaml: a file to copy, not in force
            continue
        try:
            regions[f.stem] = copy.deepcopy(_load_params_cached(str(root), f.stem))
        except UserError as e:
            errors[f.stem] = str(e)
    return Config(root, default, regions, errors)
