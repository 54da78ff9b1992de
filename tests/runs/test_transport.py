"""IntegrationRequests over the broker (runs.transport): answers told apart by destination, the
idle call while waiting, and a run's broker objects gone when it ends (RabbitMQ)."""

from __future__ import annotations

import uuid

import pytest
from amqp.exceptions import NotFound
from kombu import Connection

from runs.engine import RunFailed
from runs.transport import BrokerTransport
from tests.sdk.conftest import broker_url  # noqa: F401 - the broker fixture (skip/require)


@pytest.mark.usefixtures("memory_connectors")
def test_a_result_and_a_bpmn_error_come_back_over_memory():
    with BrokerTransport("memory://", f"t{uuid.uuid4().hex[:8]}") as transport:
        found = transport.call("films.find", {"title": "Alien"}, "req-1", timeout=5)
        missing = transport.call("films.find", {"title": "Nope"}, "req-2", timeout=5)
    assert (found.kind, found.outputs) == ("result", {"rating": 9})
    assert (missing.kind, missing.error_code, missing.is_bpmn_error) == ("error", "NOT_FOUND", True)
    assert missing.error_message == "No film called Nope"


def test_the_idle_call_comes_while_no_answer_does():
    calls = []
    transport = BrokerTransport(
        "memory://", f"t{uuid.uuid4().hex[:8]}", on_idle=lambda: calls.append(1), idle_after=0.05
    )
    with transport, pytest.raises(RunFailed) as failed:
        transport.call(f"nobody{uuid.uuid4().hex[:6]}.listens", {}, "req-1", timeout=0.3)
    assert "no connector answered on the destination 'nobody" in str(failed.value)
    assert 2 <= len(calls) <= 6  # every 0.05 s of the 0.3 s waited (fewer on a busy machine)


def test_the_run_queue_and_destinations_are_deleted_at_the_end_over_rabbitmq(broker_url):  # noqa: F811
    run_id = f"t{uuid.uuid4().hex[:8]}"
    with BrokerTransport(broker_url, run_id) as transport:
        names = (transport.result_destination, transport.error_destination)
        with Connection(broker_url) as connection:
            channel = connection.channel()
            for name in names:  # passive: fails unless it exists
                channel.exchange_declare(name, "topic", durable=True, passive=True)
            channel.queue_declare(transport.queue, passive=True)
    with Connection(broker_url) as connection:
        for name in names:
            with pytest.raises(NotFound):
                connection.channel().exchange_declare(name, "topic", durable=True, passive=True)
        with pytest.raises(NotFound):
            connection.channel().queue_declare(transport.queue, passive=True)
