"""BPMN 2.0 files (SPEC §4.3): the one hardened way into lxml, XSD validation, references, outline.

Pure module: stdlib, lxml and modeler's pure modules only; no Django import. Nothing else in
the code base calls `etree.fromstring` (a test walks the source): user XML comes in as bytes
through `parse_xml`, which refuses DOCTYPEs, never loads DTDs or the network, never expands
entities and keeps libxml2's size and depth limits. Walks are iterative (`iter()`), so a
10,000-task file cannot hit Python's recursion limit.

`read_bpmn` refuses only what cannot be a BPMN model (SPEC §5): not well-formed or unsafe XML,
a root that is not BPMN 2.0 `definitions`, duplicate ids, ids longer than we can store. Real
files from other tools (the OMG MIWG suite, APA, bpmn-js, Camunda, Trisotech) are stored with
their problems: XSD violations and dangling references as errors with their line, references
only the diagram makes as warnings, flow and name problems; each list is cut at MAX_PROBLEMS
and produced lazily, so a hostile 5 MiB file costs about a second.

A large file is read twice side by side (`Reading`): the schema check parses it with the XSD
(C code, without the GIL) while the walk parses it again and outlines it, each in a worker thread
whose tree never leaves it; a save meanwhile locks its row and completes the extensions from the
outline (`start_check_process`). A diagram whose bytes were walked before is not walked, nor
parsed, again (`_DIAGRAM_SCANS`). An import's files are read the other way round: each one whole
in one worker thread, parsed once (`_read_whole`), while the next file is read in the other.
The scan's two loops over every element run in C when processes/_tree_scan.pyx is built
(`_TREE_SCAN`); their Python form (`_scan_process_py`, `_scan_other_py`) is the reference.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import secrets
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from itertools import chain, islice
from pathlib import Path
from typing import NamedTuple

from lxml import etree

from modeler.problems import MAX_PROBLEMS, Problem, ValidationFailed, capped
from projects.model_types import ContentCheck

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
DEFAULT_CATEGORY = "http://bpmn.io/schema/bpmn"
VALIDATOR_SET = "BPMN validator"

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
_AD_HOC_SUB_PROCESS = f"{_B}adHocSubProcess"
_THROW, _CATCH = f"{_B}intermediateThrowEvent", f"{_B}intermediateCatchEvent"
_LINK, _COMPENSATE = f"{_B}linkEventDefinition", f"{_B}compensateEventDefinition"
MAX_PROCESS_NAME_LENGTH = 26
# Flow nodes that need an incoming and an outgoing sequence flow (start/end/boundary have their own rules).
_FLOW_NODE_NAMES = (
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
_FLOW_NODE_TAGS = frozenset(f"{_B}{name}" for name in _FLOW_NODE_NAMES)

# bpmn-js writes a correlation property's retrieval expression as <bpmn:formalExpression>
# where the OMG schema wants <bpmn:messagePath>; we accept what bpmn-js writes.
_XSD_PATCHES = {
    "Semantic.xsd": (
        b'<xsd:element name="messagePath" type="tFormalExpression" minOccurs="1" maxOccurs="1"/>',
        b'<xsd:choice><xsd:element name="messagePath" type="tFormalExpression"/>'
        b'<xsd:element name="formalExpression" type="tFormalExpression"/></xsd:choice>',
    )
}


def _parser(schema: etree.XMLSchema | None = None) -> etree.XMLParser:
    return etree.XMLParser(
        schema=schema,
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


def _fromstring(data: bytes, parser: etree.XMLParser) -> etree._Element:
    """The only call of etree.fromstring (a test walks the source); `_checked` runs first."""
    root = etree.fromstring(data, parser)
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _refuse(
            "a DOCTYPE declaration is not allowed (DTDs and entities are refused)", "doctype_forbidden", 1
        )
    return root


def _checked(data: bytes) -> bytes:
    """What is refused before libxml2 sees anything."""
    if not isinstance(data, bytes):
        raise TypeError("parse_xml takes bytes")
    if not data or data.isspace():
        raise _refuse("the document is empty", "xml_empty")
    if data[:2] == b"\x1f\x8b":
        raise _refuse("compressed (gzip) content is not accepted; send the XML itself", "xml_compressed")
    # Refused before parsing, so that entity tricks never reach libxml2 and the message is the same
    # whatever the DTD holds (a literal "<!DOCTYPE" in a comment or CDATA is refused too).
    # (Every marker holds a "!": one memchr clears most files, which hold none.)
    if b"!" in data and any(marker in data for marker in _DOCTYPE_MARKERS):
        raise _refuse(
            "a DOCTYPE declaration is not allowed (DTDs and entities are refused)",
            "doctype_forbidden",
            data[: data.find(b"<!DOCTYPE")].count(b"\n") + 1 if b"<!DOCTYPE" in data else None,
        )
    return data


def parse_xml(data: bytes) -> etree._Element:
    """The one way into lxml for user XML: bytes in, the root element out, or ValidationFailed."""
    return _parse(_checked(data))


def _parse(data: bytes) -> etree._Element:
    """`parse_xml` of bytes `_checked` has let through already (a file being read is checked once)."""
    try:
        return _fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or None
        text = (exc.msg or "not well-formed").split(", line ")[0]
        raise _refuse(f"the document is not well-formed XML ({text})", "xml_malformed", line) from None


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


_SCHEMA_LOCK = threading.Lock()


def bpmn_schema() -> etree.XMLSchema:
    """The OMG BPMN 2.0 schema, loaded once per process from the spiffworkflow wheel's files (by
    one thread: two worker threads loading it at once made libxml2 refuse the schema)."""
    with _SCHEMA_LOCK:
        return _loaded_schema()


@cache
def _loaded_schema() -> etree.XMLSchema:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    parser.resolvers.add(_PatchedSchemaResolver())
    return etree.XMLSchema(etree.parse(str(_schema_dir() / "BPMN20.xsd"), parser))


def check_root(root: etree._Element) -> None:
    """Refuse a document whose root is not a BPMN 2.0 `definitions` element."""
    if root.tag != f"{_B}definitions":
        raise _refuse(
            f"the root element must be <definitions> in the BPMN 2.0 namespace {BPMN_NS}, "
            f"found <{etree.QName(root).localname}> in {etree.QName(root).namespace or 'no namespace'}",
            "not_bpmn",
            root.sourceline,
        )


# Past this many streamed errors, the tree is not validated again for lines (its cost grows with
# errors × siblings).
_STREAM_LOG_SIZE = MAX_PROBLEMS


def _parse_validated(data: bytes) -> tuple[etree._Element, list[str]]:
    """The root, and the first XSD violations libxml2 found while parsing (without lines), of
    bytes `_checked` has let through.

    Validating while parsing costs about what parsing does, so a valid file (the usual case) is
    parsed once; an invalid one is parsed again without the schema to get its tree. The messages
    come from the parser's own log: the exception's log is lxml's per-thread global one, which
    still holds other documents' errors.
    """
    parser = _parser(bpmn_schema())
    try:
        return _fromstring(data, parser), []
    except etree.XMLSyntaxError as exc:
        root = _parse(data)  # refuses what is not well-formed
        schema_errors = (error.message for error in parser.error_log if error.domain_name == "SCHEMASV")
        return root, list(islice(schema_errors, _STREAM_LOG_SIZE + 1)) or [exc.msg or "invalid"]


def schema_problems(streamed: list[str], root: etree._Element) -> Iterator[Problem]:
    """XSD violations, each with its line: stored as errors (they block a release), never refused.

    APA never checked the XSD and real files break it in harmless ways (a missing
    `targetNamespace` is the most common), so a file that is still a BPMN model is kept.
    Validating the tree gives lines, but lxml computes each error's node path by walking the
    node's siblings: 95,000 errors among 95,000 siblings took 36 s. So the bytes are validated
    while parsing first (0.3 s, no lines: `_parse_validated`); only a document with fewer than
    MAX_PROBLEMS errors is validated as a tree to find their lines.
    """
    if not streamed:
        return
    if len(streamed) < _STREAM_LOG_SIZE:
        schema = bpmn_schema()
        schema.validate(root)
        errors = [(error.line, error.message) for error in schema.error_log]
    else:
        errors = [(None, message) for message in streamed]
    for line, message in errors or [(None, message) for message in streamed]:
        yield Problem(
            "Invalid BPMN XML",
            f"line {line}: {message}" if line else f"{message} (line not known: too many schema errors)",
            "BPMN schema validator",
            error_code="xsd_invalid",
        )


_ANY_BPMN, _ANY_BPMNDI = f"{{{BPMN_NS}}}*", f"{{{BPMNDI_NS}}}*"
_REFERENCE_ATTRIBUTE_SET = frozenset(REFERENCE_ATTRIBUTES)
_IMPORT = f"{_B}import"
_OWN_TAG_PREFIXES = (_B, f"{{{BPMNDI_NS}}}")
# The nodes that have a flow rule (`_flow_rule`).
_RULED_TAG_SET = frozenset((*_FLOW_NODE_TAGS, _START, _END, _BOUNDARY))
# Longest id we store (ProcessDefinition.process_id, and the extensions schema's key length).
MAX_ID_LENGTH = 255
# The valid file is the usual case: one pass collects the ids and the references, and the walks
# that find each problem's element and line run only when those show there may be a problem.
_UNSTRIPPED_OR_QNAME = re.compile(r"[:\s]")


class _ProcessScan(NamedTuple):
    """What one pass over a process's elements found (`_scan_process`)."""

    element: etree._Element
    element_ids: list[str]  # every descendant's id, any namespace, the process's own excluded
    outgoing: set[str]  # the sourceRef of every sequence flow with an id
    incoming: set[str]  # their targetRef
    ruled: list[tuple[str, str, etree._Element]]  # (tag, id, element) of the nodes with a flow rule
    service_tasks: list[ServiceTask]


def _scan(
    root: etree._Element,
    data: bytes | None = None,
    cut: _DiagramScan | None = None,
    tail: tuple[int, bytes] | None = None,
) -> tuple[list[str], list[str], list[_ProcessScan]]:
    """One pass over the file: the id of every BPMN/BPMNDI element, the value of every reference
    attribute they hold and the text of every reference element, and for each process what its
    outline needs (`_scan_process`).

    A process's subtree is walked once for all of it (any namespace: its element ids include
    extension elements'); the rest of the file (the diagram, collaborations, messages…) only
    for BPMN and BPMNDI elements, and for reference elements (found by libxml2: outside a process
    there are few). The order of the references is not kept: they are only looked up. Given
    the file's bytes, a diagram that ends the file is read from `_DIAGRAM_SCANS` when its bytes
    were walked before; `cut` is that of a diagram cut out of the file before it was parsed, and
    `tail` the (offset, `_tail_key`) `_diagram_cut` worked out already (`_parsed_for_walk`).
    """
    ids: list[str] = []
    references: list[str] = []
    processes: list[_ProcessScan] = []
    for name, value in root.items():
        if name == "id":
            ids.append(value)
        elif name in _REFERENCE_ATTRIBUTE_SET:
            references.append(value)
    for child in root.iterchildren(etree.Element):
        if child.tag == _PROCESS:
            processes.append(_scan_process(child, ids, references))
            continue
        key = _diagram_key(root, child, data, tail) if data is not None and child.tag == _DIAGRAM else None
        if key is None:
            _scan_other(child, ids, references)
            continue
        namespaces = _namespaces(root)
        known = _known_diagram(key)
        if known is None or known.namespaces != namespaces:
            known = _DiagramScan(namespaces, *_scan_other(child, [], []))
            _keep_diagram(key, known)
        ids.extend(known.ids)
        references.extend(known.references)
    if cut is not None:
        ids.extend(cut.ids)
        references.extend(cut.references)
    return ids, references, processes


def _scan_other_py(
    child: etree._Element, ids: list[str], references: list[str]
) -> tuple[list[str], list[str]]:
    """`_scan` of a child of `definitions` that is not a process: the ids and references of its
    BPMN and BPMNDI elements, and the texts of its reference elements."""
    add_id, add_reference = ids.append, references.append
    for element in child.iter(_ANY_BPMN, _ANY_BPMNDI):
        for name, value in element.items():
            if name == "id":
                add_id(value)
            elif name in _REFERENCE_ATTRIBUTE_SET:
                add_reference(value)
    for element in child.iter(*REFERENCE_ELEMENTS):
        if element.text is not None:
            add_reference(element.text)
    return ids, references


class _DiagramScan(NamedTuple):
    """What `_scan_other` found in a diagram, and the namespaces in scope where it was read."""

    namespaces: str  # `_namespaces` of the file's root
    ids: list[str]
    references: list[str]


# Diagram scans by the digest of the file's XML declaration and of its bytes from the diagram's
# start tag to the end (`_tail_key`): a save that changes the model but not its layout (a task
# renamed, an implementation picked) walks a 1,000-task diagram once (6 ms); after that the
# diagram is cut out of the bytes before they are parsed for the walk (`_diagram_cut`: 60 % of
# the bytes left out, 7 ms less). Same bytes, same declaration, same namespaces checked: an
# entry cannot be stale. A few large diagrams are kept.
_DIAGRAM = f"{{{BPMNDI_NS}}}BPMNDiagram"
_DIAGRAM_SCANS: OrderedDict[bytes, _DiagramScan] = OrderedDict()
_DIAGRAM_SCANS_KEPT = 8
_DIAGRAM_SCANS_LOCK = threading.Lock()
_DIAGRAM_SCAN_MIN_BYTES = 64 * 1024  # (a 100-task diagram, 27 KB, is walked in 0.6 ms)
_TAG_ENDS = frozenset((b" ", b"\t", b"\r", b"\n", b"/", b">"))
_PREFIX = re.compile(rb"[A-Za-z_][A-Za-z0-9_.\-]*")
_BOM = b"\xef\xbb\xbf"


def _namespaces(root: etree._Element) -> str:
    return repr(sorted((prefix or "", uri) for prefix, uri in root.nsmap.items()))


def _known_diagram(key: bytes) -> _DiagramScan | None:
    with _DIAGRAM_SCANS_LOCK:
        known = _DIAGRAM_SCANS.get(key)
        if known is not None:
            _DIAGRAM_SCANS.move_to_end(key)
        return known


def _keep_diagram(key: bytes, scan: _DiagramScan) -> None:
    with _DIAGRAM_SCANS_LOCK:
        _DIAGRAM_SCANS[key] = scan
        while len(_DIAGRAM_SCANS) > _DIAGRAM_SCANS_KEPT:
            _DIAGRAM_SCANS.popitem(last=False)


def _tail_key(data: bytes, start: int) -> bytes:
    """The digest of the file's XML declaration (it names the encoding) and of its bytes from
    `start` to the end."""
    body = len(_BOM) if data.startswith(_BOM) else 0
    declaration = data[: data.find(b"?>") + 2] if data.startswith(b"<?xml", body) else b""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(declaration)
    digest.update(b"\0")
    digest.update(memoryview(data)[start:])
    return digest.digest()


def _diagram_start(data: bytes, prefix: bytes, before: int) -> int:
    """The offset of the last `<prefix:BPMNDiagram` start tag before `before`, or -1."""
    start = data.rfind(b"<" + prefix + b":BPMNDiagram", 0, before)
    after = start + 1 + len(prefix) + len(b":BPMNDiagram")
    return start if start >= 0 and data[after : after + 1] in _TAG_ENDS else -1


def _diagram_key(
    root: etree._Element, diagram: etree._Element, data: bytes, tail: tuple[int, bytes] | None = None
) -> bytes | None:
    """`_tail_key` from `diagram`'s start tag, when those bytes are surely the diagram's own, else
    None (the diagram is walked as any child): it is the last node of a UTF-8 file without CDATA,
    and holds no comment or processing instruction (nothing where its start tag could be written
    again as text) and no element of its local name, so the last `<prefix:BPMNDiagram` of the
    file is its start tag.
    """
    if len(data) < _DIAGRAM_SCAN_MIN_BYTES or diagram.getnext() is not None or root.getnext() is not None:
        return None
    if (
        diagram.prefix is None
        or (root.getroottree().docinfo.encoding or "").upper() != "UTF-8"
        or b"<![CDATA[" in data
    ):
        return None
    hiding = diagram.iterdescendants("{*}BPMNDiagram", etree.Comment, etree.ProcessingInstruction)
    if next(hiding, None) is not None:
        return None
    offset = _diagram_start(data, diagram.prefix.encode(), len(data))
    if offset < 0 or len(data) - offset < _DIAGRAM_SCAN_MIN_BYTES:
        return None
    if tail is not None and tail[0] == offset:
        return tail[1]
    return _tail_key(data, offset)


def _diagram_cut(data: bytes) -> tuple[bytes | None, _DiagramScan | None, tuple[int, bytes] | None]:
    """The file without its diagram, and what that diagram holds, when a diagram of these very
    bytes was walked before (`_DIAGRAM_SCANS`), and the (offset, `_tail_key`) of the diagram's
    bytes, when the bytes alone show where it lies (else None, None, None): the file
    holds no comment, CDATA or processing instruction (the XML declaration aside), so every `<`
    is markup, and the last `</p:BPMNDiagram>` and the `<p:BPMNDiagram` before it are the tags of
    the diagram that ends it (a well-formed file stays well-formed without it; one that is not is
    refused by the schema check). The caller checks the namespaces the rest of the file declares.
    """
    nothing = None, None, None
    if len(data) < _DIAGRAM_SCAN_MIN_BYTES or b"<!--" in data or b"<![CDATA[" in data:
        return nothing
    body = len(_BOM) if data.startswith(_BOM) else 0
    instruction = data.find(b"<?", body)
    if instruction >= 0 and (instruction != body or data.find(b"<?", body + 2) >= 0):
        return nothing
    closing = data.rfind(b":BPMNDiagram>")
    opening = data.rfind(b"</", 0, closing)
    prefix = data[opening + 2 : closing]
    if closing < 0 or opening < 0 or not _PREFIX.fullmatch(prefix):
        return nothing
    start = _diagram_start(data, prefix, opening)
    if start < 0:
        return nothing
    tail = start, _tail_key(data, start)
    known = _known_diagram(tail[1])
    if known is None:
        return None, None, tail
    return data[:start] + data[closing + len(b":BPMNDiagram>") :], known, tail


def _scan_process_py(process: etree._Element, ids: list[str], references: list[str]) -> _ProcessScan:
    """One pass over a process's elements: BPMN/BPMNDI ids and references go to `ids` and
    `references`; the element ids, sequence flows, ruled nodes and service tasks to the scan."""
    process_id = process.get("id", "")
    element_ids: list[str] = []
    outgoing: set[str] = set()
    incoming: set[str] = set()
    ruled: list[tuple[str, str, etree._Element]] = []
    tasks: list[ServiceTask] = []
    add_id, add_reference, add_element_id = ids.append, references.append, element_ids.append
    for element in process.iter(etree.Element):
        tag = element.tag
        if not tag.startswith(_OWN_TAG_PREFIXES):
            element_id = element.get("id")
            if element_id is not None:
                add_element_id(element_id)
            continue
        element_id = source = target = name_value = implementation = None
        for name, value in element.items():
            if name == "id":
                element_id = value
            elif name in _REFERENCE_ATTRIBUTE_SET:
                add_reference(value)
                if name == "sourceRef":
                    source = value
                elif name == "targetRef":
                    target = value
            elif name == "name":
                name_value = value
            elif name == "implementation":
                implementation = value
        if tag in REFERENCE_ELEMENTS and element.text is not None:
            add_reference(element.text)  # <incoming>, <outgoing>, <sourceRef>, <targetRef>
        if element_id is None:
            continue
        add_id(element_id)
        if element is process:
            continue
        add_element_id(element_id)
        if tag == _SEQUENCE_FLOW:
            outgoing.add(source or "")
            incoming.add(target or "")
        elif tag in _RULED_TAG_SET:
            ruled.append((tag, element_id, element))
            if tag == _SERVICE_TASK:
                implementation = (implementation or "").strip()
                tasks.append(
                    ServiceTask(
                        element_id,
                        name_value or "",
                        None if implementation in _NO_IMPLEMENTATION else implementation,
                        process_id,
                    )
                )
    outgoing.discard("")
    incoming.discard("")
    return _ProcessScan(process, element_ids, outgoing, incoming, ruled, tasks)


_RULED_TAGS = {tag[len(_B) :]: tag for tag in _RULED_TAG_SET}


def _native_scan():
    """processes._tree_scan (the same two loops over libxml2's nodes), when it was compiled (bin/setup
    builds it) against the lxml in use; else None, and the Python loops run."""
    try:
        from processes import _tree_scan
    except Exception:  # noqa: BLE001 (not built, or built for an lxml whose C API it cannot take)
        return None
    return _tree_scan if etree.__version__ == _tree_scan.LXML_VERSION else None


_TREE_SCAN = _native_scan()


def _scan_process(process: etree._Element, ids: list[str], references: list[str]) -> _ProcessScan:
    """`_scan_process_py`, in C when `_TREE_SCAN` is there."""
    if _TREE_SCAN is None:
        return _scan_process_py(process, ids, references)
    return _ProcessScan(
        process,
        *_TREE_SCAN.scan_process(process, ids, references, ServiceTask, _NO_IMPLEMENTATION, _RULED_TAGS),
    )


def _scan_other(child: etree._Element, ids: list[str], references: list[str]) -> tuple[list[str], list[str]]:
    """`_scan_other_py`, in C when `_TREE_SCAN` is there."""
    if _TREE_SCAN is None:
        return _scan_other_py(child, ids, references)
    return _TREE_SCAN.scan_other(child, ids, references)


def _unique_ids(
    root: etree._Element, found: list[str], whole: Callable[[], etree._Element] | None = None
) -> set[str]:
    """The ids as a set; refuses duplicate ids and ids over MAX_ID_LENGTH (they cannot be stored).

    The scan keeps no lines: `_ids_walk`, which knows them for the refusal, runs only when the
    ids hold a duplicate or a long one, over the whole file (`whole`, when `root` is the file
    without its diagram).
    """
    ids = set(found)
    if len(ids) == len(found) and max(map(len, found), default=0) <= MAX_ID_LENGTH:
        return ids
    return _ids_walk(whole() if whole is not None else root)


def _ids_walk(root: etree._Element) -> set[str]:
    ids: dict[str, int | None] = {}
    for element in root.iter(_ANY_BPMN, _ANY_BPMNDI):
        element_id = element.get("id")
        if element_id is None:
            continue
        if len(element_id) > MAX_ID_LENGTH:
            kind = "process id" if element.tag == _PROCESS else "id"
            raise _refuse(
                f"the {kind} '{element_id[:60]}…' is {len(element_id)} characters long; "
                f"ids are limited to {MAX_ID_LENGTH} characters",
                "id_too_long",
                element.sourceline,
            )
        if element_id in ids:
            raise _refuse(
                f"the id '{element_id[:100]}' is used twice (first on line {ids[element_id]}); "
                "every id must be unique in the file",
                "duplicate_id",
                element.sourceline,
            )
        ids[element_id] = element.sourceline
    return set(ids)


def _imported_namespaces(root: etree._Element) -> frozenset[str]:
    return frozenset(
        namespace for element in root.iterchildren(_IMPORT) if (namespace := element.get("namespace"))
    )


def _is_local(value: str, element: etree._Element, imported: frozenset[str]) -> bool:
    """False for a QName whose prefix names a `bpmn:import`ed namespace (it lives in another file)."""
    if ":" not in value or not imported:
        return True
    prefix = value.split(":", 1)[0].strip()
    return element.nsmap.get(prefix) not in imported


def _local_id(value: str) -> str:
    # A reference may be written as a QName (prefix:Id); ids themselves never hold a colon.
    return value.rsplit(":", 1)[-1].strip()


def _references_resolve(ids: set[str], values: list[str]) -> bool:
    """True when every reference (`values`, from `_scan`: the reference attributes' values and
    the reference elements' texts) names an id of the file: then there is no reference problem
    and the walk that finds them is not needed."""
    if ids.issuperset(values) and not _UNSTRIPPED_OR_QNAME.search("".join(values)):
        return True  # each value is its own local id
    return all(_local_id(value) in ids for value in values)


def reference_problems(root: etree._Element, ids: set[str]) -> Iterator[Problem]:
    """References that name nothing (the XSD does not check them), lazily, in document order.

    A semantic reference (sourceRef, targetRef, attachedToRef, default, processRef, incoming,
    outgoing) is an error; a reference only the diagram makes (`bpmnElement`) is a warning, as
    bpmn-js treats it; a QName into a `bpmn:import`ed namespace is not dangling. A file whose
    references all resolve (`_references_resolve`, from the walk's values) is never walked here.
    """
    imported = _imported_namespaces(root)
    for element in root.iter(_ANY_BPMN, _ANY_BPMNDI):
        references = [
            (name, element.get(name)) for name in element.attrib if name in _REFERENCE_ATTRIBUTE_SET
        ]
        if element.tag in REFERENCE_ELEMENTS and element.text is not None:
            references.append((etree.QName(element).localname, element.text))
        for name, value in references:
            if not _is_local(value, element, imported) or _local_id(value) in ids:
                continue
            shown = _local_id(value)[:100]
            where = f"line {element.sourceline}: {name} '{shown}' does not name an element of the file"
            if name == "bpmnElement":
                yield Problem(
                    "Diagram element names nothing",
                    f"{where}; the diagram shows something the model does not hold (redraw or delete it)",
                    VALIDATOR_SET,
                    warning=True,
                    error_code="dangling_diagram_reference",
                    reference_id=element.get("id"),
                )
            else:
                yield Problem(
                    "Unresolved reference",
                    f"{where}; point it at an element of this file",
                    VALIDATOR_SET,
                    error_code="dangling_reference",
                    reference_id=element.get("id"),
                )


# --- the outline: what the rest of the application needs to know about a file ---------------


class ServiceTask(NamedTuple):
    """A service task of the outline (a named tuple: a process holds thousands, and a frozen
    dataclass took four times as long to make)."""

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


def _flow_rule(element: etree._Element) -> str | None:
    """Which flows a node needs: "start", "end", "boundary", "both", "in", "out", or None (no rule).

    Correct BPMN that needs no sequence flow gets None: compensation handlers and compensation
    boundary events (joined by an association), event sub-processes, the children of an ad-hoc
    sub-process; a link throw event needs only incoming flow, a link catch event and an
    instantiating gateway or receive task only outgoing.
    """
    tag = element.tag
    if tag not in _FLOW_NODE_TAGS and tag not in (_START, _END, _BOUNDARY):
        return None
    if element.get("isForCompensation") == "true":
        return None
    if tag in _SUB_PROCESS_TAGS and element.get("triggeredByEvent") == "true":
        return None
    parent = element.getparent()
    if parent is not None and parent.tag == _AD_HOC_SUB_PROCESS:
        return None
    if tag == _BOUNDARY:
        return None if element.find(_COMPENSATE) is not None else "boundary"
    if tag == _START:
        return "start"
    if tag == _END:
        return "end"
    if tag in (_THROW, _CATCH) and element.find(_LINK) is not None:
        return "in" if tag == _THROW else "out"
    if element.get("instantiate") == "true":
        return "out"  # an instantiating event-based gateway or receive task starts the process
    return "both"


def _name_problems(process: etree._Element) -> list[Problem]:
    """SPEC §3: a process name is required, not blank, at most 26 characters."""
    process_id = process.get("id", "")
    name = process.get("name")
    if name is None or not name.strip():
        return [
            Problem(
                "The process name is required",
                f"Process '{process_id[:100]}' has {'no' if name is None else 'a blank'} name: "
                "give the process (bpmn:process@name) a name",
                "BPMN process name validator",
                error_code="process_name",
                reference_id=process_id,
            )
        ]
    if len(name) > MAX_PROCESS_NAME_LENGTH:
        return [
            Problem(
                "The name length cannot be greater than 26",
                f"The name of process '{process_id[:100]}' is {len(name)} characters long: "
                f"'{name[:60]}'; shorten it to {MAX_PROCESS_NAME_LENGTH} characters at most",
                "BPMN process name validator",
                error_code="process_name",
                reference_id=process_id,
            )
        ]
    return []


def _flow_problems(nodes: list[tuple[str, str]], incoming: set[str], outgoing: set[str]) -> Iterator[Problem]:
    """Missing or misplaced sequence flows, lazily (a hostile file can hold 100,000 lonely tasks)."""
    for rule, node in nodes:
        has_in, has_out = node in incoming, node in outgoing
        if rule == "start":
            if not has_out:
                yield _flow_problem("Start event has no outgoing flow", node, "connect it to the next step")
            if has_in:
                yield _flow_problem(
                    "Start event should not have incoming flow", node, "remove the incoming flow"
                )
        elif rule == "end":
            if not has_in:
                yield _flow_problem("End event has no incoming flow", node, "connect a step to it")
            if has_out:
                yield _flow_problem(
                    "End event should not have outgoing flow", node, "remove the outgoing flow"
                )
        elif rule == "boundary":
            if not has_out:
                yield _flow_problem("Flow node has no outgoing flow", node, "connect the boundary event")
        else:
            if rule in ("both", "in") and not has_in:
                yield _flow_problem("Flow node has no incoming flow", node, "connect a sequence flow into it")
            if rule in ("both", "out") and not has_out:
                yield _flow_problem("Flow node has no outgoing flow", node, "connect it to the next step")


def _outline_of(scan: _ProcessScan) -> tuple[ProcessOutline, Iterator[Problem]]:
    """A process's outline and its name and flow problems, from its scan.

    A node with an incoming and an outgoing flow breaks no flow rule (nor does a start event
    with only an outgoing one, an end event with only an incoming one, a boundary event with an
    outgoing one), so `_flow_rule` is worked out only for the other nodes.
    """
    process = scan.element
    incoming, outgoing = scan.incoming, scan.outgoing
    nodes: list[tuple[str, str]] = []  # (rule, id) of the nodes that may break their rule
    for tag, element_id, element in scan.ruled:
        if tag == _START:
            suspect = element_id in incoming or element_id not in outgoing
        elif tag == _END:
            suspect = element_id in outgoing or element_id not in incoming
        elif tag == _BOUNDARY:
            suspect = element_id not in outgoing
        else:
            suspect = element_id not in incoming or element_id not in outgoing
        if suspect and (rule := _flow_rule(element)) is not None:
            nodes.append((rule, element_id))
    outline = ProcessOutline(
        id=process.get("id", ""),
        name=process.get("name", ""),
        element_ids=frozenset(scan.element_ids),
        service_tasks=tuple(scan.service_tasks),
    )
    return outline, chain(_name_problems(process), _flow_problems(nodes, incoming, outgoing))


class _Walk(NamedTuple):
    """What the walk of a file found (`_walk`): plain data, no element of its tree."""

    definitions_id: str
    category: str
    ids: set[str]
    references: list[str]  # every reference attribute's value and reference element's text
    references_resolve: bool  # every one of them names an id of the file
    processes: tuple[ProcessOutline, ...]
    problems: list[Iterable[Problem]]  # each process's name and flow problems, or "no process"


def _walk(data: bytes) -> _Walk:
    """Parse the file (bytes `_checked` has let through) without the schema and walk it once: ids,
    references, each process's outline and its name and flow problems. Refuses duplicate ids and
    ids too long to store.

    Its tree never leaves the call (lxml's trees belong to the thread that parsed them), so it
    can run in a worker thread while the caller validates the same bytes (`read_bpmn`).
    """
    root, cut, tail = _parsed_for_walk(data)
    return _walk_tree(root, data, cut, tail)


def _walk_tree(
    root: etree._Element,
    data: bytes | None,
    cut: _DiagramScan | None = None,
    tail: tuple[int, bytes] | None = None,
) -> _Walk:
    """`_walk` of a tree parsed already (`cut`, `tail`: `_parsed_for_walk`'s; without `data`, no
    diagram scan is kept or looked for)."""
    found, references, scans = _scan(root, data, cut, tail)
    ids = _unique_ids(root, found, (lambda: _parse(data)) if cut is not None and data is not None else None)
    processes = []
    problems: list[Iterable[Problem]] = []
    for scan in scans:
        process_outline, process_problems = _outline_of(scan)
        processes.append(process_outline)
        problems.append(process_problems)
    if not processes:
        problems.append(
            [
                Problem(
                    "No process in the file",
                    "The file holds no bpmn:process; add a process (a pool) to model",
                    VALIDATOR_SET,
                    error_code="no_process",
                )
            ]
        )
    return _Walk(
        definitions_id=root.get("id", ""),
        category=root.get("targetNamespace", ""),
        ids=ids,
        references=references,
        references_resolve=_references_resolve(ids, references),
        processes=tuple(processes),
        problems=problems,
    )


def _parsed_for_walk(data: bytes) -> tuple[etree._Element, _DiagramScan | None, tuple[int, bytes] | None]:
    """The tree `_walk` walks: of the file without its diagram when that diagram's scan is known
    and read under the same namespaces (`_diagram_cut`), else of the whole file; with that scan,
    and the diagram's offset and `_tail_key` when worked out."""
    without, known, tail = _diagram_cut(data)
    if without is not None and known is not None:
        try:
            root = _parse(without)
        except ValidationFailed:
            root = None  # (a file the schema check refuses anyway: parsed whole, as any)
        if root is not None and _namespaces(root) == known.namespaces:
            return root, known, tail
    return _parse(data), None, tail


# From this size on, the schema check and the walk run in worker threads (below it, handing the
# bytes over costs more than the overlap saves).
_BESIDE_BYTES = 32 * 1024


def _schema_check(data: bytes) -> list[str]:
    """Refuses what is not a BPMN model file (not well-formed, not `definitions`: the bytes have
    passed `_checked`); the first XSD violations libxml2 finds while parsing (without lines), []
    for a valid file. Its tree never leaves the call, like `_walk`'s."""
    root, streamed = _parse_validated(data)
    check_root(root)
    return streamed


class _Beside:
    """A call started now and read later: in a worker thread when the machine has a CPU to spare,
    else run at once. Only leaf calls go here (they never wait on another), so the small pool
    cannot deadlock however many requests share it."""

    _executor: ThreadPoolExecutor | None = None
    _spare_cpu = hasattr(os, "sched_getaffinity") and len(os.sched_getaffinity(0)) > 1

    def __init__(self, function: Callable[[bytes], object], data: bytes, *, beside: bool) -> None:
        self._future: Future | None = None
        self._value: object = None
        if beside and self._spare_cpu:
            self._future = self._pool().submit(function, data)
        else:
            self._value = function(data)

    @classmethod
    def _pool(cls) -> ThreadPoolExecutor:
        if cls._executor is None:
            cls._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="bpmn-reading")
        return cls._executor

    @classmethod
    def _forget_pool(cls) -> None:
        # A forked child holds the pool object but none of its threads: it starts its own.
        cls._executor = None

    def result(self):
        return self._future.result() if self._future is not None else self._value


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_Beside._forget_pool)


def _outline(walked: _Walk, streamed: list[str], tree: Callable[[], etree._Element]) -> BpmnOutline:
    """The file's outline with its problems: the XSD violations `streamed` and the dangling
    references, each with its line (from `tree()`, asked for only when there are some), then each
    process's name and flow problems."""
    problems: Iterable[Problem] = ()
    if streamed or not walked.references_resolve:
        root = tree()
        references = () if walked.references_resolve else reference_problems(root, walked.ids)
        problems = chain(schema_problems(streamed, root), references)
    return BpmnOutline(
        definitions_id=walked.definitions_id,
        category=walked.category,
        processes=walked.processes,
        problems=capped(chain(problems, *walked.problems)),
    )


def _read_whole(data: bytes) -> BpmnOutline:
    """`read_bpmn` in the calling thread, of bytes `_checked` has let through, parsed once: the
    walk walks the tree the schema check parsed (with no attribute added by the schema), which
    gives the lines of the problems too. The refusals come in the same order."""
    root, streamed = _parse_validated(data)
    check_root(root)
    walked = _walk_tree(root, None)  # (parsed whole: no diagram scan to reuse)
    return _outline(walked, streamed, lambda: root)


class Reading:
    """A BPMN file being read: `start_reading` starts it, `result()` waits for its outline.

    One file read alone (a save) is parsed twice, side by side: with the schema (`_schema_check`,
    C code: lxml lets go of the GIL) and without it for the walk (`_walk`, mostly Python), each in
    a worker thread for a large file, so that the caller can do its own work meanwhile (a save
    locks and reads its row). A 1,000-task file is read in about the time its validation alone
    takes. The lines of XSD and reference problems come from a third parse, made only when there
    are some. One file of many read one after the other (`among_many`: an import's) is read
    whole in one worker thread, parsed once (`_read_whole`): the files, not the two parts of
    one file, are read side by side.
    """

    def __init__(self, data: bytes, *, among_many: bool = False) -> None:
        self._data = _checked(data)
        self._whole: _Beside | None = None
        if among_many:
            self._whole = _Beside(_read_whole, data, beside=True)
            return
        beside = len(data) >= _BESIDE_BYTES
        self._schema = _Beside(_schema_check, data, beside=beside)
        self._walk = _Beside(_walk, data, beside=beside)

    def outline(self) -> BpmnOutline:
        """The file's outline, without its problems: the walk's (the schema check may still run),
        or a refusal (the schema check's first: not a BPMN model file)."""
        if self._whole is not None:
            whole: BpmnOutline = self._whole.result()
            return BpmnOutline(whole.definitions_id, whole.category, whole.processes, [])
        try:
            walked: _Walk = self._walk.result()
        except ValidationFailed:
            self._schema.result()
            raise
        return BpmnOutline(walked.definitions_id, walked.category, walked.processes, [])

    def result(self) -> BpmnOutline:
        if self._whole is not None:
            return self._whole.result()
        streamed: list[str] = self._schema.result()  # refusals first: not a BPMN model file
        walked: _Walk = self._walk.result()  # then duplicate and long ids
        # (the lines come from a tree of this thread's own)
        return _outline(walked, streamed, lambda: _parse(self._data))


def start_reading(data: bytes, *, among_many: bool = False) -> Reading:
    return Reading(data, among_many=among_many)


def read_bpmn(data: bytes) -> BpmnOutline:
    """Parse and outline a BPMN file with its problems (XSD, references, flows, names).

    Refuses only what cannot be a BPMN model: not well-formed or unsafe XML, a root that is not
    BPMN 2.0 `definitions`, duplicate ids, ids too long to store. Everything else is stored
    with its problems, at most MAX_PROBLEMS of them (plus one row counting the rest): XSD
    violations first, then dangling references, then each process's name and flow problems.
    """
    return start_reading(data).result()


class ProcessCheck:
    """`check_process` started now and read later (`start_check_process`)."""

    def __init__(self, content: bytes, *, among_many: bool = False) -> None:
        self._reading = start_reading(content, among_many=among_many)

    def early(self) -> ContentCheck:
        """The check's outline (`Reading.outline`): what completing the extensions needs, before
        the schema check is in; no problems yet."""
        return ContentCheck(problems=[], name=None, parsed=self._reading.outline())

    def result(self) -> ContentCheck:
        bpmn = self._reading.result()
        return ContentCheck(problems=list(bpmn.problems), name=None, parsed=bpmn)


def start_check_process(content: bytes, *, among_many: bool = False) -> ProcessCheck:
    return ProcessCheck(content, among_many=among_many)


def check_process(content: bytes) -> ContentCheck:
    return start_check_process(content).result()


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
