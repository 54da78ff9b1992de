"""BPMN XML bad input (RELIABILITY.md): the 4xx and its message, nothing stored, nothing lost."""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from processes.models import ProcessDefinition
from projects.models import Model, ModelVersion
from tests.assertions import assert_refused
from tests.processes.conftest import API, HEAD, process_xml

pytestmark = pytest.mark.django_db
MIB = 1024 * 1024
CAP = 5 * MIB
GOOD = process_xml()
PROLOG = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _with_doctype(doctype: bytes, body: bytes = b"") -> bytes:
    return (
        PROLOG
        + doctype
        + b"\n"
        + GOOD.split(b"\n", 1)[1].replace(b'name="rank movie"', b'name="' + body + b'"')
    )


def _nested(depth: int) -> bytes:
    return GOOD.replace(
        b'isExecutable="true">',
        b'isExecutable="true"><bpmn2:extensionElements>'
        + b"<x>" * depth
        + b"</x>" * depth
        + b"</bpmn2:extensionElements>",
    )


BILLION_LAUGHS = b'<!DOCTYPE d [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
QUADRATIC = b'<!DOCTYPE d [<!ENTITY x "' + b"x" * 50_000 + b'">]>'

CASES = [
    (
        "xxe-file",
        _with_doctype(b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>', b"&x;"),
        400,
        "doctype_forbidden",
        "DOCTYPE",
    ),
    ("billion-laughs", _with_doctype(BILLION_LAUGHS, b"&d;"), 400, "doctype_forbidden", "DOCTYPE"),
    ("quadratic-blowup", _with_doctype(QUADRATIC, b"&x;" * 2000), 400, "doctype_forbidden", "DOCTYPE"),
    ("bare-doctype", _with_doctype(b"<!DOCTYPE definitions>"), 400, "doctype_forbidden", "line 2"),
    (
        "utf-16-doctype",
        '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE d>\n'.encode("utf-16-le")
        + GOOD.split(b"\n", 1)[1].decode().encode("utf-16-le"),
        400,
        "doctype_forbidden",
        "DOCTYPE",
    ),
    ("depth-300", _nested(300), 400, "xml_malformed", "not well-formed"),
    ("over-cap-by-one", GOOD + b" " * (CAP - len(GOOD) + 1), 413, "payload_too_large", str(CAP)),
    (
        "text-node-11mib",
        GOOD.replace(b'name="rank movie"', b'name="' + b"a" * (11 * MIB) + b'"'),
        413,
        "payload_too_large",
        str(CAP),
    ),
    ("gzip", gzip.compress(GOOD), 400, "xml_compressed", "gzip"),
    ("not-well-formed", GOOD.replace(b"</bpmn2:process>", b"</bpmn2:proces>"), 400, "xml_malformed", "line "),
    ("empty", b"", 400, "xml_empty", "empty"),
    ("invalid-utf8", GOOD.replace(b'name="rank movie"', b'name="\xc3\x28"'), 400, "xml_malformed", "line 3"),
    (
        "wrong-root",
        PROLOG + b'<definitions xmlns="http://example.com/not-bpmn" id="d"/>',
        400,
        "not_bpmn",
        "BPMN 2.0 namespace",
    ),
    (
        "wrong-namespace",
        GOOD.replace(
            b"http://www.omg.org/spec/BPMN/20100524/MODEL", b"http://www.omg.org/spec/BPMN/2010/MODEL"
        ),
        400,
        "not_bpmn",
        "found <definitions>",
    ),
    ("duplicate-id", GOOD.replace(b'id="Event_end"', b'id="Task_1"'), 400, "duplicate_id", "Task_1"),
    ("json-body", b'{"name": "x"}', 400, "xml_malformed", "not well-formed"),
]


@pytest.fixture
def snapshot(owner_api, rank_movie, process_dir):
    def take():
        response = owner_api.get(f"{API}/models/{rank_movie.pk}/content")
        return (
            Model.objects.count(),
            ModelVersion.objects.count(),
            ProcessDefinition.objects.count(),
            Model.objects.get(pk=rank_movie.pk).extensions,
            response.content,
            response["ETag"],
            (process_dir / "rank-movie.bpmn20.xml").read_bytes(),
            (process_dir / "rank-movie-extensions.json").read_bytes(),
            sorted(p.name for p in process_dir.iterdir()),
        )

    return take


@pytest.mark.parametrize(("case", "raw", "status", "code", "text"), CASES, ids=[c[0] for c in CASES])
def test_bad_content_put(owner_api, rank_movie, snapshot, case, raw, status, code, text):
    before = snapshot()
    response = owner_api.generic(
        "PUT",
        f"{API}/models/{rank_movie.pk}/content",
        raw,
        content_type="application/xml",
        HTTP_IF_MATCH=f'"{rank_movie.semver}"',
    )
    assert_refused(response, status, code, text)
    assert snapshot() == before


@pytest.mark.parametrize(("case", "raw", "status", "code", "text"), CASES, ids=[c[0] for c in CASES])
def test_bad_import(owner_api, project, rank_movie, snapshot, case, raw, status, code, text):
    before = snapshot()
    response = owner_api.post(
        f"{API}/projects/{project.pk}/models/import",
        {"file": SimpleUploadedFile("other.bpmn20.xml", raw), "type": "PROCESS"},
        format="multipart",
    )
    assert_refused(response, status, code, text)
    assert snapshot() == before


def test_external_dtd_is_never_fetched(owner_api, rank_movie, snapshot):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    connections = []

    def accept():
        with contextlib.suppress(TimeoutError):
            connections.append(listener.accept())

    before = snapshot()
    raw = _with_doctype(f'<!DOCTYPE definitions SYSTEM "http://127.0.0.1:{port}/bpmn.dtd">'.encode())
    response = owner_api.generic(
        "PUT", f"{API}/models/{rank_movie.pk}/content", raw, content_type="application/xml"
    )
    watcher = threading.Thread(target=accept)
    watcher.start()
    watcher.join()
    listener.close()
    assert_refused(response, 400, "doctype_forbidden", "DOCTYPE")
    assert connections == []
    assert snapshot() == before


@pytest.mark.parametrize(
    ("extensions", "code", "text"),
    [
        (b'{"Process_movies": {}, "Process_movies": {}}', "duplicate_key", "Duplicate key"),
        (b"{not json", "malformed_json", "line 1"),
        (
            json.dumps({"Process_movies": {"mappings": {"Task_1": {"mappingType": "SOME"}}}}).encode(),
            "schema_violation",
            "SOME is not a valid enum",
        ),
        (
            json.dumps({"Process_movies": {"properties": {"v": {"id": "v", "name": "v"}}}}).encode(),
            "schema_violation",
            "required key [type] not found",
        ),
    ],
)
def test_bad_extensions_part(owner_api, rank_movie, snapshot, extensions, code, text):
    before = snapshot()
    response = owner_api.put(
        f"{API}/models/{rank_movie.pk}/content",
        {
            "file": SimpleUploadedFile("p.bpmn20.xml", GOOD, "application/xml"),
            "extensions": SimpleUploadedFile("e.json", extensions, "application/json"),
        },
        format="multipart",
    )
    assert_refused(response, 400, code, text)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("content_type", "status", "code"),
    [("application/json", 415, "unsupported_media_type"), ("text/plain", 415, "unsupported_media_type")],
)
def test_wrong_content_type(owner_api, rank_movie, snapshot, content_type, status, code):
    before = snapshot()
    response = owner_api.generic(
        "PUT", f"{API}/models/{rank_movie.pk}/content", GOOD, content_type=content_type
    )
    assert_refused(response, status, code, "application/xml")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("if_match", "status", "code"),
    [('"0.0.1"', 412, "version_conflict"), ("yesterday", 400, "invalid_if_match")],
)
def test_stale_or_malformed_if_match(owner_api, rank_movie, snapshot, if_match, status, code):
    before = snapshot()
    response = owner_api.generic(
        "PUT",
        f"{API}/models/{rank_movie.pk}/content",
        GOOD,
        content_type="application/xml",
        HTTP_IF_MATCH=if_match,
    )
    assert_refused(response, status, code, "")
    assert snapshot() == before


def test_ten_thousand_tasks_under_the_cap_are_saved(owner_api, rank_movie):
    raw = process_xml(
        {f"Task_{n}": "movies.getMovieDesc" for n in range(10_000)},
        process_id=next(iter(rank_movie.extensions)),
    )
    assert len(raw) < CAP
    response = owner_api.generic(
        "PUT", f"{API}/models/{rank_movie.pk}/content", raw, content_type="application/xml"
    )
    assert response.status_code == 200, response.content[:300]
    assert (
        len(response.json()["entry"]["extensions"][next(iter(rank_movie.extensions))]["mappings"]) == 10_000
    )
    assert owner_api.get(f"{API}/models/{rank_movie.pk}/content").content == raw


def test_html_in_documentation_is_stored_as_is(owner_api, rank_movie):
    raw = GOOD.replace(
        b'<bpmn2:startEvent id="Event_start" />',
        b'<bpmn2:startEvent id="Event_start"><bpmn2:documentation>&lt;script&gt;alert(1)&lt;/script&gt;</bpmn2:documentation></bpmn2:startEvent>',
    ).replace(b"Process_movies", next(iter(rank_movie.extensions)).encode())
    response = owner_api.generic(
        "PUT", f"{API}/models/{rank_movie.pk}/content", raw, content_type="application/xml"
    )
    assert response.status_code == 200
    assert owner_api.get(f"{API}/models/{rank_movie.pk}/content").content == raw


def test_head_fixture_is_used_by_every_builder():
    assert GOOD.startswith(HEAD.encode())
