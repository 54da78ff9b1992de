"""WSGI entry point (gunicorn modeler.wsgi), with the worker's garbage collector and allocator tuned.

Everything the loaded application holds (modules, URL patterns, schemas: about 115,000 objects)
lives as long as the worker, yet Python's full collection walks all of it: about 90 ms, every
dozen 1,000-task saves. `gc.freeze()` moves what is loaded by now out of the collector's reach,
and a larger youngest generation lets a request's short-lived objects (a big save makes some
30,000) die by reference counting before the collector looks at them: without it, nine
collections ran during each such save. Cycles are still collected, only less often.

glibc's fast bins are turned off (`mallopt(M_MXFAST, 0)`): freeing a parsed BPMN tree puts its
thousands of small nodes in them, and the next large allocation or free then consolidates them
all at once; at 1,000 tasks that was 4 to 5 ms of each save (perf: `malloc_consolidate`). Small
frees still go to glibc's per-thread cache first.
"""

import ctypes
import ctypes.util
import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modeler.settings")
application = get_wsgi_application()

YOUNG_GENERATION_THRESHOLD = 20_000
M_MXFAST = 1  # glibc's mallopt parameter: the largest request served from the fast bins


def _without_fast_bins() -> bool:
    """True when the C allocator is glibc's and now keeps no fast bins."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): left as it is
        return False
    return mallopt(M_MXFAST, 0) == 1


WITHOUT_FAST_BINS = _without_fast_bins()
get_resolver().url_patterns  # noqa: B018 - imports every view now, so that they are frozen too
gc.collect()
gc.freeze()
gc.set_threshold(YOUNG_GENERATION_THRESHOLD, *gc.get_threshold()[1:])
