"""bench/bench_runs.py keeps working: its chain is the process it says, and its measure runs a tiny
chain end to end (run_start, claim, execute) and its floor, over memory:// and over RabbitMQ.

No timing is asserted: the benchmark is run by hand (medians, ratio against the floor).
"""

from __future__ import annotations

import pytest

from bench import bench_runs
from runs import engine
from tests.sdk.conftest import broker_url  # noqa: F401 - the broker fixture (skip/require)


def test_the_chain_maps_every_task_automatically():
    content, extensions = bench_runs.chain_process("bench-x", 3)
    plan = engine.check(content, extensions)
    assert plan.implementations == dict.fromkeys(("Task_1", "Task_2", "Task_3"), "bench-x.getMovieDesc")
    rows = {
        "inputs": {"movieName": {"type": "variable", "value": "movieName"}},
        "outputs": {"movieDescription": {"type": "variable", "value": "movieDescription"}},
    }
    assert plan.mappings == dict.fromkeys(("Task_1", "Task_2", "Task_3"), rows)
    assert set(plan.variables) == {"movieName", "movieDescription"}


def _check(result: bench_runs.Measure) -> None:
    assert result.outcome["state"] == "COMPLETED"
    assert (result.outcome["requests"], result.outcome["answered"]) == (3, 3)
    assert result.outcome["trace"] == 2 * 5  # start, three tasks, end: each entered and left
    assert result.outcome["variables"]["movieDescription"].startswith("Alien (1979): the crew")
    assert len(result.run_seconds) == len(result.floor_seconds) == 1
    assert result.per_task > 0 and result.floor > 0
    assert "ratio run/floor" in result.report()


@pytest.mark.django_db(transaction=True)
def test_a_tiny_chain_over_memory(owner):
    _check(bench_runs.measure("memory://", tasks=3, rounds=1, timeout=30, actor=owner))


@pytest.mark.django_db(transaction=True)
def test_a_tiny_chain_over_rabbitmq(owner, broker_url):  # noqa: F811
    _check(bench_runs.measure(broker_url, tasks=3, rounds=1, timeout=30, actor=owner))
