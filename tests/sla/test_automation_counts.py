"""The marketplace's own rule on automatic replies has one home, the built-in catalog: the table that
reports cite and the SLA fallback read is each marketplace's built-in policy, never a second copy."""

from __future__ import annotations

import pytest

from api.models.channel import MARKETPLACES
from api.sla.catalog import AUTOMATION_COUNTS, BUILTINS, automation_counts_on, builtin_for

BY_KEY = {b.key: b for b in BUILTINS}


@pytest.mark.parametrize("marketplace", MARKETPLACES)
def test_the_table_is_each_marketplaces_builtin_policy(marketplace: str) -> None:
    # A marketplace with a rule of its own has a built-in of its key; email and `api` channels fall to the default.
    policy = BY_KEY.get(marketplace, BY_KEY["default"])
    assert builtin_for(marketplace) is policy
    assert AUTOMATION_COUNTS[marketplace] is policy.automation_counts
    assert automation_counts_on(marketplace) is policy.automation_counts


def test_every_marketplace_is_in_the_table_and_only_tiktok_counts_automation() -> None:
    assert set(AUTOMATION_COUNTS) == set(MARKETPLACES)
    assert [m for m, counts in AUTOMATION_COUNTS.items() if counts] == ["tiktok"]


def test_a_label_policy_does_not_speak_for_the_marketplace() -> None:
    # The Walmart BBB rule sits above the 48 h rule but needs a label: the marketplace's rule is the 48 h one.
    assert BY_KEY["walmart_bbb_ag_complaint"].position < BY_KEY["walmart"].position
    assert builtin_for("walmart").key == "walmart"


def test_an_unknown_marketplace_follows_the_default_policy() -> None:
    assert automation_counts_on("etsy") is BY_KEY["default"].automation_counts
