"""Every problem list is capped (MAX_PROBLEMS plus one row counting the rest), for connectors,
extensions and BPMN alike, whether the content is refused or stored with its problems."""

from __future__ import annotations

import json

import pytest

from modeler.problems import MAX_PROBLEMS, capped, more_problems
from modeler.problems import Problem as P
from projects import services
from projects.models import Model, ModelVersion
from tests.hostile_documents import bpmn_document, connector_documents, extensions_document

API = "/modeling-service/v1"
pytestmark = pytest.mark.django_db


def test_capped_keeps_the_first_and_counts_the_rest():
    problems = [P(f"p{n}", warning=n % 2 == 0) for n in range(250)]
    kept = capped(problems, limit=100)
    assert [p.problem for p in kept[:100]] == [f"p{n}" for n in range(100)]
    assert kept[100] == more_problems(150, warning=False)
    assert capped(problems[:100], limit=100) == problems[:100]
    assert capped(p for p in problems if p.warning)[-1].warning is True  # only warnings left out
    assert "at least 900 more" in capped(iter([P("x")] * 5000), limit=100)[-1].description


def test_a_cut_list_keeps_its_count_when_cut_again_or_joined():
    first = capped([P(f"a{n}") for n in range(300)])  # 100 + "200 more"
    assert capped(first) == first
    joined = capped([*first, *capped([P(f"b{n}") for n in range(5)])])
    assert len(joined) == MAX_PROBLEMS + 1
    assert joined[-1].problem == "205 more problems not shown"


def _assert_capped_refusal(response):
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert len(body["errors"]) == MAX_PROBLEMS + 1
    assert body["errors"][-1]["errorCode"] == "too_many_problems"
    assert len(response.content) < 64 * 1024


@pytest.fixture
def connector(owner, project):
    model, _ = services.model_create(actor=owner, project=project, type_name="CONNECTOR", name="movies")
    return model


@pytest.fixture
def process(owner, project):
    model, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="rank")
    return model


@pytest.mark.parametrize("case", sorted(connector_documents()))
def test_hostile_connector_answers_a_capped_list(owner_api, connector, case):
    body = connector_documents()[case]
    for url in (f"{API}/models/{connector.pk}/validate", f"{API}/models/{connector.pk}/content"):
        method = owner_api.post if url.endswith("validate") else owner_api.put
        _assert_capped_refusal(method(url, body, content_type="application/json"))
    assert ModelVersion.objects.filter(model=connector).count() == 1


def test_hostile_extensions_answer_a_capped_list(owner_api, process):
    process_id = next(iter(process.extensions))
    files = {
        "file": _upload("rank.bpmn20.xml", bytes(process.content)),
        "extensions": _upload("rank-extensions.json", extensions_document(process_id)),
    }
    _assert_capped_refusal(owner_api.post(f"{API}/models/{process.pk}/validate", files, format="multipart"))


def test_hostile_bpmn_answers_and_stores_a_capped_list(owner_api, process):
    process_id = next(iter(process.extensions))
    body = bpmn_document(process_id)
    _assert_capped_refusal(
        owner_api.post(f"{API}/models/{process.pk}/validate", body, content_type="application/xml")
    )
    saved = owner_api.put(f"{API}/models/{process.pk}/content", body, content_type="application/xml")
    if saved.status_code == 200:  # stored with its problems: the stored list is capped too
        assert len(saved.json()["problems"]) == MAX_PROBLEMS + 1
        assert len(Model.objects.get(pk=process.pk).problems) == MAX_PROBLEMS + 1
    else:
        _assert_capped_refusal(saved)


def _upload(name: str, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def test_the_hostile_documents_are_as_large_as_the_caps_allow(settings):
    for body in connector_documents().values():
        assert settings.MODELER_MAX_JSON_BYTES - 1024 < len(body) <= settings.MODELER_MAX_JSON_BYTES
    assert len(json.dumps(json.loads(extensions_document("P")))) > 1_000_000
