"""A first assignment without the solver: so that a time limit never ends in a refusal."""
from __future__ import annotations

from collections import defaultdict

from app.domain.allocation.prepared import Prepared


def greedy(prep: Prepared, units=None, groups=None):
    """A group per unit that keeps every rule, or None if this simple pass finds none.

    Pinned units first, then the largest; each to the group with room and no keep-apart
    partner where it costs least, groups below their minimum first and (at the mixing
    steps) groups without a colleague first. With `units` and `groups` (one topic's, in
    the two-stage solver) only those, as a {unit: group} dict.
    """
    n_groups = len(prep.groups)
    size = [0] * n_groups
    org_count = defaultdict(int)  # (organisation, group) -> people
    group_of: list[int | None] = [None] * len(prep.units)
    allowed = None if groups is None else set(groups)
    todo = range(len(prep.units)) if units is None else units
    order = sorted(todo, key=lambda u: (prep.unit_pin[u] is None, -len(prep.units[u]), u))
    for u in order:
        ms = prep.units[u]
        orgs = [prep.org[i] for i in ms if prep.org[i] is not None]
        options = []
        for g in prep.plausible_groups(u):
            if allowed is not None and g not in allowed:
                continue
            if size[g] + len(ms) > prep.max[g]:
                continue
            if any(group_of[v] == g for v in prep.unit_apart_of.get(u, ())):
                continue
            colleagues = sum(org_count[o, g] for o in orgs)
            options.append(((size[g] >= prep.min[g]),
                            colleagues if prep.colleagues_first else 0,
                            prep.unit_cost(u, g), size[g] - prep.max[g], g))
        if not options:
            return None
        g = min(options)[-1]
        group_of[u] = g
        size[g] += len(ms)
        for o in orgs:
            org_count[o, g] += 1
    if units is not None:
        return {u: group_of[u] for u in units}
    return group_of


def previous(prep: Prepared) -> list[int] | None:
    """The groups of the earlier run as a group per unit, if they keep every rule now.

    A re-run (another step of the setting, or after a few hand moves) starts from there: a
    warm start that is usually close to the new answer.
    """
    group_of = []
    size = [0] * len(prep.groups)
    for u, ms in enumerate(prep.units):
        groups = {prep.prev[i] for i in ms}
        if len(groups) != 1 or None in groups:
            return None
        g = groups.pop()
        if g not in prep.plausible_groups(u):
            return None
        group_of.append(g)
        size[g] += len(ms)
    if any(size[g] > prep.max[g] for g in range(len(prep.groups))):
        return None
    if any(group_of[u] == group_of[v] for u, v in prep.unit_apart):
        return None
    return group_of
