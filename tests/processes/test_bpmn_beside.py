"""`read_bpmn` walks a large file in a worker thread while it validates the same bytes itself.

The outline, every problem in its order and every refusal must be those of the same work done in
one thread, for every fixture and every damaged copy of it; the walk must really run in another
thread; and a forked child (a gunicorn worker forked from a loaded master) must start threads of
its own instead of waiting forever on its parent's.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest

from modeler.problems import ValidationFailed
from processes import bpmn
from tests.processes.conftest import process_xml
from tests.processes.test_bpmn_fast_paths import cases

UNREADABLE = {
    "not well-formed": b'<bpmn2:definitions xmlns:bpmn2="http://www.omg.org/spec/BPMN/20100524/MODEL">',
    "not BPMN": b"<definitions><process id='P'/></definitions>",
    "a DOCTYPE": b"<!DOCTYPE x><x/>",
    "schema-invalid": process_xml().replace(b'isExecutable="true"', b'isExecutable="maybe"'),
}


def outcome(content: bytes, read=bpmn.read_bpmn):
    try:
        return read(content)
    except ValidationFailed as refused:
        return ("refused", refused.message, refused.error_code, refused.problems)


def threads_calling(monkeypatch, name: str) -> list[str]:
    """The names of the threads that call `bpmn.<name>` from now on (in the order of the calls)."""
    threads: list[str] = []
    function = getattr(bpmn, name)

    def recorded(data: bytes):
        threads.append(threading.current_thread().name)
        return function(data)

    monkeypatch.setattr(bpmn, name, recorded)
    return threads


@pytest.fixture
def walks(monkeypatch) -> list[str]:
    """Every file is walked beside (whatever its size); the names of the threads that walked."""
    monkeypatch.setattr(bpmn, "_BESIDE_BYTES", 0)
    return threads_calling(monkeypatch, "_walk")


def both_ways(content: bytes, monkeypatch) -> tuple[object, object]:
    monkeypatch.setattr(bpmn._Beside, "_spare_cpu", False)
    inline = outcome(content)
    monkeypatch.setattr(bpmn._Beside, "_spare_cpu", True)
    return inline, outcome(content)


@pytest.mark.parametrize("content", cases())
def test_the_walk_beside_finds_what_the_walk_inline_finds(content, walks, monkeypatch):
    inline, beside = both_ways(content, monkeypatch)
    assert beside == inline
    assert walks[0] == threading.current_thread().name
    assert walks[1].startswith("bpmn-reading")


@pytest.mark.parametrize("name", UNREADABLE)
def test_refusals_and_schema_problems_are_the_same_beside(name, walks, monkeypatch):
    inline, beside = both_ways(UNREADABLE[name], monkeypatch)
    assert beside == inline
    if name == "schema-invalid":
        assert [p.error_code for p in beside.problems] == ["xsd_invalid"]
    else:
        assert beside[0] == "refused"


def test_a_refusal_of_the_walk_reaches_the_caller(walks, monkeypatch):
    monkeypatch.setattr(bpmn._Beside, "_spare_cpu", True)
    twice = process_xml({"Task_1": None, "Task_2": None}).replace(b'id="Task_2"', b'id="Task_1"')
    with pytest.raises(ValidationFailed, match="used twice") as refused:
        bpmn.read_bpmn(twice)
    assert refused.value.error_code == "duplicate_id"
    assert walks[0].startswith("bpmn-reading")


def test_small_files_and_single_cpu_machines_walk_inline(walks, monkeypatch):
    monkeypatch.setattr(bpmn, "_BESIDE_BYTES", 32 * 1024)
    monkeypatch.setattr(bpmn._Beside, "_spare_cpu", True)
    bpmn.read_bpmn(process_xml())
    monkeypatch.setattr(bpmn._Beside, "_spare_cpu", False)
    bpmn.read_bpmn(process_xml({f"Task_{n}": None for n in range(200)}))
    assert walks == [threading.current_thread().name] * 2


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_walks_beside_in_threads_of_its_own(walks, monkeypatch):
    monkeypatch.setattr(bpmn._Beside, "_spare_cpu", True)
    content = process_xml({f"Task_{n}": "movies.getMovieDesc" for n in range(50)})
    bpmn.read_bpmn(content)  # the parent's pool now has a thread
    assert bpmn._Beside._executor is not None
    pid = os.fork()
    if pid == 0:  # the child: its parent's threads are not there; a pool of its own must walk
        code = 1
        try:
            signal.alarm(30)  # waiting on the parent's pool would hang: the alarm ends it
            code = 0 if next(bpmn.read_bpmn(content).service_tasks).id == "Task_0" else 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


def one_of_many(content: bytes):
    """`outcome` of the reading an import's file gets: whole, parsed once, in a worker thread."""
    return outcome(content, lambda data: bpmn.start_reading(data, among_many=True).result())


@pytest.mark.parametrize("content", cases())
def test_a_file_of_many_read_whole_in_one_thread_finds_what_the_two_parses_find(content, monkeypatch):
    monkeypatch.setattr(bpmn._Beside, "_spare_cpu", True)
    assert one_of_many(content) == outcome(content)


@pytest.mark.parametrize("name", UNREADABLE)
def test_a_file_of_many_is_refused_as_the_two_parses_refuse_it(name, monkeypatch):
    monkeypatch.setattr(bpmn._Beside, "_spare_cpu", True)
    assert one_of_many(UNREADABLE[name]) == outcome(UNREADABLE[name])


def test_a_file_of_many_is_read_in_a_worker_thread_and_its_outline_comes_first(monkeypatch):
    monkeypatch.setattr(bpmn._Beside, "_spare_cpu", True)
    threads = threads_calling(monkeypatch, "_read_whole")
    reading = bpmn.start_reading(process_xml({"Task_1": "movies.getMovieDesc"}), among_many=True)
    assert reading.outline().problems == []
    assert [task.id for task in reading.outline().service_tasks] == ["Task_1"]
    assert reading.result() == bpmn.read_bpmn(process_xml({"Task_1": "movies.getMovieDesc"}))
    assert len(threads) == 1 and threads[0].startswith("bpmn-reading")


def test_the_schema_is_loaded_once_when_threads_ask_for_it_at_once(monkeypatch):
    """Two worker threads loading the XSD at once made libxml2 refuse it ('not valid XML Schema')."""
    bpmn._loaded_schema.cache_clear()
    start = threading.Barrier(4)
    loaded, failed = [], []

    def load():
        start.wait()
        try:
            loaded.append(bpmn.bpmn_schema())
        except Exception as exc:  # noqa: BLE001 - the test reports what any thread met
            failed.append(exc)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failed == []
    assert len({id(schema) for schema in loaded}) == 1
