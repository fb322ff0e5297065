"""The background worker for tests that drive the import screen: a real `Worker` on a thread of its own.

The screen only queues import checks (kondusif/intake/worker.py `enqueue`); this worker claims
them and runs each in its child process, as `python -m kondusif worker` does beside the app.
Used through the `import_worker` fixture (tests/conftest.py); always stopped and joined.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine

from kondusif.worker import Worker


@contextmanager
def worker_thread(engine: Engine) -> Iterator[Worker]:
    worker = Worker(engine)
    thread = threading.Thread(target=worker.run, name="pekerja-uji", daemon=True)
    thread.start()
    try:
        yield worker
    finally:
        worker.stop()
        thread.join(60)
        assert not thread.is_alive(), "the test worker did not stop"
