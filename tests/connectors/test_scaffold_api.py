"""The scaffold download (`GET /models/{id}/scaffold`) and `manage.py connector_scaffold`."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from modeler_connector.scaffold import generate

from projects import services
from projects.archive import zip_bytes
from projects.models import Model
from tests.connectors.conftest import API, FIXTURE

pytestmark = pytest.mark.django_db


def test_the_scaffold_is_a_zip_of_the_generated_project(movies, api_as, collaborator):
    response = api_as(collaborator).get(f"{API}/models/{movies.pk}/scaffold")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="movies-connector.zip"'
    assert response["X-Content-Type-Options"] == "nosniff"
    project = generate(FIXTURE.read_bytes())
    expected = zip_bytes({f"movies-connector/{path}": data for path, data in project.files.items()})
    assert response.content == expected  # deterministic: the same content gives the same bytes
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert {
        "movies-connector/pyproject.toml",
        "movies-connector/Dockerfile",
        "movies-connector/README.md",
        "movies-connector/movies_connector/movies.json",
        "movies-connector/movies_connector/actions/get_movie_desc.py",
        "movies-connector/tests/test_get_movie_desc.py",
        "movies-connector/vendor/modeler-connector-sdk/modeler_connector/worker.py",
    } <= set(names)
    again = api_as(collaborator).get(f"{API}/models/{movies.pk}/scaffold")
    assert again.content == response.content


def test_only_a_connector_has_a_scaffold(owner, project, api_as):
    process, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="rank-movie")
    response = api_as(owner).get(f"{API}/models/{process.pk}/scaffold")
    assert response.status_code == 404
    assert response.json()["message"] == f"Connector not found: {process.pk}"
    missing = api_as(owner).get(f"{API}/models/not-a-uuid/scaffold")
    assert missing.status_code == 404


def test_the_command_writes_the_project_and_regenerating_names_new_and_gone_actions(
    movies, project, tmp_path
):
    out = tmp_path / "movies-connector"
    stdout = io.StringIO()
    call_command("connector_scaffold", project.name, "movies", out=str(out), stdout=stdout)
    assert stdout.getvalue().startswith(
        f"{out}: {len(generate(FIXTURE.read_bytes()).files)} file(s) written, 0 kept"
    )
    assert (out / "movies_connector" / "movies.json").read_bytes() == FIXTURE.read_bytes()
    document = json.loads(FIXTURE.read_bytes())
    document["actions"]["a2"] = {"id": "a2", "name": "rateMovie", "inputs": [], "outputs": []}
    del document["actions"]["a1"]
    Model.objects.filter(pk=movies.pk).update(content=json.dumps(document).encode())
    stdout = io.StringIO()
    call_command("connector_scaffold", str(project.pk), "movies", out=str(out), stdout=stdout)
    lines = stdout.getvalue().splitlines()
    assert lines[1:] == [
        "new actions: rateMovie",
        "gone action: getMovieDesc (delete movies_connector/actions/get_movie_desc.py, tests/test_get_movie_desc.py)",
    ]
    assert (out / "movies_connector" / "actions" / "rate_movie.py").exists()


def test_the_command_names_a_missing_connector(project):
    with pytest.raises(CommandError, match="No connector named 'nope' in project 'movies-app'"):
        call_command("connector_scaffold", project.name, "nope")
