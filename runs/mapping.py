"""What a service task sends and what its answer writes back: the extensions applied at run time.

Pure module: stdlib and modeler's pure modules only; no Django import. The row shapes, mapping
types and the expression form come from `processes.mapping` (what the save writes and checks);
the semantics are Activiti's current ones (reference/apa.md §2.5, SPEC §4.4–§4.5):

- no entry for the element: nothing is sent and nothing comes back (only constants go in);
- `{"inputs": {}, "outputs": {}}` ("don't map"): the same;
- `mappingType` `MAP_ALL` / `MAP_ALL_INPUTS`: every variable is sent under its own name;
  `MAP_ALL` / `MAP_ALL_OUTPUTS`: every output is written back under its own name (created
  when no variable of that name is declared);
- explicit `inputs` rows: key = the connector's input parameter; `{"type": "variable"}` sends
  the variable's value (a variable the run does not hold is left out), `{"type": "value"}`
  sends the literal, or the value of a `${…}` expression over the variables;
- explicit `outputs` rows: key = the process variable written; `{"type": "variable"}` takes the
  named output (an output the connector did not send is left out), `{"type": "value"}` the
  literal; only declared variables are written;
- constants of the element are added to what is sent, whatever the mapping.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from processes.mapping import EXPRESSION
from runs import expressions

MAPS_ALL_INPUTS = frozenset({"MAP_ALL", "MAP_ALL_INPUTS"})
MAPS_ALL_OUTPUTS = frozenset({"MAP_ALL", "MAP_ALL_OUTPUTS"})


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and bool(EXPRESSION.match(value))


def input_expressions(mapping: Mapping[str, Any] | None) -> Iterable[tuple[str, str]]:
    """(input parameter, expression) of every `${…}` input row (checked before a run starts)."""
    for key, row in ((mapping or {}).get("inputs") or {}).items():
        if row and row.get("type") == "value" and is_expression(row.get("value")):
            yield key, row["value"]


def inbound_variables(
    mapping: Mapping[str, Any] | None,
    constants: Mapping[str, Any] | None,
    variables: Mapping[str, Any],
) -> dict[str, Any]:
    """The IntegrationRequest's `inBoundVariables` for one service task."""
    sent: dict[str, Any] = {}
    mapping = mapping or {}
    if mapping.get("mappingType") in MAPS_ALL_INPUTS:
        sent.update(variables)
    else:
        for parameter, row in (mapping.get("inputs") or {}).items():
            if not row:
                continue
            if row.get("type") == "variable":
                name = row.get("value")
                if name in variables:
                    sent[parameter] = variables[name]
            elif row.get("type") == "value":
                value = row.get("value")
                sent[parameter] = expressions.evaluate(value, variables) if is_expression(value) else value
    for name, constant in (constants or {}).items():
        if isinstance(constant, Mapping) and "value" in constant:
            sent[name] = constant["value"]
    return sent


def outbound_variables(
    mapping: Mapping[str, Any] | None,
    outputs: Mapping[str, Any],
    declared: Iterable[str],
) -> dict[str, Any]:
    """The process variables a connector's `outBoundVariables` write (name → value)."""
    mapping = mapping or {}
    if mapping.get("mappingType") in MAPS_ALL_OUTPUTS:
        return dict(outputs)
    declared = set(declared)
    written: dict[str, Any] = {}
    for variable, row in (mapping.get("outputs") or {}).items():
        if not row or variable not in declared:
            continue
        if row.get("type") == "variable":
            if row.get("value") in outputs:
                written[variable] = outputs[row["value"]]
        elif row.get("type") == "value":
            written[variable] = row.get("value")
    return written
