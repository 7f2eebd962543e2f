"""Operator pages: articles the pipeline gave up on, with the reason."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from store.failed import count_failed, failed_articles

router = APIRouter(include_in_schema=False)


@router.get("/failed", response_class=HTMLResponse)
def failed_page(
    request: Request, single: bool = False, limit: int = Query(200, ge=1, le=2000)
) -> Response:
    s = request.app.state
    rows = failed_articles(s.engine, limit=limit, single_only=single)
    return s.render(request, "failed.html", rows=rows, total=count_failed(s.engine), single=single)
