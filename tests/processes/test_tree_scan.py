"""processes._tree_scan (the scan's two element loops in C) against the Python loops it stands for.

`bpmn._scan_process_py` and `bpmn._scan_other_py` are the reference: on every fixture file, on
the damaged copies of test_bpmn_fast_paths and on files made to hold what a C reading of the
tree could get wrong (CDATA, comments and processing instructions inside texts, character
references, namespaced and empty attributes, foreign elements, non-ASCII), the C loops give the
same strings in the same order, and the same element objects for the ruled nodes.
"""

from __future__ import annotations

import pytest
from lxml import etree

from processes import bpmn
from tests.processes.test_bpmn_fast_paths import cases

_B = f"{{{bpmn.BPMN_NS}}}"

EDGES = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI"
    xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:x="urn:x" id="defs &amp; &#233;"
    targetNamespace="urn:t">
  <bpmn:process id="P\xc3\xa9" name="proc" isExecutable="true" x:id="namespaced">
    <bpmn:startEvent id="Start" name=""><bpmn:outgoing>F<![CDATA[low]]>_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="T&#x41;" name="a &lt;b&gt; &quot;c&quot;" implementation="  c.a  ">
      <bpmn:incoming><![CDATA[Flow_1]]></bpmn:incoming>
      <bpmn:outgoing>Fl<!-- cut -->ow_2</bpmn:outgoing>
      <bpmn:extensionElements><x:thing id="foreign" x:id="n"/><x:other/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:serviceTask id="T2" implementation="##WebService"><bpmn:incoming/></bpmn:serviceTask>
    <bpmn:serviceTask id="T3"><?pi text?><bpmn:incoming>  Flow_2 </bpmn:incoming></bpmn:serviceTask>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="Start" targetRef="TA"/>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="TA"/>
    <bpmn:sequenceFlow id="Flow_3" targetRef=""/>
    <bpmn:sequenceFlow sourceRef="nobody" targetRef="nothing"/>
    <bpmn:subProcess id="Sub"><bpmn:task id="Inner" default=""/><bpmn:endEvent/></bpmn:subProcess>
    <bpmn:boundaryEvent id="B" attachedToRef="Sub"/>
    <bpmn:endEvent id="End"><bpmn:incoming>Flow_2</bpmn:incoming><bpmn:incoming></bpmn:incoming></bpmn:endEvent>
    <bpmndi:BPMNLabel id="di-in-process" bpmnElement="Start"/>
    <bpmn:textAnnotation id="Note"><bpmn:text>not a reference</bpmn:text></bpmn:textAnnotation>
  </bpmn:process>
  <bpmn:collaboration id="C"><bpmn:participant id="Part" processRef="P\xc3\xa9"/>
    <bpmn:messageFlow id="M" sourceRef="Part" targetRef="Part"><bpmn:sourceRef>x</bpmn:sourceRef></bpmn:messageFlow>
  </bpmn:collaboration>
  <bpmn:message id="Msg" name="m"/>
  <!-- a comment between children -->
  <bpmndi:BPMNDiagram id="D"><bpmndi:BPMNPlane id="Plane" bpmnElement="C">
    <bpmndi:BPMNShape id="S" bpmnElement="Start"><dc:Bounds x="1" y="2" width="3" height="4"/></bpmndi:BPMNShape>
    <bpmndi:BPMNEdge id="E" bpmnElement="Flow_1" sourceElement="S" targetElement="S"/>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def scans(root: etree._Element, native: bool) -> list:
    """Everything the two loops give for each child of `root`, with the lists they appended to."""
    found = []
    for child in root.iterchildren(etree.Element):
        ids: list[str] = []
        references: list[str] = []
        if child.tag == f"{_B}process":
            if native:
                scanned = bpmn._TREE_SCAN.scan_process(
                    child, ids, references, bpmn.ServiceTask, bpmn._NO_IMPLEMENTATION, bpmn._RULED_TAGS
                )
                scanned = bpmn._ProcessScan(child, *scanned)
            else:
                scanned = bpmn._scan_process_py(child, ids, references)
            found.append((scanned, ids, references))
        else:
            scanned = (
                bpmn._TREE_SCAN.scan_other(child, ids, references)
                if native
                else bpmn._scan_other_py(child, ids, references)
            )
            found.append((scanned, ids, references))
    return found


def same(native: list, python: list) -> None:
    assert len(native) == len(python)
    for (scan_n, ids_n, refs_n), (scan_p, ids_p, refs_p) in zip(native, python, strict=True):
        assert ids_n == ids_p
        assert refs_n == refs_p
        if isinstance(scan_p, bpmn._ProcessScan):
            assert scan_n.element is scan_p.element
            assert scan_n.element_ids == scan_p.element_ids
            assert scan_n.outgoing == scan_p.outgoing
            assert scan_n.incoming == scan_p.incoming
            assert scan_n.service_tasks == scan_p.service_tasks
            assert [(tag, element_id) for tag, element_id, _ in scan_n.ruled] == [
                (tag, element_id) for tag, element_id, _ in scan_p.ruled
            ]
            assert all(a is b for (*_, a), (*_, b) in zip(scan_n.ruled, scan_p.ruled, strict=True))
        else:
            assert scan_n == scan_p


def test_the_c_loops_are_built_and_used():
    """bin/setup compiles them (pip builds the package's extension); the Python loops are only a
    fallback for a checkout where they were not."""
    assert bpmn._TREE_SCAN is not None
    assert etree.__version__ == bpmn._TREE_SCAN.LXML_VERSION


def test_the_c_loops_look_for_the_names_bpmn_looks_for():
    native = bpmn._TREE_SCAN
    assert (bpmn.BPMN_NS.encode(), bpmn.BPMNDI_NS.encode()) == native.NAMESPACES
    assert tuple(name.encode() for name in bpmn.REFERENCE_ATTRIBUTES) == native.REFERENCE_ATTRIBUTES
    assert {f"{_B}{name.decode()}" for name in native.REFERENCE_ELEMENTS} == bpmn.REFERENCE_ELEMENTS


def test_no_element_is_refused_not_read():
    with pytest.raises(TypeError):
        bpmn._TREE_SCAN.scan_other(None, [], [])
    with pytest.raises(TypeError):
        bpmn._TREE_SCAN.scan_process(None, [], [], bpmn.ServiceTask, set(), {})


def test_edge_file_is_read_as_lxml_reads_it():
    root = bpmn.parse_xml(EDGES)
    python = scans(root, native=False)
    same(scans(root, native=True), python)
    # The file does hold what it is for: lxml's own values, texts cut by a comment, CDATA joined.
    (process_scan, ids, references), *_ = python
    assert "TA" in ids and "Pé" in ids and "foreign" in process_scan.element_ids
    assert references[:4] == ["Flow_1", "Flow_1", "Fl", "  Flow_2 "]
    assert bpmn.ServiceTask("TA", 'a <b> "c"', "c.a", "Pé") in process_scan.service_tasks
    assert process_scan.outgoing == {"Start", "TA"} and process_scan.incoming == {"TA"}  # (flows with an id)


@pytest.mark.parametrize("content", cases())
def test_same_scan_as_the_python_loops(content):
    try:
        root = bpmn.parse_xml(content)
    except Exception:  # noqa: BLE001 (the damage made it unreadable: no scan runs)
        return
    same(scans(root, native=True), scans(root, native=False))


def test_outline_and_problems_the_same_either_way(monkeypatch):
    """Whole readings agree: outline and every problem, in order."""
    for param in cases():
        (content,) = param.values
        try:
            native = bpmn.read_bpmn(content)
        except Exception as refused:  # noqa: BLE001
            with monkeypatch.context() as patched:
                patched.setattr(bpmn, "_TREE_SCAN", None)
                with pytest.raises(type(refused)):
                    bpmn.read_bpmn(content)
            continue
        with monkeypatch.context() as patched:
            patched.setattr(bpmn, "_TREE_SCAN", None)
            python = bpmn.read_bpmn(content)
        assert native.processes == python.processes
        assert native.problems == python.problems
