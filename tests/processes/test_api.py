"""Process models through the API: create, save with extensions, automatic mapping, workspace files."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from processes.bpmn import read_bpmn
from processes.models import ProcessDefinition
from projects.models import Model
from tests.processes.conftest import API, file_json, process_xml, variable

pytestmark = pytest.mark.django_db


def put_content(client, model, content: bytes, extensions=None, etag: str | None = None):
    parts = {"file": SimpleUploadedFile("p.bpmn20.xml", content, "application/xml")}
    if extensions is not None:
        parts["extensions"] = SimpleUploadedFile(
            "e.json", json.dumps(extensions).encode(), "application/json"
        )
    headers = {"HTTP_IF_MATCH": etag} if etag else {}
    return client.put(f"{API}/models/{model.pk}/content", parts, format="multipart", **headers)


def test_new_process_has_one_executable_process_with_a_start_event(owner_api, project, process_dir):
    response = owner_api.post(
        f"{API}/projects/{project.pk}/models", {"name": "rank-movie", "type": "PROCESS"}, format="json"
    )
    assert response.status_code == 201, response.json()
    model = Model.objects.get(pk=response.json()["entry"]["id"])
    content = owner_api.get(f"{API}/models/{model.pk}/content")
    assert content["Content-Type"] == "application/xml"
    bpmn = read_bpmn(content.content)
    assert bpmn.definitions_id.startswith("model-")
    [process] = bpmn.processes
    assert process.id.startswith("Process_") and len(process.id) == len("Process_") + 8
    assert process.name == "rank-movie"
    assert b'isExecutable="true"' in content.content and b'<bpmn2:startEvent id="Event_1"' in content.content
    assert response.json()["entry"]["extensions"] == {
        process.id: {"properties": {}, "mappings": {}, "constants": {}}
    }
    assert (process_dir / "rank-movie.bpmn20.xml").read_bytes() == content.content
    assert file_json(process_dir / "rank-movie-extensions.json") == {
        "id": f"process-{model.pk}",
        "name": "rank-movie",
        "type": "PROCESS",
        "extensions": {process.id: {"properties": {}, "mappings": {}, "constants": {}}},
    }


def test_save_with_an_implementation_maps_identical_names_automatically(owner_api, rank_movie, process_dir):
    process_id = next(iter(rank_movie.extensions))
    content = process_xml(process_id=process_id)
    response = put_content(owner_api, rank_movie, content)
    assert response.status_code == 200, response.json()
    mappings = response.json()["entry"]["extensions"][process_id]["mappings"]
    assert mappings == {
        "Task_1": {
            "inputs": {"movieName": {"type": "variable", "value": "movieName"}},
            "outputs": {"movieDescription": {"type": "variable", "value": "movieDescription"}},
        }
    }
    assert response["ETag"] == '"0.0.3"'
    assert (process_dir / "rank-movie.bpmn20.xml").read_bytes() == content  # byte for byte
    stored = file_json(process_dir / "rank-movie-extensions.json")
    assert stored["extensions"][process_id]["mappings"] == mappings
    assert [p["problem"] for p in response.json()["problems"]] == []


def test_existing_mapping_and_dont_map_are_never_overwritten(owner_api, rank_movie):
    process_id = next(iter(rank_movie.extensions))
    extensions = rank_movie.extensions
    extensions[process_id]["mappings"] = {
        "Task_1": {"inputs": {"movieName": {"type": "value", "value": "Alien"}}, "outputs": {}},
        "Task_2": {"inputs": {}, "outputs": {}},
        "Task_3": {"mappingType": "MAP_ALL"},
    }
    tasks = {
        "Task_1": "movies.getMovieDesc",
        "Task_2": "movies.getMovieDesc",
        "Task_3": "movies.getMovieDesc",
    }
    response = put_content(owner_api, rank_movie, process_xml(tasks, process_id), extensions)
    assert response.status_code == 200
    mappings = response.json()["entry"]["extensions"][process_id]["mappings"]
    assert mappings == {
        "Task_1": {"inputs": {"movieName": {"type": "value", "value": "Alien"}}, "outputs": {}},
        "Task_2": {"inputs": {}, "outputs": {}},
        "Task_3": {"mappingType": "MAP_ALL"},
    }
    problems = [p["problem"] for p in response.json()["problems"]]
    assert "Required input 'movieName' of movies.getMovieDesc is not mapped on 'Task_2'" in problems
    assert not any("Task_1" in p or "Task_3" in p for p in problems)


def test_deleting_a_task_removes_its_mappings_and_constants(owner_api, rank_movie, process_dir):
    process_id = next(iter(rank_movie.extensions))
    response = put_content(owner_api, rank_movie, process_xml({"Task_1": "movies.getMovieDesc"}, process_id))
    extensions = response.json()["entry"]["extensions"]
    extensions[process_id]["constants"] = {"Task_1": {"mode": {"value": "fast"}}}
    response = put_content(
        owner_api, rank_movie, process_xml({"Task_1": "movies.getMovieDesc"}, process_id), extensions
    )
    assert response.json()["entry"]["extensions"][process_id]["constants"] == {
        "Task_1": {"mode": {"value": "fast"}}
    }

    response = put_content(owner_api, rank_movie, process_xml({}, process_id))
    entry = response.json()["entry"]["extensions"][process_id]
    assert entry["mappings"] == {} and entry["constants"] == {}
    assert len(entry["properties"]) == 2
    assert file_json(process_dir / "rank-movie-extensions.json")["extensions"][process_id]["mappings"] == {}


def test_changing_the_implementation_drops_rows_the_new_action_lacks(owner_api, owner, project, rank_movie):
    from projects import services

    other = {
        "id": "connector-2",
        "name": "ratings",
        "actions": {
            "r1": {
                "id": "r1",
                "name": "rate",
                "inputs": [{"id": "p1", "name": "movieName", "type": "string"}],
                "outputs": [{"id": "p2", "name": "score", "type": "integer"}],
            }
        },
    }
    services.model_create(
        actor=owner,
        project=project,
        type_name="CONNECTOR",
        name="ratings",
        content=json.dumps(other).encode(),
    )
    process_id = next(iter(rank_movie.extensions))
    extensions = rank_movie.extensions
    extensions[process_id]["properties"].update(dict([variable("score", "integer")]))
    first = put_content(
        owner_api, rank_movie, process_xml({"Task_1": "movies.getMovieDesc"}, process_id), extensions
    )
    extensions = first.json()["entry"]["extensions"]
    extensions[process_id]["mappings"]["Task_1"]["inputs"]["movieName"] = {"type": "value", "value": "Alien"}
    response = put_content(
        owner_api, rank_movie, process_xml({"Task_1": "ratings.rate"}, process_id), extensions
    )
    assert response.json()["entry"]["extensions"][process_id]["mappings"]["Task_1"] == {
        "inputs": {"movieName": {"type": "value", "value": "Alien"}},
        "outputs": {"score": {"type": "variable", "value": "score"}},
    }


def test_two_pools_get_two_entries_and_process_ids_are_unique_in_the_project(
    owner_api, owner, project, movies
):
    from tests.processes.conftest import BPMN_FIXTURES

    content = (BPMN_FIXTURES / "bpmn-js-two-pools-correlation.bpmn20.xml").read_bytes()
    response = owner_api.post(
        f"{API}/projects/{project.pk}/models/import",
        {"file": SimpleUploadedFile("orders.bpmn20.xml", content), "type": "PROCESS"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["entry"]["extensions"]) == ["Process_buyer", "Process_seller"]
    assert sorted(ProcessDefinition.objects.values_list("process_id", flat=True)) == [
        "Process_buyer",
        "Process_seller",
    ]

    again = owner_api.post(
        f"{API}/projects/{project.pk}/models/import",
        {"file": SimpleUploadedFile("orders2.bpmn20.xml", content), "type": "PROCESS"},
        format="multipart",
    )
    assert again.status_code == 201
    model = Model.objects.get(pk=again.json()["entry"]["id"])
    assert {p["problem"] for p in model.problems} >= {"Process ids must be unique"}
    assert {p["referenceId"] for p in model.problems if p["problem"] == "Process ids must be unique"} == {
        "Process_buyer",
        "Process_seller",
    }


def test_put_model_extensions_saves_a_new_version(owner_api, rank_movie, process_dir):
    process_id = next(iter(rank_movie.extensions))
    extensions = rank_movie.extensions
    extensions[process_id]["properties"].update(dict([variable("rating", "integer", value="high")]))
    response = owner_api.put(
        f"{API}/models/{rank_movie.pk}",
        {"extensions": extensions},
        format="json",
        HTTP_IF_MATCH=f'"{rank_movie.semver}"',
    )
    assert response.status_code == 200, response.json()
    assert response["ETag"] == f'"0.0.{rank_movie.version + 1}"'
    model = Model.objects.get(pk=rank_movie.pk)
    assert [p["problem"] for p in model.problems if "rating" in p["problem"]] == [
        "Mismatch value type - rating(var-rating). Expected type is integer"
    ]
    names = {
        v["name"]
        for v in file_json(process_dir / "rank-movie-extensions.json")["extensions"][process_id][
            "properties"
        ].values()
    }
    assert names == {"movieName", "movieDescription", "rating"}


def test_unchanged_save_writes_identical_extension_bytes(owner_api, rank_movie, process_dir):
    process_id = next(iter(rank_movie.extensions))
    content = process_xml(process_id=process_id)
    first = put_content(owner_api, rank_movie, content)
    before = (process_dir / "rank-movie-extensions.json").read_bytes()
    put_content(owner_api, rank_movie, content, first.json()["entry"]["extensions"])
    assert (process_dir / "rank-movie-extensions.json").read_bytes() == before


def test_validate_reports_without_saving(owner_api, rank_movie):
    process_id = next(iter(rank_movie.extensions))
    response = owner_api.post(
        f"{API}/models/{rank_movie.pk}/validate",
        {"file": SimpleUploadedFile("p.bpmn20.xml", process_xml({"Task_1": "movies.nope"}, process_id))},
        format="multipart",
    )
    assert response.status_code == 400
    problems = response.json()["errors"]
    assert problems[0]["problem"] == "Invalid service implementation on service 'Task_1'"
    assert problems[0]["referenceId"] == "Task_1"
    assert Model.objects.get(pk=rank_movie.pk).version == rank_movie.version


def test_extensions_schema_is_served(owner_api):
    response = owner_api.get(f"{API}/schemas/PROCESS-EXTENSION")
    assert response.status_code == 200
    assert response.json()["definitions"]["mapping"]["properties"]["mappingType"]["enum"] == [
        "MAP_ALL",
        "MAP_ALL_INPUTS",
        "MAP_ALL_OUTPUTS",
    ]
