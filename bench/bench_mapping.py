"""The pure extensions module (processes.mapping) on its own: medians per call, no Django, no database.

- save: a 1,000-service-task process saved with no extensions sent: the stored extensions (made
  by a first save) are completed for the new outline (same tasks, other labels: every mapping
  present, every implementation unchanged), then checked; the file is written when they changed.
  The stored extensions are timed as SQLite gives them back (the order they were written in) and
  as PostgreSQL does (jsonb: keys by length, then bytes).
- import: 200 processes of 100 service tasks (bench_archive's files): read, complete, check and
  write each extensions file.

With --against REV, the module as it was at git revision REV is timed in the same run, and
the ratios printed (the machine is shared: ratios of one run say more than medians of two).

Run by hand (not in CI): .venv/bin/python bench/bench_mapping.py [--against REV] [--profile]
"""

from __future__ import annotations

import cProfile
import importlib.util
import json
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_archive import ACTIONS, CONNECTORS, PROCESSES, TASKS, extensions_json  # noqa: E402
from bench.bench_process_save import process_xml  # noqa: E402
from processes import bpmn, mapping  # noqa: E402


def median_ms(work, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def jsonb_order(value):
    """What PostgreSQL's jsonb gives back: object keys by length, then by their bytes."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: (len(key.encode()), key.encode()))
        return {key: jsonb_order(value[key]) for key in keys}
    if isinstance(value, list):
        return [jsonb_order(item) for item in value]
    return value


def actions(module, implementations):
    parameters = (
        (module.Parameter("movieName", "string", True),),
        (module.Parameter("movieDescription", "string"),),
    )
    return {implementation: module.Action(implementation, *parameters) for implementation in implementations}


def save_case(tasks: int = 1_000):
    catalog = actions(mapping, ["movies.getMovieDesc"])
    first = bpmn.read_bpmn(process_xml("Process_bench", tasks, "look up"))
    variables = {
        "v1": {"id": "v1", "name": "movieName", "type": "string", "required": True},
        "v2": {"id": "v2", "name": "movieDescription", "type": "string", "required": False},
    }
    made = mapping.complete_extensions(first, {"Process_bench": {"properties": variables}}, catalog, {})
    outline = bpmn.read_bpmn(process_xml("Process_bench", tasks, "find"))
    previous = {task.id: task.implementation for task in outline.service_tasks}
    stored = {"sqlite": json.loads(json.dumps(made)), "postgresql": jsonb_order(json.loads(json.dumps(made)))}
    return outline, stored, previous, {"Process_bench": {"properties": variables}}


def import_case():
    outlines, documents, implementations = [], [], set()
    for index in range(PROCESSES):
        process_id = f"Process_{index:08d}"
        implementation = f"c{index % CONNECTORS}.act{index % ACTIONS}"
        implementations.add(implementation)
        xml = process_xml(process_id, TASKS, f"p{index}").replace(
            b"movies.getMovieDesc", implementation.encode()
        )
        outlines.append(bpmn.read_bpmn(xml))
        documents.append(json.loads(extensions_json(index, process_id)))
    return outlines, documents, sorted(implementations)


def timings(module, save, imported) -> dict[str, float]:
    """ms per call at 1,000 tasks; ms for the 200 files of the import."""
    outline, stored, previous, new = save
    catalog = actions(module, ["movies.getMovieDesc"])
    times = {  # the first save: every task gets its automatic rows
        "first save: complete_extensions": median_ms(
            lambda: module.complete_extensions(outline, new, catalog, {}), 51
        )
    }
    for database, extensions in stored.items():
        done = module.complete_extensions(outline, extensions, catalog, previous)
        assert done == extensions, "the second save changes nothing"
        times |= {
            f"save/{database}: complete_extensions": median_ms(
                lambda e=extensions: module.complete_extensions(outline, e, catalog, previous), 51
            ),
            f"save/{database}: check_extensions": median_ms(
                lambda d=done: module.check_extensions(outline, d, catalog), 51
            ),
            f"save/{database}: canonical": median_ms(lambda e=extensions: module.canonical(e), 51),
            f"save/{database}: extensions_file": median_ms(
                lambda d=done: module.extensions_file(
                    "m1", "p", module.Extensions(d, in_canonical_order=True)
                ),
                51,
            ),
        }
        times[f"save/{database}: complete + check"] = (
            times[f"save/{database}: complete_extensions"] + times[f"save/{database}: check_extensions"]
        )
    outlines, documents, implementations = imported
    catalog = actions(module, implementations)
    pairs = list(zip(outlines, documents, strict=True))
    read = [module.read_extensions(document) for document in documents]
    made = [module.complete_extensions(o, e, catalog, {}) for o, e in zip(outlines, read, strict=True)]

    def completing():
        for o, document in pairs:
            module.check_extensions(
                o, module.complete_extensions(o, module.read_extensions(document), catalog, {}), catalog
            )

    times |= {
        "import: read_extensions": median_ms(lambda: [module.read_extensions(d) for d in documents], 11),
        "import: complete_extensions": median_ms(
            lambda: [
                module.complete_extensions(o, e, catalog, {}) for o, e in zip(outlines, read, strict=True)
            ],
            11,
        ),
        "import: check_extensions": median_ms(
            lambda: [module.check_extensions(o, e, catalog) for o, e in zip(outlines, made, strict=True)], 11
        ),
        "import: read + complete + check": median_ms(completing, 11),
        "import: extensions_file": median_ms(
            lambda: [
                module.extensions_file("m1", "p", module.Extensions(e, in_canonical_order=True)) for e in made
            ],
            11,
        ),
    }
    return times


def module_at(revision: str):
    """processes/mapping.py as it was at a git revision, imported beside the current one."""
    folder = Path(tempfile.mkdtemp(prefix="bench-mapping-"))
    source = subprocess.run(
        ["git", "show", f"{revision}:processes/mapping.py"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    (folder / "mapping_before.py").write_bytes(source)
    shutil.copy(ROOT / "processes" / "process-extensions-schema.json", folder)
    spec = importlib.util.spec_from_file_location("mapping_before", folder / "mapping_before.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["mapping_before"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> int:
    save, imported = save_case(), import_case()
    before = module_at(sys.argv[sys.argv.index("--against") + 1]) if "--against" in sys.argv else None
    now = timings(mapping, save, imported)
    if before is None:
        for name, ms in now.items():
            print(f"{name:45} {ms:8.2f} ms")
    else:
        then = timings(before, save, imported)
        print(f"{'':45} {'before':>8} {'after':>8}  after/before")
        for name, ms in now.items():
            print(f"{name:45} {then[name]:8.2f} {ms:8.2f}  {ms / then[name]:5.2f}")
    if "--profile" in sys.argv:
        profiler = cProfile.Profile()
        profiler.enable()
        timings(mapping, save, imported)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
