"""HTML pages besides the story page: queue, sources, models, labelling, search."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from models.stage import label_queue, labels_per_lens, list_model_versions, set_label
from review.auth import current_user, require_admin
from review.pages_story import router as story_router
from review.views import (
    parse_day,
    queue_page,
    service,
    start_retrain,
)
from store.queries import (
    list_sources,
    search_articles,
    set_source_paused,
)

logger = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
router.include_router(story_router)
User = dict[str, Any]
STATUSES = ("open", "approved")


@router.get("/", response_class=HTMLResponse)
def queue(
    request: Request,
    status: str = "",
    lens: str = "",
    region: str = "",
    lang: str = "",
    since: str = "",
    until: str = "",
    sort: Literal["recency", "sources", "regions"] = "recency",
    page: int = Query(1, ge=1, le=100_000),
    user: User = Depends(current_user),
) -> Response:
    s = request.app.state
    size = s.config.review.page_size
    filters = {
        "status": status or None,
        "lens": lens or None,
        "region": region.strip() or None,
        "lang": lang.strip() or None,
        "since": parse_day(since),
        "until": parse_day(until, end=True),
    }
    total, items = queue_page(
        s, filters, sort=sort, user_id=user["id"], limit=size, offset=(page - 1) * size
    )
    form = {"status": status, "lens": lens, "region": region, "lang": lang}
    form.update(since=since, until=until, sort=sort)
    return s.render(
        request,
        "queue.html",
        items=items,
        total=total,
        page=page,
        pages=max(1, -(-total // size)),
        form=form,
        statuses=STATUSES,
    )


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request) -> Response:
    return request.app.state.render(
        request, "sources.html", sources=list_sources(request.app.state.engine)
    )


@router.post("/sources/{source_id}/pause")
def pause_source(
    request: Request,
    source_id: int,
    reason: str = Form("", max_length=500),
    user: User = Depends(require_admin),
) -> Response:
    engine = request.app.state.engine
    service(set_source_paused, engine, source_id, True, reason.strip() or "paused", user["id"])
    return RedirectResponse("/sources", status_code=303)


@router.post("/sources/{source_id}/resume")
def resume_source(
    request: Request, source_id: int, user: User = Depends(require_admin)
) -> Response:
    service(set_source_paused, request.app.state.engine, source_id, False, None, user["id"])
    return RedirectResponse("/sources", status_code=303)


@router.get("/models", response_class=HTMLResponse)
def models_page(request: Request) -> Response:
    s = request.app.state
    return s.render(
        request,
        "models.html",
        versions=list_model_versions(s.engine),
        per_lens=labels_per_lens(s.engine),
        retrain=s.retrainer.status(),
    )


@router.get("/models/{version}/confusion.png")
def confusion_png(request: Request, version: str) -> Response:
    """Only the path the store records for a known version is served: no user-given paths."""
    for v in list_model_versions(request.app.state.engine):
        if v["version"] == version and v.get("confusion_png"):
            path = Path(v["confusion_png"])
            if path.suffix == ".png" and path.is_file():
                return FileResponse(path, media_type="image/png")
    raise HTTPException(404, "no confusion matrix for this version")


@router.post("/models/retrain")
def retrain_model(request: Request, user: User = Depends(require_admin)) -> Response:
    if not start_retrain(request.app, user["id"]):
        raise HTTPException(409, "a retrain is already running")
    return RedirectResponse("/models", status_code=303)


def _label_card(request: Request, skip: list[int]) -> Response:
    s = request.app.state
    batch = label_queue(s.engine, s.config, limit=s.config.review.label_batch + len(skip))
    take = next((t for t in batch if t["article_id"] not in skip), None)
    return s.render(
        request,
        "_label_card.html",
        take=take,
        skip=",".join(str(i) for i in skip),
    )


def _skip_list(raw: str) -> list[int]:
    return [int(p) for p in raw.split(",") if p.strip().isdigit()][:500]


@router.get("/label", response_class=HTMLResponse)
def label_page(request: Request) -> Response:
    return request.app.state.render(request, "label.html")


@router.get("/label/next", response_class=HTMLResponse)
def label_next(request: Request, skip: str = Query("", max_length=5000)) -> Response:
    return _label_card(request, _skip_list(skip))


@router.post("/label/{article_id}", response_class=HTMLResponse)
def label_take(
    request: Request,
    article_id: int,
    lens: str = Form(..., max_length=100),
    skip: str = Form("", max_length=5000),
    user: User = Depends(current_user),
) -> Response:
    s = request.app.state
    if lens not in s.config.lenses.taxonomy:
        raise HTTPException(400, f"lens {lens!r} is not in the taxonomy")
    service(set_label, s.engine, article_id, lens, user["id"])
    return _label_card(request, _skip_list(skip))


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str = Query("", max_length=200)) -> Response:
    s = request.app.state
    hits = search_articles(s.engine, q, limit=s.config.review.search_limit) if q.strip() else []
    return s.render(request, "search.html", q=q, hits=hits)
