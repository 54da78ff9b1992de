"""The WSGI module leaves the loaded application out of the garbage collector's walks, lets a big
save run without a collection, and turns glibc's fast bins off."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json, time
import modeler.wsgi
from bench.bench_process_save import process_xml
from processes import bpmn
collections = []
gc.callbacks.append(lambda phase, info: phase == "stop" and collections.append(info["generation"]))
for label in ("a", "b", "c"):
    outline = bpmn.read_bpmn(process_xml("Process_1", 1000, label))
    del outline
print(json.dumps({"frozen": gc.get_freeze_count(), "threshold": gc.get_threshold(), "collections": collections,
                  "without_fast_bins": modeler.wsgi.WITHOUT_FAST_BINS}))
"""


def test_the_application_is_frozen_and_a_big_check_runs_no_collection():
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="modeler.settings", PYTHONPATH=str(ROOT))
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    import json

    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["frozen"] > 50_000  # Django, DRF, lxml's schema holders, every view
    assert probe["threshold"][0] >= 20_000
    assert probe["collections"] == []  # three 1,000-task checks (7,000 elements each), no collection
    # glibc (Debian, the Docker images): the fast bins are off; elsewhere nothing is changed
    assert probe["without_fast_bins"] is (platform.libc_ver()[0] == "glibc")
