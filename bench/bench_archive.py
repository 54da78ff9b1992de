"""Export and import of a big project: 200 processes of 100 service tasks and 50 connectors.

Through the service layer the API and the CLI call (projects.archive), on PostgreSQL, against a
floor measured in the same run on the same files:
- export floor: bare `zipfile` write (deflate, level 6) of the files;
- import floor: bare `zipfile` read of every member, lxml parse of every XML, json.loads of every JSON.
Goals: export <= 2x and import <= 4x the floor (import checks every file: XSD, references,
mappings, stores every model with its first version, and writes the project's workspace folder);
peak RSS reported (bounded by the archive cap: members are read in memory once). Floor and
work rounds are taken in turn, so that both medians see the same machine.

Run by hand (not in CI): .venv/bin/python bench/bench_archive.py   (PostgreSQL at 127.0.0.1:5432)
"""

from __future__ import annotations

import io
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/modeler_bench_archive")

from bench.bench_process_save import process_xml  # noqa: E402
from bench.harness import setup_django  # noqa: E402

PROCESSES, TASKS, CONNECTORS, ACTIONS = 200, 100, 50, 4
ROUNDS = 5


def connector_json(index: int) -> bytes:
    actions = {}
    for number in range(ACTIONS):
        action_id = str(uuid.UUID(int=index * 1000 + number))
        actions[action_id] = {
            "id": action_id,
            "name": f"act{number}",
            "description": f"Action {number}",
            "inputs": [{"id": f"i{number}", "name": "movieName", "type": "string", "required": True}],
            "outputs": [{"id": f"o{number}", "name": "movieDescription", "type": "string"}],
        }
    document = {
        "id": f"connector-{uuid.UUID(int=index)}",
        "name": f"c{index}",
        "description": "bench",
        "actions": actions,
    }
    return (json.dumps(document, indent=2) + "\n").encode()


def extensions_json(index: int, process_id: str) -> bytes:
    properties = {
        f"v{name}": {"id": f"v{name}", "name": name, "type": "string", "required": False}
        for name in ("movieName", "movieDescription")
    }
    mappings = {
        f"Task_{n}": {
            "inputs": {"movieName": {"type": "variable", "value": "movieName"}},
            "outputs": {"movieDescription": {"type": "variable", "value": "movieDescription"}},
        }
        for n in range(TASKS)
    }
    document = {
        "id": f"process-{uuid.UUID(int=10_000 + index)}",
        "name": f"p{index}",
        "type": "PROCESS",
        "extensions": {process_id: {"properties": properties, "mappings": mappings, "constants": {}}},
    }
    return json.dumps(document, indent=2).encode()


def project_files() -> dict[str, bytes]:
    manifest = {"id": str(uuid.uuid4()), "name": "bench-archive", "description": "", "version": "0"}
    files = {"bench-archive.json": json.dumps(manifest).encode()}
    for index in range(CONNECTORS):
        files[f"connectors/c{index}.json"] = connector_json(index)
    for index in range(PROCESSES):
        process_id = f"Process_{index:08d}"
        implementation = f"c{index % CONNECTORS}.act{index % ACTIONS}"
        xml = process_xml(process_id, TASKS, f"p{index}").replace(
            b"movies.getMovieDesc", implementation.encode()
        )
        files[f"processes/p{index}.bpmn20.xml"] = xml
        files[f"processes/p{index}-extensions.json"] = extensions_json(index, process_id)
    return files


def zip_floor(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data, zipfile.ZIP_DEFLATED, 6)
    return buffer.getvalue()


def read_floor(data: bytes) -> int:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    count = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            member = archive.read(info)
            if info.filename.endswith(".xml"):
                count += len(etree.fromstring(member, parser))
            else:
                count += len(json.loads(member))
    return count


def timed(work, rounds: int = ROUNDS) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = work()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), result


def paused(work, *args):
    """`work` with Python's cyclic collector paused, as the import runs (projects.archive pauses
    it): the floor is not charged for collections of the objects the benchmark holds."""
    from projects.archive import cyclic_gc_paused

    with cyclic_gc_paused():
        return work(*args)


def timed_pair(floor, work, rounds: int = ROUNDS) -> tuple[float, float, object]:
    """Medians of the floor and of the work, their rounds taken in turn (floor, work, floor, …)
    so that both see the same machine: on a shared machine, a floor timed before the work and
    the work timed after can see different loads."""
    floors, works, result = [], [], None
    for _ in range(rounds):
        start = time.perf_counter()
        floor()
        floors.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = work()
        works.append(time.perf_counter() - start)
    return statistics.median(floors), statistics.median(works), result


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    workspace = tempfile.mkdtemp(prefix="bench-archive-")
    os.environ["MODELER_WORKSPACE_DIR"] = workspace
    setup_django()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from modeler.roles import APS_MODELER
    from projects import archive
    from projects.models import Project

    settings.MODELER_WORKSPACE_DIR = Path(workspace)
    user, _ = get_user_model().objects.get_or_create(username="bench-archive")
    user.groups.add(Group.objects.get_or_create(name=APS_MODELER)[0])
    Project.objects.filter(owner=user).delete()

    files = project_files()
    data = zip_floor(files)
    size = sum(len(v) for v in files.values())
    print(
        f"project: {PROCESSES} processes x {TASKS} tasks, {CONNECTORS} connectors; "
        f"{len(files)} files, {size / 2**20:.1f} MiB, zip {len(data) / 2**20:.2f} MiB"
    )
    rss_start = peak_rss_mib()

    read_floor(data)  # warm up lxml and the allocator before timing the floor
    names = iter(f"bench-import-{n}" for n in range(ROUNDS + 1))
    imported: list = []

    def do_import():
        project = archive.project_import(actor=user, data=data, name=next(names))
        imported.append(project)
        return project

    import_floor, import_time, project = timed_pair(lambda: paused(read_floor, data), do_import)
    rss_import = peak_rss_mib()
    same_files = archive.project_files(project)
    export_floor, export_time, exported = timed_pair(
        lambda: zip_floor(same_files), lambda: archive.export_zip(project)
    )
    rss_export = peak_rss_mib()
    assert archive.export_zip(project) == exported, "two exports differ"

    print(
        f"import: {import_time * 1000:8.0f} ms   floor {import_floor * 1000:6.0f} ms   "
        f"ratio {import_time / import_floor:5.2f}  (goal <= 4)"
    )
    print(
        f"export: {export_time * 1000:8.0f} ms   floor {export_floor * 1000:6.0f} ms   "
        f"ratio {export_time / export_floor:5.2f}  (goal <= 2)"
    )
    print(
        f"peak RSS: {rss_start:.0f} MiB before, {rss_import:.0f} MiB after imports, "
        f"{rss_export:.0f} MiB after exports (archive cap {settings.MODELER_MAX_ZIP_BYTES / 2**20:.0f} MiB)"
    )
    # Where the import's time goes: each part timed on its own, on the same files, with Python's
    # cyclic collector paused as project_import pauses it.
    from projects import workspace

    with archive.cyclic_gc_paused():
        read, _ = timed(lambda: archive.read_project_zip(data), rounds=3)
        read_check, _ = timed(lambda: archive.check_models(archive.read_project_zip(data)), rounds=3)
        folders = iter(workspace.project_dir(user.pk, f"bench-write-{n}") for n in range(3))
        write, _ = timed(lambda: workspace.replace_folder(next(folders), same_files), rounds=3)
        stores = []
        for n in range(3):
            checked = archive.read_project_zip(data)
            archive.check_models(checked)
            start = time.perf_counter()
            imported.append(archive.store_project(actor=user, archive=checked, name=f"bench-store-{n}"))
            stores.append(time.perf_counter() - start)
        store = statistics.median(stores)
    print(
        f"  import parts: read the zip and parse its JSON (strict_json) {read * 1000:.0f} ms; "
        f"check every file (XSD, references: services.model_check) {(read_check - read) * 1000:.0f} ms; "
        f"store (archive.store_project: the processes' completion, the rows and their insert, the "
        f"versions and the commit, while a worker thread writes the workspace folder beside its "
        f"place, then the folder renamed in) {store * 1000:.0f} ms; writing the "
        f"{len(same_files)} workspace files alone, no fsync (workspace.replace_folder) {write * 1000:.0f} ms; "
        f"the parts add up to {(read_check + store) * 1000:.0f} ms (each a median of 3 timed apart: "
        f"the import's {import_time * 1000:.0f} ms may be less)"
    )
    for project in imported:
        project.delete()
    return 0


if __name__ == "__main__":
    sys.exit(main())
