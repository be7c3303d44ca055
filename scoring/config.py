"""Model parameters: frozen dataclasses with documented defaults, built from a config mapping."""

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MODEL_VERSION = "anlian-safety-1.0"

GRADE_COLORS = {"A": "blue", "B": "yellow", "C": "orange", "D": "red"}
STANDARDIZATION_LEVELS = ("level1", "level2", "level3", "small_micro", "none")
RISK_COLORS = ("red", "orange", "yellow", "blue", "")


def _require(ok: bool, key: str, why: str) -> None:
    """Raise ValueError naming the config key when a constraint fails."""
    if not ok:
        raise ValueError(f"config key '{key}': {why}")


def _positive(obj: Any, prefix: str, names: tuple[str, ...]) -> None:
    """Require each named numeric field to be finite and > 0."""
    for name in names:
        value = getattr(obj, name)
        _require(math.isfinite(value) and value > 0, f"{prefix}{name}", "must be > 0")


def _non_negative(obj: Any, prefix: str, names: tuple[str, ...]) -> None:
    """Require each named numeric field to be finite and >= 0."""
    for name in names:
        value = getattr(obj, name)
        _require(math.isfinite(value) and value >= 0, f"{prefix}{name}", "must be >= 0")


@dataclass(frozen=True)
class Weights:
    """Component weights in score points; they sum to 100."""

    accidents: float = 35.0
    enforcement: float = 25.0
    hazards: float = 25.0
    foundation: float = 15.0

    def __post_init__(self) -> None:
        _non_negative(self, "weights.", ("accidents", "enforcement", "hazards", "foundation"))
        total = self.accidents + self.enforcement + self.hazards + self.foundation
        _require(abs(total - 100.0) < 1e-6, "weights", f"must sum to 100, got {total:g}")

    def as_dict(self) -> dict[str, float]:
        """Component name -> weight, in display order."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Severity:
    """Weights of one injured person by severity (a death counts 20 minor injuries)."""

    minor: float = 1.0
    serious: float = 4.0
    death: float = 20.0

    def __post_init__(self) -> None:
        _positive(self, "severity.", ("minor", "serious", "death"))


@dataclass(frozen=True)
class Grades:
    """Lowest rounded score of grades A, B and C; anything below C is D."""

    A: float = 85.0
    B: float = 70.0
    C: float = 60.0

    def __post_init__(self) -> None:
        _require(100 >= self.A > self.B > self.C >= 0, "grades", "need 100 >= A > B > C >= 0")


@dataclass(frozen=True)
class AccidentParams:
    """Credibility and point-mapping parameters of the accident component (hours, per 1e6 h)."""

    credibility_hours: float = 500_000.0  # K: hours at which a firm's own record gets Z = 1/2
    industry_credibility_hours: float = 2_000_000.0  # K_ind: shrinks an industry to the city
    half_points_rate: float = 10.0  # credible weighted rate per 1e6 h that scores 50 points
    low_confidence_hours: float = 200_000.0  # below this exposure the result says "low"
    interval_level: float = 0.95  # coverage of the exact Poisson interval of the own rate

    def __post_init__(self) -> None:
        names = ("credibility_hours", "industry_credibility_hours", "half_points_rate")
        _positive(self, "accidents.", names)
        _non_negative(self, "accidents.", ("low_confidence_hours",))
        ok = 0.5 < self.interval_level < 1
        _require(ok, "accidents.interval_level", "must lie in (0.5, 1)")


@dataclass(frozen=True)
class OutcomeWeights:
    """Weight of one inspection by outcome; none/rectify are not inputs at all."""

    warning: float = 1.0
    fine: float = 2.0
    suspension: float = 4.0
    referral: float = 6.0

    def __post_init__(self) -> None:
        _non_negative(self, "enforcement.outcome_weights.", tuple(dataclasses.asdict(self)))


@dataclass(frozen=True)
class EnforcementParams:
    """Time decay and point mapping of enforcement cases and penalties."""

    half_life_months: float = 6.0  # a case k months ago weighs 2^(-k/half_life)
    half_points_cases: float = 4.0  # decayed weighted cases that halve the points
    penalty_scale_cny: float = 100_000.0  # decayed penalty that halves the points again
    outcome_weights: OutcomeWeights = field(default_factory=OutcomeWeights)

    def __post_init__(self) -> None:
        names = ("half_life_months", "half_points_cases", "penalty_scale_cny")
        _positive(self, "enforcement.", names)


@dataclass(frozen=True)
class HazardParams:
    """Rectification prior, overdue penalty and self-check credit of the hazard component."""

    prior_on_time_rate: float = 0.95  # R0: assumed on-time rate before any hazard is due
    prior_weight: float = 2.0  # m: pseudo-hazards behind the prior
    self_check_share: float = 0.2  # b: share of the component earned by self-checking
    self_check_half_per_worker: float = 0.1  # self-check hazards per worker giving half of b
    major_overdue_weight: float = 5.0  # an overdue major hazard counts as 5 general ones
    overdue_half: float = 2.0  # weighted overdue hazards that halve the points

    def __post_init__(self) -> None:
        _require(0 <= self.prior_on_time_rate <= 1, "hazards.prior_on_time_rate", "in [0, 1]")
        _require(0 <= self.self_check_share <= 1, "hazards.self_check_share", "in [0, 1]")
        names = ("prior_weight", "self_check_half_per_worker", "major_overdue_weight")
        _positive(self, "hazards.", names + ("overdue_half",))


@dataclass(frozen=True)
class StandardizationPoints:
    """Foundation points per (valid) standardization level."""

    level1: float = 60.0
    level2: float = 55.0
    level3: float = 50.0
    small_micro: float = 45.0
    none: float = 0.0

    def __post_init__(self) -> None:
        _non_negative(self, "foundation.standardization.", STANDARDIZATION_LEVELS)


@dataclass(frozen=True)
class RiskColorPoints:
    """Foundation points per four-colour risk class; `unknown` when none is assigned."""

    red: float = 0.0
    orange: float = 8.0
    yellow: float = 18.0
    blue: float = 25.0
    unknown: float = 12.0

    def __post_init__(self) -> None:
        _non_negative(self, "foundation.risk_color.", tuple(dataclasses.asdict(self)))


@dataclass(frozen=True)
class FoundationParams:
    """Points of the foundation component; their sum is capped at 100."""

    standardization: StandardizationPoints = field(default_factory=StandardizationPoints)
    steward: float = 15.0
    risk_color: RiskColorPoints = field(default_factory=RiskColorPoints)

    def __post_init__(self) -> None:
        _non_negative(self, "foundation.", ("steward",))


@dataclass(frozen=True)
class ScoringConfig:
    """All parameters of the safety score; every field has the documented default."""

    window_months: int = 12
    standard_hours_per_month: float = 174.0
    weights: Weights = field(default_factory=Weights)
    severity: Severity = field(default_factory=Severity)
    grades: Grades = field(default_factory=Grades)
    accidents: AccidentParams = field(default_factory=AccidentParams)
    enforcement: EnforcementParams = field(default_factory=EnforcementParams)
    hazards: HazardParams = field(default_factory=HazardParams)
    foundation: FoundationParams = field(default_factory=FoundationParams)

    def __post_init__(self) -> None:
        _require(1 <= self.window_months <= 120, "window_months", "must be in 1..120")
        _non_negative(self, "", ("standard_hours_per_month",))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "ScoringConfig":
        """Build from a nested mapping (e.g. a TOML table); unknown keys or bad types raise."""
        return _build(cls, data, "")

    def to_mapping(self) -> dict[str, Any]:
        """The nested plain-dict form that from_mapping accepts."""
        return dataclasses.asdict(self)


def _build(cls: type, data: Any, prefix: str) -> Any:
    """Construct dataclass `cls` from `data`, checking keys and scalar types recursively."""
    _require(isinstance(data, Mapping), prefix.rstrip(".") or "<root>", "must be a table")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if key not in fields:
            raise ValueError(f"unknown config key '{name}'")
        kwargs[key] = _convert(fields[key].type, value, name)
    return cls(**kwargs)


def _convert(kind: Any, value: Any, name: str) -> Any:
    """Check one value against its declared type; ints are accepted for floats, bools never."""
    if dataclasses.is_dataclass(kind):
        return _build(kind, value, f"{name}.")
    if isinstance(value, bool):
        raise ValueError(f"config key '{name}': expected a number, got a boolean")
    if kind is int and isinstance(value, int):
        return value
    if kind is float and isinstance(value, int | float):
        return float(value)
    raise ValueError(f"config key '{name}': expected {kind.__name__}, got {type(value).__name__}")


def grade_for(score: float, config: ScoringConfig | None = None) -> tuple[str, str]:
    """Grade and colour of a rounded score: A >= 85 blue, B >= 70 yellow, C >= 60 orange, D red."""
    grades = (config or ScoringConfig()).grades
    for grade, floor in (("A", grades.A), ("B", grades.B), ("C", grades.C)):
        if score >= floor:
            return grade, GRADE_COLORS[grade]
    return "D", GRADE_COLORS["D"]
