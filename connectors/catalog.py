"""The implementation catalog: every `<connector>.<action>` with its inputs and outputs.

Pure module: no Django import. `catalog_entries` turns one checked connector document into
the dropdown's entries; the connectors app stores them at each save so that reading the
catalog of a project never re-parses connector files.
"""

from __future__ import annotations

from typing import Any


def _parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": parameter["id"],
        "name": parameter["name"],
        "type": parameter["type"],
        "required": bool(parameter.get("required", False)),
        "description": parameter.get("description", ""),
    }


def catalog_entries(connector_id: str, document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(implementation, entry) pairs of one connector, sorted by implementation."""
    connector = document["name"]
    entries = []
    for action in (document.get("actions") or {}).values():
        implementation = f"{connector}.{action['name']}"
        entries.append(
            (
                implementation,
                {
                    "implementation": implementation,
                    "connector": connector,
                    "connectorModelId": connector_id,
                    "action": action["name"],
                    "actionId": action["id"],
                    "description": action.get("description", ""),
                    "inputs": [_parameter(p) for p in action.get("inputs") or []],
                    "outputs": [_parameter(p) for p in action.get("outputs") or []],
                },
            )
        )
    entries.sort(key=lambda pair: pair[0])
    return entries
