"""ScoringConfig.from_mapping, validation and grade_for."""

import pytest

from scoring import ScoringConfig, grade_for


def test_defaults_match_the_documented_values():
    cfg = ScoringConfig()
    assert cfg.window_months == 12
    assert cfg.weights.as_dict() == {
        "accidents": 35.0,
        "enforcement": 25.0,
        "hazards": 25.0,
        "foundation": 15.0,
    }
    assert (cfg.severity.minor, cfg.severity.serious, cfg.severity.death) == (1, 4, 20)
    assert (cfg.grades.A, cfg.grades.B, cfg.grades.C) == (85, 70, 60)
    assert cfg.standard_hours_per_month == 174
    assert cfg.accidents.credibility_hours == 500_000
    assert cfg.enforcement.half_life_months == 6


def test_round_trip_through_a_mapping():
    cfg = ScoringConfig()
    assert ScoringConfig.from_mapping(cfg.to_mapping()) == cfg


def test_partial_mapping_keeps_other_defaults_and_accepts_ints_for_floats():
    cfg = ScoringConfig.from_mapping(
        {
            "weights": {"accidents": 40, "enforcement": 20, "hazards": 25, "foundation": 15},
            "enforcement": {"outcome_weights": {"referral": 8}},
            "window_months": 12,
        }
    )
    assert cfg.weights.accidents == 40.0
    assert cfg.enforcement.outcome_weights.referral == 8.0
    assert cfg.enforcement.outcome_weights.fine == 2.0
    assert cfg.severity.death == 20.0


@pytest.mark.parametrize(
    ("mapping", "key"),
    [
        ({"weight": {}}, "weight"),
        ({"weights": {"accident": 35}}, "weights.accident"),
        (
            {"enforcement": {"outcome_weights": {"rectify": 1}}},
            "enforcement.outcome_weights.rectify",
        ),
        ({"severity": {"death": "20"}}, "severity.death"),
        ({"severity": {"death": True}}, "severity.death"),
        ({"window_months": 12.0}, "window_months"),
        ({"weights": 35}, "weights"),
        ({"weights": {"accidents": 50}}, "weights"),
        ({"grades": {"A": 60, "B": 70}}, "grades"),
        ({"accidents": {"credibility_hours": 0}}, "accidents.credibility_hours"),
        ({"enforcement": {"half_life_months": -1}}, "enforcement.half_life_months"),
        ({"hazards": {"prior_on_time_rate": 1.5}}, "hazards.prior_on_time_rate"),
        ({"foundation": {"risk_color": {"blue": -5}}}, "foundation.risk_color.blue"),
        ({"window_months": 0}, "window_months"),
    ],
)
def test_bad_mappings_raise_naming_the_key(mapping, key):
    with pytest.raises(ValueError, match=f"'{key}'"):
        ScoringConfig.from_mapping(mapping)


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (100.0, ("A", "blue")),
        (85.0, ("A", "blue")),
        (84.9, ("B", "yellow")),
        (70.0, ("B", "yellow")),
        (69.9, ("C", "orange")),
        (60.0, ("C", "orange")),
        (59.9, ("D", "red")),
        (0.0, ("D", "red")),
    ],
)
def test_grade_for_thresholds(score, expected):
    assert grade_for(score) == expected


def test_grade_for_uses_configured_thresholds():
    cfg = ScoringConfig.from_mapping({"grades": {"A": 90, "B": 80, "C": 50}})
    assert grade_for(85.0, cfg) == ("B", "yellow")
    assert grade_for(55.0, cfg) == ("C", "orange")
