"""Conditional writes: the version an `If-Match` header names (SPEC §6), for every API."""

from __future__ import annotations

import re

from modeler.problems import ValidationFailed


def if_match_version(request, pattern: re.Pattern, *, what: str, example: str) -> int | None:
    """The version `If-Match` names (the pattern's first group): None when absent or `*`; 400
    naming the expected form when malformed."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = pattern.match(header)
    if match is None:
        raise ValidationFailed(
            f"Malformed If-Match header: {header[:60]!r}; send the ETag of the {what}, e.g. {example}",
            error_code="invalid_if_match",
        )
    return int(match.group(1))
