"""group_roots (domain/buyer.py): each buyer's top-level buyer, for all buyers or only some of them."""

from __future__ import annotations

import pytest

from tradecredit.domain.buyer import group_roots
from tradecredit.domain.errors import ValidationError

# 1 ← 2 ← 3 (3's parent is 2, whose parent is 1); 4 alone; 5 ← 6
PARENTS: dict[int, int | None] = {1: None, 2: 1, 3: 2, 4: None, 5: None, 6: 5}


def test_every_buyer_maps_to_the_top_of_its_group() -> None:
    assert group_roots(PARENTS) == {1: 1, 2: 1, 3: 1, 4: 4, 5: 5, 6: 5}


def test_asked_for_some_buyers_only_their_way_up_is_walked() -> None:
    assert group_roots(PARENTS, of=[3]) == {3: 1, 2: 1, 1: 1}
    assert group_roots(PARENTS, of=[6, 4]) == {6: 5, 5: 5, 4: 4}


def test_a_cycle_is_refused_even_when_only_one_buyer_is_asked_for() -> None:
    with pytest.raises(ValidationError, match="cycle through buyer id 7"):
        group_roots({7: 8, 8: 7, 9: None}, of=[7])
