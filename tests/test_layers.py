"""The layer contracts (import-linter, ``[tool.importlinter]`` in pyproject.toml) hold, and break
when a lower layer imports a higher one or two modules import each other."""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "pipeline", "index", "wijkkennis", "app_pages", "bench")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` over the packages under ``root`` (not the installed editable ones)."""
    # -S: no site hooks, so the editable install's finder cannot map the packages back to ROOT.
    paths = [str(root), *site.getsitepackages()]
    code = (
        "import sys; sys.path[:0] = " + repr(paths) + "; "
        "from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))"
    )
    return subprocess.run([sys.executable, "-S", "-c", code], cwd=root, capture_output=True, text=True, timeout=300)


def copy_tree(target: Path) -> Path:
    """The project's Python packages and pyproject.toml, without data or models."""
    for name in PACKAGES:
        shutil.copytree(ROOT / name, target / name, ignore=shutil.ignore_patterns("models", "data", "results", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def add_import(path: Path, statement: str) -> None:
    text = path.read_text(encoding="utf-8")
    anchor = "from __future__ import annotations\n"
    assert anchor in text, path
    path.write_text(text.replace(anchor, anchor + "\n" + statement + "\n", 1), encoding="utf-8")


def test_the_project_keeps_its_layer_contracts():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "statement", "broken"),
    [
        ("pipeline/embed.py", "import index.store  # upward: pipeline -> index", "Layers"),
        ("index/store.py", "import wijkkennis.curation  # upward: index -> application", "Layers"),
        ("core/taxonomy.py", "import pipeline.nlp  # upward: core -> pipeline", "core imports nothing"),
        ("pipeline/nlp.py", "import pipeline.segment  # segment imports nlp: a cycle", "No import cycles"),
    ],
)
def test_a_wrong_import_breaks_a_contract(tmp_path, module, statement, broken):
    root = copy_tree(tmp_path)
    add_import(root / module, statement)
    result = lint_imports(root)
    assert result.returncode == 1, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith(broken))
    assert line.endswith("BROKEN"), result.stdout
    assert "0 kept" not in result.stdout  # the other contracts still hold
