"""Tasks on ``dask.distributed`` with a content-keyed result store: the one runner of the
project's long jobs (``sparq-rtl synth``, ``sparq-rtl sweep``).

- :class:`~engine.store.ResultStore`: a folder of JSON records, one per task, named by the task's
  content key (:func:`~engine.store.content_key`); a record is written whole or not at all.
- :class:`~engine.run.Task` and :class:`~engine.run.Engine`: tasks run on an embedded
  ``LocalCluster`` (one single-threaded worker process per core) or on an existing scheduler;
  a task whose key has a stored result is not run again, a failed task is recorded with its error
  and log and does not stop the others.

The package knows nothing of the rest of the project (it sits beside :mod:`golden` at the bottom
of the import layers); what a task does is the caller's function.
"""

from .store import ResultStore, content_key
from .run import Engine, Task, EngineInterrupted

__all__ = ["ResultStore", "content_key", "Engine", "Task", "EngineInterrupted"]
