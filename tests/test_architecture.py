"""The package keeps one direction: a module imports only modules listed before it in the package
docstring (lazy imports inside functions included)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import helpers

SRC = Path(helpers.__file__).parent


def declared_order() -> list[str]:
    doc = helpers.__doc__
    block = doc.split("tests/test_architecture.py):", 1)[1].split("\n\n", 1)[0]
    return [m for m in re.split(r"\s*(?:→|,)\s*", " ".join(block.split())) if m]


def module_of(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    return rel.parts[0]  # a package counts as one module


def imported_modules(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "helpers":
            parts = node.module.split(".")
            if len(parts) > 1:
                out.add(parts[1])
            else:
                out.update(a.name for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name.split(".")[1] for a in node.names if a.name.startswith("helpers."))
    return out


def test_every_module_is_in_the_declared_order():
    order = declared_order()
    have = {module_of(p) for p in SRC.rglob("*.py") if p.name != "__main__.py" and p.parent == SRC or
            p.parent.parent == SRC and p.name == "__init__.py"} - {"__init__"}
    assert sorted(have - set(order)) == [] and sorted(set(order) - have) == []


def test_no_module_imports_one_listed_after_it():
    order = {m: i for i, m in enumerate(declared_order())}
    wrong = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "__main__.py" or path == SRC / "__init__.py":
            continue
        me = module_of(path)
        for other in imported_modules(path):
            if other != me and other in order and order[other] >= order[me]:
                wrong.append(f"{path.relative_to(SRC)} imports {other}")
    assert wrong == []
