# cython: language_level=3
"""`strict_json._plain_keys_py`'s walk over a parsed JSON document, in C.

`plain_keys` gives exactly what the Python walk gives (a test compares them on generated and
hand-made documents): the number of keys of every object and whether the document holds a
float, or None when it holds a container deeper than `max_depth`, a float that is not finite or
an integer outside ±`int_limit`. It only reads the document (the dicts and lists a JSON parser
made: no Python code runs during the walk, so nothing can change them meanwhile); it recurses
at most `max_depth` + 1 levels.
"""

from cpython.dict cimport PyDict_Next, PyDict_Size
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.long cimport PyLong_AsLongLongAndOverflow
from cpython.object cimport PyObject
from libc.math cimport isfinite


cdef struct _Found:
    Py_ssize_t keys
    bint floats


# -1: refused (None); 0: fine
cdef int _child(object child, int depth, int max_depth, object int_limit, _Found* found) except -2:
    cdef int overflow = 0
    if type(child) is str:
        return 0
    if type(child) is dict or type(child) is list:
        if len(child):
            return _container(child, depth + 1, max_depth, int_limit, found)
        return -1 if depth + 1 > max_depth else 0
    if type(child) is float:
        if not isfinite(PyFloat_AS_DOUBLE(child)):
            return -1
        found.floats = True
        return 0
    if type(child) is int:
        PyLong_AsLongLongAndOverflow(child, &overflow)
        if overflow and not (-int_limit < child < int_limit):
            return -1
    return 0


cdef int _container(object node, int depth, int max_depth, object int_limit, _Found* found) except -2:
    cdef Py_ssize_t position = 0, index, size
    cdef PyObject* key
    cdef PyObject* child
    if depth > max_depth:
        return -1
    if type(node) is dict:
        found.keys += PyDict_Size(node)
        while PyDict_Next(node, &position, &key, &child):
            if _child(<object>child, depth, max_depth, int_limit, found) < 0:
                return -1
        return 0
    size = PyList_GET_SIZE(node)
    for index in range(size):
        if _child(<object>PyList_GET_ITEM(node, index), depth, max_depth, int_limit, found) < 0:
            return -1
    return 0


def plain_keys(value, int max_depth, int_limit):
    """(keys, floats) of a dict or list `value`, or None (see the module)."""
    cdef _Found found
    found.keys = 0
    found.floats = False
    if _container(value, 1, max_depth, int_limit, &found) < 0:
        return None
    return found.keys, found.floats
