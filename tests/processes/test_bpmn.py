"""The pure BPMN module over fixture files: parsing, XSD, references, outline, flow problems."""

from __future__ import annotations

import pytest

from modeler.problems import ValidationFailed
from processes import bpmn
from tests.processes.conftest import BPMN_FIXTURES, process_xml


def fixture(name: str) -> bytes:
    return (BPMN_FIXTURES / name).read_bytes()


def test_bpmn_js_collaboration_with_message_correlation_is_accepted():
    content = fixture("bpmn-js-two-pools-correlation.bpmn20.xml")
    assert b"<bpmn:formalExpression>order.id</bpmn:formalExpression>" in content  # what bpmn-js writes
    outline = bpmn.read_bpmn(content)
    assert [p.id for p in outline.processes] == ["Process_buyer", "Process_seller"]
    assert outline.implementations() == {"Task_lookup": "movies.getMovieDesc"}
    assert outline.process("Process_seller").element_ids >= {"Task_lookup", "Flow_s1", "Event_receive"}
    assert "Task_lookup" not in outline.process("Process_buyer").element_ids
    assert outline.problems == []


def test_the_raw_omg_schema_would_reject_what_bpmn_js_writes_so_we_patch_only_that():
    from lxml import etree

    raw = etree.XMLSchema(etree.parse(str(bpmn._schema_dir() / "BPMN20.xsd")))
    root = bpmn.parse_xml(fixture("bpmn-js-two-pools-correlation.bpmn20.xml"))
    assert not raw.validate(root)
    assert "formalExpression" in str(raw.error_log)
    assert bpmn.bpmn_schema().validate(root)


def test_camunda_modeler_file_with_foreign_attributes_is_accepted():
    outline = bpmn.read_bpmn(fixture("camunda-modeler-foreign-attributes.bpmn20.xml"))
    [process] = outline.processes
    assert process.id == "Process_rate"
    assert [(t.id, t.implementation) for t in process.service_tasks] == [
        ("Activity_lookup", "movies.getMovieDesc")
    ]
    assert outline.problems == []  # boundary event, gateway default, two end events: all connected


def test_initial_process_is_valid_and_reports_the_lonely_start_event():
    content = bpmn.initial_process("rank-movie", 'Ranks <movies> & "stars"')
    outline = bpmn.read_bpmn(content)
    [process] = outline.processes
    assert process.name == "rank-movie"
    assert [(p.problem, p.reference_id) for p in outline.problems] == [
        ("Start event has no outgoing flow", "Event_1")
    ]


def test_flow_problems_name_each_element():
    content = process_xml(
        {"Task_1": None},
        extra='\n    <bpmn2:userTask id="Task_orphan" />\n    <bpmn2:endEvent id="Event_unreached" />',
    )
    problems = {(p.problem, p.reference_id) for p in bpmn.read_bpmn(content).problems}
    assert problems == {
        ("Flow node has no incoming flow", "Task_orphan"),
        ("Flow node has no outgoing flow", "Task_orphan"),
        ("End event has no incoming flow", "Event_unreached"),
    }


def test_event_subprocess_and_compensation_handlers_need_no_flows():
    extra = (
        '\n    <bpmn2:subProcess id="Sub_events" triggeredByEvent="true">'
        '<bpmn2:startEvent id="Event_sub_start"><bpmn2:outgoing>Flow_sub</bpmn2:outgoing></bpmn2:startEvent>'
        '<bpmn2:endEvent id="Event_sub_end"><bpmn2:incoming>Flow_sub</bpmn2:incoming></bpmn2:endEvent>'
        '<bpmn2:sequenceFlow id="Flow_sub" sourceRef="Event_sub_start" targetRef="Event_sub_end" />'
        "</bpmn2:subProcess>"
        '\n    <bpmn2:task id="Task_undo" isForCompensation="true" />'
    )
    assert bpmn.read_bpmn(process_xml({"Task_1": None}, extra=extra)).problems == []


def test_ten_thousand_tasks_are_walked_without_recursion():
    tasks = {f"Task_{n}": "movies.getMovieDesc" for n in range(10_000)}
    outline = bpmn.read_bpmn(process_xml(tasks))
    assert len(outline.implementations()) == 10_000
    assert outline.problems == []


@pytest.mark.parametrize(
    ("attribute", "snippet"),
    [
        ("sourceRef", '<bpmn2:sequenceFlow id="Flow_x" sourceRef="nope" targetRef="Event_end" />'),
        ("targetRef", '<bpmn2:sequenceFlow id="Flow_x" sourceRef="Event_start" targetRef="nope" />'),
        ("attachedToRef", '<bpmn2:boundaryEvent id="Event_b" attachedToRef="nope" />'),
        ("default", '<bpmn2:exclusiveGateway id="Gateway_1" default="nope" />'),
        ("incoming", '<bpmn2:task id="Task_x"><bpmn2:incoming>nope</bpmn2:incoming></bpmn2:task>'),
    ],
)
def test_dangling_references_are_stored_as_errors_with_their_line(attribute, snippet):
    content = process_xml({"Task_1": None}, extra="\n    " + snippet)
    line = content.decode().splitlines().index("    " + snippet) + 1
    dangling = [p for p in bpmn.read_bpmn(content).problems if p.error_code == "dangling_reference"]
    assert [(p.warning, p.description.split(";")[0]) for p in dangling] == [
        (False, f"line {line}: {attribute} 'nope' does not name an element of the file")
    ]


def test_a_diagram_element_naming_nothing_is_a_warning():
    content = process_xml({"Task_1": None}).replace(b'bpmnElement="Task_1"', b'bpmnElement="Task_gone"')
    [problem] = bpmn.read_bpmn(content).problems
    assert problem.warning is True
    assert problem.error_code == "dangling_diagram_reference"
    assert problem.reference_id == "Task_1_di"
    assert "bpmnElement 'Task_gone' does not name an element" in problem.description


def test_parse_xml_takes_bytes_only():
    with pytest.raises(TypeError):
        bpmn.parse_xml('<?xml version="1.0" encoding="UTF-8"?><a/>')  # type: ignore[arg-type]


def test_parse_xml_refuses_a_doctype_before_any_schema():
    with pytest.raises(ValidationFailed, match="DOCTYPE"):
        bpmn.parse_xml(b'<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>')
