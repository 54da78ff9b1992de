"""The on-disk workspace: a rebuildable copy of every project's files, laid out like the export zip.

`<MODELER_WORKSPACE_DIR>/<owner>/<project-name>/` (project names are unique per owner only, so
the owner keeps two owners' projects apart). Every write is atomic (temp file, fsync,
os.replace) so readers never see a torn file. The database is the source of truth: a failed
write is logged, never reported as a failed save, and `manage.py rebuild_workspace` repairs it.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


def project_dir(owner_username: str, project_name: str) -> Path:
    return Path(settings.MODELER_WORKSPACE_DIR) / owner_username / project_name


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_files(root: Path, files: dict[str, bytes], remove: tuple[str, ...] = ()) -> bool:
    """Write `files` (relative paths) under root and remove `remove`; False (logged) on failure."""
    try:
        for relative, data in files.items():
            _write_atomic(root / relative, data)
        for relative in remove:
            if relative not in files:
                (root / relative).unlink(missing_ok=True)
        return True
    except OSError:
        logger.exception("workspace write failed under %s; rebuild_workspace will repair it", root)
        return False


def remove_tree(root: Path) -> None:
    try:
        shutil.rmtree(root, ignore_errors=False)
    except FileNotFoundError:
        pass
    except OSError:
        logger.exception("could not remove workspace folder %s", root)


def move_tree(old: Path, new: Path) -> None:
    try:
        if old.exists() and old != new:
            new.parent.mkdir(parents=True, exist_ok=True)
            if new.exists():
                shutil.rmtree(new)
            os.replace(old, new)
    except OSError:
        logger.exception("could not move workspace folder %s to %s", old, new)
