"""Paging (`skipCount`, `maxItems`) and sorting (`sort=name,asc`) of list endpoints."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from modeler.api.envelopes import entry_list

DEFAULT_MAX_ITEMS = 100
LIMIT_MAX_ITEMS = 1000
# SQL OFFSET is a signed 64-bit integer; no list is anywhere near this long.
LIMIT_SKIP_COUNT = 2**31 - 1
_WHOLE_NUMBER = re.compile(r"\s*[+-]?[0-9]{1,20}\s*")


def _non_negative_int(request, name: str, default: int, limit: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not _WHOLE_NUMBER.fullmatch(raw):
        raise ValidationError({name: [f"{name} must be a whole number, got '{raw[:40]}'"]})
    value = int(raw)
    if value < 0:
        raise ValidationError({name: [f"{name} cannot be negative"]})
    if value > limit:
        raise ValidationError({name: [f"{name} cannot be greater than {limit}"]})
    return value


def apply_sort(queryset: QuerySet, request, fields: Mapping[str, str], default: str) -> QuerySet:
    """Order by `sort=<field>,<asc|desc>`; `fields` maps API field names to model fields."""
    raw = request.query_params.get("sort")
    if not raw:
        return queryset.order_by(default, "pk")
    name, _, direction = raw.partition(",")
    direction = (direction or "asc").lower()
    if name not in fields or direction not in {"asc", "desc"}:
        allowed = ", ".join(sorted(fields))
        raise ValidationError({"sort": [f"sort must be '<field>,asc|desc' with field one of: {allowed}"]})
    prefix = "-" if direction == "desc" else ""
    return queryset.order_by(f"{prefix}{fields[name]}", f"{prefix}pk")


class ModelingPagination(BasePagination):
    """Skip/limit paging with the APA list envelope."""

    def paginate(self, queryset: QuerySet, request, to_entry: Callable[[Any], dict]) -> Response:
        skip_count = _non_negative_int(request, "skipCount", 0, LIMIT_SKIP_COUNT)
        max_items = _non_negative_int(request, "maxItems", DEFAULT_MAX_ITEMS, LIMIT_MAX_ITEMS)
        page = list(queryset[skip_count : skip_count + max_items]) if max_items else []
        if max_items and len(page) < max_items and (page or skip_count == 0):
            total = skip_count + len(page)  # the last page: no COUNT query needed
        else:
            total = queryset.count()
        return Response(
            entry_list(
                (to_entry(item) for item in page),
                skip_count=skip_count,
                max_items=max_items,
                total_items=total,
            )
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "properties": {
                "list": {
                    "type": "object",
                    "properties": {
                        "entries": {
                            "type": "array",
                            "items": {"type": "object", "properties": {"entry": schema}},
                        },
                        "pagination": {
                            "type": "object",
                            "properties": {
                                key: {"type": "integer"}
                                for key in ("count", "maxItems", "skipCount", "totalItems")
                            }
                            | {"hasMoreItems": {"type": "boolean"}},
                        },
                    },
                }
            },
        }
