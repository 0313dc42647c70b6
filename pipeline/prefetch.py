"""Run an iterator in a background thread, so its producer keeps going while the consumer works.

Ingest uses it to overlap extraction with tagging and embedding: the thread that drives the
extraction workers hands out the next PDF the moment a worker finishes (and reads the worker's
result off the pipe at once, so no worker waits to send), while the main thread segments, tags,
embeds and writes. The queue between them is bounded, so a slow consumer holds back extraction
instead of piling up extracted documents in memory.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


def in_background(iterable: Iterable[T], maxsize: int = 4, name: str = "prefetch") -> Iterator[T]:
    """Yield the items of ``iterable`` as a background thread produces them, in order.

    An exception in the producer is raised in the consumer. When the consumer stops early (break,
    an exception, garbage collection) the producer is told to stop; it stops at its next item and
    closes the source iterator in its own thread, so the source's clean-up (e.g. stopping worker
    processes) runs.
    """
    items: queue.Queue[object] = queue.Queue(maxsize=max(1, maxsize))
    stop = threading.Event()
    failure: list[BaseException] = []

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        source = iter(iterable)
        try:
            for item in source:
                if not put(item):
                    break
        except BaseException as error:  # handed to the consumer
            failure.append(error)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()
            put(_DONE)

    thread = threading.Thread(target=produce, name=name, daemon=True)
    thread.start()
    finished = False
    try:
        while True:
            item = items.get()
            if item is _DONE:
                break
            yield item  # type: ignore[misc]
        finished = True
        if failure:
            raise failure[0]
    finally:
        stop.set()
        # Stopped early: the producer notices at its next item (an extraction in flight finishes
        # first, bounded by its timeout); don't hold the consumer up for that.
        thread.join(timeout=None if finished else 1.0)
