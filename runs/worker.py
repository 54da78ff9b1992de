"""Where runs execute, off the web request: a pool of threads in this process.

The embedded default submits each run here when it is created; `manage.py run_worker` polls
for runs nobody has claimed and executes them on the same kind of pool. A run holds one thread
for at most its total limit; runs never share a thread, a connection or a result queue.
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connections

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


def submit(run_id: uuid.UUID) -> Future:
    return _pool().submit(execute, run_id)


def shutdown(wait: bool = True) -> None:
    """Stop the embedded pool (tests; a process that ends)."""
    global _executor
    with _lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=wait, cancel_futures=True)
