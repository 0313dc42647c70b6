"""Starting a real server on 127.0.0.1 for a test (Chroma, Streamlit) and stopping it afterwards."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(
    command: Sequence[str],
    ready: Callable[[], bool],
    log_path: Path,
    *,
    name: str,
    timeout_s: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    poll_s: float = 0.2,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``command`` until the block ends; wait until ``ready()`` first. Fails the test with the
    tail of the server's log when it exits early or is not ready within ``timeout_s``."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(list(command), cwd=cwd, env=None if env is None else dict(env),
                                   stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout_s
        while not ready():
            if process.poll() is not None:
                pytest.fail(f"{name} exited with code {process.returncode}:\n{log_path.read_text(errors='replace')[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"{name} was not ready within {timeout_s:.0f} s:\n{log_path.read_text(errors='replace')[-2000:]}")
            time.sleep(poll_s)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
