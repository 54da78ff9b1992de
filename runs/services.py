"""Every write of test runs: start one (checked before it starts), execute one, keep a few."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from datetime import timedelta
from typing import Any

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from modeler.problems import ModelingError, Problem, ValidationFailed
from processes.selectors import actions_named
from projects.models import Model
from runs import engine
from runs.config import run_settings
from runs.models import Run
from runs.transport import BrokerTransport

log = logging.getLogger("runs")
VALIDATOR_SET = "Test run"
# A run still RUNNING this long after its total limit lost its worker: it is TIMED_OUT.
STALE_GRACE_SECONDS = 30
WRITE_ATTEMPTS = 20
# At most one progress write of a running run per this many seconds (GET /runs/{id} shows it).
PROGRESS_INTERVAL = 0.15


# Checked processes kept by their content and extensions: the check a run starts with is parsing
# the whole process with SpiffWorkflow, and the run's worker would parse it again.
PLANS_KEPT = 16
_plans: OrderedDict[str, engine.Plan] = OrderedDict()
_plans_lock = threading.Lock()


def _plan(content: bytes, extensions: Any) -> engine.Plan:
    """`engine.check` of a saved process, kept for the next run of the same content (a plan is
    never changed by a run: runs share it)."""
    described = json.dumps(extensions, sort_keys=True).encode()
    key = hashlib.sha256(len(content).to_bytes(8, "big") + content + described).hexdigest()
    with _plans_lock:
        plan = _plans.get(key)
        if plan is not None:
            _plans.move_to_end(key)
            return plan
    plan = engine.check(content, extensions)
    with _plans_lock:
        _plans[key] = plan
        while len(_plans) > PLANS_KEPT:
            _plans.popitem(last=False)
    return plan


def _refused(problems: list[engine.Problem]) -> ValidationFailed:
    rows = [
        Problem(p.message, p.message, VALIDATOR_SET, error_code="run_refused", reference_id=p.element_id)
        for p in problems
    ]
    first = problems[0].message
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return ValidationFailed(f"The process cannot be run: {first}{more}", rows, error_code="run_refused")


def run_start(
    *,
    actor,
    model: Model,
    variables: dict[str, Any],
    timeout_seconds: float | None = None,
    step_timeout_seconds: float | None = None,
) -> Run:
    """A new RUNNING run of the model's saved version; refused (400) when it cannot be run."""
    limits = run_settings()
    if model.type != "PROCESS":
        raise ValidationFailed(
            f"Only processes can be run; this model is a {model.type}", error_code="run_refused"
        )
    stored = Model.objects.only("content", "extensions", "version").get(pk=model.pk)
    content = bytes(stored.content)
    try:
        plan = _plan(content, stored.extensions)
    except engine.RunRefused as refusal:
        raise _refused(refusal.problems) from None
    unknown = _unknown_implementations(model, plan)
    if unknown:
        raise _refused(unknown)
    wrong = engine.variable_problems(plan, variables)
    if wrong:
        raise _refused(wrong)
    values = engine.initial_variables(plan, variables)
    missing = engine.missing_required(plan, values)
    if missing:
        raise _refused(
            [
                engine.Problem(plan.process_id, f"the required variable '{name}' has no value")
                for name in missing
            ]
        )
    total = min(float(timeout_seconds or limits.default_timeout), limits.max_timeout)
    step = min(float(step_timeout_seconds or limits.step_timeout), total)
    with transaction.atomic():
        _refuse_too_many_running(actor, limits.max_running_per_user, limits.max_running)
        run = Run.objects.create(
            model=model,
            model_version=stored.version,
            content=content,
            extensions=stored.extensions,
            input_variables=variables,
            variables=values,
            timeout_seconds=total,
            step_timeout_seconds=step,
            created_by=actor.get_username(),
        )
        _keep_recent(model, limits.keep_per_model)
    if limits.worker == "embedded":
        transaction.on_commit(lambda: _submit(run))
    return run


def _submit(run: Run) -> None:
    """Hand a committed run to the embedded worker; a run it cannot take (the server is stopping)
    fails at once, with the reason, instead of waiting for nothing."""
    from runs import worker

    try:
        worker.submit(run.pk)
    except RuntimeError as error:  # "cannot schedule new futures after (interpreter) shutdown"
        log.warning("test run %s not started: %s", run.pk, error)
        _retrying(
            lambda: Run.objects.filter(pk=run.pk, state=Run.State.RUNNING, claimed_date__isnull=True).update(
                state=Run.State.FAILED,
                error="the server was stopping and did not start the run: start it again",
                finished_date=timezone.now(),
            )
        )


def _unknown_implementations(model: Model, plan: engine.Plan) -> list[engine.Problem]:
    """Service tasks calling no action of the project's connectors (the save reports them as
    errors): a run sends requests only to what the project describes."""
    known = actions_named(model.project, plan.implementations.values())
    return [
        engine.Problem(
            element_id,
            f"service task '{element_id}' calls '{implementation}', which is not an action of a "
            "connector of this project",
        )
        for element_id, implementation in plan.implementations.items()
        if implementation not in known
    ]


RUN_START_LOCK = 0x52554E53  # "RUNS": the PostgreSQL advisory lock that serializes the limits' check


def _in_progress() -> list[tuple[str, Any]]:
    """(user, run) of every run in progress: RUNNING and within its limit (counted from its claim,
    or from its start while it waits for one); a run whose worker went away does not count."""
    horizon = timezone.now() - timedelta(seconds=STALE_GRACE_SECONDS)
    rows = Run.objects.filter(state=Run.State.RUNNING).values_list(
        "created_by", "creation_date", "claimed_date", "timeout_seconds"
    )
    return [
        (user, created)
        for user, created, claimed, timeout in rows
        if (claimed or created) + timedelta(seconds=timeout) > horizon
    ]


def _refuse_too_many_running(actor, per_user: int, total: int) -> None:
    """429 when the actor already has `per_user` runs in progress, or everyone together `total`
    (the worker's threads: a run over that would wait for a thread instead of running). Starts are
    serialized (an advisory lock on PostgreSQL; SQLite's write lock, taken when the transaction
    begins), so two at once cannot both pass."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RUN_START_LOCK])
    running = _in_progress()
    mine = sum(1 for user, _ in running if user == actor.get_username())
    if mine >= per_user:
        raise ModelingError(
            f"You have {mine} test runs in progress, the most one user may have at once: "
            "wait for one to end, then start again",
            status=429,
            error_code="too_many_runs",
        )
    if len(running) >= total:
        raise ModelingError(
            f"The test-run workers are busy with {len(running)} runs: start again in a moment",
            status=429,
            error_code="runs_busy",
        )


def _keep_recent(model: Model, keep: int) -> None:
    old = Run.objects.filter(model=model).exclude(state=Run.State.RUNNING).order_by("-creation_date")[keep:]
    Run.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()


def run_expire_stale(run: Run) -> Run:
    """A RUNNING run whose worker went away (past its limit plus a grace) is TIMED_OUT."""
    started = run.claimed_date or run.creation_date  # the limit counts from the worker's claim
    limit = started + timedelta(seconds=run.timeout_seconds + STALE_GRACE_SECONDS)
    if run.state == Run.State.RUNNING and timezone.now() > limit:
        Run.objects.filter(pk=run.pk, state=Run.State.RUNNING).update(
            state=Run.State.TIMED_OUT,
            error="the run's worker stopped answering before the end of its time limit",
            finished_date=timezone.now(),
        )
        run.refresh_from_db()
    return run


def _retrying(write):
    """A write retried while SQLite is busy with another run's write (its lock has no wait in tests)."""
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return write()
        except OperationalError:
            if attempt == WRITE_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))


def run_claim(run_id: uuid.UUID) -> Run | None:
    """Take a RUNNING run nobody has taken (one worker per run, also across processes)."""
    taken = _retrying(
        lambda: Run.objects.filter(pk=run_id, state=Run.State.RUNNING, claimed_date__isnull=True).update(
            claimed_date=timezone.now()
        )
    )
    return _retrying(lambda: Run.objects.get(pk=run_id)) if taken else None


def _now() -> str:
    return timezone.now().isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Recorder:
    """Keeps the run's trace and service tasks, and writes them as the run goes.

    Each write stores the whole trace, requests and variables so far, so they are throttled: an
    event is written at once when the last write is `interval` old (or older), otherwise it is
    held until the next event past that mark, or until the transport has waited `IDLE_AFTER` for
    an answer (`flush`: the request being waited on is shown). The interval grows with the cost of
    a write (at least ten writes' time), so a long run's writes stay a small share of it: without
    that, writing the growing document on every event makes a run quadratic in its length. The
    final write (`run_execute`) has everything.
    """

    def __init__(self, run: Run, interval: float = PROGRESS_INTERVAL) -> None:
        self.run = run
        self.trace: list[dict[str, Any]] = []
        self.tasks: list[dict[str, Any]] = []
        self.variables: dict[str, Any] = dict(run.variables)  # as the run goes: every output written
        self.lock = threading.Lock()
        self.interval = interval
        self.pause = interval
        self.written_at = float("-inf")  # the first event is written at once
        self.held = False  # events not written yet

    def __call__(self, kind: str, data: dict[str, Any]) -> None:
        with self.lock:
            at = _now()
            if kind in ("entered", "left"):
                self.trace.append({"event": kind, "time": at, **data})
            elif kind == "request":
                self.tasks.append({**data, "sentAt": at, "result": None, "error": None, "answeredAt": None})
            else:
                task = next(t for t in reversed(self.tasks) if t["elementId"] == data["elementId"])
                task["answeredAt"] = at
                if kind == "result":
                    task["result"] = {
                        "outBoundVariables": data["outBoundVariables"],
                        "written": data["written"],
                    }
                    self.variables.update(data["written"])
                else:
                    task["error"] = {
                        key: data[key] for key in ("errorCode", "errorMessage", "errorClassName")
                    }
            self.held = True
            if time.monotonic() - self.written_at >= self.pause:
                self._write()

    def flush(self) -> None:
        """Write what is held (the transport calls this while it waits for an answer)."""
        with self.lock:
            if self.held:
                self._write()

    def _write(self) -> None:
        started = time.monotonic()
        try:
            Run.objects.filter(pk=self.run.pk).update(
                trace=self.trace, service_tasks=self.tasks, variables=self.variables
            )
        except OperationalError:  # SQLite busy: progress is shown late, the final write has it all
            log.info("test run %s: progress not written this time (database busy)", self.run.pk)
            return
        self.held = False
        self.written_at = time.monotonic()
        self.pause = max(self.interval, 10 * (self.written_at - started))


def run_execute(run: Run) -> Run:
    """Execute a claimed run to its end and store the outcome (never raises for the run's own failures)."""
    limits = run_settings()
    recorder = _Recorder(run)
    state, error, element, variables = Run.State.COMPLETED, "", "", run.variables
    started = time.monotonic()
    try:
        plan = _plan(bytes(run.content), run.extensions)
        with BrokerTransport(limits.broker_url, str(run.pk), on_idle=recorder.flush) as transport:
            variables = engine.execute(
                plan,
                run.variables,
                transport,
                run_id=str(run.pk),
                step_timeout=run.step_timeout_seconds,
                total_timeout=run.timeout_seconds,
                listener=recorder,
            )
    except engine.RunFailed as failure:
        state = Run.State.TIMED_OUT if failure.timed_out else Run.State.FAILED
        error, element = str(failure), failure.element_id or ""
    except engine.RunRefused as refusal:
        state, error = Run.State.FAILED, str(refusal)
    except Exception as failure:  # a defect: the run fails, the worker goes on
        log.exception("test run %s failed unexpectedly", run.pk)
        state, error = Run.State.FAILED, f"the run stopped on an unexpected error: {type(failure).__name__}"
    outcome = {
        "state": state,
        "error": error,
        "error_element_id": element,
        "variables": variables,
        "trace": recorder.trace,
        "service_tasks": recorder.tasks,
    }
    outcome["finished_date"] = timezone.now()
    _retrying(lambda: Run.objects.filter(pk=run.pk).update(**outcome))
    log.info("test run %s %s in %.3f s", run.pk, state, time.monotonic() - started)
    for name, value in outcome.items():  # what was written, without reading the row back
        setattr(run, name, value)
    return run
