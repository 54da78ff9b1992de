"""Reads of the connectors app: the implementation catalog of a project, as JSON text."""

from __future__ import annotations

from connectors.models import Implementation


def implementation_catalog_json(project) -> tuple[str, int]:
    """The catalog entries of the project as a JSON array of `{"entry": …}` (sorted), and their count."""
    rows = sorted(Implementation.objects.filter(project=project).values_list("implementation", "entry"))
    return "[" + ",".join('{"entry":' + entry + "}" for _, entry in rows) + "]", len(rows)
