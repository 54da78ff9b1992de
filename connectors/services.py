"""Writes of the connectors app: the stored implementation catalog, refreshed in the save's transaction."""

from __future__ import annotations

import json

from connectors.catalog import catalog_entries
from connectors.models import Implementation
from projects.model_types import ContentCheck


def refresh_catalog(model, check: ContentCheck) -> None:
    Implementation.objects.filter(connector=model).delete()
    Implementation.objects.bulk_create(
        Implementation(
            project_id=model.project_id,
            connector=model,
            implementation=implementation,
            entry=json.dumps(entry, ensure_ascii=False, separators=(",", ":")),
        )
        for implementation, entry in catalog_entries(str(model.pk), check.parsed)
    )
