"""The SDK without a broker: definitions, typed checks, config, replies, the in-memory transport."""

from __future__ import annotations

import ast
import json
import logging
import sys
from pathlib import Path

import pytest
from modeler_connector import (
    ConfigError,
    Connector,
    DefinitionError,
    HandlerError,
    parse_definition,
)
from modeler_connector.config import load_config
from modeler_connector.errors import CLOUD_BPMN_ERROR_CLASS
from modeler_connector.messages import Destinations, PoisonMessage, ServiceIdentity, parse_request
from modeler_connector.testing import ConnectorTestClient
from modeler_connector.values import check_parameters

from tests.sdk.sample_connector import build, sample_definition

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = json.loads((Path(__file__).with_name("fixtures") / "activiti-integration-request.json").read_text())
IDENTITY = ServiceIdentity(service_name="movies-connector", app_name="movies-app")
ENV = {"SAMPLE_TOKEN": "canary-8f3e1d"}
STDLIB = set(sys.stdlib_module_names)

sys.path.insert(0, str(ROOT / "examples"))
import movies_connector  # noqa: E402


@pytest.fixture
def sample():
    with ConnectorTestClient(build(sample_definition()), env=ENV) as client:
        yield client


# --- the package stays Django-free ----------------------------------------------------------------


def test_the_sdk_imports_only_the_standard_library_and_kombu():
    offenders = []
    for path in sorted((ROOT / "sdk" / "modeler_connector").glob("*.py")):
        tree = ast.parse(path.read_text())
        assert ast.get_docstring(tree), f"{path.name} needs a module docstring"
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in STDLIB and top not in {"kombu", "modeler_connector"}:
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_the_sdk_pyproject_depends_on_kombu_only():
    import tomllib

    project = tomllib.loads((ROOT / "sdk" / "pyproject.toml").read_text())["project"]
    assert project["name"] == "modeler-connector-sdk"
    assert [dep.split(">")[0] for dep in project["dependencies"]] == ["kombu"]
    assert project["scripts"]["connector"] == "modeler_connector.cli:main"


# --- definitions, values, config ------------------------------------------------------------------


def test_the_demo_connector_is_the_demo_projects_movies_connector():
    from modeler.management.commands.seed_demo import DEMO_CONNECTOR

    definition = json.loads((ROOT / "examples" / "movies_connector" / "movies.json").read_text())
    assert definition == DEMO_CONNECTOR
    assert movies_connector.connector.check().destination("getMovieDesc") == "movies.getMovieDesc"


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ([], "#: a connector definition is a JSON object"),
        ({"actions": {}}, "#/name"),
        ({"name": "x", "actions": {"k": {"id": "k"}}}, "#/actions/k/name"),
        (
            {"name": "x", "actions": {"k": {"name": "a", "inputs": [{"name": "p"}]}}},
            "#/actions/k/inputs/0/type",
        ),
        ({"name": "x", "actions": {"k": {"name": "a"}, "j": {"name": "a"}}}, "duplicate action name 'a'"),
    ],
)
def test_unusable_definitions_are_refused_naming_the_path(document, where):
    with pytest.raises(DefinitionError, match=r".*") as caught:
        parse_definition(document)
    assert where in str(caught.value)


def test_an_action_key_that_differs_from_its_id_is_found_by_name():
    fixture = json.loads((ROOT / "tests/fixtures/connectors/action-key-differs-from-id.json").read_text())
    definition = parse_definition(fixture)
    assert sorted(definition.actions) == sorted(a["name"] for a in fixture["actions"].values())


@pytest.mark.parametrize(
    ("ptype", "good", "bad"),
    [
        ("string", "x", 1),
        ("integer", 3, True),
        ("integer", -(2**63), 2**63),
        ("integer", 0, 1.5),
        ("boolean", False, "false"),
        ("date", "2024-02-29", "2023-02-29"),
        ("date", "2024-01-31", "2024-01-31T10:00:00"),
        ("datetime", "2024-01-31T10:00:00Z", "2024-01-31"),
        ("datetime", "2024-01-31T10:00:00.123+02:00", "yesterday"),
        ("json", {"a": [1]}, float("nan")),
        ("file", [{"id": "n1"}], ["n1"]),
        ("folder", {"id": "f1"}, "f1"),
        ("array", [1, "a"], {"a": 1}),
    ],
)
def test_values_are_checked_against_their_type(ptype, good, bad):
    from modeler_connector.definition import Parameter

    parameter = Parameter("p", ptype, required=True)
    assert check_parameters([parameter], {"p": good}, "input") == []
    problems = check_parameters([parameter], {"p": bad}, "input")
    assert len(problems) == 1 and problems[0].startswith("input 'p' must be") and f"({ptype})" in problems[0]


def test_custom_types_accept_any_value_and_optional_parameters_may_be_missing():
    from modeler_connector.definition import Parameter

    parameters = [Parameter("c", "Content-Metadata"), Parameter("o", "integer")]
    assert check_parameters(parameters, {"c": {"any": "thing"}}, "input") == []
    assert check_parameters(parameters, {"o": None}, "input") == []
    assert check_parameters([Parameter("r", "string", required=True)], {"r": None}, "input") == [
        "input 'r' is required"
    ]


def test_config_comes_from_the_environment_with_defaults_and_names_what_is_missing():
    definition = parse_definition(sample_definition())
    config = load_config(definition, {"SAMPLE_TOKEN": "s3cret"})
    assert dict(config) == {"SAMPLE_TOKEN": "s3cret", "SAMPLE_REGION": "eu"}
    assert load_config(definition, {"SAMPLE_TOKEN": "s", "SAMPLE_REGION": "us"})["SAMPLE_REGION"] == "us"
    assert "s3cret" not in repr(config) and "s3cret" not in json.dumps(config.describe())
    with pytest.raises(ConfigError) as caught:
        load_config(definition, {"SAMPLE_TOKEN": ""})
    assert str(caught.value) == "missing required config variable: SAMPLE_TOKEN"
    assert caught.value.missing == ["SAMPLE_TOKEN"]


def test_handlers_must_match_the_actions_of_the_definition():
    connector = build(sample_definition())
    connector.action("gone")(lambda inputs, context: {})
    with pytest.raises(HandlerError, match="not in the definition of .*: gone"):
        connector.check()
    incomplete = Connector(sample_definition())
    incomplete.action("echo")(lambda inputs, context: {})
    with pytest.raises(HandlerError, match="without a handler: fail, slow"):
        incomplete.check()


# --- requests and replies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON"),
        (b"NaN", "not JSON"),
        (b"[" * 50_000, "not JSON"),
        (b"[]", "not a JSON object"),
        (b'{"integrationContext": 1}', "no integrationContext object"),
        (b'{"integrationContext": {"id": ""}}', "integrationContext.id"),
        (
            b'{"integrationContext": {"id": "x", "inBoundVariables": []}, "resultDestination": "r"}',
            "inBoundVariables",
        ),
        (b'{"integrationContext": {"id": "x"}}', "no resultDestination and no serviceFullName"),
        (b"{" + b" " * (2 * 1024 * 1024) + b"}", "over the limit"),
    ],
)
def test_what_is_not_a_request_is_poison(body, reason):
    with pytest.raises(PoisonMessage) as caught:
        parse_request(body)
    assert reason in str(caught.value)


def test_destinations_fall_back_like_the_java_starter():
    body = json.dumps({"integrationContext": {"id": "x"}, "serviceFullName": "rb-app"}).encode()
    request = parse_request(body)
    assert (request.result_destination, request.error_destination) == (
        "integrationResult_rb-app",
        "integrationError_rb-app",
    )
    overridden = parse_request(body, Destinations(result_override="results", error_override="errors"))
    assert (overridden.result_destination, overridden.error_destination) == ("results", "errors")


def test_the_activiti_request_gets_an_activiti_result():
    """The fixture is an IntegrationRequest as the runtime bundle sends it; the answer has the fields
    of Activiti's IntegrationResultImpl (integrationRequest, integrationContext, CloudRuntimeEntity)."""
    request = parse_request(json.dumps(FIXTURE["body"]).encode())
    reply = movies_connector.connector.handle(
        "getMovieDesc",
        request,
        load_config(movies_connector.connector.definition, {"MOVIES_API_KEY": "k"}),
        IDENTITY,
    )
    assert reply.kind == "result" and reply.destination == "integrationResult_rb-movies-app"
    body = json.loads(reply.encode())
    assert set(body) == {
        "integrationRequest",
        "integrationContext",
        "appName",
        "appVersion",
        "serviceName",
        "serviceFullName",
        "serviceType",
        "serviceVersion",
    }
    context = body["integrationContext"]
    sent = FIXTURE["body"]["integrationContext"]
    assert {key: context[key] for key in sent if key not in ("inBoundVariables", "outBoundVariables")} == {
        key: value for key, value in sent.items() if key not in ("inBoundVariables", "outBoundVariables")
    }
    assert context["outBoundVariables"] == {"movieDescription": movies_connector.CATALOGUE["alien"]}
    assert context["inBoundVariables"] == {}
    assert body["integrationRequest"]["integrationContext"]["id"] == sent["id"]
    assert body["serviceFullName"] == "movies-connector" and body["serviceType"] == "connector"
    assert (
        reply.headers["targetAppName"] == "movies-app" and reply.headers["targetService"] == "rb-movies-app"
    )


def _sample_reply(action, **inputs):
    connector = build(sample_definition())
    definition = connector.check()
    body = json.dumps(
        {
            "integrationContext": {"id": "ctx-1", "inBoundVariables": inputs},
            "resultDestination": "r",
            "errorDestination": "e",
        }
    )
    return connector.handle(action, parse_request(body.encode()), load_config(definition, ENV), IDENTITY)


def test_a_declared_bpmn_error_is_an_activiti_cloud_bpmn_error():
    reply = _sample_reply("fail", kind="declared")
    assert (reply.kind, reply.destination) == ("error", "e")
    assert {
        key: reply.body[key] for key in ("errorCode", "errorMessage", "errorClassName", "stackTraceElements")
    } == {
        "errorCode": "NOT_FOUND",
        "errorMessage": "No such thing",
        "errorClassName": CLOUD_BPMN_ERROR_CLASS,
        "stackTraceElements": [],
    }


def test_an_undeclared_code_and_any_exception_are_plain_errors_without_a_stack_trace():
    undeclared = _sample_reply("fail", kind="undeclared")
    assert undeclared.body["errorCode"] is None
    assert undeclared.body["errorClassName"] == "modeler_connector.errors.BpmnError"
    assert "error code 'MADE_UP' is not declared" in undeclared.body["errorMessage"]
    crashed = _sample_reply("fail", kind="crash")
    assert (crashed.body["errorClassName"], crashed.body["errorMessage"], crashed.body["errorCode"]) == (
        "ZeroDivisionError",
        "division by zero",
        None,
    )
    assert "Traceback" not in crashed.encode().decode() and crashed.body["stackTraceElements"] == []


def test_inputs_and_outputs_of_the_wrong_shape_are_errors_naming_the_parameter():
    wrong = _sample_reply("echo", text=42)
    assert wrong.body["errorMessage"] == "input 'text' must be a string (string), got integer"
    assert wrong.body["errorClassName"] == "modeler_connector.errors.ParameterError"
    missing = _sample_reply("echo", when="2024-01-01")
    assert missing.body["errorMessage"] == "input 'text' is required"
    bad_output = _sample_reply("fail", kind="bad-output")
    assert bad_output.body["errorMessage"] == "output 'nope' is not declared by action 'fail'"
    good = _sample_reply("echo", text="héllo", extra="passed through")
    assert good.body["integrationContext"]["outBoundVariables"] == {"text": "héllo", "length": 5}


# --- the in-memory transport --------------------------------------------------------------------------


def test_every_outcome_through_the_in_memory_transport(sample):
    result = sample.call("echo", {"text": "hi"})
    assert (result.kind, result.outputs) == ("result", {"text": "hi", "length": 2})
    assert result.headers["integrationContextId"] == result.body["integrationContext"]["id"]
    bpmn = sample.call("fail", {"kind": "declared"})
    assert (bpmn.kind, bpmn.error_code, bpmn.error_class_name) == (
        "error",
        "NOT_FOUND",
        CLOUD_BPMN_ERROR_CLASS,
    )
    wrong = sample.call("echo", {"text": ["not", "a", "string"]})
    assert (wrong.kind, wrong.error_message) == ("error", "input 'text' must be a string (string), got array")
    assert sample.worker.stats == {"result": 1, "bpmnError": 1, "error": 1}


def test_a_request_answered_in_this_run_is_not_answered_twice(sample, caplog):
    caplog.set_level(logging.WARNING, "modeler_connector.worker")
    request_id = sample.send("echo", {"text": "once"})
    sample.wait_for(request_id)
    sample.send("echo", {"text": "twice"}, request_id=request_id)
    sample.drain(0.5)
    assert [outcome.outputs["text"] for outcome in sample.received[request_id]] == ["once"]
    assert sample.worker.stats["duplicates"] == 1
    assert any(
        record.getMessage().startswith("already answered in this run")
        and record.fields["integrationContextId"] == request_id
        for record in caplog.records
    )


def test_poison_messages_are_dropped_with_a_log_line_and_the_connector_goes_on(sample, caplog):
    caplog.set_level(logging.ERROR, "modeler_connector.worker")
    destination = sample.definition.destination("echo")
    sample.publish_raw(destination, b"\xff not json")
    sample.publish_raw(destination, json.dumps({"integrationContext": []}).encode())
    assert sample.call("echo", {"text": "still here"}).outputs["text"] == "still here"
    reasons = [
        record.fields["reason"] for record in caplog.records if record.getMessage().startswith("poison")
    ]
    assert reasons == [
        "not JSON: UnicodeDecodeError",
        "not an IntegrationRequest: no integrationContext object",
    ]
    assert sample.worker.stats["poison"] == 2
