"""The model-type registry: what each kind of model is, so that storage stays generic.

A ModelType knows its folder in the zip and workspace, its file suffix and media type, its
size cap, its initial content, how to check content, and its derived files. Apps register
their type in AppConfig.ready(); adding a kind of model is one app and one registration.
Pure module: no Django import.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from modeler.problems import Problem, ValidationFailed


@dataclass(frozen=True)
class ContentCheck:
    """What a content check found: semantic problems to store and report, and parsed facts."""

    problems: list[Problem] = field(default_factory=list)
    name: str | None = None  # the model name the content declares, when it declares one
    parsed: Any = None


@dataclass(frozen=True)
class ModelType:
    name: str
    folder: str
    suffix: str
    media_type: str
    accepted_media_types: tuple[str, ...]
    max_bytes: int
    initial_content: Callable[[str, str], bytes]
    # Raises ValidationFailed for content that must be refused; returns a ContentCheck otherwise.
    check_content: Callable[[bytes], ContentCheck]
    # check_content started now and read later: returns an object whose early() is the check's
    # name and outline (`parsed`) without its problems, and result() the whole check (both may
    # raise), so that a save locks its row and completes the extensions while a large file is
    # being checked (in worker threads); called with among_many=True for one file of many checked
    # one after the other (an import's: each file is checked whole in one thread, the files side
    # by side). None: check_content runs at once.
    start_check: Callable[..., Any] | None = None
    # Rewrites the name the content declares (used when the model is renamed); None: no name inside.
    rename_content: Callable[[bytes, str], bytes] | None = None
    # Extra files written beside the content file, from (model id, name, content, extensions).
    derived_files: Callable[[str, str, bytes, Any], Mapping[str, bytes]] = lambda *model: {}
    # The names of those files for a model name (without building them).
    derived_names: Callable[[str], tuple[str, ...]] = lambda name: ()
    # Completes what is stored beside the content (a process's extensions) and finds the problems
    # that need the project: (project, check, sent extensions or ..., stored model or None)
    # → (extensions to store, more problems). Runs inside the saving transaction; may refuse.
    complete_save: Callable[[Any, ContentCheck, Any, Any], tuple[Any, list[Problem]]] | None = None
    # Called inside the saving transaction with the stored model and its check (derived rows).
    after_save: Callable[[Any, ContentCheck], None] | None = None
    # complete_save for the new models of an import, in their order, each one completed as if
    # those before it were already stored: (project, [(model name, check, sent extensions or
    # ...)]) → one (extensions, more problems) per model, lazily (it may refuse at any of them).
    complete_new: (
        Callable[[Any, list[tuple[str, ContentCheck, Any]]], Iterator[tuple[Any, list[Problem]]]] | None
    ) = None
    # after_save for many stored models at once: [(model, check)].
    after_saves: Callable[[list[tuple[Any, ContentCheck]]], None] | None = None
    # The extensions a row stores, read back from its packed derived files (model name, packed)
    # → extensions, or None when they do not hold them: a save reads these instead of the JSON
    # column (PostgreSQL's jsonb → text conversion costs more than the file it packs anyway).
    stored_extensions: Callable[[str, Any], Any] | None = None
    # JSON Schemas served at /schemas/<key>.
    schemas: Mapping[str, Callable[[], dict]] = field(default_factory=dict)

    def file_name(self, model_name: str) -> str:
        return f"{self.folder}/{model_name}{self.suffix}"

    def packed_derived_files(self, model_id: str, model_name: str, content: bytes, extensions: Any) -> bytes:
        """What `Model.derived_files` holds for this content, extensions and name."""
        return pack_derived_files(model_name, self.derived_files(model_id, model_name, content, extensions))

    def file_names(self, model_name: str) -> tuple[str, ...]:
        """Every file a model of this name has in the zip/workspace layout."""
        return (self.file_name(model_name), *(f"{self.folder}/{n}" for n in self.derived_names(model_name)))


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]{0,39})["']""")


def content_text(content: bytes) -> str:
    """Stored content as text for an editor, in whatever encoding the API accepted it.

    A byte-order mark wins, then UTF-32 or UTF-16 without one (`<` as four- or two-byte
    units), then an XML
    declaration's encoding, then UTF-8; undecodable bytes become U+FFFD rather than an error,
    so whatever the API stored, the editors open.
    """
    encoding = "utf-8"
    for bom, name in _BOMS:
        if content.startswith(bom):
            content, encoding = content[len(bom) :], name
            break
    else:
        if content.startswith(b"<\x00\x00\x00"):
            encoding = "utf-32-le"
        elif content.startswith(b"\x00\x00\x00<"):
            encoding = "utf-32-be"
        elif content.startswith(b"<\x00?\x00"):
            encoding = "utf-16-le"
        elif content.startswith(b"\x00<\x00?"):
            encoding = "utf-16-be"
        elif match := _XML_ENCODING.match(content):
            encoding = match.group(1).decode("ascii")
    try:
        return content.decode(encoding, errors="replace")
    except LookupError:
        return content.decode("utf-8", errors="replace")


_PACK_HEAD = b"derived-files/1\n"


def pack_derived_files(model_name: str, files: Mapping[str, bytes]) -> bytes:
    """A model's derived files as one value to store beside it: the model name they were made
    for, then each file's name and bytes, length-prefixed (bytes stay bytes, whatever they hold)."""
    parts = [_PACK_HEAD, _frame(model_name.encode())]
    for name, data in files.items():
        parts += [_frame(name.encode()), _frame(data)]
    return b"".join(parts)


def unpack_derived_files(model_name: str, packed: bytes | memoryview | None) -> dict[str, bytes] | None:
    """The files `pack_derived_files` stored, or None when there are none or they were made for
    another name (the model was renamed since: they name it inside)."""
    if packed is None:
        return None
    data = bytes(packed)
    if not data.startswith(_PACK_HEAD):
        return None
    at = len(_PACK_HEAD)
    stored_name, at = _unframe(data, at)
    if stored_name != model_name.encode():
        return None
    files = {}
    while at < len(data):
        name, at = _unframe(data, at)
        files[name.decode()], at = _unframe(data, at)
    return files


# The derived files an import has just made and stored, by model id: (model name, extensions they
# were made from, packed files); the workspace rebuild that follows reads them instead of making
# them again (`made_derived_files`).
_JUST_MADE: ContextVar[Mapping[str, tuple[str, Any, bytes]] | None] = ContextVar(
    "derived_files_made", default=None
)


@contextmanager
def reusing_derived_files(made: Mapping[str, tuple[str, Any, bytes]]) -> Iterator[None]:
    token = _JUST_MADE.set(made)
    try:
        yield
    finally:
        _JUST_MADE.reset(token)


def made_derived_files(model_id: str, model_name: str, extensions: Any) -> dict[str, bytes] | None:
    """The files `reusing_derived_files` holds for this model, name and (equal) extensions, if any."""
    made = _JUST_MADE.get()
    found = made.get(model_id) if made is not None else None
    if found is None or found[0] != model_name or found[1] != extensions:
        return None
    return unpack_derived_files(model_name, found[2])


def _frame(data: bytes) -> bytes:
    return len(data).to_bytes(8, "big") + data


def _unframe(data: bytes, at: int) -> tuple[bytes, int]:
    size = int.from_bytes(data[at : at + 8], "big")
    end = at + 8 + size
    if end > len(data):
        raise ValueError("truncated derived files")
    return data[at + 8 : end], end


_REGISTRY: dict[str, ModelType] = {}


def register(model_type: ModelType) -> None:
    _REGISTRY[model_type.name] = model_type


def model_type(name: object) -> ModelType:
    if isinstance(name, str) and name in _REGISTRY:
        return _REGISTRY[name]
    known = ", ".join(sorted(_REGISTRY))
    raise ValidationFailed(
        f"Unknown model type: {str(name)[:40]}",
        [Problem("Unknown model type", f"The type must be one of: {known}")],
    )


def schema(key: str) -> dict | None:
    for registered in _REGISTRY.values():
        if key in registered.schemas:
            return registered.schemas[key]()
    return None


def registered_types() -> list[ModelType]:
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]
