"""Run the Wijkkennis benchmarks: ``python bench/run.py [--help]`` (same as ``wijkkennis bench``).

Prints the ingest and query tables and writes ``bench/results/bench-<timestamp>.json``.
"""

from __future__ import annotations

import sys

from wijkkennis.cli import app

if __name__ == "__main__":
    sys.exit(app(["bench", *sys.argv[1:]]))
