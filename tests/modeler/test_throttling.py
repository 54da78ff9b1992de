"""Failed sign-ins are limited per (username, address) by django-axes, in state every worker shares.

In-process tests cover the three ways in (sign-in page, admin login, the API's HTTP Basic) with
the database handler and with Redis; the gunicorn test proves the limit holds across workers.
"""

from __future__ import annotations

import base64
import io
import os
import re
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import pytest
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2SHA1PasswordHasher
from django.core.management import call_command
from django.test import Client

from modeler.roles import APS_MODELER
from tests import live_gunicorn
from tests.factories import PASSWORD, make_user

API = "/modeling-service/v1"
WRONG = "not the password"
LOCKED = "Too many failed sign-in attempts for this username from your address"
ROOT = Path(__file__).resolve().parents[2]


def _basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def _login(client, username, password, *, address="10.1.1.1", path="/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def _api(client, username, password, *, address="10.1.1.1"):
    return client.get(f"{API}/projects", HTTP_AUTHORIZATION=_basic(username, password), REMOTE_ADDR=address)


def _assert_locked_page(response):
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert LOCKED in response.content.decode()
    assert "sessionid" not in response.cookies


def _assert_locked_json(response):
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == str(settings.LOGIN_THROTTLE_WINDOW_SECONDS)
    body = response.json()
    assert body["status"] == 429
    assert body["errorCode"] == "locked_out"
    assert body["message"].startswith(LOCKED)
    assert body["path"] == f"{API}/projects"
    assert body["errors"][0]["errorCode"] == "locked_out"


@pytest.fixture
def limit(settings):
    assert settings.AXES_FAILURE_LIMIT == settings.LOGIN_THROTTLE_ATTEMPTS
    return settings.LOGIN_THROTTLE_ATTEMPTS


REDIS_URL = "redis://127.0.0.1:6379/0"


def _skip_without_redis() -> None:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError:
        reason = "Redis is not running on 127.0.0.1:6379 (start it with `service redis-server start`)"
        if os.environ.get("MODELER_REQUIRE_REDIS"):
            pytest.fail(f"{reason} and MODELER_REQUIRE_REDIS is set")
        pytest.skip(reason)


@pytest.fixture
def redis_axes(settings):
    """Axes on Redis, as with REDIS_URL set; skipped when no Redis answers on 127.0.0.1:6379."""
    _skip_without_redis()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"modeler-test-{uuid.uuid4().hex}",
        }
    }
    settings.AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
    AxesProxyHandler.get_implementation(force=True)
    yield
    settings.AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
    AxesProxyHandler.get_implementation(force=True)


@pytest.fixture(params=["database", "redis"])
def backend(request):
    if request.param == "redis":
        request.getfixturevalue("redis_axes")
    else:
        assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    return request.param


@pytest.mark.django_db
def test_sign_in_page_locks_after_the_limit_even_for_the_right_password(
    client, owner, modeler, limit, backend
):
    for _ in range(limit - 1):
        response = _login(client, owner.username, WRONG)
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    _assert_locked_page(_login(client, owner.username, WRONG))  # the N-th failure locks
    _assert_locked_page(_login(client, owner.username, PASSWORD))
    # Another address, or another username from the same address, is not locked.
    assert _login(Client(), owner.username, PASSWORD, address="10.2.2.2").status_code == 302
    assert _login(Client(), modeler.username, PASSWORD).status_code == 302
    # The README's way to lift a lock, for either backend.
    call_command("axes_reset_ip_username", "10.1.1.1", owner.username, stdout=io.StringIO())
    assert _login(Client(), owner.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_success_before_the_limit_resets_the_count(client, owner, limit):
    for _ in range(limit - 1):
        _login(client, owner.username, WRONG)
    assert _login(client, owner.username, PASSWORD).status_code == 302
    client.logout()
    for _ in range(limit - 1):
        assert _login(client, owner.username, WRONG).status_code == 200
    assert _login(client, owner.username, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_admin_login_locks_after_the_limit(client, superuser, limit, backend):
    for _ in range(limit - 1):
        response = _login(client, superuser.username, WRONG, path="/admin/login/")
        assert response.status_code == 200
        assert "correct username and password" in response.content.decode()
    _assert_locked_page(_login(client, superuser.username, WRONG, path="/admin/login/"))
    _assert_locked_page(_login(client, superuser.username, PASSWORD, path="/admin/login/"))
    assert client.get("/admin/").status_code == 302  # not signed in
    ok = _login(client, superuser.username, PASSWORD, address="10.2.2.2", path="/admin/login/")
    assert ok.status_code == 302


@pytest.mark.django_db
def test_basic_auth_locks_after_the_limit_with_a_json_429(client, owner, limit, backend):
    for _ in range(limit - 1):
        response = _api(client, owner.username, WRONG)
        assert response.status_code == 401
        assert response.json()["errorCode"] == "authentication_failed"
    _assert_locked_json(_api(client, owner.username, WRONG))
    _assert_locked_json(_api(client, owner.username, PASSWORD))
    assert _api(client, owner.username, PASSWORD, address="10.2.2.2").status_code == 200


@pytest.mark.django_db
def test_failures_count_across_the_ways_in(client, owner, limit):
    """Guesses through the API count towards the sign-in page's limit: one counter per pair."""
    for attempt in range(limit):
        if attempt % 2:
            _api(client, owner.username, WRONG)
        else:
            _login(client, owner.username, WRONG)
    _assert_locked_page(_login(client, owner.username, PASSWORD))
    _assert_locked_json(_api(client, owner.username, PASSWORD))


# --- across gunicorn workers --------------------------------------------------------------

WORKERS = 3
GUNICORN_LIMIT = 3
GUESSES = GUNICORN_LIMIT + 5
SECOND_ADDRESS = "127.0.0.2"


def _cheap_password(password: str) -> str:
    """A hash that is quick to check (the server's default PBKDF2 costs ~1.5 s per check here).

    A different algorithm from the default, so Django does not pad wrong guesses up to the
    default's cost; a right password is re-hashed once on success."""
    return PBKDF2SHA1PasswordHasher().encode(password, uuid.uuid4().hex[:12], iterations=1000)


class Server(live_gunicorn.Server):
    def form_login(self, path, username, password, *, source=None):
        status, headers, page = self.request("GET", path, source=source)
        assert status == 200, page[:500]
        csrf_cookie = re.search(r"csrftoken=([^;]+)", headers["Set-Cookie"]).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
        return self.request(
            "POST",
            path,
            body=body,
            source=source,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={csrf_cookie}",
                "Referer": f"http://127.0.0.1:{self.port}{path}",
            },
        )

    def basic(self, username, password, *, source=None):
        return self.request(
            "GET", f"{API}/projects", headers={"Authorization": _basic(username, password)}, source=source
        )


@pytest.fixture(params=["database", "redis"])
def gunicorn(request, tmp_path):
    """gunicorn with WORKERS workers on the test database; counters in it, or in Redis (REDIS_URL)."""
    env = {"LOGIN_THROTTLE_ATTEMPTS": str(GUNICORN_LIMIT)}
    if request.param == "redis":
        _skip_without_redis()
        env["REDIS_URL"] = REDIS_URL  # usernames are unique per run, so are the counters' keys
    with live_gunicorn.gunicorn(tmp_path, workers=WORKERS, env=env) as server:
        yield Server(server.port, server.log)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_limit_holds_across_gunicorn_workers(gunicorn):
    started = time.monotonic()
    users = {}
    for way in ("page", "basic", "admin", "burst"):
        user = make_user(f"{way}-{uuid.uuid4().hex[:8]}", APS_MODELER, is_staff=(way == "admin"))
        user.password = _cheap_password(PASSWORD)
        user.save(update_fields=["password"])
        users[way] = user.username

    outcomes = {"page": [], "basic": [], "admin": []}
    for _ in range(GUESSES):
        outcomes["page"].append(gunicorn.form_login("/login/", users["page"], WRONG)[0])
        outcomes["basic"].append(gunicorn.basic(users["basic"], WRONG)[0])
        outcomes["admin"].append(gunicorn.form_login("/admin/login/", users["admin"], WRONG)[0])

    # The N-th failure locks (429); with a counter per worker, later guesses would be checked again.
    assert outcomes["page"] == [200] * (GUNICORN_LIMIT - 1) + [429] * 6
    assert outcomes["admin"] == [200] * (GUNICORN_LIMIT - 1) + [429] * 6
    assert outcomes["basic"] == [401] * (GUNICORN_LIMIT - 1) + [429] * 6
    # The guesses were answered by more than one worker (all the sign-in pages' and Basic's
    # together: which worker accepts a given sequential request is up to the kernel).
    assert len(gunicorn.pids_serving(" /login/") | gunicorn.pids_serving("/modeling-service/")) > 1

    # Locked: the right password is refused too, with a clear message, never a debug page.
    status, headers, page = gunicorn.form_login("/login/", users["page"], PASSWORD)
    assert (status, LOCKED in page, "sessionid" in headers.get("Set-Cookie", "")) == (429, True, False)
    status, headers, page = gunicorn.form_login("/admin/login/", users["admin"], PASSWORD)
    assert (status, LOCKED in page, "sessionid" in headers.get("Set-Cookie", "")) == (429, True, False)
    status, headers, body = gunicorn.basic(users["basic"], PASSWORD)
    assert (status, headers["Content-Type"]) == (429, "application/json")
    assert '"errorCode":"locked_out"' in body.replace(" ", "")

    # The lock is per (username, address): the same users from another loopback address get in.
    assert gunicorn.form_login("/login/", users["page"], PASSWORD, source=SECOND_ADDRESS)[0] == 302
    assert gunicorn.form_login("/admin/login/", users["admin"], PASSWORD, source=SECOND_ADDRESS)[0] == 302
    assert gunicorn.basic(users["basic"], PASSWORD, source=SECOND_ADDRESS)[0] == 200

    # The attack: 24 guesses sent 4 at a time. At most one guess per worker can be
    # checked while the N-th failure is being recorded; a counter per worker let 19 through.
    with ThreadPoolExecutor(max_workers=4) as pool:
        burst = list(pool.map(lambda _: gunicorn.basic(users["burst"], WRONG)[0], range(24)))
    assert set(burst) <= {401, 429}
    assert burst.count(401) <= GUNICORN_LIMIT - 1 + WORKERS
    assert gunicorn.basic(users["burst"], PASSWORD)[0] == 429
    assert time.monotonic() - started < 120
