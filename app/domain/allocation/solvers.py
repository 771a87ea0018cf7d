"""The solvers: one direct model, or two stages (topics and sector counts, then groups)."""
from __future__ import annotations

import time
from collections import Counter, defaultdict

from app.domain.allocation.model import AssignmentBlock, Mip, add_group_terms, unit_counts
from app.domain.allocation.prepared import Prepared, infeasible
from app.domain.allocation.search import greedy
from app.domain.allocation.problem import (MIN_SIZE_PENALTY, MOVE_COST, ORG_UNIT, SECTORS,
                                           UNKNOWN, UNRANKED_COST)


def solve_direct(prep: Prepared, gap: float, deadline: float, start=None,
                 colleague_budget: int | None = None, shortfall_cap: int | None = None):
    """One model over all units and plausible groups: returns (status, group per unit, bound).

    `start` (a group per unit) is a known valid assignment for HiGHS to improve on. At the
    mixing steps `colleague_budget` caps the colleague pairs (`Mip.pair_cols`) and
    `shortfall_cap` the people missing from the groups' minimums: the bound then holds for
    the assignments within those caps.
    """
    mip = Mip()
    mip.presolve = not prep.exact
    block = AssignmentBlock(mip, prep, range(len(prep.groups)))
    for u, ms in enumerate(prep.units):
        if not block.add_unit(u, prep.plausible_groups(u)):
            raise infeasible(f"{len(ms)} people must stay together, but no group holds that many.",
                             f"{len(ms)} Personen sollen zusammenbleiben, aber keine Gruppe fasst "
                             "so viele.")
    for g in block.groups:
        if prep.exact:
            block.add_group_terms(g, exact=True)
        else:
            # With the mix hull rows: they cut off no assignment and change no cost (see
            # `add_mix_hull`), and they give HiGHS an LP bound close to the optimum.
            block.add_group_terms(g, hull=True)
    block.add_apart_rows()
    if colleague_budget is not None and mip.pair_cols:
        mip.row([(j, 1.0) for j in mip.pair_cols], upper=colleague_budget + 1e-6)
    if shortfall_cap is not None and mip.short_cols:
        mip.row([(j, 1.0) for j in mip.short_cols], upper=shortfall_cap + 1e-6)
    known = None
    if start is not None:
        known = {j: 1.0 if start[u] == g else 0.0 for (u, g), j in block.y.items()}
    status, values, _, bound = mip.solve(gap=gap, time_limit=deadline - time.monotonic(),
                                         start=known)
    if values is None:
        return status, None, None
    group_of = [None] * len(prep.units)
    for u, g in block.placed(values).items():
        group_of[u] = g
    return status, group_of, bound


def fewest_colleague_pairs(prep: Prepared, deadline: float):
    """The fewest people short of the groups' minimums and then the fewest colleague pairs of
    any assignment that keeps the rules: (status, shortfall, pairs), proven if "optimal".

    Only sizes, pins, pairs and colleagues are modelled; one short person costs more than all
    pairs together, so the order is exact.
    """
    mip = Mip()
    mip.presolve = False  # see `Mip.presolve`
    block = AssignmentBlock(mip, prep, range(len(prep.groups)))
    for u in range(len(prep.units)):
        block.add_unit(u, prep.plausible_groups(u))
    mip.cost = [0.0] * len(mip.cost)
    heavy = 1.0 + sum(c * (c - 1) // 2 for c in Counter(o for o in prep.org if o is not None)
                      .values())
    for g in block.groups:
        mip.row(block.size[g], upper=float(prep.max[g]))
        if prep.min[g] > 0:
            short = mip.var(heavy, 0.0, prep.min[g])
            mip.row([*block.size[g], (short, 1.0)], prep.min[g])
            mip.short_cols.append(short)
        for _, terms in block.org_terms(g):
            for j in range(1, int(sum(c for _, c in terms))):
                e = mip.var(1.0, 0.0)
                mip.row([*terms, (e, -1.0)], upper=float(j))
                mip.pair_cols.append(e)
    block.add_apart_rows()
    status, values, _, _ = mip.solve(gap=0.0, abs_gap=0.5, time_limit=deadline - time.monotonic())
    if values is None:
        return status, None, None
    return (status, round(sum(values[j] for j in mip.short_cols)),
            round(sum(values[j] for j in mip.pair_cols)))


def first_stage(prep: Prepared, hull: bool):
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
    mip = Mip()
    topic_sector = [defaultdict(list) for _ in range(nt)]  # sector name -> terms
    org_members = [defaultdict(list) for _ in range(nt)]
    x = {}
    z = {}
    simple_by_sector = defaultdict(list)  # sector name -> z columns
    for u, ms in enumerate(prep.units):
        _, _, orgs = unit_counts(prep, u)
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
            raise infeasible(f"{len(ms)} people must stay together, but no group holds that many.",
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
            add_group_terms(mip, prep, g,
                             [(count[g, sector], 1.0) for sector in sectors_here],
                             [(count[g, sector], 1.0) for sector in sectors_here
                              if sector != UNKNOWN],
                             [[(count[g, sector], 1.0)] for sector in prep.known_sectors], [],
                             hull=hull, mult=mult)
        for o, terms in sorted(org_members[t].items()):
            if sum(c for _, c in terms) <= n_groups[t]:
                continue
            if prep.colleagues_first:
                if prep.pair_floor.get(o, 0) == 0:  # no pair anywhere: one per group
                    mip.row(terms, upper=float(n_groups[t]))
            elif ORG_UNIT * prep.org_weight > 0:
                # one colleague per group is free: at least count - groups extras
                e = mip.var(ORG_UNIT * prep.org_weight, 0.0)
                mip.row([*terms, (e, -1.0)], upper=float(n_groups[t]))
    for u, v in prep.unit_apart:
        for t in range(nt):
            if n_groups[t] == 1 and (u, t) in x and (v, t) in x:
                mip.row([(x[u, t], 1.0), (x[v, t], 1.0)], upper=1.0)

    return mip, x, z, w, count


def solve_two_stage(prep: Prepared, gap: float, deadline: float):
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
    # The bound: the LP of the first stage with the mix hull rows (`add_mix_hull`). The
    # first stage is a relaxation of the whole problem and the hull rows cut off none of
    # its whole solutions, so this LP's optimum is a proven bound; the rows close most of
    # the plain LP's gap, which comes from fractional people inside the free mix bands.
    hull_mip, hull_x, _, _, _ = first_stage(prep, hull=True)
    status1, lp_values, _, bound = hull_mip.solve(gap=gap, time_limit=deadline - time.monotonic(),
                                                  relax=True)
    if lp_values is None:
        return status1, None, None
    # Its solution is integral for all but a few people; keep those that it places whole and
    # let a MIP of the plain first stage (the same whole solutions and costs, and fast) place
    # the rest.
    mip, x, z, w, count = first_stage(prep, hull=False)
    lower = list(mip.lower)
    for key, j in x.items():
        if lp_values[hull_x[key]] > 1 - 1e-6:
            mip.lower[j] = 1.0
    # Stop as soon as the first stage is within the target of the bound LP (HiGHS proves
    # its gap only against its own, weaker bound, which can take long at the mixing steps).
    stop_at = bound / (1 - gap) if bound is not None and bound > 0 and gap < 1 else None
    status1, values, objective1, _ = mip.solve(gap=gap / 2, stop_at=stop_at,
                                               time_limit=deadline - time.monotonic())
    if values is None or (stop_at is not None and objective1 > stop_at
                          and time.monotonic() < deadline):
        # That rounding had no completion, or only one short of the target (e.g. a group
        # left below its minimum): solve the whole first stage.
        kept = values
        mip.lower = lower
        status1, values, objective2, mip_bound = mip.solve(
            gap=gap / 2, stop_at=stop_at, time_limit=deadline - time.monotonic(),
            start=None if kept is None else dict(enumerate(kept)))
        if values is None:
            if kept is None:
                return status1, None, None
            values = kept
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
        status2, placed = solve_topic(prep, t, units, composition, gap, deadline)
        if placed is None:  # the counts cannot be met (e.g. a keep-together cluster): free them
            status2, placed = solve_topic(prep, t, units, None, gap, deadline)
        if placed is None and status2 != "infeasible":
            # out of time: this topic's people by the simple pass, the rest stays solved
            placed, status2 = greedy(prep, units, prep.topic_groups[t]), "time_limit"
        if placed is None:
            return status2, None, None
        for u, g in placed.items():
            group_of[u] = g
        if status2 == "time_limit":
            worst = "time_limit"
    return worst, group_of, bound


def solve_topic(prep: Prepared, t: int, units: list[int], composition: dict | None,
                gap: float, deadline: float):
    """Second stage: the units of one topic into its groups (with given sector counts, if any)."""
    groups = prep.topic_groups[t]
    in_topic = set(units)
    org_count = defaultdict(int)
    for u in units:
        for i in prep.units[u]:
            if prep.org[i] is not None:
                org_count[prep.org[i]] += 1
    mip = Mip()
    block = AssignmentBlock(mip, prep, groups)
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
        block.add_unit(u, [prep.unit_pin[u]] if prep.unit_pin[u] is not None else [
            g for g in groups if prep.max[g] >= len(ms)])
    q = {}
    for sector in sorted(plain, key=SECTORS.index):
        count = len(plain[sector])
        mip.offset += sum(prep.unit_cost(u, groups[0]) for u in plain[sector])
        row = []
        for g in groups:
            j = mip.var(0.0, 0.0, float(min(count, prep.max[g])), True)
            q[sector, g] = j
            row.append((j, 1.0))
            block.add_count(g, sector, j)
        mip.row(row, float(count), float(count))
    for g in groups:
        if composition is None:
            block.add_group_terms(g)
            continue
        # The first stage fixed this group's sector counts (and so its size and mix cost).
        for sector in SECTORS:
            target = composition.get((g, sector))
            if target is not None or block.by_name[g].get(sector):
                mip.row(block.by_name[g].get(sector, []), target or 0, target or 0)
        add_group_terms(mip, prep, g, [], [], [], block.org_terms(g), sizes=False)
    block.add_apart_rows()
    # At the mixing steps the pairs of organisations with a floor above 0 have no budget per
    # topic: a high cost keeps them to what the topic must have (the answer is checked
    # against the floors afterwards, see `allocate._colleagues_first`).
    for j in mip.pair_cols:
        mip.cost[j] = MIN_SIZE_PENALTY / 10
    status, values, _, _ = mip.solve(gap=gap, time_limit=deadline - time.monotonic(),
                                     abs_gap=0.25 if composition is None else 1e-6)
    if values is None:
        return status, None
    placed = block.placed(values)
    for sector, us in plain.items():
        k = 0
        for g in groups:
            for _ in range(int(round(values[q[sector, g]]))):
                placed[us[k]] = g
                k += 1
    return status, placed
