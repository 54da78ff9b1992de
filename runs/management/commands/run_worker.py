"""`manage.py run_worker`: execute test runs nobody has claimed (set MODELER_RUN_WORKER=external
on the web processes so that they leave their runs to this worker)."""

from __future__ import annotations

import signal
import threading
from concurrent.futures import ThreadPoolExecutor

from django.core.management.base import BaseCommand
from django.db import connections

from runs import worker
from runs.models import Run


class Command(BaseCommand):
    help = "Execute test runs of processes (SPEC §11) until stopped (SIGTERM or Ctrl-C)."

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=4, help="Runs executed at once")
        parser.add_argument("--poll", type=float, default=0.5, help="Seconds between looks for new runs")
        parser.add_argument("--once", action="store_true", help="Execute what waits now, then stop")

    def handle(self, *args, threads: int, poll: float, once: bool, **options):
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        pending: dict = {}
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="test-run") as pool:
            try:
                while not stop.is_set():
                    for key in [key for key, future in pending.items() if future.done()]:
                        del pending[key]
                    free = threads - len(pending)
                    waiting = list(
                        Run.objects.filter(state=Run.State.RUNNING, claimed_date__isnull=True)
                        .exclude(pk__in=list(pending))
                        .order_by("creation_date")
                        .values_list("pk", flat=True)[: max(free, 0)]
                    )
                    connections.close_all()
                    for run_id in waiting:
                        pending[run_id] = pool.submit(worker.execute, run_id)
                    if once:
                        break
                    stop.wait(poll)
            except KeyboardInterrupt:
                pass
        self.stdout.write("run worker stopped")
