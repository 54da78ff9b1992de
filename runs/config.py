"""The limits and the broker of test runs, from settings (`MODELER_RUNS`) and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class RunSettings:
    broker_url: str
    worker: str  # "embedded": threads of the web process; "external": `manage.py run_worker`
    embedded_threads: int
    step_timeout: float
    default_timeout: float
    max_timeout: float
    keep_per_model: int
    # Runs one user may have in progress at once: a user's never-answering runs cannot take every
    # thread of the worker (the pool has more threads than this).
    max_running_per_user: int = 3
    # Runs in progress of everyone together; None: the embedded worker's threads.
    max_running: int | None = None
    # Connector modules the embedded worker serves itself on memory:// (the demo can be run as
    # soon as the server starts); never started for another broker.
    memory_connectors: tuple[str, ...] = ()


def run_settings() -> RunSettings:
    overrides = getattr(settings, "MODELER_RUNS", {})
    values = {
        "broker_url": os.environ.get("MODELER_BROKER_URL", "") or "memory://",
        "worker": os.environ.get("MODELER_RUN_WORKER", "embedded"),
        "embedded_threads": 8,
        "step_timeout": 10.0,
        "default_timeout": 60.0,
        "max_timeout": 600.0,
        "keep_per_model": 20,
        "max_running_per_user": 3,
        "max_running": None,
        "memory_connectors": tuple(
            name.strip()
            for name in os.environ.get("MODELER_RUN_MEMORY_CONNECTORS", "examples.movies_connector").split(
                ","
            )
            if name.strip()
        ),
    } | overrides
    if values["max_running"] is None:
        values["max_running"] = values["embedded_threads"]
    return RunSettings(**values)
