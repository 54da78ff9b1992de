"""gunicorn on loopback against the test's PostgreSQL database, for tests that need real worker
processes (limits shared across workers, what a client sees on the wire). Bounded in time."""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, port: int, log: Path):
        self.port = port
        self.log = log

    def connection(self, *, source: str | None = None, timeout: float = 15) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=timeout, source_address=(source, 0) if source else None
        )

    def request(self, method, path, *, body=None, headers=None, source=None):
        conn = self.connection(source=source)
        try:
            conn.request(method, path, body, headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read().decode()
        finally:
            conn.close()

    def pids_serving(self, path_part: str) -> set[str]:
        lines = self.log.read_text().splitlines()
        return {line.split()[0] for line in lines if path_part in line}


@contextlib.contextmanager
def gunicorn(tmp_path: Path, *, workers: int, env: dict[str, str] | None = None):
    """A gunicorn serving the app on the test database (PostgreSQL only: SQLite's test database
    lives in this process), its access log `<pid> <status> <method> <path>` at Server.log."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: gunicorn's workers share the test database")
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    port = free_port()
    tmp_path.mkdir(parents=True, exist_ok=True)
    log = tmp_path / "access.log"
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CONN_MAX_AGE": "0",
        "DEBUG": "0",
        "MODELER_ENV": "development",
        "MODELER_WORKSPACE_DIR": str(tmp_path / "workspace"),
        "DJANGO_SETTINGS_MODULE": "modeler.settings",
    }
    environment.pop("REDIS_URL", None)
    environment.update(env or {})
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "modeler.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            str(log),
            "--access-logformat",
            "%(p)s %(s)s %(m)s %(U)s",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                assert process.poll() is None, "gunicorn exited"
                assert time.monotonic() < deadline, "gunicorn did not start within 30 s"
                time.sleep(0.2)
        yield Server(port, log)
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
