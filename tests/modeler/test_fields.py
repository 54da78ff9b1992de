"""JSONTextField: a model's extensions are stored as the JSON text sent (PostgreSQL `json`) and read
back as the same values, parsed by the field's decoder; on SQLite it is Django's JSONField."""

from __future__ import annotations

import pytest
from django.db import connection, models

from modeler import fast_json
from modeler.fields import JSONTextField
from projects.models import Model, ModelVersion

VALUE = {
    "Process_1": {
        "properties": {
            "b": {"id": "b", "name": "movieName", "type": "string", "value": "Le \u00e9t\u00e9 ☀"}
        },
        "mappings": {"Task_1": {"inputs": {"movieName": {"type": "variable", "value": "movieName"}}}},
        "constants": {},
    },
    "zz": [1, 2.5, None, True, 'a\\b"c'],
    "a": 10**18,
}


def _column_type(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
            [table, "extensions"],
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_extensions_are_stored_and_read_back_as_the_same_values(owner, project):
    model = Model.objects.create(project=project, type="PROCESS", name="stored", extensions=VALUE)
    ModelVersion.objects.create(model=model, version=1, content=b"", extensions=VALUE)
    assert Model.objects.get(pk=model.pk).extensions == VALUE
    assert ModelVersion.objects.get(model=model).extensions == VALUE
    assert Model.objects.filter(pk=model.pk).values_list("extensions", flat=True).get() == VALUE
    Model.objects.filter(pk=model.pk).update(extensions=None)
    assert Model.objects.get(pk=model.pk).extensions is None


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_the_column_is_json_holding_the_text_sent(owner, project):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    assert _column_type("projects_model") == "json"
    assert _column_type("projects_modelversion") == "json"
    model = Model.objects.create(project=project, type="PROCESS", name="text", extensions=VALUE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT extensions::text FROM projects_model WHERE id = %s", [model.pk])
        stored = cursor.fetchone()[0]
    assert stored == fast_json.Encoder().encode(VALUE)  # as sent: not jsonb's reordered keys
    assert list(Model.objects.get(pk=model.pk).extensions) == ["Process_1", "zz", "a"]


def test_the_column_type_is_json_on_postgresql_and_django_s_elsewhere():
    field = Model._meta.get_field("extensions")
    assert isinstance(field, JSONTextField)
    expected = "json" if connection.vendor == "postgresql" else models.JSONField().db_type(connection)
    assert field.db_type(connection) == expected
