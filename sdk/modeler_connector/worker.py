"""The transport: consume requests with kombu, answer them, stay up when the broker goes away.

Layout (the one Spring Cloud Stream's Rabbit binder makes, so the Activiti runtime bundle and
Java connectors see the same broker objects):

- every action's destination `<connector>.<action>` is a durable **topic exchange** of that name;
- the connector's queue is `<destination>.<group>` (group `integration` unless told), durable,
  bound with `#`, dead-lettering to the direct exchange `DLX` with the queue's name as routing key;
- the dead-letter queue is `<destination>.<group>.dlq`, bound to `DLX` (autoBindDlq);
- answers are published, persistent, to the topic exchange named by the request's
  `resultDestination` / `errorDestination` (declared if missing), with publisher confirms.

Delivery: manual acknowledgement, prefetch bounded (`prefetch`). A request is acknowledged only
after its answer is confirmed by the broker (at least once). `integrationContext.id`s answered in
this run are remembered (bounded): a redelivered copy is acknowledged without answering twice.
A poison message (not JSON, wrong shape, over `max_body`) is rejected to the dead-letter queue
with a log line, never requeued.

Handlers run one at a time, over amqp on a worker thread while the main thread keeps reading the
socket, so heartbeats flow during a long handler (over memory:// inline: no heartbeats there); deliveries are queued locally (`_inbox`), never handled
re-entrantly from inside a publish. `stop()` (SIGTERM) cancels the consumers, lets the running
handler finish and its answer be published and acknowledged, and requeues what was prefetched.
A lost connection is re-established with exponential backoff (jittered, capped); meanwhile
`ready` is false, and an answer computed while disconnected is published after reconnecting.

`memory://` uses kombu's in-process transport (no dead-lettering there: a poison message is
dropped with the same log line). Standard library and kombu only.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections import Counter, OrderedDict, deque
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from kombu import Connection, Consumer, Exchange, Producer, Queue
from kombu.exceptions import OperationalError

from modeler_connector.config import Config
from modeler_connector.connector import Connector
from modeler_connector.messages import (
    CONTENT_TYPE,
    DEFAULT_MAX_BODY,
    Destinations,
    PoisonMessage,
    Reply,
    Request,
    ServiceIdentity,
    parse_request,
)

log = logging.getLogger("modeler_connector.worker")
DLX = "DLX"
DEFAULT_GROUP = "integration"
MEMORY_POLLING_INTERVAL = 0.001  # seconds between polls of an empty memory:// queue


@dataclass
class WorkerOptions:
    broker_url: str = "memory://"
    group: str = DEFAULT_GROUP
    prefetch: int = 8
    max_body: int = DEFAULT_MAX_BODY
    heartbeat: int = 30
    connect_timeout: float = 5.0
    connection_name: str = ""
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    remember: int = 100_000  # integrationContext ids kept to refuse answering twice
    destinations: Destinations = field(default_factory=Destinations)
    identity: ServiceIdentity | None = None

    @property
    def is_amqp(self) -> bool:
        return self.broker_url.startswith(("amqp://", "amqps://", "pyamqp://"))


def layout(destination: str, group: str) -> tuple[str, str, str]:
    """(exchange, queue, dead-letter queue) of a destination for a consumer group."""
    queue = f"{destination}.{group}"
    return destination, queue, f"{queue}.dlq"


def safe_url(url: str) -> str:
    """The broker URL without its password, for logs."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


class Worker:
    def __init__(self, connector: Connector, config: Config, options: WorkerOptions | None = None) -> None:
        self.connector = connector
        self.definition = connector.check()
        self.config = config
        self.options = options or WorkerOptions()
        self.identity = self.options.identity or ServiceIdentity(
            service_name=f"{self.definition.name}-connector"
        )
        self.stats: Counter[str] = Counter()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._inbox: deque = deque()
        self._answered: OrderedDict[str, None] = OrderedDict()
        self._current: tuple[Future, Request, str] | None = None  # a handler whose answer is not yet sent
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="handler")
        self._declared: set[str] = set()

    # --- state seen by the health endpoint and the CLI -------------------------------------------

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def wait_ready(self, timeout: float) -> bool:
        return self._ready.wait(timeout)

    def stop(self) -> None:
        """Finish the running handler, answer it, requeue the rest, return from `run`."""
        self._stop.set()

    def bindings(self) -> list[tuple[str, str, str, str]]:
        """(action, exchange, queue, dead-letter queue) for every action of the definition."""
        return [
            (action, *layout(self.definition.destination(action), self.options.group))
            for action in sorted(self.definition.actions)
        ]

    # --- the loop ----------------------------------------------------------------------------------

    def run(self) -> None:
        delay = self.options.backoff_initial
        recoverable: tuple[type[BaseException], ...] = (OperationalError, OSError, *self._broker_errors())
        try:
            while not self._stop.is_set():
                connected_at = time.monotonic()
                try:
                    self._serve()
                    return
                except recoverable as error:
                    self._ready.clear()
                    self._inbox.clear()  # unacknowledged: the broker redelivers them
                    self._declared.clear()
                    if time.monotonic() - connected_at > 10 * self.options.backoff_initial:
                        delay = self.options.backoff_initial  # it had been up a while: start over
                    self.stats["reconnects"] += 1
                    log.warning(
                        "broker connection lost, reconnecting",
                        extra={
                            "fields": {
                                "broker": safe_url(self.options.broker_url),
                                "error": type(error).__name__,
                                "retryInSeconds": round(delay, 2),
                            }
                        },
                    )
                    if self._stop.wait(delay):
                        break
                    delay = min(self.options.backoff_max, delay * 2) * random.uniform(0.8, 1.2)
        finally:
            self._ready.clear()
            if self._current is not None:
                log.warning(
                    "stopped while disconnected: an answer was not sent, the broker redelivers the request",
                    extra={"fields": {"integrationContextId": self._current[1].id}},
                )
            self._executor.shutdown(wait=False)

    def _broker_errors(self) -> tuple[type[BaseException], ...]:
        probe = Connection(self.options.broker_url)
        return tuple(probe.connection_errors) + tuple(probe.channel_errors)

    def _connection(self) -> Connection:
        options: dict = {}
        if self.options.is_amqp:
            options["confirm_publish"] = True
            name = self.options.connection_name or f"{self.identity.service_name}"
            options["client_properties"] = {"connection_name": name}
        else:
            options["polling_interval"] = MEMORY_POLLING_INTERVAL
        return Connection(
            self.options.broker_url,
            heartbeat=self.options.heartbeat if self.options.is_amqp else 0,
            connect_timeout=self.options.connect_timeout,
            transport_options=options,
        )

    def _declare_queues(self, channel) -> list[tuple[str, Queue]]:
        queues = []
        if self.options.is_amqp:
            Exchange(DLX, "direct", durable=True).declare(channel=channel)
        for action, exchange_name, queue_name, dlq_name in self.bindings():
            exchange = Exchange(exchange_name, "topic", durable=True)
            arguments = None
            if self.options.is_amqp:
                arguments = {"x-dead-letter-exchange": DLX, "x-dead-letter-routing-key": queue_name}
                Queue(dlq_name, Exchange(DLX, "direct", durable=True), routing_key=queue_name, durable=True)(
                    channel
                ).declare()
            queue = Queue(queue_name, exchange, routing_key="#", durable=True, queue_arguments=arguments)(
                channel
            )
            queue.declare()
            queues.append((action, queue))
        return queues

    def _serve(self) -> None:
        with self._connection() as connection:
            connection.connect()
            channel = connection.channel()
            producer = Producer(channel, auto_declare=False)
            queues = self._declare_queues(channel)
            consumers = [
                Consumer(
                    channel,
                    [queue],
                    on_message=self._receiver(action),
                    no_ack=False,
                    auto_declare=False,
                )
                for action, queue in queues
            ]
            consumers[0].qos(prefetch_count=self.options.prefetch)
            if self._current is not None:  # a handler that ran through the last disconnection
                future, request, action = self._current
                self._send(connection, producer, self._wait(connection, future), request, action)
                self._current = None
            for consumer in consumers:
                consumer.consume()
            self._ready.set()
            log.info(
                "consuming",
                extra={
                    "fields": {
                        "broker": safe_url(self.options.broker_url),
                        "queues": [queue.name for _, queue in queues],
                        "prefetch": self.options.prefetch,
                    }
                },
            )
            while not self._stop.is_set():
                if self._inbox:
                    action, message = self._inbox.popleft()
                    self._process(connection, producer, action, message)
                    continue
                try:
                    # memory:// polls; a short tick there keeps stop() and the tests quick
                    connection.drain_events(timeout=1.0 if self.options.is_amqp else 0.05)
                except TimeoutError:
                    connection.heartbeat_check()
            self._ready.clear()
            for consumer in consumers:
                consumer.cancel()
            requeued = 0
            while self._inbox:
                _, message = self._inbox.popleft()
                message.requeue()
                requeued += 1
            log.info("stopped", extra={"fields": {"requeued": requeued, **self.stats}})

    def _receiver(self, action: str):
        def receive(message) -> None:
            # Never handled here: this runs inside drain_events, also while a publish waits for its
            # confirm; the loop takes it from the inbox.
            self._inbox.append((action, message))

        return receive

    # --- one request -------------------------------------------------------------------------------

    def _process(self, connection: Connection, producer: Producer, action: str, message) -> None:
        destination = self.definition.destination(action)
        try:
            request = parse_request(message.body, self.options.destinations, self.options.max_body)
        except PoisonMessage as error:
            self.stats["poison"] += 1
            log.error(
                "poison message rejected to the dead-letter queue",
                extra={
                    "fields": {
                        "destination": destination,
                        "reason": str(error),
                        "bytes": len(message.body),
                        "redelivered": bool(message.delivery_info.get("redelivered")),
                    }
                },
            )
            message.reject(requeue=False)
            return
        if request.id in self._answered:
            self.stats["duplicates"] += 1
            log.warning(
                "already answered in this run: acknowledged without answering again",
                extra={"fields": {"destination": destination, "integrationContextId": request.id}},
            )
            message.ack()
            return
        started = time.perf_counter()
        if not self.options.is_amqp:  # no heartbeats to keep up in process: no thread hop either
            reply = self.connector.handle(action, request, self.config, self.identity)
            self._send(connection, producer, reply, request, action, started)
            message.ack()
            return
        future = self._executor.submit(self.connector.handle, action, request, self.config, self.identity)
        self._current = (future, request, action)
        reply = self._wait(connection, future)
        self._send(connection, producer, reply, request, action, started)
        self._current = None
        message.ack()

    def _wait(self, connection: Connection, future: Future) -> Reply:
        """The handler's reply, reading the socket meanwhile so that heartbeats keep flowing."""
        tick = 1.0
        while True:
            try:
                return future.result(timeout=tick)
            except FutureTimeout:
                with contextlib.suppress(TimeoutError):
                    connection.drain_events(timeout=0.01)
                connection.heartbeat_check()

    def _send(
        self,
        connection: Connection,
        producer: Producer,
        reply: Reply,
        request: Request,
        action: str,
        started: float | None = None,
    ) -> None:
        if reply.destination not in self._declared:
            Exchange(reply.destination, "topic", durable=True)(producer.channel).declare()
            self._declared.add(reply.destination)
        producer.publish(
            reply.encode(),
            exchange=reply.destination,
            routing_key=reply.destination,
            content_type=CONTENT_TYPE,
            content_encoding="utf-8",
            headers={key: value for key, value in reply.headers.items() if value is not None},
            delivery_mode=2,
            retry=False,
        )
        self._answered[request.id] = None
        if len(self._answered) > self.options.remember:
            self._answered.popitem(last=False)
        outcome = (
            "result" if reply.kind == "result" else "bpmnError" if reply.body.get("errorCode") else "error"
        )
        self.stats[outcome] += 1
        fields: dict[str, object] = {"action": action, "integrationContextId": request.id, "outcome": outcome}
        if reply.kind == "error":
            fields["errorClassName"] = reply.body.get("errorClassName")
            fields["errorCode"] = reply.body.get("errorCode")
        if started is not None:
            fields["ms"] = round((time.perf_counter() - started) * 1000, 2)
        log.info("answered", extra={"fields": fields})


def run_in_thread(worker: Worker, timeout: float = 10.0) -> threading.Thread:
    """Start `worker.run()` on a daemon thread and wait until it consumes (tests, embedding)."""
    thread = threading.Thread(target=worker.run, name="connector-worker", daemon=True)
    thread.start()
    if not worker.wait_ready(timeout):
        worker.stop()
        raise TimeoutError(f"the connector did not start consuming within {timeout} s")
    return thread


def stop_thread(worker: Worker, thread: threading.Thread, timeout: float = 10.0) -> None:
    worker.stop()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"the connector did not stop within {timeout} s")
