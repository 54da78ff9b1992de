"""Secure variables: encrypted at rest, never in a response, page, log record, error or export;
keys from MODELER_SECRETS_KEYS (rotation, production refusal, the development key's warning)."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.test import Client

from deployments import checks, secrets
from deployments.models import Descriptor
from tests.deployments.helpers import API, CANARY

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _everything_in(response) -> bytes:
    headers = "\n".join(f"{k}: {v}" for k, v in response.items()).encode()
    return headers + b"\n" + response.content


def _zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        return {info.filename: zipped.open(info).read() for info in zipped.infolist()}


def test_canary_secret_appears_nowhere(devops_api, devops, body, release, caplog, workspace_dir, capsys):
    caplog.set_level(logging.DEBUG)
    seen: list[tuple[str, bytes]] = []

    def call(label, response):
        seen.append((label, _everything_in(response)))
        return response

    body["connectors"]["movies"]["variables"]["MOVIES_API_KEY"] = CANARY
    # validate as the page does, then save
    call("candidate", devops_api.post(f"{API}/descriptors/validate", body, format="json"))
    created = call("create", devops_api.post(f"{API}/descriptors", body, format="json"))
    assert created.status_code == 201
    descriptor_id = created.json()["entry"]["id"]
    assert created.json()["entry"]["connectors"]["movies"]["secureVariables"] == {"MOVIES_API_KEY": "set"}
    url = f"{API}/descriptors/{descriptor_id}"
    call("read", devops_api.get(url))
    call("list", devops_api.get(f"{API}/descriptors"))
    call("validate", devops_api.get(f"{url}/validate"))
    call("change", devops_api.put(url, {"connectors": {"movies": {"replicas": 3}}}, format="json"))
    call(
        "set again",
        devops_api.put(
            url, {"connectors": {"movies": {"variables": {"MOVIES_API_KEY": CANARY}}}}, format="json"
        ),
    )
    # refusals carrying the canary in every place a value can go
    for label, change in (
        ("wrong type", {"connectors": {"movies": {"variables": {"MOVIES_API_KEY": [CANARY]}}}}),
        ("bad image", {"connectors": {"movies": {"image": "BAD", "variables": {"MOVIES_API_KEY": CANARY}}}}),
        ("unknown connector", {"connectors": {"books": {"variables": {"KEY": CANARY}}}}),
        (
            "bad name",
            {"name": "Bad Name", "connectors": {"movies": {"variables": {"MOVIES_API_KEY": CANARY}}}},
        ),
        ("too long", {"connectors": {"movies": {"variables": {"MOVIES_API_KEY": CANARY * 5000}}}}),
        ("plain wrong", {"connectors": {"movies": {"variables": {"MOVIES_URL": {"x": CANARY}}}}}),
    ):
        response = call(label, devops_api.put(url, change, format="json"))
        assert response.status_code == 400, (label, response.content)
        response = call(
            label, devops_api.post(f"{API}/descriptors", body | {"name": "other"} | change, format="json")
        )
        assert response.status_code == 400, (label, response.content)
    export = call("export", devops_api.get(f"{url}/export"))
    assert export.status_code == 200, export.content
    # the pages
    pages = Client()
    pages.force_login(devops)
    for page in (
        "/deployments/",
        f"/deployments/{descriptor_id}/",
        f"/deployments/new/?release={release.pk}",
    ):
        response = call(page, pages.get(page))
        assert response.status_code == 200
    call("releases", devops_api.get(f"{API}/releases/{release.pk}"))
    call_command("rotate_secrets")

    canary = CANARY.encode()
    leaks = [label for label, data in seen if canary in data]
    assert leaks == []
    members = _zip_members(export.content)
    assert len(members) > 5
    assert [name for name, data in members.items() if canary in data] == []
    logged = [
        record.getMessage() + repr(record.args) + repr(getattr(record, "exc_text", ""))
        for record in caplog.records
    ]
    assert [line for line in logged if CANARY in line] == []
    captured = capsys.readouterr()
    assert CANARY not in captured.out + captured.err
    for path in Path(workspace_dir).rglob("*") if Path(workspace_dir).exists() else ():
        if path.is_file():
            assert canary not in path.read_bytes(), path
    # …and yet it is stored, encrypted, and opens with the key
    row = Descriptor.objects.get(pk=descriptor_id)
    token = row.secrets["movies"]["MOVIES_API_KEY"]
    assert (
        CANARY not in str(row.secrets)
        and CANARY not in str(row.connectors)
        and CANARY not in str(row.problems)
    )
    assert secrets.decrypt(token) == CANARY


def test_rotation_re_encrypts_under_the_first_key(devops_api, body, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.MODELER_SECRETS_KEYS = [old]
    body["connectors"]["movies"]["variables"]["MOVIES_API_KEY"] = CANARY
    descriptor_id = devops_api.post(f"{API}/descriptors", body, format="json").json()["entry"]["id"]
    token = Descriptor.objects.get(pk=descriptor_id).secrets["movies"]["MOVIES_API_KEY"]
    assert Fernet(old).decrypt(token.encode()) == CANARY.encode()
    settings.MODELER_SECRETS_KEYS = [new, old]
    out = io.StringIO()
    call_command("rotate_secrets", stdout=out)
    assert "1 secure values re-encrypted" in out.getvalue()
    rotated = Descriptor.objects.get(pk=descriptor_id).secrets["movies"]["MOVIES_API_KEY"]
    assert rotated != token
    assert Fernet(new).decrypt(rotated.encode()) == CANARY.encode()
    settings.MODELER_SECRETS_KEYS = [new]  # the old key dropped: everything still opens
    assert secrets.decrypt(rotated) == CANARY
    settings.MODELER_SECRETS_KEYS = [Fernet.generate_key().decode()]  # a wrong key: refused, nothing changed
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("rotate_secrets")
    assert Descriptor.objects.get(pk=descriptor_id).secrets["movies"]["MOVIES_API_KEY"] == rotated


def test_the_development_key_is_warned_about_by_the_deploy_check(settings):
    settings.MODELER_SECRETS_DEVELOPMENT_KEY = True
    assert [c.id for c in checks.development_key(None)] == ["deployments.W001"]
    assert checks.secrets_keys(None) == []  # not on every manage.py command
    settings.MODELER_SECRETS_DEVELOPMENT_KEY = False
    settings.MODELER_SECRETS_KEYS = [Fernet.generate_key().decode()]
    assert checks.secrets_keys(None) == checks.development_key(None) == []
    settings.MODELER_SECRETS_KEYS = ["not-a-key"]
    assert [c.id for c in checks.secrets_keys(None)] == ["deployments.E001"]


def _settings_in_subprocess(**env):
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'modeler.settings'; django.setup(); "
        "from django.conf import settings; print(len(settings.MODELER_SECRETS_KEYS), settings.MODELER_SECRETS_DEVELOPMENT_KEY)"
    )
    environment = {k: v for k, v in os.environ.items() if k not in {"MODELER_SECRETS_KEYS", "MODELER_ENV"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {"MODELER_ENV": "production", "SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "modeler.example.com"}


def test_production_refuses_to_start_without_keys():
    result = _settings_in_subprocess(**PRODUCTION)
    assert result.returncode != 0
    assert "MODELER_SECRETS_KEYS must be set when MODELER_ENV=production" in result.stderr


def test_production_refuses_a_malformed_key():
    result = _settings_in_subprocess(**PRODUCTION, MODELER_SECRETS_KEYS="short")
    assert result.returncode != 0
    assert "every key must be a Fernet key" in result.stderr


def test_production_starts_with_keys_and_development_uses_the_fixed_key():
    keys = f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}"
    result = _settings_in_subprocess(**PRODUCTION, MODELER_SECRETS_KEYS=keys)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2", "False"]
    result = _settings_in_subprocess(MODELER_ENV="development")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "True"]
