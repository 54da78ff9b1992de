"""Rules of STYLE.md checked over the source: one way into lxml (and zips), pure modules stay pure."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("modeler", "projects", "connectors", "processes", "deployments")
XML_ENTRY = Path("processes/bpmn.py")
ZIP_ENTRY = Path("projects/archive.py")  # the one way into a zip: read_zip (and zip_bytes to write one)
PURE_MODULES = (
    "processes/bpmn.py",
    "processes/mapping.py",
    "connectors/schema.py",
    "connectors/catalog.py",
    "projects/model_types.py",
    "projects/names.py",
    "modeler/problems.py",
    "modeler/strict_json.py",
    "modeler/schema_problems.py",
)
LXML_CALLS = {"fromstring", "XML", "parse", "iterparse", "XMLParser", "xinclude", "XSLT", "XMLSchema", "HTML"}
ZIP_CALLS = {"ZipFile", "extractall", "extract"}


def sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT), ast.parse(path.read_text(), filename=str(path))


def _calls(tree: ast.AST, names: set[str]) -> list[tuple[str, int]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.attr
                if isinstance(func, ast.Attribute)
                else func.id
                if isinstance(func, ast.Name)
                else ""
            )
            if name in names:
                found.append((name, node.lineno))
    return found


def _imports(tree: ast.AST) -> set[str]:
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


def test_the_walk_sees_the_xml_entry_point():
    trees = dict(sources())
    assert XML_ENTRY in trees
    assert {name for name, _ in _calls(trees[XML_ENTRY], LXML_CALLS)} >= {"fromstring", "XMLSchema"}


def test_only_the_bpmn_module_touches_lxml():
    offenders = []
    for path, tree in sources():
        if path == XML_ENTRY:
            continue
        if any(module == "lxml" or module.startswith("lxml.") for module in _imports(tree)):
            offenders.append(f"{path} imports lxml")
        if any(
            module in {"xml.etree.ElementTree", "xml.dom.minidom", "xml.sax"} for module in _imports(tree)
        ):
            offenders.append(f"{path} imports the stdlib XML parsers")
    assert offenders == []


def test_lxml_parse_functions_are_called_in_one_place_only():
    tree = dict(sources())[XML_ENTRY]
    calls = _calls(tree, {"fromstring"})
    assert len(calls) == 1, calls  # parse_xml
    assert _calls(tree, {"xinclude", "XSLT", "iterparse", "HTML"}) == []


def test_zips_are_opened_in_one_place_only():
    offenders = [
        f"{path}:{line} {name}"
        for path, tree in sources()
        if path != ZIP_ENTRY
        for name, line in _calls(tree, ZIP_CALLS)
    ]
    assert offenders == []


def test_the_zip_module_reads_members_in_one_function_and_never_extracts():
    tree = dict(sources())[ZIP_ENTRY]
    assert _calls(tree, {"extract", "extractall"}) == []
    functions = {node.name: node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}
    # ZipFile is made twice: to read (read_zip) and to write (zip_bytes); members are opened once.
    assert sorted(name for name, node in functions.items() if _calls(node, {"ZipFile"})) == [
        "read_zip",
        "zip_bytes",
    ]
    assert [name for name, node in functions.items() if _calls(node, {"open"})] == ["_read_member"]
    assert [name for name, node in functions.items() if _calls(node, {"_read_member"})] == ["read_zip"]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_pure_modules_import_no_django(module):
    tree = ast.parse((ROOT / module).read_text())
    assert [m for m in _imports(tree) if m == "django" or m.startswith(("django.", "rest_framework"))] == []
    assert ast.get_docstring(tree), f"{module} needs a module docstring"


def test_every_module_has_a_docstring():
    missing = [
        str(path) for path, tree in sources() if path.name != "__init__.py" and not ast.get_docstring(tree)
    ]
    assert missing == []
