"""Generate a runnable connector project from a connector definition (SPEC §10 "Scaffold").

`generate(definition_bytes)` returns the files, in a fixed order, of a project named
`<connector>-connector`:

    pyproject.toml  README.md  Dockerfile  .dockerignore
    <package>/__init__.py            the Connector, reading the definition next to it
    <package>/<connector>.json       the definition, byte for byte
    <package>/actions/<action>.py    one handler per action, returning typed sample outputs
    tests/test_<action>.py           each action driven through the SDK's in-memory transport
    vendor/modeler-connector-sdk/    this SDK's source, so `pip install` and `docker build` need no index for it

`write_project(definition_bytes, out)` writes them into a folder. Into a folder that already holds
a project it only adds what is missing and rewrites the definition: handler and test files
already there are the author's and are kept; the report names the actions that are new (their
files written) and gone (their files to delete: the SDK refuses to start with a handler for an
action that is no longer defined).

Pure: standard library and this package only, no Django, no I/O in `generate`.
"""

from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path

from modeler_connector import __version__
from modeler_connector.definition import Action, Definition, Parameter, parse_definition

PYTHON_IMAGE = "python:3.12.8-slim-bookworm"
SDK_FOLDER = "vendor/modeler-connector-sdk"
SAMPLES = {
    "string": lambda p: f"sample {p.name}",
    "integer": lambda p: 1,
    "boolean": lambda p: True,
    "date": lambda p: "2024-01-31",
    "datetime": lambda p: "2024-01-31T09:30:00+00:00",
    "json": lambda p: {"sample": p.name},
    "file": lambda p: [{"id": "sample-file-id", "name": "sample.txt"}],
    "folder": lambda p: {"id": "sample-folder-id", "name": "sample"},
    "array": lambda p: [f"sample {p.name}"],
}


def sample(parameter: Parameter) -> object:
    """A value of the parameter's type (custom types get a string: any JSON value fits them)."""
    make = SAMPLES.get(parameter.type)
    return make(parameter) if make else f"sample {parameter.name}"


def package_name(connector: str) -> str:
    return re.sub(r"\W", "_", connector).lower() + "_connector"


def _snake(name: str) -> str:
    text = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    if not text or text[0].isdigit() or keyword.iskeyword(text):
        text = f"action_{text}"
    return text


def module_names(definition: Definition) -> dict[str, str]:
    """Action name → handler module name, unique and stable for a given set of action names."""
    names: dict[str, str] = {}
    used: set[str] = {"actions"}
    for action in sorted(definition.actions):
        base = _snake(action)
        candidate, index = base, 2
        while candidate in used:
            candidate, index = f"{base}_{index}", index + 1
        used.add(candidate)
        names[action] = candidate
    return names


def _py(value: object) -> str:
    """A Python literal of a JSON value, with double quotes as formatters write them."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py(k)}: {_py(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_py(item) for item in value) + "]"
    return repr(value)


def _doc(text: str) -> str:
    """Text that is safe inside a generated triple-quoted docstring."""
    return text.replace("\\", "\\\\").replace('"""', "'''")


def _handler(package: str, action: Action, module: str) -> str:
    outputs = "\n".join(f"        {_py(p.name)}: {_py(sample(p))},  # {p.type}" for p in action.outputs)
    inputs = ", ".join(f"{p.name} ({p.type}{', required' if p.required else ''})" for p in action.inputs)
    body = f"    return {{\n{outputs}\n    }}" if action.outputs else "    return {}"
    summary = action.description or f"The {action.name} action."
    return f'''"""{_doc(summary.strip())}

Inputs: {_doc(inputs) or "none"}. Replace the sample outputs below with the real logic; raise
`BpmnError("<code>")` with a code of the definition's errors for a business error.
"""

from __future__ import annotations

from modeler_connector import BpmnError, CallContext  # noqa: F401 - BpmnError is there to be raised

from {package} import connector


@connector.action({_py(action.name)})
def {module}(inputs: dict, context: CallContext) -> dict:
{body}
'''


def _test(package: str, definition: Definition, action: Action, module: str) -> str:
    inputs = {p.name: sample(p) for p in action.inputs}
    required = [p for p in action.inputs if p.required]
    config = {v.name: "test-value" for v in definition.config if v.required and v.value is None}
    text = f'''"""The {_doc(action.name)} action driven through the SDK's in-memory transport."""

import pytest
from modeler_connector.testing import ConnectorTestClient
from modeler_connector.values import check_parameters

from {package} import connector

ACTION = {_py(action.name)}
CONFIG = {_py(config)}


@pytest.fixture(scope="module")
def client():
    with ConnectorTestClient(connector, env=CONFIG) as client:
        yield client


def test_{module}_answers_its_declared_outputs(client):
    outcome = client.call(ACTION, {_py(inputs)})
    assert outcome.kind == "result", outcome.error_message
    outputs = connector.definition.actions[ACTION].outputs
    assert set(outcome.outputs) <= {{p.name for p in outputs}}
    assert check_parameters(outputs, outcome.outputs, "output") == []
'''
    if required:
        missing = required[0].name
        text += f"""

def test_{module}_refuses_a_missing_required_input(client):
    outcome = client.call(ACTION, {_py({k: v for k, v in inputs.items() if k != missing})})
    assert outcome.kind == "error"
    assert {_py(f"'{missing}' is required")} in outcome.error_message
"""
    return text


def _init(definition: Definition, package: str) -> str:
    return f'''"""The `{definition.name}` connector: its definition and the handlers in `actions/`."""

from pathlib import Path

from modeler_connector import Connector

connector = Connector(Path(__file__).with_name({_py(definition.name + ".json")}))

from {package} import actions  # noqa: E402,F401 - registers every handler on the connector
'''


ACTIONS_INIT = '''"""Every module of this folder is imported, so that each handler registers itself."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
'''


def _pyproject(definition: Definition, project: str, package: str) -> str:
    description = json.dumps(definition.description or f"The {definition.name} connector")
    return f'''[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{project}"
version = "0.1.0"
description = {description}
requires-python = ">=3.11"
dependencies = ["modeler-connector-sdk>={__version__},<1"]

[project.optional-dependencies]
test = ["pytest>=8"]

[tool.setuptools.packages.find]
include = ["{package}*"]

[tool.setuptools.package-data]
{package} = ["*.json"]

[tool.pytest.ini_options]
testpaths = ["tests"]
'''


def _dockerfile(package: str) -> str:
    return f"""# The {package} image: the SDK and the connector on a slim Python, run as a non-root user.
FROM {PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    PIP_NO_CACHE_DIR=1 \\
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY {SDK_FOLDER}/ {SDK_FOLDER}/
RUN pip install ./{SDK_FOLDER}
COPY pyproject.toml README.md ./
COPY {package}/ {package}/
RUN pip install --no-deps . && useradd --system --uid 10001 --no-create-home connector

USER 10001:10001
ENV CONNECTOR_MODULE={package}
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \\
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/health/live', timeout=2).status != 200)"]
CMD ["connector", "run"]
"""


def _readme(definition: Definition, project: str, package: str, modules: dict[str, str]) -> str:
    config = [v for v in definition.config]
    env = " ".join(f"{v.name}=…" for v in config if v.required and v.value is None)
    lines = [
        f"# {project}",
        "",
        definition.description or f"The `{definition.name}` connector.",
        "",
        f"Generated by Modeler from the `{definition.name}` connector definition. Each action has its",
        f"handler in `{package}/actions/`, returning sample outputs until you write the logic.",
        "",
        "| action | destination | handler |",
        "|---|---|---|",
    ]
    for action in sorted(definition.actions):
        lines.append(
            f"| {action} | `{definition.destination(action)}` | `{package}/actions/{modules[action]}.py` |"
        )
    lines += [
        "",
        "## Test, run, build",
        "",
        "```sh",
        f'python3 -m venv .venv && .venv/bin/pip install ./{SDK_FOLDER} -e ".[test]" && .venv/bin/python -m pytest',
        f"{env + ' ' if env else ''}.venv/bin/connector run --module {package} --broker amqp://guest:guest@localhost:5672//",
        f"docker build -t {project}:0.1.0 .",
        "```",
        "",
        "The connector consumes `<connector>.<action>` (a topic exchange) through the queue",
        "`<connector>.<action>.integration` and answers to the request's `resultDestination` /",
        "`errorDestination`, as an Activiti Cloud connector does. Health: `GET :8080/health/live`",
        "and `/health/ready` (ready while connected to the broker).",
    ]
    if config:
        lines += ["", "## Connector variables (environment)", ""]
        for variable in config:
            flags = ", ".join(
                f for f, on in (("required", variable.required), ("secure", variable.secure)) if on
            )
            lines.append(f"- `{variable.name}`{f' ({flags})' if flags else ''}: {variable.description}")
    lines += [
        "",
        "Regenerate after changing the definition (`connector scaffold <definition.json> --out .`):",
        "handlers and tests you have are kept, new actions get theirs, gone actions are listed.",
        "",
    ]
    return "\n".join(lines)


def _sdk_files() -> dict[str, bytes]:
    """This SDK's own source, vendored so that the project installs and builds without an index."""
    folder = Path(__file__).parent
    files = {}
    for path in sorted(folder.glob("*.py")):
        files[f"{SDK_FOLDER}/modeler_connector/{path.name}"] = path.read_bytes()
    files[f"{SDK_FOLDER}/pyproject.toml"] = SDK_PYPROJECT.encode()
    files[f"{SDK_FOLDER}/README.md"] = (
        b"# modeler-connector-sdk\n\nThe connector SDK, vendored by the scaffold.\n"
    )
    return files


SDK_PYPROJECT = f"""[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "modeler-connector-sdk"
version = "{__version__}"
description = "Write an Activiti / Alfresco Process Automation cloud connector in Python"
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["kombu>=5.3,<6"]

[project.scripts]
connector = "modeler_connector.cli:main"

[tool.setuptools.packages.find]
include = ["modeler_connector*"]
"""


@dataclass
class Project:
    name: str  # the folder: <connector>-connector
    package: str
    definition: Definition
    modules: dict[str, str]
    files: dict[str, bytes]  # relative path -> content, in a fixed order

    def action_files(self, action: str) -> list[str]:
        module = self.modules[action]
        return [f"{self.package}/actions/{module}.py", f"tests/test_{module}.py"]


def generate(definition_bytes: bytes) -> Project:
    """The project's files for a definition (the bytes of a connector JSON file)."""
    definition = parse_definition(json.loads(definition_bytes))
    project = f"{definition.name}-connector"
    package = package_name(definition.name)
    modules = module_names(definition)
    files: dict[str, bytes] = {
        "pyproject.toml": _pyproject(definition, project, package).encode(),
        "README.md": _readme(definition, project, package, modules).encode(),
        "Dockerfile": _dockerfile(package).encode(),
        ".dockerignore": b".venv/\n**/__pycache__/\n.pytest_cache/\ntests/\n",
        f"{package}/__init__.py": _init(definition, package).encode(),
        f"{package}/{definition.name}.json": definition_bytes,
        f"{package}/actions/__init__.py": ACTIONS_INIT.encode(),
    }
    for action in sorted(definition.actions):
        module = modules[action]
        files[f"{package}/actions/{module}.py"] = _handler(
            package, definition.actions[action], module
        ).encode()
    for action in sorted(definition.actions):
        module = modules[action]
        files[f"tests/test_{module}.py"] = _test(
            package, definition, definition.actions[action], module
        ).encode()
    files.update(_sdk_files())
    return Project(project, package, definition, modules, files)


@dataclass
class ScaffoldReport:
    out: Path
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    new_actions: list[str] = field(default_factory=list)
    gone_actions: dict[str, list[str]] = field(default_factory=dict)  # action -> its files to delete

    def summary(self) -> str:
        lines = [f"{self.out}: {len(self.written)} file(s) written, {len(self.kept)} kept"]
        if self.new_actions:
            lines.append(f"new actions: {', '.join(self.new_actions)}")
        for action, paths in self.gone_actions.items():
            lines.append(f"gone action: {action} (delete {', '.join(paths)})")
        return "\n".join(lines)


def write_project(definition_bytes: bytes, out: Path | None = None) -> ScaffoldReport:
    """Write the project into `out` (default `./<connector>-connector`), keeping the author's files."""
    project = generate(definition_bytes)
    out = out or Path(project.name)
    report = ScaffoldReport(out)
    definition_path = out / project.package / f"{project.definition.name}.json"
    if definition_path.exists():
        before = generate(definition_path.read_bytes())
        report.new_actions = sorted(set(project.definition.actions) - set(before.definition.actions))
        for action in sorted(set(before.definition.actions) - set(project.definition.actions)):
            report.gone_actions[action] = [p for p in before.action_files(action) if (out / p).exists()]
    always = {f"{project.package}/{project.definition.name}.json"}
    always |= {path for path in project.files if path.startswith(SDK_FOLDER + "/")}
    for path, data in project.files.items():
        target = out / path
        if target.exists() and path not in always:
            report.kept.append(path)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        report.written.append(path)
    return report
