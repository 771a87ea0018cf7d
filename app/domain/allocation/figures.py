"""The figures and the objective of any assignment: the same terms as the model's."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from app.domain.allocation.prepared import Prepared
from app.domain.allocation.problem import (MIN_SIZE_PENALTY, MIX_TOLERANCE, MIX_UNIT, MOVE_COST,
                                           ORG_UNIT, Figures, Id, Problem)


@dataclass(frozen=True)
class Evaluation:
    objective: float
    parts: dict[str, float]
    figures: Figures


def tv_distance(prep: Prepared, counts, known: int) -> float:
    """Total-variation distance of a group's known-sector counts to the room's shares."""
    # in whole numbers over the room, divided once: the same value whatever the order
    return sum(abs(c * prep.known_total - n * known)
               for c, n in zip(counts, prep.sector_count)) / (2 * known * prep.known_total)


def mix_distance_sum(prep: Prepared, place) -> float:
    """The sum over groups with known-sector people of their total-variation distances."""
    counts = [[0] * len(prep.known_sectors) for _ in prep.groups]
    for i, g in enumerate(place):
        if g is not None and prep.sector_index[i] is not None:
            counts[g][prep.sector_index[i]] += 1
    return sum(tv_distance(prep, cs, sum(cs)) for cs in counts if sum(cs))


def preference_cost(prep: Prepared, place) -> float:
    """Rank and move cost of a group index per person (what people asked for)."""
    return sum(prep.cost[i][prep.group_topic[g]]
               + (MOVE_COST if prep.prev[i] is not None and g != prep.prev[i] else 0.0)
               for i, g in enumerate(place) if g is not None)


def evaluate(prep: Prepared, assignment: Mapping[Id, Id]) -> Evaluation:
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
        if prep.exact:
            # the group's total-variation distance, times the scale (see `Prepared.exact`)
            if known and ns >= 2:
                mix_dev += prep.mix_scale * tv_distance(prep, counts, known)
        else:
            for s in range(ns):
                # exactly max(0, |c - share * known| - tolerance), in whole numbers over the room
                excess = abs(counts[s] * prep.known_total - prep.sector_count[s] * known)
                mix_dev += max(0, excess - MIX_TOLERANCE * prep.known_total) / prep.known_total
        if known:
            distances.append(tv_distance(prep, counts, known))
        if ms and all(c > 0 for c in counts):
            every += 1
        lone += sum(1 for c in counts if c == 1)
        orgs = defaultdict(int)
        for i in ms:
            if prep.people[i].organisation is not None:
                orgs[prep.people[i].organisation] += 1
        pairs += sum(c * (c - 1) // 2 for c in orgs.values())
        if prep.exact:  # every pair of colleagues
            org_extra += sum(c * (c - 1) // 2 for c in orgs.values())
        else:  # every colleague beyond the first
            org_extra += sum(c - 1 for i_c, c in orgs.items() if c > 1)
        if len(ms) < prep.min[g]:
            short += prep.min[g] - len(ms)
            underfilled.append(groups[g].id)
    parts = {"rank": rank_part,
             "mix": MIX_UNIT * prep.weight * mix_dev,
             # at the mixing steps colleague pairs are a rule (the fewest possible), no cost
             "organisation": ORG_UNIT * prep.org_weight * org_extra,
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
        objective_parts=parts,
        colleagues_first=prep.colleagues_first)
    return Evaluation(objective=objective, parts=parts, figures=figures)


def compute_figures(problem: Problem, assignment: Mapping[Id, Id]) -> Figures:
    """The figures of any assignment (e.g. a hand-made or baseline one) for this problem."""
    return evaluate(Prepared(problem, check_feasible=False), assignment).figures


def compute_objective(problem: Problem, assignment: Mapping[Id, Id]) -> float:
    """The allocator's objective value of any assignment (lower is better)."""
    return evaluate(Prepared(problem, check_feasible=False), assignment).objective
