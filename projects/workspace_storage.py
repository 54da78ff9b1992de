"""Where the workspace's files live: the storage named "workspace" in `settings.STORAGES`.

Two shapes behind one small set of tree operations (`write_bytes`, `read_bytes`, `delete`,
`listdir`, `remove_tree`, `move_tree`), all on names relative to the workspace's top:

- `LocalWorkspaceStorage` (the default): a `FileSystemStorage` at `MODELER_WORKSPACE_DIR` (read
  at each use, so a test or a benchmark may point it elsewhere at run time). Every write is a
  temp file, an fsync (unless the caller asks for none) and an `os.replace`, so readers never see
  a torn file; every path is checked, after resolving links, to stay strictly below the root, and
  `listdir` never reports a link as a folder, so nothing walks or writes through a planted symlink.
  Folders move with one `os.replace`. A shared volume (NFS, CephFS …) mounted at the same path on
  every app server is this storage too.
- `StorageTree` adapts any other Django storage (django-storages' `S3Storage` for S3-compatible
  object stores) through the public storage API: save (overwriting), open, delete, listdir. On
  object storage a folder is the prefix of its keys, a folder's move is a copy of each of its
  files and a delete of the old ones, and every error of the backend is an `OSError` here, so
  the workspace writer logs it and leaves the repair to `rebuild_workspace`, as with a full disk.

Imports Django's storage API only: no models, nothing of the services.
"""

from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import secrets
import shutil
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePath, PurePosixPath

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage


class OutsideWorkspace(OSError):
    """A path that would leave the workspace root (a link, or a name that is no path element)."""


class WorkspaceStorageError(OSError):
    """The workspace's storage refused an operation (an object store's error, carried as its cause)."""


class LocalWorkspaceStorage(FileSystemStorage):
    """The workspace in a local (or shared-volume) folder: atomic, fsync'd, never out of the root."""

    def __init__(self, location=None, **options):
        options.setdefault("allow_overwrite", True)
        super().__init__(location=location, **options)

    # Read at each use, not cached: tests and benchmarks assign MODELER_WORKSPACE_DIR at run time.
    @property
    def base_location(self):
        return self._location if self._location is not None else settings.MODELER_WORKSPACE_DIR

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def top(self) -> PurePath:
        return Path(self.location)

    def path(self, name: str) -> str:
        """The file system path of `name`, refused unless it resolves (links followed) strictly below the root."""
        root = self.location
        path = os.path.join(root, name)
        _inside(path, root)
        return path

    def _parent_inside(self, name: str) -> str:
        """The path of `name` whose folder resolves below the root (the entry itself may be a link)."""
        root = self.location
        path = os.path.join(root, name)
        parent, entry = os.path.split(os.path.normpath(path))
        if entry in ("", ".", ".."):
            raise OutsideWorkspace(f"{name!r} names no entry of the workspace {root}")
        if os.path.realpath(parent) != os.path.realpath(root):
            _inside(parent, root)
        return os.path.join(parent, entry)

    # --- the tree operations -----------------------------------------------------------------

    def write_bytes(self, name: str, data: bytes, durable: bool = True) -> None:
        """Replace `name` atomically (temp file, fsync unless `durable=False`, os.replace)."""
        root = self.location
        path = os.path.join(root, name)
        _inside(path, root)
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        _inside(folder, root)  # a link created meanwhile is caught before anything is written
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
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

    def write_many(self, files: Mapping[str, bytes], durable: bool = True) -> None:
        """`write_bytes` of each of `files` (name → bytes), in their order, with each folder
        made and resolved once rather than once per file: a file is checked by resolving its
        folder (links followed, as `write_bytes` does) and, when its entry is a link, the link;
        then it is a temp file created beside it (never through a link), written, fsync'd unless
        `durable=False`, and os.replace'd over the entry. An import writes hundreds of files."""
        root = self.location
        mark = secrets.token_hex(4)  # this call's temp files: .<entry>.<mark>.tmp
        folders: dict[str, str] = {}  # folder as named → as resolved (and checked)
        for name, data in files.items():
            path = os.path.join(root, name)
            folder, entry = os.path.split(path)
            if entry in ("", ".", ".."):
                raise OutsideWorkspace(f"{name!r} names no file of the workspace {root}")
            real = folders.get(folder)
            if real is None:
                _inside(folder, root)  # nothing is made for a folder outside the root
                os.makedirs(folder, exist_ok=True)
                real = folders[folder] = _inside(folder, root)  # a link made meanwhile is caught
            target = os.path.join(real, entry)
            try:
                if stat.S_ISLNK(os.lstat(target).st_mode):
                    _inside(target, root)  # a link is replaced only when it points inside
            except FileNotFoundError:
                pass
            _replace(target, data, durable, mark)

    def replace_tree(self, name: str, files: Mapping[str, bytes]) -> None:
        """Make the folder `name` hold `files` (paths relative to it → bytes) and nothing else:
        `stage_tree`, then `StagedTree.swap_in`."""
        self.stage_tree(name, files).swap_in()

    def stage_tree(self, name: str, files: Mapping[str, bytes]) -> StagedTree:
        """The new content of the folder `name`, written and not yet in its place.

        The files are written, without fsync (a whole folder the database can rebuild), into a
        new temp folder beside it (`.<entry>.<mark>.tmp`, made by us: nothing can be planted in
        it); `StagedTree.swap_in` then puts it in the folder's place with a rename: readers see
        the old folder or the new one whole, and each file costs no rename of its own (an import
        writes hundreds). The temp folder goes on any failure.
        """
        root = self.location
        target = self._parent_inside(name)
        parent, entry = os.path.split(target)
        made_parent = not os.path.isdir(parent)
        os.makedirs(parent, exist_ok=True)
        _inside(parent, root)  # a link made meanwhile is caught before anything is written
        staged = StagedTree(root, target, _new_folder(parent, f".{entry}", "tmp"), made_parent)
        try:
            staged.add(files)
        except BaseException:
            staged.discard()
            raise
        return staged

    def read_bytes(self, name: str) -> bytes:
        with open(self.path(name), "rb") as handle:
            return handle.read()

    def delete(self, name: str) -> None:
        """Remove the entry `name` (a file, a link: never what a link points at; an empty folder)."""
        path = self._parent_inside(name)
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                os.rmdir(path)
            else:
                os.unlink(path)
        except FileNotFoundError:
            pass

    def exists(self, name: str) -> bool:
        return os.path.lexists(self._parent_inside(name))

    def listdir(self, name: str) -> tuple[list[str], list[str]]:
        """(folders, files) in `name`; a link, even to a folder, is listed as a file and never entered."""
        folders: list[str] = []
        files: list[str] = []
        with os.scandir(self.location if name in ("", ".") else self.path(name)) as entries:
            for entry in entries:
                (folders if entry.is_dir(follow_symlinks=False) else files).append(entry.name)
        return folders, files

    def remove_tree(self, name: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.path(name))

    def move_tree(self, old: str, new: str) -> None:
        old_path, new_path = self.path(old), self.path(new)
        if old_path == new_path or not os.path.exists(old_path):
            return
        os.makedirs(os.path.dirname(new_path), exist_ok=True)
        if os.path.lexists(new_path):
            shutil.rmtree(new_path)
        os.replace(old_path, new_path)

    # --- the storage API's save, made atomic and durable ----------------------------------------

    def _save(self, name, content):
        content.seek(0)
        data = content.read()
        self.write_bytes(name, data if isinstance(data, bytes) else data.encode())
        return name.replace("\\", "/")


class StagedTree:
    """A local folder's new content in its temp folder (`LocalWorkspaceStorage.stage_tree`)."""

    def __init__(self, root: str, target: str, staging: str, made_parent: bool = False) -> None:
        self._root, self._target, self._staging = root, target, staging
        self._made = {staging}
        self._made_parent = made_parent  # (an owner's folder the staging made goes with it)

    def add(self, files: Mapping[str, bytes]) -> None:
        """Write more new files into the temp folder."""
        for relative, data in files.items():
            path = os.path.join(self._staging, _plain_relative(relative))
            folder = os.path.dirname(path)
            if folder not in self._made:
                os.makedirs(folder, exist_ok=True)
                self._made.add(folder)
            _write_new(path, data)

    def swap_in(self) -> None:
        """Put the temp folder in the folder's place. What stood there (a folder, with any link
        planted in it, or a link) goes, never what a link points at; the temp folder goes on any
        failure."""
        try:
            _inside(os.path.dirname(self._target), self._root)  # (checked again: time has passed)
            _swap_in(self._staging, self._target)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        """Remove the temp folder (and the folder made for it, left empty), where it still lies
        inside the workspace: never through a link planted in its place meanwhile."""
        try:
            _inside(self._staging, self._root)
        except OutsideWorkspace:
            return
        shutil.rmtree(self._staging, ignore_errors=True)
        if self._made_parent:
            with contextlib.suppress(OSError):  # (not empty: another writer's meanwhile)
                os.rmdir(os.path.dirname(self._staging))


class PendingTree:
    """An object-store folder's new content, kept in memory until `swap_in` writes it (an object
    store has no folder to rename into place); the same methods as `StagedTree`."""

    def __init__(self, store: StorageTree, name: str, files: Mapping[str, bytes]) -> None:
        self._store, self._name, self._files = store, name, dict(files)

    def add(self, files: Mapping[str, bytes]) -> None:
        self._files.update(files)

    def swap_in(self) -> None:
        self._store.replace_tree(self._name, self._files)

    def discard(self) -> None:
        self._files = {}


def _inside(path: str, root: str) -> str:
    """`path` resolved (links followed); OutsideWorkspace unless that lies strictly below the root."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(path)
    if real == real_root or not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise OutsideWorkspace(f"{path} resolves to {real}, outside the workspace {real_root}")
    return real


_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _new_folder(parent: str, prefix: str, suffix: str) -> str:
    """A new empty folder `<prefix>.<mark>.<suffix>` in `parent` (made as os.makedirs makes one)."""
    for _ in range(100):
        path = os.path.join(parent, f"{prefix}.{secrets.token_hex(4)}.{suffix}")
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary folder name", parent)


def _plain_relative(relative: str) -> str:
    """`relative` when it is a path of plain elements below a folder (`_check_name`, and no
    backslash); OutsideWorkspace otherwise."""
    _check_name(relative)
    if "\\" in relative:
        raise OutsideWorkspace(f"{relative!r} is no path inside a project folder")
    return relative


def _write_new(path: str, data: bytes) -> None:
    """A new file (mode 0600, as the temp files `_replace` renames into place)."""
    fd = os.open(path, _NEW_FILE, 0o600)
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _swap_in(staging: str, target: str) -> None:
    """Put the folder `staging` where `target` is: a folder there is renamed aside, then removed
    once `staging` took its place; a link or a file there is removed itself (not what it points at)."""
    if not os.path.lexists(target):
        os.rename(staging, target)
        return
    if os.path.islink(target) or not os.path.isdir(target):
        os.unlink(target)
        os.rename(staging, target)
        return
    parent, entry = os.path.split(target)
    old = os.path.join(parent, f".{entry}.{secrets.token_hex(4)}.old")
    os.rename(target, old)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _replace(path: str, data: bytes, durable: bool, mark: str) -> None:
    """Write `data` to a new temp file `.<entry>.<mark>.tmp` beside `path` (mode 0600, as mkstemp
    makes it; another random mark when that name is taken), fsync it unless `durable=False`, then
    os.replace it over `path`; the temp file goes on any failure."""
    folder, entry = os.path.split(path)
    for _ in range(100):
        tmp = os.path.join(folder, f".{entry}.{mark}.tmp")
        try:
            fd = os.open(tmp, _NEW_FILE, 0o600)
            break
        except FileExistsError:
            mark = secrets.token_hex(4)
    else:
        raise FileExistsError(errno.EEXIST, "no unused temporary file name", path)
    try:
        try:
            _write_all(fd, data)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class StorageTree:
    """The tree operations on any Django storage (object storage: S3, MinIO, Ceph …)."""

    def __init__(self, storage: Storage):
        self.storage = storage

    def top(self) -> PurePath:
        """Not a local folder: the key prefix the storage writes under, as a path from `/`."""
        return PurePosixPath("/", getattr(self.storage, "location", "") or "")

    def _call(self, operation, name: str, *args, top: bool = False):
        if not (top and name == ""):  # the top itself is only ever listed
            _check_name(name)
        try:
            return operation(name, *args)
        except OSError:
            raise
        except Exception as error:  # noqa: BLE001 (a backend's own errors: botocore's, a SuspiciousFileOperation …)
            raise WorkspaceStorageError(
                f"workspace storage: {operation.__name__}({name!r}) failed: {error}"
            ) from error

    def write_bytes(self, name: str, data: bytes, durable: bool = True) -> None:
        """One PUT: an object store never shows a torn object and keeps what it acknowledged, so
        `durable` has nothing left to ask for."""
        saved = self._call(self.storage.save, name, ContentFile(data))
        if saved != name:  # a backend that would not overwrite wrote a second file beside it
            self._call(self.storage.delete, saved)
            raise WorkspaceStorageError(f"workspace storage saved {name!r} as {saved!r}: allow overwriting")

    def write_many(self, files: Mapping[str, bytes], durable: bool = True) -> None:
        for name, data in files.items():
            self.write_bytes(name, data, durable)

    def stage_tree(self, name: str, files: Mapping[str, bytes]) -> PendingTree:
        return PendingTree(self, name, files)

    def replace_tree(self, name: str, files: Mapping[str, bytes]) -> None:
        """The folder's old files go, then each new one is written (an object store has no
        folder to rename: a reader may see it emptied, then filled)."""
        self.remove_tree(name)
        self.write_many({posixpath.join(name, relative): data for relative, data in files.items()}, False)

    def read_bytes(self, name: str) -> bytes:
        def read(name):
            with self.storage.open(name, "rb") as handle:
                return handle.read()

        return self._call(read, name)

    def delete(self, name: str) -> None:
        self._call(self.storage.delete, name)

    def listdir(self, name: str) -> tuple[list[str], list[str]]:
        folders, files = self._call(self.storage.listdir, "" if name in ("", ".") else name, top=True)
        return list(folders), list(files)

    def remove_tree(self, name: str) -> None:
        for relative in files_below(self, name):
            self.delete(posixpath.join(name, relative))

    def move_tree(self, old: str, new: str) -> None:
        """Copy each file of `old` to `new` (whatever `new` held first goes), then drop `old`'s."""
        if old == new:
            return
        moving = files_below(self, old)
        if not moving:
            return
        self.remove_tree(new)
        for relative in moving:
            self.write_bytes(posixpath.join(new, relative), self.read_bytes(posixpath.join(old, relative)))
        for relative in moving:
            self.delete(posixpath.join(old, relative))


def _check_name(name: str) -> None:
    """An object store knows no links, but a name must still be a path of plain elements."""
    parts = name.split("/")
    if name.startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise OutsideWorkspace(f"{name!r} is no path inside the workspace")


def walk(tree, name: str = "") -> tuple[set[str], set[str]]:
    """(files, folders) below `name`, relative to it; nothing when `name` does not exist."""
    files: set[str] = set()
    folders: set[str] = set()
    pending = [""]
    while pending:
        relative = pending.pop()
        try:
            below, entries = tree.listdir(posixpath.join(name, relative) if relative else name)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            files.add(posixpath.join(relative, entry))
        for entry in below:
            folder = posixpath.join(relative, entry)
            folders.add(folder)
            pending.append(folder)
    return files, folders


def files_below(tree, name: str) -> list[str]:
    return sorted(walk(tree, name)[0])
