"""Benchmark harness: gunicorn on loopback with PostgreSQL, a bounded load, medians and ratios.

Usage from a benchmark module:

    with BenchServer() as server:
        cookie = server.login("user", "password")
        result = compare(server, target="/modeling-service/v1/projects", floor="/bench/floor/projects",
                         cookie=cookie)
        print(result.report("GET /projects"))

Only 127.0.0.1 is ever targeted; every run is bounded in request count and time.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/modeler_bench"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def bench_environment() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    env["DEBUG"] = "0"
    env["PYTHONPATH"] = str(ROOT)
    return env


def setup_django() -> None:
    """Configure Django in this process against the benchmark database, migrated."""
    os.environ.update(bench_environment())
    sys.path.insert(0, str(ROOT))
    _ensure_database(os.environ["DATABASE_URL"])
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _ensure_database(url: str) -> None:
    match = re.match(r"postgres(?:ql)?://([^@/]+)@([^:/]+)(?::(\d+))?/(\w+)", url)
    if not match:
        return
    import psycopg

    user, host, port, name = match.groups()
    with psycopg.connect(
        host=host, port=int(port or 5432), user=user, dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


class BenchServer:
    """gunicorn serving the app (bench settings) on a free loopback port."""

    def __init__(self, workers: int = 2) -> None:
        self.port = _free_port()
        self.workers = workers
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> BenchServer:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "modeler.wsgi",
                "-b",
                f"{HOST}:{self.port}",
                "-w",
                str(self.workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=bench_environment(),
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not start within 30 s")

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, self.port, timeout=30)

    def login(self, username: str, password: str) -> str:
        """Sign in through the login page; returns the Cookie header of the session."""
        conn = self.connection()
        conn.request("GET", "/login/")
        response = conn.getresponse()
        page = response.read().decode()
        csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie", "")).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
        conn.request(
            "POST",
            "/login/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf_cookie}",
                "Referer": f"http://{HOST}:{self.port}/login/",
            },
        )
        response = conn.getresponse()
        response.read()
        session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie", "") or "")
        if response.status != 302 or session is None:
            raise RuntimeError(f"login failed for {username}: {response.status}")
        return f"csrftoken={csrf_cookie}; sessionid={session.group(1)}"


@dataclass
class Round:
    throughput: float  # requests per second
    latencies_ms: list[float]


def drive(
    server: BenchServer,
    path: str,
    *,
    cookie: str,
    requests: int = 400,
    concurrency: int = 4,
    max_seconds: float = 60.0,
) -> Round:
    """Send `requests` GETs over `concurrency` keep-alive connections; bounded by `max_seconds`."""
    latencies: list[float] = []
    lock = threading.Lock()
    per_client = requests // concurrency
    deadline = time.monotonic() + max_seconds
    errors: list[str] = []

    def client() -> None:
        conn = server.connection()
        local = []
        for _ in range(per_client):
            if time.monotonic() > deadline:
                break
            start = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie, "Accept": "application/json"})
            response = conn.getresponse()
            response.read()
            local.append((time.perf_counter() - start) * 1000)
            if response.status != 200:
                errors.append(f"{path}: {response.status}")
                break
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError(errors[0])
    return Round(len(latencies) / elapsed, latencies)


@dataclass
class Comparison:
    target: list[Round]
    floor: list[Round]

    def report(self, label: str) -> str:
        target_rps = statistics.median(r.throughput for r in self.target)
        floor_rps = statistics.median(r.throughput for r in self.floor)
        target_ms = statistics.median(statistics.median(r.latencies_ms) for r in self.target)
        floor_ms = statistics.median(statistics.median(r.latencies_ms) for r in self.floor)
        return (
            f"{label}: median {target_rps:.0f} req/s ({target_ms:.1f} ms/request) vs floor "
            f"{floor_rps:.0f} req/s ({floor_ms:.1f} ms/request); "
            f"throughput ratio floor/target = {floor_rps / target_rps:.2f}"
        )

    @property
    def ratio(self) -> float:
        return statistics.median(r.throughput for r in self.floor) / statistics.median(
            r.throughput for r in self.target
        )


def compare(
    server: BenchServer,
    *,
    target: str,
    floor: str,
    cookie: str,
    rounds: int = 5,
    requests: int = 400,
    concurrency: int = 4,
) -> Comparison:
    """Alternate floor and target rounds so both see the same machine noise."""
    drive(server, target, cookie=cookie, requests=40, concurrency=concurrency)  # warm-up
    drive(server, floor, cookie=cookie, requests=40, concurrency=concurrency)
    target_rounds, floor_rounds = [], []
    for _ in range(rounds):
        floor_rounds.append(drive(server, floor, cookie=cookie, requests=requests, concurrency=concurrency))
        target_rounds.append(drive(server, target, cookie=cookie, requests=requests, concurrency=concurrency))
    return Comparison(target_rounds, floor_rounds)
