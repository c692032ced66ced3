"""A worker killed in the middle of a big billing run leaves no renderer processes behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = """
import multiprocessing, sys, time
from tsunagu.documents.rendering import Renderer
renderer = Renderer(2)
futures = [renderer.submit("<p>請求書</p>", b"0123456789abcdef") for _ in range(2)]
assert all(future.result(timeout=120).startswith(b"%PDF") for future in futures)
print(" ".join(str(child.pid) for child in multiprocessing.active_children()), flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has ended; only its parent (here: init) has yet to collect it.
    status = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[-1].split(" ", 1)[0]
    return status != "Z"


def test_renderers_stop_when_their_billing_worker_is_killed() -> None:
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SCRIPT], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert worker.stdout is not None
        renderers = [int(pid) for pid in worker.stdout.readline().split()]
        assert len(renderers) == 2
        assert all(alive(pid) for pid in renderers)

        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)

        deadline = time.monotonic() + 15
        while any(alive(pid) for pid in renderers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [pid for pid in renderers if alive(pid)] == []
    finally:
        if worker.poll() is None:
            worker.kill()
