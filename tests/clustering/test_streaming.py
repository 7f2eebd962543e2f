"""The streaming clusterer on real headlines and the real embedder: joins, cool-down and
expiry of stories, an outlet's own updates, and a restart from stored states."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clustering.embed import Embedder
from clustering.entities import spacy_entities_fn
from clustering.state import ArticleFeatures
from clustering.streaming import StreamingClusterer
from core.settings.clustering import ClusteringSettings

T0 = datetime(2014, 3, 10, 12, 0, tzinfo=UTC)
BANK = [
    "Men's Wearhouse to buy Jos. A. Bank for $1.8 billion",
    "Men's Wearhouse, Jos. A. Bank agree to $1.8B merger",
    "Jos. A. Bank accepts Men's Wearhouse takeover offer",
]
SNOWDEN = [
    "Edward Snowden speaks at SXSW via video link from Russia",
    "Snowden tells SXSW audience the NSA is setting fire to the internet",
]


@pytest.fixture(scope="module")
def make(embedder: Embedder):
    """Headline -> ArticleFeatures with real vectors and spaCy entities."""
    ents = spacy_entities_fn()

    def build(titles: list[str], start: datetime, source: str = "wire", step_min: int = 10):
        vecs = embedder.encode(titles)
        keys = ents(titles)
        return [
            ArticleFeatures(
                f"{source}-{start.isoformat()}-{i}",
                vecs[i],
                t,
                keys[i],
                start + timedelta(minutes=step_min * i),
                source,
            )
            for i, t in enumerate(titles)
        ]

    return build


def _stream(cl: StreamingClusterer, arts: list[ArticleFeatures], ids: list) -> list:
    """The stage's calls, article by article; returns each article's story id."""
    placed = []
    for art in arts:
        cl.expire(art.published)
        d = cl.decide(art)
        if d.story_id is None:
            sid = len(ids)
            ids.append(sid)
            cl.new_story(sid, art)
        else:
            sid = d.story_id
            cl.add_article(sid, art)
        placed.append(sid)
    return placed


def test_same_story_joins_and_other_story_opens(make) -> None:
    cl = StreamingClusterer(ClusteringSettings())
    ids: list = []
    bank = _stream(cl, make(BANK, T0, "a"), ids)
    snow = _stream(cl, make(SNOWDEN, T0 + timedelta(hours=1), "b"), ids)
    assert len(set(bank)) == 1
    assert len(set(snow)) == 1
    assert set(bank) != set(snow)
    assert cl.stories[bank[0]].n == len(BANK)


def test_stories_cool_down_then_expire(make) -> None:
    settings = ClusteringSettings()
    cl = StreamingClusterer(settings)
    ids: list = []
    [sid] = set(_stream(cl, make(BANK[:2], T0), ids))
    probe_title = [BANK[2]]
    soon = make(probe_title, T0 + timedelta(hours=1))[0]
    later = make(probe_title, T0 + timedelta(hours=30))[0]
    d_soon, d_later = cl.decide(soon), cl.decide(later)
    assert d_soon.story_id == sid
    # The same headline a day later scores lower: the story has cooled down.
    assert d_later.features["recency"] < d_soon.features["recency"]
    assert d_later.score < d_soon.score
    # Past the live window the story is no longer a candidate, and expire() drops it.
    gone_at = T0 + timedelta(hours=settings.window_hours + 1)
    expired = make(probe_title, gone_at)[0]
    assert cl.decide(expired).story_id is None
    assert cl.expire(gone_at) == [sid]
    assert sid not in cl.stories and cl.df.n == 0
    new_ids = _stream(cl, [expired], ids)
    assert new_ids[0] != sid


def test_outlet_updates_of_its_own_story(make) -> None:
    settings = ClusteringSettings()
    cl = StreamingClusterer(settings)
    ids: list = []
    [sid] = set(_stream(cl, make(BANK[:2], T0, source="Reuters"), ids))
    update = "UPDATE 2-Jos. A. Bank agrees to Men's Wearhouse deal"
    own = make([update], T0 + timedelta(hours=2), source="Reuters")[0]
    other = make([update], T0 + timedelta(hours=2), source="Bloomberg")[0]
    d_own, d_other = cl.decide(own), cl.decide(other)
    assert d_own.story_id == sid
    assert d_own.features["same_source"] == 1.0 and d_other.features["same_source"] == 0.0
    assert d_own.score - d_other.score == pytest.approx(settings.w_same_source, abs=1e-6)


def test_restart_from_stored_states_decides_the_same(make) -> None:
    settings = ClusteringSettings()
    live = StreamingClusterer(settings)
    ids: list = []
    _stream(live, make(BANK, T0, "a"), ids)
    _stream(live, make(SNOWDEN, T0 + timedelta(hours=1), "b"), ids)
    restarted = StreamingClusterer(settings)  # the daemon's start: one batch load
    restarted.add_stories({sid: live.state(sid) for sid in live.stories})
    one_by_one = StreamingClusterer(settings)  # the editor's path: one story at a time
    for sid in live.stories:
        one_by_one.add_story(sid, live.state(sid))
    assert restarted.df.n == live.df.n == len(BANK) + len(SNOWDEN)
    probe = make(["Snowden: NSA surveillance is setting fire to the web"], T0 + timedelta(hours=3))
    a, b, c = (cl.decide(probe[0]) for cl in (live, restarted, one_by_one))
    assert a.story_id == b.story_id == c.story_id is not None
    assert a.score == pytest.approx(b.score, abs=1e-4) == c.score


def test_removing_an_article_updates_the_story(make) -> None:
    cl = StreamingClusterer(ClusteringSettings())
    arts = make(BANK, T0)
    ids: list = []
    [sid] = set(_stream(cl, arts, ids))
    state = cl.remove_article(sid, arts[0])
    assert state is not None and state["n"] == len(BANK) - 1
    assert cl.df.n == len(BANK) - 1
    for art in arts[1:]:
        cl.remove_article(sid, art)
    assert sid not in cl.stories and cl.df.n == 0
