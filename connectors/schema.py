"""Connector definitions (SPEC §4.2): the shipped JSON Schema, our own checks, initial content.

Pure module: stdlib, jsonschema and modeler's pure modules only; no Django import. Every
problem names a JSON path (`#/actions/<key>/inputs/0/name`).
"""

from __future__ import annotations

import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from modeler import strict_json
from modeler.problems import Problem, ValidationFailed
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


def _duplicate_problems(document: dict[str, Any]) -> list[Problem]:
    problems = []
    connector = document.get("name", "")
    seen_actions: dict[str, str] = {}
    for key, action in (document.get("actions") or {}).items():
        name = action.get("name")
        if name in seen_actions:
            text = f"Duplicate action name '{name}' in connector '{connector}'"
            problems.append(
                Problem(
                    text,
                    f"#/actions/{key}/name: {text}",
                    "Connector names validator",
                    error_code="duplicate_name",
                    reference_id=f"#/actions/{key}/name",
                )
            )
        seen_actions.setdefault(name, key)
        if key != action.get("id"):
            text = f"Action key '{key}' differs from its id '{action.get('id')}'"
            problems.append(
                Problem(
                    text,
                    f"#/actions/{key}/id: {text}",
                    "Connector names validator",
                    error_code="action_key_mismatch",
                    reference_id=f"#/actions/{key}/id",
                )
            )
        for direction in ("inputs", "outputs"):
            seen: set[str] = set()
            for index, parameter in enumerate(action.get(direction) or []):
                pname = parameter.get("name")
                if pname in seen:
                    text = f"Duplicate {direction[:-1]} parameter name '{pname}' in action '{name}' of connector '{connector}'"
                    where = f"#/actions/{key}/{direction}/{index}/name"
                    problems.append(
                        Problem(
                            text,
                            f"{where}: {text}",
                            "Connector names validator",
                            error_code="duplicate_name",
                            reference_id=where,
                        )
                    )
                seen.add(pname)
    for section in ("config", "errors"):
        seen = set()
        for index, item in enumerate(document.get(section) or []):
            if item.get("name") in seen:
                text = f"Duplicate {section} name '{item.get('name')}' in connector '{connector}'"
                where = f"#/{section}/{index}/name"
                problems.append(
                    Problem(
                        text,
                        f"{where}: {text}",
                        "Connector names validator",
                        error_code="duplicate_name",
                        reference_id=where,
                    )
                )
            seen.add(item.get("name"))
    return problems


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
        problems = _duplicate_problems(document)
    if problems:
        raise ValidationFailed(
            f"Semantic model validation errors encountered: {len(problems)} schema violations found",
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
