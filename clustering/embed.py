"""Sentence embeddings for clustering: one model per setting, loaded offline, batched.

The model is named by a path or by an installed package that carries it in a ``model/``
folder (the packaged all-MiniLM-L6-v2 by default), so nothing ever reaches the hub.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.errors import NotReady
from core.settings.clustering import ClusteringSettings

logger = logging.getLogger(__name__)


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


class Embedder:
    """A loaded sentence-transformers model; a class because the model is costly state."""

    def __init__(self, model_path: Path, label: str, batch_size: int) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(model_path), device="cpu")
        self.batch_size = batch_size
        model = self._model
        get_dim = getattr(model, "get_embedding_dimension", None)
        get_dim = get_dim or model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:
            raise ModelNotFoundError(f"model at {model_path} reports no embedding dimension")
        self.dim: int = int(dim)
        self.name: str = f"{_model_title(model_path)}@{label}"
        logger.info("loaded embedding model %s (dim %d)", self.name, self.dim)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """float32, L2-normalised rows; an empty input gives a (0, dim) array."""
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)


@lru_cache(maxsize=4)
def _cached(model: str, batch_size: int) -> Embedder:
    path = resolve_model_path(model)
    return Embedder(path, label=model, batch_size=batch_size)


def get_embedder(settings: ClusteringSettings) -> Embedder:
    """One loaded model per (model, batch size): loading costs seconds, encoding milliseconds."""
    return _cached(settings.model, settings.batch_size)


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
