"""Story velocity and the *breaking* flag, as SQL over story members' publication times.

The way EMM flags rapid growth: a story is breaking when its articles per hour over the
last `window_h` hours are `ratio` times both its own earlier rate (the `baseline_h` hours
before the window) and the desk's usual rate (articles per active story per hour over the
last `baseline_h`), with at least `min_articles` in the window. A new story has no own
rate, so the desk's is what it must beat; a story that was already big must grow again.

Everything is a correlated subquery, so the queue can sort and filter by it in SQL and page
through any number of stories; `now` is a parameter, so archives (UCI) can be replayed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, distinct, func, literal, select

from store.schema import articles, stories, story_members

_stamp = func.coalesce(articles.c.published_at, articles.c.created_at)


@dataclass(frozen=True)
class BreakingRule:
    window_h: float = 3.0
    baseline_h: float = 24.0
    ratio: float = 3.0
    min_articles: int = 5


def _count_between(start: datetime, end: datetime) -> Any:
    """Members of the outer story published in (start, end]."""
    return (
        select(func.count())
        .select_from(story_members.join(articles, articles.c.id == story_members.c.article_id))
        .where(story_members.c.story_id == stories.c.id, _stamp > start, _stamp <= end)
        .scalar_subquery()
    )


@dataclass(frozen=True)
class Velocity:
    """The rule applied at one moment, with the desk's rate measured then."""

    rule: BreakingRule
    now: datetime
    desk_per_hour: float

    @property
    def window_start(self) -> datetime:
        return self.now - timedelta(hours=self.rule.window_h)

    def recent(self) -> Any:
        return _count_between(self.window_start, self.now)

    def before(self) -> Any:
        start = self.window_start - timedelta(hours=self.rule.baseline_h)
        return _count_between(start, self.window_start)

    def per_hour(self) -> Any:
        return self.recent() / literal(self.rule.window_h)

    def breaking(self) -> Any:
        r = self.rule
        recent = self.recent()
        return and_(
            recent >= r.min_articles,
            # recent/window >= ratio * before/baseline, without dividing in SQL
            recent * literal(r.baseline_h) >= literal(r.ratio * r.window_h) * self.before(),
            recent >= literal(r.ratio * r.window_h * self.desk_per_hour),
        )


def desk_rate(conn: Connection, rule: BreakingRule, now: datetime) -> float:
    """Articles per story per hour over the baseline, among stories active in it."""
    start = now - timedelta(hours=rule.baseline_h)
    n, active = conn.execute(
        select(func.count(), func.count(distinct(story_members.c.story_id)))
        .select_from(story_members.join(articles, articles.c.id == story_members.c.article_id))
        .where(_stamp > start, _stamp <= now)
    ).one()
    return n / active / rule.baseline_h if active else 0.0


def velocity_at(conn: Connection, rule: BreakingRule, now: datetime) -> Velocity:
    return Velocity(rule, now, desk_rate(conn, rule, now))


def story_velocity(conn: Connection, v: Velocity, story_ids: list[int]) -> dict[int, dict]:
    """Per story: articles/hour in the window, own earlier rate, the desk's, breaking."""
    if not story_ids:
        return {}
    q = select(
        stories.c.id, v.recent().label("recent"), v.before().label("before"), v.breaking()
    ).where(stories.c.id.in_(story_ids))
    out = {}
    for sid, recent, before, breaking in conn.execute(q):
        out[sid] = {
            "velocity": round(recent / v.rule.window_h, 2),
            "own_baseline": round(before / v.rule.baseline_h, 2),
            "desk_baseline": round(v.desk_per_hour, 2),
            "breaking": bool(breaking),
        }
    return out


__all__ = ["BreakingRule", "Velocity", "desk_rate", "story_velocity", "velocity_at"]
