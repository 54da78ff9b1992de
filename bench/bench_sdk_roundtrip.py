"""Round trips per second through the connector SDK vs bare kombu, over RabbitMQ (or memory://).

One connector process (`connector run`, the demo `movies` connector with a unique name, default
log level) answers 5,000 IntegrationRequests kept 8 in flight by a driver that publishes the next
request as each answer arrives. The floor, measured in the same run with the same driver and the
same request and answer payloads, is a bare kombu responder in its own process: consume (manual
ack, same prefetch), publish the precomputed answer, ack; no parsing, no checks, no publisher
confirms. Goal: SDK >= 0.6x the floor. p50/p99 latency (send -> answer received) for both.

    .venv/bin/python bench/bench_sdk_roundtrip.py                   # RabbitMQ at 127.0.0.1:5672
    .venv/bin/python bench/bench_sdk_roundtrip.py --memory          # in one process over memory://
    .venv/bin/python bench/bench_sdk_roundtrip.py --requests 1000   # shorter

Loopback only; every wait is bounded; the broker objects it declares are deleted at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from kombu import Connection, Consumer, Exchange, Producer, Queue

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "examples")]

from modeler_connector.config import load_config  # noqa: E402
from modeler_connector.connector import Connector  # noqa: E402
from modeler_connector.messages import ServiceIdentity, new_request, parse_request  # noqa: E402
from modeler_connector.worker import (  # noqa: E402
    MEMORY_POLLING_INTERVAL,
    Worker,
    WorkerOptions,
    layout,
    run_in_thread,
    stop_thread,
)

BROKER = "amqp://guest:guest@127.0.0.1:5672//"
GOAL = 0.6


def options(url: str) -> dict:
    return {} if url.startswith("amqp") else {"polling_interval": MEMORY_POLLING_INTERVAL}


def requests_for(destination: str, result: str, error: str, count: int) -> list[tuple[str, bytes]]:
    out = []
    for index in range(count):
        request_id = f"bench-{index}-{uuid.uuid4().hex[:8]}"
        body, _ = new_request(
            destination,
            {"movieName": "Alien"},
            result_destination=result,
            error_destination=error,
            request_id=request_id,
        )
        out.append((request_id, json.dumps(body).encode()))
    return out


def drive(url: str, destination: str, result: str, payloads, inflight: int, timeout: float):
    """Publish `payloads` keeping `inflight` outstanding; (seconds, latencies)."""
    latencies: list[float] = []
    sent: dict[str, float] = {}
    with Connection(url, transport_options=options(url)) as connection:
        channel = connection.channel()
        producer = Producer(channel, auto_declare=False)
        Exchange(destination, "topic", durable=True)(channel).declare()
        answers = Queue(
            f"{result}.driver", Exchange(result, "topic", durable=True), routing_key="#", auto_delete=True
        )
        answers(channel).declare()
        pending = iter(payloads)

        def publish_next() -> None:
            item = next(pending, None)
            if item is None:
                return
            request_id, body = item
            sent[request_id] = time.perf_counter()
            producer.publish(
                body,
                exchange=destination,
                routing_key=destination,
                content_type="application/json",
                content_encoding="utf-8",
                headers={"integrationContextId": request_id},
                delivery_mode=2,
            )

        def on_answer(message) -> None:
            request_id = message.headers["integrationContextId"]
            latencies.append(time.perf_counter() - sent.pop(request_id))
            publish_next()

        Consumer(channel, [answers], on_message=on_answer, no_ack=True, auto_declare=False).consume()
        started = time.perf_counter()
        for _ in range(inflight):
            publish_next()
        deadline = time.monotonic() + timeout
        while len(latencies) < len(payloads):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(latencies)}/{len(payloads)} answers within {timeout} s")
            with contextlib.suppress(TimeoutError):
                connection.drain_events(timeout=5)
        return time.perf_counter() - started, latencies


def floor_responder(
    url: str, destination: str, group: str, answer: bytes, prefetch: int, ready, stop
) -> None:
    """Bare kombu: consume with manual ack, publish the same answer bytes, ack."""
    with Connection(url, transport_options=options(url)) as connection:
        channel = connection.channel()
        producer = Producer(channel, auto_declare=False)
        exchange, queue_name, _ = layout(destination, group)
        queue = Queue(queue_name, Exchange(exchange, "topic", durable=True), routing_key="#", durable=True)(
            channel
        )
        queue.declare()
        declared: set[str] = set()

        def on_message(message) -> None:
            request = json.loads(message.body)  # only to learn where to answer, as any responder must
            target = request["resultDestination"]
            if target not in declared:
                Exchange(target, "topic", durable=True)(channel).declare()
                declared.add(target)
            producer.publish(
                answer,
                exchange=target,
                routing_key=target,
                content_type="application/json",
                content_encoding="utf-8",
                headers={"integrationContextId": request["integrationContext"]["id"]},
                delivery_mode=2,
            )
            message.ack()

        consumer = Consumer(channel, [queue], on_message=on_message, no_ack=False, auto_declare=False)
        consumer.qos(prefetch_count=prefetch)
        consumer.consume()
        ready.set()
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                connection.drain_events(timeout=0.2)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(label: str, seconds: float, latencies: list[float]) -> float:
    rate = len(latencies) / seconds
    print(
        f"{label:<28} {rate:8.0f} round trips/s   p50 {statistics.median(latencies) * 1000:6.2f} ms"
        f"   p99 {percentile(latencies, 0.99) * 1000:6.2f} ms"
    )
    return rate


def cleanup(url: str, names: list[tuple[str, str]]) -> None:
    if not url.startswith("amqp"):
        return
    with Connection(url) as connection:
        channel = connection.channel()
        for kind, name in names:
            if kind == "queue":
                channel.queue_delete(name)
            else:
                channel.exchange_delete(name)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", default=BROKER)
    parser.add_argument("--memory", action="store_true", help="in one process over memory://")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--inflight", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    url = "memory://" if args.memory else args.broker
    definition = json.loads((ROOT / "examples" / "movies_connector" / "movies.json").read_text())
    definition["name"] = f"bench-{uuid.uuid4().hex[:8]}"
    destination = f"{definition['name']}.getMovieDesc"
    group = "bench"
    result, error = f"integrationResult_{definition['name']}", f"integrationError_{definition['name']}"
    names = [
        ("queue", f"{destination}.{group}"),
        ("queue", f"{destination}.{group}.dlq"),
        ("queue", f"{destination}.floor"),
    ]
    names += [
        ("queue", f"{result}.driver"),
        ("exchange", destination),
        ("exchange", result),
        ("exchange", error),
    ]
    env = {"MOVIES_API_KEY": "bench"}
    print(f"{args.requests} requests, {args.inflight} in flight, over {url.split('@')[-1]}")

    # The answer the SDK sends, computed once for the floor (same size on the wire).
    import movies_connector

    sdk_connector = Connector(definition)
    sdk_connector.handlers = dict(movies_connector.connector.handlers)
    config = load_config(sdk_connector.check(), env)
    sample_id, sample_body = requests_for(destination, result, error, 1)[0]
    answer = sdk_connector.handle(
        "getMovieDesc", parse_request(sample_body), config, ServiceIdentity(f"{definition['name']}-connector")
    ).encode()

    try:
        # floor: bare kombu responder
        if args.memory:
            ready, stop = threading.Event(), threading.Event()
            responder = threading.Thread(
                target=floor_responder,
                args=(url, destination, "floor", answer, args.inflight, ready, stop),
                daemon=True,
            )
        else:
            ready, stop = multiprocessing.Event(), multiprocessing.Event()
            responder = multiprocessing.Process(
                target=floor_responder, args=(url, destination, "floor", answer, args.inflight, ready, stop)
            )
        responder.start()
        if not ready.wait(30):
            raise TimeoutError("the floor responder did not start")
        payloads = requests_for(destination, result, error, args.requests)
        floor_seconds, floor_latencies = drive(
            url, destination, result, payloads, args.inflight, args.timeout
        )
        stop.set()
        responder.join(30)
        cleanup(url, [("queue", f"{destination}.floor")])

        # the SDK: one connector process (or worker thread over memory://)
        payloads = requests_for(destination, result, error, args.requests)
        if args.memory:
            worker = Worker(
                sdk_connector, config, WorkerOptions(broker_url=url, group=group, prefetch=args.inflight)
            )
            thread = run_in_thread(worker, 30)
            try:
                sdk_seconds, sdk_latencies = drive(
                    url, destination, result, payloads, args.inflight, args.timeout
                )
            finally:
                stop_thread(worker, thread, 30)
        else:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "definition.json"
                path.write_text(json.dumps(definition))
                process = subprocess.Popen(
                    [sys.executable, "-m", "modeler_connector.cli", "run", "--module", "movies_connector",
                     "--definition", str(path), "--broker", url, "--group", group, "--prefetch", str(args.inflight),
                     "--health-host", "127.0.0.1", "--health-port", "0"],
                    env=os.environ | env | {"PYTHONPATH": str(ROOT / "examples")},
                    stderr=subprocess.PIPE, text=True,
                )  # fmt: skip
                try:
                    for line in process.stderr:  # wait until it consumes (bounded by the process's own start)
                        if '"consuming"' in line:
                            break
                    drain = threading.Thread(target=process.stderr.read, daemon=True)
                    drain.start()
                    sdk_seconds, sdk_latencies = drive(
                        url, destination, result, payloads, args.inflight, args.timeout
                    )
                finally:
                    process.terminate()
                    process.wait(30)
        floor_rate = report("bare kombu (floor)", floor_seconds, floor_latencies)
        sdk_rate = report("connector SDK", sdk_seconds, sdk_latencies)
        ratio = sdk_rate / floor_rate
        print(f"ratio SDK/floor: {ratio:.2f} (goal >= {GOAL}) {'OK' if ratio >= GOAL else 'BELOW GOAL'}")
        return 0
    finally:
        cleanup(url, names)


if __name__ == "__main__":
    sys.exit(main())
