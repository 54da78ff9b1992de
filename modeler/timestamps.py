"""Timestamps as the APA files and API write them: ISO-8601 in UTC with milliseconds and `Z`.

Pure module: no Django import.
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
