"""IntegrationRequests over the broker (SPEC §10): publish to `<connector>.<action>`, wait for the answer.

Django-free: kombu and the connector SDK only. The request body and headers are the SDK's own
(`modeler_connector.messages.new_request`, the shape a runtime bundle sends); the destinations
and the publish are laid out as the SDK's worker expects (a topic exchange per destination,
JSON, persistent). Each run has its own result and error destinations
(`integrationResult_modeler-run-<id>`, `integrationError_…`) bound to one auto-deleted queue of
the run, so two runs never see each other's answers, and an answer that comes after its step's
limit is ignored. The run's broker objects are deleted when it ends.

Requests are published without publisher confirms: the run waits for the request's answer
anyway, which says more than a confirm (the broker took it *and* a connector handled it), and a
request the broker loses is a step that gets no answer within its limit, failed naming the
destination. A confirm of a persistent message routed to a connector's durable queue waits for
the broker's disk write: it cost more than the rest of a test run's work per service task.

While it waits for an answer, the transport calls `on_idle` every `idle_after` seconds (the run's
recorder writes the progress it holds back then: the request being waited on is shown).

`memory://` is kombu's in-process transport (the embedded default, tests); `amqp://` RabbitMQ.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

from kombu import Connection, Consumer, Exchange, Producer, Queue
from modeler_connector.messages import CONTENT_TYPE, new_request
from modeler_connector.worker import MEMORY_POLLING_INTERVAL

from runs.engine import Answer, RunFailed

CONNECT_TIMEOUT = 5.0
IDLE_AFTER = 0.1  # seconds of waiting for an answer before `on_idle` is called (and between calls)


def _is_amqp(url: str) -> bool:
    return url.startswith(("amqp://", "amqps://", "pyamqp://"))


class BrokerTransport:
    """One run's connection to the broker; use as a context manager."""

    def __init__(
        self,
        broker_url: str,
        run_id: str,
        *,
        on_idle: Callable[[], None] | None = None,
        idle_after: float = IDLE_AFTER,
    ) -> None:
        self.broker_url = broker_url
        self.on_idle = on_idle
        self.idle_after = idle_after
        self.result_destination = f"integrationResult_modeler-run-{run_id}"
        self.error_destination = f"integrationError_modeler-run-{run_id}"
        self.queue = f"{self.result_destination}.run"
        self._answers: dict[str, Answer] = {}
        self._declared: set[str] = set()

    def __enter__(self) -> BrokerTransport:
        options: dict[str, Any] = (
            {} if _is_amqp(self.broker_url) else {"polling_interval": MEMORY_POLLING_INTERVAL}
        )
        self.connection = Connection(
            self.broker_url, connect_timeout=CONNECT_TIMEOUT, transport_options=options
        )
        try:
            self.connection.ensure_connection(max_retries=1, timeout=CONNECT_TIMEOUT)
        except Exception as error:  # kombu's OperationalError, socket errors
            self.connection.release()
            raise RunFailed(f"the broker cannot be reached: {type(error).__name__}: {error}") from None
        try:
            self.channel = self.connection.channel()
            self.producer = Producer(self.channel, auto_declare=False)
            # One queue bound to both destinations. Declared without waiting for each reply: the
            # broker handles a channel's methods in order, so the consume below (which waits)
            # raises any error of them, and a run pays one round trip here instead of eight.
            for destination in (self.result_destination, self.error_destination):
                Exchange(destination, "topic", durable=True)(self.channel).declare(nowait=True)
            self.channel.queue_declare(self.queue, durable=False, auto_delete=True, nowait=True)
            for destination in (self.result_destination, self.error_destination):
                self.channel.queue_bind(self.queue, destination, routing_key="#", nowait=True)
            self.consumer = Consumer(
                self.channel,
                [Queue(self.queue, no_declare=True)],
                on_message=self._collect,
                no_ack=True,
                auto_declare=False,
            )
            self.consumer.consume()
        except BaseException:
            self.connection.release()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        # Deleted without waiting for each reply; closing the channel waits until the broker has
        # handled them (and cancels the consumer: the auto-deleted queue would go with it).
        try:
            with contextlib.suppress(Exception):
                for destination in (self.result_destination, self.error_destination):
                    self.channel.exchange_delete(destination, nowait=True)
                self.channel.queue_delete(self.queue, nowait=True)
                self.channel.close()
        finally:
            self.connection.release()

    def _collect(self, message) -> None:
        try:
            body = json.loads(message.body)
            request_id = body["integrationContext"]["id"]
        except (ValueError, KeyError, TypeError):
            return  # not an answer: nothing waits for it
        if message.delivery_info.get("exchange") == self.result_destination:
            outputs = body["integrationContext"].get("outBoundVariables") or {}
            self._answers[request_id] = Answer("result", outputs=dict(outputs))
        else:
            self._answers[request_id] = Answer(
                "error",
                error_code=body.get("errorCode"),
                error_message=body.get("errorMessage"),
                error_class_name=body.get("errorClassName"),
            )

    def call(self, destination: str, inputs: dict[str, Any], request_id: str, timeout: float) -> Answer:
        body, headers = new_request(
            destination,
            inputs,
            result_destination=self.result_destination,
            error_destination=self.error_destination,
            request_id=request_id,
            service_name="modeler-test-run",
        )
        if destination not in self._declared:
            Exchange(destination, "topic", durable=True)(self.channel).declare()
            self._declared.add(destination)
        self.producer.publish(
            json.dumps(body).encode(),
            exchange=destination,
            routing_key=destination,
            content_type=CONTENT_TYPE,
            content_encoding="utf-8",
            headers=headers,
            delivery_mode=2,
        )
        now = time.monotonic()
        deadline, idle_at = now + timeout, now + self.idle_after
        while request_id not in self._answers:
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                raise RunFailed(
                    f"no connector answered on the destination '{destination}' within {timeout:g} s"
                )
            if self.on_idle is not None and now >= idle_at:
                self.on_idle()
                idle_at = time.monotonic() + self.idle_after
            wait = min(remaining, 0.2)
            if self.on_idle is not None:
                wait = max(min(wait, idle_at - now), 0.001)
            with contextlib.suppress(TimeoutError, OSError):
                self.connection.drain_events(timeout=wait)
        return self._answers.pop(request_id)
