"""How a process save stores its rows: the derived files kept on the model, extensions left in
place only when they are the same JSON, version rows copied from the model row, process rows."""

from __future__ import annotations

import json

import pytest

from processes import mapping
from processes.models import ProcessDefinition
from projects import archive, duplication, releases, services
from projects.model_types import model_type, pack_derived_files, unpack_derived_files
from projects.models import Model, ModelVersion
from tests.processes.conftest import extensions_with, process_xml, variable

pytestmark = pytest.mark.django_db


def stored(model: Model) -> Model:
    return Model._base_manager.get(pk=model.pk)


def made_now(model: Model) -> dict[str, bytes]:
    """The derived files made from the model's row as it is stored now."""
    row = stored(model)
    return model_type(row.type).derived_files(str(row.pk), row.name, bytes(row.content), row.extensions)


def assert_derived_files_current(model: Model) -> None:
    row = stored(model)
    assert unpack_derived_files(row.name, row.derived_files) == made_now(model)


def test_every_write_keeps_the_derived_files_current(owner, project, rank_movie):
    assert_derived_files_current(rank_movie)
    process_id = next(iter(rank_movie.extensions))
    content = process_xml({"Task_1": "movies.getMovieDesc"}, process_id=process_id)
    saved, _ = services.model_save_content(actor=owner, model=rank_movie, content=content)
    assert_derived_files_current(saved)
    assert (
        b'"Task_1"'
        in unpack_derived_files(saved.name, stored(saved).derived_files)["rank-movie-extensions.json"]
    )
    renamed = services.model_update(actor=owner, model=saved, name="rank-film")
    assert_derived_files_current(renamed)
    assert b'"name": "rank-film"' in next(
        iter(unpack_derived_files("rank-film", stored(renamed).derived_files).values())
    )
    updated = services.model_update(
        actor=owner, model=renamed, extensions=extensions_with(variable("movieName"), process_id=process_id)
    )
    assert_derived_files_current(updated)
    restored, _ = releases.model_version_restore(actor=owner, model=updated, version=2)
    assert_derived_files_current(restored)
    copy = duplication.model_duplicate(actor=owner, model=stored(restored), name="rank-copy")
    assert_derived_files_current(copy)


def test_unchanged_extensions_are_left_in_place_but_a_new_json_value_is_stored(owner, rank_movie):
    process_id = next(iter(rank_movie.extensions))
    content = process_xml({"Task_1": None}, process_id=process_id)
    extensions = extensions_with(variable("flag", "json", value=1), process_id=process_id)
    first, _ = services.model_save_content(
        actor=owner, model=rank_movie, content=content, extensions=extensions
    )
    # Only the diagram changes: the stored extensions stay as they are, the version copies them.
    moved = content.replace(b'x="200"', b'x="260"')
    second, _ = services.model_save_content(actor=owner, model=first, content=moved)
    assert second.version == first.version + 1
    assert stored(second).extensions == stored(first).extensions
    assert (
        ModelVersion.objects.get(model=second, version=second.version).extensions == stored(second).extensions
    )
    assert bytes(ModelVersion.objects.get(model=second, version=second.version).content) == moved
    # 1 == True in Python: the new value is still stored, as true.
    extensions = extensions_with(variable("flag", "json", value=True), process_id=process_id)
    third, _ = services.model_save_content(actor=owner, model=second, content=moved, extensions=extensions)
    assert stored(third).extensions[process_id]["properties"]["var-flag"]["value"] is True
    version = ModelVersion.objects.get(model=third, version=third.version)
    assert version.extensions[process_id]["properties"]["var-flag"]["value"] is True
    assert_derived_files_current(third)


def test_a_diagram_edit_keeps_the_stored_extensions_file_and_the_workspace_follows(
    owner, rank_movie, process_dir, monkeypatch
):
    """A save without extensions whose extensions stay the same takes the extensions file the row
    holds (not made again); the workspace still ends equal to the committed row: a file that
    already holds those bytes is left as it is, a stale or missing one is written again."""
    process_id = next(iter(rank_movie.extensions))
    content = process_xml({"Task_1": "movies.getMovieDesc"}, process_id=process_id)
    first, _ = services.model_save_content(actor=owner, model=rank_movie, content=content)
    extensions_file = process_dir / "rank-movie-extensions.json"
    content_file = process_dir / "rank-movie.bpmn20.xml"
    kept = extensions_file.stat()
    moved = content.replace(b'x="200"', b'x="260"')
    with monkeypatch.context() as patch:

        def not_made_again(*args):
            raise AssertionError("the extensions file was made again")

        patch.setattr(mapping, "_object_lines", not_made_again)
        second, _ = services.model_save_content(actor=owner, model=first, content=moved)
    assert second.version == first.version + 1
    assert_derived_files_current(second)
    assert content_file.read_bytes() == moved
    assert extensions_file.stat().st_ino == kept.st_ino  # equal bytes: not written again
    assert extensions_file.read_bytes() == made_now(second)["rank-movie-extensions.json"]

    extensions_file.write_bytes(b"{}")  # drifted (a failed write, a hand edit)
    third, _ = services.model_save_content(actor=owner, model=second, content=content)
    assert extensions_file.read_bytes() == made_now(third)["rank-movie-extensions.json"]
    extensions_file.unlink()
    fourth, _ = services.model_save_content(actor=owner, model=third, content=moved)
    assert extensions_file.read_bytes() == made_now(fourth)["rank-movie-extensions.json"]
    assert content_file.read_bytes() == moved


def test_a_diagram_edit_over_damaged_stored_derived_files_makes_them_again(owner, rank_movie, process_dir):
    process_id = next(iter(rank_movie.extensions))
    content = process_xml({"Task_1": "movies.getMovieDesc"}, process_id=process_id)
    first, _ = services.model_save_content(actor=owner, model=rank_movie, content=content)
    truncated = pack_derived_files("rank-movie", {"rank-movie-extensions.json": b"{}" * 50})[:-10]
    Model._base_manager.filter(pk=first.pk).update(derived_files=truncated)
    moved = content.replace(b'x="200"', b'x="260"')
    second, _ = services.model_save_content(actor=owner, model=first, content=moved)
    assert_derived_files_current(second)
    assert (process_dir / "rank-movie-extensions.json").read_bytes() == made_now(second)[
        "rank-movie-extensions.json"
    ]


def test_process_rows_follow_the_content_and_are_kept_when_it_says_the_same(owner, rank_movie):
    process_id = next(iter(rank_movie.extensions))
    content = process_xml({"Task_1": "movies.getMovieDesc"}, process_id=process_id)
    saved, _ = services.model_save_content(actor=owner, model=rank_movie, content=content)
    [row] = ProcessDefinition.objects.filter(model=saved)
    assert row.implementations == {"Task_1": "movies.getMovieDesc"}
    renamed_tasks = content.replace(b'name="step 0"', b'name="look it up"')
    saved, _ = services.model_save_content(actor=owner, model=saved, content=renamed_tasks)
    assert list(ProcessDefinition.objects.filter(model=saved)) == [row]  # the same row, not made again
    changed = content.replace(b'implementation="movies.getMovieDesc"', b'implementation="movies.other"')
    saved, _ = services.model_save_content(actor=owner, model=saved, content=changed)
    [new_row] = ProcessDefinition.objects.filter(model=saved)
    assert new_row.pk != row.pk and new_row.implementations == {"Task_1": "movies.other"}


def test_export_of_stored_derived_files_equals_making_them_again(owner, project, rank_movie):
    process_id = next(iter(rank_movie.extensions))
    content = process_xml(
        {"Task_1": "movies.getMovieDesc", "Task_2": "movies.getMovieDesc"}, process_id=process_id
    )
    services.model_save_content(actor=owner, model=rank_movie, content=content)
    made_again = archive.project_files(
        project, Model.objects.filter(project=project).order_by("type", "name")
    )
    assert archive.project_files(project) == made_again
    # Made for another name (an older row): the export makes them again, same bytes.
    Model._base_manager.filter(pk=rank_movie.pk).update(derived_files=None)
    assert archive.project_files(project) == made_again


def test_migration_fills_the_derived_files_of_existing_models(owner, project, rank_movie, movies):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("projects.migrations.0005_model_derived_files")
    Model._base_manager.filter(project=project).update(derived_files=None)
    migration.fill_derived_files(apps, None)
    for model in (rank_movie, movies):
        assert_derived_files_current(model)
    assert json.loads(made_now(rank_movie)["rank-movie-extensions.json"])["name"] == "rank-movie"
