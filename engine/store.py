"""The result store: a folder of JSON records, one per task, named by the task's content key.

Layout of the folder ``ROOT``::

    ROOT/tasks/<key[:2]>/<key>.json     one record per task (see :class:`ResultStore`)

A record is written to a temporary file in the same folder and renamed over the final name, so
that a killed process leaves either the whole record or none (never a truncated one): a sweep
killed at any point resumes from the records present.
"""

import hashlib
import json
import os
import tempfile
from pathlib import Path

__all__ = ["ResultStore", "content_key", "RECORD_FORMAT"]

RECORD_FORMAT = "sparq-task-record/1"


def content_key(*parts):
    """SHA-256 (hex) of ``parts``, JSON-encoded with sorted keys: the key of a task whose result
    depends on exactly these inputs (e.g. the Verilog's hash, the target, the seed, the tool
    versions)."""
    doc = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(doc.encode()).hexdigest()


class ResultStore:
    """Task records under ``root`` (created on the first write).

    A record is a dict::

        {"format": RECORD_FORMAT, "key": str, "name": str, "status": "ok" | "failed",
         "result": JSON value (ok) | None, "error": str | None, "error_type": str | None,
         "log": str (failed: the tool's last lines or the traceback), "worker": str | None,
         "pid": int | None, "host": str | None, "started": float, "finished": float,
         "seconds": float, "workdir": str}
    """

    def __init__(self, root):
        self.root = Path(root)

    def path(self, key):
        if (not isinstance(key, str) or len(key) < 3
                or not all(c in "0123456789abcdef" for c in key)):
            raise ValueError(f"a result store key must be a lower-case hex string, not {key!r}")
        return self.root / "tasks" / key[:2] / f"{key}.json"

    def get(self, key):
        """The record stored under ``key``, or None (also for an unreadable file)."""
        path = self.path(key)
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return doc if isinstance(doc, dict) and doc.get("key") == key else None

    def put(self, record):
        """Store ``record`` (a dict with ``key``) atomically; returns its path."""
        path = self.path(record["key"])
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(record, f, indent=1)
                f.write("\n")
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        return path

    def keys(self):
        """Every key with a record."""
        return sorted(p.stem for p in self.root.glob("tasks/*/*.json"))
