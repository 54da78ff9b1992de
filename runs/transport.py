"""IntegrationRequests over the broker (SPEC §10): publish to `<connector>.<action>`, wait for the answer.

Django-free: kombu and the connector SDK only. The request body and headers are the SDK's own
(`modeler_connector.messages.new_request`, the shape a runtime bundle sends); the destinations
and the publish are laid out as the SDK's worker expects (a topic exchange per destination,
JSON, persistent). Each run has its own result and error destinations
(`integrationResult_modeler-run-<id>`), with one auto-deleted queue each, so two runs never see
each other's answers, and an answer that comes after its step's limit is ignored.

`memory://` is kombu's in-process transport (the embedded default, tests); `amqp://` RabbitMQ.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

from kombu import Connection, Consumer, Exchange, Producer, Queue
from modeler_connector.messages import CONTENT_TYPE, new_request

from runs.engine import Answer, RunFailed

CONNECT_TIMEOUT = 5.0


def _is_amqp(url: str) -> bool:
    return url.startswith(("amqp://", "amqps://", "pyamqp://"))


class BrokerTransport:
    """One run's connection to the broker; use as a context manager."""

    def __init__(self, broker_url: str, run_id: str) -> None:
        self.broker_url = broker_url
        self.result_destination = f"integrationResult_modeler-run-{run_id}"
        self.error_destination = f"integrationError_modeler-run-{run_id}"
        self._answers: dict[str, Answer] = {}
        self._declared: set[str] = set()

    def __enter__(self) -> BrokerTransport:
        options: dict[str, Any] = {} if _is_amqp(self.broker_url) else {"polling_interval": 0.005}
        if _is_amqp(self.broker_url):
            options["confirm_publish"] = True
        self.connection = Connection(
            self.broker_url, connect_timeout=CONNECT_TIMEOUT, transport_options=options
        )
        try:
            self.connection.ensure_connection(max_retries=1, timeout=CONNECT_TIMEOUT)
        except Exception as error:  # kombu's OperationalError, socket errors
            self.connection.release()
            raise RunFailed(f"the broker cannot be reached: {type(error).__name__}: {error}") from None
        self.channel = self.connection.channel()
        self.producer = Producer(self.channel, auto_declare=False)
        self.consumers = []
        for kind, destination in (("result", self.result_destination), ("error", self.error_destination)):
            exchange = Exchange(destination, "topic", durable=True)
            queue = Queue(f"{destination}.run", exchange, routing_key="#", durable=False, auto_delete=True)(
                self.channel
            )
            queue.declare()
            consumer = Consumer(
                self.channel, [queue], on_message=self._collector(kind), no_ack=True, auto_declare=False
            )
            consumer.consume()
            self.consumers.append(consumer)
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            with contextlib.suppress(Exception):
                for consumer in self.consumers:
                    consumer.cancel()
                for destination in (self.result_destination, self.error_destination):
                    self.channel.queue_delete(f"{destination}.run")
                    self.channel.exchange_delete(destination)
        finally:
            self.connection.release()

    def _collector(self, kind: str):
        def collect(message) -> None:
            try:
                body = json.loads(message.body)
                request_id = body["integrationContext"]["id"]
            except (ValueError, KeyError, TypeError):
                return  # not an answer: nothing waits for it
            if kind == "result":
                outputs = body["integrationContext"].get("outBoundVariables") or {}
                self._answers[request_id] = Answer("result", outputs=dict(outputs))
            else:
                self._answers[request_id] = Answer(
                    "error",
                    error_code=body.get("errorCode"),
                    error_message=body.get("errorMessage"),
                    error_class_name=body.get("errorClassName"),
                )

        return collect

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
        deadline = time.monotonic() + timeout
        while request_id not in self._answers:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RunFailed(
                    f"no connector answered on the destination '{destination}' within {timeout:g} s"
                )
            with contextlib.suppress(TimeoutError, OSError):
                self.connection.drain_events(timeout=min(remaining, 0.2))
        return self._answers.pop(request_id)
