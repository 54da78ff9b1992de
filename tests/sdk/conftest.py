"""Fixtures of the SDK tests: the RabbitMQ broker (skipped without it, unless CI requires it) and
connector processes started with `connector run` and always stopped."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from kombu import Connection

from tests.sdk.sample_connector import sample_definition

ROOT = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("MODELER_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
REQUIRED = os.environ.get("MODELER_REQUIRE_BROKER") == "1"


def _broker_problem() -> str | None:
    parsed = urlsplit(BROKER_URL)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 5672), timeout=2):
            pass
        with Connection(BROKER_URL, connect_timeout=3) as connection:
            connection.connect()
    except Exception as error:  # any failure means: no usable broker here
        return (
            f"RabbitMQ is not reachable at {parsed.hostname}:{parsed.port or 5672} ({type(error).__name__})"
        )
    return None


@pytest.fixture(scope="session")
def broker_url() -> str:
    problem = _broker_problem()
    if problem:
        if REQUIRED:
            pytest.fail(f"{problem}; MODELER_REQUIRE_BROKER=1 requires it (.ci/run starts it)")
        pytest.skip(f"{problem}: broker tests skipped (start it with 'service rabbitmq-server start')")
    return BROKER_URL


class ConnectorProcess:
    """`connector run` in a subprocess; its JSON log lines are collected from stderr."""

    def __init__(
        self, definition_path: Path, broker: str, group: str, env: dict[str, str], extra: tuple[str, ...] = ()
    ) -> None:
        self.records: list[dict] = []
        self.raw: list[str] = []
        self.connection_name = f"test-{uuid.uuid4().hex[:12]}"
        command = [
            sys.executable, "-m", "modeler_connector.cli", "run",
            "--module", "tests.sdk.sample_connector",
            "--definition", str(definition_path),
            "--broker", broker, "--group", group,
            "--health-host", "127.0.0.1", "--health-port", "0",
            "--service-name", self.connection_name,
            *extra,
        ]  # fmt: skip
        full_env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)} | env
        full_env["PYTHONPATH"] = str(ROOT)
        self.process = subprocess.Popen(command, cwd=ROOT, env=full_env, stderr=subprocess.PIPE, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.raw.append(line)
            with contextlib.suppress(ValueError):
                self.records.append(json.loads(line))

    def wait_for(self, message: str, timeout: float = 20, start: int = 0, **fields) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for record in self.records[start:]:
                if record.get("message") == message and all(record.get(k) == v for k, v in fields.items()):
                    return record
            if self.process.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(
            f"no log line {message!r} {fields} within {timeout} s; got:\n{''.join(self.raw)[-3000:]}"
        )

    @property
    def health_port(self) -> int:
        return self.wait_for("starting")["healthPort"]

    def stop(self, sig=signal.SIGTERM, timeout: float = 20) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(5)
            self._reader.join(5)


@pytest.fixture
def definition_file(tmp_path):
    definition = sample_definition()
    path = tmp_path / "definition.json"
    path.write_text(json.dumps(definition))
    return definition, path


@pytest.fixture
def connector_processes(broker_url):
    """Start connector processes (`start(...)`); every one is stopped (SIGKILL at worst) afterwards."""
    started: list[ConnectorProcess] = []

    def start(
        definition_path: Path, group: str, env: dict[str, str] | None = None, extra: tuple[str, ...] = ()
    ) -> ConnectorProcess:
        process = ConnectorProcess(definition_path, broker_url, group, env or {}, extra)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.process.poll() is None:
            process.process.kill()
        process.process.wait(10)
        process._reader.join(5)
