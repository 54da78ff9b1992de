"""A save reads the stored extensions back from the row's extensions file, and from the JSON
column when the file cannot tell (missing or damaged): the same extensions either way."""

from __future__ import annotations

import pytest

from processes.services import extensions_in_files
from projects import services
from projects.models import Model
from tests.processes.conftest import process_xml


def _save_diagram(owner, model):
    process_id = next(iter(model.extensions))
    saved, _ = services.model_save_content(
        actor=owner,
        model=Model.objects.get(pk=model.pk),
        content=process_xml({"Task_1": "movies.getMovieDesc"}, process_id),
    )
    return process_id, saved


@pytest.mark.django_db
def test_the_extensions_file_holds_what_the_column_holds(owner, rank_movie):
    _, saved = _save_diagram(owner, rank_movie)
    row = Model.objects.get(pk=saved.pk)
    assert extensions_in_files(row.name, row.derived_files) == row.extensions


@pytest.mark.django_db
@pytest.mark.parametrize("damage", [None, b"not a packed file", b""], ids=["missing", "damaged", "empty"])
def test_a_save_without_a_readable_file_reads_the_column(owner, rank_movie, damage):
    Model.objects.filter(pk=rank_movie.pk).update(derived_files=damage)
    stored = Model.objects.get(pk=rank_movie.pk)
    assert extensions_in_files(stored.name, stored.derived_files) is None
    process_id, saved = _save_diagram(owner, rank_movie)
    names = {v["name"] for v in saved.extensions[process_id]["properties"].values()}
    assert names == {"movieName", "movieDescription"}  # the variables the column held are kept
    assert set(saved.extensions[process_id]["mappings"]["Task_1"]["inputs"]) == {"movieName"}
    row = Model.objects.get(pk=saved.pk)
    assert extensions_in_files(row.name, row.derived_files) == row.extensions  # made again


@pytest.mark.django_db
def test_a_file_saying_other_extensions_is_what_a_save_reads_on_postgresql(owner, rank_movie):
    """The file is read instead of the column (on PostgreSQL): a save keeps what the file says.
    (The two are written together; this proves which one the save reads.)"""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the locked read that brings the file is PostgreSQL's")
    other = Model.objects.get(pk=rank_movie.pk)
    process_id = next(iter(other.extensions))
    Model.objects.filter(pk=rank_movie.pk).update(
        extensions={process_id: {"properties": {}, "mappings": {}, "constants": {}}}
    )
    _, saved = _save_diagram(owner, rank_movie)
    names = {v["name"] for v in saved.extensions[process_id]["properties"].values()}
    assert names == {"movieName", "movieDescription"}
