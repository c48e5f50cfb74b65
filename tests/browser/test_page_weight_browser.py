"""A phone's first visit to a pulse and each card after it stay within the page-weight targets."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext

from bench.page_weight import (
    CARD_MAX_BYTES,
    FIRST_LOAD_MAX_BYTES,
    FIRST_LOAD_MAX_REQUESTS,
    walk,
)
from tests.helpers import Org

pytestmark = pytest.mark.browser


def test_first_load_and_later_cards_are_light(
    context: BrowserContext, live_url: str, org: Org
) -> None:
    first, cards = walk(context, f"{live_url}/t/{org.team_token}", cards=3)
    assert first.requests <= FIRST_LOAD_MAX_REQUESTS
    assert first.transferred <= FIRST_LOAD_MAX_BYTES
    # Everything static came with the first load and is cached: a card is one small request.
    assert [card.requests for card in cards] == [1, 1, 1]
    assert all(0 < card.transferred <= CARD_MAX_BYTES for card in cards)


def test_a_return_visit_loads_only_the_page(
    context: BrowserContext, live_url: str, org: Org
) -> None:
    url = f"{live_url}/t/{org.team_token}"
    walk(context, url, cards=0)
    again, _ = walk(context, url, cards=0)
    # Hashed static files are immutable: the browser does not even ask for them again.
    assert again.requests == 1
