"""A diagram whose bytes were walked before is not walked again (`bpmn._DIAGRAM_SCANS`).

The reuse must never change what a file reads as: every fixture and damaged copy reads the same
with it and without it, a changed diagram (or the same bytes under other namespaces) is walked
again, and a diagram whose start tag could be found in the wrong place (a comment, a processing
instruction, CDATA, a nested diagram, something after it, another encoding) is never reused.
"""

from __future__ import annotations

import pytest

from modeler.problems import ValidationFailed
from processes import bpmn
from tests.processes.conftest import process_xml
from tests.processes.test_bpmn_fast_paths import cases

DIAGRAM_START = b"<bpmndi:BPMNDiagram"


def outcome(content: bytes):
    try:
        return bpmn.read_bpmn(content)
    except ValidationFailed as refused:
        return ("refused", refused.message, refused.problems)


@pytest.fixture
def walks(monkeypatch) -> list[str]:
    """Every diagram is eligible (whatever its size), the kept scans start empty, and each walk of
    a diagram is recorded (its id)."""
    monkeypatch.setattr(bpmn, "_DIAGRAM_SCAN_MIN_BYTES", 0)
    monkeypatch.setattr(bpmn, "_DIAGRAM_SCANS", type(bpmn._DIAGRAM_SCANS)())
    walked: list[str] = []
    scan_other = bpmn._scan_other

    def recorded(child, ids, references):
        if child.tag == bpmn._DIAGRAM:
            walked.append(child.get("id"))
        return scan_other(child, ids, references)

    monkeypatch.setattr(bpmn, "_scan_other", recorded)
    return walked


def big_process(label: str) -> bytes:
    return process_xml({f"Task_{n}": "movies.getMovieDesc" for n in range(60)}).replace(
        b'name="step ', f'name="{label} '.encode()
    )


@pytest.mark.parametrize("content", cases())
def test_a_file_reads_the_same_with_its_diagram_walked_or_reused(content, walks, monkeypatch):
    first, second = outcome(content), outcome(content)
    assert second == first
    monkeypatch.setattr(bpmn, "_diagram_key", lambda *args: None)
    assert outcome(content) == first


def test_a_rename_reuses_the_diagram_and_a_move_walks_it_again(walks):
    looked_up, fetched = big_process("look up"), big_process("fetch")
    assert looked_up != fetched
    first = bpmn.read_bpmn(looked_up)
    renamed = bpmn.read_bpmn(fetched)
    assert walks == ["BPMNDiagram_1"]  # the second file's diagram bytes were walked already
    assert renamed.problems == first.problems
    assert [t.name for t in renamed.service_tasks][:2] == ["fetch 0", "fetch 1"]
    moved = fetched.replace(b'x="200"', b'x="220"')
    bpmn.read_bpmn(moved)
    assert walks == ["BPMNDiagram_1", "BPMNDiagram_1"]


def test_a_reused_diagram_still_finds_its_dangling_references(walks):
    content = big_process("look up")
    dangling = content.replace(b'bpmnElement="Task_3"', b'bpmnElement="Task_gone"')
    bpmn.read_bpmn(dangling)
    again = bpmn.read_bpmn(dangling.replace(b'name="look up 1"', b'name="renamed"'))
    assert len(walks) == 1
    assert [p.error_code for p in again.problems] == ["dangling_diagram_reference"]


def test_the_same_diagram_bytes_under_other_namespaces_are_walked_again(walks, monkeypatch):
    content = big_process("look up")
    other = content.replace(b'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"', b'xmlns:dc="urn:other"')
    assert other != content
    bpmn.read_bpmn(content)
    reused = bpmn.read_bpmn(other)
    assert walks == ["BPMNDiagram_1", "BPMNDiagram_1"]
    monkeypatch.setattr(bpmn, "_diagram_key", lambda *args: None)
    assert bpmn.read_bpmn(other) == reused


def test_a_rename_parses_the_file_without_its_diagram(walks, monkeypatch):
    parsed: list[int] = []
    parse = bpmn._parse

    def recorded(data: bytes):
        parsed.append(len(data))
        return parse(data)

    monkeypatch.setattr(bpmn, "_parse", recorded)
    looked_up, fetched = big_process("look up"), big_process("fetch")
    first = bpmn.read_bpmn(looked_up)
    renamed = bpmn.read_bpmn(fetched)
    diagram = fetched[fetched.index(b"<bpmndi:BPMNDiagram") : fetched.index(b"</bpmn2:definitions>")]
    assert parsed == [len(looked_up), len(fetched) - len(diagram.rstrip())]
    assert renamed.problems == first.problems == []
    monkeypatch.setattr(bpmn, "_diagram_cut", lambda data: (None, None, None))
    assert bpmn.read_bpmn(fetched) == renamed


def test_a_cut_file_with_a_duplicate_id_is_refused_with_the_line_of_the_whole_file(walks):
    content = big_process("look up")
    bpmn.read_bpmn(content)
    twice = content.replace(b'id="Task_5"', b'id="Task_4"').replace(
        b'bpmnElement="Task_5"', b'bpmnElement="Task_4"'
    )
    with pytest.raises(ValidationFailed, match="used twice") as refused:
        bpmn.read_bpmn(twice)
    # The diagram's bytes as they were (its scan is known, the file is parsed without it) and an
    # id of the model that one of the diagram's ids already has: the whole file is walked.
    collides = content.replace(
        b'<bpmn2:startEvent id="Event_start" />', b'<bpmn2:startEvent id="Task_3_di" />'
    )
    walked = len(walks)
    with pytest.raises(ValidationFailed, match="used twice") as in_diagram:
        bpmn.read_bpmn(collides)
    assert "line" in refused.value.problems[0].description
    assert in_diagram.value.error_code == "duplicate_id"
    assert "Task_3_di" in in_diagram.value.problems[0].description
    assert len(walks) == walked  # its scan was known: not walked again for it


@pytest.mark.parametrize(
    "damage",
    [
        "a comment in the diagram",
        "a comment naming the start tag",
        "a processing instruction in the diagram",
        "CDATA in the file",
        "a diagram in the diagram",
        "a comment after the diagram",
        "a comment after the file",
        "latin-1",
    ],
)
def test_a_diagram_whose_start_tag_could_be_mistaken_is_never_reused(damage, monkeypatch):
    monkeypatch.setattr(bpmn, "_DIAGRAM_SCAN_MIN_BYTES", 0)
    content = big_process("look up")
    plane_end = b"</bpmndi:BPMNPlane>"
    damaged = {
        "a comment in the diagram": content.replace(plane_end, plane_end + b"<!-- moved -->"),
        "a comment naming the start tag": content.replace(
            plane_end, plane_end + b"<!-- <bpmndi:BPMNDiagram -->"
        ),
        "a processing instruction in the diagram": content.replace(plane_end, plane_end + b"<?note x?>"),
        "CDATA in the file": content.replace(
            b'<bpmn2:startEvent id="Event_start" />',
            b'<bpmn2:startEvent id="Event_start"><bpmn2:documentation><![CDATA[x]]></bpmn2:documentation>'
            b"</bpmn2:startEvent>",
        ),
        "a diagram in the diagram": content.replace(
            plane_end,
            plane_end + b'<bpmndi:BPMNDiagram id="inner"><bpmndi:BPMNPlane id="p2"/></bpmndi:BPMNDiagram>',
        ),
        "a comment after the diagram": content.replace(
            b"</bpmndi:BPMNDiagram>", b"</bpmndi:BPMNDiagram><!-- after -->"
        ),
        "a comment after the file": content + b"<!-- after -->",
        "latin-1": content.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"'),
    }[damage]
    assert damaged != content
    try:
        root = bpmn.parse_xml(damaged)
    except ValidationFailed:
        pytest.fail(f"{damage}: the damaged file must still be well-formed")
    assert bpmn._diagram_key(root, root[-1] if root[-1].tag == bpmn._DIAGRAM else root[-2], damaged) is None
    undamaged = bpmn.parse_xml(content)
    assert bpmn._diagram_key(undamaged, undamaged[-1], content) is not None


def test_a_known_diagram_under_another_namespace_is_not_taken_for_it(walks, monkeypatch):
    """The same diagram bytes with its prefix bound elsewhere are no diagram: its ids are not the
    model's (a model id equal to one of them is no duplicate)."""
    content = big_process("look up")
    bpmn.read_bpmn(content)
    foreign = content.replace(
        b'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"', b'xmlns:bpmndi="urn:not-bpmn-di"'
    ).replace(b'<bpmn2:startEvent id="Event_start" />', b'<bpmn2:startEvent id="Task_3_di" />')
    read = bpmn.read_bpmn(foreign)  # not refused: Task_3_di is used once in the BPMN namespaces
    monkeypatch.setattr(bpmn, "_diagram_cut", lambda data: (None, None, None))
    monkeypatch.setattr(bpmn, "_diagram_key", lambda *args: None)
    assert bpmn.read_bpmn(foreign) == read
