"""The APA envelopes: `{"entry": …}` for one object, `{"list": {"entries", "pagination"}}` for many."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def entry(data: dict[str, Any]) -> dict[str, Any]:
    return {"entry": data}


def entry_list(
    items: Iterable[dict[str, Any]], *, skip_count: int, max_items: int, total_items: int
) -> dict[str, Any]:
    entries = [{"entry": item} for item in items]
    return {
        "list": {
            "entries": entries,
            "pagination": {
                "count": len(entries),
                "hasMoreItems": skip_count + len(entries) < total_items,
                "maxItems": max_items,
                "skipCount": skip_count,
                "totalItems": total_items,
            },
        }
    }
