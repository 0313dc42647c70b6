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


@contextmanager
def streamlit_app(app: Path, data_dir: Path, embedder: str, log_path: Path) -> Iterator[str]:
    """The Streamlit app served headless on a free port over ``data_dir``; yields its URL."""
    import os
    import sys
    import urllib.request

    port = free_port()
    env = {**os.environ, "WIJKKENNIS_DATA_DIR": str(data_dir), "WIJKKENNIS_EMBEDDER": embedder,
           "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    command = [sys.executable, "-m", "streamlit", "run", str(app), "--server.headless", "true",
               "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
               "--server.fileWatcherType", "none"]
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                return bool(response.read() == b"ok")
        except OSError:
            return False

    with running_server(command, healthy, log_path, name="streamlit", timeout_s=120, cwd=app.parent, env=env, poll_s=0.5):
        yield url
