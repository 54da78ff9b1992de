"""The on-disk workspace: a rebuildable copy of every project's files, laid out like the export zip.

`<MODELER_WORKSPACE_DIR>/<owner id>/<project-name>/`. Project names are unique per owner only,
so the owner keeps two owners' projects apart; the owner is named by the user's numeric id, never
the username (`.` and `..` are valid usernames, and a username is no path element). Every path is
checked, after resolving links, to stay inside the workspace root, so neither a name nor a
symlink planted in the tree can make the writer touch anything outside it.

Every write is atomic (temp file, fsync, os.replace) so readers never see a torn file. The
database is the source of truth: a failed write is logged, never reported as a failed save, and
`manage.py rebuild_workspace` repairs it.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


class OutsideWorkspace(OSError):
    """A path that would leave the workspace root (a link, or a name that is no path element)."""


def root() -> Path:
    return Path(settings.MODELER_WORKSPACE_DIR)


def project_dir(owner_id: int, project_name: str) -> Path:
    """The folder of one project; the owner's numeric id names the level above it."""
    if not isinstance(owner_id, int) or isinstance(owner_id, bool):
        raise TypeError("the workspace names an owner by the user's numeric id")
    return root() / str(owner_id) / project_name


def _inside_root(path: Path) -> Path:
    """`path` itself, if it resolves (links followed) to a place strictly below the root."""
    real_root = root().resolve()
    real = path.resolve()
    if real == real_root or not real.is_relative_to(real_root):
        raise OutsideWorkspace(f"{path} resolves to {real}, outside the workspace {real_root}")
    return path


def _write_atomic(path: Path, data: bytes, durable: bool = True) -> None:
    _inside_root(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _inside_root(path.parent)  # a link created meanwhile is caught before anything is written
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_files(
    folder: Path, files: dict[str, bytes], remove: tuple[str, ...] = (), *, durable: bool = True
) -> bool:
    """Write `files` (relative paths) under a project folder and remove `remove`; False (logged) on failure.

    Each file is replaced atomically (readers never see a torn file). `durable=False` skips the
    fsync of each file, for whole-folder rebuilds of hundreds of files: the folder is a copy the
    database can always rebuild, so a crash costs a rebuild, never a save.
    """
    try:
        for relative, data in files.items():
            _write_atomic(folder / relative, data, durable)
        for relative in remove:
            if relative not in files:
                _inside_root(folder / relative).unlink(missing_ok=True)
        return True
    except OSError:
        logger.exception("workspace write failed under %s; rebuild_workspace will repair it", folder)
        return False


def remove_tree(folder: Path) -> None:
    try:
        shutil.rmtree(_inside_root(folder), ignore_errors=False)
    except FileNotFoundError:
        pass
    except OSError:
        logger.exception("could not remove workspace folder %s", folder)


def move_tree(old: Path, new: Path) -> None:
    try:
        if old.exists() and old != new:
            _inside_root(old)
            _inside_root(new)
            new.parent.mkdir(parents=True, exist_ok=True)
            if new.exists():
                shutil.rmtree(new)
            os.replace(old, new)
    except OSError:
        logger.exception("could not move workspace folder %s to %s", old, new)
