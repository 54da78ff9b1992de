"""A connector definition (the JSON drawn in the Modeling Application, SPEC §4.2) read into dataclasses.

Only what a running connector needs is read: the name, each action's typed inputs and outputs,
the config variables and the declared error codes. The Modeling Application checks the full
schema when the definition is saved; here a definition the SDK cannot use (no name, an action
without a name, a parameter without a name or type, two actions with one name) is refused with
a `DefinitionError` naming the JSON path.

Standard library only: this package never imports Django or the modeling application.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


class DefinitionError(ValueError):
    """The definition cannot be used by a connector; the message names the JSON path."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Action:
    name: str
    id: str
    description: str = ""
    inputs: tuple[Parameter, ...] = ()
    outputs: tuple[Parameter, ...] = ()


@dataclass(frozen=True)
class ConfigVariable:
    name: str
    description: str = ""
    value: str | None = None  # the default, used when the environment does not set the variable
    required: bool = False
    secure: bool = False


@dataclass(frozen=True)
class Definition:
    name: str
    description: str = ""
    actions: dict[str, Action] = field(default_factory=dict)  # keyed by action name
    config: tuple[ConfigVariable, ...] = ()
    error_codes: frozenset[str] = frozenset()
    document: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def destination(self, action: str) -> str:
        """The destination of an action: the service task's `implementation`, `<connector>.<action>`."""
        return f"{self.name}.{action}"


def _text(value: Any, where: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise DefinitionError(f"{where}: expected a non-empty string")
    return value


def _parameters(items: Any, where: str) -> tuple[Parameter, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise DefinitionError(f"{where}: expected a list of parameters")
    parameters = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        path = f"{where}/{index}"
        if not isinstance(item, dict):
            raise DefinitionError(f"{path}: expected an object")
        name = _text(item.get("name"), f"{path}/name")
        if name in seen:
            raise DefinitionError(f"{path}/name: duplicate parameter name '{name}'")
        seen.add(name)
        parameters.append(
            Parameter(
                name=name,
                type=_text(item.get("type"), f"{path}/type"),
                required=item.get("required") is True,
                description=_text(item.get("description"), f"{path}/description", required=False),
            )
        )
    return tuple(parameters)


def parse_definition(document: Any) -> Definition:
    """A `Definition` from the parsed JSON document, or `DefinitionError`."""
    if not isinstance(document, dict):
        raise DefinitionError("#: a connector definition is a JSON object")
    name = _text(document.get("name"), "#/name")
    actions: dict[str, Action] = {}
    raw_actions = document.get("actions") or {}
    if not isinstance(raw_actions, dict):
        raise DefinitionError("#/actions: expected an object keyed by action id")
    for key, raw in raw_actions.items():
        where = f"#/actions/{key}"
        if not isinstance(raw, dict):
            raise DefinitionError(f"{where}: expected an object")
        action_name = _text(raw.get("name"), f"{where}/name")
        if action_name in actions:
            raise DefinitionError(f"{where}/name: duplicate action name '{action_name}'")
        actions[action_name] = Action(
            name=action_name,
            id=str(raw.get("id") or key),
            description=_text(raw.get("description"), f"{where}/description", required=False),
            inputs=_parameters(raw.get("inputs"), f"{where}/inputs"),
            outputs=_parameters(raw.get("outputs"), f"{where}/outputs"),
        )
    config = []
    for index, raw in enumerate(document.get("config") or []):
        where = f"#/config/{index}"
        if not isinstance(raw, dict):
            raise DefinitionError(f"{where}: expected an object")
        default = raw.get("value")
        config.append(
            ConfigVariable(
                name=_text(raw.get("name"), f"{where}/name"),
                description=_text(raw.get("description"), f"{where}/description", required=False),
                value=default if isinstance(default, str) and default != "" else None,
                required=raw.get("required") is True,
                secure=raw.get("secure") is True,
            )
        )
    codes = set()
    for index, raw in enumerate(document.get("errors") or []):
        if not isinstance(raw, dict):
            raise DefinitionError(f"#/errors/{index}: expected an object")
        # APA catches an error event by `code`; an error drawn without a code is caught by its name.
        code = raw.get("code") or raw.get("name")
        codes.add(_text(code, f"#/errors/{index}/code"))
    return Definition(
        name=name,
        description=_text(document.get("description"), "#/description", required=False),
        actions=actions,
        config=tuple(config),
        error_codes=frozenset(codes),
        document=document,
    )


def load_definition(path: str | Path) -> Definition:
    """Read and parse a definition file (`movies.json`)."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise DefinitionError(f"{path}: not JSON ({error})") from None
    return parse_definition(document)
