"""Model fields of our own: `JSONTextField`, JSON stored as the text we send.

Django's JSONField is PostgreSQL's `jsonb`: the server parses every value sent into its binary
form and turns it back into text for every read. Nothing queries inside a model's extensions, so
they are stored as `json` instead: PostgreSQL checks the text is JSON and keeps it as sent (the
Encoder's compact orjson text), and gives it back as is. The jsonb conversion of a 200-process
import's 6 MB of extensions was 50 ms of the server's 140 ms. The values read back are the same
(parsed by the field's decoder); only an object's key order, which no code relies on, follows
the text sent rather than jsonb's. Other databases store JSONField's text as before.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from psycopg.types.json import Json

from modeler import fast_json


class JSONTextField(models.JSONField):
    """A JSONField stored as PostgreSQL `json` (checked text), not `jsonb` (parsed, converted)."""

    def db_type(self, connection) -> str | None:
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection, prepared: bool = False) -> Any:
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        if not prepared:
            value = self.get_prep_value(value)
        return Json(value, dumps=self._dumps)

    def _dumps(self, value: Any) -> str:
        encoder = self.encoder or fast_json.Encoder
        return encoder().encode(value)

    def from_db_value(self, value: Any, expression, connection) -> Any:
        if value is None or isinstance(value, str | bytes | bytearray):
            return super().from_db_value(value, expression, connection)
        return value  # (a driver that parsed the json column already)


def read_json_as_text(sender, connection, **kwargs) -> None:
    """`connection_created` receiver: PostgreSQL `json` values come back as text, which the field's
    decoder (orjson) parses, as Django has jsonb's come back (psycopg would parse them with the
    json module)."""
    if connection.vendor == "postgresql":
        from psycopg.types.string import TextLoader

        connection.connection.adapters.register_loader("json", TextLoader)
