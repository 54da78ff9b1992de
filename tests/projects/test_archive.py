"""Project archives: APA exports import and round-trip, export is deterministic, copy, and every
zip case of RELIABILITY.md refused with nothing stored (no row, no workspace file)."""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.models import Model, ModelVersion, Project, Release
from tests.assertions import assert_refused

API = "/modeling-service/v1"
FIXTURES = Path(__file__).parent.parent / "fixtures"
APA_PROJECT = FIXTURES / "apa" / "movies-app"
pytestmark = pytest.mark.django_db
MIB = 1024 * 1024


# --- helpers shared with the release tests -----------------------------------------------------


def apa_files() -> dict[str, bytes]:
    """The APA export's files, keyed by their path in the zip."""
    return {
        path.relative_to(APA_PROJECT).as_posix(): path.read_bytes()
        for path in sorted(APA_PROJECT.rglob("*"))
        if path.is_file()
    }


def zip_of(files, *, folders: bool = False, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of (name, bytes) pairs or ZipInfo/bytes pairs, as APA's ZipBuilder writes one
    (folder entries first when `folders`)."""
    items = list(files.items()) if isinstance(files, dict) else list(files)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        if folders:
            for folder in sorted({name.rsplit("/", 1)[0] + "/" for name, _ in items if "/" in name}):
                archive.writestr(folder, b"")
        for name, data in items:
            archive.writestr(name, data)
    return buffer.getvalue()


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def post_zip(client, data: bytes, name: str | None = None, file_name: str = "project.zip"):
    payload = {"file": SimpleUploadedFile(file_name, data, "application/zip")}
    if name is not None:
        payload["name"] = name
    return client.post(f"{API}/projects/import", payload, format="multipart")


def counts() -> tuple[int, int, int, int]:
    return (
        Project.objects.count(),
        Model.objects.count(),
        ModelVersion.objects.count(),
        Release.objects.count(),
    )


def workspace_files(root) -> set[str]:
    root = Path(root)
    return {p.relative_to(root).as_posix() for p in root.rglob("*")} if root.exists() else set()


def remap_ids(data: bytes, before: dict[str, bytes], after: dict[str, bytes]) -> bytes:
    """`data` with the type-aware ids of `before`'s files replaced by those of `after`."""
    pattern = re.compile(rb'"id"\s*:\s*"((?:connector|process)-[0-9a-f-]{36})"')
    for path, old in before.items():
        if path in after:
            old_ids, new_ids = pattern.findall(old)[:1], pattern.findall(after[path])[:1]
            for a, b in zip(old_ids, new_ids, strict=True):
                data = data.replace(a, b)
    return data


# --- APA exports -------------------------------------------------------------------------------


def test_apa_export_imports_with_new_ids_and_every_file(owner_api, owner, workspace_dir):
    files = apa_files()
    response = post_zip(owner_api, zip_of(files, folders=True))
    assert response.status_code == 201, response.content[:500]
    entry = response.json()["entry"]
    assert entry["name"] == "movies-app"
    assert entry["description"] == "Ranks movies (exported from APA's modeling service)"
    assert entry["createdBy"] == owner.username
    project = Project.objects.get(pk=entry["id"])
    assert str(project.pk) != "9b1f4d3a-6a7e-4c62-9a55-0f4b5d2c7e11"
    assert project.owner == owner
    connector = Model.objects.get(project=project, type="CONNECTOR")
    process = Model.objects.get(project=project, type="PROCESS")
    assert (connector.name, process.name) == ("movies", "rank-movie")
    # connector-<uuid> remapped to the new model's id; every other byte as APA wrote it
    assert json.loads(bytes(connector.content))["id"] == f"connector-{connector.pk}"
    assert bytes(connector.content) == files["connectors/movies.json"].replace(
        b"connector-50991833-1111-4222-8333-444455556666", f"connector-{connector.pk}".encode()
    )
    assert bytes(process.content) == files["processes/rank-movie.bpmn20.xml"]
    mapping = process.extensions["Process_rk7m2q9x"]["mappings"]["Task_1spvopd"]
    assert mapping == {
        "inputs": {"movieName": {"type": "variable", "value": "movieToRank"}},
        "outputs": {"movieDesc": {"type": "variable", "value": "movieDescription"}},
    }
    assert {v["name"] for v in process.extensions["Process_rk7m2q9x"]["properties"].values()} == {
        "movieToRank",
        "movieDesc",
        "rating",
    }
    assert process.problems == []
    assert [v.version for v in process.versions.all()] == [1]
    # the workspace folder holds exactly what an export holds
    folder = Path(workspace_dir) / str(owner.pk) / "movies-app"
    exported = unzip(owner_api.get(f"{API}/projects/{project.pk}/export").content)
    assert workspace_files(folder) == set(exported) | {"connectors", "processes"}
    for path, data in exported.items():
        assert (folder / path).read_bytes() == data, path


def test_apa_export_round_trips_file_for_file(owner_api):
    files = apa_files()
    project_id = post_zip(owner_api, zip_of(files, folders=True)).json()["entry"]["id"]
    exported = unzip(owner_api.get(f"{API}/projects/{project_id}/export").content)
    assert list(exported) == [
        "movies-app.json",
        "connectors/movies.json",
        "processes/rank-movie-extensions.json",
        "processes/rank-movie.bpmn20.xml",
    ]
    assert exported["processes/rank-movie.bpmn20.xml"] == files["processes/rank-movie.bpmn20.xml"]
    assert exported["connectors/movies.json"] == remap_ids(files["connectors/movies.json"], files, exported)
    ours, theirs = (json.loads(d["processes/rank-movie-extensions.json"]) for d in (exported, files))
    assert ours["extensions"] == theirs["extensions"]
    assert (ours["name"], ours["type"]) == ("rank-movie", "PROCESS")
    manifest = json.loads(exported["movies-app.json"])
    assert (manifest["name"], manifest["description"]) == (
        "movies-app",
        json.loads(files["movies-app.json"])["description"],
    )
    # and ours round-trips byte for byte (only the remapped ids differ)
    again = post_zip(owner_api, zip_of(exported), name="movies-two").json()["entry"]["id"]
    second = unzip(owner_api.get(f"{API}/projects/{again}/export").content)
    assert list(second) == ["movies-two.json", *list(exported)[1:]]
    for path in list(exported)[1:]:
        assert second[path] == remap_ids(exported[path], exported, second), path
    first_manifest, second_manifest = (
        json.loads(exported["movies-app.json"]),
        json.loads(second["movies-two.json"]),
    )
    changed = {k for k in first_manifest if first_manifest[k] != second_manifest[k]}
    assert changed <= {"id", "name", "creationDate", "lastModifiedDate"}
    assert "name" in changed and "id" in changed


def test_bpmn_xml_spelling_and_macosx_entries_are_accepted(owner_api):
    files = apa_files()
    files["processes/rank-movie.bpmn.xml"] = files.pop("processes/rank-movie.bpmn20.xml")
    files["__MACOSX/processes/._rank-movie.bpmn.xml"] = b"\x00\x05\x16\x07junk"
    files["processes/.DS_Store"] = b"\x00\x00\x00\x01Bud1"
    response = post_zip(owner_api, zip_of(files, folders=True))
    assert response.status_code == 201, response.content[:500]
    project = Project.objects.get(pk=response.json()["entry"]["id"])
    process = Model.objects.get(project=project, type="PROCESS")
    assert process.name == "rank-movie"
    assert "Task_1spvopd" in process.extensions["Process_rk7m2q9x"]["mappings"]
    exported = unzip(owner_api.get(f"{API}/projects/{project.pk}/export").content)
    assert "processes/rank-movie.bpmn20.xml" in exported


def test_import_renames_with_name_and_conflicts_answer_409(owner_api, owner):
    data = zip_of(apa_files())
    assert post_zip(owner_api, data).status_code == 201
    before = counts()
    assert_refused(post_zip(owner_api, data), 409, "name_conflict", "'name' parameter")
    assert counts() == before
    renamed = post_zip(owner_api, data, name="movies-copy")
    assert renamed.status_code == 201 and renamed.json()["entry"]["name"] == "movies-copy"
    assert_refused(post_zip(owner_api, data, name="Bad Name"), 400, "regex.mismatch", "DNS-1035")


def test_import_keeps_stored_problems_of_work_in_progress(owner_api):
    files = apa_files()
    files["processes/rank-movie.bpmn20.xml"] = files["processes/rank-movie.bpmn20.xml"].replace(
        b'implementation="movies.getMovieDesc"', b'implementation="movies.gone"'
    )
    project_id = post_zip(owner_api, zip_of(files)).json()["entry"]["id"]
    process = Model.objects.get(project_id=project_id, type="PROCESS")
    assert [p["problem"] for p in process.problems] == [
        "Invalid service implementation on service 'Task_1spvopd'"
    ]


# --- export ---------------------------------------------------------------------------------------


def test_export_is_deterministic_and_in_apa_layout(owner_api, owner):
    project_id = post_zip(owner_api, zip_of(apa_files())).json()["entry"]["id"]
    first = owner_api.get(f"{API}/projects/{project_id}/export")
    second = owner_api.get(f"{API}/projects/{project_id}/export?attachment=true")
    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "application/zip"
    for response in (first, second):  # always an inert attachment
        assert response["Content-Disposition"] == 'attachment; filename="movies-app.zip"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
    assert first.content == second.content
    with zipfile.ZipFile(io.BytesIO(first.content)) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos][0] == "movies-app.json"
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.compress_type for i in infos} == {zipfile.ZIP_DEFLATED}


def test_export_runs_no_validation(owner_api, owner):
    from tests.factories import ProjectFactory

    empty = ProjectFactory(owner=owner, name="empty-one")
    response = owner_api.get(f"{API}/projects/{empty.pk}/export")
    assert response.status_code == 200
    assert list(unzip(response.content)) == ["empty-one.json"]


# --- copy -------------------------------------------------------------------------------------------


def test_copy_is_owned_by_the_caller_with_every_model(api_as, owner, collaborator):
    from projects import services

    owner_api = api_as(owner)
    project_id = post_zip(owner_api, zip_of(apa_files())).json()["entry"]["id"]
    services.collaborator_add(
        actor=owner, project=Project.objects.get(pk=project_id), username=collaborator.username
    )
    response = api_as(collaborator).post(f"{API}/projects/{project_id}/copy?name=carls-movies")
    assert response.status_code == 200, response.content[:400]
    copy = Project.objects.get(pk=response.json()["entry"]["id"])
    assert (copy.owner, copy.name) == (collaborator, "carls-movies")
    source = {(m.type, m.name): m for m in Model.objects.filter(project_id=project_id)}
    copied = {(m.type, m.name): m for m in Model.objects.filter(project=copy)}
    assert set(copied) == set(source)
    assert bytes(copied[("PROCESS", "rank-movie")].content) == bytes(
        source[("PROCESS", "rank-movie")].content
    )
    assert copied[("PROCESS", "rank-movie")].extensions == source[("PROCESS", "rank-movie")].extensions
    assert {m.pk for m in copied.values()}.isdisjoint({m.pk for m in source.values()})
    assert_refused(
        api_as(collaborator).post(f"{API}/projects/{project_id}/copy"), 400, "field.required", "name"
    )
    assert_refused(
        api_as(collaborator).post(f"{API}/projects/{project_id}/copy?name=carls-movies"),
        409,
        "name_conflict",
        "carls-movies",
    )


def test_single_model_import_keeps_working(owner_api, project):
    content = (APA_PROJECT / "processes" / "rank-movie.bpmn20.xml").read_bytes()
    response = owner_api.post(
        f"{API}/projects/{project.pk}/models/import",
        {"file": SimpleUploadedFile("rank-movie.bpmn20.xml", content, "application/xml"), "type": "PROCESS"},
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()["entry"]["name"] == "rank-movie"


# --- every zip case of RELIABILITY.md: refused, nothing stored ------------------------------------


def _patched(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) == 2, "a name appears in the local header and the central directory"
    return data.replace(old, new)


def _with_header_fields(
    data: bytes, name: bytes, *, size: int | None = None, flags: int | None = None
) -> bytes:
    """Rewrite a member's declared size and/or flag bits in its local header and central entry."""
    raw = bytearray(data)
    local = raw.find(b"PK\x03\x04" + b"", 0)
    while local >= 0:
        name_len = int.from_bytes(raw[local + 26 : local + 28], "little")
        if raw[local + 30 : local + 30 + name_len] == name:
            if size is not None:
                raw[local + 22 : local + 26] = size.to_bytes(4, "little")
            if flags is not None:
                raw[local + 6 : local + 8] = flags.to_bytes(2, "little")
        local = raw.find(b"PK\x03\x04", local + 4)
    central = raw.find(b"PK\x01\x02")
    while central >= 0:
        name_len = int.from_bytes(raw[central + 28 : central + 30], "little")
        if raw[central + 46 : central + 46 + name_len] == name:
            if size is not None:
                raw[central + 24 : central + 28] = size.to_bytes(4, "little")
            if flags is not None:
                raw[central + 8 : central + 10] = flags.to_bytes(2, "little")
        central = raw.find(b"PK\x01\x02", central + 4)
    return bytes(raw)


def _good(**extra) -> dict[str, bytes]:
    return apa_files() | extra


def _symlink() -> bytes:
    info = zipfile.ZipInfo("connectors/movies.json")
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    files = [(n, d) for n, d in apa_files().items() if n != "connectors/movies.json"]
    return zip_of([*files, (info, b"../../../../etc/passwd")])


def _many_entries() -> bytes:
    return zip_of(_good(**{f"connectors/c{i}.json": b"{}" for i in range(501)}))


def _declares_200_mib() -> bytes:
    data = zip_of(_good(**{"connectors/big.json": b'{"name": "big"}'}), method=zipfile.ZIP_STORED)
    return _with_header_fields(data, b"connectors/big.json", size=200 * MIB)


def _under_declared() -> bytes:
    content = apa_files()["processes/rank-movie.bpmn20.xml"]
    data = zip_of(_good())
    return _with_header_fields(data, b"processes/rank-movie.bpmn20.xml", size=len(content) // 4)


def _encrypted() -> bytes:
    return _with_header_fields(zip_of(_good()), b"connectors/movies.json", flags=0x1)


def _twenty_good_one_hostile() -> bytes:
    files = apa_files()
    base = files["processes/rank-movie.bpmn20.xml"]
    extra = {}
    for index in range(20):
        process_id = f"Process_good{index:04d}"
        extra[f"processes/good-{index}.bpmn20.xml"] = base.replace(b"Process_rk7m2q9x", process_id.encode())
    hostile = base.replace(
        b'<?xml version="1.0" encoding="UTF-8"?>\n',
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n',
    ).replace(b"Process_rk7m2q9x", b"Process_hostile1")
    extra["processes/hostile.bpmn20.xml"] = hostile
    return zip_of(files | extra)


def _nul_name() -> bytes:
    return _patched(zip_of(_good(**{"connectors/evilXname.json": b"{}"})), b"evilXname", b"evil\x00name")


def _bzip2() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as archive:
        for name, data in _good().items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _gzip() -> bytes:
    import gzip

    return gzip.compress(zip_of(_good()))


def _bad_extensions() -> bytes:
    files = _good()
    document = json.loads(files["processes/rank-movie-extensions.json"])
    document["extensions"]["Process_rk7m2q9x"]["properties"]["x"] = {
        "id": "x",
        "name": "bad name!",
        "type": 3,
    }
    return zip_of(files | {"processes/rank-movie-extensions.json": json.dumps(document).encode()})


def _without(path: str) -> dict[str, bytes]:
    return {k: v for k, v in apa_files().items() if k != path}


# (id, zip bytes builder, status, errorCode, text)
ZIP_CASES = [
    ("dot-dot", lambda: zip_of(_good(**{"../evil.json": b"{}"})), 400, "zip_unsafe_path", "'..'"),
    (
        "dot-dot-inside",
        lambda: zip_of(_good(**{"processes/../../x.json": b"{}"})),
        400,
        "zip_unsafe_path",
        "'..'",
    ),
    (
        "absolute",
        lambda: zip_of(_good(**{"/etc/cron.d/evil.json": b"{}"})),
        400,
        "zip_unsafe_path",
        "absolute",
    ),
    (
        "backslash",
        lambda: zip_of(_good(**{"processes\\x.bpmn20.xml": b"<x/>"})),
        400,
        "zip_unsafe_path",
        "backslash",
    ),
    (
        "drive-letter",
        lambda: zip_of(_good(**{"C:/Windows/evil.json": b"{}"})),
        400,
        "zip_unsafe_path",
        "drive",
    ),
    ("nul-in-name", _nul_name, 400, "zip_unsafe_path", "NUL"),
    ("symlink", _symlink, 400, "zip_symlink", "symbolic links"),
    (
        "duplicate",
        lambda: zip_of([*apa_files().items(), ("connectors/movies.json", b'{"name": "movies"}')]),
        400,
        "zip_duplicate_entry",
        "twice",
    ),
    (
        "case-duplicate",
        lambda: zip_of(_good(**{"connectors/Movies.json": b'{"name": "movies"}'})),
        400,
        "zip_duplicate_entry",
        "case",
    ),
    (
        "alias-duplicate",
        lambda: zip_of(
            _good(**{"processes/rank-movie.bpmn.xml": apa_files()["processes/rank-movie.bpmn20.xml"]})
        ),
        400,
        "zip_duplicate_entry",
        "same process",
    ),
    (
        "executable",
        lambda: zip_of(_good(**{"connectors/tool.json": b"\x7fELF\x02\x01\x01" + b"\x00" * 64})),
        400,
        "executable_forbidden",
        "executable",
    ),
    (
        "exe-file",
        lambda: zip_of(_good(**{"tool.exe": b"MZ\x90\x00"})),
        400,
        "zip_unexpected_file",
        "tool.exe",
    ),
    (
        "nested-zip",
        lambda: zip_of(_good(**{"connectors/inner.zip": zip_of({"a.json": b"{}"})})),
        400,
        "zip_unexpected_file",
        "inner.zip",
    ),
    (
        "unknown-folder",
        lambda: zip_of(_good(**{"forms/form.json": b"{}"})),
        400,
        "zip_unexpected_file",
        "forms/form.json",
    ),
    (
        "nested-folder",
        lambda: zip_of(_good(**{"processes/sub/x.bpmn20.xml": b"<x/>"})),
        400,
        "zip_unexpected_file",
        "processes/sub",
    ),
    (
        "wrapper-folder",
        lambda: zip_of({f"movies-app/{k}": v for k, v in apa_files().items()}),
        400,
        "zip_unexpected_file",
        "movies-app/",
    ),
    ("too-many-entries", _many_entries, 400, "zip_too_many_entries", "at most 500"),
    ("declares-200-mib", _declares_200_mib, 413, "zip_member_too_large", "209715200 bytes"),
    (
        "zeros-4-mib-ratio",
        lambda: zip_of(_good(**{"processes/zeros.bpmn20.xml": b"\x00" * (4 * MIB)})),
        400,
        "zip_ratio",
        "100:1",
    ),
    ("under-declared-size", _under_declared, 400, "zip_corrupt", "corrupt"),
    ("not-a-zip", lambda: b"just some text, not a zip", 400, "zip_invalid", "not a zip"),
    ("empty-file", lambda: b"", 400, "zip_invalid", "not a zip"),
    ("gzip", _gzip, 400, "zip_invalid", "not a zip"),
    ("truncated", lambda: zip_of(_good())[:-200], 400, "zip_invalid", "truncated"),
    ("encrypted", _encrypted, 400, "zip_encrypted", "encrypted"),
    ("bzip2", _bzip2, 400, "zip_unsupported_compression", "deflated"),
    (
        "no-manifest",
        lambda: zip_of(_without("movies-app.json")),
        400,
        "no_project_entry",
        "No valid project entry",
    ),
    (
        "two-manifests",
        lambda: zip_of(_good(**{"other.json": b"{}"})),
        400,
        "zip_unexpected_file",
        "one manifest",
    ),
    (
        "manifest-not-json",
        lambda: zip_of(_good(**{"movies-app.json": b"{nope"})),
        400,
        "malformed_json",
        "movies-app.json",
    ),
    (
        "orphan-extensions",
        lambda: zip_of(_without("processes/rank-movie.bpmn20.xml")),
        400,
        "zip_orphan_extensions",
        "rank-movie-extensions.json",
    ),
    (
        "connector-schema",
        lambda: zip_of(_good(**{"connectors/movies.json": b'{"name": "movies", "icon": "x"}'})),
        400,
        "schema_violation",
        "connectors/movies.json",
    ),
    (
        "bad-model-name",
        lambda: zip_of(
            _good(**{"processes/Bad_Name.bpmn20.xml": apa_files()["processes/rank-movie.bpmn20.xml"]})
        ),
        400,
        "regex.mismatch",
        "processes/Bad_Name.bpmn20.xml",
    ),
    (
        "hostile-bpmn-among-twenty",
        _twenty_good_one_hostile,
        400,
        "doctype_forbidden",
        "processes/hostile.bpmn20.xml",
    ),
    ("bad-extensions", _bad_extensions, 400, "schema_violation", "rank-movie-extensions.json"),
]


@pytest.mark.parametrize(
    ("case", "build", "status", "code", "text"), ZIP_CASES, ids=[c[0] for c in ZIP_CASES]
)
def test_zip_case_is_refused_and_nothing_is_stored(
    owner_api, owner, project, workspace_dir, case, build, status, code, text
):
    from projects import services

    stored = apa_files()["connectors/movies.json"]
    existing, _ = services.model_create(
        actor=owner, project=project, type_name="CONNECTOR", name="movies", content=stored
    )
    etag = owner_api.get(f"{API}/models/{existing.pk}")["ETag"]
    before, files_before = counts(), workspace_files(workspace_dir)
    on_disk = {p: (Path(workspace_dir) / p).read_bytes() for p in files_before if p.endswith(".json")}
    response = post_zip(owner_api, build(), name="imported-app")
    assert_refused(response, status, code, text)
    # nothing stored
    assert counts() == before
    assert workspace_files(workspace_dir) == files_before
    assert not list(Path(workspace_dir).rglob("*.tmp"))
    # nothing lost
    assert owner_api.get(f"{API}/models/{existing.pk}/content").content == stored
    assert owner_api.get(f"{API}/models/{existing.pk}")["ETag"] == etag
    assert {p: (Path(workspace_dir) / p).read_bytes() for p in on_disk} == on_disk
    assert len(on_disk) == 2  # the existing project's manifest and connector


def test_there_are_at_least_25_zip_cases():
    assert len(ZIP_CASES) >= 25


def test_archive_over_the_cap_answers_413(owner_api, project, settings, workspace_dir):
    settings.MODELER_MAX_ZIP_BYTES = 4096
    before, files_before = counts(), workspace_files(workspace_dir)
    big = zip_of(_good(**{"processes/big.bpmn20.xml": bytes(range(256)) * 64}), method=zipfile.ZIP_STORED)
    assert_refused(post_zip(owner_api, big), 413, "payload_too_large", "4096 bytes")
    assert counts() == before and workspace_files(workspace_dir) == files_before


def test_archive_cap_is_enforced_by_the_reader_too(settings):
    from modeler.problems import ValidationFailed
    from projects import archive

    settings.MODELER_MAX_ZIP_BYTES = 1024
    with pytest.raises(ValidationFailed) as raised:
        archive.read_zip(b"PK\x03\x04" + b"\x00" * 2000, archive.accept_project_path)
    assert (raised.value.status, raised.value.error_code) == (413, "archive_too_large")


def test_missing_file_part_is_refused(owner_api):
    before = counts()
    assert_refused(
        owner_api.post(f"{API}/projects/import", {}, format="multipart"), 400, "field.required", "'file'"
    )
    assert counts() == before


def test_under_declared_member_is_never_read_past_its_declared_size():
    """A header that under-declares its size, with a CRC matching the short read: the reader
    takes only the declared bytes (and the JSON is then refused), never the rest of the stream."""
    from modeler.problems import ValidationFailed
    from projects import archive

    payload = b'{"name": "movies"}' + b" " * 5000
    data = zip_of({"p.json": b"{}", "connectors/movies.json": payload}, method=zipfile.ZIP_STORED)
    short = 18
    data = _with_header_fields(data, b"connectors/movies.json", size=short)
    import zlib

    crc = zlib.crc32(payload[:short]).to_bytes(4, "little")
    raw = bytearray(data)
    for signature, offset_crc, offset_name, name_len_at in (
        (b"PK\x03\x04", 14, 30, 26),
        (b"PK\x01\x02", 16, 46, 28),
    ):
        at = raw.find(signature)
        while at >= 0:
            name_len = int.from_bytes(raw[at + name_len_at : at + name_len_at + 2], "little")
            if raw[at + offset_name : at + offset_name + name_len] == b"connectors/movies.json":
                raw[at + offset_crc : at + offset_crc + 4] = crc
            at = raw.find(signature, at + 4)
    # Stored members: the compressed size still says 5018, so the declared sizes disagree.
    try:
        members = archive.read_zip(bytes(raw), archive.accept_project_path)
    except ValidationFailed as exc:
        assert exc.error_code in {"zip_corrupt", "zip_ratio"}
    else:
        assert members["connectors/movies.json"] == payload[:short]
