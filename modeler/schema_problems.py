"""JSON Schema violations as Problems, worded like APA's validators (`extraneous key [x] is not permitted`).

Pure module: stdlib and jsonschema only; no Django import. Shared by the connector schema
(connectors/schema.py) and the process-extensions schema (processes/mapping.py).
"""

from __future__ import annotations

from typing import Any

import jsonschema
import jsonschema_rs

from modeler.problems import Problem, capped

_JSON_TYPES = {
    "string": "String",
    "object": "JSONObject",
    "array": "JSONArray",
    "boolean": "Boolean",
    "integer": "Integer",
    "number": "Number",
    "null": "Null",
}


def json_pointer(path) -> str:
    return "#/" + "/".join(str(part) for part in path) if path else "#"


def _type_name(value: Any) -> str:
    for json_type, label in (
        ("boolean", "Boolean"),
        ("integer", "Integer"),
        ("number", "Number"),
        ("string", "String"),
        ("array", "JSONArray"),
        ("object", "JSONObject"),
    ):
        if jsonschema.Draft7Validator.TYPE_CHECKER.is_type(value, json_type):
            return label
    return "Null"


def schema_problem(error: jsonschema.ValidationError, validator_set: str) -> Problem:
    where = json_pointer(error.absolute_path)
    kind = error.validator
    if kind == "additionalProperties":
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(key for key in error.instance if key not in allowed)
        text = ", ".join(f"extraneous key [{key}] is not permitted" for key in extra)
    elif kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        text = f"required key [{missing}] not found"
    elif kind == "type":
        text = f"expected type: {_JSON_TYPES.get(str(error.validator_value), error.validator_value)}, found: {_type_name(error.instance)}"
    elif kind == "maxLength":
        text = f"expected maxLength: {error.validator_value}, actual: {len(error.instance)}"
    elif kind == "minLength":
        text = f"expected minLength: {error.validator_value}, actual: {len(error.instance)}"
    elif kind == "pattern":
        text = f"string [{str(error.instance)[:60]}] does not match pattern {error.validator_value}"
    elif kind == "enum":
        allowed_values = ", ".join(str(value) for value in error.validator_value)
        text = f"{str(error.instance)[:60]} is not a valid enum value (one of: {allowed_values})"
    else:
        text = error.message[:300]
    return Problem(text, f"{where}: {text}", validator_set, error_code="schema_violation", reference_id=where)


_FAST: dict[int, Any] = {}


def _fast(validator: jsonschema.Draft7Validator) -> Any:
    """The same schema compiled by jsonschema-rs: it says valid or not 20-50x faster, so a
    large valid document (the common case) never walks through Python's validator."""
    compiled = _FAST.get(id(validator))
    if compiled is None:
        compiled = _FAST[id(validator)] = jsonschema_rs.Draft7Validator(validator.schema)
    return compiled


def schema_problems(
    validator: jsonschema.Draft7Validator, document: Any, validator_set: str
) -> list[Problem]:
    """The first MAX_PROBLEMS violations in document order (the rest counted, not collected)."""
    if _fast(validator).is_valid(document):
        return []
    found = capped(schema_problem(error, validator_set) for error in validator.iter_errors(document))
    return sorted(
        found, key=lambda problem: (problem.error_code == "too_many_problems", problem.reference_id or "")
    )
