"""Run a saved process on SpiffWorkflow: the check before a run and the run itself (SPEC §11).

Pure module: stdlib, lxml, SpiffWorkflow and modeler's pure modules only; no Django import, no
broker (the connectors are reached through the `Transport` given to `execute`).

`check` refuses, with one problem per element, a process using anything outside what a test run
executes: start and end events without event definitions, sequence flows (conditions in the
subset of `runs.expressions`), service tasks with an implementation, exclusive and parallel
gateways, embedded sub-processes, error boundary events on a service task or sub-process. The
input expressions of the mappings are checked the same way.

`execute` runs the process: every service task sends the IntegrationRequest built by
`runs.mapping` and waits for its answer (the transport enforces the per-step limit); a BPMN
error from a connector is thrown at the task, where an error boundary event with its code (or
without a code) catches it; an uncaught one fails the run. Every element entered and left is
reported to `listener`, with the time.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.defaults import ServiceTask
from SpiffWorkflow.bpmn.specs.event_definitions import ErrorEventDefinition
from SpiffWorkflow.bpmn.util.event import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from processes.bpmn import BPMN_NS, parse_xml
from processes.mapping import value_problem
from runs import expressions, mapping

_B = f"{{{BPMN_NS}}}"
# Children of a process or sub-process that carry no behaviour.
_INERT = frozenset(
    f"{_B}{name}"
    for name in (
        "documentation",
        "extensionElements",
        "laneSet",
        "textAnnotation",
        "association",
        "group",
        "dataObject",
        "dataObjectReference",
        "dataStoreReference",
        "property",
    )
)
_FLOW_NODE_CHILDREN = frozenset(
    f"{_B}{name}" for name in ("documentation", "extensionElements", "incoming", "outgoing")
)
# Names SpiffWorkflow gives its own task specs: an element with one of these ids would be lost.
_RESERVED_IDS = frozenset({"Start", "End", "Root"})
SUPPORTED = (
    "start and end events (no event definitions), sequence flows, service tasks with a connector "
    "implementation, exclusive and parallel gateways, embedded sub-processes, error boundary events"
)


@dataclass(frozen=True)
class Problem:
    element_id: str
    message: str


class RunRefused(ValueError):
    """The process cannot be run; one problem per element."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.element_id}: {p.message}" for p in problems))
        self.problems = problems


class RunFailed(Exception):
    """The run stopped: `element_id` is where, the message says why."""

    def __init__(self, message: str, element_id: str | None = None, timed_out: bool = False) -> None:
        super().__init__(message)
        self.element_id = element_id
        self.timed_out = timed_out


@dataclass
class Answer:
    """A connector's answer: an IntegrationResult (`kind == "result"`) or an IntegrationError."""

    kind: str
    outputs: dict[str, Any] = field(default_factory=dict)
    error_code: str | None = None
    error_message: str | None = None
    error_class_name: str | None = None

    @property
    def is_bpmn_error(self) -> bool:
        return self.kind == "error" and bool(self.error_code)


class Transport(Protocol):
    def call(self, destination: str, inputs: dict[str, Any], request_id: str, timeout: float) -> Answer:
        """Send an IntegrationRequest and return its answer; RunFailed(timed_out) after `timeout`."""
        ...


@dataclass
class Plan:
    """A checked process, ready to run; never changed by a run (runs of the same content share it)."""

    process_id: str
    parser: BpmnParser
    implementations: dict[str, str]  # service task id → `<connector>.<action>`
    variables: dict[str, dict[str, Any]]  # declared process variables by name
    mappings: dict[str, Any]
    constants: dict[str, Any]
    names: dict[str, str]  # element id → name


Listener = Callable[[str, dict[str, Any]], None]


# --- the check ----------------------------------------------------------------------------------


def _problems_in(container: etree._Element, problems: list[Problem], plan_bits: dict) -> None:
    ids_of = {child.get("id"): child for child in container}
    for child in container:
        tag, element_id = child.tag, child.get("id") or "?"
        if not isinstance(tag, str) or tag in _INERT:
            continue
        local = etree.QName(tag).localname
        if element_id in _RESERVED_IDS:
            problems.append(
                Problem(
                    element_id,
                    f"the id '{element_id}' is reserved by the engine (SpiffWorkflow): rename the element",
                )
            )
            continue
        name = child.get("name") or ""
        plan_bits["names"][element_id] = name
        if tag != f"{_B}sequenceFlow":
            extra = [
                etree.QName(c.tag).localname
                for c in child
                if isinstance(c.tag, str)
                and c.tag not in _FLOW_NODE_CHILDREN
                and local != "subProcess"
                and not (local == "boundaryEvent" and c.tag == f"{_B}errorEventDefinition")
            ]
            if extra:
                problems.append(
                    Problem(element_id, f"{local} '{element_id}' uses {', '.join(extra)}: not supported")
                )
                continue
        if local in ("startEvent", "endEvent", "exclusiveGateway", "parallelGateway"):
            continue
        if local == "sequenceFlow":
            for condition in child.iter(f"{_B}conditionExpression"):
                text = (condition.text or "").strip()
                if not (text.startswith(("${", "#{")) and text.endswith("}")):
                    problems.append(
                        Problem(
                            element_id,
                            f"the condition of sequence flow '{element_id}' must be written ${{…}}: "
                            f"JUEL reads {text[:40]!r} as text, not as a condition",
                        )
                    )
                    continue
                try:
                    expressions.parse(text)
                except expressions.ExpressionError as error:
                    problems.append(
                        Problem(
                            element_id,
                            f"the condition of sequence flow '{element_id}' is not supported: {error}",
                        )
                    )
            continue
        if local == "serviceTask":
            implementation = child.get("implementation") or ""
            if "." not in implementation or implementation.startswith("##"):
                problems.append(
                    Problem(element_id, f"service task '{element_id}' has no connector implementation")
                )
            else:
                plan_bits["implementations"][element_id] = implementation
            continue
        if local == "subProcess":
            if child.get("triggeredByEvent") == "true":
                problems.append(Problem(element_id, f"event sub-process '{element_id}' is not supported"))
                continue
            loops = [
                c
                for c in child
                if c.tag in (f"{_B}multiInstanceLoopCharacteristics", f"{_B}standardLoopCharacteristics")
            ]
            if loops:
                problems.append(Problem(element_id, f"loops on sub-process '{element_id}' are not supported"))
            _problems_in(child, problems, plan_bits)
            continue
        if local == "boundaryEvent":
            definitions = [c for c in child if c.tag == f"{_B}errorEventDefinition"]
            attached = ids_of.get(child.get("attachedToRef"))
            attached_kind = etree.QName(attached.tag).localname if attached is not None else None
            if not definitions:
                problems.append(
                    Problem(
                        element_id,
                        f"boundary event '{element_id}' is not an error boundary event: not supported",
                    )
                )
            elif attached_kind not in ("serviceTask", "subProcess"):
                problems.append(
                    Problem(
                        element_id,
                        f"error boundary event '{element_id}' must be attached to a service task or sub-process",
                    )
                )
            continue
        problems.append(
            Problem(
                element_id, f"{local} '{element_id}' is not supported in a test run (supported: {SUPPORTED})"
            )
        )


def check(content: bytes, extensions: Mapping[str, Any] | None) -> Plan:
    """The plan of a saved process, or RunRefused naming every element a run cannot execute."""
    root = parse_xml(content)
    processes = [p for p in root.iter(f"{_B}process")]
    if len(processes) != 1:
        raise RunRefused(
            [
                Problem(
                    root.get("id") or "definitions",
                    f"a test run needs exactly one process, found {len(processes)}",
                )
            ]
        )
    process = processes[0]
    process_id = process.get("id")
    problems: list[Problem] = []
    bits: dict[str, dict] = {"implementations": {}, "names": {}}
    _problems_in(process, problems, bits)
    entry = (extensions or {}).get(process_id) or {}
    mappings = entry.get("mappings") or {}
    for element_id, element_mapping in mappings.items():
        for parameter, text in mapping.input_expressions(element_mapping):
            try:
                expressions.parse(text)
            except expressions.ExpressionError as error:
                problems.append(
                    Problem(
                        element_id,
                        f"the input '{parameter}' of '{element_id}' is not a supported expression: {error}",
                    )
                )
    if problems:
        raise RunRefused(problems)
    parser = _Parser()
    try:
        parser.add_bpmn_xml(root, filename="process.bpmn20.xml")
        parser.get_spec(process_id)
        parser.get_subprocess_specs(process_id)  # parsed now: runs sharing the plan only read it
    except RecursionError:  # Spiff's parser follows a chain of elements recursively
        raise RunRefused(
            [
                Problem(
                    process_id,
                    "the process is too long for a test run: SpiffWorkflow cannot read a chain of "
                    "several hundred elements; run a shorter part of it",
                )
            ]
        ) from None
    except Exception as error:  # Spiff's ValidationException and what its parsers raise
        raise RunRefused([Problem(process_id, f"SpiffWorkflow cannot read the process: {error}")]) from None
    variables = {
        v["name"]: v
        for v in (entry.get("properties") or {}).values()
        if isinstance(v, dict) and v.get("name")
    }
    return Plan(
        process_id=process_id,
        parser=parser,
        implementations=bits["implementations"],
        variables=variables,
        mappings=mappings,
        constants=entry.get("constants") or {},
        names=bits["names"],
    )


def initial_variables(plan: Plan, given: Mapping[str, Any]) -> dict[str, Any]:
    """Declared variables with their defaults (None when none), then the given ones."""
    values: dict[str, Any] = {}
    for name, variable in plan.variables.items():
        default = variable.get("value")
        values[name] = None if default == "" and variable.get("type") != "string" else default
    values.update(given)
    return values


def variable_problems(plan: Plan, given: Mapping[str, Any]) -> list[Problem]:
    """Given variables that are not declared, or whose value does not fit the declared type (the
    save's own rule, `processes.mapping.value_problem`)."""
    problems = []
    for name, value in given.items():
        declared = plan.variables.get(name)
        if declared is None:
            problems.append(Problem(plan.process_id, f"'{name}' is not a variable of the process"))
            continue
        mismatch = value_problem({**declared, "value": value})
        if mismatch and not (value is None or mapping.is_expression(value)):
            problems.append(
                Problem(
                    plan.process_id,
                    f"the value of '{name}' is not of type {declared.get('type')}: {value!r:.80}",
                )
            )
        elif mapping.is_expression(value):
            problems.append(Problem(plan.process_id, f"the value of '{name}' is an expression: give a value"))
    return problems


def missing_required(plan: Plan, values: Mapping[str, Any]) -> list[str]:
    return [
        name
        for name, variable in plan.variables.items()
        if variable.get("required") and values.get(name) in (None, "")
    ]


# --- the run ------------------------------------------------------------------------------------


class ConnectorTask(ServiceTask):
    """A service task whose work is the connector call of the run's script engine."""

    def _execute(self, task):
        return task.workflow.script_engine.call_service(task)


class _Parser(BpmnParser):
    OVERRIDE_PARSER_CLASSES = {f"{_B}serviceTask": (TaskParser, ConnectorTask)}


class _Engine(PythonScriptEngine):
    """Conditions through `runs.expressions`; service tasks through the transport. No scripts."""

    def __init__(self, run: _Run) -> None:
        super().__init__()
        self.run = run

    def evaluate(self, task, expression, external_context=None):
        try:
            return expressions.condition(expression, self.run.variables)
        except expressions.ExpressionError as error:
            raise RunFailed(f"condition {expression!r}: {error}", task.task_spec.bpmn_id) from None

    def execute(self, task, script, external_context=None):
        raise RunFailed("scripts are not run in a test run", task.task_spec.bpmn_id)

    def call_service(self, task, **kwargs):
        return self.run.call(task)


class _Workflow(BpmnWorkflow):
    """SpiffWorkflow's BPMN workflow, with cheaper searches for READY and WAITING tasks.

    Spiff finds the READY tasks before every step, and updates the WAITING ones after every task
    it completes, by walking the whole task tree (every task created so far, completed ones
    included): a run's engine cost grew with the square of its length. Most of the time one task
    at most is ready, and one at most waiting (a join): such a task is found in the workflow's
    task table instead, and handled as Spiff would. With more than one, or once the run has
    sub-processes (their tasks are in their own tables), Spiff's own walk decides, in its order.
    """

    def get_tasks(self, first_task=None, **kwargs):
        if first_task is None and kwargs == {"state": TaskState.READY} and not self.subprocesses:
            ready = [task for task in self.tasks.values() if task.state == TaskState.READY]
            if len(ready) <= 1:
                return ready
        return super().get_tasks(first_task, **kwargs)

    def update_waiting_tasks(self) -> None:
        waiting = [task for task in self.tasks.values() if task.state == TaskState.WAITING]
        if len(waiting) > 1:
            super().update_waiting_tasks()
        elif waiting:
            waiting[0].task_spec._update(waiting[0])


class _Run:
    def __init__(
        self,
        plan: Plan,
        transport: Transport,
        listener: Listener,
        step_timeout: float,
        deadline: float,
        run_id: str,
    ) -> None:
        self.plan = plan
        self.transport = transport
        self.listener = listener
        self.step_timeout = step_timeout
        self.deadline = deadline
        self.run_id = run_id
        self.calls = 0
        # Process-scoped, as in Activiti: a write in one parallel branch is seen by every other
        # (SpiffWorkflow's task data would merge branches last-writer-wins at the join).
        self.variables: dict[str, Any] = {}

    def call(self, task) -> bool | None:
        element_id = task.task_spec.bpmn_id
        implementation = self.plan.implementations[element_id]
        try:
            inputs = mapping.inbound_variables(
                self.plan.mappings.get(element_id), self.plan.constants.get(element_id), self.variables
            )
        except expressions.ExpressionError as error:
            raise RunFailed(f"an input of '{element_id}': {error}", element_id) from None
        self.calls += 1
        request_id = f"{self.run_id}-{self.calls}"
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise RunFailed("the run went over its total time limit", element_id, timed_out=True)
        self.listener(
            "request",
            {
                "elementId": element_id,
                "destination": implementation,
                "requestId": request_id,
                "inBoundVariables": inputs,
            },
        )
        try:
            answer = self.transport.call(
                implementation, inputs, request_id, min(self.step_timeout, remaining)
            )
        except RunFailed as failure:
            if remaining < self.step_timeout and time.monotonic() >= self.deadline:
                raise RunFailed(
                    f"the run went over its total time limit waiting for an answer on '{implementation}'",
                    element_id,
                    timed_out=True,
                ) from None
            raise RunFailed(str(failure), element_id, failure.timed_out) from None
        if answer.kind == "result":
            written = mapping.outbound_variables(
                self.plan.mappings.get(element_id), answer.outputs, self.plan.variables
            )
            self.listener(
                "result", {"elementId": element_id, "outBoundVariables": answer.outputs, "written": written}
            )
            self.variables.update(written)
            return True
        self.listener(
            "error",
            {
                "elementId": element_id,
                "errorCode": answer.error_code,
                "errorMessage": answer.error_message,
                "errorClassName": answer.error_class_name,
            },
        )
        if not answer.is_bpmn_error:
            raise RunFailed(f"{implementation} answered an error: {answer.error_message}", element_id)
        before = len(task.workflow.top_workflow.bpmn_events)
        event = BpmnEvent(
            ErrorEventDefinition(answer.error_code, code=answer.error_code), payload={}, target=task.workflow
        )
        task.workflow.top_workflow.catch(event)
        if len(task.workflow.top_workflow.bpmn_events) > before:  # no catcher: Spiff keeps it as external
            raise RunFailed(
                f"BPMN error '{answer.error_code}' from {implementation} is not caught by an error boundary event",
                element_id,
            )
        return None


def execute(
    plan: Plan,
    variables: Mapping[str, Any],
    transport: Transport,
    *,
    run_id: str,
    step_timeout: float,
    total_timeout: float,
    listener: Listener,
) -> dict[str, Any]:
    """Run the process to its end and return the final variables; RunFailed when it cannot."""
    deadline = time.monotonic() + total_timeout
    run = _Run(plan, transport, listener, step_timeout, deadline, run_id)
    run.variables = copy.deepcopy(dict(variables))
    spec = plan.parser.get_spec(plan.process_id)
    subprocesses = plan.parser.get_subprocess_specs(plan.process_id)
    workflow = _Workflow(spec, subprocesses, script_engine=_Engine(run))

    def entered(task) -> None:
        if _is_element(task):
            listener("entered", {"elementId": task.task_spec.bpmn_id, "name": task.task_spec.bpmn_name or ""})

    def left(task) -> None:
        if _is_element(task):
            listener("left", {"elementId": task.task_spec.bpmn_id, "state": TaskState.get_name(task.state)})

    try:
        while not workflow.is_completed():
            if time.monotonic() > deadline:
                raise RunFailed("the run went over its total time limit", timed_out=True)
            before = _progress(workflow)
            workflow.do_engine_steps(will_complete_task=entered, did_complete_task=left)
            if not workflow.is_completed() and _progress(workflow) == before:
                waiting = [
                    t.task_spec.bpmn_id
                    for t in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)
                    if _is_element(t)
                ]
                raise RunFailed(
                    f"the run is stuck at {', '.join(waiting) or 'no element'}",
                    waiting[0] if waiting else None,
                )
    except RunFailed:
        raise
    except Exception as error:  # Spiff's WorkflowException and friends: name the element when known
        task = getattr(error, "task", None)
        spec = task.task_spec if task is not None else getattr(error, "task_spec", None)
        element_id = getattr(spec, "bpmn_id", None)
        inner = error.__cause__ or getattr(error, "error", None) or error
        if isinstance(inner, RunFailed):
            raise inner from None
        raise RunFailed(str(error), element_id) from None
    return run.variables


def _is_element(task) -> bool:
    return bool(getattr(task.task_spec, "bpmn_id", None))


def _progress(workflow: BpmnWorkflow) -> tuple:
    return tuple(sorted((str(t.id), t.state) for t in workflow.get_tasks()))
