"""Project archives: the one way into a zip, export, import and copy (SPEC §4, §9; RELIABILITY "Zip import").

`read_zip` is the only code that opens a zip member (tests/test_source_rules.py walks the source):
members are read in memory, one bounded read each, against caps on the archive size, the number
of entries, each member's size and compression ratio, and an allow-list of paths; unsafe names
(`..`, absolute, backslash, drive letter, NUL), symlinks, duplicates (also case-only), encrypted
members and unexpected files are refused; `__MACOSX/` and directory entries are ignored.

`export_zip` writes the project in APA's layout from the same bytes the workspace writer writes
(`services.project_manifest`, `services.model_files`), with a fixed member order and timestamps so
that two exports of the same project are the same bytes.

`project_import` is all-or-nothing: every file is read and every model checked first
(`services.model_check`), then the project and its models are stored in one transaction and the
workspace folder is written once it has committed. As APA does, every model gets a new id and the
type-aware ids of the archive (`connector-<uuid>`, `process-<uuid>`) are remapped in the contents.
This module must not import the connectors or processes apps: it goes through the type registry.
"""

from __future__ import annotations

import gc
import io
import logging
import re
import stat
import threading
import uuid
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import groupby
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction

from modeler import strict_json
from modeler.problems import Conflict, Problem, ValidationFailed, capped
from projects import content_store, services, workspace, workspace_sync
from projects.model_types import (
    ContentCheck,
    ModelType,
    model_type,
    registered_types,
    unpack_derived_files,
)
from projects.models import Model, Project
from projects.names import dns_name_problems

logger = logging.getLogger(__name__)

MAX_ENTRIES = 500
MAX_RATIO = 100
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
VALIDATOR_SET = "Project archive validator"
EXTENSIONS_SUFFIX = "-extensions.json"
# Other spellings APA's import accepts for a type's content file (apa.md §3.1).
IMPORT_ALIASES = {"PROCESS": (".bpmn.xml", ".bpmn")}
_IGNORED_NAMES = {".DS_Store", "Thumbs.db"}
_DRIVE = re.compile(r"^[A-Za-z]:")
_TYPED_ID = re.compile(
    r"^([a-z]+)-([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)
_EXECUTABLE_MAGIC = (
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "an ELF executable"),
    (b"\xca\xfe\xba\xbe", "a Mach-O or Java class file"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "a Mach-O executable"),
    (b"#!", "a script"),
    (b"PK\x03\x04", "a zip archive"),
    (b"\x1f\x8b", "a gzip archive"),
)


# Told (phase, done, total, file) as an import, export or validation goes through the models;
# the management commands draw their progress bar with it.
Progress = Callable[[str, int, int, str], None]


def no_progress(phase: str, done: int, total: int, what: str) -> None:
    return None


def max_archive_bytes() -> int:
    return settings.MODELER_MAX_ZIP_BYTES


def max_total_bytes() -> int:
    """What all members of one archive may hold once decompressed (memory stays bounded)."""
    return 5 * settings.MODELER_MAX_ZIP_BYTES


def refused(message: str, code: str, *, status: int = 400, path: str | None = None) -> ValidationFailed:
    description = f"{path}: {message}" if path else message
    return ValidationFailed(
        f"Invalid project archive: {description}",
        [Problem("Invalid project archive", description, VALIDATOR_SET, error_code=code, reference_id=path)],
        status=status,
        error_code=code,
    )


# --- the one way into a zip -------------------------------------------------------------------


def _declared_entries(data: bytes) -> int | None:
    """The entry count of the end-of-central-directory record, read before zipfile parses the
    whole directory (a 20 MiB archive can name hundreds of thousands of entries)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    return int.from_bytes(data[end + 10 : end + 12], "little")


def _unsafe_name(name: str) -> str | None:
    if "\x00" in name:
        return "the name holds a NUL character"
    if "\\" in name:
        return "the name holds a backslash (only '/' separates folders in a zip)"
    if name.startswith("/"):
        return "absolute paths are not allowed"
    if _DRIVE.match(name):
        return "drive-letter paths are not allowed"
    parts = name.rstrip("/").split("/")
    if any(part in {"..", "."} for part in parts):
        return "'..' and '.' are not allowed in paths"
    if any(part == "" for part in parts):
        return "empty path segments are not allowed"
    if any(ord(ch) < 32 for ch in name):
        return "the name holds control characters"
    return None


def _ignored(name: str) -> bool:
    return name.endswith("/") or name.startswith("__MACOSX/") or name.rsplit("/", 1)[-1] in _IGNORED_NAMES


def read_zip(data: bytes, accept: Callable[[str], int | None]) -> dict[str, bytes]:
    """Every member of a zip, read in memory: path → bytes, in archive order.

    `accept(path)` answers the size cap of an allowed path, or None for a path that is not
    allowed. Raises ValidationFailed (400, 413 over the archive cap) and reads nothing more
    than the caps allow.
    """
    if len(data) > max_archive_bytes():
        raise refused(
            f"the archive is larger than the limit of {max_archive_bytes()} bytes "
            f"({max_archive_bytes() // (1024 * 1024)} MiB)",
            "archive_too_large",
            status=413,
        )
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise refused("the file is not a zip archive", "zip_invalid")
    declared = _declared_entries(data)
    if declared is not None and declared > MAX_ENTRIES:
        raise refused(
            f"the archive has {declared} entries; at most {MAX_ENTRIES} are allowed", "zip_too_many_entries"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise refused("the archive is truncated or not a zip file", "zip_invalid") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise refused(
                f"the archive has {len(infos)} entries; at most {MAX_ENTRIES} are allowed",
                "zip_too_many_entries",
            )
        plan = _plan(infos, accept)
        members: dict[str, bytes] = {}
        for info, limit in plan:
            members[info.orig_filename] = _read_member(archive, info, limit)
    return members


def _plan(
    infos: list[zipfile.ZipInfo], accept: Callable[[str], int | None]
) -> list[tuple[zipfile.ZipInfo, int]]:
    """Check every entry's header before reading any: names, kinds, sizes, ratio, duplicates."""
    seen: dict[str, str] = {}
    plan = []
    total = 0
    for info in infos:
        name = info.orig_filename
        unsafe = _unsafe_name(name)
        if unsafe:
            raise refused(unsafe, "zip_unsafe_path", path=name[:200].replace("\x00", "\\0"))
        if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):
            raise refused("symbolic links are not allowed", "zip_symlink", path=name)
        folded = name.casefold()
        if folded in seen:
            same = seen[folded] == name
            raise refused(
                "the archive holds this file twice"
                if same
                else f"the archive also holds '{seen[folded]}' (names differing only by case)",
                "zip_duplicate_entry",
                path=name,
            )
        seen[folded] = name
        if _ignored(name):
            continue
        if info.flag_bits & 0x1:
            raise refused("encrypted members are not supported", "zip_encrypted", path=name)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise refused(
                "only stored and deflated members are supported", "zip_unsupported_compression", path=name
            )
        limit = accept(name)
        if limit is None:
            raise refused(
                "unexpected file; a project archive holds <project>.json and the model folders "
                f"({', '.join(f'{t.folder}/' for t in registered_types())}) only",
                "zip_unexpected_file",
                path=name,
            )
        if info.file_size > limit:
            raise refused(
                f"the file declares {info.file_size} bytes; the limit is {limit} bytes",
                "zip_member_too_large",
                status=413,
                path=name,
            )
        if info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise refused(
                f"the compression ratio is above {MAX_RATIO}:1 (a zip bomb?)", "zip_ratio", path=name
            )
        total += info.file_size
        if total > max_total_bytes():
            raise refused(
                f"the files hold more than {max_total_bytes()} bytes once decompressed", "zip_too_large"
            )
        plan.append((info, limit))
    return plan


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """One bounded read: never more than the declared size (+1 to see a lie), whatever the stream holds."""
    name = info.orig_filename
    try:
        with archive.open(info) as member:
            data = member.read(min(info.file_size, limit) + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError, ValueError):
        raise refused(
            "the file is corrupt (its size or checksum does not match its header)", "zip_corrupt", path=name
        ) from None
    if len(data) != info.file_size:
        raise refused("the file is corrupt (its size does not match its header)", "zip_corrupt", path=name)
    for magic, kind in _EXECUTABLE_MAGIC:
        if data.startswith(magic):
            raise refused(
                f"Import the executable file {name} is forbidden ({kind})", "executable_forbidden", path=name
            )
    return data


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A deterministic zip: members in the given order, fixed timestamps and attributes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, FIXED_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, data, compresslevel=6)
    return buffer.getvalue()


# --- the project layout -----------------------------------------------------------------------


@dataclass
class ArchiveModel:
    """One model file of an archive (and its extensions file, when it has one)."""

    type_name: str
    name: str
    path: str
    content: bytes
    extensions: Any = None  # the parsed extensions document, None when there is no file
    extensions_path: str | None = None
    extensions_bytes: bytes = b""  # the extensions file as read
    check: ContentCheck | None = None
    new_id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class ProjectArchive:
    name: str
    description: str
    manifest_path: str
    models: list[ArchiveModel]


def _types_by_folder() -> dict[str, ModelType]:
    return {mtype.folder: mtype for mtype in registered_types()}


def _content_suffix(mtype: ModelType, file_name: str) -> str | None:
    for suffix in (mtype.suffix, *IMPORT_ALIASES.get(mtype.name, ())):
        if file_name.endswith(suffix) and len(file_name) > len(suffix):
            return suffix
    return None


def accept_project_path(path: str) -> int | None:
    """The size cap of a path allowed in a project archive, None for any other path."""
    if "/" not in path:
        return settings.MODELER_MAX_JSON_BYTES if path.endswith(".json") and len(path) > 5 else None
    folder, _, file_name = path.partition("/")
    mtype = _types_by_folder().get(folder)
    if mtype is None or "/" in file_name:
        return None
    if file_name.endswith(EXTENSIONS_SUFFIX) and len(file_name) > len(EXTENSIONS_SUFFIX):
        return settings.MODELER_MAX_XML_BYTES
    return mtype.max_bytes if _content_suffix(mtype, file_name) else None


def _json_document(data: bytes, path: str) -> Any:
    try:
        return strict_json.loads(data)
    except strict_json.JSONInputError as exc:
        raise refused(f"not valid JSON: {exc.message}", exc.code, path=path) from None


def project_archive(members: dict[str, bytes]) -> ProjectArchive:
    """Sort the files of an archive into a manifest and models (APA's import rules, apa.md §3.2)."""
    roots = [path for path in members if "/" not in path]
    if not roots:
        raise refused(
            "No valid project entry found to import (the <project>.json manifest)", "no_project_entry"
        )
    if len(roots) > 1:
        raise refused(
            f"the archive holds {len(roots)} JSON files at its root ({', '.join(sorted(roots)[:5])}); "
            "a project archive holds one manifest",
            "zip_unexpected_file",
        )
    manifest_path = roots[0]
    manifest = _json_document(members[manifest_path], manifest_path)
    if not isinstance(manifest, dict):
        raise refused("the manifest must be a JSON object", "no_project_entry", path=manifest_path)
    declared_name, declared_description = manifest.get("name"), manifest.get("description")
    name = declared_name if isinstance(declared_name, str) else manifest_path[: -len(".json")]
    description = declared_description if isinstance(declared_description, str) else ""

    folders = _types_by_folder()
    models: dict[tuple[str, str], ArchiveModel] = {}
    extensions: dict[tuple[str, str], str] = {}
    for path in members:
        if "/" not in path:
            continue
        folder, _, file_name = path.partition("/")
        mtype = folders[folder]
        if file_name.endswith(EXTENSIONS_SUFFIX):
            extensions[(mtype.name, file_name[: -len(EXTENSIONS_SUFFIX)])] = path
            continue
        suffix = _content_suffix(mtype, file_name)
        assert suffix is not None  # accept_project_path allowed it
        key = (mtype.name, file_name[: -len(suffix)])
        if key in models:
            raise refused(
                f"the archive also holds {models[key].path} for the same {mtype.name.lower()}",
                "zip_duplicate_entry",
                path=path,
            )
        models[key] = ArchiveModel(mtype.name, key[1], path, members[path])
    for key, path in sorted(extensions.items()):
        model = models.get(key)
        if model is None:
            if key[0] != "PROCESS":
                continue  # APA may write `connectors/<name>-extensions.json`; connectors keep none
            raise refused(
                f"no {folders_name(key[0])}/{key[1]} file goes with this extensions file",
                "zip_orphan_extensions",
                path=path,
            )
        document = _json_document(members[path], path)
        if not isinstance(document, dict):
            raise refused("the extensions file must be a JSON object", "schema_violation", path=path)
        model.extensions, model.extensions_path, model.extensions_bytes = document, path, members[path]
    ordered = sorted(models.values(), key=lambda m: (_store_rank(m.type_name), m.type_name, m.name))
    return ProjectArchive(name=name, description=description, manifest_path=manifest_path, models=ordered)


def folders_name(type_name: str) -> str:
    return model_type(type_name).folder


def _store_rank(type_name: str) -> int:
    # Types whose save needs the project's other models (a process needs the connector catalog)
    # are stored after the others, as APA stores processes last.
    return 1 if model_type(type_name).complete_save is not None else 0


def read_project_zip(data: bytes) -> ProjectArchive:
    return project_archive(read_zip(data, accept_project_path))


# How many files' checks run ahead of the one being read (`check_models`): enough to keep the
# checking threads busy. (Each file's tree lives only in the thread that checks it; what waits
# ahead is the files' outlines.)
_CHECKS_AHEAD = 4


def _started_checks(models: list[ArchiveModel]) -> Iterator[tuple[ArchiveModel, Any]]:
    """Each model with its check started (`services.start_model_check`), or the refusal it met at
    once, `_CHECKS_AHEAD` files ahead of the one the caller reads."""
    ahead: deque[tuple[ArchiveModel, Any]] = deque()
    upcoming = iter(models)
    while True:
        while len(ahead) <= _CHECKS_AHEAD and (model := next(upcoming, None)) is not None:
            try:
                started = services.start_model_check(model_type_name=model.type_name, content=model.content)
            except ValidationFailed as exc:
                started = exc
            ahead.append((model, started))
        if not ahead:
            return
        yield ahead.popleft()


def check_models(archive: ProjectArchive, progress: Progress = no_progress) -> None:
    """Check every model's content (refusals collected over all files, then raised as one); a few
    files are checked ahead, side by side (`_started_checks`)."""
    failures: list[tuple[ArchiveModel, ValidationFailed]] = []
    for index, (model, started) in enumerate(_started_checks(archive.models)):
        progress("check", index + 1, len(archive.models), model.path)
        if isinstance(started, ValidationFailed):
            failures.append((model, started))
            continue
        try:
            model.check = started.result()
        except ValidationFailed as exc:
            failures.append((model, exc))
            continue
        name = model.check.name or model.name
        problems = dns_name_problems(name, model.type_name.lower())
        if problems:
            failures.append((model, ValidationFailed(f"Invalid {model.type_name.lower()} name", problems)))
            continue
        model.name = name
    if not failures:
        names: dict[tuple[str, str], str] = {}
        for model in archive.models:
            other = names.setdefault((model.type_name, model.name), model.path)
            if other != model.path:
                raise refused(
                    f"{other} and {model.path} declare the same {model.type_name.lower()} name '{model.name}'",
                    "name_conflict",
                    path=model.path,
                )
        return
    first_model, first = failures[0]
    problems = capped(
        replace(
            problem,
            description=f"{model.path}: {problem.description or problem.problem}",
            reference_id=problem.reference_id or model.path,
        )
        for model, exc in failures
        for problem in (exc.problems or [Problem(exc.message, exc.message, error_code=exc.error_code)])
    )
    more = f" (and {len(failures) - 1} more files)" if len(failures) > 1 else ""
    raise ValidationFailed(
        f"Cannot import {first_model.path}: {first.message}{more}; nothing was imported",
        problems,
        status=first.status,
        error_code=first.error_code,
    )


# --- storing --------------------------------------------------------------------------------


def _remap(value: Any, ids: dict[str, str]) -> Any:
    """`value` with every string that is an old type-aware id replaced by the new one."""
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, dict):
        return {ids.get(k, k): _remap(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_remap(v, ids) for v in value]
    return value


def _id_map(models: Iterable[ArchiveModel]) -> dict[str, str]:
    """Old `<type>-<uuid>` ids of the archive → the new models' ids (APA's ReferenceIdOverrider)."""
    ids: dict[str, str] = {}
    for model in models:
        prefix = model.type_name.lower()
        declared = []
        if model.check is not None and isinstance(model.check.parsed, dict):
            declared.append(model.check.parsed.get("id"))
        if isinstance(model.extensions, dict):
            declared.append(model.extensions.get("id"))
        for old in declared:
            match = _TYPED_ID.match(old) if isinstance(old, str) else None
            if old and match and match.group(1) == prefix:
                ids[old] = f"{prefix}-{model.new_id}"
    return ids


def _id_prefixes(ids: dict[str, str]) -> tuple[bytes, ...]:
    """The `<type>-` prefixes of the old ids (each old id is `<type>-<uuid>`)."""
    return tuple(sorted({old.split("-", 1)[0].encode() + b"-" for old in ids}))


def _ids_in(data: bytes, ids: dict[str, str], prefixes: tuple[bytes, ...] | None = None) -> dict[str, int]:
    """How often each old id of `ids` occurs in `data` (as a substring), found by looking at the
    places its `<type>-` prefix occurs only, rather than searching the bytes once per id.
    `prefixes` is `_id_prefixes(ids)`, made once by a caller that looks in many files."""
    found: dict[str, int] = {}
    for token in _id_prefixes(ids) if prefixes is None else prefixes:
        length = len(token) + 36  # `<type>-<uuid>`, as _TYPED_ID matched it
        at = data.find(token)
        while at >= 0:
            old = data[at : at + length].decode("ascii", errors="replace")
            if old in ids:
                found[old] = found.get(old, 0) + 1
            at = data.find(token, at + 1)
    return found


def _apply_ids(content: bytes, ids: dict[str, str], prefixes: tuple[bytes, ...] | None = None) -> bytes:
    found = _ids_in(content, ids, prefixes) if ids else {}
    for old, new in ids.items():
        if old in found:
            content = content.replace(old.encode(), new.encode())
    return content


def _remapped_extensions(
    model: ArchiveModel, ids: dict[str, str], prefixes: tuple[bytes, ...] | None = None
) -> Any:
    """`_remap` of the model's extensions document, without walking it when the file's bytes show
    that no old id is inside (the usual case: only the file's own top-level id is)."""
    document, raw = model.extensions, model.extensions_bytes
    if not ids or not isinstance(document, dict) or not raw or (b"\\" in raw and b"\\u" in raw):
        return _remap(document, ids)  # (with \u escapes, a string can spell an id other bytes hide)
    found = _ids_in(raw, ids, prefixes)
    own = document.get("id")
    if isinstance(own, str) and own in found:
        found[own] -= 1  # the occurrence that is the top-level id itself
    if any(found.values()):
        return _remap(document, ids)
    return {**document, "id": ids[own]} if isinstance(own, str) and own in ids else document


def _project_name(name: object) -> str:
    problems = dns_name_problems(name, "project")
    if problems:
        raise ValidationFailed(
            "Validation errors found in project's models",
            [
                replace(p, description=f"{p.description} Send another name with the 'name' parameter.")
                for p in problems
            ],
        )
    assert isinstance(name, str)
    return name


def _name_conflict(name: str) -> Conflict:
    text = f"A project with the name '{name}' already exists; send another name with the 'name' parameter"
    return Conflict(text, [Problem("Data integrity violation", text, error_code="name_conflict")])


def _new_rows(
    actor, project: Project, mtype: ModelType, models: list[ArchiveModel], ids: dict[str, str]
) -> Iterator[tuple[ArchiveModel, Model, ContentCheck]]:
    """The rows of an import's new models of one type (as services.model_create makes them, minus
    the workspace write, which the import does once the whole transaction has committed), with
    their checks, one at a time as they are asked for (the insert sends each one while the next
    is made); the type's completion runs for all of them at once when it can."""
    prefixes = _id_prefixes(ids)
    sent = [
        _remapped_extensions(model, ids, prefixes) if model.extensions is not None else ...
        for model in models
    ]
    completions: Iterator[tuple[Any, list[Problem]]] | None = None
    if mtype.complete_new is not None:
        completions = mtype.complete_new(
            project,
            [(model.name, model.check, extensions) for model, extensions in zip(models, sent, strict=True)],
        )
    for model, extensions in zip(models, sent, strict=True):
        check = model.check
        assert check is not None
        try:
            if completions is not None:
                extensions, more = next(completions)
            elif mtype.complete_save is not None:
                extensions, more = mtype.complete_save(project, check, extensions, None)
            else:
                extensions, more = None, []
        except ValidationFailed as exc:
            raise _refuse_in_file(model, exc) from None
        check = replace(check, problems=[*check.problems, *more])
        content = _apply_ids(model.content, ids, prefixes)
        row = Model(
            id=model.new_id,
            project=project,
            type=mtype.name,
            name=model.name,
            content=content,
            extensions=extensions,
            problems=[problem.as_json() for problem in capped(check.problems)],
            version=1,
            created_by=actor.username,
            last_modified_by=actor.username,
            derived_files=mtype.packed_derived_files(str(model.new_id), model.name, content, extensions),
        )
        yield model, row, check


def _kept(made: Iterator[tuple[ArchiveModel, Model, ContentCheck]], kept: list) -> Iterator[Model]:
    """The rows of `made`, each one also kept in `kept` (with its model and check) as it goes."""
    for item in made:
        kept.append(item)
        yield item[1]


def _refuse_in_file(model: ArchiveModel, exc: ValidationFailed) -> ValidationFailed:
    where = model.extensions_path or model.path
    problems = [
        replace(p, description=f"{where}: {p.description or p.problem}", reference_id=p.reference_id or where)
        for p in exc.problems
    ]
    return ValidationFailed(
        f"Cannot import {where}: {exc.message}; nothing was imported",
        problems,
        status=exc.status,
        error_code=exc.error_code,
    )


def store_project(
    *, actor, archive: ProjectArchive, name: object = None, progress: Progress = no_progress
) -> Project:
    """Create the project and every (already checked) model in one transaction, then its workspace.

    The models are stored a type at a time, in the archive's order (types whose save needs the
    others, processes, last): each type's rows are made (and completed) one after another, each
    inserted as soon as it is made (the server stores it while the next is made), then their
    derived rows; the first versions are copied from the rows at the end.
    The workspace folder is then written from the rows as they were inserted (`_write_workspace`).
    """
    project_name = _project_name(name if name not in (None, "") else archive.name)
    description = archive.description[: services.MAX_DESCRIPTION_LENGTH]
    if Project.objects.filter(owner=actor, name=project_name).exists():
        raise _name_conflict(project_name)
    ids = _id_map(archive.models)
    stored: list[Model] = []
    staged: workspace.StagedFolder | None = None
    try:
        with transaction.atomic():
            project = services.project_insert(actor=actor, name=project_name, description=description)
            done = 0
            for type_name, group in groupby(archive.models, key=lambda model: model.type_name):
                mtype = model_type(type_name)
                rows: list[tuple[ArchiveModel, Model, ContentCheck]] = []
                made = _new_rows(actor, project, mtype, list(group), ids)
                content_store.insert_models(_kept(made, rows))  # each row sent as soon as it is made
                for model, row, _ in rows:
                    row._state.adding = False
                    done += 1
                    progress("store", done, len(archive.models), model.path)
                    stored.append(row)
                if mtype.after_saves is not None:
                    mtype.after_saves([(row, check) for _, row, check in rows])
                elif mtype.after_save is not None:
                    for _, row, check in rows:
                        mtype.after_save(row, check)
            # The folder's files are written beside it while the server copies the versions and
            # commits (`_write_workspace` puts them in place, or drops them).
            staged = workspace.start_staging(workspace_sync.folder_of(project), lambda: _model_files(stored))
            content_store.insert_versions(
                [model.new_id for model in archive.models], created_by=actor.username
            )
    except BaseException as exc:
        if staged is not None:
            staged.discard()
        if isinstance(exc, IntegrityError):
            raise _name_conflict(project_name) from None
        raise
    _write_workspace(project, stored, staged)
    return project


# The project's workspace lock, the one every writer of its folder takes (a name of our own, so a
# test can make a change land just before the import's write takes it).
_advisory_lock = workspace_sync.lock


def _row_stamp(row: Model) -> tuple:
    return (row.pk, row.type, row.name, row.version, row.last_modified_date)


def _model_files(rows: list[Model]) -> dict[str, bytes]:
    """The workspace files of the rows the import inserted, as stored (contents, derived files)."""
    files: dict[str, bytes] = {}
    for row in rows:
        mtype = model_type(row.type)
        files[mtype.file_name(row.name)] = bytes(row.content)
        derived = unpack_derived_files(row.name, row.derived_files)
        if derived is None:
            derived = mtype.derived_files(str(row.pk), row.name, bytes(row.content), row.extensions)
        for file_name, data in derived.items():
            files[f"{mtype.folder}/{file_name}"] = data
    return files


def _write_workspace(
    project: Project, rows: list[Model], staged: workspace.StagedFolder | None = None
) -> None:
    """Write the new project's folder from the rows the import inserted, once they have committed.

    As `workspace_sync` writes every folder: in a short transaction that first takes the
    project's lock, then reads what is committed now. When the committed project and models are
    still those the import inserted (same rows, names, versions and modification times: every
    write of a model changes its modification time), the folder is made of the bytes in hand
    (contents and derived files as stored, written beside the folder during the commit:
    `staged`; the manifest from the committed project row), without reading every model back;
    when anything changed since the commit (a save, a rename, a delete racing the import), the
    staged files are dropped and the folder is rebuilt from the database instead. A failure is
    logged, never reported as a failed import (`rebuild_workspace` repairs the folder).
    """
    try:
        with transaction.atomic():
            _advisory_lock(project.pk)
            committed = Project.objects.filter(pk=project.pk).first()
            if committed is None:  # deleted meanwhile: its delete removes the folder
                return
            stamps = Model.objects.filter(project_id=project.pk).values_list(
                "pk", "type", "name", "version", "last_modified_date"
            )
            unchanged = (committed.name, committed.owner_id) == (project.name, project.owner_id) and set(
                stamps
            ) == {_row_stamp(row) for row in rows}
            if unchanged:
                folder = workspace_sync.folder_of(committed)
                manifest = {f"{committed.name}.json": workspace_sync.project_manifest(committed)}
                # (what a removed project of this name may have left goes with the old folder)
                if staged is not None and staged.folder == folder:
                    written = staged.finish(manifest)
                    staged = None
                else:
                    written = workspace.replace_folder(folder, manifest | _model_files(rows))
                if not written:
                    logger.error("workspace of %s not written; run rebuild_workspace", project.name)
                return
    except DatabaseError:
        logger.exception("workspace of %s not written after the import; run rebuild_workspace", project.name)
        return
    finally:
        if staged is not None:
            staged.discard()
    rebuild_workspace(project)


def rebuild_workspace(project: Project) -> None:
    """Write the project's workspace folder from the database; a failure is logged, never reported
    as a failed import (the database is the source of truth; rebuild_workspace repairs it)."""
    try:
        services.workspace_rebuild(project)
    except OSError:
        logger.exception("workspace of %s not written; run rebuild_workspace", project.name)


# How many imports or copies run now with the cyclic garbage collector paused, and whether it ran
# before the first of them paused it.
_gc_pauses = 0
_gc_was_enabled = False
_gc_lock = threading.Lock()


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an import or copy runs.

    An import makes hundreds of thousands of objects (parsed files, outlines, rows) that all
    live until it ends, and are freed by their reference counts then: the collector, run every
    few hundred allocations, would walk them again and again to find no cycle (a fifth of a big
    import's time, most of it in one or two full collections). Nested or concurrent pauses
    count, so the collector resumes when the last one ends, and only if it was running before.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


def project_import(*, actor, data: bytes, name: object = None, progress: Progress = no_progress) -> Project:
    """Import a project zip (APA's or ours): all or nothing."""
    with cyclic_gc_paused():
        return _checked_and_stored(actor, read_project_zip(data), name, progress)


def _checked_and_stored(actor, archive: ProjectArchive, name: object, progress: Progress) -> Project:
    """Check every model of the archive, then store the project. Only this frame holds the
    archive: it is freed when it returns, before the collector resumes (`cyclic_gc_paused`),
    whose first collection would otherwise walk every object of it (30 ms for 250 files)."""
    check_models(archive, progress)
    return store_project(actor=actor, archive=archive, name=name, progress=progress)


# --- export and copy ------------------------------------------------------------------------


def project_files(
    project: Project, models: Iterable[Model] | None = None, progress: Progress = no_progress
) -> dict[str, bytes]:
    """Every file of the project in the export layout, manifest first, then by path.

    Without `models`, the contents and the derived files stored with them are read as they are
    (a model whose derived files were made for another name is made again).
    """
    files: dict[str, bytes] = {}
    if models is not None:
        rows = list(models)
        for index, model in enumerate(rows):
            progress("export", index + 1, len(rows), model.name)
            files.update(services.model_files(model))
    else:
        stored = content_store.export_rows(project.pk)
        for index, (model_id, type_name, model_name, content, packed) in enumerate(stored):
            progress("export", index + 1, len(stored), model_name)
            mtype = model_type(type_name)
            derived = unpack_derived_files(model_name, packed)
            if derived is None:
                files.update(services.model_files(Model.objects.get(pk=model_id)))
                continue
            files[mtype.file_name(model_name)] = content
            for file_name, data in derived.items():
                files[f"{mtype.folder}/{file_name}"] = data
    manifest = {f"{project.name}.json": services.project_manifest(project)}
    return manifest | dict(sorted(files.items()))


def export_zip(project: Project, progress: Progress = no_progress) -> bytes:
    """The project zip of SPEC §4 (no validation, as APA); the same project gives the same bytes."""
    return zip_bytes(project_files(project, progress=progress))


def project_copy(*, actor, project: Project, name: object) -> Project:
    """APA's "save as": a new project owned by `actor` holding a copy of every model."""
    if name in (None, ""):
        raise ValidationFailed(
            "The name of the copy is required (the 'name' parameter)",
            [
                Problem(
                    "field.required", "name: the name of the copy is required", error_code="field.required"
                )
            ],
            error_code="field.required",
        )
    with cyclic_gc_paused():
        return _checked_and_stored(actor, _archive_of(project), name, no_progress)


def _archive_of(project: Project) -> ProjectArchive:
    """The project as an archive of its files (as its export would hold them)."""
    archive = project_archive(project_files(project))
    archive.description = project.description
    return archive
