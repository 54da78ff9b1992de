"""The scaffold: generated projects install, their own tests pass, the Dockerfile is sound."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from modeler_connector.definition import parse_definition
from modeler_connector.scaffold import PYTHON_IMAGE, SDK_PYPROJECT, generate, module_names, write_project

ROOT = Path(__file__).resolve().parents[2]
DEMO = (ROOT / "examples" / "movies_connector" / "movies.json").read_bytes()
TYPES = (
    "string",
    "integer",
    "boolean",
    "date",
    "datetime",
    "json",
    "file",
    "folder",
    "array",
    "Content-Metadata",
)
# Names that fold to the same module, keywords, digits, punctuation: every one must get its own file.
ACTION_NAMES = ["getX", "get_x", "get-x", "class", "2fast", "send email!", "SEND", "Send"]
ACTION_NAMES += ['say "hi" \\', "ünïcode", "emoji 😀"] + [f"action{index}" for index in range(9)]


def twenty_actions() -> bytes:
    actions = {}
    for index, name in enumerate(ACTION_NAMES):
        inputs = [
            {
                "id": f"i{index}-{t}",
                "name": f"in_{t.replace('-', '_')}",
                "type": t,
                "required": (index + n) % 2 == 0,
            }
            for n, t in enumerate(TYPES)
        ]
        outputs = [{"id": f"o{index}-{t}", "name": f"out{n}", "type": t} for n, t in enumerate(TYPES)]
        actions[f"key-{index}"] = {"id": f"id-{index}", "name": name, "inputs": inputs, "outputs": outputs}
    document = {
        "id": "connector-20",
        "name": "every-type",
        "description": 'Twenty actions, "quoted"',
        "actions": actions,
        "config": [
            {"name": "API_TOKEN", "required": True, "secure": True},
            {"name": "REGION", "value": "eu", "required": True},
        ],
        "errors": [{"name": "NOT_FOUND", "code": "NOT_FOUND"}],
    }
    return json.dumps(document, indent=2).encode()


def run_generated_tests(folder: Path) -> subprocess.CompletedProcess:
    """Install the project and its vendored SDK (pip, offline, into a folder of their own: not the
    repo's SDK), then run the project's own tests against what was installed."""
    site = folder.parent / "site"
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(site),
            str(folder / "vendor" / "modeler-connector-sdk"),
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stdout[-2000:] + installed.stderr[-2000:]
    env = {
        key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")
    }
    env["PYTHONPATH"] = str(site)
    code = "import modeler_connector, sys; sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', '-p', 'no:django', 'tests']))"
    check = "import modeler_connector, movies_connector; print(modeler_connector.__file__)"
    where = subprocess.run(
        [sys.executable, "-c", check.replace("movies_connector", folder_package(folder))],
        cwd=folder.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert where.stdout.strip().startswith(str(site)), where.stdout + where.stderr
    return subprocess.run(
        [sys.executable, "-c", "import pytest; " + code],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def folder_package(folder: Path) -> str:
    """The generated package's import name (the one folder beside tests/ and vendor/ with an __init__)."""
    (package,) = [p.name for p in folder.iterdir() if (p / "__init__.py").is_file()]
    return package


@pytest.mark.parametrize("definition", [DEMO, twenty_actions()], ids=["demo-movies", "twenty-actions"])
def test_a_generated_project_installs_and_its_own_tests_pass(definition, tmp_path):
    report = write_project(definition, tmp_path / "project")
    project = generate(definition)
    assert report.written == list(project.files) and report.kept == []
    done = run_generated_tests(tmp_path / "project")
    actions = len(project.definition.actions)
    requiring = sum(1 for a in project.definition.actions.values() if any(p.required for p in a.inputs))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(rf"\b{actions + requiring} passed\b", done.stdout), done.stdout[-500:]
    pyproject = tomllib.loads(project.files["pyproject.toml"].decode())
    assert pyproject["project"]["name"] == project.name
    assert pyproject["project"]["dependencies"] == ["modeler-connector-sdk>=0.1.0,<1"]
    assert pyproject["tool"]["setuptools"]["package-data"] == {project.package: ["*.json"]}


def test_every_action_gets_its_own_handler_and_test_module():
    project = generate(twenty_actions())
    modules = module_names(project.definition)
    assert len(set(modules.values())) == 20
    assert all(name.isidentifier() for name in modules.values())
    assert modules["class"] == "action_class" and modules["2fast"] == "action_2fast"
    for action, module in modules.items():
        handler = project.files[f"{project.package}/actions/{module}.py"].decode()
        assert f"@connector.action({json.dumps(action, ensure_ascii=False)})" in handler
        compile(handler, module, "exec")
        compile(project.files[f"tests/test_{module}.py"].decode(), module, "exec")


def test_generation_is_deterministic_and_ships_the_definition_byte_for_byte():
    first, second = generate(DEMO), generate(DEMO)
    assert first.files == second.files and list(first.files) == list(second.files)
    assert first.files["movies_connector/movies.json"] == DEMO
    assert first.name == "movies-connector" and first.package == "movies_connector"


def test_the_vendored_sdk_is_this_sdk():
    project = generate(DEMO)
    vendored = {p.rsplit("/", 1)[1]: d for p, d in project.files.items() if "/modeler_connector/" in p}
    source = {p.name: p.read_bytes() for p in (ROOT / "sdk" / "modeler_connector").glob("*.py")}
    assert vendored == source
    ours = tomllib.loads((ROOT / "sdk" / "pyproject.toml").read_text())["project"]
    theirs = tomllib.loads(SDK_PYPROJECT)["project"]
    assert (theirs["name"], theirs["version"], theirs["dependencies"], theirs["scripts"]) == (
        ours["name"],
        ours["version"],
        ours["dependencies"],
        ours["scripts"],
    )


def test_the_readme_gives_the_three_commands():
    readme = generate(DEMO).files["README.md"].decode()
    commands = readme.split("```sh\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(commands) == 3
    assert commands[0].endswith(".venv/bin/python -m pytest")
    assert "connector run --module movies_connector --broker amqp://" in commands[1]
    assert commands[1].startswith("MOVIES_API_KEY=")
    assert commands[2] == "docker build -t movies-connector:0.1.0 ."


def dockerfile_problems(text: str) -> list[str]:
    """A small Dockerfile lint: pinned slim base (no `latest`), non-root USER, HEALTHCHECK, exec-form CMD."""
    lines = [
        line.strip()
        for line in text.replace("\\\n", " ").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    instructions = [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines
    ]
    problems = []
    bases = [arg for op, arg in instructions if op == "FROM"]
    if len(bases) != 1:
        problems.append("exactly one FROM expected")
    for base in bases:
        image, _, tag = base.partition(":")
        if not tag or tag == "latest" or not re.match(r"^\d+\.\d+\.\d+-slim", tag):
            problems.append(f"base image not pinned to a slim version tag: {base}")
    users = [arg for op, arg in instructions if op == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("the last USER must not be root")
    ops = [op for op, _ in instructions]
    if "USER" in ops and "CMD" in ops and ops.index("CMD") < len(ops) - 1 - ops[::-1].index("USER"):
        problems.append("USER must come before CMD")
    health = [arg for op, arg in instructions if op == "HEALTHCHECK"]
    if not health or "CMD" not in health[0] or "/health/" not in health[0]:
        problems.append("HEALTHCHECK probing /health/ expected")
    cmd = [arg for op, arg in instructions if op == "CMD"]
    if not cmd or not cmd[-1].startswith("["):
        problems.append("CMD must be in exec form (signals reach the connector)")
    if any(op == "ADD" for op in ops):
        problems.append("COPY, not ADD")
    return problems


def test_the_generated_dockerfile_passes_the_lint():
    dockerfile = generate(DEMO).files["Dockerfile"].decode()
    assert dockerfile_problems(dockerfile) == []
    assert f"FROM {PYTHON_IMAGE}\n" in dockerfile and "EXPOSE 8080" in dockerfile


@pytest.mark.parametrize(
    ("mutation", "problem"),
    [
        (lambda d: d.replace(PYTHON_IMAGE, "python:latest"), "not pinned"),
        (lambda d: d.replace(PYTHON_IMAGE, "python:3.12"), "not pinned"),
        (lambda d: d.replace("USER 10001:10001", "USER root"), "must not be root"),
        (lambda d: d.replace("USER 10001:10001\n", ""), "must not be root"),
        (lambda d: re.sub(r"HEALTHCHECK.*?\]\n", "", d, flags=re.S), "HEALTHCHECK"),
    ],
)
def test_the_lint_catches_what_it_is_for(mutation, problem):
    dockerfile = generate(DEMO).files["Dockerfile"].decode()
    assert any(problem in found for found in dockerfile_problems(mutation(dockerfile)))


def test_regenerating_keeps_the_authors_files_and_names_new_and_gone_actions(tmp_path):
    out = tmp_path / "movies-connector"
    write_project(DEMO, out)
    handler = out / "movies_connector" / "actions" / "get_movie_desc.py"
    handler.write_text(handler.read_text().replace("sample movieDescription", "my own logic"))
    document = json.loads(DEMO)
    action = document["actions"].popitem()[1]
    document["actions"]["r1"] = {"id": "r1", "name": "rateMovie", "inputs": action["inputs"], "outputs": []}
    changed = json.dumps(document).encode()
    report = write_project(changed, out)
    assert report.new_actions == ["rateMovie"]
    assert report.gone_actions == {
        "getMovieDesc": ["movies_connector/actions/get_movie_desc.py", "tests/test_get_movie_desc.py"]
    }
    assert "my own logic" in handler.read_text()
    assert "movies_connector/actions/get_movie_desc.py" not in report.written
    assert "movies_connector/actions/rate_movie.py" in report.written
    assert (out / "movies_connector" / "movies.json").read_bytes() == changed
    assert "gone action: getMovieDesc (delete movies_connector/actions/get_movie_desc.py" in report.summary()
    assert parse_definition(json.loads(changed)).actions.keys() == {"rateMovie"}


def test_the_generated_code_passes_a_linter(tmp_path):
    write_project(twenty_actions(), tmp_path / "project")
    done = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E,F,W", "--ignore", "E501",
         "--exclude", "vendor", str(tmp_path / "project")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
