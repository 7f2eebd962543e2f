"""The JSON API: the same actions as the pages, for scripts and tests (/api/docs)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from clustering.editor import merge_stories, move_article, split_articles
from drafts.stage import (
    EDITABLE_FIELDS,
    approve_story,
    current_draft,
    draft_pending,
    redraft_story,
    render_json,
    render_markdown,
    reopen_story,
    save_edit,
)
from models.stage import label_queue, labels_per_lens, list_model_versions, set_label
from review.auth import current_user, require_admin
from review.views import (
    parse_day,
    queue_page,
    resolve_story,
    service,
    start_retrain,
    story_or_404,
)
from store.queries import (
    list_sources,
    search_articles,
    set_source_paused,
    story_articles,
    story_history,
)

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api", tags=["api"])
User = dict[str, Any]


class Ok(BaseModel):
    ok: bool = True


class StoryItem(BaseModel):
    id: int
    slug: str
    title: str | None
    status: str
    n_articles: int
    n_sources: int
    n_regions: int
    lenses: list[str]
    regions: list[str]
    langs: list[str]
    first_seen_at: datetime | None
    last_article_at: datetime | None
    new_takes: int = 0


class StoryList(BaseModel):
    total: int
    items: list[StoryItem]


class StoryDetail(BaseModel):
    story: dict[str, Any]
    draft: dict[str, Any] | None = Field(description="drafts.stage.current_draft's shape")
    drafting: bool = Field(False, description="No draft yet, and a worker will build one.")
    articles: list[dict[str, Any]]


class FieldEdit(BaseModel):
    value: str = Field(max_length=100_000)
    approve: bool = False


class StoryRef(BaseModel):
    other: str = Field(description="Story id or slug", max_length=300)


class MoveBody(BaseModel):
    story: str = Field(description="Target story id or slug", max_length=300)


class SplitBody(BaseModel):
    article_ids: list[int] = Field(min_length=1, max_length=10_000)


class SplitResult(BaseModel):
    story_id: int


class LensBody(BaseModel):
    lens: str = Field(max_length=100)


class PauseBody(BaseModel):
    reason: str = Field("paused", max_length=500)


class RetrainStatus(BaseModel):
    running: bool
    started: bool = False
    result: dict[str, Any] | None = None
    error: str | None = None


class SearchHit(BaseModel):
    id: int
    title: str | None
    url: str
    published_at: datetime | None
    outlet: str | None
    story_id: int | None
    slug: str | None


@router.get("/stories", response_model=StoryList)
def api_stories(
    request: Request,
    status: str | None = None,
    lens: str | None = None,
    region: str | None = None,
    lang: str | None = None,
    since: str | None = Query(None, description="YYYY-MM-DD"),
    until: str | None = Query(None, description="YYYY-MM-DD"),
    sort: Literal["recency", "sources", "regions"] = "recency",
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    user: User = Depends(current_user),
) -> StoryList:
    f = {"status": status, "lens": lens, "region": region, "lang": lang}
    f.update(since=parse_day(since), until=parse_day(until, end=True))
    total, items = queue_page(
        request.app.state, f, sort=sort, user_id=user["id"], limit=limit, offset=offset
    )
    return StoryList(total=total, items=items)


@router.get("/stories/{story_id}", response_model=StoryDetail)
def api_story(request: Request, story_id: int, user: User = Depends(current_user)) -> StoryDetail:
    s = request.app.state
    story = story_or_404(s.engine, story_id)
    draft = current_draft(s.engine, s.config, story_id, user_id=user["id"])
    arts = story_articles(s.engine, story_id, min_confidence=s.config.lenses.min_confidence)
    keep = ("id", "title", "url", "outlet", "region", "lang", "published_at", "lens")
    return StoryDetail(
        story=story,
        draft=draft,
        drafting=draft is None and draft_pending(story, s.config),
        articles=[{k: a.get(k) for k in keep} for a in arts],
    )


@router.get("/stories/{story_id}/history")
def api_history(request: Request, story_id: int) -> list[dict[str, Any]]:
    story_or_404(request.app.state.engine, story_id)
    return story_history(request.app.state.engine, story_id)


@router.get("/stories/{story_id}/export")
def api_export(
    request: Request,
    story_id: int,
    format: Literal["md", "json"] = "json",  # noqa: A002
    user: User = Depends(current_user),
) -> Response:
    s = request.app.state
    draft = current_draft(s.engine, s.config, story_id, user_id=user["id"])
    if draft is None:
        raise HTTPException(404, "this story has no draft yet")
    if format == "md":
        return Response(render_markdown(draft), media_type="text/markdown; charset=utf-8")
    return Response(render_json(draft), media_type="application/json")


@router.put("/stories/{story_id}/fields/{field}", response_model=Ok)
def api_edit(
    request: Request, story_id: int, field: str, body: FieldEdit, user: User = Depends(current_user)
) -> Ok:
    s = request.app.state
    if field not in EDITABLE_FIELDS:
        raise HTTPException(404, f"no editable field {field!r}")
    story_or_404(s.engine, story_id)
    if len(body.value) > s.config.review.max_field_chars:
        raise HTTPException(413, f"at most {s.config.review.max_field_chars} characters")
    service(save_edit, s.engine, story_id, field, body.value, user["id"], approve=body.approve)
    return Ok()


@router.post("/stories/{story_id}/approve", response_model=Ok)
def api_approve(request: Request, story_id: int, user: User = Depends(current_user)) -> Ok:
    story_or_404(request.app.state.engine, story_id)
    service(approve_story, request.app.state.engine, story_id, user["id"])
    return Ok()


@router.post("/stories/{story_id}/reopen", response_model=Ok)
def api_reopen(request: Request, story_id: int, user: User = Depends(current_user)) -> Ok:
    story_or_404(request.app.state.engine, story_id)
    service(reopen_story, request.app.state.engine, story_id, user["id"])
    return Ok()


@router.post("/stories/{story_id}/redraft", response_model=Ok)
def api_redraft(request: Request, story_id: int) -> Ok:
    s = request.app.state
    story_or_404(s.engine, story_id)
    service(redraft_story, s.engine, s.config, story_id)
    return Ok()


@router.post("/stories/{story_id}/merge", response_model=Ok)
def api_merge(
    request: Request, story_id: int, body: StoryRef, user: User = Depends(current_user)
) -> Ok:
    engine = request.app.state.engine
    story_or_404(engine, story_id)
    other = resolve_story(engine, body.other)
    if other["id"] == story_id:
        raise HTTPException(400, "a story cannot be merged with itself")
    service(merge_stories, engine, story_id, other["id"], user["id"], request.app.state.config)
    return Ok()


@router.post("/split", response_model=SplitResult)
def api_split(request: Request, body: SplitBody, user: User = Depends(current_user)) -> SplitResult:
    new_id = service(
        split_articles,
        request.app.state.engine,
        body.article_ids,
        user["id"],
        request.app.state.config,
    )
    return SplitResult(story_id=int(new_id))


@router.post("/articles/{article_id}/move", response_model=Ok)
def api_move(
    request: Request, article_id: int, body: MoveBody, user: User = Depends(current_user)
) -> Ok:
    engine = request.app.state.engine
    story = resolve_story(engine, body.story)
    service(move_article, engine, article_id, story["id"], user["id"], request.app.state.config)
    return Ok()


@router.post("/articles/{article_id}/lens", response_model=Ok)
def api_lens(
    request: Request, article_id: int, body: LensBody, user: User = Depends(current_user)
) -> Ok:
    s = request.app.state
    if body.lens not in s.config.lenses.taxonomy:
        raise HTTPException(400, f"lens {body.lens!r} is not in the taxonomy")
    service(set_label, s.engine, article_id, body.lens, user["id"])
    return Ok()


@router.get("/sources")
def api_sources(request: Request) -> list[dict[str, Any]]:
    return list_sources(request.app.state.engine)


@router.post("/sources/{source_id}/pause", response_model=Ok)
def api_pause(
    request: Request, source_id: int, body: PauseBody, user: User = Depends(require_admin)
) -> Ok:
    engine = request.app.state.engine
    service(set_source_paused, engine, source_id, True, body.reason, user["id"])
    return Ok()


@router.post("/sources/{source_id}/resume", response_model=Ok)
def api_resume(request: Request, source_id: int, user: User = Depends(require_admin)) -> Ok:
    service(set_source_paused, request.app.state.engine, source_id, False, None, user["id"])
    return Ok()


@router.get("/models")
def api_models(request: Request) -> dict[str, Any]:
    engine = request.app.state.engine
    return {"versions": list_model_versions(engine), "labels_per_lens": labels_per_lens(engine)}


@router.post("/models/retrain", response_model=RetrainStatus, status_code=202)
def api_retrain(request: Request, user: User = Depends(require_admin)) -> RetrainStatus:
    if not start_retrain(request.app, user["id"]):
        raise HTTPException(409, "a retrain is already running")
    return RetrainStatus(running=True, started=True)


@router.get("/models/retrain", response_model=RetrainStatus)
def api_retrain_status(request: Request) -> RetrainStatus:
    st = request.app.state.retrainer.status()
    return RetrainStatus(
        running=st["running"],
        result=st.get("result"),
        error=st.get("error"),
    )


@router.get("/label-queue")
def api_label_queue(request: Request, limit: int = Query(20, ge=1, le=200)) -> list[dict[str, Any]]:
    s = request.app.state
    return label_queue(s.engine, s.config, limit=limit)


@router.get("/search", response_model=list[SearchHit])
def api_search(request: Request, q: str = Query(..., min_length=1, max_length=200)) -> list[Any]:
    s = request.app.state
    return search_articles(s.engine, q, limit=s.config.review.search_limit)
