"""The story page shows a stray member as "possibly not this story" with a one-click move
out (the existing split action), on a real story with an unrelated page in it."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, select

from drafts.stage import redraft_story
from store.schema import story_members
from tests.drafts.realset import build_members, load_spec
from tests.review.conftest import app, editor, make_config, store  # noqa: F401 - fixtures
from tests.review.data import add_story


def test_stray_is_flagged_on_the_story_page_and_moves_out_in_one_click(
    shared_dir: Path,
    store: Engine,  # noqa: F811
    editor,  # noqa: F811
) -> None:
    spec = next(s for s in load_spec() if s["name"] == "nasa-moon-landers")
    members = build_members(shared_dir, spec, first_id=1)
    items = [{"title": m["title"], "text": m["text"], "outlet": m["outlet"]} for m in members]
    sid, ids = add_story(store, "moon landers", items)
    stray_id = next(i for i, m in zip(ids, members, strict=True) if m["stray"])
    draft = redraft_story(store, make_config(), sid)
    assert [x["article_id"] for x in draft["stray"]] == [stray_id]

    client, token = editor
    page = client.get(f"/stories/{sid}").text
    li = page[page.index(f'id="article-{stray_id}"') :].split("</li>", 1)[0]
    assert "possibly not this story" in li
    assert re.search(rf'name="article_ids" value="{stray_id}"', li)
    others = [i for i in ids if i != stray_id]
    for i in others:
        other = page[page.index(f'id="article-{i}"') :].split("</li>", 1)[0]
        assert "possibly not this story" not in other

    r = client.post(
        f"/stories/{sid}/split",
        data={"article_ids": str(stray_id), "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with store.connect() as c:
        left = {
            a
            for (a,) in c.execute(
                select(story_members.c.article_id).where(story_members.c.story_id == sid)
            )
        }
    assert left == set(others)
