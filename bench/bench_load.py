"""Load and fault proof (issue 15, RELIABILITY.md "Load" and "Faults"): editors racing on one project.

N editors (threads, one HTTP connection each) edit a project of connectors and processes of 100
and 1,000 service tasks for S seconds, on gunicorn (4 workers) and PostgreSQL on 127.0.0.1.
Each edit is a read-modify-write of what the editor just read: GET the content and its ETag, add
one unique token (a connector action `Tok_eEEE_nNNNNNN`, a process text annotation with that id),
PUT it with If-Match; on 412 the editor reads again and re-applies its token. An edit keeps
everything it read, so a token acknowledged by a 200 can leave the document only through a lost
update. At the end every document is read back through the API and every acknowledged token
looked for (`lost` = acknowledged but absent); the workspace is compared with the database
(projects.workspace_sync.drift()) and every API document with its workspace file, byte for byte.

Phases (each with its own project, workspace folder and gunicorn):
  real     the real save, `--runs` times; the medians are printed
  naive    the control: the same editors against bench/floors.NaiveContentSave, which ignores
           If-Match; it must report lost tokens > 0, or the harness proves nothing
  kill     gunicorn workers (children of the master) killed with SIGKILL while PUTs are in flight
  pgterm   pg_terminate_backend() on every backend of the load database but our own
  disk     the workspace made unwritable for a few seconds: it is a small tmpfs remounted
           read-only (EROFS even for root), or filled up (`--disk-fault full`, ENOSPC); without
           the right to mount, the project folder is replaced by a file (ENOTDIR)
After a fault phase the drift is reported, `rebuild_workspace` repairs it and the drift is
reported again. Clients may see 503 or a dropped connection during a fault (counted); after a
dropped PUT the editor reads again and, when its token is there, knows the save committed.

Run (PostgreSQL at 127.0.0.1:5432; the database `modeler_load` is created, DATABASE_URL overrides):
    .venv/bin/python bench/bench_load.py                        # 3 × real, naive, kill, pgterm, disk
    .venv/bin/python bench/bench_load.py --editors 4 --seconds 5 --phases real,naive
Only 127.0.0.1 is targeted; every loop is bounded by the deadline or a count.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import HOST, ROOT, BenchServer, bench_environment  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/modeler_load"
API = "/modeling-service/v1"
NAIVE = "/bench/naive"
TOKEN = re.compile(rb"Tok_e\d{4}_n\d{6}")
PHASES = ("real", "naive", "kill", "pgterm", "disk")
MOVIES = {
    "name": "movies",
    "actions": {
        "a1": {
            "id": "a1",
            "name": "getMovieDesc",
            "inputs": [{"id": "i1", "name": "movieName", "type": "string", "required": True}],
            "outputs": [{"id": "o1", "name": "movieDescription", "type": "string"}],
        }
    },
}
VARIABLES = {
    "v1": {"id": "v1", "name": "movieName", "type": "string", "required": True},
    "v2": {"id": "v2", "name": "movieDescription", "type": "string", "required": False},
}


# --- the documents and their edits ---------------------------------------------------------


@dataclass(frozen=True)
class Doc:
    """One model the editors share."""

    id: str
    type: str  # CONNECTOR | PROCESS
    name: str
    tasks: int = 0  # service tasks of a process, checked again at the end

    @property
    def media_type(self) -> str:
        return "application/json" if self.type == "CONNECTOR" else "application/xml"


def add_token(doc: Doc, content: bytes, token: str) -> bytes:
    """The content just read with one token added and nothing else changed."""
    if doc.type == "CONNECTOR":
        document = json.loads(content)
        document.setdefault("actions", {})[token] = {"id": token, "name": token}
        return json.dumps(document, indent=2).encode()
    annotation = (
        f'<bpmn2:textAnnotation id="{token}"><bpmn2:text>{token}</bpmn2:text></bpmn2:textAnnotation>\n'
    ).encode()
    end = content.rindex(b"</bpmn2:process>")  # artifacts come last in a process (BPMN 2.0 XSD)
    return content[:end] + annotation + content[end:]


def tokens_in(content: bytes) -> set[str]:
    return {match.decode() for match in TOKEN.findall(content)}


def damage(doc: Doc, content: bytes) -> str | None:
    """What is wrong with a final document besides tokens (its own parts must all be there)."""
    if doc.type == "CONNECTOR":
        try:
            document = json.loads(content)
        except ValueError as exc:
            return f"{doc.name}: not JSON ({exc})"
        return None if document.get("name") == doc.name else f"{doc.name}: its name is gone"
    tasks = content.count(b"<bpmn2:serviceTask ")
    return None if tasks == doc.tasks else f"{doc.name}: {tasks} service tasks, not {doc.tasks}"


# --- the editors ---------------------------------------------------------------------------


@dataclass
class Tally:
    """What the editors saw. Lists and counters are only appended to under `lock`."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"GET": [], "PUT": []})
    statuses: dict[str, Counter] = field(default_factory=lambda: {"GET": Counter(), "PUT": Counter()})
    acknowledged: set[str] = field(default_factory=set)  # a PUT answered 200
    refused_only: set[str] = field(default_factory=set)  # every PUT of it answered 412 (given up)
    # A PUT answered 5xx or cut, then the token found in the document: it did commit.
    committed_after: Counter = field(default_factory=Counter)
    committed_tokens: set[str] = field(default_factory=set)
    uncertain: set[str] = field(default_factory=set)  # cut/5xx, deadline before we could tell
    puts_in_flight: int = 0
    editors_done: threading.Event = field(default_factory=threading.Event)  # every answer received
    other_answers: list[str] = field(default_factory=list)  # first few unexpected answers, for the report

    def record(self, op: str, status: int | str, ms: float | None) -> None:
        with self.lock:
            self.statuses[op][status] += 1
            if ms is not None:
                self.latencies[op].append(ms)


class Editor(threading.Thread):
    def __init__(
        self,
        number: int,
        port: int,
        auth: str,
        docs: list[Doc],
        save_prefix: str,
        deadline: float,
        tally: Tally,
        seed: int,
    ) -> None:
        super().__init__(name=f"editor-{number}", daemon=True)
        self.number, self.port, self.auth, self.docs = number, port, auth, docs
        self.save_prefix, self.deadline, self.tally = save_prefix, deadline, tally
        self.random = random.Random(seed * 1000 + number)
        self.conn: http.client.HTTPConnection | None = None

    def request(self, op: str, method: str, path: str, body: bytes | None = None, headers=None):
        """(status or 'conn', headers, body); latency recorded for answered requests."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=60)
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body, {"Authorization": self.auth, **(headers or {})})
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = None
            self.tally.record(op, "conn", None)
            return "conn", {}, b""
        ms = (time.perf_counter() - start) * 1000
        self.tally.record(op, response.status, ms)
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def pause(self, headers: dict) -> None:
        """After a 503 or a dropped connection: wait as told (Retry-After), at most 0.5 s."""
        try:
            wait = float(headers.get("retry-after", "0.1"))
        except ValueError:
            wait = 0.1
        time.sleep(min(max(wait, 0.05), 0.5, max(self.deadline - time.monotonic(), 0)))

    def note(self, text: str) -> None:
        with self.tally.lock:
            if len(self.tally.other_answers) < 10:
                self.tally.other_answers.append(text)

    def run(self) -> None:
        sequence = 0
        while time.monotonic() < self.deadline and sequence < 1_000_000:
            doc = self.random.choice(self.docs)
            token = f"Tok_e{self.number:04d}_n{sequence:06d}"
            sequence += 1
            self.edit(doc, token)
        if self.conn is not None:
            self.conn.close()

    def edit(self, doc: Doc, token: str) -> None:
        """GET → add token → PUT If-Match, again on 412 or failure, until acknowledged or the deadline."""
        doubt = None  # why we do not know whether the last PUT of this token committed
        refused = False
        for _attempt in range(10_000):
            if time.monotonic() >= self.deadline:
                break
            status, headers, content = self.request("GET", "GET", f"{API}/models/{doc.id}/content")
            if status != 200:
                if status not in ("conn", 503):
                    self.note(f"GET {doc.name}: {status} {content[:200]!r}")
                self.pause(headers)
                continue
            if doubt is not None and token.encode() in content:
                with self.tally.lock:
                    self.tally.committed_after[doubt] += 1
                    self.tally.committed_tokens.add(token)
                return
            body = add_token(doc, content, token)
            with self.tally.lock:
                self.tally.puts_in_flight += 1
            try:
                status, headers, answer = self.request(
                    "PUT",
                    "PUT",
                    f"{self.save_prefix}/models/{doc.id}/content",
                    body,
                    {"Content-Type": doc.media_type, "If-Match": headers.get("etag", "")},
                )
            finally:
                with self.tally.lock:
                    self.tally.puts_in_flight -= 1
            if status == 200:
                with self.tally.lock:
                    self.tally.acknowledged.add(token)
                return
            if status == 412:
                refused = True
                continue
            if status == "conn" or (isinstance(status, int) and status >= 500):
                doubt = f"PUT {status}"
                self.pause(headers)
                continue
            self.note(f"PUT {doc.name}: {status} {answer[:300]!r}")
            return  # another 4xx: the edit itself was refused; counted, not retried
        with self.tally.lock:
            if doubt is not None:
                self.tally.uncertain.add(token)
            elif refused:
                self.tally.refused_only.add(token)


def run_editors(
    port: int,
    auth: str,
    docs: list[Doc],
    *,
    editors: int,
    seconds: float,
    save_prefix: str = API,
    seed: int = 1,
    during=None,
) -> tuple[Tally, float]:
    """Run the editors until the deadline; `during(tally, deadline)` runs beside them (a fault)."""
    tally = Tally()
    deadline = time.monotonic() + seconds
    threads = [Editor(n, port, auth, docs, save_prefix, deadline, tally, seed) for n in range(editors)]
    fault = threading.Thread(target=during, args=(tally, deadline), daemon=True) if during else None
    started = time.perf_counter()
    for thread in [*threads, *([fault] if fault else [])]:
        thread.start()
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0) + 120)
    elapsed = time.perf_counter() - started
    tally.editors_done.set()
    if fault is not None:
        fault.join(120)
    if any(thread.is_alive() for thread in [*threads, *([fault] if fault else [])]):
        raise RuntimeError("an editor or the fault did not finish within 120 s of the deadline")
    return tally, elapsed


def warm_up(port: int, auth: str, docs: list[Doc], *, workers: int) -> None:
    """Every worker loads the app, the schemas and each document once before anything is measured:
    a GET and an unchanged PUT (no new version) of each document over `2 × workers` connections."""

    def one(doc: Doc) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=120)
        try:
            conn.request("GET", f"{API}/models/{doc.id}/content", headers={"Authorization": auth})
            response = conn.getresponse()
            content = response.read()
            conn.close()
            conn.request(
                "PUT",
                f"{API}/models/{doc.id}/content",
                content,
                {
                    "Authorization": auth,
                    "Content-Type": doc.media_type,
                    "If-Match": response.getheader("ETag"),
                },
            )
            conn.getresponse().read()
        finally:
            conn.close()

    for _round in range(2):
        threads = [threading.Thread(target=one, args=(doc,)) for doc in docs for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)


def final_documents(port: int, auth: str, docs: list[Doc]) -> dict[Doc, bytes]:
    """Every document as the API serves it now."""
    found = {}
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        for doc in docs:
            for _attempt in range(20):
                try:
                    conn.request("GET", f"{API}/models/{doc.id}/content", headers={"Authorization": auth})
                    response = conn.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException):
                    conn.close()
                    time.sleep(0.2)
                    continue
                if response.status == 200:
                    found[doc] = data
                    break
                time.sleep(0.2)
            else:
                raise RuntimeError(f"could not read {doc.name} back")
    finally:
        conn.close()
    return found


# --- the report ----------------------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


@dataclass
class Outcome:
    label: str
    seconds: float
    tally: Tally
    final: dict[Doc, bytes]
    drift_before: list = field(default_factory=list)
    drift_after: list | None = None  # None: no repair was needed or run
    file_mismatches: list[str] = field(default_factory=list)
    file_mismatches_after: list[str] | None = None
    version_problems: list[str] = field(default_factory=list)
    damaged: list[str] = field(default_factory=list)
    fault_notes: list[str] = field(default_factory=list)
    server_log: Counter = field(default_factory=Counter)

    @property
    def present(self) -> set[str]:
        return set().union(*(tokens_in(content) for content in self.final.values()))

    @property
    def lost(self) -> set[str]:
        return self.tally.acknowledged - self.present

    @property
    def lost_committed(self) -> set[str]:
        """Tokens seen committed after a failed PUT, then gone: lost too."""
        return self.tally.committed_tokens - self.present

    @property
    def refused_but_present(self) -> set[str]:
        return self.tally.refused_only & self.present

    def count(self, op: str, predicate) -> int:
        return sum(n for status, n in self.tally.statuses[op].items() if predicate(status))

    def numbers(self) -> dict[str, float]:
        put, get = self.tally.statuses["PUT"], self.tally.statuses["GET"]
        both = put + get
        return {
            "saves/s": len(self.tally.acknowledged) / self.seconds,
            "requests/s": sum(both.values()) / self.seconds,
            "GET p50": percentile(self.tally.latencies["GET"], 50),
            "GET p95": percentile(self.tally.latencies["GET"], 95),
            "GET p99": percentile(self.tally.latencies["GET"], 99),
            "PUT p50": percentile(self.tally.latencies["PUT"], 50),
            "PUT p95": percentile(self.tally.latencies["PUT"], 95),
            "PUT p99": percentile(self.tally.latencies["PUT"], 99),
            "PUT 200": put[200],
            "PUT 412": put[412],
            "other 4xx": sum(
                n for s, n in both.items() if isinstance(s, int) and 400 <= s < 500 and s != 412
            ),
            "500": sum(n for s, n in both.items() if isinstance(s, int) and s >= 500 and s != 503),
            "503": both[503],
            "dropped": both["conn"],
            "acknowledged": len(self.tally.acknowledged),
            "lost": len(self.lost) + len(self.lost_committed),
            "drift": len(self.drift_before),
        }

    def report(self) -> str:
        n = self.numbers()
        put, get = self.tally.statuses["PUT"], self.tally.statuses["GET"]
        lines = [
            f"== {self.label}: {self.seconds:.1f} s, {len(self.final)} documents "
            f"({', '.join(sorted({d.type for d in self.final}))})",
            f"  throughput: {n['saves/s']:.1f} acknowledged saves/s, {n['requests/s']:.1f} requests/s",
            f"  GET  n={sum(get.values()):>6}  p50 {n['GET p50']:7.1f} ms  p95 {n['GET p95']:7.1f} ms  "
            f"p99 {n['GET p99']:7.1f} ms   statuses {_statuses(get)}",
            f"  PUT  n={sum(put.values()):>6}  p50 {n['PUT p50']:7.1f} ms  p95 {n['PUT p95']:7.1f} ms  "
            f"p99 {n['PUT p99']:7.1f} ms   statuses {_statuses(put)}",
            f"  200: {n['PUT 200']}  412: {n['PUT 412']}  other 4xx: {n['other 4xx']}  "
            f"5xx: {n['500'] + n['503']} (503: {n['503']}, other 5xx: {n['500']})  dropped connections: {n['dropped']}",
            f"  tokens: {len(self.tally.acknowledged)} acknowledged, LOST {len(self.lost)}"
            + (f" {sorted(self.lost)[:5]}…" if self.lost else "")
            + f"; committed though the PUT failed: {sum(self.tally.committed_after.values())}"
            + (f" {dict(self.tally.committed_after)}" if self.tally.committed_after else "")
            + (f", of them later lost: {len(self.lost_committed)}" if self.tally.committed_after else "")
            + f"; undecided at the deadline: {len(self.tally.uncertain)}"
            + f"; refused (412) yet present: {len(self.refused_but_present)}",
            f"  workspace drift: {len(self.drift_before)}"
            + (f" {[str(d) for d in self.drift_before[:4]]}" if self.drift_before else "")
            + (f"; after rebuild_workspace: {len(self.drift_after)}" if self.drift_after is not None else "")
            + f"; API content vs workspace file byte for byte: {len(self.file_mismatches)} differ"
            + (f" {self.file_mismatches[:3]}" if self.file_mismatches else "")
            + (
                f", after rebuild_workspace: {len(self.file_mismatches_after)} differ"
                if self.file_mismatches_after is not None
                else ""
            ),
        ]
        lines.append(
            f"  documents intact (connector JSON with its name, every service task): "
            f"{'yes' if not self.damaged else self.damaged[:3]}"
        )
        if self.version_problems:
            lines.append(f"  version rows: {self.version_problems[:3]}")
        for note in self.fault_notes:
            lines.append(f"  fault: {note}")
        if self.server_log:
            lines.append(f"  server log: {dict(self.server_log)}")
        for answer in self.tally.other_answers[:3]:
            lines.append(f"  unexpected: {answer}")
        return "\n".join(lines)


def _statuses(counter: Counter) -> str:
    return " ".join(f"{status}:{n}" for status, n in sorted(counter.items(), key=lambda kv: str(kv[0])))


# --- setting up (in process, against the load database) -----------------------------------


def setup_django(database_url: str) -> None:
    os.environ.setdefault("DATABASE_URL", database_url)
    os.environ.update(bench_environment())
    from bench.harness import _ensure_database

    _ensure_database(os.environ["DATABASE_URL"])
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def load_user():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from modeler.roles import APS_MODELER

    user, _ = get_user_model().objects.get_or_create(username="bench-load")
    user.groups.add(Group.objects.get(name=APS_MODELER))
    token, _ = Token.objects.get_or_create(user=user)
    return user, f"Token {token.key}"


def create_project(user, name: str, *, connectors: int, small: int, large: int) -> list[Doc]:
    """A project of `connectors` connectors (the first is `movies`, which the processes call) and
    processes of 100 (`small`) and 1,000 (`large`) service tasks."""
    from bench.bench_process_save import process_xml
    from projects import services

    project = services.project_create(actor=user, name=name)
    docs = []
    for n in range(connectors):
        content = dict(MOVIES) if n == 0 else {"name": f"conn-{n}", "description": "load test"}
        model, _ = services.model_create(
            actor=user,
            project=project,
            type_name="CONNECTOR",
            name=content["name"],
            content=json.dumps(content, indent=2).encode(),
        )
        docs.append(Doc(str(model.pk), "CONNECTOR", model.name))
    for tasks, count in ((100, small), (1_000, large)):
        for n in range(count):
            model, _ = services.model_create(
                actor=user, project=project, type_name="PROCESS", name=f"tasks-{tasks}-{n}"
            )
            process_id = next(iter(model.extensions))
            model.extensions[process_id]["properties"] = VARIABLES
            services.model_save_content(
                actor=user,
                model=model,
                content=process_xml(process_id, tasks, f"step {n}"),
                extensions=model.extensions,
            )
            docs.append(Doc(str(model.pk), "PROCESS", model.name, tasks))
    return docs


def delete_projects(user) -> None:
    """The load database holds the current phase's project only (drift() compares all of them)."""
    from projects import services
    from projects.models import Project

    for project in Project.objects.all():
        services.project_delete(actor=user, project=project)


def check_workspace(outcome: Outcome, project_name: str, *, repair: bool) -> None:
    """drift() of the whole workspace, each API document against its file, and (after a fault, or
    when drift was found) rebuild_workspace and drift() again."""
    from django.core.management import call_command

    from projects import workspace_sync
    from projects.models import Model, ModelVersion, Project

    outcome.drift_before = workspace_sync.drift()
    project = Project.objects.get(name=project_name)
    outcome.file_mismatches = _files_against_api(outcome, workspace_sync.folder_of(project))
    outcome.damaged = [problem for doc, content in outcome.final.items() if (problem := damage(doc, content))]
    if not outcome.label.startswith("naive"):  # the naive save writes no version rows
        for model in Model.objects.filter(project=project):
            row = ModelVersion.objects.filter(model=model, version=model.version).first()
            if row is None or bytes(row.content) != bytes(model.content):
                outcome.version_problems.append(f"{model.name} 0.0.{model.version}: version row differs")
    if repair or outcome.drift_before or outcome.file_mismatches:
        try:
            call_command("rebuild_workspace", stdout=io.StringIO())
        except (Exception, SystemExit) as exc:  # reported, and the drift left is measured below
            outcome.fault_notes.append(f"rebuild_workspace failed: {exc}")
        outcome.drift_after = workspace_sync.drift()
        outcome.file_mismatches_after = _files_against_api(outcome, workspace_sync.folder_of(project))


def _files_against_api(outcome: Outcome, folder: Path) -> list[str]:
    """Each document as the API served it at the end against its workspace file, byte for byte."""
    from projects.model_types import model_type

    mismatches = []
    for doc, content in outcome.final.items():
        path = folder / model_type(doc.type).file_name(doc.name)
        try:
            on_disk = path.read_bytes()
        except OSError as exc:
            mismatches.append(f"{path.name}: {exc.__class__.__name__}")
            continue
        if on_disk != content:
            mismatches.append(f"{path.name}: {len(on_disk)} bytes on disk, {len(content)} from the API")
    return mismatches


# --- the server ----------------------------------------------------------------------------


class LoadServer(BenchServer):
    """BenchServer with its own workspace folder and its stderr kept in a file (counted after)."""

    def __init__(self, workers: int, workspace: Path, log: Path) -> None:
        super().__init__(workers=workers)
        self.workspace, self.log = workspace, log

    def __enter__(self) -> LoadServer:
        env = {**bench_environment(), "MODELER_WORKSPACE_DIR": str(self.workspace)}
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("gunicorn")),
                    "modeler.wsgi",
                    "-b",
                    f"{HOST}:{self.port}",
                    "-w",
                    str(self.workers),
                    "--timeout",
                    "60",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    time.sleep(1.0)  # let every worker boot
                    return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start: {self.log.read_text()[-2000:]}")

    def workers_pids(self) -> list[int]:
        """The master's children (the workers), from /proc."""
        assert self.process is not None
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    stat = (entry / "stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                        children.append(int(entry.name))
        return children

    def log_counts(self) -> Counter:
        text = self.log.read_text(errors="replace")
        patterns = {
            "workspace write failed": "workspace write failed",
            "database unavailable (503)": "database unavailable on",
            "Internal Server Error": "Internal Server Error",
            "worker killed (SIGKILL)": "was sent SIGKILL",
            "WORKER TIMEOUT": "WORKER TIMEOUT",
        }
        return Counter({label: text.count(needle) for label, needle in patterns.items() if needle in text})


# --- the faults ----------------------------------------------------------------------------


def fault_kill(server: LoadServer, notes: list[str], *, kills: int, start: float, every: float):
    """SIGKILL one worker `kills` times, each when at least one PUT is in flight."""

    def during(tally: Tally, deadline: float) -> None:
        time.sleep(start)
        killed = []
        for _ in range(kills):
            wait_until = min(time.monotonic() + 5, deadline)
            while tally.puts_in_flight == 0 and time.monotonic() < wait_until:
                time.sleep(0.005)
            if time.monotonic() >= deadline:
                break
            pids = server.workers_pids()
            if not pids:
                break
            pid = random.choice(pids)
            in_flight = tally.puts_in_flight
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
                killed.append((pid, in_flight))
            time.sleep(max(0.0, min(every, deadline - time.monotonic())))
        notes.append(
            f"SIGKILL sent to {len(killed)} workers (pid: PUTs in flight at the time) "
            + ", ".join(f"{pid}: {n}" for pid, n in killed)
        )

    return during


def fault_pgterm(database_url: str, notes: list[str], *, rounds: int, start: float, every: float):
    """pg_terminate_backend() on every backend of the load database but this one, `rounds` times."""
    import psycopg

    def during(tally: Tally, deadline: float) -> None:
        time.sleep(start)
        terminated = []
        with psycopg.connect(database_url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            for _ in range(rounds):
                if time.monotonic() >= deadline:
                    break
                rows = conn.execute(
                    "SELECT pg_terminate_backend(pid), state FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchall()
                terminated.append((len(rows), Counter(state or "?" for _, state in rows)))
                time.sleep(max(0.0, min(every, deadline - time.monotonic())))
        notes.append(
            f"pg_terminate_backend: {len(terminated)} rounds, backends terminated per round "
            + ", ".join(f"{n} {dict(states)}" for n, states in terminated)
        )

    return during


class DiskFault:
    """The workspace made unwritable for `seconds`, by the strongest means this machine allows."""

    def __init__(self, mode: str, workspace: Path, tmp: Path) -> None:
        self.mode, self.workspace, self.tmp = mode, workspace, tmp
        self.mounted = False

    def prepare(self) -> None:
        """Mount a small tmpfs as the workspace (before gunicorn starts), if we may."""
        self.workspace.mkdir(parents=True, exist_ok=True)
        if self.mode in ("readonly", "full"):
            result = subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=256m,mode=0755", "tmpfs", str(self.workspace)],
                capture_output=True,
            )
            self.mounted = result.returncode == 0
            if not self.mounted:
                print(
                    f"  (cannot mount a tmpfs: {result.stderr.decode().strip()}; using the folder-file swap)"
                )
                self.mode = "file"

    def cleanup(self) -> None:
        if self.mounted:
            subprocess.run(["mount", "-o", "remount,rw", str(self.workspace)], capture_output=True)
            subprocess.run(["umount", str(self.workspace)], capture_output=True)
            self.mounted = False

    def during(self, project_folder: Path, notes: list[str], *, start: float, seconds: float):
        """Two windows: one in the middle of the load (later saves rewrite what they touch) and one
        that ends with the load (what it left stale is for rebuild_workspace to repair)."""

        def unwritable(tally: Tally, wait) -> None:
            began, acknowledged = time.monotonic(), len(tally.acknowledged)
            if self.mode == "readonly":
                subprocess.run(
                    ["mount", "-o", "remount,ro", str(self.workspace)], check=True, capture_output=True
                )
                how = "tmpfs remounted read-only (EROFS)"
            elif self.mode == "full":
                with open(self.workspace / "ballast", "wb") as handle, contextlib.suppress(OSError):
                    for _ in range(1024):  # 256 MiB at most: the tmpfs's size
                        handle.write(b"\0" * (1 << 20))
                        handle.flush()
                how = "tmpfs filled up (ENOSPC)"
            else:
                aside = project_folder.with_name(f".{project_folder.name}.aside")
                os.replace(project_folder, aside)
                project_folder.write_bytes(b"not a folder")
                how = "project folder replaced by a file (ENOTDIR)"
            wait()
            saved = len(tally.acknowledged) - acknowledged
            if self.mode == "readonly":
                subprocess.run(["mount", "-o", "remount,rw", str(self.workspace)], check=True)
            elif self.mode == "full":
                (self.workspace / "ballast").unlink()
            else:
                project_folder.unlink()
                if project_folder.exists():  # a save recreated it meanwhile: keep the newer one
                    shutil.rmtree(aside)
                else:
                    os.replace(aside, project_folder)
            notes.append(
                f"workspace unwritable for {time.monotonic() - began:.1f} s ({how}); "
                f"{saved} saves acknowledged meanwhile"
            )

        def during(tally: Tally, deadline: float) -> None:
            time.sleep(start)
            unwritable(tally, lambda: time.sleep(max(0.0, min(seconds, deadline - time.monotonic()))))
            time.sleep(max(0.0, deadline - seconds - time.monotonic()))
            unwritable(tally, lambda: tally.editors_done.wait(max(0.0, deadline - time.monotonic()) + 110))
            notes.append(
                "the second window lasted until every editor had its last answer: "
                "what it left stale is for rebuild_workspace to repair"
            )

        return during


# --- a phase, and the whole run ------------------------------------------------------------


def run_phase(label: str, kind: str, args, user, auth: str, tmp: Path, seed: int) -> Outcome:
    from django.conf import settings
    from django.db import connection

    delete_projects(user)
    workspace = tmp / f"workspace-{label}"
    project_name = f"load-{label}"[:26].rstrip("-")
    disk = DiskFault(args.disk_fault, workspace, tmp) if kind == "disk" else None
    try:
        if disk is not None:
            disk.prepare()
        workspace.mkdir(parents=True, exist_ok=True)
        settings.MODELER_WORKSPACE_DIR = workspace
        docs = create_project(
            user, project_name, connectors=args.connectors, small=args.small, large=args.large
        )
        notes: list[str] = []
        with LoadServer(args.workers, workspace, (args.log_dir or tmp) / f"gunicorn-{label}.log") as server:
            window = (args.seconds * 0.3, args.seconds * 0.4)  # start, length
            during = None
            if kind == "kill":
                during = fault_kill(
                    server, notes, kills=args.kills, start=window[0], every=window[1] / args.kills
                )
            elif kind == "pgterm":
                during = fault_pgterm(
                    os.environ["DATABASE_URL"],
                    notes,
                    rounds=args.kills,
                    start=window[0],
                    every=window[1] / args.kills,
                )
            elif kind == "disk":
                from projects import workspace_sync
                from projects.models import Project

                folder = workspace_sync.folder_of(Project.objects.get(name=project_name))
                during = disk.during(folder, notes, start=window[0], seconds=args.disk_seconds)
            prefix = NAIVE if kind == "naive" else API
            warm_up(server.port, auth, docs, workers=args.workers)
            # This process holds no connection during the load: pg_terminate_backend hits the app's only.
            connection.close()
            tally, elapsed = run_editors(
                server.port,
                auth,
                docs,
                editors=args.editors,
                seconds=args.seconds,
                save_prefix=prefix,
                seed=seed,
                during=during,
            )
            outcome = Outcome(label, elapsed, tally, final_documents(server.port, auth, docs))
            outcome.fault_notes = notes
            outcome.server_log = server.log_counts()
        check_workspace(outcome, project_name, repair=kind in ("kill", "pgterm", "disk"))
        return outcome
    finally:
        if disk is not None:
            disk.cleanup()


def cpu_note() -> str:
    """The machine is shared: its load average goes beside every figure."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} CPUs, load average {one:.1f} (1 min) {five:.1f} (5 min)"


def medians(outcomes: list[Outcome]) -> str:
    keys = list(outcomes[0].numbers())
    rows = [f"== medians of {len(outcomes)} runs of the real save"]
    values = {key: statistics.median(o.numbers()[key] for o in outcomes) for key in keys}
    per_run = {key: [o.numbers()[key] for o in outcomes] for key in keys}
    for key in keys:
        fmt = "{:.1f}" if isinstance(values[key], float) else "{}"
        runs = ", ".join(fmt.format(v) for v in per_run[key])
        rows.append(f"  {key:<13} {fmt.format(values[key]):>9}   (runs: {runs})")
    return "\n".join(rows)


def verdict(outcome: Outcome, kind: str) -> str:
    n = outcome.numbers()
    if kind == "naive":
        ok = n["lost"] > 0
        return f"  control {'DETECTED LOSS (as it must)' if ok else 'FAILED: no loss detected'}: {n['lost']} lost"
    allowed_5xx = kind in ("pgterm", "kill", "disk")
    failures = []
    if n["lost"]:
        failures.append(f"{n['lost']} lost")
    if n["500"]:
        failures.append(f"{n['500']} 5xx other than 503")
    if n["503"] and not allowed_5xx:
        failures.append(f"{n['503']} 503")
    if outcome.refused_but_present:
        failures.append(f"{len(outcome.refused_but_present)} refused tokens stored")
    if outcome.version_problems:
        failures.append("version rows differ")
    if outcome.damaged:
        failures.append("documents damaged")
    final_drift = outcome.drift_after if outcome.drift_after is not None else outcome.drift_before
    if final_drift:
        failures.append(f"{len(final_drift)} drift left")
    if outcome.file_mismatches_after:
        failures.append("files differ from the API after the rebuild")
    if kind == "real" and outcome.drift_before:
        failures.append(f"{len(outcome.drift_before)} drift")
    return "  goals (0 lost, no 500, 0 drift): " + (
        "met" if not failures else "NOT met: " + "; ".join(failures)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--editors", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--runs", type=int, default=3, help="runs of the real save (medians printed)")
    parser.add_argument("--phases", default=",".join(PHASES), help=f"comma-separated, of {', '.join(PHASES)}")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--connectors", type=int, default=3)
    parser.add_argument("--small", type=int, default=2, help="processes of 100 service tasks")
    parser.add_argument("--large", type=int, default=2, help="processes of 1,000 service tasks")
    parser.add_argument("--kills", type=int, default=5, help="workers killed / pg_terminate_backend rounds")
    parser.add_argument("--disk-fault", choices=("readonly", "full", "file"), default="readonly")
    parser.add_argument("--disk-seconds", type=float, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--log-dir", type=Path, help="keep each phase's gunicorn log here (default: discarded)"
    )
    args = parser.parse_args(argv)
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = set(phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    if not 1 <= args.editors <= 200 or not 0 < args.seconds <= 3600:
        parser.error("--editors 1..200 and --seconds up to 3600")

    setup_django(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    user, auth = load_user()
    print(
        f"{args.editors} editors × {args.seconds:g} s, gunicorn -w {args.workers} on {HOST}, "
        f"{args.connectors} connectors + {args.small} × 100-task + {args.large} × 1,000-task processes, "
        f"database {os.environ['DATABASE_URL'].rsplit('/', 1)[1]}; {cpu_note()}",
        flush=True,
    )
    failed = False
    with tempfile.TemporaryDirectory(prefix="bench-load-") as directory:
        tmp = Path(directory)
        real: list[Outcome] = []
        for phase in phases:
            for run in range(args.runs if phase == "real" else 1):
                label = f"{phase}-{run + 1}" if phase == "real" else phase
                outcome = run_phase(label, phase, args, user, auth, tmp, args.seed + run)
                print(outcome.report() + f"\n  machine: {cpu_note()}", flush=True)
                line = verdict(outcome, phase)
                failed |= "NOT met" in line or "FAILED" in line
                print(line, flush=True)
                if phase == "real":
                    real.append(outcome)
        if len(real) > 1:
            print(medians(real))
        delete_projects(user)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
