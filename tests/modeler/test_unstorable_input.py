"""Text no database can hold and numbers JSON cannot carry get a 4xx, not a 500: NUL and unpaired
surrogates in connector names and in extensions, `1e999` in extensions; and a body over the cap
gets its 413 even while the client is still sending it (no connection reset)."""

from __future__ import annotations

import json

import pytest

from projects import services
from projects.models import Model, ModelVersion
from tests import live_gunicorn
from tests.connectors.conftest import FIXTURE

API = "/modeling-service/v1"
pytestmark = pytest.mark.django_db


@pytest.fixture
def movies(owner, project):
    model, _ = services.model_create(
        actor=owner, project=project, type_name="CONNECTOR", name="movies", content=FIXTURE.read_bytes()
    )
    return model


@pytest.fixture
def process(owner, project):
    model, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="rank")
    return model


def _snapshot(model):
    model = Model.objects.get(pk=model.pk)
    return bytes(model.content), model.extensions, model.version, ModelVersion.objects.count()


def _assert_refused(response, code, text):
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["errorCode"] == code, body
    assert text in body["message"] + " ".join(e["description"] for e in body["errors"]), body


@pytest.mark.parametrize(
    "replace, text",
    [
        ('"getMovieDesc"', r'"get\u0000MovieDesc"'),
        ('"movieName"', r'"movie\ud800Name"'),
        ('"string"', r'"str\udfffing"'),
    ],
    ids=["nul-in-action-name", "surrogate-in-parameter-name", "surrogate-in-type"],
)
def test_unstorable_text_in_a_connector_is_refused(owner_api, movies, replace, text):
    before = _snapshot(movies)
    body = FIXTURE.read_text().replace(replace, text, 1)
    assert body != FIXTURE.read_text()
    for call in (owner_api.put, owner_api.post):
        url = f"{API}/models/{movies.pk}/{'content' if call == owner_api.put else 'validate'}"
        _assert_refused(
            call(url, body.encode(), content_type="application/json"), "invalid_text", "cannot be stored"
        )
    assert _snapshot(movies) == before


@pytest.mark.parametrize(
    "value, code, text",
    [
        (r'"x\u0000y"', "invalid_text", "NUL character"),
        (r'"\ud800"', "invalid_text", "unpaired surrogate"),
        ("1e999", "invalid_number", "too large for a JSON number"),
        ("-1e999", "invalid_number", "too large for a JSON number"),
    ],
)
def test_unstorable_values_in_extensions_are_refused(owner_api, process, value, code, text):
    before = _snapshot(process)
    process_id = next(iter(process.extensions))
    variable = f'{{"id": "v1", "name": "score", "type": "integer", "value": {value}}}'
    extensions = (
        f'{{"{process_id}": {{"properties": {{"v1": {variable}}}, "mappings": {{}}, "constants": {{}}}}}}'
    )
    body = f'{{"extensions": {extensions}}}'
    _assert_refused(
        owner_api.put(f"{API}/models/{process.pk}", body, content_type="application/json"), code, text
    )
    files = {"file": _upload("rank.bpmn20.xml", bytes(process.content)), "extensions": extensions}
    response = owner_api.put(f"{API}/models/{process.pk}/content", files, format="multipart")
    _assert_refused(response, code, text)
    assert _snapshot(process) == before


def _upload(name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "media_type, status, code",
    [("application/xml", 413, "payload_too_large"), ("application/json", 415, "unsupported_media_type")],
)
def test_an_11_mib_body_gets_its_answer_not_a_reset(tmp_path, owner, project, media_type, status, code):
    """Under gunicorn, a worker that answers before reading the body closes the connection on a
    client still sending: the client saw a reset instead of the 413 (or 415). The body is drained."""
    from rest_framework.authtoken.models import Token

    process, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="big")
    token = Token.objects.create(user=owner)
    body = b"<" + b"a" * (11 * 1024 * 1024)
    with live_gunicorn.gunicorn(tmp_path, workers=1) as server:
        connection = server.connection(timeout=30)
        connection.request(
            "PUT",
            f"{API}/models/{process.pk}/content",
            body,
            {"Authorization": f"Token {token.key}", "Content-Type": media_type},
        )
        response = connection.getresponse()  # a reset raises ConnectionResetError/BrokenPipeError
        payload = json.loads(response.read())
        connection.close()
    assert response.status == status
    assert payload["errorCode"] == code
    assert Model.objects.get(pk=process.pk).version == 1


@pytest.mark.parametrize(
    "username, password", [("bo\x00b", "x"), ("\x00", "\x00"), ("olivia", "pass\x00word")]
)
def test_basic_auth_with_nul_is_a_401_not_a_500(client, owner, username, password):
    import base64

    credentials = base64.b64encode(f"{username}:{password}".encode()).decode()
    response = client.get(f"{API}/projects", HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert response.status_code == 401
    assert response.json()["errorCode"] == "authentication_failed"


@pytest.mark.parametrize("field", ["name", "type", "comment"])
def test_multipart_text_fields_with_nul_are_refused(owner_api, project, field):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = (Model.objects.count(), ModelVersion.objects.count())
    data = {"file": SimpleUploadedFile("movies.json", FIXTURE.read_bytes()), "type": "CONNECTOR"}
    data[field] = "x\x00y"
    for url in (f"{API}/projects/{project.pk}/models/import", f"{API}/projects/{project.pk}/releases/upload"):
        response = owner_api.post(url, data, format="multipart")
        _assert_refused(response, "invalid_text", "NUL character")
        data["file"].seek(0)
    assert (Model.objects.count(), ModelVersion.objects.count()) == before
