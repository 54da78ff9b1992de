"""The HTTP health endpoint for Kubernetes probes.

`GET /health/live` answers 200 while the process runs; `GET /health/ready` answers 200 only while
the connector is connected to the broker and consuming, 503 otherwise (reconnecting, stopping).
Bodies are small JSON documents; any other path is 404. Default port 8080.

Standard library only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_PORT = 8080


class HealthServer:
    def __init__(self, ready: Callable[[], bool], host: str = "0.0.0.0", port: int = DEFAULT_PORT) -> None:  # noqa: S104 - probes come from the kubelet
        is_ready = ready

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                if self.path == "/health/live":
                    status, body = 200, {"status": "UP"}
                elif self.path == "/health/ready":
                    up = is_ready()
                    status, body = (200, {"status": "UP"}) if up else (503, {"status": "DOWN"})
                else:
                    status, body = 404, {"status": "NOT_FOUND"}
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - probes are not logged
                return

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="health", daemon=True)

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
