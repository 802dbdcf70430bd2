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
    params = _read_yaml(base_dir / "default.yaml")
    if sido_code:
        region = base_dir / "regions" / f"{sido_code}.yaml"
        if region.is_file():
            params = _deep_merge(params, _read_yaml(region))
    validate_params(params, source=str(base_dir))
    return params


def load_params(sido_code: str | None = None, root: Path | None = None) -> dict[str, Any]:
    """Default parameters, overridden by the province's file when `sido_code` is given (a copy)."""
    return copy.deepcopy(_load_params_cached(str(root or project_root()), sido_code))


def validate_params(params: dict, source: str = "params") -> None:
    """Check the stage rules are usable; a Korean error names what is wrong."""
    st = params.get("stages")
    if not isinstance(st, dict):
        raise UserError(f"{source}: 'stages' 항목이 없습니다.")
    scale = st.get("scale")
    if not isinstance(scale, list) or len(scale) < 2:
        raise UserError(f"{source}: stages.scale 은 2개 이상의 단계 목록이어야 합니다.")
    for i, rule in enumerate(st.get("rules") or []):
        if rule.get("stage") not in scale:
            raise UserError(f"{source}: stages.rules[{i}] 의 단계 '{rule.get('stage')}' 가 척도 {scale} 에 없습니다.")
        for j, cond in enumerate(rule.get("any") or []):
            if cond.get("kind") not in ("count_at_or_below", "decline_and_gap"):
                raise UserError(f"{source}: stages.rules[{i}].any[{j}] 의 kind '{cond.get('kind')}' 를 알 수 없습니다.")
    from helpers.pension import PensionSchedule

    PensionSchedule.from_params(params, source)
    brk = params.get("data_breaks") or {}
    share, floor = brk.get("province_drop_share", 0.5), brk.get("area_min_employees", 30)
    if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 < share < 1:
        raise UserError(f"{source}: data_breaks.province_drop_share 는 0과 1 사이의 수여야 합니다 (예: 0.5).")
    if isinstance(floor, bool) or not isinstance(floor, (int, float)) or floor < 1:
        raise UserError(f"{source}: data_breaks.area_min_employees 는 1 이상의 수여야 합니다 (예: 30).")
    mc = (brk.get("month_check") or {}).get("max_change_share", 0.05)
    if isinstance(mc, bool) or not isinstance(mc, (int, float)) or not 0 < mc < 1:
        raise UserError(f"{source}: data_breaks.month_check.max_change_share 는 0과 1 사이의 수여야 합니다 (예: 0.05).")


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
