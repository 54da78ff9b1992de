"""Values against the parameter types of a connector definition (SPEC §4.2).

Inputs arrive as JSON (the runtime's `inBoundVariables`) and are handed to the handler as they
are; `check_parameters` says which are missing or of the wrong type before the handler runs, and
the same check runs on what the handler returns. A handler may return `datetime.date` and
`datetime.datetime` objects for `date` and `datetime` outputs: `to_wire` writes them as ISO 8601
strings, the form the Activiti runtime reads.

| type | accepted JSON value |
|---|---|
| string | a string |
| integer | a whole number (not a boolean), within a Java long |
| boolean | true or false |
| date | a string `YYYY-MM-DD` |
| datetime | an ISO 8601 date-time string (`2024-05-01T10:00:00Z`, with or without offset) |
| json | any JSON value |
| file, folder | an object, or a list of objects (content references as APA sends them) |
| array | a list |
| any other type | any JSON value (custom types are the modeler's business) |

A missing or null value is fine for a parameter that is not `required`.

Standard library only.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from modeler_connector.definition import Parameter

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LONG = 2**63


def _is_date(value: Any) -> bool:
    if not isinstance(value, str) or not _DATE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: Any) -> bool:
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_content(value: Any) -> bool:
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _is_json(value: Any) -> bool:
    return not (isinstance(value, float) and not math.isfinite(value))


CHECKS = {
    "string": (lambda v: isinstance(v, str), "a string"),
    "integer": (
        lambda v: isinstance(v, int) and not isinstance(v, bool) and -_LONG <= v < _LONG,
        "a whole number",
    ),
    "boolean": (lambda v: isinstance(v, bool), "true or false"),
    "date": (_is_date, "a date string YYYY-MM-DD"),
    "datetime": (_is_datetime, "an ISO 8601 date-time string"),
    "json": (_is_json, "a JSON value"),
    "file": (_is_content, "a file reference (an object or a list of objects)"),
    "folder": (_is_content, "a folder reference (an object or a list of objects)"),
    "array": (lambda v: isinstance(v, list), "a list"),
}


def describe(value: Any) -> str:
    """The JSON type of a value, for messages (never the value itself: it may be a secret)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def to_wire(parameter: Parameter, value: Any) -> Any:
    """A handler's output value as it goes on the wire (dates written as ISO 8601 strings)."""
    if parameter.type == "datetime" and isinstance(value, dt.datetime):
        return value.isoformat()
    if parameter.type == "date" and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def check_parameters(parameters: Iterable[Parameter], values: Mapping[str, Any], direction: str) -> list[str]:
    """Problems of `values` against `parameters`, each naming the parameter; [] when they fit."""
    problems = []
    for parameter in parameters:
        value = values.get(parameter.name)
        if value is None:
            if parameter.required:
                problems.append(f"{direction} '{parameter.name}' is required")
            continue
        check = CHECKS.get(parameter.type)
        if check is not None and not check[0](value):
            problems.append(
                f"{direction} '{parameter.name}' must be {check[1]} ({parameter.type}), got {describe(value)}"
            )
    return problems
