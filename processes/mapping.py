"""Process variables, mappings and the extensions file (SPEC §4.4, §4.5, §5).

Pure module: stdlib, jsonschema and modeler's pure modules only; no Django import.

- `read_extensions` checks a document against the shipped JSON Schema (PROCESS-EXTENSION) and
  returns the inner map (process id → properties/mappings/constants), reading the layouts real
  APA files have (no `extensions` key, the pre-2020 layout, older metadata keys) with warnings.
  What the schema accepts, it never refuses (a property test checks this).
- `complete_extensions` applies the save rules: one entry per process, mappings and constants of
  deleted elements removed, automatic rows for service tasks that get an implementation. Equal
  mappings are one object in what it returns (and may be the argument's): extensions are never
  changed in place, here or by the callers.
- `check_extensions` lists the semantic problems (stored with the save, shown in the editor).
- `extensions_file` writes the file with a stable key order: a save that changes nothing writes
  identical bytes.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import repeat
from json.encoder import c_make_encoder  # type: ignore[attr-defined]
from operator import attrgetter, eq, is_
from pathlib import Path
from typing import Any

import jsonschema

from modeler.problems import Problem, ValidationFailed, capped
from modeler.schema_problems import schema_problems
from processes.bpmn import BpmnOutline, ProcessOutline

SCHEMA_PATH = Path(__file__).with_name("process-extensions-schema.json")
VALIDATOR_SET = "Process extensions validator"
VARIABLE_TYPES = (
    "string",
    "integer",
    "boolean",
    "date",
    "datetime",
    "json",
    "file",
    "folder",
    "array",
    "content",
)
MAPPING_TYPES = ("MAP_ALL", "MAP_ALL_INPUTS", "MAP_ALL_OUTPUTS")
RESERVED_VARIABLE_NAMES = frozenset(
    {"nrOfInstances", "nrOfActiveInstances", "nrOfCompletedInstances", "loopCounter"}
)
VARIABLE_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_]*$")
EXPRESSION = re.compile(r"^\$\{.*\}$", re.DOTALL)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_ENTRY_KEYS = ("properties", "mappings", "constants")
_VARIABLE_KEYS = ("id", "name", "type", "required", "value")
_FILE_KEYS = ("id", "name", "type", "extensions")
# Top-level keys older APA files carry beside id/name/type: read and dropped, with a warning.
METADATA_KEYS = ("createdBy", "creationDate", "lastModifiedBy", "lastModifiedDate", "version", "projectId")
# Where a pre-2020 entry (no process-id level) waits until the BPMN tells which process it is for;
# not an NCName, so never a process id.
LEGACY_ENTRY = "(pre-2020 layout)"


@cache
def extensions_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


@cache
def _validator() -> jsonschema.Draft7Validator:
    schema = extensions_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


# --- the connector actions a process can use (from the implementation catalog) ---------------


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    required: bool = False


@dataclass(frozen=True)
class Action:
    implementation: str
    inputs: tuple[Parameter, ...]
    outputs: tuple[Parameter, ...]

    def input(self, name: str) -> Parameter | None:
        return self._inputs_by_name.get(name)

    def output(self, name: str) -> Parameter | None:
        return self._outputs_by_name.get(name)

    @cached_property
    def _inputs_by_name(self) -> dict[str, Parameter]:
        return {p.name: p for p in reversed(self.inputs)}  # the first of a name wins, as before

    @cached_property
    def _outputs_by_name(self) -> dict[str, Parameter]:
        return {p.name: p for p in reversed(self.outputs)}


def action_from_entry(entry: Mapping[str, Any]) -> Action:
    """An Action from an implementation-catalog entry (connectors.catalog)."""

    def parameters(items) -> tuple[Parameter, ...]:
        return tuple(Parameter(p["name"], p["type"], bool(p.get("required"))) for p in items)

    return Action(entry["implementation"], parameters(entry["inputs"]), parameters(entry["outputs"]))


# --- reading --------------------------------------------------------------------------------


def wrap(model_id: str, name: str, extensions: Mapping[str, Any] | None) -> dict[str, Any]:
    """The file document around the inner map (SPEC §4.4)."""
    return {"id": f"process-{model_id}", "name": name, "type": "PROCESS", "extensions": extensions or {}}


class Extensions(dict):
    """The inner map (process id → entry) and the warnings found while reading or completing it.

    `check_extensions` reports the warnings with the other problems of the save; stored as
    JSON it is a plain map.
    """

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        notes: list[Problem] | None = None,
        *,
        in_canonical_order: bool = False,
    ) -> None:
        super().__init__(data or {})
        self.notes: list[Problem] = list(notes or [])
        # Made by `canonical` (complete_extensions), and not changed since: a save stores them as
        # made, so their file is written without sorting them again, and written once.
        self.in_canonical_order = in_canonical_order
        # (model id, name, `extensions_file` bytes): their file, made (`extensions_file`) or read
        # back from the row that stores them (a save that keeps them)
        self.file: tuple[str, str, bytes] | None = None


def _note(problem: str, description: str, reference_id: str | None = None) -> Problem:
    return Problem(
        problem,
        description,
        VALIDATOR_SET,
        warning=True,
        error_code="process_extensions_warning",
        reference_id=reference_id,
    )


def _is_file(document: Any) -> bool:
    """The whole file (id/name/type at the top), not the inner map: inner values are all objects."""
    return isinstance(document, dict) and (
        "extensions" in document
        or any(
            key in document and not isinstance(document[key], dict)
            for key in ("id", "name", "type", *METADATA_KEYS)
        )
    )


def _is_legacy(entry: Any) -> bool:
    return isinstance(entry, dict) and bool(entry) and set(entry) <= set(_ENTRY_KEYS)


def _refuse(problems: list[Problem]) -> ValidationFailed:
    return ValidationFailed(
        f"Invalid process extensions: {problems[0].description}"
        + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
        problems,
        error_code="schema_violation",
    )


def _with_defaults(inner: Mapping[str, Any]) -> dict[str, Any]:
    """Variables without `required` are not required (APA writes them so): the flag is written."""
    result = {}
    for process_id, entry in inner.items():
        properties = entry.get("properties")
        if properties and any("required" not in variable for variable in properties.values()):
            properties = {
                key: variable if "required" in variable else _required_false(variable)
                for key, variable in properties.items()
            }
            entry = {**entry, "properties": properties}
        result[process_id] = entry
    return result


def _required_false(variable: Mapping[str, Any]) -> dict[str, Any]:
    keys = list(variable)
    at = keys.index("type") + 1 if "type" in keys else len(keys)
    items = list(variable.items())
    return dict([*items[:at], ("required", False), *items[at:]])


def read_extensions(document: Any) -> Extensions:
    """Check a sent extensions document and return the inner map; refuses schema violations.

    Accepts the whole file (`{"id", "name", "type", "extensions"}`, `extensions` optional: APA
    leaves it out for processes without variables) or the inner map alone (process id → entry),
    as PUT /models/{id} takes it. Older metadata keys at the top are dropped with a warning. The
    pre-2020 layout (properties/mappings/constants without the process-id level, at the top of
    the file or of `extensions`) is kept under LEGACY_ENTRY; `complete_extensions` binds it to
    the file's only process.
    """
    notes: list[Problem] = []
    if _is_file(document):
        wrapped = dict(document)
        metadata = [key for key in METADATA_KEYS if key in wrapped]
        if metadata:
            notes.append(
                _note(
                    "Older metadata keys ignored",
                    f"The keys {', '.join(metadata)} at the top of the extensions file are metadata of "
                    "older APA files; they were read and ignored",
                )
            )
        legacy_top = [key for key in _ENTRY_KEYS if key in wrapped]
        if legacy_top and "extensions" not in wrapped:
            entry = {key: wrapped.pop(key) for key in legacy_top}
            wrapped["extensions"] = {LEGACY_ENTRY: entry}
    else:
        wrapped = {"id": "process", "extensions": document}
    inner = wrapped.get("extensions")
    if _is_legacy(inner) and not schema_problems(
        _validator(), wrapped | {"extensions": {LEGACY_ENTRY: inner}}, VALIDATOR_SET
    ):
        # Both readings may pass the schema ({"properties": {}} is also an empty process called
        # "properties"); a process id is never "properties", so the old layout wins.
        wrapped = wrapped | {"extensions": {LEGACY_ENTRY: inner}}
    problems = schema_problems(_validator(), wrapped, VALIDATOR_SET)
    if problems:
        raise _refuse(problems)
    return Extensions(_with_defaults(wrapped.get("extensions") or {}), notes)


def _bind_legacy(bpmn: BpmnOutline, extensions: dict[str, Any], notes: list[Problem]) -> None:
    """Move a pre-2020 entry under the file's only process (it had no process-id level)."""
    if LEGACY_ENTRY not in extensions:
        return
    ids = [process.id for process in bpmn.processes]
    if len(ids) == 1 and not extensions.get(ids[0]):
        extensions[ids[0]] = extensions.pop(LEGACY_ENTRY)
        notes.append(
            _note(
                "Extensions converted from the pre-2020 layout",
                f"The extensions had no process-id level (the layout before 2020); they were moved under "
                f"the file's only process '{ids[0]}'. Save to keep the current layout.",
                ids[0],
            )
        )
    else:
        notes.append(
            _note(
                "Extensions in the pre-2020 layout could not be bound",
                f"The extensions have no process-id level (the layout before 2020) and the file holds "
                f"{len(ids)} processes{' (one of them already has extensions)' if len(ids) == 1 else ''}; "
                f"they are kept under '{LEGACY_ENTRY}': move them under a process id",
                LEGACY_ENTRY,
            )
        )


# --- completing at save (SPEC §4.5) ---------------------------------------------------------


def _variable_names(entry: Mapping[str, Any]) -> set[str]:
    return {v.get("name") for v in (entry.get("properties") or {}).values() if isinstance(v, dict)}


def automatic_rows(action: Action, variable_names: set[str]) -> dict[str, dict[str, Any]]:
    """The rows written for parameters whose name equals a declared process variable."""
    return {
        "inputs": {
            p.name: {"type": "variable", "value": p.name} for p in action.inputs if p.name in variable_names
        },
        "outputs": {
            p.name: {"type": "variable", "value": p.name} for p in action.outputs if p.name in variable_names
        },
    }


def _rebind(mapping: dict[str, Any], action: Action, variable_names: set[str]) -> dict[str, Any]:
    """A mapping after its task's implementation changed: rows the new action lacks dropped, automatic rows added."""
    if "inputs" not in mapping and "outputs" not in mapping:
        return mapping  # a mappingType alone fits any action
    inputs = {key: row for key, row in (mapping.get("inputs") or {}).items() if action.input(key)}
    outputs = {
        key: row
        for key, row in (mapping.get("outputs") or {}).items()
        if row.get("type") != "variable" or action.output(str(row.get("value")))
    }
    automatic = automatic_rows(action, variable_names)
    for key, row in automatic["inputs"].items():
        inputs.setdefault(key, row)
    for key, row in automatic["outputs"].items():
        outputs.setdefault(key, row)
    rebound = {"inputs": inputs, "outputs": outputs}
    if "mappingType" in mapping:
        rebound["mappingType"] = mapping["mappingType"]
    return rebound


# Automatic mapping writes a row per (service task, parameter named like a variable): a small
# file can ask for millions. No real process comes near this; a 10,000-task process of two
# mapped parameters each holds 20,000 rows.
MAX_MAPPING_ROWS = 50_000


def _row_count(mapping: Any) -> int:
    if not isinstance(mapping, dict):  # extensions are parsed JSON: every object is a dict
        return 0
    inputs, outputs = mapping.get("inputs"), mapping.get("outputs")
    return (len(inputs) if isinstance(inputs, dict) else 0) + (
        len(outputs) if isinstance(outputs, dict) else 0
    )


def _too_many_rows(process_id: str, rows: int) -> ValidationFailed:
    text = (
        f"The mappings of process '{process_id}' would hold more than {MAX_MAPPING_ROWS} rows "
        f"({rows} so far): map fewer parameters per task, or use a mapping type such as MAP_ALL"
    )
    return ValidationFailed(
        text,
        [
            Problem(
                "Too many mapping rows",
                text,
                VALIDATOR_SET,
                error_code="too_many_mappings",
                reference_id=process_id,
            )
        ],
        error_code="too_many_mappings",
    )


def complete_extensions(
    bpmn: BpmnOutline,
    extensions: Mapping[str, Any],
    catalog: Mapping[str, Action],
    previous_implementations: Mapping[str, str],
) -> dict[str, Any]:
    """The extensions to store with this BPMN content (a new map; the argument is not changed).

    Each process's entry is made in canonical order as it is completed (`_completed_entry`);
    anything out of the ordinary is completed step by step, by the rules, then put in order.
    Equal mappings are one object in the result, shared with the argument where it holds
    them in order: neither the argument nor the result is ever changed in place.
    """
    completed = dict(extensions)
    notes = list(getattr(extensions, "notes", ()))
    _bind_legacy(bpmn, completed, notes)
    bound = dict(completed)
    made = {}
    for process in bpmn.processes:
        entry = _completed_entry(process, completed.get(process.id) or {}, catalog, previous_implementations)
        if entry is None:
            return _completed_by_the_rules(bpmn, bound, catalog, previous_implementations, notes)
        completed[process.id] = made[process.id] = entry
    try:
        result = {
            process_id: made[process_id] if process_id in made else _canonical_entry(completed[process_id])
            for process_id in sorted(completed)
        }
    except Exception:  # noqa: BLE001 - what the rules raise, they raise again
        return _completed_by_the_rules(bpmn, bound, catalog, previous_implementations, notes)
    return Extensions(result, notes, in_canonical_order=True)


def _completed_by_the_rules(
    bpmn: BpmnOutline,
    completed: dict[str, Any],
    catalog: Mapping[str, Action],
    previous_implementations: Mapping[str, str],
    notes: list[Problem],
) -> Extensions:
    """`complete_extensions` step by step: each task in turn, then `canonical` (`completed`: the
    extensions with their pre-2020 entry bound)."""
    for process in bpmn.processes:
        completed[process.id] = _completed_entry_by_the_rules(
            process, completed.get(process.id) or {}, catalog, previous_implementations
        )
    return Extensions(canonical(completed), notes, in_canonical_order=True)


def _completed_entry(
    process: ProcessOutline,
    stored: Mapping[str, Any],
    catalog: Mapping[str, Action],
    previous_implementations: Mapping[str, str],
) -> dict[str, Any] | None:
    """One process's entry completed, in canonical order: `_canonical_entry` of
    `_completed_entry_by_the_rules`, without its per-task steps when no task needs one.

    The tasks that get automatic rows share one mapping per implementation. Rows are counted
    once, while the mappings are put in order. None when the rows could have passed
    MAX_MAPPING_ROWS at any step, or anything is out of the ordinary (tasks sharing an id,
    mappings that are not a map, an exception): then the rules say what happens.
    """
    try:
        entry = {key: {} for key in _ENTRY_KEYS} | dict(stored)
        element_ids = process.element_ids
        mappings, constants = entry["mappings"], entry["constants"]
        tasks = process.service_tasks
        ids = list(map(_TASK_ID, tasks))
        if type(mappings) is not dict or type(constants) is not dict or len(set(ids)) != len(ids):
            return None
        # Mappings and constants of elements deleted from the diagram go with them.
        mappings = _kept(mappings, element_ids)
        constants = _kept(constants, element_ids)
        implementations = list(map(_TASK_IMPLEMENTATION, tasks))
        names = implementations  # what the catalog is asked for: `task.implementation or ""`
        if "" in catalog or None in catalog:
            names = [implementation or "" for implementation in implementations]
        variable_names = _variable_names(entry)
        net = grown = 0  # rows added less rows removed; rows added
        befores = list(map(previous_implementations.get, ids))
        changed = befores != implementations and befores.count(None) != len(befores)
        unmapped = not all(map(mappings.__contains__, ids))
        actions = list(map(catalog.get, names)) if changed or unmapped else []
        if changed:
            for task_id, implementation, action, before in zip(
                ids, implementations, actions, befores, strict=True
            ):
                if action is None or task_id not in mappings or before in (None, implementation):
                    continue
                rows = _row_count(mappings[task_id])
                mappings[task_id] = _rebind(mappings[task_id], action, variable_names)
                change = _row_count(mappings[task_id]) - rows
                net += change
                grown += max(change, 0)
        if unmapped:
            automatic: dict[str, tuple[dict[str, Any], int] | None] = {}  # by implementation
            for task_id, name, action in zip(ids, names, actions, strict=True):
                if action is None or task_id in mappings:
                    continue
                if name not in automatic:
                    automatic[name] = _automatic_mapping(action, variable_names)
                made = automatic[name]
                if made is not None:
                    mappings[task_id] = made[0]
                    net += made[1]
                    grown += made[1]
        ordered, rows = _canonical_mappings(mappings)
        # The count before completing was rows - net; it never went above that plus what was added.
        if rows - net + grown > MAX_MAPPING_ROWS:
            return None
        canonical_entry = _ordered(entry, _ENTRY_KEYS)
        canonical_entry["properties"] = _canonical_properties(entry.get("properties") or {})
        canonical_entry["mappings"] = ordered
        canonical_entry["constants"] = _canonical_constants(constants)
        return canonical_entry
    except Exception:  # noqa: BLE001 - the rules raise it again, or what comes first
        return None


def _kept(items: dict[str, Any], element_ids: frozenset[str]) -> dict[str, Any]:
    """The items of the elements still in the diagram (a new map)."""
    if element_ids.issuperset(items):
        return dict(items)
    return {element: value for element, value in items.items() if element in element_ids}


_TASK_ID = attrgetter("id")
_TASK_IMPLEMENTATION = attrgetter("implementation")


def _automatic_mapping(action: Action, variable_names: set[str]) -> tuple[dict[str, Any], int] | None:
    """`automatic_rows` in canonical order and its row count; None when it has no row."""
    inputs, outputs = _automatic_names(action, variable_names)
    if not inputs and not outputs:
        return None
    rows = {
        "inputs": {name: {"type": "variable", "value": name} for name in inputs},
        "outputs": {name: {"type": "variable", "value": name} for name in outputs},
    }
    return rows, len(inputs) + len(outputs)


def _automatic_names(action: Action, variable_names: set[str]) -> tuple[list[str], list[str]]:
    """The input and output names `automatic_rows` maps, in canonical (sorted) order."""
    return (
        sorted({p.name for p in action.inputs if p.name in variable_names}),
        sorted({p.name for p in action.outputs if p.name in variable_names}),
    )


def _completed_entry_by_the_rules(
    process: ProcessOutline,
    stored: Mapping[str, Any],
    catalog: Mapping[str, Action],
    previous_implementations: Mapping[str, str],
) -> dict[str, Any]:
    """The save rules for one process's entry, step by step (not in canonical order)."""
    entry = {key: {} for key in _ENTRY_KEYS} | dict(stored)
    # Mappings and constants of elements deleted from the diagram go with them.
    for key in ("mappings", "constants"):
        entry[key] = {
            element: value for element, value in entry[key].items() if element in process.element_ids
        }
    variable_names = _variable_names(entry)
    mappings = entry["mappings"]
    rows_written = sum(_row_count(mapping) for mapping in mappings.values())
    for task in process.service_tasks:
        action = catalog.get(task.implementation or "")
        if action is None:
            continue
        if task.id not in mappings:
            rows = automatic_rows(action, variable_names)
            if rows["inputs"] or rows["outputs"]:
                mappings[task.id] = rows
                rows_written += _row_count(rows)
        elif previous_implementations.get(task.id) not in (None, task.implementation):
            rows_written -= _row_count(mappings[task.id])
            mappings[task.id] = _rebind(mappings[task.id], action, variable_names)
            rows_written += _row_count(mappings[task.id])
        if rows_written > MAX_MAPPING_ROWS:
            raise _too_many_rows(process.id, rows_written)
    return entry


# --- checking (SPEC §5) ---------------------------------------------------------------------


def _problem(problem: str, description: str, reference_id: str | None, warning: bool = False) -> Problem:
    return Problem(
        problem,
        description,
        VALIDATOR_SET,
        warning=warning,
        error_code="process_extensions" if not warning else "process_extensions_warning",
        reference_id=reference_id,
    )


def value_problem(variable: Mapping[str, Any]) -> str | None:
    """Why a process variable's default value does not match its type (None when it does)."""
    value, kind = variable.get("value"), variable.get("type")
    label = f"{variable.get('name')}({variable.get('id')})"
    if value is None or (value == "" and kind != "string"):
        return None
    if isinstance(value, str) and value.startswith("${"):
        return None if EXPRESSION.match(value) else f"Value format in {label} is not a valid expression"
    if kind == "date":
        if not isinstance(value, str) or not _DATE.match(value):
            return f"Invalid date - {label}"
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return f"Invalid date - {label}"
        return None
    if kind == "datetime":
        if not isinstance(value, str) or not _DATETIME.match(value):
            return f"Invalid datetime - {label}"
        try:
            datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return f"Invalid datetime - {label}"
        return None
    fits = {
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "json": lambda v: True,
        "file": lambda v: isinstance(v, dict | list),
        "folder": lambda v: isinstance(v, dict | list),
        "array": lambda v: isinstance(v, list),
    }.get(str(kind), lambda v: True)
    return None if fits(value) else f"Mismatch value type - {label}. Expected type is {kind}"


def _variable_problems(process_id: str, entry: Mapping[str, Any]) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    for key, variable in (entry.get("properties") or {}).items():
        name = variable.get("name", "")
        where = f"{process_id}/properties/{key}"
        if key != variable.get("id"):
            # APA's own fixture valid-extensions.json has such variables: a warning, not an error.
            problems.append(
                _problem(
                    "Process variable key differs from its id",
                    f"The process variable '{name[:100]}' is stored under '{key[:100]}' but its id is "
                    f"'{str(variable.get('id'))[:100]}'; the key is what mappings and the editor use",
                    where,
                    warning=True,
                )
            )
        if not VARIABLE_NAME.match(name):
            problems.append(
                _problem(
                    "Invalid process variable name",
                    f"The process variable name '{name[:100]}' is not valid: it must start with a letter and "
                    "hold only letters, digits and '_'",
                    where,
                )
            )
        elif name in RESERVED_VARIABLE_NAMES:
            problems.append(
                _problem(
                    "Reserved process variable name",
                    f"'{name}' is a reserved name (nrOfInstances, nrOfActiveInstances, nrOfCompletedInstances, "
                    "loopCounter); choose another name",
                    where,
                )
            )
        if name in seen:
            problems.append(
                _problem(
                    "Variable names must be unique",
                    f"The process variable '{name}' is declared twice in process '{process_id}'",
                    where,
                )
            )
        seen.add(name)
        mismatch = value_problem(variable)
        if mismatch:
            problems.append(_problem(mismatch, mismatch, where))
    return problems


def _mapping_problems(
    process_id: str,
    element_id: str,
    mapping: Mapping[str, Any],
    variables: Mapping[str, Mapping[str, Any]],
    action: Action | None,
) -> list[Problem]:
    problems = []
    inputs = mapping.get("inputs") or {}
    outputs = mapping.get("outputs") or {}

    def unknown_variable(name: str) -> None:
        problems.append(
            _problem(
                f"Unknown process variable in process extensions: {name}",
                f"The extensions for process '{process_id}' contains mappings for an unknown process variable "
                f"'{name}' on '{element_id}'",
                element_id,
            )
        )

    def type_mismatch(variable: str, parameter: Parameter) -> None:
        variable_type = variables[variable].get("type")
        if variable_type != parameter.type and "json" not in (variable_type, parameter.type):
            problems.append(
                _problem(
                    f"Type mismatch: variable '{variable}' ({variable_type}) mapped to parameter "
                    f"'{parameter.name}' ({parameter.type})",
                    f"On '{element_id}', variable '{variable}' is {variable_type} but parameter "
                    f"'{parameter.name}' of {action.implementation if action else ''} is {parameter.type}",
                    element_id,
                    warning=True,
                )
            )

    for key, row in inputs.items():
        if not row:
            continue  # {}: no mapping for this parameter
        parameter = action.input(key) if action else None
        if action is not None and parameter is None:
            problems.append(
                _problem(
                    f"Unknown inputs connector parameter name in process extensions: {key}",
                    f"The extensions for process '{process_id}' contains mappings to task '{element_id}' for an "
                    f"unknown inputs connector parameter name '{key}' ({action.implementation})",
                    element_id,
                )
            )
        if row.get("type") == "variable" and row.get("value") not in (None, ""):
            name = str(row["value"])
            if name not in variables:
                unknown_variable(name)
            elif parameter is not None:
                type_mismatch(name, parameter)
    for key, row in outputs.items():
        if not row:
            continue
        if key not in variables:
            unknown_variable(key)
        if row.get("type") == "value" and isinstance(row.get("value"), str) and row["value"].startswith("${"):
            problems.append(
                _problem(
                    "Expressions are not allowed as variable values in the output mapping",
                    f"The output '{key}' of '{element_id}' holds an expression; use a literal value",
                    element_id,
                )
            )
        if action is not None and row.get("type") == "variable":
            parameter = action.output(str(row.get("value")))
            if parameter is None:
                problems.append(
                    _problem(
                        f"Unknown outputs connector parameter name in process extensions: {row.get('value')}",
                        f"The extensions for process '{process_id}' contains mappings to task '{element_id}' for "
                        f"an unknown outputs connector parameter name '{row.get('value')}' ({action.implementation})",
                        element_id,
                    )
                )
            elif key in variables:
                type_mismatch(key, parameter)
    return problems


def check_extensions(
    bpmn: BpmnOutline, extensions: Mapping[str, Any], catalog: Mapping[str, Action]
) -> list[Problem]:
    """The semantic problems of the processes' implementations, variables and mappings (at most
    MAX_PROBLEMS, plus one row counting the rest), after the warnings of reading the document."""
    return capped(_extension_problems(bpmn, extensions, catalog))


def _extension_problems(
    bpmn: BpmnOutline, extensions: Mapping[str, Any], catalog: Mapping[str, Action]
) -> Iterator[Problem]:
    yield from getattr(extensions, "notes", ())
    known = {process.id for process in bpmn.processes}
    for process_id in extensions:
        if process_id not in known:
            yield _problem(
                f"Unknown process id in process extensions: {process_id}",
                f"The process extensions are bound to an unknown process id '{process_id}'",
                process_id,
            )
    for process in bpmn.processes:
        entry = extensions.get(process.id) or {}
        yield from _variable_problems(process.id, entry)
        variables = {v.get("name"): v for v in (entry.get("properties") or {}).values()}
        if not _tasks_and_mappings_pass(process, entry, variables, catalog):
            yield from _task_and_mapping_problems(process, entry, variables, catalog)


def _task_and_mapping_problems(
    process: ProcessOutline,
    entry: Mapping[str, Any],
    variables: dict[Any, Any],
    catalog: Mapping[str, Action],
) -> Iterator[Problem]:
    """The problems of a process's mappings, constants and service tasks, one by one."""
    mappings = entry.get("mappings") or {}
    for element_id in list(mappings) + list(entry.get("constants") or {}):
        if element_id not in process.element_ids:
            yield _problem(
                f"Unknown task in process extensions: {element_id}",
                f"The extensions for process '{process.id}' contains mappings for an unknown task "
                f"'{element_id}'",
                element_id,
            )
    tasks = {task.id: task for task in process.service_tasks}
    for task in process.service_tasks:
        if task.implementation is None:
            continue
        action = catalog.get(task.implementation)
        if action is None:
            yield _problem(
                f"Invalid service implementation on service '{task.id}'",
                f"The implementation '{task.implementation[:200]}' of '{task.id}' is not a "
                "<connector>.<action> of this project; choose one in the implementation list",
                task.id,
            )
            continue
        mapping = mappings.get(task.id) or {}
        if mapping.get("mappingType") in ("MAP_ALL", "MAP_ALL_INPUTS"):
            continue
        inputs = mapping.get("inputs") or {}
        for parameter in action.inputs:
            row = inputs.get(parameter.name)
            if parameter.required and (row is None or row.get("value") in (None, "")):
                yield _problem(
                    f"Required input '{parameter.name}' of {action.implementation} is not mapped on "
                    f"'{task.id}'",
                    f"Map the required input '{parameter.name}' of {action.implementation} on "
                    f"'{task.id}' to a process variable or a value",
                    task.id,
                )
    for element_id, mapping in mappings.items():
        if element_id not in process.element_ids:
            continue
        task = tasks.get(element_id)
        action = catalog.get(task.implementation or "") if task else None
        yield from _mapping_problems(process.id, element_id, mapping, variables, action)


def _tasks_and_mappings_pass(
    process: ProcessOutline,
    entry: Mapping[str, Any],
    variables: dict[Any, Any],
    catalog: Mapping[str, Action],
) -> bool:
    """True when the checks of `_extension_problems` after the variables find nothing in this
    process (then they are not run one by one; False says nothing, and they are).

    Tasks are taken by implementation, and each distinct mapping is checked once per action, as
    those checks do: mappings that are one object (completing shares equal ones) by identity,
    equal mappings of plain JSON through a few templates. Anything out of the ordinary (tasks
    sharing an id, a mapping that is not an object, an exception) answers False.
    """
    try:
        mappings = entry.get("mappings") or {}
        constants = entry.get("constants") or {}
        if type(mappings) is not dict or type(constants) is not dict:
            return False
        element_ids = process.element_ids
        if not (element_ids.issuperset(mappings) and element_ids.issuperset(constants)):
            return False  # unknown tasks
        tasks = process.service_tasks
        # Tasks sharing an id are each checked with their own action here (one by one, a
        # mapping is checked with the last one's): what passes here passes there.
        ids = list(map(_TASK_ID, tasks))
        implementations = list(map(_TASK_IMPLEMENTATION, tasks))
        groups: dict[str | None, list[str]] = {}
        unmapped = False  # some task has no mapping
        if implementations and implementations.count(implementations[0]) == len(implementations):
            groups[implementations[0]] = ids
        else:
            for task_id, implementation in zip(ids, implementations, strict=True):
                group = groups.get(implementation)
                if group is None:
                    groups[implementation] = [task_id]
                else:
                    group.append(task_id)
        for implementation, group in groups.items():
            action = catalog.get(implementation or "")
            if implementation is not None and action is None:
                return False  # an invalid implementation
            found = list(map(mappings.get, group))
            if found.count(found[0]) == len(found):  # one object for all (`count` tries `is` first)
                distinct = {id(found[0]): found[0]}
            else:
                distinct = dict(zip(map(id, found), found, strict=True))
            if distinct.pop(id(None), ...) is None:
                unmapped = True
                if any(mappings.get(task_id, ...) is None for task_id in group):
                    return False  # a null mapping
                if implementation is not None and any(p.required for p in action.inputs):  # type: ignore[union-attr]
                    return False  # a task without a mapping, so without its required inputs
            if not _mappings_pass(
                process.id, group[0], distinct.values(), variables, action, implementation is not None
            ):
                return False
        task_ids = set(ids)
        if not unmapped and len(mappings) == len(task_ids):
            return True  # each mapping is a task's
        others = mappings.keys() - task_ids  # mappings of elements that are no service task
        if others:
            return _mappings_pass(process.id, "", [mappings[key] for key in others], variables, None, False)
        return True
    except Exception:  # noqa: BLE001 - checked one by one, which says what is wrong
        return False


def _mappings_pass(
    process_id: str,
    element_id: str,
    mappings: Iterable[Any],
    variables: dict[Any, Any],
    action: Action | None,
    required: bool,
) -> bool:
    """Each mapping passes `_mapping_problems` with this action, and (`required`) maps the
    action's required inputs unless its mapping type maps them all."""
    templates: list[tuple[dict[str, Any], bool]] = []
    made = hits = 0
    for mapping in mappings:
        for template, passes in templates:  # noqa: B007 - the one found is used after the loop
            if mapping == template:
                hits += 1
                break
        else:
            made += 1
            passes = not _mapping_problems(process_id, element_id, mapping, variables, action)
            if passes and required and mapping.get("mappingType") not in ("MAP_ALL", "MAP_ALL_INPUTS"):
                inputs = mapping.get("inputs") or {}
                for parameter in action.inputs:  # type: ignore[union-attr]
                    row = inputs.get(parameter.name)
                    if parameter.required and (row is None or row.get("value") in (None, "")):
                        passes = False
            if made > 2 * _SHARED_MAPPINGS and hits < made:
                templates = []
            elif _plain(mapping):
                templates.insert(0, (mapping, passes))
                del templates[_SHARED_MAPPINGS:]
        if not passes:
            return False
    return True


# --- writing --------------------------------------------------------------------------------


_ROW_KEYS = ["type", "value"]


def _ordered(mapping: Mapping[str, Any], first: tuple[str, ...]) -> dict[str, Any]:
    keys = [key for key in first if key in mapping] + sorted(key for key in mapping if key not in first)
    return {key: mapping[key] for key in keys}


def _rows(rows: Mapping[str, Any]) -> dict[str, Any]:
    ordered = {}
    for key in sorted(rows):
        row = rows[key]
        ordered[key] = (
            row if not isinstance(row, dict) or list(row) == _ROW_KEYS else _ordered(row, ("type", "value"))
        )
    return ordered


_MAPPING_KEYS = ["inputs", "outputs"]


def _mapping(mapping: Mapping[str, Any]) -> dict[str, Any]:
    if list(mapping) == _MAPPING_KEYS:  # the usual mapping, already in this order
        ordered = dict(mapping)
    else:
        ordered = _ordered(mapping, ("inputs", "outputs", "mappingType"))
    for direction in _MAPPING_KEYS:
        rows = ordered.get(direction)
        if isinstance(rows, dict):
            ordered[direction] = rows if len(rows) < 2 and _row_in_order(rows) else _rows(rows)
    return ordered


def _row_in_order(rows: dict[str, Any]) -> bool:
    """A map of at most one row whose fields are already in canonical order (the usual case)."""
    for row in rows.values():
        return not isinstance(row, dict) or list(row) == _ROW_KEYS
    return True


def _plain(value: Any) -> bool:
    """Only dicts of string keys, strings and null: what `==` to it is the same JSON (no 1 for a
    true, no 1.0 for a 1), so has the same canonical form, file and problems."""
    pending = [value]
    while pending:
        item = pending.pop()
        if type(item) is dict:
            if not all(type(key) is str for key in item):
                return False
            pending.extend(item.values())
        elif item is not None and type(item) is not str:
            return False
    return True


_SHARED_MAPPINGS = 4  # the templates a pass over mappings keeps


def _canonical_mappings(mappings: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """`{key: _mapping(mappings[key]) for key in sorted(mappings)}`, and their rows all told.

    Processes repeat the same mapping on many tasks: a canonical mapping of plain JSON
    (`_plain`) is given to each mapping equal to it (one `==`, in C) instead of a copy each;
    a few are kept, the most recent first. Mappings are never changed in place, so they are
    shared between tasks (and with the argument)."""
    keys = sorted(mappings)
    if keys:  # all alike (the usual process): one `==` each, all in C
        first = _mapping(mappings[keys[0]])
        if _plain(first) and all(map(eq, map(mappings.__getitem__, keys), repeat(first))):
            return dict.fromkeys(keys, first), _row_count(first) * len(keys)
    ordered = {}
    rows = 0
    shared: list[tuple[dict[str, Any], int]] = []
    made = hits = 0
    for key in keys:
        mapping = mappings[key]
        for template, count in shared:  # noqa: B007 - the one found is used after the loop
            if mapping == template:
                hits += 1
                break
        else:
            template = _mapping(mapping)
            count = _row_count(template)
            made += 1
            if made > 2 * _SHARED_MAPPINGS and hits < made:
                shared = []  # each mapping its own: no more tries
            elif _plain(template):
                shared.insert(0, (template, count))
                del shared[_SHARED_MAPPINGS:]
        ordered[key] = template
        rows += count
    return ordered, rows


def _canonical_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: _ordered(properties[key], _VARIABLE_KEYS)
        for key in sorted(properties, key=lambda k: (str(properties[k].get("name", "")), k))
    }


def _canonical_constants(constants: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: {name: _ordered(constants[key][name], ("value",)) for name in sorted(constants[key])}
        for key in sorted(constants)
    }


def _canonical_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    ordered = _ordered(entry, _ENTRY_KEYS)
    ordered["properties"] = _canonical_properties(ordered.get("properties") or {})
    ordered["mappings"] = _canonical_mappings(ordered.get("mappings") or {})[0]
    ordered["constants"] = _canonical_constants(ordered.get("constants") or {})
    return ordered


def canonical(extensions: Mapping[str, Any]) -> dict[str, Any]:
    """The inner map with every key in its stable place (sorted ids, known fields first)."""
    return {process_id: _canonical_entry(extensions[process_id]) for process_id in sorted(extensions)}


# json.dumps(ensure_ascii=False) builds a new encoder at each call; one made once is reused.
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_ENCODE_STRING = json.encoder.encode_basestring  # what that encoder writes for a str
_DEFAULT = json.JSONEncoder(ensure_ascii=False).default  # what it does with other types: refuse them


def _compact(value: Any) -> str:
    return _ENCODE_STRING(value) if type(value) is str else _ENCODE(value)


def _compacter() -> Callable[[Any], str]:
    """`_compact` for one file: json's C encoder made once for all its values (as `_ENCODE` makes it at each call)."""
    if c_make_encoder is None:
        return _compact
    encode = c_make_encoder({}, _DEFAULT, _ENCODE_STRING, None, ": ", ", ", False, False, True)
    join = "".join

    def compact(value: Any) -> str:
        return _ENCODE_STRING(value) if type(value) is str else join(encode(value, 0))

    return compact


def _object_lines(items: Mapping[str, Any], indent: str, compact: Callable[[Any], str] = _compact) -> str:
    """`{` one `"key": <compact value>` per line `}`: readable, diff-friendly, and json's C speed.

    A value given to several keys (completing shares equal mappings) is written once."""
    if not items:
        return "{}"
    lead = f",\n{indent}  "
    values = list(items.values())
    if all(map(is_, values, repeat(values[0]))):  # one object for all (mappings, as completing made them)
        text = ": " + compact(values[0])
        body = (text + lead).join(map(_ENCODE_STRING, items)) + text
    else:
        texts: dict[int, str] = {}  # by id: the values live in `items` until the end
        lines = []
        for key, value in items.items():
            text = texts.get(id(value))
            if text is None:
                text = texts[id(value)] = compact(value)
            lines.append(_ENCODE_STRING(key) + ": " + text)
        body = lead.join(lines)
    return "{\n" + indent + "  " + body + "\n" + indent + "}"


def extensions_file(model_id: str, name: str, extensions: Mapping[str, Any] | None) -> bytes:
    """`processes/<name>-extensions.json`: same extensions, same bytes.

    Laid out with one variable, mapping or constant per line (json.dumps with `indent` would
    fall back to the pure-Python encoder, ten times slower on a 10,000-task process). Extensions
    made by `complete_extensions` are already in canonical order, and keep their file once written.
    """
    if (
        isinstance(extensions, Extensions)
        and extensions.file is not None
        and extensions.file[:2] == (model_id, name)
    ):
        return extensions.file[2]  # made already, or read back from the row that stores them
    made = extensions if isinstance(extensions, Extensions) and extensions.in_canonical_order else None
    processes = []
    compact = _compacter()
    for process_id, entry in (made if made is not None else canonical(extensions or {})).items():
        sections = []
        for key, value in entry.items():
            rendered = _object_lines(value, " " * 6, compact) if key in _ENTRY_KEYS else compact(value)
            sections.append(f"      {_compact(key)}: {rendered}")
        processes.append(f"    {_compact(process_id)}: {{\n" + ",\n".join(sections) + "\n    }")
    inner = "{\n" + ",\n".join(processes) + "\n  }" if processes else "{}"
    head = wrap(model_id, name, None)
    text = (
        "{\n"
        f'  "id": {_compact(head["id"])},\n'
        f'  "name": {_compact(head["name"])},\n'
        f'  "type": "PROCESS",\n'
        f'  "extensions": {inner}\n'
        "}\n"
    )
    data = text.encode()
    if made is not None:
        made.file = (model_id, name, data)
    return data


def initial_extensions(bpmn: BpmnOutline) -> dict[str, Any]:
    return canonical({process.id: {key: {} for key in _ENTRY_KEYS} for process in bpmn.processes})
