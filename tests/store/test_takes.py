"""One lens rule: the queue's lens filter, each story's lenses and each take's lens agree.

Before, the queue filtered with a SQL coalesce (label > any prediction > source default)
that ignored the confidence floor and which model made the prediction, while the draft
applied both: a story could be listed under a lens none of its takes showed.
"""

from __future__ import annotations

from sqlalchemy import Engine, insert, update

from core.settings.lenses import UNLABELLED
from store.db import utcnow
from store.queries import count_stories, list_stories, story_articles
from store.schema import labels, lens_predictions, model_versions, sources
from store.takes import active_model, latest_labels
from tests.review.data import add_story

MIN_CONF = 0.6


def _version(engine: Engine, version: str, active: bool) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(model_versions).values(
                version=version,
                path=f"/nowhere/{version}.pkl",
                sha256="0" * 64,
                n_labels=10,
                active=active,
                created_at=utcnow(),
            )
        )


def _predict(engine: Engine, aid: int, version: str, lens: str, conf: float) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(lens_predictions).values(
                article_id=aid,
                model_version=version,
                lens=lens,
                confidence=conf,
                created_at=utcnow(),
            )
        )


def _label(engine: Engine, aid: int, lens: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(labels).values(kind="lens", article_id=aid, value=lens, created_at=utcnow())
        )


def test_queue_filter_and_takes_follow_one_rule(engine: Engine) -> None:
    _version(engine, "v1", active=False)
    _version(engine, "v2", active=True)
    assert active_model(engine)["version"] == "v2"
    items = [{"title": f"Take {i}", "text": "Port news.", "outlet": f"Desk {i}"} for i in range(5)]
    sid, ids = add_story(engine, "Port", items)
    with engine.begin() as conn:  # one outlet has a default lens
        conn.execute(update(sources).where(sources.c.name == "Desk 3").values(default_lens="local"))
    _predict(engine, ids[0], "v2", "economy", 0.9)  # confident, active model: shown
    _predict(engine, ids[1], "v2", "politics", 0.4)  # under the floor: not shown
    _predict(engine, ids[2], "v1", "science", 0.99)  # retired model: not shown
    _predict(engine, ids[3], "v2", "politics", 0.3)  # under the floor -> source default
    _label(engine, ids[4], "culture")
    _predict(engine, ids[4], "v2", "economy", 0.95)  # an editor's label wins
    _label(engine, ids[4], "society")  # ... the newest one
    with engine.connect() as conn:
        assert latest_labels(conn, [ids[4]]) == {ids[4]: "society"}

    takes = {a["id"]: a["lens"] for a in story_articles(engine, sid, min_confidence=MIN_CONF)}
    assert [takes[a]["lens"] for a in ids] == [
        "economy",
        UNLABELLED,
        UNLABELLED,
        "local",
        "society",
    ]
    assert [takes[a]["provenance"] for a in ids] == ["model", "none", "none", "source", "editor"]
    assert takes[ids[0]]["model_version"] == "v2" and takes[ids[0]]["confidence"] == 0.9

    shown = {t["lens"] for t in takes.values()}
    (row,) = list_stories(engine, min_confidence=MIN_CONF)
    assert set(row["lenses"]) == shown
    for lens in [*shown, "politics", "science", "culture"]:
        listed = [r["id"] for r in list_stories(engine, lens=lens, min_confidence=MIN_CONF)]
        assert listed == ([sid] if lens in shown else []), lens
        assert count_stories(engine, lens=lens, min_confidence=MIN_CONF) == len(listed)
