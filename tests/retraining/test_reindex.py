"""Rebuilding the knowledge index after publishing: the real ``baton index`` as a child
process, on a small help centre of its own and an index folder of its own."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from baton import paths
from retraining.errors import IndexBusy
from retraining.reindex import IndexRebuild

pytestmark = pytest.mark.slow

ARTICLE = """---
id: gift-receipts
title: Gift receipts
url: https://voltify.example/help/gift-receipts
tags: [gifts]
---
Tick "This is a gift" at checkout: the receipt in the parcel shows no prices.
"""


async def test_the_index_is_rebuilt_with_the_published_article_and_a_broken_one_named(
    tmp_path: Path,
) -> None:
    help_centre = tmp_path / "help"
    help_centre.mkdir()
    (help_centre / "gift-receipts.md").write_text(ARTICLE)
    (help_centre / "broken.md").write_text("no front matter here")
    target = tmp_path / "index"
    rebuild = IndexRebuild(paths.VENV_BIN / "baton", help_centre, target)
    started = rebuild.start("kim")
    assert started.state == "running" and started.started_by == "kim"
    with pytest.raises(IndexBusy):
        rebuild.start("lee")
    for _ in range(1200):
        if rebuild.status.state != "running":
            break
        await asyncio.sleep(0.25)
    status = rebuild.status
    assert status.state == "done", status
    assert status.message is not None and status.message.startswith("rebuilt, but")
    assert "broken.md" in status.message and "no front matter" in status.message
    manifests = list(target.rglob("manifest.json"))
    assert manifests, list(target.rglob("*"))
    assert "gift-receipts" in json.loads(manifests[0].read_text())["articles"]
