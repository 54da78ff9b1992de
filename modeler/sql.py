"""Parameters of the statements written out as SQL (where the ORM's compiling cost more than the
query): values as each backend stores them."""

from __future__ import annotations

import uuid

from django.db import connection


def db_param(value):
    """A UUID as the backend stores it: PostgreSQL's uuid type, SQLite's 32 hex characters (as
    Django's UUIDField writes it there); any other value as it is."""
    if isinstance(value, uuid.UUID) and connection.vendor != "postgresql":
        return value.hex
    return value
