"""Request-body parsers of the modeling API, capped and strict (RELIABILITY.md)."""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions, parsers

from modeler import strict_json
from modeler.strict_json import UNSTORABLE_TEXT


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "Request body is too large."
    default_code = "payload_too_large"


class JSONParseError(exceptions.ParseError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, code)


# A refused body is still read (and dropped) up to this much, so that the client, still sending,
# receives the 413 instead of a connection reset; beyond it the server closes the connection.
# modeler.middleware.DrainRequestBodyMiddleware does it for every request.
DRAIN_LIMIT_BYTES = 64 * 1024 * 1024
_DRAIN_CHUNK = 256 * 1024


def drain(stream, limit: int = DRAIN_LIMIT_BYTES) -> None:
    """Read and drop what is left of a request body, at most `limit` bytes."""
    left = limit
    while left > 0:
        chunk = stream.read(min(_DRAIN_CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)


def read_capped(stream, limit: int, what: str) -> bytes:
    """Read at most `limit` bytes; one byte more answers 413 naming the limit."""
    if stream is None:
        return b""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"{what} is larger than the limit of {limit} bytes ({limit // 1024} KiB).")
    return data


class StrictJSONParser(parsers.BaseParser):
    """JSON bodies through modeler.strict_json, capped at MODELER_MAX_JSON_BYTES."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        data = read_capped(stream, settings.MODELER_MAX_JSON_BYTES, "JSON body")
        try:
            return strict_json.loads(data)
        except strict_json.JSONInputError as exc:
            raise JSONParseError(exc.message, exc.code) from None


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, refusing text fields no database can store (NUL, unpaired
    surrogates) as the strict JSON parser does, instead of failing later with a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        for name, values in parsed.data.lists():
            for value in (name, *values):
                if isinstance(value, str) and UNSTORABLE_TEXT.search(value):
                    raise JSONParseError(
                        f"The form field '{name[:60]}' contains a NUL character or an unpaired surrogate, "
                        "which cannot be stored",
                        "invalid_text",
                    )
        return parsed
