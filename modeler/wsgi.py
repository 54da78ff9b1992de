"""WSGI entry point (gunicorn modeler.wsgi), with the worker's garbage collector tuned.

Everything the loaded application holds (modules, URL patterns, schemas: about 115,000 objects)
lives as long as the worker, yet Python's full collection walks all of it: about 90 ms, every
dozen 1,000-task saves. `gc.freeze()` moves what is loaded by now out of the collector's reach,
and a larger youngest generation lets a request's short-lived objects (a big save makes some
30,000) die by reference counting before the collector looks at them: without it, nine
collections ran during each such save. Cycles are still collected, only less often.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modeler.settings")
application = get_wsgi_application()

YOUNG_GENERATION_THRESHOLD = 20_000
get_resolver().url_patterns  # noqa: B018 - imports every view now, so that they are frozen too
gc.collect()
gc.freeze()
gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])
