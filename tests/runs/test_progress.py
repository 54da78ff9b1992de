"""A running run's progress as GET /runs/{id} reads it: the recorder's throttled writes
(runs.services._Recorder) and the transport's call while it waits for an answer."""

from __future__ import annotations

import time

import pytest

from runs import services
from runs.models import Run
from tests.runs import processes as p

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(save_process, owner, settings):
    settings.MODELER_RUNS = {"broker_url": "memory://", "worker": "external", "memory_connectors": ()}
    model = save_process(p.SEED, p.SEED_EXTENSIONS)
    return services.run_start(actor=owner, model=model, variables={"movieName": "Alien"})


def stored(run) -> tuple[list[str], list[str], dict]:
    row = Run.objects.get(pk=run.pk)
    trace = [f"{step['event']} {step['elementId']}" for step in row.trace]
    tasks = [
        f"{task['elementId']} {'answered' if task['answeredAt'] else 'sent'}" for task in row.service_tasks
    ]
    return trace, tasks, row.variables


REQUEST = {
    "elementId": "Task_1",
    "destination": "movies.getMovieDesc",
    "requestId": "r-1",
    "inBoundVariables": {"movieName": "Alien"},
}
RESULT = {
    "elementId": "Task_1",
    "outBoundVariables": {"movieDescription": "about Alien"},
    "written": {"movieDescription": "about Alien"},
}


def test_the_first_event_is_written_at_once_the_next_held_until_a_flush(run):
    recorder = services._Recorder(run, interval=3600)
    recorder("entered", {"elementId": "StartEvent_1", "name": ""})
    assert stored(run)[0] == ["entered StartEvent_1"]

    recorder("left", {"elementId": "StartEvent_1", "state": "COMPLETED"})
    recorder("entered", {"elementId": "Task_1", "name": "look up"})
    recorder("request", REQUEST)
    assert stored(run)[:2] == (["entered StartEvent_1"], [])  # held: the last write is recent

    recorder.flush()  # the transport waits for the answer: the request is shown
    assert stored(run)[:2] == (
        ["entered StartEvent_1", "left StartEvent_1", "entered Task_1"],
        ["Task_1 sent"],
    )
    recorder.flush()  # nothing held: nothing written
    assert recorder.held is False


def test_an_event_after_the_interval_is_written_with_those_held(run):
    recorder = services._Recorder(run, interval=0.01)
    recorder("entered", {"elementId": "Task_1", "name": "look up"})
    recorder.written_at = time.monotonic()  # as if just written: the next events are held
    recorder.pause = 3600
    recorder("request", REQUEST)
    assert stored(run)[1] == []
    recorder.pause = 0.01
    time.sleep(0.02)
    recorder("result", RESULT)
    trace, tasks, variables = stored(run)
    assert tasks == ["Task_1 answered"]
    assert variables == {"movieName": "Alien", "movieDescription": "about Alien"}


def test_the_pause_between_writes_grows_with_their_cost(run):
    recorder = services._Recorder(run, interval=0.0)
    recorder("entered", {"elementId": "StartEvent_1", "name": ""})
    assert recorder.pause > 0  # ten writes' time, however fast this database is
