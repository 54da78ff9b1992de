"""The local workspace writer against a bare atomic write of the same files.

What the storage layer (projects/workspace_storage.py: the inside-root checks, the storage
lookup, the folder's name) costs over the write itself, on the local default:
- a save: the three files of a 1,000-task process (`.bpmn20.xml`, `-extensions.json`, the
  manifest), each fsync'd: `workspace.write_files(durable=True)` against mkstemp + write + fsync
  + os.replace of the same bytes into the same folder;
- a rebuild: 500 files of a project without fsync: `write_files(durable=False)` against
  mkstemp + write + os.replace.
Medians of ROUNDS rounds, floor and target measured alternately in the same run. No database.

Run by hand (not in CI): .venv/bin/python bench/bench_workspace.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "modeler.settings")

ROUNDS = 15


def floor_write(folder: Path, files: dict[str, bytes], durable: bool) -> None:
    for relative, data in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)


def save_files() -> dict[str, bytes]:
    """Sizes of a 1,000-task process's files (its XML is about 430 KiB)."""
    task = b'<bpmn2:serviceTask id="Task_%04d" name="task %04d" implementation="movies.getMovieDesc" />\n'
    xml = b"".join(task % (n, n) for n in range(1000)) * 5
    return {
        "processes/big.bpmn20.xml": xml,
        "processes/big-extensions.json": b"{" + b'"x": 1, ' * 20000 + b'"y": 2}\n',
        "big.json": b'{"name": "big"}\n',
    }


def rebuild_files() -> dict[str, bytes]:
    return {
        f"connectors/c{n}.json": (b'{"name": "c%d", "pad": "' % n) + b"x" * 2000 + b'"}\n' for n in range(500)
    }


def measure(label: str, files: dict[str, bytes], durable: bool, workspace_dir: Path) -> None:
    from projects import workspace

    target_folder = workspace.project_dir(1, "target")
    floor_folder = workspace_dir / "1" / "floor"
    floors, targets = [], []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        floor_write(floor_folder, files, durable)
        floors.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert workspace.write_files(target_folder, files, durable=durable)
        targets.append(time.perf_counter() - started)
    floor, target = statistics.median(floors), statistics.median(targets)
    print(
        f"{label:<44} floor {floor * 1000:8.3f} ms   write_files {target * 1000:8.3f} ms   "
        f"ratio {target / floor:5.2f}"
    )


def main() -> int:
    import django

    django.setup()
    from django.conf import settings

    with tempfile.TemporaryDirectory(prefix="bench-workspace-", dir=os.environ.get("BENCH_TMP")) as tmp:
        settings.MODELER_WORKSPACE_DIR = Path(tmp)
        files = save_files()
        size = sum(map(len, files.values())) // 1024
        measure(f"save: 3 files, {size} KiB, fsync'd", files, True, Path(tmp))
        measure("rebuild: 500 files of 2 KiB, durable=False", rebuild_files(), False, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
