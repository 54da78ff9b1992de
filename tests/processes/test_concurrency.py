"""Two process saves (BPMN + extensions) with the same ETag at once (PostgreSQL): exactly one wins."""

from __future__ import annotations

import json
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from rest_framework.test import APIClient

from projects.models import Model, ModelVersion
from tests.processes.conftest import API, process_xml


def _save(user, model, etag: str, task: str, barrier: threading.Barrier, results: dict) -> None:
    client = APIClient()
    client.force_login(user)
    process_id = next(iter(model.extensions))
    content = process_xml({task: "movies.getMovieDesc"}, process_id)
    extensions = model.extensions | {
        process_id: model.extensions[process_id] | {"constants": {task: {"who": {"value": user.username}}}}
    }
    barrier.wait()
    response = client.put(
        f"{API}/models/{model.pk}/content",
        {
            "file": SimpleUploadedFile("p.bpmn20.xml", content, "application/xml"),
            "extensions": SimpleUploadedFile("e.json", json.dumps(extensions).encode(), "application/json"),
        },
        format="multipart",
        HTTP_IF_MATCH=etag,
    )
    results[task] = (response.status_code, content, user.username)
    connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_etag_process_saves_race_one_wins(owner, collaborator, rank_movie, process_dir):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    for attempt in range(5):
        model = Model.objects.get(pk=rank_movie.pk)
        etag = f'"0.0.{model.version}"'
        barrier = threading.Barrier(2)
        results: dict[str, tuple[int, bytes, str]] = {}
        threads = [
            threading.Thread(
                target=_save, args=(user, model, etag, f"Task_{user.username}_{attempt}", barrier, results)
            )
            for user in (owner, collaborator)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(status for status, _, _ in results.values()) == [200, 412], results
        task, (_, winner, who) = next((t, r) for t, r in results.items() if r[0] == 200)
        model.refresh_from_db()
        process_id = next(iter(model.extensions))
        assert bytes(model.content) == winner
        assert model.extensions[process_id]["constants"] == {task: {"who": {"value": who}}}
        assert set(model.extensions[process_id]["mappings"]) == {task}
        assert model.version == ModelVersion.objects.filter(model=model).count()
        assert (process_dir / "rank-movie.bpmn20.xml").read_bytes() == winner
        on_disk = json.loads((process_dir / "rank-movie-extensions.json").read_bytes())
        assert on_disk["extensions"][process_id]["constants"] == {task: {"who": {"value": who}}}
