"""All-or-none file output: a set of files appears complete or not at all.

Used by the generator (:func:`hdl.generate.write`, the Verilog and the files beside it) and by the
synthesis flow (:mod:`synth.flow`, its result records), so that an interrupt or a full disk never
leaves a half-written set or a truncated file behind.

::

    tmp = temporary(folder, temporaries)     # an empty file in the target folder, made early
    fill(tmp, text)
    put_in_place([(tmp, target, label), ...])  # renamed into place, all or none
    write_text(path, text)                   # one file, atomically
"""

import os
import secrets
import shutil

__all__ = ["OutputError", "reason", "quietly", "stat_or_none", "make_folders", "temporary",
           "fill", "put_in_place", "write_text"]

class OutputError(ValueError):
    """An output path that cannot be written (the ``sparq-rtl`` command exits with status 1)."""


def reason(exc):
    return exc.strerror or str(exc)


def quietly(call, *args):
    try:
        call(*args)
    except OSError:
        pass    # a clean-up step; the error being reported is the one that caused it


def stat_or_none(path):
    """``os.stat`` of ``path``, or None when it (or a folder on the way) does not exist."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def make_folders(folder, created):
    """Create ``folder`` and its missing parents, appending each one made to ``created``."""
    missing = []
    for f in (folder, *folder.parents):
        if stat_or_none(f) is not None:
            break
        missing.append(f)
    for f in reversed(missing):
        os.mkdir(f)
        created.append(f)


def temporary(folder, temporaries):
    """Create an empty temporary file in ``folder``; its path is appended to ``temporaries``."""
    while True:
        tmp = folder / f".sparq-rtl-{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)   # mode after umask
        except FileExistsError:
            continue
        os.close(fd)
        temporaries.append(tmp)
        return tmp


def fill(tmp, text):
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def _backup(target):
    """A second name for the existing file ``target`` (a hard link, else a copy)."""
    while True:
        backup = target.parent / f".sparq-rtl-{secrets.token_hex(6)}.bak"
        try:
            os.link(target, backup, follow_symlinks=False)
            return backup
        except FileExistsError:
            continue
        except OSError:
            break       # no hard links on this file system
    temporaries = []
    try:
        backup = temporary(target.parent, temporaries)
        shutil.copy2(target, backup, follow_symlinks=False)
    except BaseException:
        for tmp in temporaries:
            quietly(os.unlink, tmp)
        raise
    return backup


def put_in_place(moves):
    """Rename each ``(temporary, target, label)`` of ``moves`` onto its target: all or none.

    When a rename fails, the targets already replaced are restored from their backups (or
    removed when they did not exist before) and OutputError names the target that failed.
    """
    done, backups = [], []      # done: (target, its backup or None)
    try:
        for tmp, target, what in moves:
            try:
                backup = _backup(target) if os.path.lexists(target) else None
                if backup is not None:
                    backups.append(backup)
                os.replace(tmp, target)
            except OSError as exc:
                raise OutputError(f"{what} cannot be written: {reason(exc)}") from exc
            done.append((target, backup))
    except BaseException:
        for target, backup in reversed(done):
            if backup is not None:
                quietly(os.replace, backup, target)
            else:
                quietly(os.unlink, target)
        raise
    finally:
        for backup in backups:
            quietly(os.unlink, backup)     # gone already when it was used to restore


def write_text(path, text):
    """Write ``text`` to ``path`` atomically: a temporary file in the same folder, renamed onto
    ``path`` when complete (readers see the old file or the new one, never a part). OSError when
    the folder cannot take it (nothing is left behind)."""
    temporaries = []
    try:
        tmp = temporary(path.parent, temporaries)
        fill(tmp, text)
        os.replace(tmp, path)
    except BaseException:
        for tmp in temporaries:
            quietly(os.unlink, tmp)
        raise
