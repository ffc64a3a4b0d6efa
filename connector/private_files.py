"""Files at rest readable by their owner only, whatever the umask: the store (SQLite, with
its WAL and shared-memory files), the outbox (e-mails, letters, to-dos, the copies of what
was sent) and the dossiers hold customers' names, addresses and debts.

Folders relance creates are ``0700`` and files ``0600``: the modes are set explicitly after
creation, so a permissive umask (``000``) cannot widen them and a strict one cannot lock the
owner out. Folders that already existed are left as they are (a user's home, a mounted
volume); a SQLite store file that is wider than ``0600`` and belongs to this user is
narrowed when opened, with its WAL and shared-memory files (SQLite gives those the mode of
the database file)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

__all__ = ["FILE_MODE", "FOLDER_MODE", "private_database", "private_folders"]

log = logging.getLogger(__name__)

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def private_folders(folder: Path) -> None:
    """``folder`` and every missing parent, those created here ``0700``."""
    missing: list[Path] = []
    current = folder
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # made meanwhile (another thread or process): theirs
            continue
        os.chmod(path, FOLDER_MODE)


def private_database(path: Path) -> None:
    """Before SQLite opens ``path``: create it empty ``0600`` (an empty file is an empty
    database), or narrow an existing one of this user's, with its ``-wal`` and ``-shm``."""
    private_folders(path.parent)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            _narrow(file)
        return
    os.close(handle)
    os.chmod(path, FILE_MODE)


def _narrow(path: Path) -> None:
    try:
        found = path.stat()
    except FileNotFoundError:
        return
    if found.st_uid != os.getuid() or not found.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        return
    os.chmod(path, FILE_MODE)
    log.info("%s was readable by others: now by its owner only (0600)", path)
