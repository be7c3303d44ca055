"""/trends/effect on a world small enough to work out on paper (tests/trends_fixtures.py)."""

import math

import pytest

from tests import trends_fixtures

hand = trends_fixtures.hand

EN = {"Accept-Language": "en"}


def _pct(x: float) -> float:
    return (math.exp(x) - 1) * 100


def _interval(ratio: float, variance: float) -> list:
    se = math.sqrt(variance)
    return [_pct(math.log(ratio) - 1.96 * se), _pct(math.log(ratio) + 1.96 * se)]


@pytest.fixture
def effect(client, make, token_for):
    bureau = make.user("bureau")

    def get(**params):
        response = client.get(
            "/api/v1/trends/effect", query_string=params, headers=token_for(bureau) | EN
        )
        assert response.status_code == 200, response.json
        return response.json

    return get


def test_chain_a_before_after_by_hand(hand, effect):
    body = effect(chain=hand["chain_a"].id, window=3)
    assert body["chain"] == hand["chain_a"].id and body["window"] == 3
    assert body["months"] == {"first": "2024-01", "last": "2024-12"}
    assert body["n_enterprises"] == 2 and body["n_control"] == 2
    injury = body["injury_rate"]
    # s1 (Feb–Apr | May–Jul) and s2 (Apr–Jun | Jul–Sep): 5 cases then 2, 60,000 hours each.
    assert injury["before"] == pytest.approx(5e6 / 60_000)
    assert injury["after"] == pytest.approx(2e6 / 60_000)
    assert injury["change_pct"] == pytest.approx(-60.0)
    assert injury["ci95"] == pytest.approx(_interval(0.4, 1 / 5 + 1 / 2))
    assert (injury["count_before"], injury["count_after"]) == (5, 2)
    assert injury["reason"] is None and injury["few_events"] is True


def test_chain_a_enforcement_penalties_and_per_inspection(hand, effect):
    body = effect(chain=hand["chain_a"].id, window=3)
    enforcement = body["enforcement_rate"]
    assert (enforcement["before"], enforcement["after"]) == pytest.approx((200 / 6, 100 / 6))
    assert enforcement["change_pct"] == pytest.approx(-50.0)
    assert enforcement["ci95"] == pytest.approx(_interval(0.5, 1 / 2 + 1 / 1))
    penalty = body["penalty_per_enterprise"]
    assert (penalty["before"], penalty["after"]) == pytest.approx((2000 / 6, 1000 / 6))
    # Amounts: the variance of ln of a total is Σ amount² / total² (one fine each side).
    assert penalty["ci95"] == pytest.approx(_interval(0.5, 1 + 1))
    assert body["inspection_rate"]["change_pct"] == pytest.approx(0.0)
    per_inspection = body["penalty_per_inspection"]
    assert (per_inspection["before"], per_inspection["after"]) == pytest.approx((1000, 500))
    share = body["enforcement_per_inspection"]
    assert (share["before"], share["after"], share["change_pp"]) == pytest.approx((100, 50, -50))


def test_chain_a_did_against_weighted_never_linked(hand, effect):
    did = effect(chain=hand["chain_a"].id, window=3)["did"]
    # Weights before: Feb 1, Mar 1, Apr 2, May 1, Jun 1; after: May 1, Jun 1, Jul 2, Aug 1,
    # Sep 1. Control cases Feb 1, Apr 1, Jul 1, Aug 2 on 20,000 hours a month.
    injury = did["injury_rate"]
    assert injury["control_before"] == pytest.approx(3e6 / 120_000)
    assert injury["control_after"] == pytest.approx(4e6 / 120_000)
    assert injury["control_change_pct"] == pytest.approx(100 / 3)
    assert injury["change_pct"] == pytest.approx((0.4 / (4 / 3) - 1) * 100)  # −70%
    variance = 1 / 5 + 1 / 2 + (1 + 4) / 3**2 + (4 + 2) / 4**2
    assert injury["ci95"] == pytest.approx(_interval(0.3, variance))
    assert did["n_control"] == 2
    # The never-linked had no enforcement at all: no DiD, and the reason says why.
    assert did["enforcement_rate"]["change_pct"] is None
    assert did["enforcement_rate"]["reason"] == "control_no_cases"
    assert "never-linked" in did["enforcement_rate"]["message"]


def test_reporting_integrity_before_and_after(hand, effect):
    share = effect(chain=hand["chain_a"].id, window=3)["reporting_integrity"]
    # Before: s1's self-report, s1's and s2's bureau records; after: insurance and bureau.
    assert share["counts"] == [2, 2] and share["totals"] == [3, 2]
    assert share["before"] == pytest.approx(200 / 3) and share["after"] == pytest.approx(100)
    assert share["change_pp"] == pytest.approx(100 / 3)
    assert share["rising"] is False  # three accidents cannot show it


def test_all_chains_pool_staggered_joins_and_a_zero_hour_month(hand, effect):
    body = effect(window=3)
    assert body["chain"] == "all" and body["n_enterprises"] == 3  # s1, s2, s4; not s3
    injury = body["injury_rate"]
    # s4 adds 30,000 hours before and 20,000 after (no hours in its join month).
    assert injury["before"] == pytest.approx(5e6 / 90_000)
    assert injury["after"] == pytest.approx(2e6 / 80_000)
    assert injury["change_pct"] == pytest.approx(-55.0)
    assert body["enforcement_rate"]["exposure_after"] == 8  # enterprise-months with hours
    did = body["did"]["injury_rate"]
    # Weights before: Feb 1, Mar 2, Apr 3, May 2, Jun 1; after: May 1, Jun 2, Jul 3, Aug 2, Sep 1.
    assert did["control_before"] == pytest.approx(4e6 / 180_000)
    assert did["control_after"] == pytest.approx(7e6 / 180_000)
    assert did["change_pct"] == pytest.approx((0.45 / 1.75 - 1) * 100)
    variance = 1 / 5 + 1 / 2 + (1 + 9) / 4**2 + (9 + 4 * 2) / 7**2
    assert did["ci95"] == pytest.approx(_interval(0.45 / 1.75, variance))


def test_a_chain_without_accidents_has_no_interval_and_says_why(hand, effect):
    body = effect(chain=hand["chain_b"].id, window=3)
    assert body["n_enterprises"] == 1
    injury = body["injury_rate"]
    assert injury["before"] == 0 and injury["after"] == 0
    assert (injury["change_pct"], injury["ci95"], injury["reason"]) == (None, None, "no_cases")
    assert injury["message"].startswith("No cases in either window")
    assert body["did"]["injury_rate"]["change_pct"] is None
    assert body["reporting_integrity"]["before"] is None


def test_event_time_rows(hand, effect):
    rows = effect(chain=hand["chain_a"].id, window=3)["event_time"]
    assert [r["rel"] for r in rows] == [-3, -2, -1, 0, 1, 2]
    # −3: s1 Feb 0 + s2 Apr 2; −2: s1 Mar 2 + s2 May 0; −1: s1 Apr 1 + s2 Jun 0; 0: none;
    # +1: s1 Jun 1; +2: s2 Sep 1 (after it left). The control at −3 is Feb and Apr.
    assert [r["cases"] for r in rows] == [2, 2, 1, 0, 1, 1]
    assert rows[0]["injury_rate"] == pytest.approx(2e6 / 20_000)
    assert rows[0]["control_rate"] == pytest.approx((1 + 1) * 1e6 / 40_000)  # Feb + Apr
    assert rows[3]["low"] == 0 and rows[3]["high"] > 0


def test_a_window_wider_than_the_data_includes_nobody(hand, effect):
    body = effect(chain=hand["chain_a"].id, window=7)
    assert body["n_enterprises"] == 0
    assert body["injury_rate"]["reason"] == "no_exposure_before"
