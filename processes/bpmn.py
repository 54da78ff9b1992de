"""BPMN 2.0 files (SPEC §4.3): the one hardened way into lxml, XSD validation, references, outline.

Pure module: stdlib, lxml and modeler's pure modules only; no Django import. Nothing else in
the code base calls `etree.fromstring` (a test walks the source): user XML comes in as bytes
through `parse_xml`, which refuses DOCTYPEs, never loads DTDs or the network, never expands
entities and keeps libxml2's size and depth limits. Walks are iterative (`iter()`), so a
10,000-task file cannot hit Python's recursion limit.
"""

from __future__ import annotations

import importlib.util
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from lxml import etree

from modeler.problems import Problem, ValidationFailed
from projects.model_types import ContentCheck

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
DEFAULT_CATEGORY = "http://bpmn.io/schema/bpmn"
VALIDATOR_SET = "BPMN validator"
MAX_REPORTED = 20

# Attributes and child elements whose value is the id of another element of the file.
REFERENCE_ATTRIBUTES = ("sourceRef", "targetRef", "bpmnElement", "attachedToRef", "default", "processRef")
REFERENCE_ELEMENTS = frozenset(
    f"{{{BPMN_NS}}}{name}" for name in ("incoming", "outgoing", "sourceRef", "targetRef")
)
_OWN_NAMESPACES = (BPMN_NS, BPMNDI_NS)
_DOCTYPE_MARKERS = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))
_NO_IMPLEMENTATION = {"", "##WebService", "##unspecified"}

_B = f"{{{BPMN_NS}}}"
_START, _END, _BOUNDARY = f"{_B}startEvent", f"{_B}endEvent", f"{_B}boundaryEvent"
_SEQUENCE_FLOW, _SERVICE_TASK, _PROCESS = f"{_B}sequenceFlow", f"{_B}serviceTask", f"{_B}process"
_SUB_PROCESS_TAGS = frozenset(f"{_B}{name}" for name in ("subProcess", "transaction", "adHocSubProcess"))
# Flow nodes that need an incoming and an outgoing sequence flow (start/end/boundary have their own rules).
_FLOW_NODE_TAGS = frozenset(
    f"{_B}{name}"
    for name in (
        "task",
        "serviceTask",
        "userTask",
        "scriptTask",
        "sendTask",
        "receiveTask",
        "manualTask",
        "businessRuleTask",
        "callActivity",
        "subProcess",
        "transaction",
        "adHocSubProcess",
        "exclusiveGateway",
        "inclusiveGateway",
        "parallelGateway",
        "eventBasedGateway",
        "complexGateway",
        "intermediateCatchEvent",
        "intermediateThrowEvent",
    )
)

# bpmn-js writes a correlation property's retrieval expression as <bpmn:formalExpression>
# where the OMG schema wants <bpmn:messagePath>; we accept what bpmn-js writes.
_XSD_PATCHES = {
    "Semantic.xsd": (
        b'<xsd:element name="messagePath" type="tFormalExpression" minOccurs="1" maxOccurs="1"/>',
        b'<xsd:choice><xsd:element name="messagePath" type="tFormalExpression"/>'
        b'<xsd:element name="formalExpression" type="tFormalExpression"/></xsd:choice>',
    )
}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
        remove_pis=False,
    )


def _refuse(message: str, code: str, line: int | None = None) -> ValidationFailed:
    where = f"line {line}: " if line else ""
    return ValidationFailed(
        f"Invalid BPMN XML: {where}{message}",
        [Problem("Invalid BPMN XML", f"{where}{message}", VALIDATOR_SET, error_code=code)],
        error_code=code,
    )


def parse_xml(data: bytes) -> etree._Element:
    """The one way into lxml for user XML: bytes in, the root element out, or ValidationFailed."""
    if not isinstance(data, bytes):
        raise TypeError("parse_xml takes bytes")
    if not data.strip():
        raise _refuse("the document is empty", "xml_empty")
    if data[:2] == b"\x1f\x8b":
        raise _refuse("compressed (gzip) content is not accepted; send the XML itself", "xml_compressed")
    # Refused before parsing, so that entity tricks never reach libxml2 and the message is the same
    # whatever the DTD holds (a literal "<!DOCTYPE" in a comment or CDATA is refused too).
    if any(marker in data for marker in _DOCTYPE_MARKERS):
        raise _refuse(
            "a DOCTYPE declaration is not allowed (DTDs and entities are refused)",
            "doctype_forbidden",
            data[: data.find(b"<!DOCTYPE")].count(b"\n") + 1 if b"<!DOCTYPE" in data else None,
        )
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or None
        text = (exc.msg or "not well-formed").split(", line ")[0]
        raise _refuse(f"the document is not well-formed XML ({text})", "xml_malformed", line) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _refuse(
            "a DOCTYPE declaration is not allowed (DTDs and entities are refused)", "doctype_forbidden", 1
        )
    return root


@cache
def _schema_dir() -> Path:
    spec = importlib.util.find_spec("SpiffWorkflow")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the spiffworkflow package (which ships the BPMN 2.0 XSDs) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "bpmn" / "parser" / "schema"


class _PatchedSchemaResolver(etree.Resolver):
    def resolve(self, url, pubid, context):
        name = Path(url).name
        if name in _XSD_PATCHES:
            original, replacement = _XSD_PATCHES[name]
            text = (_schema_dir() / name).read_bytes()
            if original not in text:
                raise RuntimeError(f"unexpected {name}: the bpmn-js compatibility patch no longer applies")
            return self.resolve_string(text.replace(original, replacement), context)
        return None


@cache
def bpmn_schema() -> etree.XMLSchema:
    """The OMG BPMN 2.0 schema, loaded once per process from the spiffworkflow wheel's files."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    parser.resolvers.add(_PatchedSchemaResolver())
    return etree.XMLSchema(etree.parse(str(_schema_dir() / "BPMN20.xsd"), parser))


def validate_schema(root: etree._Element) -> None:
    """Refuse a document that is not BPMN 2.0 or breaks the XSD (problems carry line numbers)."""
    if root.tag != f"{_B}definitions":
        raise _refuse(
            f"the root element must be <definitions> in the BPMN 2.0 namespace {BPMN_NS}, "
            f"found <{etree.QName(root).localname}> in {etree.QName(root).namespace or 'no namespace'}",
            "not_bpmn",
            root.sourceline,
        )
    schema = bpmn_schema()
    if schema.validate(root):
        return
    errors = list(schema.error_log)
    problems = [
        Problem(
            "Invalid BPMN XML",
            f"line {error.line}: {error.message}",
            "BPMN schema validator",
            error_code="xsd_invalid",
        )
        for error in errors[:MAX_REPORTED]
    ]
    first = errors[0]
    raise ValidationFailed(
        f"Invalid BPMN XML: line {first.line}: {first.message}"
        + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""),
        problems,
        error_code="xsd_invalid",
    )


_ANY_BPMN, _ANY_BPMNDI = f"{{{BPMN_NS}}}*", f"{{{BPMNDI_NS}}}*"
_REFERENCE_ATTRIBUTE_SET = frozenset(REFERENCE_ATTRIBUTES)
_REFERENCE_ELEMENTS = frozenset(
    f"{{{BPMN_NS}}}{name}" for name in ("incoming", "outgoing", "sourceRef", "targetRef")
)


def _local_id(value: str) -> str:
    # A reference may be written as a QName (prefix:Id); ids themselves never hold a colon.
    return value.rsplit(":", 1)[-1].strip()


def check_references(root: etree._Element) -> None:
    """Refuse ids that do not resolve (the XSD does not check them)."""
    ids: set[str] = set()
    references: list[tuple[str, str, etree._Element]] = []
    for element in root.iter(_ANY_BPMN, _ANY_BPMNDI):
        keys = element.keys()
        for name in keys:
            if name == "id":
                ids.add(element.get("id"))
            elif name in _REFERENCE_ATTRIBUTE_SET:
                references.append((name, element.get(name), element))
        if element.tag in _REFERENCE_ELEMENTS and element.text is not None:
            references.append((etree.QName(element).localname, element.text, element))
    dangling = [
        (name, _local_id(value), element.sourceline)
        for name, value, element in references
        if _local_id(value) not in ids
    ]
    if not dangling:
        return
    problems = [
        Problem(
            "Unresolved reference",
            f"line {line}: {name} '{value[:100]}' does not name an element of the file",
            VALIDATOR_SET,
            error_code="dangling_reference",
        )
        for name, value, line in dangling[:MAX_REPORTED]
    ]
    name, value, line = dangling[0]
    raise ValidationFailed(
        f"Invalid BPMN XML: line {line}: {name} '{value[:100]}' does not name an element of the file"
        + (f" (and {len(dangling) - 1} more)" if len(dangling) > 1 else ""),
        problems,
        error_code="dangling_reference",
    )


# --- the outline: what the rest of the application needs to know about a file ---------------


@dataclass(frozen=True)
class ServiceTask:
    id: str
    name: str
    implementation: str | None
    process_id: str


@dataclass(frozen=True)
class ProcessOutline:
    id: str
    name: str
    element_ids: frozenset[str]
    service_tasks: tuple[ServiceTask, ...]


@dataclass(frozen=True)
class BpmnOutline:
    definitions_id: str
    category: str
    processes: tuple[ProcessOutline, ...]
    problems: list[Problem] = field(default_factory=list)

    def process(self, process_id: str) -> ProcessOutline | None:
        return next((p for p in self.processes if p.id == process_id), None)

    @property
    def service_tasks(self) -> Iterator[ServiceTask]:
        for process in self.processes:
            yield from process.service_tasks

    def implementations(self) -> dict[str, str]:
        """Service task id → implementation, for tasks that have one."""
        return {task.id: task.implementation for task in self.service_tasks if task.implementation}


def _flow_problem(problem: str, element_id: str, advice: str) -> Problem:
    return Problem(
        problem,
        f"{problem} on '{element_id}': {advice}",
        "BPMN flow validator",
        error_code="flow",
        reference_id=element_id,
    )


def _process_outline(process: etree._Element) -> tuple[ProcessOutline, list[Problem]]:
    process_id = process.get("id", "")
    element_ids: set[str] = set()
    tasks: list[ServiceTask] = []
    incoming: dict[str, int] = {}
    outgoing: dict[str, int] = {}
    nodes: list[tuple[str, str]] = []  # (tag, id) of flow nodes with flow rules
    for element in process.iter(etree.Element):
        element_id = element.get("id")
        if element_id is None or element is process:
            continue
        element_ids.add(element_id)
        tag = element.tag
        if tag == _SEQUENCE_FLOW:
            source, target = element.get("sourceRef"), element.get("targetRef")
            if source:
                outgoing[source] = outgoing.get(source, 0) + 1
            if target:
                incoming[target] = incoming.get(target, 0) + 1
            continue
        if tag == _SERVICE_TASK:
            implementation = (element.get("implementation") or "").strip()
            tasks.append(
                ServiceTask(
                    id=element_id,
                    name=element.get("name", ""),
                    implementation=None if implementation in _NO_IMPLEMENTATION else implementation,
                    process_id=process_id,
                )
            )
        if element.get("isForCompensation") == "true":
            continue
        if tag in _SUB_PROCESS_TAGS and element.get("triggeredByEvent") == "true":
            continue
        if tag in _FLOW_NODE_TAGS or tag in (_START, _END, _BOUNDARY):
            nodes.append((tag, element_id))
    problems = []
    for tag, node in nodes:
        has_in, has_out = incoming.get(node, 0) > 0, outgoing.get(node, 0) > 0
        if tag == _START:
            if not has_out:
                problems.append(
                    _flow_problem("Start event has no outgoing flow", node, "connect it to the next step")
                )
            if has_in:
                problems.append(
                    _flow_problem(
                        "Start event should not have incoming flow", node, "remove the incoming flow"
                    )
                )
        elif tag == _END:
            if not has_in:
                problems.append(_flow_problem("End event has no incoming flow", node, "connect a step to it"))
            if has_out:
                problems.append(
                    _flow_problem("End event should not have outgoing flow", node, "remove the outgoing flow")
                )
        elif tag == _BOUNDARY:
            if not has_out:
                problems.append(
                    _flow_problem("Flow node has no outgoing flow", node, "connect the boundary event")
                )
        else:
            if not has_in:
                problems.append(
                    _flow_problem("Flow node has no incoming flow", node, "connect a sequence flow into it")
                )
            if not has_out:
                problems.append(
                    _flow_problem("Flow node has no outgoing flow", node, "connect it to the next step")
                )
    outline = ProcessOutline(
        id=process_id,
        name=process.get("name", ""),
        element_ids=frozenset(element_ids),
        service_tasks=tuple(tasks),
    )
    return outline, problems


def outline(root: etree._Element) -> BpmnOutline:
    """Processes, their element ids and service tasks, and the flow problems (stored, not refused)."""
    processes = []
    problems: list[Problem] = []
    for process in root.iterchildren(_PROCESS):
        process_outline, process_problems = _process_outline(process)
        processes.append(process_outline)
        problems.extend(process_problems)
    if not processes:
        problems.append(
            Problem(
                "No process in the file",
                "The file holds no bpmn:process; add a process (a pool) to model",
                VALIDATOR_SET,
                error_code="no_process",
            )
        )
    return BpmnOutline(
        definitions_id=root.get("id", ""),
        category=root.get("targetNamespace", ""),
        processes=tuple(processes),
        problems=problems,
    )


def read_bpmn(data: bytes) -> BpmnOutline:
    """Parse, validate (XSD and references) and outline a BPMN file; refuses broken files."""
    root = parse_xml(data)
    validate_schema(root)
    check_references(root)
    return outline(root)


def check_process(content: bytes) -> ContentCheck:
    bpmn = read_bpmn(content)
    return ContentCheck(problems=list(bpmn.problems), name=None, parsed=bpmn)


def new_process_id() -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "Process_" + "".join(secrets.choice(alphabet) for _ in range(8))


def _attribute(value: str) -> str:
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
    )


def initial_process(name: str, description: str, process_id: str | None = None) -> bytes:
    """A new process (SPEC §4.3): one executable process holding a start event, with its diagram."""
    process_id = process_id or new_process_id()
    documentation = (
        f"\n    <bpmn2:documentation>{_attribute(description)}</bpmn2:documentation>" if description else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn2:definitions xmlns:bpmn2="{BPMN_NS}" xmlns:bpmndi="{BPMNDI_NS}" xmlns:dc="{DC_NS}" xmlns:di="{DI_NS}" id="model-{uuid.uuid4()}" targetNamespace="{DEFAULT_CATEGORY}">
  <bpmn2:process id="{process_id}" name="{_attribute(name)}" isExecutable="true">{documentation}
    <bpmn2:startEvent id="Event_1" />
  </bpmn2:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="{process_id}">
      <bpmndi:BPMNShape id="Event_1_di" bpmnElement="Event_1">
        <dc:Bounds x="192" y="82" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn2:definitions>
""".encode()
