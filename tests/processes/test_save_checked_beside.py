"""A save of a large process locks its row and completes the extensions from the walk's outline
while the schema check runs (`ModelType.start_check`): whatever the two find, the save stores
what a save checked at once stores, and a refusal from either leaves the row and its versions as
they were, the schema check's refusal first."""

from __future__ import annotations

import pytest

from modeler.problems import ValidationFailed
from processes import bpmn
from projects import services
from projects.models import Model, ModelVersion
from tests.processes.conftest import process_xml

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["beside", "at once"])
def checked(request, monkeypatch) -> str:
    """Every file is checked in worker threads, or every one at once (the two must agree)."""
    monkeypatch.setattr(bpmn, "_BESIDE_BYTES", 0)
    monkeypatch.setattr(bpmn._Beside, "_spare_cpu", request.param == "beside")
    return request.param


def large(rank_movie, **changes) -> bytes:
    process_id = next(iter(rank_movie.extensions))
    content = process_xml({f"Task_{n}": "movies.getMovieDesc" for n in range(40)}, process_id=process_id)
    for old, new in changes.items():
        content = content.replace(old.encode(), new.encode())
    return content


def unchanged(model: Model) -> tuple:
    row = Model._base_manager.get(pk=model.pk)
    return row.version, bytes(row.content), row.problems, ModelVersion.objects.filter(model=model).count()


def test_a_large_save_stores_its_mappings_and_problems(owner, rank_movie, checked):
    content = large(rank_movie).replace(b'isExecutable="true"', b'isExecutable="maybe"')  # an XSD error
    saved, check = services.model_save_content(actor=owner, model=rank_movie, content=content)
    assert saved.version == rank_movie.version + 1
    assert [p.error_code for p in check.problems] == ["xsd_invalid"]
    stored = Model._base_manager.get(pk=saved.pk)
    assert [p["errorCode"] for p in stored.problems] == ["xsd_invalid"]
    assert len(stored.extensions[next(iter(stored.extensions))]["mappings"]) == 40


@pytest.mark.parametrize(
    "damage, code",
    [
        ({"<bpmn2:definitions": "<definitions", "</bpmn2:definitions>": "</definitions>"}, "not_bpmn"),
        ({'id="Task_7"': 'id="Task_6"'}, "duplicate_id"),
        ({"</bpmn2:process>": "</bpmn2:proces>"}, "xml_malformed"),
    ],
    ids=["not BPMN", "duplicate id", "not well-formed"],
)
def test_a_refused_large_save_stores_nothing(owner, rank_movie, checked, damage, code):
    before = unchanged(rank_movie)
    with pytest.raises(ValidationFailed) as refused:
        services.model_save_content(actor=owner, model=rank_movie, content=large(rank_movie, **damage))
    assert refused.value.error_code == code
    assert unchanged(rank_movie) == before


def test_the_schema_checks_refusal_comes_before_the_walks(owner, rank_movie, checked):
    """Not BPMN and a duplicate id: the walk refuses the duplicate, the schema check the root;
    the root is what the save answers, as a save checked at once does."""
    both = large(rank_movie, **{'id="Task_7"': 'id="Task_6"'}).replace(
        b"bpmn2:definitions", b"bpmn2:definition"
    )
    with pytest.raises(ValidationFailed) as refused:
        services.model_save_content(actor=owner, model=rank_movie, content=both)
    assert refused.value.error_code == "not_bpmn"
