"""bench/bench_load.py can fail: a few seconds of its editors against the real save lose nothing,
and against the naive save (bench/floors.NaiveContentSave, no version check) they lose tokens.

The full run (20 editors × 60 s, the faults) is by hand; this proves in CI that the harness
detects a lost update when there is one, and that the real save has none under its load.
"""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from bench import bench_load
from projects import workspace_sync
from tests import live_gunicorn

EDITORS = 4
SECONDS = 5


def _run(server, owner, auth: str, kind: str) -> bench_load.Outcome:
    docs = bench_load.create_project(owner, f"load-{kind}", connectors=1, small=1, large=0)
    prefix = bench_load.NAIVE if kind == "naive" else bench_load.API
    bench_load.warm_up(server.port, auth, docs, workers=2)
    tally, elapsed = bench_load.run_editors(
        server.port, auth, docs, editors=EDITORS, seconds=SECONDS, save_prefix=prefix
    )
    outcome = bench_load.Outcome(kind, elapsed, tally, bench_load.final_documents(server.port, auth, docs))
    bench_load.check_workspace(outcome, f"load-{kind}", repair=False)
    print(outcome.report())
    return outcome


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_real_save_loses_nothing_and_the_naive_one_is_caught(owner, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: gunicorn's workers share the test database")
    auth = f"Token {Token.objects.create(user=owner).key}"
    with live_gunicorn.gunicorn(
        tmp_path, workers=2, env={"DJANGO_SETTINGS_MODULE": "bench.settings"}
    ) as server:
        real = _run(server, owner, auth, "real")
        naive = _run(server, owner, auth, "naive")

    numbers = real.numbers()
    assert numbers["acknowledged"] >= 5, real.report()  # the editors really saved
    assert numbers["PUT 412"] > 0, real.report()  # and really raced each other
    assert real.lost == set() and real.lost_committed == set(), real.report()
    assert (numbers["500"], numbers["503"], numbers["other 4xx"], numbers["dropped"]) == (0, 0, 0, 0)
    assert real.refused_but_present == set()
    assert real.version_problems == [] and real.damaged == []
    assert real.file_mismatches == [] and real.drift_before == []
    assert real.drift_after is None  # nothing needed repairing

    # The same editors against a save without the version check: acknowledged tokens vanish.
    assert naive.numbers()["acknowledged"] >= 5, naive.report()
    assert len(naive.lost) > 0, naive.report()
    assert naive.numbers()["PUT 412"] == 0  # it never refuses, which is how it loses
    assert workspace_sync.drift() == []
