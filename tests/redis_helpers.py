"""Which Redis the cross-process tests use, and whether they run.

``COMMERCE_TEST_REDIS_URL`` names it; then the Redis tests always run (and fail if it is
down: CI sets it). Without it they try ``redis://127.0.0.1:6379/0`` and are skipped when
nothing answers there, so ``pytest -q`` needs no Redis on a new machine."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

REDIS_URL = os.environ.get("COMMERCE_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


def _answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379),
                                      timeout=0.5):
            return True
    except OSError:
        return False


requires_redis = pytest.mark.skipif(
    not os.environ.get("COMMERCE_TEST_REDIS_URL") and not _answers(REDIS_URL),
    reason="no Redis at 127.0.0.1:6379 (set COMMERCE_TEST_REDIS_URL to require one)")
