"""The two dependency lists (pyproject.toml for pip, environment.yml for conda) never drift apart."""

import re
import tomllib

import yaml

from helpers.params import project_root

ROOT = project_root()


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(specs):
    out = {}
    for s in specs:
        m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*==\s*([^\s;]+)", s)
        assert m, f"not pinned with ==: {s!r}"
        out[_norm(m.group(1))] = m.group(2)
    return out


def test_pyproject_and_environment_yml_pin_the_same_versions():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pip_pins = _pins(py["dependencies"] + py["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, pip_section = [], []
    for d in env["dependencies"]:
        if isinstance(d, dict):
            pip_section += d["pip"]
        elif not d.startswith(("python", "pip")) or d.startswith("pip-"):
            conda.append(d)
    env_pins = _pins(conda + pip_section)
    assert env_pins == pip_pins


def test_the_fixed_packages_of_the_product_are_all_declared():
    py = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = set(_pins(py["dependencies"]))
    assert {"jupyterlab", "papermill", "pandas", "seaborn", "ipywidgets", "nbconvert"} <= names
