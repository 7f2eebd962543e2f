"""Sentence vectors are computed once per article at processing time and read by drafts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlalchemy import Engine, func, select, update

from core.config import Config
from drafts.stage import encoder_for, redraft_story
from drafts.vectors import run_sentence_vectors
from nlp.stage import run_nlp
from store.schema import articles, sentence_vectors
from tests.review.data import add_articles, add_story, news_items


class Counting:
    """The real encoder, counting the sentences it is asked to encode."""

    def __init__(self, encode) -> None:  # noqa: ANN001
        self.encode, self.n = encode, 0

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.n += len(texts)
        return self.encode(texts)


def test_vectors_are_stored_once_and_a_first_draft_encodes_nothing(sqlite_engine: Engine):
    config = Config.model_validate({"nlp": {"n_process": 1}})
    sid, ids = add_story(sqlite_engine, "strike", news_items("Rotterdam", 3))
    run_nlp(sqlite_engine, config)
    enc = Counting(encoder_for(config))
    assert run_sentence_vectors(sqlite_engine, config, encode=enc) == 3
    stored = enc.n
    assert stored > 0
    assert run_sentence_vectors(sqlite_engine, config, encode=enc) == 0  # idempotent
    with sqlite_engine.connect() as c:
        assert c.execute(select(func.count()).select_from(sentence_vectors)).scalar() == 3

    draft = redraft_story(sqlite_engine, config, sid, encode=enc)
    assert draft["summary"] and enc.n == stored  # every line came from the store

    # an edited article is analysed again and its vectors are redone, the others kept
    with sqlite_engine.begin() as c:
        c.execute(
            update(articles)
            .where(articles.c.id == ids[0])
            .values(
                text="Dock workers in Rotterdam ended their strike on Friday after a deal.",
                nlp_status="pending",
            )
        )
    run_nlp(sqlite_engine, config)
    assert run_sentence_vectors(sqlite_engine, config, encode=enc) == 1


def test_one_outlet_stories_wait_until_a_second_outlet_joins(sqlite_engine: Engine):
    """No draft reads a one-outlet story's lines, so the stage leaves them until one will."""
    config = Config.model_validate({"nlp": {"n_process": 1}})
    first, *others = news_items("Antwerp", 3)
    sid, ids = add_story(sqlite_engine, "solo", [first])
    run_nlp(sqlite_engine, config)
    enc = Counting(encoder_for(config))
    assert run_sentence_vectors(sqlite_engine, config, encode=enc) == 0
    assert enc.n == 0

    ids += add_articles(sqlite_engine, sid, others)  # two more outlets: now it is drafted
    run_nlp(sqlite_engine, config)
    assert run_sentence_vectors(sqlite_engine, config, encode=enc) == 3
    with sqlite_engine.connect() as c:
        stored = {r.article_id for r in c.execute(select(sentence_vectors.c.article_id))}
    assert stored == set(ids)
