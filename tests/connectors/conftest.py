"""Fixtures of the connector tests: a saved `movies` connector in the project."""

from __future__ import annotations

from pathlib import Path

import pytest

from projects import services

FIXTURE = Path(__file__).parent.parent / "fixtures" / "movies-apa.json"
API = "/modeling-service/v1"


@pytest.fixture
def movies(owner, project):
    model, _ = services.model_create(
        actor=owner, project=project, type_name="CONNECTOR", name="movies", content=FIXTURE.read_bytes()
    )
    return model


@pytest.fixture
def movies_file(workspace_dir, owner, project):
    return Path(workspace_dir) / str(owner.pk) / project.name / "connectors" / "movies.json"
