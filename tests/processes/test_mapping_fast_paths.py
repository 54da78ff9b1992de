"""The fast paths of processes.mapping give what its rules, one step at a time, give: the same
keys in the same order, the same problems, the same bytes (and the same exception)."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from processes import bpmn, mapping
from tests.processes.conftest import process_xml

MOVIES = mapping.Action(
    "movies.getMovieDesc",
    (mapping.Parameter("movieName", "string", True),),
    (mapping.Parameter("movieDescription", "string"),),
)
RATE = mapping.Action(
    "ratings.rate",
    (mapping.Parameter("movieName", "string"), mapping.Parameter("year", "json", True)),
    (mapping.Parameter("score", "integer"),),
)
CATALOG = {action.implementation: action for action in (MOVIES, RATE)}
TASKS = ("Task_1", "Task_2", "Task_3", "Task_4")
ELEMENTS = (*TASKS, "User_1", "Event_start", "Task_gone")
NAMES = ("movieName", "movieDescription", "score", "year", "True", "1")
# The usual mapping of each action, as completing writes it.
USUAL = {
    MOVIES.implementation: {
        "inputs": {"movieName": {"type": "variable", "value": "movieName"}},
        "outputs": {"movieDescription": {"type": "variable", "value": "movieDescription"}},
    },
    RATE.implementation: {
        "inputs": {
            "movieName": {"type": "variable", "value": "movieName"},
            "year": {"type": "value", "value": "1999"},
        },
        "outputs": {"score": {"type": "variable", "value": "score"}},
    },
}
EXAMPLES = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))


def written(value) -> str:
    """Every key in its place: what SQLite, the API and the file see."""
    return json.dumps(value, ensure_ascii=False)


def outcome(work):
    try:
        return ("made", written(work()))
    except Exception as exc:  # noqa: BLE001 - the same one is expected of both
        return ("raised", type(exc).__name__, str(exc))


def outline_of(implementations: dict[str, str | None], user_task: bool) -> bpmn.BpmnOutline:
    return bpmn.read_bpmn(
        process_xml(implementations, extra='\n    <bpmn2:userTask id="User_1" />' if user_task else "")
    )


_VALUES = st.sampled_from([*NAMES, "", "${x}", None, True, 1, 1.0, "x"])
_ROW = st.one_of(
    st.just({}),
    st.builds(
        lambda kind, value: {"type": kind, "value": value}, st.sampled_from(["variable", "value"]), _VALUES
    ),
    st.builds(
        lambda kind, value: {"value": value, "type": kind}, st.sampled_from(["variable", "value"]), _VALUES
    ),
    st.builds(lambda value: {"type": "variable", "value": value, "extra": 1}, _VALUES),
    st.builds(lambda value: {"type": "variable"}, _VALUES),
)
_ROWS = st.dictionaries(st.sampled_from(NAMES), _ROW, max_size=3)
_MAPPING = st.one_of(
    st.builds(lambda i, o: {"inputs": i, "outputs": o}, _ROWS, _ROWS),
    st.builds(lambda i, o: {"outputs": o, "inputs": i}, _ROWS, _ROWS),
    st.fixed_dictionaries(
        {"inputs": _ROWS},
        optional={"outputs": _ROWS, "mappingType": st.sampled_from(mapping.MAPPING_TYPES)},
    ),
    st.just({}),
    st.sampled_from(list(USUAL.values())),
)


def _damaged(usual: dict, how: int) -> dict:
    """The usual mapping with one thing wrong (or unusual)."""
    copied = json.loads(json.dumps(usual))
    first = next(iter(copied["inputs"]))
    changes = [
        lambda m: m["inputs"].pop(first),
        lambda m: m["inputs"][first].update(value="nobody"),
        lambda m: m["inputs"][first].update(value=""),
        lambda m: m["outputs"].update(score={"type": "value", "value": "${x}"}),
        lambda m: m.update(mappingType="MAP_ALL"),
        lambda m: m["inputs"].update(unknown={"type": "value", "value": "x"}),
        lambda m: m["inputs"].update(extra={}),
        lambda m: m["outputs"].update(nobody={"type": "variable", "value": "score"}),
    ]
    changes[how % len(changes)](copied)
    return copied


@st.composite
def scenarios(draw, usual_first: bool = False):
    """(outline, extensions as a save or an import has them, previous implementations)."""
    implementations = {
        task: draw(st.sampled_from([MOVIES.implementation, RATE.implementation, "nope.nope", None]))
        for task in TASKS
    }
    outline = outline_of(implementations, draw(st.booleans()))
    variables = draw(
        st.lists(
            st.tuples(st.sampled_from(NAMES), st.sampled_from(["string", "integer", "json", "boolean"])),
            max_size=4,
        )
    )
    if usual_first:
        variables = [
            ("movieName", "string"),
            ("movieDescription", "string"),
            ("score", "integer"),
            *variables,
        ]
    properties = {
        f"v{n}": {"id": f"v{n}", "name": name, "type": kind} for n, (name, kind) in enumerate(variables)
    }
    # A few mappings, each given to several elements as one object or as an equal copy.
    pool = draw(st.lists(_MAPPING, min_size=1, max_size=3))
    mappings = {}
    for element in draw(st.lists(st.sampled_from(ELEMENTS), unique=True)):
        implementation = implementations.get(element)
        if usual_first and implementation in USUAL and draw(st.integers(0, 3)):
            chosen = USUAL[implementation]
            if not draw(st.integers(0, 5)):
                chosen = _damaged(chosen, draw(st.integers(0, 100)))
        else:
            chosen = draw(st.sampled_from(pool))
        mappings[element] = chosen if draw(st.booleans()) else json.loads(json.dumps(chosen))
    extensions = {"Process_movies": {"properties": properties, "mappings": mappings, "constants": {}}}
    if draw(st.booleans()):
        extensions["Process_movies"]["constants"] = {
            "Task_gone": {"a": {"value": 1}},
            "Task_1": {"b": {"value": "x"}},
        }
    if not draw(st.integers(0, 4)):
        extensions["Process_other"] = {"mappings": {"b": {}, "a": {"outputs": {}, "inputs": {}}}}
    previous = draw(
        st.dictionaries(st.sampled_from(TASKS), st.sampled_from([MOVIES.implementation, RATE.implementation]))
    )
    return outline, extensions, previous


@pytest.mark.parametrize("max_rows", [mapping.MAX_MAPPING_ROWS, 3])
@EXAMPLES
@given(scenario=st.one_of(scenarios(), scenarios(usual_first=True)))
def test_completing_gives_what_the_rules_give(scenario, max_rows):
    outline, extensions, previous = scenario
    before = written(extensions)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(mapping, "MAX_MAPPING_ROWS", max_rows)
        fast = outcome(lambda: mapping.complete_extensions(outline, extensions, CATALOG, previous))
        assert written(extensions) == before  # the argument is not changed
        by_the_rules = outcome(
            lambda: mapping._completed_by_the_rules(outline, dict(extensions), CATALOG, previous, [])
        )
    assert fast == by_the_rules


@EXAMPLES
@given(scenario=st.one_of(scenarios(), scenarios(usual_first=True)))
def test_checking_finds_what_checking_one_by_one_finds(scenario):
    outline, extensions, previous = scenario
    completed = mapping.complete_extensions(outline, extensions, CATALOG, previous)
    for checked in (extensions, completed):
        fast = mapping.check_extensions(outline, checked, CATALOG)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(mapping, "_tasks_and_mappings_pass", lambda *arguments: False)
            one_by_one = mapping.check_extensions(outline, checked, CATALOG)
        assert fast == one_by_one


@EXAMPLES
@given(scenario=scenarios(usual_first=True))
def test_putting_in_order_gives_each_mapping_its_canonical_form(scenario):
    _, extensions, _ = scenario
    mappings = extensions["Process_movies"]["mappings"]
    ordered, rows = mapping._canonical_mappings(mappings)
    assert written(ordered) == written({key: mapping._mapping(mappings[key]) for key in sorted(mappings)})
    assert rows == sum(mapping._row_count(value) for value in mappings.values())


def test_equal_mappings_are_one_object_and_only_equal_json_is_shared():
    usual = USUAL[MOVIES.implementation]
    flag = {"inputs": {"year": {"type": "value", "value": True}}, "outputs": {}}
    one = {"inputs": {"year": {"type": "value", "value": 1}}, "outputs": {}}
    mappings = {
        "Task_1": json.loads(json.dumps(usual)),
        "Task_2": {"outputs": usual["outputs"], "inputs": usual["inputs"]},  # other key order
        "Task_3": json.loads(json.dumps(usual)),
        "Task_4": flag,
        "Task_5": one,  # == flag in Python, but other JSON
        "Task_6": json.loads(json.dumps(flag)),
    }
    ordered, _ = mapping._canonical_mappings(mappings)
    assert ordered["Task_1"] is ordered["Task_2"] is ordered["Task_3"]
    assert written(ordered["Task_2"]) == written(usual)
    assert written(ordered["Task_4"]) == written(ordered["Task_6"]) == written(flag)
    assert written(ordered["Task_5"]) == written(one)
    # Equal in Python, other JSON: each written as it is.
    extensions = {
        "Process_movies": {"properties": {}, "mappings": {"Task_1": flag, "Task_2": one}, "constants": {}}
    }
    data = mapping.extensions_file("m1", "rank-movie", extensions)
    assert data == _file_by_hand("m1", "rank-movie", mapping.canonical(extensions))
    assert b'"value": true' in data and b'"value": 1}' in data


def _completed_process(tasks: int, *, shared: bool):
    """A process of service tasks of both actions (and a user task with a mapping), completed."""
    implementations = {f"Task_{n}": (MOVIES, RATE)[n % 2].implementation for n in range(1, tasks + 1)}
    outline = outline_of(implementations, True)
    properties = {
        f"v{n}": {"id": f"v{n}", "name": name, "type": kind, "required": False}
        for n, (name, kind) in enumerate(
            [("movieName", "string"), ("movieDescription", "string"), ("score", "integer")]
        )
    }
    mappings = {task: json.loads(json.dumps(USUAL[action])) for task, action in implementations.items()}
    mappings["User_1"] = {"inputs": {"anything": {"type": "variable", "value": "movieName"}}, "outputs": {}}
    extensions = {"Process_movies": {"properties": properties, "mappings": mappings, "constants": {}}}
    if shared:
        extensions = mapping.complete_extensions(outline, extensions, CATALOG, {})
    return outline, extensions


@pytest.mark.parametrize("shared", [True, False])
def test_the_fast_check_passes_usual_processes(shared):
    """The fast check is taken for the processes it is for (else the tests above would pass with a
    fast check that never passes), and each problem still makes it step aside."""
    outline, extensions = _completed_process(30, shared=shared)
    process, entry = outline.processes[0], extensions["Process_movies"]
    variables = {v["name"]: v for v in entry["properties"].values()}
    assert mapping._tasks_and_mappings_pass(process, entry, variables, CATALOG)
    assert mapping.check_extensions(outline, extensions, CATALOG) == []
    for how in range(8):
        damaged = copy.deepcopy(extensions)
        damaged["Process_movies"]["mappings"]["Task_7"] = _damaged(USUAL[RATE.implementation], how)
        problems = mapping.check_extensions(outline, damaged, CATALOG)
        if problems:
            assert not mapping._tasks_and_mappings_pass(
                process, damaged["Process_movies"], variables, CATALOG
            )
    without = copy.deepcopy(extensions)
    del without["Process_movies"]["mappings"]["Task_2"]  # its required input 'year' is not mapped
    assert not mapping._tasks_and_mappings_pass(process, without["Process_movies"], variables, CATALOG)
    assert [p.reference_id for p in mapping.check_extensions(outline, without, CATALOG)] == ["Task_2"]


def _object_lines_by_hand(items: dict, indent: str) -> str:
    if not items:
        return "{}"
    lines = [
        f"{indent}  {json.dumps(key, ensure_ascii=False)}: {json.dumps(value, ensure_ascii=False)}"
        for key, value in items.items()
    ]
    return "{\n" + ",\n".join(lines) + "\n" + indent + "}"


def _file_by_hand(model_id: str, name: str, inner: dict) -> bytes:
    """The layout of `extensions_file`, written with json.dumps value by value."""
    processes = []
    for process_id, entry in inner.items():
        sections = [
            f"      {json.dumps(key)}: "
            + (
                _object_lines_by_hand(value, " " * 6)
                if key in ("properties", "mappings", "constants")
                else json.dumps(value, ensure_ascii=False)
            )
            for key, value in entry.items()
        ]
        processes.append(f"    {json.dumps(process_id)}: {{\n" + ",\n".join(sections) + "\n    }")
    extensions = "{\n" + ",\n".join(processes) + "\n  }" if processes else "{}"
    return (
        f'{{\n  "id": {json.dumps("process-" + model_id)},\n  "name": {json.dumps(name, ensure_ascii=False)},\n'
        f'  "type": "PROCESS",\n  "extensions": {extensions}\n}}\n'
    ).encode()


@EXAMPLES
@given(
    scenario=st.one_of(scenarios(), scenarios(usual_first=True)),
    name=st.sampled_from(["rank-movie", "film é"]),
)
def test_the_file_writes_each_value_as_json_does(scenario, name):
    outline, extensions, previous = scenario
    try:
        completed = mapping.complete_extensions(outline, extensions, CATALOG, previous)
    except mapping.ValidationFailed:
        return
    data = mapping.extensions_file("m1", name, completed)
    assert data == _file_by_hand("m1", name, completed)
    unshared = json.loads(json.dumps(completed))  # nothing shared (canonical moves "properties" first again)
    assert mapping.extensions_file("m1", name, unshared) == _file_by_hand(
        "m1", name, mapping.canonical(unshared)
    )
    assert mapping.extensions_file("m1", name, extensions) == _file_by_hand(
        "m1", name, mapping.canonical(extensions)
    )


def _both_completions(outline, extensions, previous):
    return (
        outcome(lambda: mapping.complete_extensions(outline, extensions, CATALOG, previous)),
        outcome(lambda: mapping._completed_by_the_rules(outline, dict(extensions), CATALOG, previous, [])),
    )


def test_tasks_sharing_an_id_get_what_the_rules_give():
    """The BPMN reader refuses such files; an outline made otherwise still gets the same answers."""
    outline = outline_of({"Task_1": MOVIES.implementation, "Task_2": RATE.implementation}, False)
    process = outline.processes[0]
    twin = process.service_tasks[0]._replace(implementation=RATE.implementation)  # Task_1 again
    properties = {
        f"v{n}": {"id": f"v{n}", "name": name, "type": kind, "required": False}
        for n, (name, kind) in enumerate(
            [("movieName", "string"), ("movieDescription", "string"), ("score", "integer")]
        )
    }
    for tasks in ((*process.service_tasks, twin), (twin, *process.service_tasks)):
        odd = dataclasses.replace(outline, processes=(dataclasses.replace(process, service_tasks=tasks),))
        for first in (MOVIES, RATE):
            for mappings in (
                {"Task_1": USUAL[first.implementation], "Task_2": USUAL[RATE.implementation]},
                {},
            ):
                extensions = {"Process_movies": {"properties": properties, "mappings": mappings}}
                for previous in ({}, {"Task_1": first.implementation}):
                    fast, by_the_rules = _both_completions(odd, extensions, previous)
                    assert fast == by_the_rules
                fast = mapping.check_extensions(odd, extensions, CATALOG)
                with pytest.MonkeyPatch.context() as patch:
                    patch.setattr(mapping, "_tasks_and_mappings_pass", lambda *arguments: False)
                    assert fast == mapping.check_extensions(odd, extensions, CATALOG)
