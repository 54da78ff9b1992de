"""The fast paths of processes.bpmn against the element walks they replaced.

`_scan` collects ids, references and each process's flows and nodes in one pass;
`reference_problems` and `_outline_of` walk the elements only where a problem may be. Here each
is compared with the plain walk (the code before, kept below as the oracle) on every fixture file
and on damaged copies of them (flows removed, references pointing nowhere, QName and padded
references, duplicate and long ids), so that the outline and every problem, in order, stay the
same.
"""

from __future__ import annotations

import re
from itertools import chain
from pathlib import Path

import pytest
from lxml import etree

from modeler.problems import ValidationFailed
from processes import bpmn
from tests.processes.conftest import BPMN_FIXTURES, process_xml

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
_B = f"{{{bpmn.BPMN_NS}}}"


def oracle_outline(process: etree._Element):
    """The element walk a process's outline was before the fast paths (same outline, same problems)."""
    process_id = process.get("id", "")
    element_ids, tasks, nodes = set(), [], []
    incoming, outgoing = set(), set()
    for element in process.iter(etree.Element):
        element_id = element.get("id")
        if element_id is None or element is process:
            continue
        element_ids.add(element_id)
        if element.tag == f"{_B}sequenceFlow":
            if element.get("sourceRef"):
                outgoing.add(element.get("sourceRef"))
            if element.get("targetRef"):
                incoming.add(element.get("targetRef"))
            continue
        if element.tag == f"{_B}serviceTask":
            implementation = (element.get("implementation") or "").strip()
            tasks.append(
                bpmn.ServiceTask(
                    element_id,
                    element.get("name", ""),
                    None if implementation in {"", "##WebService", "##unspecified"} else implementation,
                    process_id,
                )
            )
        rule = bpmn._flow_rule(element)
        if rule is not None:
            nodes.append((rule, element_id))
    outline = bpmn.ProcessOutline(process_id, process.get("name", ""), frozenset(element_ids), tuple(tasks))
    return outline, list(chain(bpmn._name_problems(process), bpmn._flow_problems(nodes, incoming, outgoing)))


def oracle_references(root: etree._Element, ids: set[str]) -> list:
    """`reference_problems`: the walk over every BPMN/DI element."""
    return list(bpmn.reference_problems(root, ids))


def fixture_files() -> list[Path]:
    return sorted(
        path
        for path in FIXTURES.rglob("*")
        if path.is_file() and path.name.endswith((".bpmn", ".bpmn20.xml", ".bpmn.xml"))
    )


def damaged(content: bytes) -> dict[str, bytes]:
    """Copies of a file with the kinds of damage each fast path must hand over to its walk."""
    text = content.decode("utf-8", errors="replace")
    flows = re.findall(r"<(?:\w+:)?sequenceFlow\b[^>]*?/>", text)
    copies = {
        "every other flow removed": "".join(
            part
            for index, part in enumerate(re.split(r"(<(?:\w+:)?sequenceFlow\b[^>]*?/>)", text))
            if part not in flows[::2] or index % 2 == 0
        ),
        "targets point nowhere": re.sub(r'targetRef="', 'targetRef="gone_', text, count=2),
        "diagram names nothing": re.sub(r'bpmnElement="', 'bpmnElement="gone_', text, count=1),
        "QName reference": re.sub(r'sourceRef="', 'sourceRef="x:', text, count=1),
        "padded reference": re.sub(r'sourceRef="([^"]+)"', r'sourceRef=" \1 "', text, count=1),
        "incoming names nothing": re.sub(r"<((?:\w+:)?incoming)>", r"<\1>gone_", text, count=1),
        "duplicate id": re.sub(r'(<(?:\w+:)?\w+ id=")([^"]+)(")', r"\1dup\3", text, count=2),
        "long id": re.sub(
            r'(<(?:\w+:)?\w+ id=")([^"]+)(")', lambda m: m.group(1) + "x" * 300 + m.group(3), text, count=1
        ),
    }
    return {name: copy.encode() for name, copy in copies.items() if copy != text}


def cases() -> list:
    found = []
    samples = {path.name: path.read_bytes() for path in fixture_files()}
    samples["generated"] = process_xml({"Task_1": "movies.getMovieDesc", "Task_2": None})
    samples["initial"] = bpmn.initial_process("rank-movie", "")
    for name, content in samples.items():
        found.append(pytest.param(content, id=name))
        for damage, copy in damaged(content).items():
            found.append(pytest.param(copy, id=f"{name}: {damage}"))
    return found


def test_the_fixtures_are_there():
    assert len(fixture_files()) >= 10


@pytest.mark.parametrize("content", cases())
def test_fast_paths_agree_with_the_walks(content):
    try:
        root = bpmn.parse_xml(content)
    except ValidationFailed:
        return  # the damage made it unreadable: neither path runs
    found, references, scans = bpmn._scan(root)
    try:
        walked_ids = bpmn._ids_walk(root)
    except ValidationFailed as refused:
        with pytest.raises(ValidationFailed) as fast:
            bpmn._unique_ids(root, found)
        assert fast.value.problems == refused.problems
        return
    ids = bpmn._unique_ids(root, found)
    assert ids == walked_ids
    # The outline walks for reference problems only when some reference may name nothing:
    # when the fast check says they all resolve, the walk finds none.
    if bpmn._references_resolve(ids, references):
        assert oracle_references(root, ids) == []
    processes = list(root.iterchildren(f"{_B}process"))
    assert [scan.element for scan in scans] == processes
    for scan in scans:
        fast_outline, fast_problems = bpmn._outline_of(scan)
        assert (fast_outline, list(fast_problems)) == oracle_outline(scan.element)


def test_damage_reaches_the_walks():
    """The damaged copies do find problems (a comparison of two empty lists proves little)."""
    content = (BPMN_FIXTURES / "camunda-modeler-foreign-attributes.bpmn20.xml").read_bytes()
    copies = damaged(content)
    codes = {
        damage: [p.error_code for p in bpmn.read_bpmn(copy).problems]
        for damage, copy in copies.items()
        if damage not in ("duplicate id", "long id")
    }
    assert "flow" in codes["every other flow removed"]
    assert "dangling_reference" in codes["targets point nowhere"]
    assert "dangling_diagram_reference" in codes["diagram names nothing"]
    assert "dangling_reference" not in codes["QName reference"]  # its local part names the element
    assert "dangling_reference" not in codes["padded reference"]  # stripped, it names the element
    with pytest.raises(ValidationFailed, match="used twice"):
        bpmn.read_bpmn(copies["duplicate id"])
    with pytest.raises(ValidationFailed, match="characters long"):
        bpmn.read_bpmn(copies["long id"])
