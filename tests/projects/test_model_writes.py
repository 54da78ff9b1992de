"""Model writes are all-or-nothing and lock in one order: PUT /models/{id} in one transaction,
no extensions on connectors, no new version for a save that changes nothing, and a save racing
a delete answers 404 (never 500, 503 or a deadlock)."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection, connections, transaction
from rest_framework.test import APIClient

from projects import services
from projects.models import Model, ModelVersion, Project
from tests.connectors.conftest import API, FIXTURE


@pytest.fixture
def movies(owner, project):
    model, _ = services.model_create(
        actor=owner, project=project, type_name="CONNECTOR", name="movies", content=FIXTURE.read_bytes()
    )
    return model


def _state(model):
    model = Model.objects.get(pk=model.pk)
    return model.name, model.version, bytes(model.content), model.extensions, ModelVersion.objects.count()


@pytest.mark.django_db
def test_update_with_extensions_and_a_taken_name_stores_nothing(owner_api, owner, project):
    first, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="first")
    services.model_create(actor=owner, project=project, type_name="PROCESS", name="taken")
    before = _state(first)
    extensions = json.loads(json.dumps(first.extensions))
    process_id = next(iter(extensions))
    extensions[process_id]["properties"] = {
        "v1": {"id": "v1", "name": "movieName", "type": "string", "required": False}
    }
    response = owner_api.put(
        f"{API}/models/{first.pk}", {"name": "taken", "extensions": extensions}, format="json"
    )
    assert response.status_code == 409, response.content
    assert response.json()["errorCode"] == "name_conflict"
    assert _state(first) == before  # the extensions were not saved as a new version either


@pytest.mark.django_db
def test_connector_extensions_are_refused(owner_api, movies):
    before = _state(movies)
    response = owner_api.put(f"{API}/models/{movies.pk}", {"extensions": {"anything": [1]}}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "extensions_not_allowed"
    assert "connector has no extensions" in body["message"]
    assert _state(movies) == before


@pytest.mark.django_db
def test_a_save_that_changes_nothing_makes_no_version(owner_api, movies):
    before = _state(movies)
    response = owner_api.generic(
        "PUT", f"{API}/models/{movies.pk}/content", FIXTURE.read_bytes(), content_type="application/json"
    )
    assert response.status_code == 200
    assert response["ETag"] == '"0.0.1"'
    assert _state(movies) == before
    changed = FIXTURE.read_bytes().replace(b'"description"', b'"description"', 1) + b"\n"
    response = owner_api.generic(
        "PUT", f"{API}/models/{movies.pk}/content", changed, content_type="application/json"
    )
    assert response["ETag"] == '"0.0.2"'  # any byte changed is a version


def _wait_for_a_blocked_lock(seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the save never waited for the delete's lock")


def _save_in_thread(user, model_id, results):
    def run():
        client = APIClient()
        client.force_login(user)
        body = FIXTURE.read_bytes() + b" "
        response = client.generic(
            "PUT", f"{API}/models/{model_id}/content", body, content_type="application/json"
        )
        results.append(response)
        connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("deleted", ["project", "model"])
def test_a_save_racing_a_delete_gets_404(owner, project, movies, deleted):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    results: list = []
    with transaction.atomic():  # the delete, held open while the save arrives
        if deleted == "project":
            services._lock_project(project.pk, exclusive=True)
        else:
            services._locked(movies, None)
        thread = _save_in_thread(owner, movies.pk, results)
        _wait_for_a_blocked_lock()
        (project if deleted == "project" else Model.objects.get(pk=movies.pk)).delete()
    thread.join(30)
    assert not thread.is_alive()
    (response,) = results
    assert response.status_code == 404, response.content
    assert "was deleted" in response.json()["message"]
    assert not Model.objects.filter(pk=movies.pk).exists()
    assert Project.objects.filter(pk=project.pk).exists() == (deleted == "model")


@pytest.mark.django_db
def test_a_save_after_its_project_was_deleted_is_404_naming_the_project(owner, project, movies):
    from modeler.problems import NotFound

    model = Model.objects.select_related("project").get(pk=movies.pk)
    Project.objects.filter(pk=project.pk).delete()
    with pytest.raises(NotFound, match="project was deleted"):
        services.model_save_content(actor=owner, model=model, content=FIXTURE.read_bytes())
    assert not Model.objects.filter(pk=movies.pk).exists()
