"""Retraining the lens model in the background: the one mechanism the daemon and the UI use.

Before, the daemon had its own thread and status in module globals (models/retrain.py) and
the web app another in `app.state` (review/views.py). Now whoever runs retrains owns one
`BackgroundRetrain`: the crawl daemon starts it when enough labels arrived, an admin's
button starts it at once, and both read the same status. Only one retrain runs at a time
per owner; `models.retrain.retrain` itself is single-flight across threads (and, with the
store's lock, across processes).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from core.config import Config
from store.db import utcnow

logger = logging.getLogger(__name__)


class BackgroundRetrain:
    """A retrain thread and what the last one did; a class because it holds a thread."""

    def __init__(self, engine: Engine, config: Config) -> None:
        self.engine, self.config = engine, config
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._failed_at = 0  # label watermark of the last failed attempt: not retried at once
        self.result: dict[str, Any] | None = None
        self.error: str | None = None
        self.started_at: datetime | None = None
        self.finished_at: datetime | None = None
        self.user_id: int | None = None

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> dict[str, Any]:
        """What the models page and `GET /api/models/retrain` show."""
        return {
            "running": self.running(),
            "result": self.result,
            "error": self.error,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "user_id": self.user_id,
        }

    def start(self, *, user_id: int | None = None) -> bool:
        """Start a retrain now (an admin asked); False when one is already running."""
        from models.takes import last_label_id

        with self._lock:
            if self.running():
                return False
            self.error, self.user_id, self.started_at = None, user_id, utcnow()
            self._thread = threading.Thread(
                target=self._work,
                args=(last_label_id(self.engine),),
                name="lens-retrain",
                daemon=True,
            )
            self._thread.start()
        logger.info("lens retrain started in background", extra={"user_id": user_id})
        return True

    def maybe_start(self) -> bool:
        """Start one when `[lenses] retrain_after` labels arrived since the last trained
        version (or the last failed attempt); never blocks. Returns whether it started."""
        from models.registry import latest_row
        from models.takes import labels_since

        if self.running():
            return False
        latest = latest_row(self.engine)
        metrics = (latest or {}).get("metrics") or {}
        trained = int(metrics.get("training", {}).get("last_label_id", 0))
        new = labels_since(self.engine, max(trained, self._failed_at))
        if new < self.config.lenses.retrain_after:
            return False
        return self.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Join the running retrain (tests, clean shutdown); True when none is left running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.running()

    def _work(self, watermark: int) -> None:
        from models.retrain import RetrainRunning, retrain  # scikit-learn: only when it runs

        try:
            result = retrain(self.engine, self.config, progress=False)
            self.result = dict(result) if isinstance(result, dict) else {"result": str(result)}
        except RetrainRunning:  # on another machine: not a failure, it learns the same labels
            logger.info("lens retrain skipped: another process is training")
        except Exception as exc:  # noqa: BLE001 - reported on the models page and in the log
            self._failed_at = watermark
            self.error = f"{type(exc).__name__}: {exc}"
            logger.error("background lens retrain failed", extra={"error": self.error})
        finally:
            self.finished_at = utcnow()
