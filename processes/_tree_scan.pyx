# cython: language_level=3
"""The two loops of `processes.bpmn._scan` that touch every element, over libxml2's nodes.

`scan_process` and `scan_other` give exactly what `bpmn._scan_process_py` and
`bpmn._scan_other_py` give (a test compares them on every fixture and on damaged copies): the
same strings, in the same order. They read the tree lxml parsed through lxml's public C API
(https://lxml.de/capi.html), without an lxml element object for each node (the Python loops
spend most of their time making those, and the tag and attribute strings each asks for). They
only read the tree; the walk is lxml's own depth-first walker (etree_defs.h), in document order
as `iter()`. An attribute value or a text of more than one node (never in a file lxml parsed
with our parser: no entities) is asked of lxml, as the Python loops ask it.
"""

from cpython.bytes cimport PyBytes_AS_STRING
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport strcmp, strlen
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport (
    BEGIN_FOR_EACH_ELEMENT_FROM,
    END_FOR_EACH_ELEMENT_FROM,
    LXML_VERSION_STRING,
    _Document,
    _Element,
    elementFactory,
    import_lxml__etree,
)
from lxml.includes.tree cimport const_xmlChar, xmlAttr, xmlNode

import_lxml__etree()

# The lxml this module was compiled against (bpmn uses the Python loops under another one).
LXML_VERSION = (<bytes>LXML_VERSION_STRING).decode("ascii")

# The names the loops look for, which tests/processes/test_tree_scan.py holds equal to bpmn's
# (BPMN_NS, BPMNDI_NS, REFERENCE_ATTRIBUTES, REFERENCE_ELEMENTS).
NAMESPACES = (b"http://www.omg.org/spec/BPMN/20100524/MODEL", b"http://www.omg.org/spec/BPMN/20100524/DI")
REFERENCE_ATTRIBUTES = (b"sourceRef", b"targetRef", b"bpmnElement", b"attachedToRef", b"default", b"processRef")
REFERENCE_ELEMENTS = (b"incoming", b"outgoing", b"sourceRef", b"targetRef")  # (in the BPMN namespace)
cdef tuple _NAMESPACES = NAMESPACES
cdef tuple _REFERENCE_ATTRIBUTES = REFERENCE_ATTRIBUTES
cdef tuple _REFERENCE_ELEMENTS = REFERENCE_ELEMENTS


cdef inline str _text(const_xmlChar* value):
    return PyUnicode_DecodeUTF8(<const char*>value, strlen(<const char*>value), NULL)


cdef inline bint _named(const_xmlChar* name, const char* wanted) noexcept:
    return strcmp(<const char*>name, wanted) == 0


cdef inline Py_ssize_t _among(const_xmlChar* name, tuple names) noexcept:
    """1 + the index of `name` in `names` (bytes), or 0."""
    cdef Py_ssize_t index
    for index in range(PyTuple_GET_SIZE(names)):
        if strcmp(<const char*>name, PyBytes_AS_STRING(<object>PyTuple_GET_ITEM(names, index))) == 0:
            return index + 1
    return 0


cdef inline int _namespace(xmlNode* node) noexcept:
    """1 for BPMN, 2 for BPMNDI, 0 for any other namespace or none."""
    if node.ns is NULL or node.ns.href is NULL:
        return 0
    return <int>_among(node.ns.href, _NAMESPACES)


cdef inline bint _is_reference_attribute(const_xmlChar* name) noexcept:
    return _among(name, _REFERENCE_ATTRIBUTES) != 0


cdef inline bint _is_reference_element(xmlNode* node) noexcept:
    return _among(node.name, _REFERENCE_ELEMENTS) != 0


cdef object _value(_Document doc, xmlNode* node, xmlAttr* attribute):
    """The attribute's value as lxml gives it (`element.get`)."""
    cdef xmlNode* child = attribute.children
    if child is NULL:
        return ""
    if child.next is NULL and (child.type == tree.XML_TEXT_NODE or child.type == tree.XML_CDATA_SECTION_NODE):
        return _text(child.content)
    return elementFactory(doc, node).get(_text(attribute.name))


cdef object _element_text(_Document doc, xmlNode* node):
    """The element's text as lxml gives it (`element.text`): None when it starts with no text."""
    cdef xmlNode* child = node.children
    if child is NULL or not (child.type == tree.XML_TEXT_NODE or child.type == tree.XML_CDATA_SECTION_NODE):
        if child is not NULL and (child.type == tree.XML_XINCLUDE_START or child.type == tree.XML_XINCLUDE_END):
            return elementFactory(doc, node).text
        return None
    if child.next is NULL:
        return _text(child.content)
    return elementFactory(doc, node).text


cdef object _plain_id(_Document doc, xmlNode* node):
    """`element.get("id")`: the value of the attribute `id` without a namespace, or None."""
    cdef xmlAttr* attribute = node.properties
    while attribute is not NULL:
        if attribute.ns is NULL and _named(attribute.name, b"id"):
            return _value(doc, node, attribute)
        attribute = attribute.next
    return None


cdef class _ProcessWalk:
    cdef _Document doc
    cdef xmlNode* process
    cdef str process_id
    cdef list ids, references, element_ids, ruled, tasks
    cdef set outgoing, incoming
    cdef object service_task, no_implementation
    cdef dict ruled_tags

    cdef int visit(self, xmlNode* node) except -1:
        cdef xmlAttr* attribute
        cdef object element_id = None, source = None, target = None, name = None, implementation = None
        cdef object value, text, tag
        cdef int kind
        if node.type != tree.XML_ELEMENT_NODE:
            return 0
        kind = _namespace(node)
        if kind == 0:
            element_id = _plain_id(self.doc, node)
            if element_id is not None:
                self.element_ids.append(element_id)
            return 0
        attribute = node.properties
        while attribute is not NULL:
            if attribute.ns is NULL:
                if _named(attribute.name, b"id"):
                    element_id = _value(self.doc, node, attribute)
                elif _is_reference_attribute(attribute.name):
                    value = _value(self.doc, node, attribute)
                    self.references.append(value)
                    if _named(attribute.name, b"sourceRef"):
                        source = value
                    elif _named(attribute.name, b"targetRef"):
                        target = value
                elif _named(attribute.name, b"name"):
                    name = _value(self.doc, node, attribute)
                elif _named(attribute.name, b"implementation"):
                    implementation = _value(self.doc, node, attribute)
            attribute = attribute.next
        if kind == 1 and _is_reference_element(node):
            text = _element_text(self.doc, node)
            if text is not None:
                self.references.append(text)
        if element_id is None:
            return 0
        self.ids.append(element_id)
        if node is self.process:
            return 0
        self.element_ids.append(element_id)
        if kind != 1:
            return 0
        if _named(node.name, b"sequenceFlow"):
            self.outgoing.add(source or "")
            self.incoming.add(target or "")
            return 0
        tag = self.ruled_tags.get(_text(node.name))
        if tag is None:
            return 0
        self.ruled.append((tag, element_id, elementFactory(self.doc, node)))
        if _named(node.name, b"serviceTask"):
            implementation = (implementation or "").strip()
            # (a named tuple's own __new__ does this, after binding its arguments in Python)
            self.tasks.append(
                tuple.__new__(
                    self.service_task,
                    (
                        element_id,
                        name or "",
                        None if implementation in self.no_implementation else implementation,
                        self.process_id,
                    ),
                )
            )
        return 0


def scan_process(
    _Element process not None, list ids, list references, service_task, no_implementation, dict ruled_tags
):
    """`bpmn._scan_process_py`'s walk: (element_ids, outgoing, incoming, ruled, tasks).

    `service_task` is the named tuple of a service task (id, name, implementation, process id); an
    implementation in `no_implementation` is None; `ruled_tags` maps the local name of each
    BPMN node with a flow rule to its tag.
    """
    cdef xmlNode* node = process._c_node
    cdef _ProcessWalk walk = _ProcessWalk()
    walk.doc = process._doc
    walk.process = node
    walk.process_id = process.get("id", "")
    walk.ids, walk.references = ids, references
    walk.element_ids, walk.ruled, walk.tasks = [], [], []
    walk.outgoing, walk.incoming = set(), set()
    walk.service_task, walk.no_implementation, walk.ruled_tags = service_task, no_implementation, ruled_tags
    BEGIN_FOR_EACH_ELEMENT_FROM(process._c_node, node, 1)
    walk.visit(node)
    END_FOR_EACH_ELEMENT_FROM(node)
    walk.outgoing.discard("")
    walk.incoming.discard("")
    return walk.element_ids, walk.outgoing, walk.incoming, walk.ruled, walk.tasks


cdef class _OtherWalk:
    cdef _Document doc
    cdef list ids, references, texts

    cdef int visit(self, xmlNode* node) except -1:
        cdef xmlAttr* attribute
        cdef object text
        cdef int kind
        if node.type != tree.XML_ELEMENT_NODE:
            return 0
        kind = _namespace(node)
        if kind == 0:
            return 0
        attribute = node.properties
        while attribute is not NULL:
            if attribute.ns is NULL:
                if _named(attribute.name, b"id"):
                    self.ids.append(_value(self.doc, node, attribute))
                elif _is_reference_attribute(attribute.name):
                    self.references.append(_value(self.doc, node, attribute))
            attribute = attribute.next
        if kind == 1 and _is_reference_element(node):
            text = _element_text(self.doc, node)
            if text is not None:
                self.texts.append(text)
        return 0


def scan_other(_Element child not None, list ids, list references):
    """`bpmn._scan_other_py`: the ids and references of `child`'s BPMN and BPMNDI elements, then
    the texts of its reference elements, appended to `ids` and `references`."""
    cdef xmlNode* node = child._c_node
    cdef _OtherWalk walk = _OtherWalk()
    walk.doc = child._doc
    walk.ids, walk.references, walk.texts = ids, references, []
    BEGIN_FOR_EACH_ELEMENT_FROM(child._c_node, node, 1)
    walk.visit(node)
    END_FOR_EACH_ELEMENT_FROM(node)
    references.extend(walk.texts)
    return ids, references
