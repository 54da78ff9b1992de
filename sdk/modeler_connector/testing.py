"""Drive a connector's actions through a real transport from a test (`memory://` by default).

```python
def test_get_movie_desc():
    with ConnectorTestClient(connector, env={"MOVIES_API_KEY": "test"}) as client:
        outcome = client.call("getMovieDesc", {"movieName": "Alien"})
    assert outcome.kind == "result"
    assert outcome.outputs["movieDescription"].startswith("Alien")
```

The client starts the connector's `Worker` on a thread, publishes IntegrationRequests shaped like
the runtime bundle's to the action's destination and collects the IntegrationResult or
IntegrationError from its own result and error destinations (unique per client). Over
`amqp://` it does the same against a real broker, and `cleanup()` deletes what it declared.

Standard library and kombu only.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kombu import Connection, Consumer, Exchange, Producer, Queue

from modeler_connector.config import load_config
from modeler_connector.connector import Connector
from modeler_connector.definition import Definition
from modeler_connector.messages import CONTENT_TYPE, new_request
from modeler_connector.worker import DEFAULT_GROUP, Worker, WorkerOptions, layout, run_in_thread, stop_thread


@dataclass
class Outcome:
    """The answer to one request: an IntegrationResult (`kind == "result"`) or IntegrationError."""

    kind: str
    body: dict[str, Any]
    headers: dict[str, Any]

    @property
    def outputs(self) -> dict[str, Any]:
        return self.body["integrationContext"]["outBoundVariables"]

    @property
    def error_code(self) -> str | None:
        return self.body.get("errorCode")

    @property
    def error_message(self) -> str | None:
        return self.body.get("errorMessage")

    @property
    def error_class_name(self) -> str | None:
        return self.body.get("errorClassName")


def _transport_options(url: str) -> dict[str, Any]:
    return {} if url.startswith(("amqp", "pyamqp")) else {"polling_interval": 0.005}


class ConnectorTestClient:
    def __init__(
        self,
        connector: Connector,
        env: Mapping[str, str] | None = None,
        broker_url: str = "memory://",
        group: str = DEFAULT_GROUP,
        timeout: float = 10.0,
        start_worker: bool = True,
    ) -> None:
        self.connector = connector
        # Without a worker (one runs elsewhere) only the definition's destinations are needed.
        definition = connector.check() if start_worker else connector.definition
        if definition is None:
            raise ValueError("the connector has no definition")
        self.definition: Definition = definition
        self.env = env
        self.broker_url = broker_url
        self.group = group
        self.timeout = timeout
        self.start_worker = start_worker
        unique = uuid.uuid4().hex[:12]
        self.result_destination = f"integrationResult_test-{unique}"
        self.error_destination = f"integrationError_test-{unique}"
        self.received: dict[str, list[Outcome]] = {}
        self.worker: Worker | None = None

    def __enter__(self) -> ConnectorTestClient:
        if self.start_worker:
            config = load_config(self.definition, os.environ if self.env is None else self.env)
            self.worker = Worker(
                self.connector, config, WorkerOptions(broker_url=self.broker_url, group=self.group)
            )
            self._thread = run_in_thread(self.worker, self.timeout)
        self.connection = Connection(self.broker_url, transport_options=_transport_options(self.broker_url))
        self.channel = self.connection.channel()
        self.producer = Producer(self.channel, auto_declare=False)
        queues = []
        for kind, destination in (("result", self.result_destination), ("error", self.error_destination)):
            exchange = Exchange(destination, "topic", durable=True)
            queue = Queue(
                f"{destination}.client", exchange, routing_key="#", durable=False, auto_delete=True
            )(self.channel)
            queue.declare()
            queues.append((kind, queue))
        self.consumers = [
            Consumer(self.channel, [queue], on_message=self._collector(kind), no_ack=True, auto_declare=False)
            for kind, queue in queues
        ]
        for consumer in self.consumers:
            consumer.consume()
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self.worker is not None:
                stop_thread(self.worker, self._thread, self.timeout)
        finally:
            self.connection.release()

    def _collector(self, kind: str):
        def collect(message) -> None:
            body = json.loads(message.body)
            outcome = Outcome(kind, body, dict(message.headers or {}))
            self.received.setdefault(body["integrationContext"]["id"], []).append(outcome)

        return collect

    def send(
        self, action: str, inputs: Mapping[str, Any] | None = None, request_id: str | None = None
    ) -> str:
        """Publish a request for `action` (like a runtime bundle would) and return its id."""
        request_id = request_id or str(uuid.uuid4())
        destination = self.definition.destination(action)
        body, headers = new_request(
            destination,
            dict(inputs or {}),
            result_destination=self.result_destination,
            error_destination=self.error_destination,
            request_id=request_id,
        )
        self.publish_raw(destination, json.dumps(body).encode(), headers)
        return request_id

    def publish_raw(self, destination: str, body: bytes, headers: dict[str, Any] | None = None) -> None:
        """Publish any bytes to a destination (poison messages, hand-made requests)."""
        Exchange(destination, "topic", durable=True)(self.channel).declare()
        self.producer.publish(
            body,
            exchange=destination,
            routing_key=destination,
            content_type=CONTENT_TYPE,
            content_encoding="utf-8",
            headers=headers or {},
            delivery_mode=2,
        )

    def wait_for(self, request_id: str, timeout: float | None = None, count: int = 1) -> list[Outcome]:
        """The answers to `request_id` once `count` have arrived; TimeoutError otherwise."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while len(self.received.get(request_id, [])) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no answer to {request_id} within the time limit")
            with contextlib.suppress(TimeoutError):
                self.connection.drain_events(timeout=min(remaining, 0.2))
        return self.received[request_id]

    def drain(self, seconds: float) -> None:
        """Collect whatever arrives during `seconds` (to show that nothing more comes)."""
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            with contextlib.suppress(TimeoutError):
                self.connection.drain_events(timeout=min(remaining, 0.2))

    def call(
        self, action: str, inputs: Mapping[str, Any] | None = None, request_id: str | None = None
    ) -> Outcome:
        """Send one request and return its answer."""
        return self.wait_for(self.send(action, inputs, request_id))[0]

    def cleanup(self) -> None:
        """Delete the broker objects of this connector's group and this client (amqp tests)."""
        with Connection(self.broker_url, transport_options=_transport_options(self.broker_url)) as connection:
            channel = connection.channel()
            for action in self.definition.actions:
                exchange, queue, dlq = layout(self.definition.destination(action), self.group)
                for name in (queue, dlq):
                    channel.queue_delete(name)
                channel.exchange_delete(exchange)
            for destination in (self.result_destination, self.error_destination):
                channel.exchange_delete(destination)
