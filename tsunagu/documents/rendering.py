"""Rendering many PDFs at once: in worker processes when there are many, else in this process.

A billing run drafts each invoice (database reads, HTML) in its own process and hands the HTML to
a renderer; the PDF comes back as bytes to be committed. The worker processes are started with
"spawn" and run pdf_engine only (no Django, no database connection), one per core by default
(settings.DOCUMENT_RENDER_PROCESSES).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType

from django.conf import settings

from tsunagu.documents import pdf_engine


def _stop_with_parent(parent: int) -> None:
    """Runs first in each renderer process: a billing-run worker killed mid-run (SIGKILL leaves
    no time to shut the pool down) must not leave its renderers running for ever, since they
    hold a copy of the pool's pipes and so never notice on their own."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class Renderer:
    """submit(html, identifier) → Future of the PDF bytes; `ahead` is how many to keep queued."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self.ahead = 1
        self._pool: ProcessPoolExecutor | None = None
        if processes > 1:
            self._pool = ProcessPoolExecutor(
                max_workers=processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_stop_with_parent,
                initargs=(os.getpid(),),
            )
            self.ahead = 2 * processes

    def submit(self, html: str, identifier: bytes) -> Future[bytes]:
        if self._pool is not None:
            return self._pool.submit(pdf_engine.html_to_pdf, html, identifier)
        future: Future[bytes] = Future()
        try:
            future.set_result(pdf_engine.html_to_pdf(html, identifier))
        except Exception as error:  # handed to whoever waits for the result
            future.set_exception(error)
        return future

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Renderer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def renderer_for(count: int) -> Renderer:
    """Worker processes for a batch big enough to repay their start (about a second each)."""
    processes = settings.DOCUMENT_RENDER_PROCESSES or os.cpu_count() or 1
    if count < settings.DOCUMENT_RENDER_PARALLEL_FROM:
        processes = 1
    return Renderer(processes)
