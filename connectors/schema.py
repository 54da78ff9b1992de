"""Connector definitions (SPEC §4.2): the shipped JSON Schema, our own checks, initial content.

Our checks beyond the schema: duplicate names, and no value on a secure connector variable
(refused on save; `strip_secure_values` removes them, with a warning, from imported files).

Pure module: stdlib, jsonschema and modeler's pure modules only; no Django import. Every
problem names a JSON path (`#/actions/<key>/inputs/0/name`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any

import jsonschema

from modeler import strict_json
from modeler.problems import Problem, ValidationFailed, capped
from modeler.schema_problems import schema_problems
from projects.model_types import ContentCheck

SCHEMA_PATH = Path(__file__).with_name("connector-schema.json")
VALIDATOR_SET = "Connector schema validator"
PARAMETER_TYPES = ("string", "integer", "boolean", "date", "datetime", "json", "file", "folder", "array")


@cache
def connector_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


@cache
def _validator() -> jsonschema.Draft7Validator:
    schema = connector_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _name_problem(text: str, where: str) -> Problem:
    return Problem(
        text, f"{where}: {text}", "Connector names validator", error_code="duplicate_name", reference_id=where
    )


def _duplicate_problems(document: dict[str, Any]) -> Iterator[Problem]:
    """Duplicate action, parameter, config and error names, lazily (a document can hold thousands).

    An action's map key may differ from its `id` (real APA files do this): actions are found by name.
    """
    connector = document.get("name", "")
    seen_actions: set[str] = set()
    for key, action in (document.get("actions") or {}).items():
        name = action.get("name")
        if name in seen_actions:
            yield _name_problem(
                f"Duplicate action name '{name}' in connector '{connector}'", f"#/actions/{key}/name"
            )
        seen_actions.add(name)
        for direction in ("inputs", "outputs"):
            seen: set[str] = set()
            for index, parameter in enumerate(action.get(direction) or []):
                pname = parameter.get("name")
                if pname in seen:
                    yield _name_problem(
                        f"Duplicate {direction[:-1]} parameter name '{pname}' in action '{name}' of connector "
                        f"'{connector}'",
                        f"#/actions/{key}/{direction}/{index}/name",
                    )
                seen.add(pname)
    for section in ("config", "errors"):
        seen = set()
        for index, item in enumerate(document.get(section) or []):
            if item.get("name") in seen:
                yield _name_problem(
                    f"Duplicate {section} name '{item.get('name')}' in connector '{connector}'",
                    f"#/{section}/{index}/name",
                )
            seen.add(item.get("name"))


def _secure_values(document: dict[str, Any]) -> Iterator[tuple[int, str]]:
    """(index, name) of each secure connector variable that holds a value."""
    for index, item in enumerate(document.get("config") or []):
        if item.get("secure") is True and item.get("value") not in (None, ""):
            yield index, item.get("name", "")


def _secure_value_problems(document: dict[str, Any]) -> Iterator[Problem]:
    for index, name in _secure_values(document):
        where = f"#/config/{index}/value"
        text = f"The secure connector variable '{name}' holds a value"
        yield Problem(
            text,
            f"{where}: {text}; a secure value is never stored in the project (it is entered at deployment): "
            "remove the value",
            VALIDATOR_SET,
            error_code="secure_value",
            reference_id=where,
        )


def strip_secure_values(content: bytes) -> tuple[bytes, list[Problem]]:
    """For a file brought in from elsewhere: the content without the values of secure connector
    variables, and a warning per value removed. Content with none comes back unchanged (same bytes);
    content that is not a JSON object comes back unchanged too, for `parse_connector` to refuse."""
    try:
        document = strict_json.loads(content)
    except strict_json.JSONInputError:
        return content, []
    if not isinstance(document, dict) or not isinstance(document.get("config"), list):
        return content, []
    if not all(isinstance(item, dict) for item in document["config"]):
        return content, []
    found = list(_secure_values(document))
    if not found:
        return content, []
    warnings = []
    for index, name in found:
        document["config"][index]["value"] = ""
        text = f"The value of the secure connector variable '{name}' was removed"
        warnings.append(
            Problem(
                text,
                f"#/config/{index}/value: {text}: a secure value is never stored in the project; enter it "
                "at deployment",
                VALIDATOR_SET,
                warning=True,
                error_code="secure_value_removed",
                reference_id=f"#/config/{index}/value",
            )
        )
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode(), warnings


def parse_connector(content: bytes) -> dict[str, Any]:
    """Parse and check connector JSON; raises ValidationFailed listing every problem."""
    try:
        document = strict_json.loads(content)
    except strict_json.JSONInputError as exc:
        raise ValidationFailed(
            f"Syntactic model validation errors encountered: {exc.message}",
            [Problem(exc.message, exc.message, "Connector JSON parser", error_code=exc.code)],
            error_code=exc.code,
        ) from None
    problems = schema_problems(_validator(), document, VALIDATOR_SET)
    if not problems:
        problems = capped(chain(_duplicate_problems(document), _secure_value_problems(document)))
    if problems:
        raise ValidationFailed(
            f"Semantic model validation errors encountered: {len(problems)} schema violations found "
            f"(first: {problems[0].description})",
            problems,
            error_code="schema_violation",
        )
    return document


def check_connector(content: bytes) -> ContentCheck:
    document = parse_connector(content)
    return ContentCheck(problems=[], name=document["name"], parsed=document)


def initial_connector(name: str, description: str) -> bytes:
    document = {"id": f"connector-{uuid.uuid4()}", "name": name, "description": description, "actions": {}}
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


def rename_connector(content: bytes, name: str) -> bytes:
    """The same document with `name` replaced (key order kept)."""
    document = strict_json.loads(content)
    document["name"] = name
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()
