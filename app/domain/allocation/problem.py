"""The allocator's input and output: problem, figures and result, and their JSON shape."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

Id = int | str
Message = Mapping[str, str]  # {"de": ..., "en": ...}

SECTORS = ("civil_society", "public_administration", "business", "research", "private", "unknown")
UNKNOWN = "unknown"

RANK_COSTS = (0.0, 1.0, 3.0, 6.0, 10.0)  # 1st .. 5th choice
LATER_RANK_COST = 15.0  # 6th choice and later
UNRANKED_COST = 20.0  # a topic the person did not choose
MIX_UNIT = 2.0  # per person of sector deviation beyond the tolerance, times mix_weight
MIX_TOLERANCE = 1.0  # persons of deviation per group and sector that cost nothing
ORG_UNIT = 2.0  # per extra colleague of the same organisation in a group, times mix_weight
MOVE_COST = 0.5  # per person moved away from their previous group
MIN_SIZE_PENALTY = 1000.0  # per person a group is short of its minimum
# Up to this many people the mix and organisation terms are exact (see `prepared.Prepared.exact`):
# each group's total-variation distance to the room's sector mix, without a free band, and
# every pair of colleagues in a group. Beyond, the banded terms above (fast, tight LP bound).
EXACT_LIMIT = 60
# From this mix_weight on (the two mixing steps, "Eher Durchmischung" 2 and "Vor allem
# Durchmischung" 4), colleagues come first: after the groups' minimum sizes, the number of
# same-organisation pairs in one group is the fewest any assignment has (a rule, not a cost),
# and only then preferences and the sector mix are weighed. Below it they are a cost.
COLLEAGUES_FIRST_WEIGHT = 2.0

DEFAULT_TIME_LIMIT = 300.0  # seconds; a safety net, not the stopping rule
DIRECT_LIMIT = 40_000  # unit x group variables up to which one model is solved
SEED = 20240601


# --------------------------------------------------------------------------- input and output


@dataclass(frozen=True)
class Group:
    """A breakout group as the allocator sees it."""

    id: Id
    topic: Id
    min_size: int
    max_size: int


@dataclass(frozen=True)
class Person:
    """A person to place: sector, organisation, ranked topics, pin and previous group."""

    id: Id
    sector: str = UNKNOWN
    organisation: str | None = None
    preferences: tuple[Id, ...] = ()  # topic ids, best first
    pinned_group: Id | None = None
    previous_group: Id | None = None  # the group of an earlier run, for a stable re-run


@dataclass(frozen=True)
class Problem:
    """Everything the allocator decides on."""

    groups: tuple[Group, ...]
    people: tuple[Person, ...]
    keep_apart: tuple[tuple[Id, Id], ...] = ()
    keep_together: tuple[tuple[Id, Id], ...] = ()
    mix_weight: float = 1.0  # 0 = topics only; higher = mixing (and splitting colleagues) counts more
    topic_labels: Mapping[Id, str] = field(default_factory=dict)  # for the reasons; default the topic id
    person_labels: Mapping[Id, str] = field(default_factory=dict)  # names in the reasons; default the id
    group_labels: Mapping[Id, str] = field(default_factory=dict)  # the same for groups


@dataclass(frozen=True)
class Figures:
    """How good an assignment is; the same figures for any assignment (solver or baseline)."""

    people: int
    groups: int
    with_preferences: int  # people who ranked at least one topic
    first_choice: float | None  # shares of `with_preferences`
    second_choice: float | None
    third_choice: float | None
    unranked_choice: float | None  # placed in a topic they did not rank
    mix_distance_mean: float  # per group: total-variation distance of its sector mix to the room's
    mix_distance_max: float
    groups_with_every_sector: int  # non-empty groups containing every known sector of the room
    nonempty_groups: int
    lone_sector_people: int  # the only one of their (known) sector in their group
    same_organisation_pairs: int
    rule_violations: int
    violations: tuple[str, ...]
    underfilled_groups: tuple[Id, ...]  # below min_size: a warning, not a violation
    moved: int  # people not in their previous group (0 without previous groups)
    objective_parts: Mapping[str, float]  # rank, mix, organisation, min_size, moves
    colleagues_first: bool = False  # a mixing step: colleague pairs a rule, not a cost


@dataclass(frozen=True)
class Allocation:
    """The allocator's answer: an assignment with figures, or an error."""

    status: str  # "optimal" | "gap_reached" | "time_limit" | "infeasible" | "invalid"
    method: str  # "direct" | "two_stage" | "none"
    assignment: Mapping[Id, Id]
    figures: Figures | None
    objective: float | None
    bound: float | None  # proven lower bound on the objective of any valid assignment
    gap: float | None  # (objective - bound) / objective
    reasons: Mapping[Id, Message]
    warnings: tuple[Message, ...] = ()
    error: Message | None = None
    # At the mixing steps: the fewest colleague pairs any assignment that keeps the rules (and
    # fills the groups as far as possible) can have, proven; None at the other steps, or if
    # not proven within the time limit (then `figures.same_organisation_pairs` may be higher).
    fewest_colleague_pairs: int | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class ProblemError(ValueError):
    """A problem file that does not have the documented shape."""


def order_key(value: Id):
    """Sort key for ids that may be ints or strings."""
    return (0, value, "") if isinstance(value, int) else (1, 0, str(value))


def _id(value, what: str) -> Id:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ProblemError(f"{what} must be a string or an integer, not {value!r}")
    return value


def _int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProblemError(f"{what} must be an integer, not {value!r}")
    return value


def _pairs(raw, what: str) -> tuple[tuple[Id, Id], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ProblemError(f"{what} must be a list of [id, id] pairs")
    pairs = []
    for pair in raw:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ProblemError(f"{what} must be a list of [id, id] pairs, not {pair!r}")
        pairs.append((_id(pair[0], what), _id(pair[1], what)))
    return tuple(pairs)


def problem_from_dict(data: Mapping) -> Problem:
    """Build a Problem from the JSON problem format; raise ProblemError on a wrong shape."""
    if not isinstance(data, Mapping):
        raise ProblemError("the problem must be a JSON object")
    groups_raw, people_raw = data.get("groups"), data.get("people")
    if not isinstance(groups_raw, list) or not isinstance(people_raw, list):
        raise ProblemError("the problem needs a list of groups and a list of people")
    groups = []
    for raw in groups_raw:
        if not isinstance(raw, Mapping) or "id" not in raw or "max_size" not in raw:
            raise ProblemError(f"a group needs at least id and max_size: {raw!r}")
        groups.append(Group(id=_id(raw["id"], "group id"),
                            topic=_id(raw.get("topic", raw["id"]), "topic"),
                            min_size=_int(raw.get("min_size", 0), "min_size"),
                            max_size=_int(raw["max_size"], "max_size")))
    people = []
    for raw in people_raw:
        if not isinstance(raw, Mapping) or "id" not in raw:
            raise ProblemError(f"a person needs an id: {raw!r}")
        prefs = raw.get("preferences") or []
        if not isinstance(prefs, list):
            raise ProblemError(f"preferences must be a list of topic ids: {prefs!r}")
        org = raw.get("organisation")
        if org is not None and not isinstance(org, str | int):
            raise ProblemError(f"organisation must be a string or null: {org!r}")
        pinned, previous = raw.get("pinned_group"), raw.get("previous_group")
        people.append(Person(
            id=_id(raw["id"], "person id"),
            sector=raw.get("sector") or UNKNOWN,
            organisation=None if org is None or org == "" else str(org),
            preferences=tuple(_id(t, "topic") for t in prefs),
            pinned_group=None if pinned is None else _id(pinned, "pinned_group"),
            previous_group=None if previous is None else _id(previous, "previous_group")))
    weight = data.get("mix_weight", 1.0)
    if weight is None:
        weight = 1.0
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        raise ProblemError(f"mix_weight must be a number: {weight!r}")
    labels = data.get("topic_labels") or {}
    if not isinstance(labels, Mapping):
        raise ProblemError("topic_labels must be an object")
    return Problem(groups=tuple(groups), people=tuple(people),
                   keep_apart=_pairs(data.get("keep_apart"), "keep_apart"),
                   keep_together=_pairs(data.get("keep_together"), "keep_together"),
                   mix_weight=float(weight), topic_labels=dict(labels))


def _round(value, digits=6):
    return None if value is None else round(float(value), digits)


def figures_to_dict(figures: Figures) -> dict:
    """The figures as JSON-ready values."""
    return {
        "people": figures.people, "groups": figures.groups,
        "with_preferences": figures.with_preferences,
        "first_choice": _round(figures.first_choice),
        "second_choice": _round(figures.second_choice),
        "third_choice": _round(figures.third_choice),
        "unranked_choice": _round(figures.unranked_choice),
        "mix_distance_mean": _round(figures.mix_distance_mean),
        "mix_distance_max": _round(figures.mix_distance_max),
        "groups_with_every_sector": figures.groups_with_every_sector,
        "nonempty_groups": figures.nonempty_groups,
        "lone_sector_people": figures.lone_sector_people,
        "same_organisation_pairs": figures.same_organisation_pairs,
        "rule_violations": figures.rule_violations,
        "violations": list(figures.violations),
        "underfilled_groups": list(figures.underfilled_groups),
        "moved": figures.moved,
        "objective_parts": {k: _round(v) for k, v in figures.objective_parts.items()},
        "colleagues_first": figures.colleagues_first,
    }


def allocation_to_dict(result: Allocation) -> dict:
    """The result in the documented JSON shape (person ids become JSON keys)."""
    out = {
        "status": result.status,
        "method": result.method,
        "assignment": {str(p): g for p, g in result.assignment.items()},
        "figures": None if result.figures is None else figures_to_dict(result.figures),
        "objective": _round(result.objective),
        "bound": _round(result.bound),
        "gap": _round(result.gap),
        "reasons": {str(p): dict(r) for p, r in result.reasons.items()},
        "warnings": [dict(w) for w in result.warnings],
        "fewest_colleague_pairs": result.fewest_colleague_pairs,
    }
    if result.error is not None:
        out["error"] = dict(result.error)
    return out


# --------------------------------------------------------------------------- preparation
