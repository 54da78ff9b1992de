"""orjson behind the JSON columns and the API's renderer: the same values (and, for the API, the
same bytes) as the json module and DRF's renderer, and the json module's answer for what orjson
refuses."""

from __future__ import annotations

import datetime
import decimal
import json
import uuid

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers

from modeler import fast_json
from modeler.api.renderers import JSONRenderer

VALUES = [
    {},
    [],
    {"a": [1, -2, 3.5, True, False, None, "é ✓ 𝄞", 'quote" back\\slash\n\t\x01\x7f']},
    {"nested": {"deep": [{"k": "v"}] * 3}, "empty": "", "zero": 0, "neg": -0.0},
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    {"when": datetime.datetime(2026, 11, 28, 12, 30, 1, 123456, tzinfo=datetime.UTC)},
    {"day": datetime.date(2026, 11, 28), "time": datetime.time(12, 30, 1, 500000)},
    {"money": decimal.Decimal("12.50"), "lazy": gettext_lazy("Invalid token.")},
    {"tuple": (1, 2), "big but 64-bit": 2**63 - 1, "small": -(2**63)},
    {"line separators": "a\u2028b\u2029c"},
    ["a", 1e-7, 1.5e300, 123456789.125],
]


@pytest.mark.parametrize("value", VALUES)
def test_the_renderer_writes_drfs_bytes(value):
    drf = renderers.JSONRenderer().render(value)
    ours = JSONRenderer().render(value)
    assert json.loads(ours) == json.loads(drf)
    if not any(isinstance(v, float) for v in _leaves(value)):
        # floats may be spelled differently (1e-07 / 1e-7), never valued differently
        assert ours == drf


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _leaves(item)
    else:
        yield value


@pytest.mark.parametrize(
    "value",
    [{"huge": 2**64 + 1}, {1: "int key"}, {"lone surrogate": "\ud800"}, [10**30]],
    ids=["int beyond 64 bits", "non-string key", "lone surrogate", "huge in a list"],
)
def test_what_orjson_refuses_goes_through_drf(value):
    try:
        expected = renderers.JSONRenderer().render(value)
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            JSONRenderer().render(value)
        return
    assert JSONRenderer().render(value) == expected


def test_unknown_types_fail_as_they_did():
    with pytest.raises(TypeError):
        renderers.JSONRenderer().render({"x": object()})
    with pytest.raises(TypeError):
        JSONRenderer().render({"x": object()})


def test_an_indented_answer_is_drfs():
    value = {"a": [1, {"b": "c"}]}
    assert JSONRenderer().render(value, "application/json; indent=2") == renderers.JSONRenderer().render(
        value, "application/json; indent=2"
    )
    assert b"\n  " in JSONRenderer().render(value, "application/json; indent=2")


def test_none_renders_nothing():
    assert JSONRenderer().render(None) == b""


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',
        "[1.5, -0, 1e400]",
        '{"n": 123456789012345678901234567890}',
        '"\\ud83d\\ude00"',
        "  null ",
    ],
)
def test_the_column_decoder_gives_the_json_modules_values(text):
    assert json.loads(text, cls=fast_json.Decoder) == json.loads(text)
    assert fast_json.loads(text) == json.loads(text)


def test_the_column_encoder_gives_the_json_modules_values():
    for value in [{"a": [1, "é", None]}, {"huge": 2**70}, {1: "x"}]:
        assert json.loads(json.dumps(value, cls=fast_json.Encoder)) == json.loads(json.dumps(value))


def test_the_column_encoder_keeps_a_layout_asked_for():
    value = {"b": [1, {"a": "é"}]}
    for options in ({"indent": 2}, {"sort_keys": True}, {"indent": 2, "ensure_ascii": False}):
        assert json.dumps(value, cls=fast_json.Encoder, **options) == json.dumps(value, **options)


@pytest.mark.django_db
def test_a_json_column_round_trips_what_orjson_refuses(owner):
    from projects import services
    from projects.models import Model

    project = services.project_create(actor=owner, name="json-columns")
    model, _ = services.model_create(actor=owner, project=project, type_name="PROCESS", name="p")
    process_id = next(iter(model.extensions))
    variables = {"v1": {"id": "v1", "name": "big", "type": "integer", "value": 2**70}}
    model.extensions[process_id]["properties"] = variables
    services.model_save_content(
        actor=owner, model=model, content=bytes(model.content), extensions=model.extensions
    )
    stored = Model.objects.get(pk=model.pk).extensions
    assert stored[process_id]["properties"]["v1"]["value"] == 2**70
