"""Where runs execute, off the web request: a pool of threads in this process.

The embedded default submits each run here when it is created; `manage.py run_worker` polls
for runs nobody has claimed and executes them on the same kind of pool. A run holds one thread
for at most its total limit; runs never share a thread, a connection or a result queue.
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connections
from modeler_connector.worker import stop_thread

from runs import services
from runs.config import run_settings

log = logging.getLogger("runs")

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None


def execute(run_id: uuid.UUID) -> None:
    try:
        run = services.run_claim(run_id)
        if run is not None:
            services.run_execute(run)
    except Exception:  # nobody reads a pool future: say it here (the run is timed out when read)
        log.exception("test run %s could not be executed", run_id)
    finally:
        connections.close_all()  # this thread's own database connection


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=run_settings().embedded_threads, thread_name_prefix="test-run"
            )
        return _executor


_served: dict[str, tuple] = {}  # module → (Worker, thread) of the connectors served on memory://


def _serve_memory_connectors() -> None:
    """Serve the configured connector modules on memory:// (once per process), for the embedded default.

    A required config variable missing from the environment gets a placeholder: these are
    development connectors answering in this process only.
    """
    settings = run_settings()
    if settings.broker_url != "memory://":
        return
    from modeler_connector.config import load_config
    from modeler_connector.worker import Worker, WorkerOptions, run_in_thread

    with _lock:
        for name in settings.memory_connectors:
            if name in _served:
                continue
            try:
                connector = importlib.import_module(name).connector
                definition = connector.check()
                required = {item.name for item in definition.config if item.required}
                env = {key: "in-process" for key in required} | dict(os.environ)
                worker = Worker(
                    connector, load_config(definition, env), WorkerOptions(broker_url="memory://")
                )
                _served[name] = (worker, run_in_thread(worker, timeout=10))
                log.info("serving the connector module %s on memory:// for test runs", name)
            except Exception:  # a bad module must not stop runs: they fail naming the destination
                log.exception("the connector module %s cannot be served on memory://", name)
                _served[name] = (None, None)


def submit(run_id: uuid.UUID) -> Future:
    _serve_memory_connectors()
    return _pool().submit(execute, run_id)


def shutdown(wait: bool = True) -> None:
    """Stop the embedded pool (tests; a process that ends)."""
    global _executor
    with _lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=wait, cancel_futures=True)
    with _lock:
        served = list(_served.values())
        _served.clear()
    for worker, thread in served:
        if worker is not None:
            stop_thread(worker, thread, timeout=10)
