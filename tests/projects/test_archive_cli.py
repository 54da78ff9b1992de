"""The archive management commands: --help, exit statuses 0/1/2, the API's messages, progress."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import ManagementUtility

from projects.models import Model, Project, Release
from tests.projects.test_archive import apa_files, counts, unzip, zip_of

ROOT = Path(__file__).resolve().parent.parent.parent
pytestmark = pytest.mark.django_db
COMMANDS = ("export_project", "import_project", "validate_project", "release_project")


def run(*argv: str) -> tuple[int, str, str]:
    """Run a command as `manage.py` does (exit status included), in this test's database."""
    out, err = io.StringIO(), io.StringIO()
    code = 0
    # run_from_argv closes every connection when it ends; the test's transaction lives on one.
    keep_connections = mock.patch("django.core.management.base.connections.close_all")
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), keep_connections:
        try:
            ManagementUtility(["manage.py", *argv]).execute()
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("command", COMMANDS)
def test_help_and_usage_errors_exit_2(command):
    done = subprocess.run(
        [sys.executable, "manage.py", command, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0
    assert "Exit status" in done.stdout.replace("\n", " ")
    wrong = subprocess.run(
        [sys.executable, "manage.py", command, "--no-such-option"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrong.returncode == 2
    assert "error:" in wrong.stderr and "usage:" in wrong.stderr


def test_import_export_validate_release_round_trip(owner, tmp_path):
    source = tmp_path / "apa.zip"
    source.write_bytes(zip_of(apa_files()))
    code, out, err = run("import_project", str(source), "--user", owner.username, "--name", "from-cli")
    assert code == 0, err
    assert "Imported project 'from-cli'" in out and "with 2 models" in out
    project = Project.objects.get(name="from-cli", owner=owner)
    code, out, _ = run("validate_project", "from-cli")
    assert (code, out.strip()) == (0, "Project 'from-cli' is valid")
    code, out, err = run("release_project", "from-cli", "--user", owner.username, "--comment", "cli")
    assert code == 0, err
    assert "as release 1" in out
    assert Release.objects.get(project=project).comment == "cli"
    target = tmp_path / "out.zip"
    code, out, _ = run("export_project", str(project.pk), "-o", str(target))
    assert code == 0 and "Exported project 'from-cli'" in out
    files = unzip(target.read_bytes())
    assert json.loads(files["from-cli.json"])["version"] == "1"
    assert files["processes/rank-movie.bpmn20.xml"] == apa_files()["processes/rank-movie.bpmn20.xml"]


def test_refusals_exit_1_with_the_api_messages(owner, no_role, tmp_path, project):
    hostile = apa_files()
    hostile["processes/rank-movie.bpmn20.xml"] = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'
    source = tmp_path / "bad.zip"
    source.write_bytes(zip_of(hostile))
    before = counts()
    code, _, err = run("import_project", str(source), "--user", owner.username, "--name", "bad-one")
    assert code == 1
    assert "Cannot import processes/rank-movie.bpmn20.xml" in err and "DOCTYPE" in err
    assert counts() == before
    code, _, err = run("import_project", str(source), "--user", no_role.username)
    assert code == 1 and "APS_MODELER" in err
    code, _, err = run("import_project", str(tmp_path / "missing.zip"), "--user", owner.username)
    assert code == 2 and "No such file" in err
    code, out, err = run("validate_project", "movies-app")
    assert code == 1
    assert "Project must contain at least one process" in out
    assert "Validation errors found in project's models" in err
    code, _, err = run("release_project", "movies-app", "--user", owner.username)
    assert code == 1 and "Project must contain at least one process" in err
    assert Release.objects.count() == 0
    code, _, err = run("export_project", "no-such-project")
    assert code == 1 and "Project not found" in err


def test_progress_bar_for_more_than_a_few_models(owner, tmp_path):
    files = apa_files()
    base = files["processes/rank-movie.bpmn20.xml"]
    for index in range(8):
        files[f"processes/p{index}.bpmn20.xml"] = base.replace(
            b"Process_rk7m2q9x", f"Process_p{index:07d}".encode()
        )
    source = tmp_path / "many.zip"
    source.write_bytes(zip_of(files))
    code, _, err = run("import_project", str(source), "--user", owner.username)
    assert code == 0, err
    assert "10/10" in err and "check" in err and "store" in err
    assert Model.objects.filter(project__name="movies-app", type="PROCESS").count() == 9
    code, _, err = run(
        "import_project", str(source), "--user", owner.username, "--name", "quiet", "--no-progress"
    )
    assert code == 0 and "10/10" not in err
