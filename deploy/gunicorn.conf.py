"""gunicorn settings for Modeler behind nginx (deploy/nginx/modeler.conf).

nginx buffers whole requests and responses, so plain sync workers are right: a worker is busy
only while Django works. Values can be overridden with GUNICORN_* environment variables.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # a 5 MiB BPMN save takes about 1 s
graceful_timeout = 30
keepalive = 5
max_requests = 2000  # recycle workers now and then, so a slow leak never grows for long
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "warning").lower()
