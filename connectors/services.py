"""Writes of the connectors app: the stored implementation catalog, refreshed in the save's transaction."""

from __future__ import annotations

import json
from typing import Any

from connectors.catalog import catalog_entries
from connectors.models import Implementation
from projects import content_store
from projects.model_types import ContentCheck


def refresh_catalog(model, check: ContentCheck) -> None:
    refresh_catalogs([(model, check)])


def refresh_catalogs(saved: list[tuple[Any, ContentCheck]]) -> None:
    """`refresh_catalog` for many connectors at once (an import's): one delete, one insert."""
    if not saved:
        return
    Implementation.objects.filter(connector__in=[model.pk for model, _ in saved]).delete()
    content_store.bulk_insert(
        [
            Implementation(
                project_id=model.project_id,
                connector=model,
                implementation=implementation,
                entry=json.dumps(entry, ensure_ascii=False, separators=(",", ":")),
            )
            for model, check in saved
            for implementation, entry in catalog_entries(str(model.pk), check.parsed)
        ]
    )
