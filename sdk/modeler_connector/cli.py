"""The `connector` console command.

    connector run --definition movies.json --module movies_connector --broker amqp://guest:guest@rabbitmq:5672//
    connector scaffold movies.json --out movies-connector

`run` imports the module (which registers the handlers on a `Connector` named `connector`, or
`--module pkg:attribute`), reads the config variables from the environment (a missing required
one stops with exit status 2 naming it), serves the health endpoint (port 8080:
`/health/live`, `/health/ready`) and consumes until SIGTERM or SIGINT, then stops gracefully.
Every option has an environment variable (`CONNECTOR_BROKER_URL`, `CONNECTOR_GROUP`, …) so that
an image needs no arguments. Logs are JSON lines on stderr.

Standard library and kombu only.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import signal
import sys
from pathlib import Path

from modeler_connector.config import load_config
from modeler_connector.connector import Connector
from modeler_connector.definition import DefinitionError
from modeler_connector.errors import ConfigError, HandlerError
from modeler_connector.health import DEFAULT_PORT, HealthServer
from modeler_connector.logs import configure_logging
from modeler_connector.messages import DEFAULT_MAX_BODY, Destinations, ServiceIdentity
from modeler_connector.worker import DEFAULT_GROUP, Worker, WorkerOptions, safe_url

log = logging.getLogger("modeler_connector.cli")
USAGE = 2


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def find_connector(reference: str) -> Connector:
    """The `Connector` of `module` (its attribute `connector`, or the only Connector in it) or `module:attr`."""
    module_name, _, attribute = reference.partition(":")
    module = importlib.import_module(module_name)
    if attribute:
        found = getattr(module, attribute, None)
        if not isinstance(found, Connector):
            raise HandlerError(f"{reference} is not a Connector")
        return found
    if isinstance(getattr(module, "connector", None), Connector):
        return module.connector
    candidates = [value for value in vars(module).values() if isinstance(value, Connector)]
    if len(candidates) != 1:
        raise HandlerError(
            f"module {module_name} holds {len(candidates)} Connector objects: name one with {module_name}:<name>"
        )
    return candidates[0]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="connector", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="serve the connector's actions")
    run.add_argument(
        "--module", default=os.environ.get("CONNECTOR_MODULE"), help="module holding the handlers"
    )
    run.add_argument(
        "--definition", default=os.environ.get("CONNECTOR_DEFINITION"), help="definition JSON file"
    )
    run.add_argument(
        "--broker",
        default=_env("CONNECTOR_BROKER_URL", "memory://"),
        help="amqp://user:pass@host:5672// or memory://",
    )
    run.add_argument(
        "--group",
        default=_env("CONNECTOR_GROUP", DEFAULT_GROUP),
        help="consumer group: queue <destination>.<group>",
    )
    run.add_argument("--prefetch", type=int, default=int(_env("CONNECTOR_PREFETCH", "8")))
    run.add_argument(
        "--heartbeat",
        type=int,
        default=int(_env("CONNECTOR_HEARTBEAT", "30")),
        help="AMQP heartbeat, seconds",
    )
    run.add_argument("--max-body", type=int, default=int(_env("CONNECTOR_MAX_BODY", str(DEFAULT_MAX_BODY))))
    run.add_argument("--health-host", default=_env("CONNECTOR_HEALTH_HOST", "0.0.0.0"))  # noqa: S104 - the kubelet probes the pod IP
    run.add_argument(
        "--health-port",
        type=int,
        default=int(_env("CONNECTOR_HEALTH_PORT", str(DEFAULT_PORT))),
        help="0 picks a free port",
    )
    run.add_argument("--service-name", default=os.environ.get("CONNECTOR_SERVICE_NAME"))
    run.add_argument("--app-name", default=_env("APP_NAME", ""))
    run.add_argument("--log-level", default=_env("CONNECTOR_LOG_LEVEL", "INFO"))
    scaffold = commands.add_parser("scaffold", help="generate a connector project from a definition")
    scaffold.add_argument("definition", help="definition JSON file")
    scaffold.add_argument("--out", default=None, help="folder (default: ./<name>-connector)")
    return parser


def run(args: argparse.Namespace) -> int:
    configure_logging(args.log_level)
    if not args.module:
        log.error("no --module: name the module holding the handlers")
        return USAGE
    try:
        sys.path.insert(0, os.getcwd())
        connector = find_connector(args.module)
        if args.definition:
            connector.use_definition(Path(args.definition))
        definition = connector.check()
        config = load_config(definition, os.environ)
    except ConfigError as error:
        log.error(str(error), extra={"fields": {"missing": error.missing}})
        print(f"connector: {error}", file=sys.stderr)
        return USAGE
    except (DefinitionError, HandlerError, ImportError, OSError) as error:
        log.error(str(error), extra={"fields": {"error": type(error).__name__}})
        print(f"connector: {error}", file=sys.stderr)
        return USAGE
    identity = ServiceIdentity(
        service_name=args.service_name or f"{definition.name}-connector", app_name=args.app_name
    )
    options = WorkerOptions(
        broker_url=args.broker,
        group=args.group,
        prefetch=args.prefetch,
        heartbeat=args.heartbeat,
        max_body=args.max_body,
        identity=identity,
        connection_name=f"{identity.service_name}@{os.uname().nodename}:{os.getpid()}",
        destinations=Destinations(
            result_override=os.environ.get("ACT_INT_RES_CONSUMER", ""),
            error_override=os.environ.get("ACT_INT_ERR_CONSUMER", ""),
        ),
    )
    worker = Worker(connector, config, options)
    health = HealthServer(lambda: worker.ready, host=args.health_host, port=args.health_port).start()
    log.info(
        "starting",
        extra={
            "fields": {
                "connector": definition.name,
                "actions": sorted(definition.actions),
                "broker": safe_url(args.broker),
                "group": args.group,
                "healthPort": health.port,
                "config": config.describe(),
                "pid": os.getpid(),
            }
        },
    )
    if not options.is_amqp:
        log.warning("memory:// serves only this process: pass --broker amqp://… to reach a runtime")

    def on_signal(signum, _frame) -> None:
        log.info("stop requested", extra={"fields": {"signal": signal.Signals(signum).name}})
        worker.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        worker.run()
    finally:
        health.stop()
    return 0


def scaffold(args: argparse.Namespace) -> int:
    from modeler_connector.scaffold import write_project

    try:
        report = write_project(Path(args.definition).read_bytes(), Path(args.out) if args.out else None)
    except (DefinitionError, OSError) as error:
        print(f"connector: {error}", file=sys.stderr)
        return USAGE
    print(report.summary())
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "run":
        return run(args)
    return scaffold(args)


if __name__ == "__main__":
    sys.exit(main())
