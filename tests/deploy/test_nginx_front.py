"""The shipped production shape: Debian's nginx (deploy/nginx/modeler.conf) in front of two
gunicorn instances on loopback. Slow-header and slow-body clients hold nginx connections, never
an app worker, so another user is still served at once; the same clients against bare gunicorn
block it (the control that shows the check can fail). Bodies over the cap get nginx's JSON 413."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests import live_gunicorn

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SLOW_HEADER_CLIENTS = 6
SLOW_BODY_CLIENTS = 2

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_nginx():
    if not Path(NGINX).exists():
        if os.environ.get("MODELER_REQUIRE_NGINX"):
            pytest.fail("nginx is missing and MODELER_REQUIRE_NGINX is set (apt-get install -y nginx-light)")
        pytest.skip("nginx is missing (apt-get install -y nginx-light)")


@contextlib.contextmanager
def nginx_in_front(tmp_path: Path, upstream_ports: list[int]):
    port = live_gunicorn.free_port()
    site = (ROOT / "deploy" / "nginx" / "modeler.conf").read_text()
    upstreams = "".join(f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n" for p in upstream_ports)
    site = site.replace(
        "    server 127.0.0.1:8001 max_fails=3 fail_timeout=10s;\n    server 127.0.0.1:8002 max_fails=3 fail_timeout=10s;\n",
        upstreams,
    )
    assert upstreams in site, (
        "deploy/nginx/modeler.conf no longer has the two upstream lines this test adapts"
    )
    site = site.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};")
    site = site.replace("/srv/modeler/staticfiles/", f"{ROOT}/static/")
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "site.conf").write_text(site)
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / folder).mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"""
user root;
worker_processes 1;
daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/site.conf;
}}
"""
    )
    check = subprocess.run([NGINX, "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([NGINX, "-c", str(tmp_path / "nginx.conf")])
    try:
        _wait_for_port(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for_port(port: int, process) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            assert process.poll() is None, "the server exited"
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)


@contextlib.contextmanager
def slow_clients(port: int):
    """Clients that send part of their headers, or headers and part of a body, then stall."""
    sockets = []
    try:
        for n in range(SLOW_HEADER_CLIENTS):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(f"GET /login/?slow={n} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".encode())
            sockets.append(sock)
        for n in range(SLOW_BODY_CLIENTS):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(
                f"POST /modeling-service/v1/projects?slow={n} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                'Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"name":'.encode()
            )
            sockets.append(sock)
        time.sleep(0.5)  # let every one of them reach a server process
        yield
    finally:
        for sock in sockets:
            sock.close()


def _timed_get(port: int, path: str, timeout: float) -> tuple[int | None, float]:
    """Status of GET path and how long it took; None when no answer came within `timeout`."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            first = sock.recv(64)
        status = int(first.split()[1]) if first.startswith(b"HTTP/") else None
    except (TimeoutError, OSError):
        status = None
    return status, time.monotonic() - started


def test_slow_clients_do_not_block_other_users_behind_nginx(tmp_path):
    with (
        live_gunicorn.gunicorn(tmp_path / "a", workers=1) as first,
        live_gunicorn.gunicorn(tmp_path / "b", workers=1) as second,
    ):
        # The control: the same clients against a bare single-worker gunicorn starve everyone.
        with slow_clients(first.port):
            status, _ = _timed_get(first.port, "/login/", timeout=3)
        assert status is None, (
            "bare gunicorn served a user despite the stalled clients: the check proves nothing"
        )

        with nginx_in_front(tmp_path / "nginx", [first.port, second.port]) as port, slow_clients(port):
            answers = [_timed_get(port, "/login/", timeout=5) for _ in range(4)]
        print(  # quoted in the note (pytest -s)
            f"behind nginx, with {SLOW_HEADER_CLIENTS} slow-header and {SLOW_BODY_CLIENTS} slow-body "
            f"clients: {[status for status, _ in answers]} in {[round(t * 1000) for _, t in answers]} ms; "
            "bare gunicorn: no answer within 3 s"
        )
        assert [status for status, _ in answers] == [200] * 4
        assert max(elapsed for _, elapsed in answers) < 2, answers


def test_a_body_over_the_cap_gets_the_json_413_from_nginx(tmp_path):
    with (
        live_gunicorn.gunicorn(tmp_path / "a", workers=1) as app,
        nginx_in_front(tmp_path / "nginx", [app.port]) as port,
    ):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"PUT /modeling-service/v1/projects/x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                b"Content-Type: application/json\r\nContent-Length: 30000000\r\n\r\n"
            )
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413")
        assert b"Content-Type: application/json" in head
        assert b'"errorCode":"payload_too_large"' in body
        assert "PUT /modeling-service/v1/projects/x" not in app.log.read_text()  # the app never saw it
