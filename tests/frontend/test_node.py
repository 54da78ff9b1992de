"""The DOM-free front-end modules (frontend/lib) under node's own test runner, as part of pytest."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_frontend_lib_under_node_test_runner():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    result = subprocess.run(
        [
            node,
            "--test",
            "tests/frontend/test_lib.mjs",
            "tests/frontend/test_diff.mjs",
            "tests/frontend/test_run.mjs",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# fail 0" in result.stdout
