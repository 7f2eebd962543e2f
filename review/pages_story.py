"""The story page: the draft editable in place (htmx), takes by lens, cluster fixes, export."""

from __future__ import annotations

import logging
from typing import Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

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
from models.stage import set_label
from review.auth import current_user
from review.views import field_items, field_text, resolve_story, service, story_or_404
from store.queries import get_story_by_slug, mark_seen, story_articles, story_history

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
User = dict[str, Any]


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _back(story_id: int) -> RedirectResponse:
    return RedirectResponse(f"/stories/{story_id}", status_code=303)


def _field_or_404(field: str) -> str:
    if field not in EDITABLE_FIELDS:
        raise HTTPException(
            404, f"no editable field {field!r}; one of {', '.join(EDITABLE_FIELDS)}"
        )
    return field


def _field_ctx(draft: dict[str, Any], field: str) -> dict[str, Any]:
    return {
        "field": field,
        "text": field_text(draft, field),
        "items": field_items(draft, field),
        "edit_state": (draft.get("edited") or {}).get(field),
        "draft": draft,
    }


def _draft_or_404(request: Request, story_id: int, user: User) -> dict[str, Any]:
    s = request.app.state
    draft = current_draft(s.engine, s.config, story_id, user_id=user["id"])
    if draft is None:
        raise HTTPException(404, "this story has no draft yet")
    return draft


@router.get("/s/{slug}")
def story_by_slug(request: Request, slug: str) -> Response:
    story = get_story_by_slug(request.app.state.engine, slug)
    if story is None:
        raise HTTPException(404, f"no story {slug!r}")
    return _back(story["id"])


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, story_id: int, user: User = Depends(current_user)) -> Response:
    s = request.app.state
    story = story_or_404(s.engine, story_id)
    draft = current_draft(s.engine, s.config, story_id, user_id=user["id"])
    articles = story_articles(s.engine, story_id, min_confidence=s.config.lenses.min_confidence)
    history = story_history(s.engine, story_id)
    new = (draft or {}).get("new_since_last_look") or {}
    mark_seen(s.engine, user["id"], story_id, draft_version=(draft or {}).get("version"))
    fields = {f: _field_ctx(draft, f) for f in EDITABLE_FIELDS} if draft else {}
    return s.render(
        request,
        "story.html",
        story=story,
        draft=draft,
        drafting=draft is None and draft_pending(story, s.config),
        fields=fields,
        articles=articles,
        history=history,
        new_takes=set(new.get("takes") or []),
        new_numbers=set(new.get("numbers") or []),
    )


@router.get("/stories/{story_id}/fields/{field}", response_class=HTMLResponse)
def field_view(
    request: Request, story_id: int, field: str, user: User = Depends(current_user)
) -> Response:
    draft = _draft_or_404(request, story_id, user)
    ctx = _field_ctx(draft, _field_or_404(field))
    return request.app.state.render(request, "_field.html", story_id=story_id, **ctx)


@router.get("/stories/{story_id}/fields/{field}/edit", response_class=HTMLResponse)
def field_edit(
    request: Request, story_id: int, field: str, user: User = Depends(current_user)
) -> Response:
    draft = _draft_or_404(request, story_id, user)
    ctx = _field_ctx(draft, _field_or_404(field))
    return request.app.state.render(request, "_field_edit.html", story_id=story_id, **ctx)


@router.post("/stories/{story_id}/fields/{field}", response_class=HTMLResponse)
def field_save(
    request: Request,
    story_id: int,
    field: str,
    value: str = Form(""),
    approve: bool = Form(False),
    user: User = Depends(current_user),
) -> Response:
    s = request.app.state
    _field_or_404(field)
    story_or_404(s.engine, story_id)
    if len(value) > s.config.review.max_field_chars:
        raise HTTPException(413, f"at most {s.config.review.max_field_chars} characters")
    service(save_edit, s.engine, story_id, field, value, user["id"], approve=approve)
    if not _is_htmx(request):
        return _back(story_id)
    draft = _draft_or_404(request, story_id, user)
    return s.render(request, "_field.html", story_id=story_id, **_field_ctx(draft, field))


@router.post("/stories/{story_id}/approve")
def approve(request: Request, story_id: int, user: User = Depends(current_user)) -> Response:
    story_or_404(request.app.state.engine, story_id)
    service(approve_story, request.app.state.engine, story_id, user["id"])
    return _back(story_id)


@router.post("/stories/{story_id}/reopen")
def reopen(request: Request, story_id: int, user: User = Depends(current_user)) -> Response:
    story_or_404(request.app.state.engine, story_id)
    service(reopen_story, request.app.state.engine, story_id, user["id"])
    return _back(story_id)


@router.post("/stories/{story_id}/redraft")
def redraft(request: Request, story_id: int, user: User = Depends(current_user)) -> Response:
    s = request.app.state
    story_or_404(s.engine, story_id)
    service(redraft_story, s.engine, s.config, story_id)
    return _back(story_id)


@router.post("/stories/{story_id}/merge")
def merge(
    request: Request,
    story_id: int,
    other: str = Form(..., max_length=300),
    user: User = Depends(current_user),
) -> Response:
    engine = request.app.state.engine
    story_or_404(engine, story_id)
    target = resolve_story(engine, other)
    if target["id"] == story_id:
        raise HTTPException(400, "a story cannot be merged with itself")
    service(merge_stories, engine, story_id, target["id"], user["id"], request.app.state.config)
    return _back(story_id)


@router.post("/stories/{story_id}/split")
def split(
    request: Request,
    story_id: int,
    article_ids: list[int] = Form(default_factory=list),
    user: User = Depends(current_user),
) -> Response:
    engine = request.app.state.engine
    story_or_404(engine, story_id)
    conf = request.app.state.config.lenses.min_confidence
    members = {a["id"] for a in story_articles(engine, story_id, min_confidence=conf)}
    chosen = sorted(set(article_ids))
    if not chosen:
        raise HTTPException(400, "choose the articles to split off")
    if not set(chosen) <= members:
        raise HTTPException(400, "only this story's articles can be split off")
    new_id = service(split_articles, engine, chosen, user["id"], request.app.state.config)
    return _back(int(new_id))


@router.post("/articles/{article_id}/move")
def move(
    request: Request,
    article_id: int,
    target: str = Form(..., max_length=300),
    back: int | None = Form(None),
    user: User = Depends(current_user),
) -> Response:
    engine = request.app.state.engine
    story = resolve_story(engine, target)
    service(move_article, engine, article_id, story["id"], user["id"], request.app.state.config)
    return _back(back if back is not None else story["id"])


@router.post("/articles/{article_id}/lens", response_class=HTMLResponse)
def relabel(
    request: Request,
    article_id: int,
    lens: str = Form(..., max_length=100),
    back: int | None = Form(None),
    user: User = Depends(current_user),
) -> Response:
    s = request.app.state
    if lens not in s.config.lenses.taxonomy:
        raise HTTPException(400, f"lens {lens!r} is not in the taxonomy")
    service(set_label, s.engine, article_id, lens, user["id"])
    if not _is_htmx(request):
        return _back(back) if back is not None else RedirectResponse("/", status_code=303)
    lens_info = {"lens": lens, "provenance": "editor", "confidence": None}
    return s.render(
        request, "_lens.html", article_id=article_id, lens=lens_info, back=back, saved=True
    )


@router.get("/stories/{story_id}/export")
def export(
    request: Request,
    story_id: int,
    format: Literal["md", "json"] = "md",  # noqa: A002
    user: User = Depends(current_user),
) -> Response:
    draft = _draft_or_404(request, story_id, user)
    body = render_markdown(draft) if format == "md" else render_json(draft)
    media = "text/markdown; charset=utf-8" if format == "md" else "application/json"
    name = f"{draft.get('slug') or story_id}.{format}"
    return Response(
        body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
