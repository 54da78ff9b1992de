"""STYLE.md rules over the deployments app: pure modules stay pure, zips only through
projects.archive, and the modeling apps never import deployments."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.test_source_rules import ZIP_CALLS, _calls, _imports

ROOT = Path(__file__).resolve().parents[2]
PURE = ("deployments/rules.py", "deployments/manifests.py")
MODELING_APPS = ("modeler", "projects", "connectors", "processes")


def _modules(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" not in path.parts:
            yield path.relative_to(ROOT), ast.parse(path.read_text(), filename=str(path))


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_no_django(module):
    tree = ast.parse((ROOT / module).read_text())
    assert [m for m in _imports(tree) if m == "django" or m.startswith(("django.", "rest_framework"))] == []


def test_deployments_never_open_a_zip_itself():
    offenders = [
        f"{path}:{line} {name}"
        for path, tree in _modules("deployments")
        for name, line in _calls(tree, ZIP_CALLS)
    ]
    assert offenders == []
    imports = {m for _, tree in _modules("deployments") for m in _imports(tree)}
    assert "zipfile" not in imports


def test_yaml_is_written_through_the_library_in_one_place():
    callers = [str(path) for path, tree in _modules("deployments") if _calls(tree, {"safe_dump", "dump"})]
    assert callers == ["deployments/manifests.py"]


def test_the_modeling_apps_never_import_deployments():
    offenders = [
        str(path)
        for app in MODELING_APPS
        for path, tree in _modules(app)
        if any(m == "deployments" or m.startswith("deployments.") for m in _imports(tree))
    ]
    assert offenders == []


def test_every_deployments_module_has_a_docstring():
    missing = [
        str(p)
        for p, tree in _modules("deployments")
        if p.name != "__init__.py" and not ast.get_docstring(tree)
    ]
    assert missing == []
