"""Two changes of one descriptor with the same ETag at once (PostgreSQL): exactly one wins, the
other gets 412 and changes nothing."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from deployments.models import Descriptor
from tests.deployments.helpers import API, grant_deploy_everything, make_release, movies_definition


def _change(user, descriptor_id, etag: str, image: str, barrier: threading.Barrier, results: dict) -> None:
    client = APIClient()
    client.force_login(user)
    barrier.wait()
    response = client.put(
        f"{API}/descriptors/{descriptor_id}",
        {"connectors": {"movies": {"image": image}}},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    results[image] = response.status_code
    connections.close_all()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_etag_changes_race_one_wins(owner, project, devops):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    grant_deploy_everything()
    release = make_release(owner, project, [movies_definition()])
    client = APIClient()
    client.force_login(devops)
    created = client.post(
        f"{API}/descriptors", {"name": "race-app", "releaseId": str(release.pk)}, format="json"
    )
    descriptor_id = created.json()["entry"]["id"]
    for attempt in range(5):
        version = Descriptor.objects.get(pk=descriptor_id).version
        barrier = threading.Barrier(2)
        results: dict[str, int] = {}
        images = [f"movies:{attempt}.{n}" for n in (1, 2)]
        threads = [
            threading.Thread(
                target=_change, args=(devops, descriptor_id, f'"{version}"', image, barrier, results)
            )
            for image in images
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(results.values()) == [200, 412], results
        winner = next(image for image, status in results.items() if status == 200)
        row = Descriptor.objects.get(pk=descriptor_id)
        assert row.version == version + 1
        assert row.connectors["movies"]["image"] == winner
