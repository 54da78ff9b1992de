"""The SDK against the real RabbitMQ on loopback (RELIABILITY "Broker and connectors").

Every test uses its own connector name (so its own exchanges and queues) and consumer group,
deletes them afterwards, bounds every wait, and stops every process it starts. Without a broker
these tests skip, unless MODELER_REQUIRE_BROKER=1 (CI), where they fail.
"""

from __future__ import annotations

import json
import logging
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from kombu import Connection
from modeler_connector import Connector
from modeler_connector.errors import CLOUD_BPMN_ERROR_CLASS
from modeler_connector.testing import ConnectorTestClient
from modeler_connector.worker import DLX, layout

from tests.sdk.conftest import ConnectorProcess
from tests.sdk.sample_connector import build

FIXTURE = json.loads((Path(__file__).with_name("fixtures") / "activiti-integration-request.json").read_text())
ENV = {"SAMPLE_TOKEN": "canary-5c1d7e9b"}


def group() -> str:
    return f"g{uuid.uuid4().hex[:10]}"


def http_status(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} not within {timeout} s")


@pytest.fixture
def client_for(broker_url, definition_file):
    """A test client on RabbitMQ for the test's definition; its broker objects are deleted afterwards."""
    definition, _ = definition_file
    clients = []

    def make(consumer_group: str, *, worker: bool = True) -> ConnectorTestClient:
        connector = build(definition) if worker else Connector(definition)
        client = ConnectorTestClient(
            connector, env=ENV, broker_url=broker_url, group=consumer_group, timeout=20, start_worker=worker
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.cleanup()


def queue_depth(broker_url: str, name: str) -> int:
    with Connection(broker_url) as connection:
        return connection.channel().queue_declare(name, passive=True).message_count


def test_round_trip_errors_and_wrong_types_over_rabbitmq(client_for, broker_url):
    consumer_group = group()
    with client_for(consumer_group) as client:
        result = client.call("echo", {"text": "héllo", "when": "2024-02-29"})
        assert (result.kind, result.outputs) == ("result", {"text": "héllo", "length": 5})
        declared = client.call("fail", {"kind": "declared"})
        assert (declared.kind, declared.error_code, declared.error_class_name, declared.error_message) == (
            "error",
            "NOT_FOUND",
            CLOUD_BPMN_ERROR_CLASS,
            "No such thing",
        )
        undeclared = client.call("fail", {"kind": "undeclared"})
        assert undeclared.error_code is None and "'MADE_UP' is not declared" in undeclared.error_message
        crashed = client.call("fail", {"kind": "crash"})
        assert (crashed.error_class_name, crashed.error_message) == ("ZeroDivisionError", "division by zero")
        wrong = client.call("echo", {"text": "x", "when": "31/01/2024"})
        assert wrong.error_message == "input 'when' must be a date string YYYY-MM-DD (date), got string"
        assert all(o.body["stackTraceElements"] == [] for o in (declared, undeclared, crashed, wrong))
        # the layout of Spring Cloud Stream's Rabbit binder: queue <destination>.<group>, DLQ beside it
        exchange, queue, dlq = layout(client.definition.destination("echo"), consumer_group)
        assert (exchange, queue, dlq) == (
            f"{client.definition.name}.echo",
            f"{exchange}.{consumer_group}",
            f"{queue}.dlq",
        )
        assert queue_depth(broker_url, queue) == 0 and queue_depth(broker_url, dlq) == 0
        with Connection(broker_url) as connection, pytest.raises(Exception, match="PRECONDITION_FAILED"):
            # declared durable with the DLX arguments: another declaration is refused
            connection.channel().queue_declare(queue, durable=False)


def test_the_activiti_runtime_bundles_request_gets_an_activiti_result(client_for):
    with client_for(group()) as client:
        body = json.loads(json.dumps(FIXTURE["body"]))
        body["resultDestination"], body["errorDestination"] = (
            client.result_destination,
            client.error_destination,
        )
        body["integrationContext"]["inBoundVariables"] = {"text": "from the runtime bundle", "rating": 5}
        headers = {key: value for key, value in FIXTURE["headers"].items() if value is not None}
        client.publish_raw(client.definition.destination("echo"), json.dumps(body).encode(), headers)
        (outcome,) = client.wait_for(body["integrationContext"]["id"])
    assert outcome.kind == "result"
    assert set(outcome.body) == {
        "integrationRequest",
        "integrationContext",
        "appName",
        "appVersion",
        "serviceName",
        "serviceFullName",
        "serviceType",
        "serviceVersion",
    }
    context = outcome.body["integrationContext"]
    assert context["outBoundVariables"] == {"text": "from the runtime bundle", "length": 23}
    assert (context["id"], context["clientId"], context["processInstanceId"]) == (
        "5f0c7a52-8d3e-11ee-b9d1-0242ac120002",
        "Task_1spvopd",
        "3a2b1c0d-8d3e-11ee-b9d1-0242ac120002",
    )
    assert (outcome.headers["targetAppName"], outcome.headers["targetService"]) == (
        "movies-app",
        "rb-movies-app",
    )
    assert outcome.headers["integrationContextId"] == context["id"]


def test_poison_messages_are_dead_lettered_with_a_log_line_never_redelivered(client_for, broker_url, caplog):
    caplog.set_level(logging.ERROR, "modeler_connector.worker")
    consumer_group = group()
    with client_for(consumer_group) as client:
        destination = client.definition.destination("echo")
        client.publish_raw(destination, b"{not json")
        client.publish_raw(destination, json.dumps({"integrationContext": {"id": 7}}).encode())
        client.publish_raw(destination, b'{"pad": "' + b"x" * (2 * 1024 * 1024) + b'"}')
        assert client.call("echo", {"text": "after the poison"}).outputs["text"] == "after the poison"
        client.drain(1.0)
        assert client.worker.stats["poison"] == 3  # each once: rejected, not requeued
        _, queue, dlq = layout(destination, consumer_group)
        assert wait_until(lambda: queue_depth(broker_url, dlq) == 3, 10, "three dead letters")
        assert queue_depth(broker_url, queue) == 0
    reasons = [r.fields["reason"] for r in caplog.records if r.getMessage().startswith("poison message")]
    assert reasons == [
        "not JSON: JSONDecodeError",
        "not an IntegrationRequest: integrationContext.id is not a non-empty string",
        f"body of {2 * 1024 * 1024 + 11} bytes is over the limit of 1048576 bytes",
    ]
    with Connection(broker_url) as connection:  # dead-lettered through the binder's DLX
        message = connection.channel().basic_get(dlq, no_ack=True)
        assert message.headers["x-first-death-exchange"] == destination
        assert message.headers["x-death"][0]["reason"] == "rejected"
        assert message.delivery_info["exchange"] == DLX


def test_a_missing_required_config_variable_stops_the_process_naming_it(definition_file, connector_processes):
    _, path = definition_file
    process = connector_processes(path, group(), {"SAMPLE_TOKEN": ""})
    assert process.process.wait(30) == 2
    process._reader.join(5)
    output = "".join(process.raw)
    assert "missing required config variable: SAMPLE_TOKEN" in output
    record = next(r for r in process.records if r.get("missing"))
    assert record["missing"] == ["SAMPLE_TOKEN"] and record["level"] == "error"


def test_health_secrets_and_a_graceful_stop(definition_file, connector_processes, broker_url, tmp_path):
    """Ready only while consuming; the secure value in no log line; SIGTERM finishes the request in
    flight, requeues what was prefetched, and a second process answers those: each id once."""
    definition, path = definition_file
    consumer_group = group()
    markers = tmp_path / "markers"
    markers.mkdir()
    first = connector_processes(path, consumer_group, ENV | {"SAMPLE_MARKER_DIR": str(markers)})
    port = first.health_port
    first.wait_for("consuming")
    assert (
        http_status(port, "/health/live"),
        http_status(port, "/health/ready"),
        http_status(port, "/x"),
    ) == (
        200,
        200,
        404,
    )
    client = ConnectorTestClient(
        Connector(definition), broker_url=broker_url, group=consumer_group, start_worker=False
    )
    try:
        with client:
            slow = client.send("slow", {"seconds": 2})
            wait_until(lambda: list(markers.glob(f"*-{slow}.started")), 20, "the slow handler to start")
            queued = [client.send("echo", {"text": f"queued {n}"}) for n in range(3)]
            time.sleep(0.3)  # prefetched by the first process
            first.process.send_signal(signal.SIGTERM)
            assert first.process.wait(20) == 0
            (answer,) = client.wait_for(slow)
            assert answer.outputs == {"pid": first.process.pid}
            stopped = first.wait_for("stopped")
            second = connector_processes(path, consumer_group, ENV)
            for request_id in queued:
                assert len(client.wait_for(request_id, timeout=20)) == 1
            client.drain(1.0)
            assert {rid: len(client.received[rid]) for rid in [slow, *queued]} == dict.fromkeys(
                [slow, *queued], 1
            )
            assert (
                stopped["requeued"] + len([r for r in first.records if r.get("message") == "answered"]) == 4
            )
            second.stop()
    finally:
        client.cleanup()
    logs = "".join(first.raw)
    assert ENV["SAMPLE_TOKEN"] not in logs
    starting = first.wait_for("starting")
    assert {"name": "SAMPLE_TOKEN", "secure": True, "set": True} in starting["config"]


def test_killed_mid_request_the_request_is_answered_by_the_next_process(
    definition_file, connector_processes, broker_url, tmp_path
):
    definition, path = definition_file
    consumer_group = group()
    markers = tmp_path / "markers"
    markers.mkdir()
    first = connector_processes(path, consumer_group, ENV | {"SAMPLE_MARKER_DIR": str(markers)})
    first.wait_for("consuming")
    client = ConnectorTestClient(
        Connector(definition), broker_url=broker_url, group=consumer_group, start_worker=False
    )
    try:
        with client:
            request_id = client.send("slow", {"seconds": 60})
            wait_until(
                lambda: list(markers.glob(f"{first.process.pid}-{request_id}.started")), 20, "the handler"
            )
            first.process.send_signal(signal.SIGKILL)
            first.process.wait(10)
            second = connector_processes(path, consumer_group, ENV | {"SAMPLE_FAST": "1"})
            (answer,) = client.wait_for(request_id, timeout=30)
            assert answer.outputs == {"pid": second.process.pid}
            client.drain(1.0)
            assert len(client.received[request_id]) == 1
            second.stop()
    finally:
        client.cleanup()


def test_killed_after_answering_each_process_that_completed_answers_once(
    definition_file, connector_processes, broker_url, tmp_path
):
    """At least once: killed between publishing the answer and acknowledging the request, the
    request is redelivered and answered again by the next process, once per completing process."""
    definition, path = definition_file
    consumer_group = group()
    markers = tmp_path / "markers"
    markers.mkdir()
    env = ENV | {"SAMPLE_MARKER_DIR": str(markers), "SAMPLE_FAST": "1"}
    first = connector_processes(path, consumer_group, env | {"SAMPLE_PAUSE_AFTER_ANSWER": "60"})
    first.wait_for("consuming")
    client = ConnectorTestClient(
        Connector(definition), broker_url=broker_url, group=consumer_group, start_worker=False
    )
    try:
        with client:
            request_id = client.send("slow", {})
            wait_until(
                lambda: list(markers.glob(f"{first.process.pid}-{request_id}.answered")), 20, "the answer"
            )
            first.process.send_signal(signal.SIGKILL)
            first.process.wait(10)
            second = connector_processes(path, consumer_group, env)
            answers = client.wait_for(request_id, timeout=30, count=2)
            client.drain(1.0)
            assert sorted(a.outputs["pid"] for a in client.received[request_id]) == sorted(
                [first.process.pid, second.process.pid]
            )
            assert len(answers) == 2
            second.stop()
    finally:
        client.cleanup()


def _close_connection_of(name: str) -> None:
    listed = subprocess.run(
        ["rabbitmqctl", "-q", "list_connections", "pid", "client_properties"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    pids = [line.split("\t")[0] for line in listed.stdout.splitlines() if f'"{name}@' in line]
    assert len(pids) == 1, listed.stdout
    subprocess.run(
        ["rabbitmqctl", "-q", "close_connection", pids[0], "test: cut while idle"], timeout=60, check=True
    )


@pytest.mark.skipif(shutil.which("rabbitmqctl") is None, reason="rabbitmqctl is not installed")
def test_connection_cut_while_idle_reconnects_and_serves_the_next_request(
    definition_file, connector_processes, broker_url
):
    definition, path = definition_file
    consumer_group = group()
    process = connector_processes(path, consumer_group, ENV)
    process.wait_for("consuming")
    client = ConnectorTestClient(
        Connector(definition), broker_url=broker_url, group=consumer_group, start_worker=False
    )
    try:
        with client:
            assert client.call("echo", {"text": "before"}).outputs["text"] == "before"
            seen = len(process.records)
            _close_connection_of(process.connection_name)
            lost = process.wait_for("broker connection lost, reconnecting", start=seen)
            assert lost["error"] == "ConnectionForced"
            process.wait_for("consuming", start=seen)
            assert client.call("echo", {"text": "after"}).outputs["text"] == "after"
            assert http_status(process.health_port, "/health/ready") == 200
            process.stop()
    finally:
        client.cleanup()


def test_without_a_broker_it_is_live_not_ready_and_backs_off(definition_file):
    _, path = definition_file
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    process = ConnectorProcess(path, f"amqp://guest:guest@127.0.0.1:{closed}//", group(), ENV)
    try:
        port = process.health_port
        first = process.wait_for("broker connection lost, reconnecting")
        assert (http_status(port, "/health/live"), http_status(port, "/health/ready")) == (200, 503)
        later = process.wait_for(
            "broker connection lost, reconnecting", start=process.records.index(first) + 1
        )
        assert later["retryInSeconds"] > first["retryInSeconds"]
        assert "guest:***@" in first["broker"] and ":guest@" not in "".join(process.raw)
        assert process.stop() == 0
    finally:
        if process.process.poll() is None:
            process.process.kill()
            process.process.wait(10)


def test_a_handler_longer_than_two_heartbeats_keeps_its_connection(
    definition_file, connector_processes, broker_url
):
    """With a 1 s heartbeat the broker drops a silent client after about 2 s; a 5 s handler must
    not be silent (the main thread reads the socket and sends heartbeats meanwhile)."""
    definition, path = definition_file
    consumer_group = group()
    process = connector_processes(path, consumer_group, ENV, ("--heartbeat", "1"))
    process.wait_for("consuming")
    client = ConnectorTestClient(
        Connector(definition), broker_url=broker_url, group=consumer_group, start_worker=False
    )
    try:
        with client:
            request_id = client.send("slow", {"seconds": 5})
            (answer,) = client.wait_for(request_id, timeout=30)
            assert answer.outputs == {"pid": process.process.pid}
            client.drain(1.0)
            assert len(client.received[request_id]) == 1
            assert [
                r for r in process.records if r.get("message") == "broker connection lost, reconnecting"
            ] == []
            process.stop()
    finally:
        client.cleanup()
