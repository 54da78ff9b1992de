"""Two saves with the same ETag at once (PostgreSQL): exactly one wins, the other gets 412."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from projects.models import Model, ModelVersion
from tests.connectors.conftest import API, FIXTURE


def _save(user, model_id, etag: str, description: str, barrier: threading.Barrier, results: dict) -> None:
    client = APIClient()
    client.force_login(user)
    document = json.loads(FIXTURE.read_bytes())
    document["description"] = description
    body = json.dumps(document)
    barrier.wait()
    response = client.generic(
        "PUT", f"{API}/models/{model_id}/content", body, content_type="application/json", HTTP_IF_MATCH=etag
    )
    results[description] = (response.status_code, body.encode())
    connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_etag_saves_race_one_wins(owner, collaborator, movies):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    for attempt in range(5):
        model = Model.objects.get(pk=movies.pk)
        etag = f'"0.0.{model.version}"'
        barrier = threading.Barrier(2)
        results: dict[str, tuple[int, bytes]] = {}
        threads = [
            threading.Thread(
                target=_save, args=(user, movies.pk, etag, f"{user.username} {attempt}", barrier, results)
            )
            for user in (owner, collaborator)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(status for status, _ in results.values()) == [200, 412], results
        winner = next(body for status, body in results.values() if status == 200)
        model.refresh_from_db()
        assert bytes(model.content) == winner
        assert model.version == ModelVersion.objects.filter(model=model).count()
