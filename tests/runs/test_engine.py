"""The check before a run and the run on SpiffWorkflow, with a connector stand-in (runs.engine)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from runs import engine
from tests.runs import processes as p


class Connectors:
    """Answers like the films connector, and remembers every request."""

    def __init__(self, silent: tuple[str, ...] = ()) -> None:
        self.sent: list[tuple[str, dict]] = []
        self.silent = silent

    def call(self, destination, inputs, request_id, timeout):
        self.sent.append((destination, inputs))
        if destination in self.silent:
            raise engine.RunFailed(
                f"no connector answered on the destination '{destination}' within {timeout:g} s"
            )
        action = destination.split(".", 1)[1]
        if action == "find":
            ratings = {"Alien": 9, "Cats": 3}
            if inputs["title"] not in ratings:
                return engine.Answer("error", error_code="NOT_FOUND", error_message="no such film")
            return engine.Answer("result", {"rating": ratings[inputs["title"]]})
        if action == "getMovieDesc":
            return engine.Answer("result", {"movieDescription": f"About {inputs['movieName']}"})
        if action == "echo":
            return engine.Answer("result", {"received": inputs})
        return engine.Answer("result", {"verdict": f"{action} {inputs.get('title')}"})


def run(content, extensions, variables, connectors=None, step=1.0):
    plan = engine.check(content, extensions)
    events = []
    connectors = connectors or Connectors()
    final = engine.execute(
        plan,
        engine.initial_variables(plan, variables),
        connectors,
        run_id="r1",
        step_timeout=step,
        total_timeout=10,
        listener=lambda kind, data: events.append((kind, data)),
    )
    return final, events, connectors


def path(events):
    return [data["elementId"] for kind, data in events if kind == "entered"]


def test_the_seed_flow_sends_movie_name_and_writes_movie_description():
    final, events, connectors = run(p.SEED, p.SEED_EXTENSIONS, {"movieName": "Alien"})
    assert final == {"movieName": "Alien", "movieDescription": "About Alien"}
    assert connectors.sent == [("movies.getMovieDesc", {"movieName": "Alien"})]
    assert path(events) == ["StartEvent_1", "Task_1", "EndEvent_1"]
    assert [kind for kind, _ in events] == [
        "entered", "left", "entered", "request", "result", "left", "entered", "left",
    ]  # fmt: skip
    assert all("time" not in data for _, data in events)  # the recorder stamps the time


def test_an_exclusive_gateway_routes_on_a_connector_output():
    final, events, _ = run(p.ROUTED, p.ROUTED_EXTENSIONS, {"title": "Alien"})
    assert final["verdict"] == "praise Alien" and final["rating"] == 9
    assert path(events)[-2:] == ["Task_praise", "End_praised"]
    final, events, _ = run(p.ROUTED, p.ROUTED_EXTENSIONS, {"title": "Cats"})
    assert final["verdict"] == "pan Cats"
    assert "Task_praise" not in path(events)


def test_a_bpmn_error_is_caught_by_the_boundary_event_with_its_code():
    final, events, _ = run(p.ROUTED, p.ROUTED_EXTENSIONS, {"title": "Nope"})
    assert path(events) == ["StartEvent_1", "Task_find", "Boundary_notFound", "Task_sorry", "End_missing"]
    assert final["verdict"] == "sorry Nope" and final["rating"] is None
    error = next(data for kind, data in events if kind == "error")
    assert error["errorCode"] == "NOT_FOUND"


def test_an_uncaught_bpmn_error_fails_the_run_at_the_task():
    extensions = p.ROUTED_EXTENSIONS
    content = p.ROUTED.replace(b'errorCode="NOT_FOUND"', b'errorCode="OTHER"')
    with pytest.raises(engine.RunFailed) as failed:
        run(content, extensions, {"title": "Nope"})
    assert failed.value.element_id == "Task_find"
    assert "BPMN error 'NOT_FOUND' from films.find is not caught" in str(failed.value)


def test_sub_process_parallel_gateway_expression_input_and_constant():
    final, events, connectors = run(p.NESTED, p.NESTED_EXTENSIONS, {"title": "Alien"})
    assert set(path(events)) >= {
        "Sub_lookup",
        "Sub_find",
        "Split",
        "Task_praise",
        "Task_echo",
        "Join",
        "EndEvent_0",
    }
    assert final["verdict"] == "praise Alien"
    assert final["received"] == {"received": True, "apiVersion": "2"}
    assert ("films.praise", {"title": "Alien"}) in connectors.sent


def test_a_bpmn_error_inside_a_sub_process_is_caught_on_the_sub_process():
    final, events, _ = run(p.NESTED, p.NESTED_EXTENSIONS, {"title": "Nope"})
    assert path(events)[-2:] == ["Sub_failed", "End_failed"]
    assert "Split" not in path(events)


def test_a_silent_connector_fails_the_run_at_its_task_naming_the_destination():
    with pytest.raises(engine.RunFailed) as failed:
        run(p.SEED, p.SEED_EXTENSIONS, {"movieName": "Alien"}, Connectors(silent=("movies.getMovieDesc",)))
    assert failed.value.element_id == "Task_1"
    assert "movies.getMovieDesc" in str(failed.value)
    assert not failed.value.timed_out


def test_unsupported_elements_are_refused_one_problem_each():
    with pytest.raises(engine.RunRefused) as refused:
        engine.check(p.UNSUPPORTED, {})
    problems = {problem.element_id: problem.message for problem in refused.value.problems}
    assert set(problems) == {"StartEvent_0", "Task_user", "Task_script", "Task_bare", "F5"}
    assert problems["StartEvent_0"] == "startEvent 'StartEvent_0' uses timerEventDefinition: not supported"
    assert problems["Task_user"].startswith("userTask 'Task_user' is not supported in a test run")
    assert problems["Task_bare"] == "service task 'Task_bare' has no connector implementation"
    assert "the condition of sequence flow 'F5' is not supported" in problems["F5"]


def test_an_unsupported_input_expression_is_refused_naming_the_task():
    extensions = p.extensions(
        variables=[p.variable("movieName")],
        mappings={"Task_1": {"inputs": {"movieName": {"type": "value", "value": "${movieName.trim()}"}}}},
    )
    with pytest.raises(engine.RunRefused) as refused:
        engine.check(p.SEED, extensions)
    [problem] = refused.value.problems
    assert problem.element_id == "Task_1"
    assert "the input 'movieName' of 'Task_1' is not a supported expression" in problem.message


def test_required_variables_without_a_value_are_listed():
    plan = engine.check(p.SEED, p.SEED_EXTENSIONS)
    assert engine.missing_required(plan, engine.initial_variables(plan, {})) == ["movieName"]
    assert engine.missing_required(plan, engine.initial_variables(plan, {"movieName": "x"})) == []


def gateway_process(condition_a: str, condition_b: str, default: bool = False) -> bytes:
    return p.bpmn(
        '<bpmn2:startEvent id="S"/>'
        + ('<bpmn2:exclusiveGateway id="G" default="Fb"/>' if default else '<bpmn2:exclusiveGateway id="G"/>')
        + p.service("Task_a", "films.praise")
        + p.service("Task_b", "films.pan")
        + '<bpmn2:endEvent id="E1"/><bpmn2:endEvent id="E2"/>'
        + p.flow("F0", "S", "G")
        + p.flow("Fa", "G", "Task_a", condition_a)
        + (p.flow("Fb", "G", "Task_b") if default else p.flow("Fb", "G", "Task_b", condition_b))
        + p.flow("F1", "Task_a", "E1")
        + p.flow("F2", "Task_b", "E2")
    )


def test_the_default_flow_is_taken_when_no_condition_holds():
    extensions = p.extensions(variables=[p.variable("n", "integer")])
    final, events, _ = run(gateway_process("${n > 5}", "", default=True), extensions, {"n": 1})
    assert path(events)[-2:] == ["Task_b", "E2"]


def test_no_condition_holding_fails_the_run_at_the_gateway():
    extensions = p.extensions(variables=[p.variable("n", "integer")])
    with pytest.raises(engine.RunFailed) as failed:
        run(gateway_process("${n > 5}", "${n > 6}"), extensions, {"n": 1})
    assert failed.value.element_id == "G"


def test_a_condition_over_an_unknown_variable_fails_the_run_at_the_gateway():
    extensions = p.extensions(variables=[p.variable("n", "integer")])
    with pytest.raises(engine.RunFailed) as failed:
        run(gateway_process("${missing > 5}", "${n > 6}"), extensions, {"n": 1})
    assert failed.value.element_id == "G"
    assert "unknown variable 'missing'" in str(failed.value)


def test_runs_sharing_one_plan_at_once_keep_their_own_path_and_variables():
    # The services keep one plan per content: runs of the same process execute on it together.
    plans = {
        "routed": engine.check(p.ROUTED, p.ROUTED_EXTENSIONS),
        "nested": engine.check(p.NESTED, p.NESTED_EXTENSIONS),
    }

    def one(case: tuple[str, str]) -> tuple:
        kind, title = case
        plan, events = plans[kind], []
        final = engine.execute(
            plan,
            engine.initial_variables(plan, {"title": title}),
            Connectors(),
            run_id=f"{kind}-{title}",
            step_timeout=1.0,
            total_timeout=10,
            listener=lambda event, data: events.append((event, data)),
        )
        return final["verdict"], path(events)[-1]

    cases = [(kind, title) for kind in ("routed", "nested") for title in ("Alien", "Cats", "Nope")] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(one, cases))
    expected = {
        ("routed", "Alien"): ("praise Alien", "End_praised"),
        ("routed", "Cats"): ("pan Cats", "End_panned"),
        ("routed", "Nope"): ("sorry Nope", "End_missing"),
        ("nested", "Alien"): ("praise Alien", "EndEvent_0"),
        ("nested", "Cats"): ("praise Cats", "EndEvent_0"),
        ("nested", "Nope"): (None, "End_failed"),
    }
    assert outcomes == [expected[case] for case in cases]


# Two parallel branches of two tasks each and a third of one, joined, without a sub-process:
# several tasks ready at once and a join waiting while the others run.
PARALLEL = p.bpmn(
    '<bpmn2:startEvent id="S"/><bpmn2:parallelGateway id="Split"/><bpmn2:parallelGateway id="Join"/>'
    + "".join(
        p.service(task, f"films.{action}")
        for task, action in (
            ("A1", "praise"),
            ("A2", "pan"),
            ("B1", "echo"),
            ("B2", "sorry"),
            ("C1", "praise"),
        )
    )  # fmt: skip
    + '<bpmn2:endEvent id="E"/>'
    + p.flow("F0", "S", "Split")
    + p.flow("Fa1", "Split", "A1")
    + p.flow("Fa2", "A1", "A2")
    + p.flow("Fa3", "A2", "Join")
    + p.flow("Fb1", "Split", "B1")
    + p.flow("Fb2", "B1", "B2")
    + p.flow("Fb3", "B2", "Join")
    + p.flow("Fc1", "Split", "C1")
    + p.flow("Fc2", "C1", "Join")
    + p.flow("F9", "Join", "E")
)
PARALLEL_EXTENSIONS = p.extensions(
    variables=[p.variable("title", required=True), p.variable("verdict")],
    mappings={task: {"mappingType": "MAP_ALL"} for task in ("A1", "A2", "B1", "B2", "C1")},
)


def test_parallel_branches_without_a_sub_process_all_run_and_join():
    final, events, connectors = run(PARALLEL, PARALLEL_EXTENSIONS, {"title": "Alien"})
    assert sorted(destination for destination, _ in connectors.sent) == [
        "films.echo", "films.pan", "films.praise", "films.praise", "films.sorry",
    ]  # fmt: skip
    entered = path(events)
    assert entered[0] == "S" and entered[-1] == "E"
    assert entered.index("A2") > entered.index("A1") and entered.index("B2") > entered.index("B1")
    assert entered.index("E") > max(entered.index(task) for task in ("A2", "B2", "C1"))
    assert final["title"] == "Alien"


@pytest.mark.parametrize(
    ("content", "extensions", "variables"),
    [
        (p.SEED, p.SEED_EXTENSIONS, {"movieName": "Alien"}),
        (p.ROUTED, p.ROUTED_EXTENSIONS, {"title": "Alien"}),
        (p.ROUTED, p.ROUTED_EXTENSIONS, {"title": "Nope"}),
        (p.NESTED, p.NESTED_EXTENSIONS, {"title": "Alien"}),
        (p.NESTED, p.NESTED_EXTENSIONS, {"title": "Nope"}),
        (PARALLEL, PARALLEL_EXTENSIONS, {"title": "Cats"}),
    ],
)
def test_the_cheaper_task_searches_run_exactly_as_spiffworkflow_does(
    content, extensions, variables, monkeypatch
):
    # engine._Workflow finds ready and waiting tasks in the task table instead of walking the
    # tree: the same events, in the same order, as SpiffWorkflow's own BpmnWorkflow.
    final, events, connectors = run(content, extensions, variables)
    monkeypatch.setattr(engine, "_Workflow", engine.BpmnWorkflow)
    spiff_final, spiff_events, spiff_connectors = run(content, extensions, variables)
    assert events == spiff_events
    assert connectors.sent == spiff_connectors.sent
    assert final == spiff_final
