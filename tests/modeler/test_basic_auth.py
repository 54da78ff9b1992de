"""HTTP Basic remembers verified credentials for a short while, under a keyed hash, never the password.

Each test counts the password checks (the costly PBKDF2 step in production) the API makes.
"""

from __future__ import annotations

import base64
import hashlib
import pickle
import time

import pytest
from django.contrib.auth import base_user
from django.core.cache import cache

from tests.factories import PASSWORD

API = "/modeling-service/v1"


def _basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


@pytest.fixture
def password_checks(monkeypatch):
    """The passwords checked against a stored hash, in order."""
    checked: list[str] = []
    real = base_user.check_password

    def counting(raw_password, encoded, setter=None, preferred="default"):
        checked.append(raw_password)
        return real(raw_password, encoded, setter, preferred)

    monkeypatch.setattr(base_user, "check_password", counting)
    return checked


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def _projects(client, username, password):
    return client.get(f"{API}/projects", **_basic(username, password))


@pytest.mark.django_db
def test_consecutive_calls_check_the_password_once(client, owner, password_checks):
    for _ in range(5):
        response = _projects(client, owner.username, PASSWORD)
        assert response.status_code == 200
        assert response.wsgi_request.user == owner
    assert password_checks == [PASSWORD]


@pytest.mark.django_db
def test_wrong_passwords_are_never_remembered(client, owner, password_checks):
    assert _projects(client, owner.username, PASSWORD).status_code == 200
    for _ in range(2):
        response = _projects(client, owner.username, "wrong")
        assert response.status_code == 401
        assert response.json()["errorCode"] == "authentication_failed"
    # A password that only shares a prefix with the right one is not a hit either.
    assert _projects(client, owner.username, PASSWORD + "x").status_code == 401
    assert password_checks == [PASSWORD, "wrong", "wrong", PASSWORD + "x"]


@pytest.mark.django_db
def test_password_change_ends_the_remembered_credentials(client, owner, password_checks):
    assert _projects(client, owner.username, PASSWORD).status_code == 200
    owner.set_password("a new long password")
    owner.save()
    assert _projects(client, owner.username, PASSWORD).status_code == 401
    assert _projects(client, owner.username, "a new long password").status_code == 200
    assert _projects(client, owner.username, "a new long password").status_code == 200
    assert password_checks == [PASSWORD, PASSWORD, "a new long password"]


@pytest.mark.django_db
def test_deactivation_ends_the_remembered_credentials(client, owner):
    assert _projects(client, owner.username, PASSWORD).status_code == 200
    owner.is_active = False
    owner.save()
    response = _projects(client, owner.username, PASSWORD)
    assert response.status_code == 401
    assert response.json()["errorCode"] == "authentication_failed"


@pytest.mark.django_db
def test_one_users_credentials_never_sign_in_another(client, owner, collaborator, password_checks):
    assert _projects(client, owner.username, PASSWORD).status_code == 200
    response = _projects(client, collaborator.username, PASSWORD)
    assert response.status_code == 200
    assert response.wsgi_request.user == collaborator
    assert password_checks == [PASSWORD, PASSWORD]


@pytest.mark.django_db
def test_the_cache_holds_neither_the_password_nor_an_unkeyed_hash_of_it(client, owner):
    assert _projects(client, owner.username, PASSWORD).status_code == 200
    stored = b"".join(
        key.encode() + (value if isinstance(value, bytes) else pickle.dumps(value))
        for key, value in cache._cache.items()  # LocMemCache: keys and pickled values
    )
    assert stored, "nothing was cached"
    forbidden = [
        PASSWORD.encode(),
        owner.password.encode(),  # the stored hash
        hashlib.sha256(PASSWORD.encode()).hexdigest().encode(),
        hashlib.sha256(f"{owner.username}:{PASSWORD}".encode()).hexdigest().encode(),
        base64.b64encode(f"{owner.username}:{PASSWORD}".encode()),
    ]
    assert [item for item in forbidden if item in stored] == []


@pytest.mark.django_db
def test_a_changed_secret_key_forgets_every_entry(client, owner, settings, password_checks):
    assert _projects(client, owner.username, PASSWORD).status_code == 200
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert _projects(client, owner.username, PASSWORD).status_code == 200
    assert password_checks == [PASSWORD, PASSWORD]


@pytest.mark.django_db
def test_entries_expire(client, owner, settings, password_checks, monkeypatch):
    settings.BASIC_AUTH_CACHE_SECONDS = 60
    assert _projects(client, owner.username, PASSWORD).status_code == 200
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)  # LocMemCache reads time.time()
    assert _projects(client, owner.username, PASSWORD).status_code == 200
    assert password_checks == [PASSWORD, PASSWORD]


@pytest.mark.django_db
def test_zero_seconds_turns_the_cache_off(client, owner, settings, password_checks):
    settings.BASIC_AUTH_CACHE_SECONDS = 0
    for _ in range(2):
        assert _projects(client, owner.username, PASSWORD).status_code == 200
    assert password_checks == [PASSWORD, PASSWORD]
