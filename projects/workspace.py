"""The workspace: a rebuildable copy of every project's files, laid out like the export zip.

`<top>/<owner id>/<project-name>/`, where the top is the storage named "workspace" in
`settings.STORAGES` (projects/workspace_storage.py): by default the local folder
`MODELER_WORKSPACE_DIR`, or a prefix in an S3-compatible bucket. Project names are unique per
owner only, so the owner keeps two owners' projects apart; the owner is named by the user's
numeric id, never the username (`.` and `..` are valid usernames, and a username is no path
element). Locally every path is checked, after resolving links, to stay inside the workspace
root, so neither a name nor a symlink planted in the tree can make the writer touch anything
outside it.

Folders are handed out as paths below `root()`: real paths of the local folder, or (object
storage) pure paths below `/<prefix>` that only name keys. Every write is atomic (locally: temp
file, fsync, os.replace; on object storage: one PUT) so readers never see a torn file. The
database is the source of truth: a failed write is logged, never reported as a failed save, and
`manage.py rebuild_workspace` repairs it.
"""

from __future__ import annotations

import logging
import os  # noqa: F401  (tests/processes/test_faults.py crashes the local write through workspace.os.replace)
import threading
from collections.abc import Callable
from pathlib import PurePath, PurePosixPath

from django.core.files.storage import storages

from projects.workspace_storage import LocalWorkspaceStorage, OutsideWorkspace, StorageTree, walk

__all__ = [
    "OutsideWorkspace",
    "project_dir",
    "root",
    "write_files",
    "replace_folder",
    "start_staging",
    "remove_tree",
    "move_tree",
]

logger = logging.getLogger(__name__)


def tree() -> LocalWorkspaceStorage | StorageTree:
    """The workspace storage's tree operations (the local storage has them itself)."""
    storage = storages["workspace"]
    return storage if isinstance(storage, LocalWorkspaceStorage) else StorageTree(storage)


def root() -> PurePath:
    """The workspace's top: the local folder (a Path), or `/<prefix>` on object storage."""
    return tree().top()


def project_dir(owner_id: int, project_name: str) -> PurePath:
    """The folder of one project; the owner's numeric id names the level above it."""
    if not isinstance(owner_id, int) or isinstance(owner_id, bool):
        raise TypeError("the workspace names an owner by the user's numeric id")
    return root() / str(owner_id) / project_name


def name_of(path: PurePath, top: PurePath | None = None) -> str:
    """`path` as a storage name, relative to the top ('' for the top itself)."""
    try:
        relative = PurePosixPath(PurePath(path).relative_to(top if top is not None else root()))
    except ValueError:
        raise OutsideWorkspace(f"{path} is not below the workspace {top or root()}") from None
    return "" if str(relative) == "." else relative.as_posix()


def write_files(
    folder: PurePath, files: dict[str, bytes], remove: tuple[str, ...] = (), *, durable: bool = True
) -> bool:
    """Write `files` (relative paths) under a project folder and remove `remove`; False (logged) on failure.

    Each file is replaced atomically (readers never see a torn file). `durable=False` skips the
    fsync of each file, for whole-folder rebuilds of hundreds of files: the folder is a copy the
    database can always rebuild, so a crash costs a rebuild, never a save.
    """
    try:
        store = tree()
        base = name_of(folder, store.top())
        store.write_many({f"{base}/{relative}": data for relative, data in files.items()}, durable)
        emptied = set()
        for relative in remove:
            if relative not in files:
                store.delete(f"{base}/{relative}")
                emptied.update(
                    str(parent) for parent in PurePosixPath(relative).parents if str(parent) != "."
                )
        for relative in sorted(emptied, key=len, reverse=True):  # deepest first
            _remove_if_empty(store, f"{base}/{relative}")
        return True
    except OSError:
        logger.exception("workspace write failed under %s; rebuild_workspace will repair it", folder)
        return False


def replace_folder(folder: PurePath, files: dict[str, bytes]) -> bool:
    """Make a project folder hold `files` (relative paths) and nothing else; False (logged) on
    failure. Locally the new folder is written beside the old one and takes its place with one
    rename (readers never see it half written); see `LocalWorkspaceStorage.replace_tree`."""
    try:
        store = tree()
        store.replace_tree(name_of(folder, store.top()), files)
        return True
    except OSError:
        logger.exception("workspace write failed under %s; rebuild_workspace will repair it", folder)
        return False


class StagedFolder:
    """A project folder's new files being written beside it in a worker thread (`start_staging`),
    to be put in its place (`finish`) or dropped (`discard`), exactly once."""

    def __init__(self, folder: PurePath, files: Callable[[], dict[str, bytes]]) -> None:
        self.folder = folder
        self._staged = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._stage, args=(files,), name="workspace-staging")
        self._thread.start()

    def _stage(self, files: Callable[[], dict[str, bytes]]) -> None:
        try:
            store = tree()
            self._staged = store.stage_tree(name_of(self.folder, store.top()), files())
        except BaseException as exc:  # (handed to the caller's thread by `finish`)
            self._error = exc

    def finish(self, more: dict[str, bytes]) -> bool:
        """Add `more` files and put the folder in its place: `replace_folder` of all the files.
        False (logged) on any failure, here or in the worker thread: the folder as it was and no
        temp folder left (the import has committed: `rebuild_workspace` repairs the folder)."""
        self._thread.join()
        try:
            if self._error is not None:
                raise self._error
            self._staged.add(more)
            self._staged.swap_in()
            self._staged = None
            return True
        except BaseException as exc:
            self.discard()
            if not isinstance(exc, Exception):
                raise
            logger.exception("workspace write failed under %s; rebuild_workspace will repair it", self.folder)
            return False

    def discard(self) -> None:
        self._thread.join()
        if self._staged is not None:
            self._staged.discard()
            self._staged = None


def start_staging(folder: PurePath, files: Callable[[], dict[str, bytes]]) -> StagedFolder | None:
    """Start writing a project folder's new files (`files()`, made in the worker thread too)
    beside it while the caller goes on (an import commits meanwhile); see `replace_folder`.
    None when no thread can be started: the caller writes the folder later, as before."""
    try:
        return StagedFolder(folder, files)
    except RuntimeError:  # can't start new thread
        logger.warning("workspace of %s not staged: no thread to write it in", folder)
        return None


def _remove_if_empty(store, name: str) -> None:
    """A folder a removal left without any entry goes too (a rebuild would not make it; on object
    storage a folder is only the prefix of its files, so there is nothing to remove)."""
    if not isinstance(store, LocalWorkspaceStorage):
        return
    try:
        folders, files = store.listdir(name)
    except (FileNotFoundError, NotADirectoryError):
        return
    if not folders and not files:
        store.delete(name)


def remove_tree(folder: PurePath) -> None:
    try:
        tree().remove_tree(name_of(folder))
    except OSError:
        logger.exception("could not remove workspace folder %s", folder)


def move_tree(old: PurePath, new: PurePath) -> None:
    """Move a folder: one rename locally; on object storage a copy of each file, then the old ones go."""
    try:
        tree().move_tree(name_of(old), name_of(new))
    except OSError:
        logger.exception("could not move workspace folder %s to %s", old, new)


def read_bytes(name: str) -> bytes:
    """The file `name` (relative to the top); OSError when it cannot be read."""
    return tree().read_bytes(name)


def remove_file(name: str) -> None:
    tree().delete(name)


def subfolders(folder: PurePath) -> list[str]:
    """The names of the folders directly in `folder` (none when it does not exist)."""
    try:
        return sorted(tree().listdir(name_of(folder))[0])
    except (FileNotFoundError, NotADirectoryError):
        return []


def contents() -> tuple[set[str], set[str]]:
    """(files, folders) of the whole workspace, as names relative to the top."""
    return walk(tree())
