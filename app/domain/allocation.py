"""Breakout allocation: who goes to which group, solved optimally and explained.

A pure, deterministic function: `compute_allocation(problem) -> Allocation`.
No flask, no database; the breakouts service builds a `Problem` from its rows
(or `problem_from_dict` from a JSON problem file) and writes what comes back.

The model is a mixed-integer program solved by HiGHS (through `highspy`):

- one binary per unit (a person, or a keep-together cluster of people) and
  plausible group; every unit in exactly one group; pins fix the group;
- rank cost per person, growing faster for worse choices: 0, 1, 3, 6, 10 for
  the 1st..5th choice, 15 for a later one, 20 for a topic not chosen (0 for
  people who chose nothing: they don't mind); groups of one topic are
  interchangeable for preferences;
- sector mix ("bunt gemischt"): for each group and known sector, the linearised
  absolute deviation of its count from the room's proportion of the group;
  one person either way is free (an exact share is impossible in whole
  people, and penalising that rounding would only inflate the objective and
  the gap), every further person costs 2 x `mix_weight`;
- organisations: every colleague beyond the first in a group costs 2 x `mix_weight`;
- max size hard; min size soft, 1000 per missing person (so an under-filled
  group is a warning, never a failure);
- keep-apart / keep-together hard;
- on a re-run, 0.5 for each person moved away from their previous group.

Small inputs (up to 40,000 unit x group variables, e.g. 300 people in 20
groups) are solved as that one model ("direct"); its bound is the better of
HiGHS's proven dual bound and the two-stage bound below. Larger inputs are
solved in two stages ("two_stage"): first people to topics together with every
group's sector counts (exact for sizes and mix; organisations, keep-apart and
moves counted per topic as lower bounds), which is a relaxation of the whole
model; then each topic's people into its groups with those counts. The bound is
the LP optimum of the first stage strengthened by valid "mix hull" rows
(`_add_mix_hull`): they cut off no whole solution and change no cost, but they
close most of the plain LP's gap (fractional people inside the free band of
the mix penalty, or a group mixing two sizes around its minimum). The direct
model carries the same rows. The objective is always re-computed on the final
assignment and the gap is taken against the proven bound, so both methods
report an honest gap. HiGHS runs single-threaded with a fixed seed on a model
built from sorted inputs and stops on a relative gap target: the same input
gives the same output. A time limit exists only as a safety net; if it is ever
hit the status says "time_limit" (and the result may then depend on the
machine's speed).
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import highspy
import numpy as np

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

    @property
    def ok(self) -> bool:
        return self.error is None


class ProblemError(ValueError):
    """A problem file that does not have the documented shape."""


def _order(value: Id):
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
    }
    if result.error is not None:
        out["error"] = dict(result.error)
    return out


# --------------------------------------------------------------------------- preparation


def rank_cost(rank: int | None) -> float:
    """Cost of placing someone on their `rank`-th choice (None: a topic they did not choose)."""
    if rank is None:
        return UNRANKED_COST
    return RANK_COSTS[rank - 1] if rank <= len(RANK_COSTS) else LATER_RANK_COST


class _Infeasible(Exception):
    def __init__(self, status: str, en: str, de: str):
        super().__init__(en)
        self.status = status
        self.message = {"de": de, "en": en}


def _invalid(en: str, de: str) -> _Infeasible:
    return _Infeasible("invalid", en, de)


def _infeasible(en: str, de: str) -> _Infeasible:
    return _Infeasible("infeasible", en, de)


class _Prepared:
    """The problem in sorted, indexed form, checked for errors and plain infeasibility."""

    def __init__(self, problem: Problem, *, check_feasible: bool = True):
        self.problem = problem
        self.weight = float(problem.mix_weight)
        if not math.isfinite(self.weight) or self.weight < 0:
            raise _invalid("mix_weight must be a number of at least 0.",
                           "mix_weight muss eine Zahl von mindestens 0 sein.")
        self.groups = sorted(problem.groups, key=lambda g: _order(g.id))
        self.people = sorted(problem.people, key=lambda p: _order(p.id))
        for kind, ids in (("group", [g.id for g in self.groups]),
                          ("person", [p.id for p in self.people])):
            seen = set()
            for value in ids:
                if str(value) in seen:
                    raise _invalid(f"The {kind} id {value} occurs twice.",
                                   f"Die Kennung {value} ({'Gruppe' if kind == 'group' else 'Person'})"
                                   " kommt doppelt vor.")
                seen.add(str(value))
        self.gi = {g.id: i for i, g in enumerate(self.groups)}
        self.pi = {p.id: i for i, p in enumerate(self.people)}
        for g in self.groups:
            if g.min_size < 0 or g.max_size < 0 or g.min_size > g.max_size:
                raise _invalid(f"Group {g.id}: sizes must satisfy 0 ≤ min_size ≤ max_size.",
                               f"Gruppe {g.id}: Größen müssen 0 ≤ min_size ≤ max_size erfüllen.")
        self.topics = sorted({g.topic for g in self.groups}, key=_order)
        self.ti = {t: i for i, t in enumerate(self.topics)}
        self.group_topic = [self.ti[g.topic] for g in self.groups]
        self.topic_groups = [[] for _ in self.topics]
        for gi, t in enumerate(self.group_topic):
            self.topic_groups[t].append(gi)
        self.max = [g.max_size for g in self.groups]
        self.min = [g.min_size for g in self.groups]

        # People: sector, organisation, ranked topics, pin, previous group.
        self.sector = []
        for p in self.people:
            if p.sector not in SECTORS:
                raise _invalid(f"Person {p.id}: unknown sector {p.sector!r}.",
                               f"Person {p.id}: unbekannter Sektor {p.sector!r}.")
            self.sector.append(p.sector)
        present = {s for s in self.sector if s != UNKNOWN}
        self.known_sectors = [s for s in SECTORS if s in present]
        self.si = {s: i for i, s in enumerate(self.known_sectors)}
        known_total = sum(1 for s in self.sector if s != UNKNOWN)
        self.known_total = known_total
        self.sector_count = [sum(1 for x in self.sector if x == s) for s in self.known_sectors]
        self.share = [c / known_total for c in self.sector_count]
        self.sector_index = [self.si.get(s) for s in self.sector]  # None for unknown

        org_count = defaultdict(int)
        for p in self.people:
            if p.organisation is not None:
                org_count[p.organisation] += 1
        self.orgs = sorted(o for o, n in org_count.items() if n >= 2)
        oi = {o: i for i, o in enumerate(self.orgs)}
        self.org = [oi.get(p.organisation) for p in self.people]  # None: no colleague here

        self.ranks: list[dict[int, int]] = []
        self.has_prefs = []
        unknown_topics = defaultdict(int)
        for p in self.people:
            ranks = {}
            for rank, topic in enumerate(p.preferences, start=1):
                if topic not in self.ti:
                    unknown_topics[topic] += 1
                    continue
                ranks.setdefault(self.ti[topic], rank)
            self.ranks.append(ranks)
            self.has_prefs.append(bool(p.preferences))
        self.warnings = [
            {"en": f"Topic {t} was chosen by {n} people but no group has it.",
             "de": f"Thema {t} wurde von {n} Personen gewählt, aber keine Gruppe hat es."}
            for t, n in sorted(unknown_topics.items(), key=lambda kv: _order(kv[0]))]

        self.pin = []
        for p in self.people:
            if p.pinned_group is not None and p.pinned_group not in self.gi:
                raise _invalid(f"Person {p.id} is pinned to group {p.pinned_group}, which does not exist.",
                               f"Person {p.id} ist der Gruppe {p.pinned_group} fest zugeordnet, "
                               "die es nicht gibt.")
            self.pin.append(None if p.pinned_group is None else self.gi[p.pinned_group])
        # A previous group that no longer exists is simply forgotten.
        self.prev = [self.gi.get(p.previous_group) if p.previous_group is not None else None
                     for p in self.people]

        def pair_indices(pairs, kind_en, kind_de):
            out = set()
            for a, b in pairs:
                for x in (a, b):
                    if x not in self.pi:
                        raise _invalid(f"{kind_en}: person {x} is not among the people.",
                                       f"{kind_de}: Person {x} ist nicht unter den Personen.")
                if a == b:
                    raise _invalid(f"{kind_en}: a pair needs two different people ({a}).",
                                   f"{kind_de}: ein Paar braucht zwei verschiedene Personen ({a}).")
                i, j = sorted((self.pi[a], self.pi[b]))
                out.add((i, j))
            return sorted(out)

        self.apart_pairs = pair_indices(problem.keep_apart, "keep_apart", "Trennen")
        self.together_pairs = pair_indices(problem.keep_together, "keep_together", "Zusammenhalten")
        self.apart_of = defaultdict(list)
        for i, j in self.apart_pairs:
            self.apart_of[i].append(j)
            self.apart_of[j].append(i)
        self.together_of = defaultdict(list)
        for i, j in self.together_pairs:
            self.together_of[i].append(j)
            self.together_of[j].append(i)
        self.cost = [[self.person_cost(i, t) for t in range(len(self.topics))]
                     for i in range(len(self.people))]
        self._build_units()
        if check_feasible:
            self._check_feasible()

    def person_cost(self, i: int, topic: int) -> float:
        """Rank cost of person i on a topic; people who chose nothing don't mind."""
        if not self.has_prefs[i]:
            return 0.0
        return rank_cost(self.ranks[i].get(topic))

    def label(self, topic: int) -> str:
        t = self.topics[topic]
        return str(self.problem.topic_labels.get(t, t))

    def person_label(self, i: int) -> str:
        p = self.people[i].id
        return str(self.problem.person_labels.get(p, p))

    def group_label(self, g: int) -> str:
        gid = self.groups[g].id
        return str(self.problem.group_labels.get(gid, gid))

    def _build_units(self) -> None:
        parent = list(range(len(self.people)))

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for i, j in self.together_pairs:
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
        members = defaultdict(list)
        for i in range(len(self.people)):
            members[find(i)].append(i)
        self.units = [members[r] for r in sorted(members)]
        self.unit_of = [0] * len(self.people)
        for u, ms in enumerate(self.units):
            for i in ms:
                self.unit_of[i] = u
        self.unit_pin = []
        for ms in self.units:
            pins = sorted({self.pin[i] for i in ms if self.pin[i] is not None})
            if len(pins) > 1:
                a = next(i for i in ms if self.pin[i] == pins[0])
                b = next(i for i in ms if self.pin[i] == pins[1])
                raise _infeasible(
                    f"{self.people[a].id} and {self.people[b].id} must be kept together but are "
                    f"pinned to different groups ({self.groups[pins[0]].id}, {self.groups[pins[1]].id}).",
                    f"{self.people[a].id} und {self.people[b].id} sollen zusammenbleiben, sind aber "
                    f"fest verschiedenen Gruppen zugeordnet ({self.groups[pins[0]].id}, "
                    f"{self.groups[pins[1]].id}).")
            self.unit_pin.append(pins[0] if pins else None)
        self.unit_apart = set()
        for i, j in self.apart_pairs:
            u, v = self.unit_of[i], self.unit_of[j]
            if u == v:
                a, b = self.people[i].id, self.people[j].id
                raise _infeasible(f"{a} and {b} must be kept apart and kept together.",
                                  f"{a} und {b} sollen zugleich getrennt und zusammen sein.")
            self.unit_apart.add((min(u, v), max(u, v)))
        self.unit_apart = sorted(self.unit_apart)
        self.unit_apart_of = defaultdict(list)
        for u, v in self.unit_apart:
            self.unit_apart_of[u].append(v)
            self.unit_apart_of[v].append(u)

    def _check_feasible(self) -> None:
        n = len(self.people)
        if n and not self.groups:
            raise _infeasible(f"{n} people but no groups.", f"{n} Personen, aber keine Gruppen.")
        capacity = sum(self.max)
        if n > capacity:
            raise _infeasible(f"{n} people but the groups hold only {capacity} in total.",
                              f"{n} Personen, aber die Gruppen fassen zusammen nur {capacity}.")
        pinned = defaultdict(int)
        biggest = max(self.max, default=0)
        for u, ms in enumerate(self.units):
            g = self.unit_pin[u]
            if g is not None:
                pinned[g] += len(ms)
            elif len(ms) > biggest:
                raise _infeasible(
                    f"{len(ms)} people must stay together, but no group holds that many.",
                    f"{len(ms)} Personen sollen zusammenbleiben, aber keine Gruppe fasst so viele.")
        for g, count in sorted(pinned.items()):
            if count > self.max[g]:
                raise _infeasible(
                    f"Pins put {count} people into group {self.groups[g].id}, "
                    f"which holds at most {self.max[g]}.",
                    f"Durch feste Zuordnungen wären {count} Personen in Gruppe "
                    f"{self.groups[g].id}, die höchstens {self.max[g]} fasst.")
        for u, v in self.unit_apart:
            if self.unit_pin[u] is not None and self.unit_pin[u] == self.unit_pin[v]:
                a = next(i for i in self.units[u])
                b = next(i for i in self.units[v])
                raise _infeasible(
                    f"{self.people[a].id} and {self.people[b].id} must be kept apart but are pinned "
                    f"to the same group {self.groups[self.unit_pin[u]].id}.",
                    f"{self.people[a].id} und {self.people[b].id} sollen getrennt sein, sind aber "
                    f"fest derselben Gruppe {self.groups[self.unit_pin[u]].id} zugeordnet.")

    def unit_cost(self, u: int, g: int) -> float:
        """Rank and move cost of placing unit u in group g."""
        t = self.group_topic[g]
        return sum(self.cost[i][t] + (MOVE_COST if self.prev[i] is not None and self.prev[i] != g
                                      else 0.0) for i in self.units[u])

    def plausible_groups(self, u: int) -> list[int]:
        if self.unit_pin[u] is not None:
            return [self.unit_pin[u]]
        size = len(self.units[u])
        return [g for g in range(len(self.groups)) if self.max[g] >= size]


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class _Evaluation:
    objective: float
    parts: dict[str, float]
    figures: Figures


def _evaluate(prep: _Prepared, assignment: Mapping[Id, Id]) -> _Evaluation:
    groups = prep.groups
    members = [[] for _ in groups]
    violations = []
    place = []
    for i, p in enumerate(prep.people):
        g = prep.gi.get(assignment[p.id]) if p.id in assignment else None
        if g is None:
            violations.append(f"{p.id} is in no group")
        else:
            members[g].append(i)
        place.append(g)
    extra = sorted((set(map(str, assignment)) - {str(p.id) for p in prep.people}))
    for pid in extra:
        violations.append(f"{pid} is not among the people")
    for g, ms in enumerate(members):
        if len(ms) > prep.max[g]:
            violations.append(f"group {groups[g].id} has {len(ms)} > max {prep.max[g]}")
    for i, p in enumerate(prep.people):
        if prep.pin[i] is not None and place[i] != prep.pin[i]:
            violations.append(f"{p.id} is not in the pinned group {p.pinned_group}")
    for i, j in prep.apart_pairs:
        if place[i] is not None and place[i] == place[j]:
            violations.append(f"{prep.people[i].id} and {prep.people[j].id} are together "
                              "but must be kept apart")
    for i, j in prep.together_pairs:
        if place[i] != place[j]:
            violations.append(f"{prep.people[i].id} and {prep.people[j].id} are apart "
                              "but must be kept together")

    # Objective, the same terms as the model's.
    rank_part = sum(prep.cost[i][prep.group_topic[g]] for i, g in enumerate(place) if g is not None)
    moves = sum(1 for i, g in enumerate(place) if prep.prev[i] is not None and g != prep.prev[i])
    ns = len(prep.known_sectors)
    mix_dev = 0.0
    distances = []
    every = 0
    lone = 0
    pairs = 0
    org_extra = 0
    short = 0
    underfilled = []
    for g, ms in enumerate(members):
        counts = [0] * ns
        for i in ms:
            if prep.sector_index[i] is not None:
                counts[prep.sector_index[i]] += 1
        known = sum(counts)
        for s in range(ns):
            # exactly max(0, |c - share * known| - tolerance), in whole numbers over the room
            excess = abs(counts[s] * prep.known_total - prep.sector_count[s] * known)
            mix_dev += max(0, excess - MIX_TOLERANCE * prep.known_total) / prep.known_total
        if known:
            distances.append(0.5 * sum(abs(counts[s] / known - prep.share[s]) for s in range(ns)))
        if ms and all(c > 0 for c in counts):
            every += 1
        lone += sum(1 for c in counts if c == 1)
        orgs = defaultdict(int)
        for i in ms:
            if prep.people[i].organisation is not None:
                orgs[prep.people[i].organisation] += 1
        pairs += sum(c * (c - 1) // 2 for c in orgs.values())
        org_extra += sum(c - 1 for i_c, c in orgs.items() if c > 1)
        if len(ms) < prep.min[g]:
            short += prep.min[g] - len(ms)
            underfilled.append(groups[g].id)
    parts = {"rank": rank_part,
             "mix": MIX_UNIT * prep.weight * mix_dev,
             "organisation": ORG_UNIT * prep.weight * org_extra,
             "min_size": MIN_SIZE_PENALTY * short,
             "moves": MOVE_COST * moves}
    objective = sum(parts.values())

    with_prefs = [i for i in range(len(prep.people)) if prep.has_prefs[i]]

    def share(test):
        if not with_prefs:
            return None
        return sum(1 for i in with_prefs if place[i] is not None and test(i)) / len(with_prefs)

    def rank_of(i):
        return prep.ranks[i].get(prep.group_topic[place[i]])

    figures = Figures(
        people=len(prep.people), groups=len(groups), with_preferences=len(with_prefs),
        first_choice=share(lambda i: rank_of(i) == 1),
        second_choice=share(lambda i: rank_of(i) == 2),
        third_choice=share(lambda i: rank_of(i) == 3),
        unranked_choice=share(lambda i: rank_of(i) is None),
        mix_distance_mean=sum(distances) / len(distances) if distances else 0.0,
        mix_distance_max=max(distances, default=0.0),
        groups_with_every_sector=every,
        nonempty_groups=sum(1 for ms in members if ms),
        lone_sector_people=lone,
        same_organisation_pairs=pairs,
        rule_violations=len(violations),
        violations=tuple(violations),
        underfilled_groups=tuple(underfilled),
        moved=moves,
        objective_parts=parts)
    return _Evaluation(objective=objective, parts=parts, figures=figures)


def compute_figures(problem: Problem, assignment: Mapping[Id, Id]) -> Figures:
    """The figures of any assignment (e.g. a hand-made or baseline one) for this problem."""
    return _evaluate(_Prepared(problem, check_feasible=False), assignment).figures


def compute_objective(problem: Problem, assignment: Mapping[Id, Id]) -> float:
    """The allocator's objective value of any assignment (lower is better)."""
    return _evaluate(_Prepared(problem, check_feasible=False), assignment).objective


# --------------------------------------------------------------------------- the MIP


class _Mip:
    """A small column/row collector that hands a model to HiGHS."""

    def __init__(self):
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[bool] = []
        self.row_lower: list[float] = []
        self.row_upper: list[float] = []
        self.starts = [0]
        self.index: list[int] = []
        self.value: list[float] = []
        self.offset = 0.0

    def var(self, cost=0.0, lower=0.0, upper=math.inf, integer=False) -> int:
        self.cost.append(cost)
        self.lower.append(lower)
        self.upper.append(upper)
        self.integer.append(integer)
        return len(self.cost) - 1

    def row(self, terms: Iterable[tuple[int, float]], lower=-math.inf, upper=math.inf) -> None:
        for j, a in terms:
            if a != 0:
                self.index.append(j)
                self.value.append(a)
        self.starts.append(len(self.index))
        self.row_lower.append(lower)
        self.row_upper.append(upper)

    def solve(self, *, gap: float, time_limit: float, abs_gap: float = 1e-6, relax: bool = False,
              start: Mapping[int, float] | None = None):
        """Solve (as an LP if `relax`; from a known solution if `start`).

        Returns (status, values, objective, bound).
        """
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = len(self.cost)
        lp.num_row_ = len(self.row_lower)
        lp.col_cost_ = np.array(self.cost, dtype=float)
        lp.col_lower_ = np.array([-inf if x == -math.inf else x for x in self.lower], dtype=float)
        lp.col_upper_ = np.array([inf if x == math.inf else x for x in self.upper], dtype=float)
        lp.row_lower_ = np.array([-inf if x == -math.inf else x for x in self.row_lower], dtype=float)
        lp.row_upper_ = np.array([inf if x == math.inf else x for x in self.row_upper], dtype=float)
        lp.offset_ = self.offset
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(self.starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(self.index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(self.value, dtype=float)
        if not relax:
            lp.integrality_ = [highspy.HighsVarType.kInteger if x
                               else highspy.HighsVarType.kContinuous for x in self.integer]
        h = highspy.Highs()
        for name, value in (("output_flag", False), ("threads", 1), ("random_seed", SEED),
                            ("mip_rel_gap", float(gap)), ("mip_abs_gap", float(abs_gap)),
                            ("time_limit", float(max(time_limit, 0.01)))):
            h.setOptionValue(name, value)
        h.passModel(lp)
        if start:
            cols = sorted(start)
            h.setSolution(len(cols), np.array(cols, dtype=np.int32),
                          np.array([start[j] for j in cols], dtype=float))
        h.run()
        status = h.getModelStatus()
        info = h.getInfo()
        has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
        values = list(h.getSolution().col_value) if has_solution else None
        bound = info.objective_function_value if relax else info.mip_dual_bound
        if status == highspy.HighsModelStatus.kOptimal:
            kind = "optimal"
        elif status == highspy.HighsModelStatus.kInfeasible:
            kind = "infeasible"
        elif has_solution:
            kind = "time_limit"
        else:
            kind = "no_solution"
        return kind, values, (info.objective_function_value if has_solution else None), bound


def _add_group_terms(mip: _Mip, prep: _Prepared, g: int, size_terms, known_terms, sector_terms,
                     org_terms, sizes: bool = True, hull: bool = False, mult: int = 1) -> None:
    """Size, min-size shortfall, sector mix and organisation rows of one group.

    `mult` > 1 stands for that many interchangeable groups like g at once (their sums;
    only in the first stage's bound LP, see `_first_stage`). `hull` adds `_add_mix_hull`.
    """
    if not sizes:
        for terms in org_terms if ORG_UNIT * prep.weight > 0 else ():
            e = mip.var(ORG_UNIT * prep.weight, 0.0)
            mip.row([*terms, (e, -1.0)], upper=1.0)
        return
    n = mip.var(0.0, 0.0, mult * prep.max[g])
    mip.row([*size_terms, (n, -1.0)], 0.0, 0.0)
    short = None
    if prep.min[g] > 0:
        short = mip.var(MIN_SIZE_PENALTY, 0.0, mult * prep.min[g])
        mip.row([(n, 1.0), (short, 1.0)], mult * prep.min[g])
    weight = MIX_UNIT * prep.weight
    if weight > 0 and len(prep.known_sectors) >= 2:
        k = mip.var(0.0, 0.0, mult * prep.max[g])
        mip.row([*known_terms, (k, -1.0)], 0.0, 0.0)
        cs, ds = [], []
        for s, terms in enumerate(sector_terms):
            c = mip.var(0.0, 0.0, mult * prep.max[g])
            mip.row([*terms, (c, -1.0)], 0.0, 0.0)
            # d >= |c - share * k| - tolerance: one person either way of the exact share is
            # free (whole people rarely hit it), every further person costs.
            d = mip.var(weight, 0.0)
            mip.row([(d, 1.0), (c, -1.0), (k, prep.share[s])], -MIX_TOLERANCE * mult)
            mip.row([(d, 1.0), (c, 1.0), (k, -prep.share[s])], -MIX_TOLERANCE * mult)
            cs.append(c)
            ds.append(d)
        if hull:
            _add_mix_hull(mip, prep, g, mult, k, cs, ds, short)
    if ORG_UNIT * prep.weight > 0:
        for terms in org_terms:
            e = mip.var(ORG_UNIT * prep.weight, 0.0)
            mip.row([*terms, (e, -1.0)], upper=1.0)


_PIECES: dict = {}


def _mix_pieces(prep: _Prepared, s: int, k: int) -> list[tuple[float, float]]:
    """Lines d >= a*c + b under the mix penalty of sector s in a group of k known people.

    They are the lower convex hull of the points (c, max(0, |c - share*k| - tolerance))
    for whole c = 0..k, computed in exact integers over the room: so at every whole c the
    largest of them is exactly the penalty, and between whole c they lie above the
    straight |c - share*k| - tolerance of the plain rows (which is what lets an LP put
    fractional people just inside the free band).
    """
    key = (prep.known_total, prep.sector_count[s], k)
    if key in _PIECES:
        return _PIECES[key]
    total, count = prep.known_total, prep.sector_count[s]
    tolerance = round(MIX_TOLERANCE * total)
    # value * total as an integer, so that the hull is exact
    points = [(c, max(0, abs(c * total - count * k) - tolerance)) for c in range(k + 1)]
    hull: list[tuple[int, int]] = []
    for point in points:
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (point[1] - y1) - (y2 - y1) * (point[0] - x1) <= 0:
                hull.pop()  # not strictly convex: the middle point is not a corner
            else:
                break
        hull.append(point)
    pieces = []
    for (x1, y1), (x2, y2) in zip(hull, hull[1:]):
        slope = (y2 - y1) / ((x2 - x1) * total)
        if y1 == 0 and y2 == 0:
            continue  # d >= 0 is the column's bound
        # a hair lower than exact, so that rounding can never cut off a whole point
        pieces.append((slope, y1 / total - slope * x1 - 1e-9))
    if len(_PIECES) > 100_000:  # a cache, not a leak, in a long-running process
        _PIECES.clear()
    _PIECES[key] = pieces
    return pieces


def _add_mix_hull(mip: _Mip, prep: _Prepared, g: int, mult: int, k, cs, ds, short) -> None:
    """Valid inequalities that tighten the LP of a group's mix and min-size terms.

    The penalty of sector s depends on its count c_s and the known count k. For each k
    the group may have, a branch with share lam_k of the group (lam summing to `mult`),
    its own counts c_sk (summing to k * lam_k) and penalties d_sk >= a*c_sk + b*lam_k for
    every line of `_mix_pieces` (their perspective); the plain d_s must cover the sum of
    the d_sk, the shortfall the branches' (min - k) * lam_k. A whole solution satisfies
    all of it with lam = `mult` on its own k and 0 elsewhere, where the rows say no more
    than the exact penalty (the pieces meet it at whole c, see `_mix_pieces`): the rows
    cut off no assignment and leave every cost as it was; they only forbid an LP
    solution that mixes fractional people into a free band, or two group sizes into a
    min size, more cheaply than whole people can. Known counts below the min size (less
    the room's unknown-sector people) are one branch with the plain, weaker rows.
    """
    ns = len(cs)
    top = prep.max[g]
    unknown = len(prep.people) - prep.known_total
    low = max(0, min(prep.min[g], top) - unknown)
    exact_short = short is not None and unknown == 0  # then the size is the known count
    lam_row, k_row = [], [(k, -1.0)]
    c_rows = [[(c, -1.0)] for c in cs]
    d_rows = [[(d, 1.0)] for d in ds]
    short_row = [(short, 1.0)] if exact_short else []
    if low > 0:  # k in 0 .. low - 1, with the plain rows in perspective
        lam = mip.var(0.0, 0.0, mult)
        kk = mip.var(0.0, 0.0, mult * (low - 1))
        mip.row([(kk, 1.0), (lam, -(low - 1.0))], upper=0.0)
        lam_row.append((lam, 1.0))
        k_row.append((kk, 1.0))
        total = [(kk, -1.0)]
        for s in range(ns):
            c = mip.var(0.0, 0.0)
            d = mip.var(0.0, 0.0)
            mip.row([(d, 1.0), (c, -1.0), (kk, prep.share[s]), (lam, MIX_TOLERANCE)], lower=0.0)
            mip.row([(d, 1.0), (c, 1.0), (kk, -prep.share[s]), (lam, MIX_TOLERANCE)], lower=0.0)
            total.append((c, 1.0))
            c_rows[s].append((c, 1.0))
            d_rows[s].append((d, -1.0))
        mip.row(total, 0.0, 0.0)
        if exact_short:
            short_row += [(lam, -float(prep.min[g])), (kk, 1.0)]
    for size in range(low, top + 1):
        lam = mip.var(0.0, 0.0, mult)
        lam_row.append((lam, 1.0))
        k_row.append((lam, float(size)))
        if exact_short and size < prep.min[g]:
            short_row.append((lam, -float(prep.min[g] - size)))
        if size == 0:
            continue
        total = [(lam, -float(size))]
        for s in range(ns):
            c = mip.var(0.0, 0.0)
            total.append((c, 1.0))
            c_rows[s].append((c, 1.0))
            pieces = _mix_pieces(prep, s, size)
            if pieces:
                d = mip.var(0.0, 0.0)
                d_rows[s].append((d, -1.0))
                for a, b in pieces:
                    mip.row([(d, 1.0), (c, -a), (lam, -b)], lower=0.0)
        mip.row(total, 0.0, 0.0)
    mip.row(lam_row, mult, mult)
    mip.row(k_row, 0.0, 0.0)
    for row in c_rows:
        mip.row(row, 0.0, 0.0)
    for row in d_rows:
        mip.row(row, lower=0.0)
    if len(short_row) > 1:
        mip.row(short_row, lower=0.0)


def _unit_counts(prep: _Prepared, u: int):
    """Known-sector count, per-sector counts and per-organisation counts of a unit."""
    sectors = defaultdict(int)
    orgs = defaultdict(int)
    for i in prep.units[u]:
        if prep.sector_index[i] is not None:
            sectors[prep.sector_index[i]] += 1
        if prep.org[i] is not None:
            orgs[prep.org[i]] += 1
    return sum(sectors.values()), sectors, orgs


def _solve_direct(prep: _Prepared, gap: float, deadline: float, start=None):
    """One model over all units and plausible groups: returns (status, group per unit, bound).

    `start` (a group per unit) is a known valid assignment for HiGHS to improve on.
    """
    mip = _Mip()
    ng = len(prep.groups)
    ns = len(prep.known_sectors)
    size_terms = [[] for _ in range(ng)]
    known_terms = [[] for _ in range(ng)]
    sector_terms = [[[] for _ in range(ns)] for _ in range(ng)]
    org_members = [defaultdict(list) for _ in range(ng)]
    y = {}
    for u, ms in enumerate(prep.units):
        known, sectors, orgs = _unit_counts(prep, u)
        row = []
        for g in prep.plausible_groups(u):
            j = mip.var(prep.unit_cost(u, g), 0.0, 1.0, True)
            y[u, g] = j
            row.append((j, 1.0))
            size_terms[g].append((j, float(len(ms))))
            if known:
                known_terms[g].append((j, float(known)))
            for s, c in sectors.items():
                sector_terms[g][s].append((j, float(c)))
            for o, c in orgs.items():
                org_members[g][o].append((j, float(c)))
        if not row:
            raise _infeasible(f"{len(ms)} people must stay together, but no group holds that many.",
                              f"{len(ms)} Personen sollen zusammenbleiben, aber keine Gruppe fasst "
                              "so viele.")
        mip.row(row, 1.0, 1.0)
    for g in range(ng):
        org_terms = [terms for o, terms in sorted(org_members[g].items())
                     if sum(c for _, c in terms) >= 2]
        # With the mix hull rows: they cut off no assignment and change no cost (see
        # `_add_mix_hull`), and they give HiGHS an LP bound close to the optimum.
        _add_group_terms(mip, prep, g, size_terms[g], known_terms[g], sector_terms[g], org_terms,
                         hull=True)
    for u, v in prep.unit_apart:
        for g in range(ng):
            if (u, g) in y and (v, g) in y:
                mip.row([(y[u, g], 1.0), (y[v, g], 1.0)], upper=1.0)
    known = None
    if start is not None:
        known = {j: 1.0 if start[u] == g else 0.0 for (u, g), j in y.items()}
    status, values, _, bound = mip.solve(gap=gap, time_limit=deadline - time.monotonic(),
                                         start=known)
    if values is None:
        return status, None, None
    group_of = [None] * len(prep.units)
    for (u, g), j in y.items():
        if values[j] > 0.5:
            group_of[u] = g
    return status, group_of, bound


def _first_stage(prep: _Prepared, hull: bool):
    """The first-stage model: units to topics and every group's sector counts.

    Returns (mip, x, z, w, count). `hull` builds it for the bound LP (see below).
    """
    nt = len(prep.topics)
    n_groups = [len(gs) for gs in prep.topic_groups]
    topic_max = [sum(prep.max[g] for g in gs) for gs in prep.topic_groups]
    topic_biggest = [max(prep.max[g] for g in gs) for gs in prep.topic_groups]
    prev_topic = [None if g is None else prep.group_topic[g] for g in prep.prev]
    sectors_here = [x for x in SECTORS if x in set(prep.sector)]

    def topic_cost(u, t):
        return sum(prep.cost[i][t] + (MOVE_COST if prev_topic[i] is not None and prev_topic[i] != t
                                      else 0.0) for i in prep.units[u])

    # Simple units (one unpinned person with no keep-apart partner) get variables for their
    # ranked topics and previous topic only; all other topics are reached through an
    # aggregated "somewhere else" choice per sector. That keeps every assignment possible.
    mip = _Mip()
    topic_sector = [defaultdict(list) for _ in range(nt)]  # sector name -> terms
    org_members = [defaultdict(list) for _ in range(nt)]
    x = {}
    z = {}
    simple_by_sector = defaultdict(list)  # sector name -> z columns
    for u, ms in enumerate(prep.units):
        _, _, orgs = _unit_counts(prep, u)
        by_sector = defaultdict(int)
        for i in ms:
            by_sector[prep.sector[i]] += 1
        simple = len(ms) == 1 and prep.unit_pin[u] is None and not prep.unit_apart_of.get(u)
        if prep.unit_pin[u] is not None:
            topics = [prep.group_topic[prep.unit_pin[u]]]
        elif simple:
            i = ms[0]
            topics = sorted(set(prep.ranks[i]) | ({prev_topic[i]} if prev_topic[i] is not None
                                                  else set()))
            topics = [t for t in topics if topic_biggest[t] >= 1]
        else:
            topics = [t for t in range(nt) if topic_biggest[t] >= len(ms)]
        row = []
        for t in topics:
            j = mip.var(topic_cost(u, t), 0.0, 1.0, True)
            x[u, t] = j
            row.append((j, 1.0))
            for sector, c in by_sector.items():
                topic_sector[t][sector].append((j, float(c)))
            for o, c in orgs.items():
                org_members[t][o].append((j, float(c)))
        if simple:
            i = ms[0]
            j = mip.var((UNRANKED_COST if prep.has_prefs[i] else 0.0)
                        + (MOVE_COST if prev_topic[i] is not None else 0.0), 0.0, 1.0, True)
            z[u] = j
            row.append((j, 1.0))
            simple_by_sector[prep.sector[i]].append(j)
        if not row:
            raise _infeasible(f"{len(ms)} people must stay together, but no group holds that many.",
                              f"{len(ms)} Personen sollen zusammenbleiben, aber keine Gruppe fasst "
                              "so viele.")
        mip.row(row, 1.0, 1.0)
    w = {}
    for sector in sorted(simple_by_sector, key=SECTORS.index):
        zs = simple_by_sector[sector]
        row = [(j, -1.0) for j in zs]
        for t in range(nt):
            if topic_max[t] == 0:
                continue
            j = mip.var(0.0, 0.0, float(min(len(zs), topic_max[t])), True)
            w[sector, t] = j
            row.append((j, 1.0))
            topic_sector[t][sector].append((j, 1.0))
        mip.row(row, 0.0, 0.0)
    # Per group, an integer count per sector; the topic's people are split among its groups.
    pinned = defaultdict(int)
    for u, g in enumerate(prep.unit_pin):
        if g is not None:
            for i in prep.units[u]:
                pinned[g, prep.sector[i]] += 1
    #
    # For the bound (`hull`), groups of one topic with the same sizes and no pins are one
    # class of `mult` groups: in the LP they are interchangeable, so averaging an optimal
    # LP solution over their permutations gives an optimal one that treats them alike, and
    # that is what the class's sums describe (every row is homogeneous in `mult`). The LP
    # value is the same, with a fraction of the rows. The mix hull rows are added too.
    count = {}
    for t in range(nt):
        classes = defaultdict(list)
        for g in prep.topic_groups[t]:
            if hull and not any(pinned[g, sector] for sector in sectors_here):
                classes[prep.min[g], prep.max[g]].append(g)
            else:
                classes[g, None].append(g)
        reps = [(gs[0], len(gs)) for _, gs in sorted(classes.items(), key=lambda kv: kv[1][0])]
        for sector in sectors_here:
            terms = topic_sector[t].get(sector, [])
            cols = []
            for g, mult in reps:
                upper = float(mult * prep.max[g]) if terms else 0.0
                j = mip.var(0.0, float(min(pinned[g, sector], upper)), upper, not hull)
                count[g, sector] = j
                cols.append((j, 1.0))
            mip.row([*cols, *((j, -c) for j, c in terms)], 0.0, 0.0)
        for g, mult in reps:
            _add_group_terms(mip, prep, g,
                             [(count[g, sector], 1.0) for sector in sectors_here],
                             [(count[g, sector], 1.0) for sector in sectors_here
                              if sector != UNKNOWN],
                             [[(count[g, sector], 1.0)] for sector in prep.known_sectors], [],
                             hull=hull, mult=mult)
        if ORG_UNIT * prep.weight > 0:
            for o, terms in sorted(org_members[t].items()):
                if sum(c for _, c in terms) > n_groups[t]:
                    # one colleague per group is free: at least count - groups extras
                    e = mip.var(ORG_UNIT * prep.weight, 0.0)
                    mip.row([*terms, (e, -1.0)], upper=float(n_groups[t]))
    for u, v in prep.unit_apart:
        for t in range(nt):
            if n_groups[t] == 1 and (u, t) in x and (v, t) in x:
                mip.row([(x[u, t], 1.0), (x[v, t], 1.0)], upper=1.0)

    return mip, x, z, w, count


def _solve_two_stage(prep: _Prepared, gap: float, deadline: float):
    """People to topics and each group's sector counts, then people to groups.

    The first stage models everything except which group of a topic a named person
    joins: sizes, min-size shortfall and the sector mix are exact per group (through
    integer sector counts per group); organisations, keep-apart and moves are counted
    per topic, as lower bounds. So it is a relaxation of the whole problem, and the LP
    optimum of any formulation with the same whole solutions and costs is a proven
    bound. The second stage places each topic's people into its groups with those
    sector counts, splitting colleagues and keeping pairs apart.
    """
    nt = len(prep.topics)
    # The bound: the LP of the first stage with the mix hull rows (`_add_mix_hull`). The
    # first stage is a relaxation of the whole problem and the hull rows cut off none of
    # its whole solutions, so this LP's optimum is a proven bound; the rows close most of
    # the plain LP's gap, which comes from fractional people inside the free mix bands.
    hull_mip, hull_x, _, _, _ = _first_stage(prep, hull=True)
    status1, lp_values, _, bound = hull_mip.solve(gap=gap, time_limit=deadline - time.monotonic(),
                                                  relax=True)
    if lp_values is None:
        return status1, None, None
    # Its solution is integral for all but a few people; keep those that it places whole and
    # let a MIP of the plain first stage (the same whole solutions and costs, and fast) place
    # the rest.
    mip, x, z, w, count = _first_stage(prep, hull=False)
    lower = list(mip.lower)
    for key, j in x.items():
        if lp_values[hull_x[key]] > 1 - 1e-6:
            mip.lower[j] = 1.0
    status1, values, _, _ = mip.solve(gap=gap / 2, time_limit=deadline - time.monotonic())
    if values is None:  # that rounding had no completion: solve the whole first stage
        mip.lower = lower
        status1, values, _, mip_bound = mip.solve(gap=gap / 2,
                                                  time_limit=deadline - time.monotonic())
        if values is None:
            return status1, None, None
        bound = max(bound, mip_bound)
    topic_of = [None] * len(prep.units)
    for (u, t), j in x.items():
        if values[j] > 0.5:
            topic_of[u] = t
    # Hand out the aggregated "somewhere else" places, person by person, to the
    # cheapest topic with a place left for their sector (fewest colleagues on ties).
    slots = {key: int(round(values[j])) for key, j in w.items()}
    org_in_topic = defaultdict(int)
    for u, t in enumerate(topic_of):
        if t is not None:
            for i in prep.units[u]:
                if prep.org[i] is not None:
                    org_in_topic[prep.org[i], t] += 1
    for u, j in z.items():
        if values[j] <= 0.5:
            continue
        i = prep.units[u][0]
        options = [t for t in range(nt) if slots.get((prep.sector[i], t), 0) > 0]
        t = min(options, key=lambda t: (prep.cost[i][t], org_in_topic[prep.org[i], t]
                                        if prep.org[i] is not None else 0, t))
        slots[prep.sector[i], t] -= 1
        topic_of[u] = t
        if prep.org[i] is not None:
            org_in_topic[prep.org[i], t] += 1
    composition = {key: int(round(values[j])) for key, j in count.items()}

    group_of = [None] * len(prep.units)
    worst = status1
    for t in range(nt):
        units = [u for u in range(len(prep.units)) if topic_of[u] == t]
        if not units:
            continue
        status2, placed = _solve_topic(prep, t, units, composition, gap, deadline)
        if placed is None:  # the counts cannot be met (e.g. a keep-together cluster): free them
            status2, placed = _solve_topic(prep, t, units, None, gap, deadline)
        if placed is None:
            return status2, None, None
        for u, g in placed.items():
            group_of[u] = g
        if status2 == "time_limit":
            worst = "time_limit"
    return worst, group_of, bound


def _solve_topic(prep: _Prepared, t: int, units: list[int], composition: dict | None,
                 gap: float, deadline: float):
    """Second stage: the units of one topic into its groups (with given sector counts, if any)."""
    groups = prep.topic_groups[t]
    ns = len(prep.known_sectors)
    in_topic = set(units)
    org_count = defaultdict(int)
    for u in units:
        for i in prep.units[u]:
            if prep.org[i] is not None:
                org_count[prep.org[i]] += 1
    mip = _Mip()
    size_terms = {g: [] for g in groups}
    known_terms = {g: [] for g in groups}
    sector_terms = {g: [[] for _ in range(ns)] for g in groups}
    all_terms = {g: defaultdict(list) for g in groups}  # sector name -> terms
    org_members = {g: defaultdict(list) for g in groups}
    y = {}
    plain = defaultdict(list)  # interchangeable people of one sector: counted, not named
    for u in units:
        ms = prep.units[u]
        i = ms[0]
        if (len(ms) == 1 and prep.unit_pin[u] is None
                and not any(v in in_topic for v in prep.unit_apart_of.get(u, ()))
                and (prep.org[i] is None or org_count[prep.org[i]] < 2)
                and (prep.prev[i] is None or prep.group_topic[prep.prev[i]] != t)):
            plain[prep.sector[i]].append(u)
            continue
        known, sectors, orgs = _unit_counts(prep, u)
        by_sector = defaultdict(int)
        for m in ms:
            by_sector[prep.sector[m]] += 1
        row = []
        options = [prep.unit_pin[u]] if prep.unit_pin[u] is not None else [
            g for g in groups if prep.max[g] >= len(ms)]
        for g in options:
            j = mip.var(prep.unit_cost(u, g), 0.0, 1.0, True)
            y[u, g] = j
            row.append((j, 1.0))
            size_terms[g].append((j, float(len(ms))))
            if known:
                known_terms[g].append((j, float(known)))
            for s, c in sectors.items():
                sector_terms[g][s].append((j, float(c)))
            for sector, c in by_sector.items():
                all_terms[g][sector].append((j, float(c)))
            for o, c in orgs.items():
                org_members[g][o].append((j, float(c)))
        mip.row(row, 1.0, 1.0)
    q = {}
    for sector in sorted(plain, key=SECTORS.index):
        count = len(plain[sector])
        mip.offset += sum(prep.unit_cost(u, groups[0]) for u in plain[sector])
        row = []
        for g in groups:
            j = mip.var(0.0, 0.0, float(min(count, prep.max[g])), True)
            q[sector, g] = j
            row.append((j, 1.0))
            size_terms[g].append((j, 1.0))
            all_terms[g][sector].append((j, 1.0))
            if sector != UNKNOWN:
                known_terms[g].append((j, 1.0))
                sector_terms[g][prep.si[sector]].append((j, 1.0))
        mip.row(row, float(count), float(count))
    for g in groups:
        org_terms = [terms for o, terms in sorted(org_members[g].items())
                     if sum(c for _, c in terms) >= 2]
        if composition is None:
            _add_group_terms(mip, prep, g, size_terms[g], known_terms[g], sector_terms[g],
                             org_terms)
            continue
        # The first stage fixed this group's sector counts (and so its size and mix cost).
        for sector in SECTORS:
            target = composition.get((g, sector))
            if target is not None or all_terms[g].get(sector):
                mip.row(all_terms[g].get(sector, []), target or 0, target or 0)
        _add_group_terms(mip, prep, g, [], [], [[] for _ in range(ns)], org_terms,
                         sizes=False)
    for u, v in prep.unit_apart:
        for g in groups:
            if (u, g) in y and (v, g) in y:
                mip.row([(y[u, g], 1.0), (y[v, g], 1.0)], upper=1.0)
    status, values, _, _ = mip.solve(gap=gap, time_limit=deadline - time.monotonic(),
                                     abs_gap=0.25 if composition is None else 1e-6)
    if values is None:
        return status, None
    placed = {}
    for (u, g), j in y.items():
        if values[j] > 0.5:
            placed[u] = g
    for sector, us in plain.items():
        k = 0
        for g in groups:
            for _ in range(int(round(values[q[sector, g]]))):
                placed[us[k]] = g
                k += 1
    return status, placed


# --------------------------------------------------------------------------- reasons

_ORD_EN = {1: "1st", 2: "2nd", 3: "3rd"}


def _ordinal_en(rank: int) -> str:
    return _ORD_EN.get(rank, f"{rank}th")


def _topics_text(labels: list[str], full_en: str, full_de: str) -> tuple[str, str]:
    if len(labels) == 1:
        return f"Topic {labels[0]} {full_en}", f"Thema {labels[0]} {full_de}"
    joined = ", ".join(labels)
    return f"Topics {joined} {full_en}", f"Themen {joined} {full_de}"


def _reasons(prep: _Prepared, place: list[int]) -> dict[Id, Message]:
    """One line per person: why they are in this group."""
    sizes = [0] * len(prep.groups)
    for g in place:
        sizes[g] += 1
    full = [all(sizes[g] >= prep.max[g] for g in gs) for gs in prep.topic_groups]
    topic_people = defaultdict(set)
    for i, g in enumerate(place):
        topic_people[prep.group_topic[g]].add(i)
    reasons = {}
    for i, p in enumerate(prep.people):
        g = place[i]
        t = prep.group_topic[g]
        label = prep.label(t)
        rank = prep.ranks[i].get(t)
        if prep.pin[i] is not None:
            reasons[p.id] = {"en": "Pinned to this group by a facilitator",
                             "de": "Von der Moderation fest dieser Gruppe zugeordnet"}
            continue
        if not prep.has_prefs[i]:
            reasons[p.id] = {"en": f"No topic chosen → topic {label}, for the mix",
                             "de": f"Kein Thema gewählt → Thema {label}, für die Mischung"}
            continue
        if rank == 1:
            reasons[p.id] = {"en": f"1st choice (topic {label})", "de": f"1. Wahl (Thema {label})"}
            continue
        if rank is None:
            got_en, got_de = f"topic {label} (not chosen)", f"Thema {label} (nicht gewählt)"
            better_ids = p.preferences
        else:
            got_en, got_de = f"{_ordinal_en(rank)} choice", f"{rank}. Wahl"
            better_ids = p.preferences[:rank - 1]
        better = []  # offered topic indices, best first
        not_offered = []  # topic ids no group has
        for x in better_ids:
            if x in prep.ti:
                if prep.ti[x] not in better:
                    better.append(prep.ti[x])
            elif x not in not_offered:
                not_offered.append(x)
        open_topics = [b for b in better if not full[b]]
        if not open_topics:
            if better:
                en, de = _topics_text([prep.label(b) for b in better], "full", "voll")
            else:
                en, de = _topics_text([str(b) for b in not_offered], "not offered",
                                      "nicht angeboten")
            reasons[p.id] = {"en": f"{en} → {got_en}", "de": f"{de} → {got_de}"}
            continue
        b = open_topics[0]
        there = topic_people[b]
        partners = prep.together_of.get(i, [])
        apart = [j for j in prep.apart_of.get(i, []) if j in there]
        colleagues = [j for j in there if prep.org[i] is not None and prep.org[j] == prep.org[i]]
        if partners:
            names = ", ".join(prep.person_label(j) for j in sorted(partners))
            en, de = f"Kept together with {names}", f"Zusammen mit {names} eingeteilt"
        elif apart:
            names = ", ".join(prep.person_label(j) for j in sorted(apart))
            en, de = f"Kept apart from {names}", f"Getrennt von {names} eingeteilt"
        elif prep.prev[i] == g:
            en, de = "Stays in the previous group", "Bleibt in der bisherigen Gruppe"
        elif sizes[g] <= prep.min[g]:
            en, de = (f"Needed for group {prep.group_label(g)}'s minimum size",
                      f"Für die Mindestgröße von Gruppe {prep.group_label(g)} gebraucht")
        elif colleagues:
            en, de = ("Split from colleagues of the same organisation",
                      "Getrennt von Kolleg:innen derselben Organisation")
        else:
            en, de = "Moved to balance the mix", "Für eine bunte Mischung verschoben"
        reasons[p.id] = {"en": f"{en} → {got_en}", "de": f"{de} → {got_de}"}
    return reasons


# --------------------------------------------------------------------------- the function


def _gap_of(prep: _Prepared, group_of: list[int], bound: float | None) -> float:
    """The relative gap of a group per unit against a proven bound (1.0 without one)."""
    if bound is None or not math.isfinite(bound):
        return 1.0
    assignment = {prep.people[i].id: prep.groups[group_of[u]].id
                  for u, ms in enumerate(prep.units) for i in ms}
    objective = _evaluate(prep, assignment).objective
    return 0.0 if objective - bound <= 1e-9 else (objective - bound) / max(abs(objective), 1e-9)


def _error(status: str, message: Message, warnings=()) -> Allocation:
    return Allocation(status=status, method="none", assignment={}, figures=None, objective=None,
                      bound=None, gap=None, reasons={}, warnings=tuple(warnings), error=message)


def compute_allocation(problem: Problem, *, gap_target: float | None = None,
                       time_limit: float = DEFAULT_TIME_LIMIT, method: str = "auto") -> Allocation:
    """Allocate people to breakout groups; an error result if the rules cannot all be kept.

    `gap_target` is the relative gap at which the solver stops (default: 0, i.e. proven
    optimal, up to 100 people; beyond, 1 % for "direct" and 0.5 % for the sub-solves of
    "two_stage"). `method` is "auto" (direct up to 40,000 unit x group variables),
    "direct" or "two_stage". `time_limit` (seconds) is only a safety net.
    """
    deadline = time.monotonic() + time_limit
    try:
        prep = _Prepared(problem)
    except _Infeasible as exc:
        return _error(exc.status, exc.message)
    if not prep.people:
        evaluation = _evaluate(prep, {})
        return Allocation(status="optimal", method="none", assignment={},
                          figures=evaluation.figures, objective=evaluation.objective,
                          bound=evaluation.objective, gap=0.0, reasons={},
                          warnings=tuple(prep.warnings))
    auto = method == "auto"
    if method == "auto":
        size = sum(len(prep.plausible_groups(u)) for u in range(len(prep.units)))
        method = "direct" if size <= DIRECT_LIMIT else "two_stage"
    if method not in ("direct", "two_stage"):
        raise ValueError(f"unknown method {method!r}")
    if gap_target is None:
        # Proven optimal for a workshop-sized room; 1 % beyond, where proving the last
        # fraction costs more time than it changes groups. In two stages the target only
        # steers the sub-solves (the reported gap is against the LP bound): a tighter one.
        gap_target = 0.0 if len(prep.people) <= 100 else 0.01 if method == "direct" else 0.005
    try:
        if method == "direct":
            start, start_bound = None, None
            if gap_target > 0 and len(prep.people) > 100:
                # The two-stage answer costs a fraction of the direct solve and gives HiGHS
                # a good assignment to start from; its bound is a proven one for the whole
                # problem too (see `_solve_two_stage`), so the better of the two counts.
                start_status, start, start_bound = _solve_two_stage(prep, gap_target, deadline)
            if (auto and start is not None and start_status != "time_limit"
                    and _gap_of(prep, start, start_bound) <= gap_target):
                # Stop on the gap target: the two-stage answer already meets it.
                method, status, group_of, bound = "two_stage", start_status, start, start_bound
            else:
                status, group_of, bound = _solve_direct(prep, gap_target, deadline, start)
                if start_bound is not None and (bound is None or start_bound > bound):
                    bound = start_bound
        else:
            status, group_of, bound = _solve_two_stage(prep, gap_target, deadline)
    except _Infeasible as exc:
        return _error(exc.status, exc.message, prep.warnings)
    if group_of is None:
        if status == "infeasible":
            return _error("infeasible", {
                "en": "No allocation satisfies all rules (maximum sizes, pins, keep apart, "
                      "keep together).",
                "de": "Keine Einteilung erfüllt alle Regeln (Höchstgrößen, feste Zuordnungen, "
                      "Trennen, Zusammenhalten)."}, prep.warnings)
        return _error("time_limit", {
            "en": f"No allocation found within the time limit of {time_limit:g} s.",
            "de": f"Keine Einteilung innerhalb der Zeitgrenze von {time_limit:g} s gefunden."},
            prep.warnings)
    place = [0] * len(prep.people)
    for u, ms in enumerate(prep.units):
        for i in ms:
            place[i] = group_of[u]
    assignment = {p.id: prep.groups[place[i]].id for i, p in enumerate(prep.people)}
    evaluation = _evaluate(prep, assignment)
    objective = evaluation.objective
    if bound is None or not math.isfinite(bound):
        bound = 0.0  # every term of the objective is at least 0
    if bound > objective and bound - objective <= 1e-6 * max(1.0, abs(objective)):
        bound = objective  # solver tolerance
    gap = 0.0 if objective - bound <= 1e-9 else (objective - bound) / max(abs(objective), 1e-9)
    if status == "optimal":
        status = "optimal" if gap <= 1e-6 else "gap_reached"
    warnings = list(prep.warnings)
    for gid in evaluation.figures.underfilled_groups:
        g = prep.gi[gid]
        warnings.append({"en": f"Group {gid} has fewer than its minimum of {prep.min[g]}.",
                         "de": f"Gruppe {gid} hat weniger als die Mindestgröße {prep.min[g]}."})
    return Allocation(status=status, method=method, assignment=assignment,
                      figures=evaluation.figures, objective=round(objective, 9),
                      bound=round(bound, 9), gap=round(gap, 9),
                      reasons=_reasons(prep, place), warnings=tuple(warnings))
