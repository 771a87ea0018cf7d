"""`compute_allocation`: prepare, pick a solver, evaluate, explain."""
from __future__ import annotations

import math
import time
from collections import Counter

from app.domain.allocation.figures import evaluate
from app.domain.allocation.prepared import Infeasible, Prepared
from app.domain.allocation.problem import (DEFAULT_TIME_LIMIT, DIRECT_LIMIT, Allocation, Message,
                                           Problem)
from app.domain.allocation.reasons import compute_reasons
from app.domain.allocation.search import greedy, previous
from app.domain.allocation.solvers import fewest_colleague_pairs, solve_direct, solve_two_stage


# Up to this many people every step is solved to a proven optimum (the default gap target 0),
# and at the mixing steps the fewest colleague pairs are proven by a model of their own when
# the organisations' floors cannot be met.
PROVEN_LIMIT = 100


def _gap_of(prep: Prepared, group_of: list[int], bound: float | None) -> float:
    """The relative gap of a group per unit against a proven bound (1.0 without one)."""
    if bound is None or not math.isfinite(bound):
        return 1.0
    assignment = {prep.people[i].id: prep.groups[group_of[u]].id
                  for u, ms in enumerate(prep.units) for i in ms}
    objective = evaluate(prep, assignment).objective
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
    "direct" or "two_stage" (up to EXACT_LIMIT people always "direct": the exact regime,
    see `Prepared.exact`). `time_limit` (seconds) is only a safety net.
    """
    deadline = time.monotonic() + time_limit
    try:
        prep = Prepared(problem)
    except Infeasible as exc:
        return _error(exc.status, exc.message)
    if not prep.people:
        evaluation = evaluate(prep, {})
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
    if prep.exact:
        method = "direct"  # the exact regime's terms are only in the direct model
    if gap_target is None:
        # Proven optimal for a workshop-sized room; 1 % beyond, where proving the last
        # fraction costs more time than it changes groups. In two stages the target only
        # steers the sub-solves (the reported gap is against the LP bound): a tighter one.
        small = len(prep.people) <= PROVEN_LIMIT
        gap_target = 0.0 if small else 0.01 if method == "direct" else 0.005
    budget = sum(prep.pair_floor.values()) if prep.colleagues_first else None
    fewest = None
    try:
        method, status, group_of, bound = _solve(prep, method, auto, gap_target, deadline,
                                                 budget)
        if prep.colleagues_first:
            fewest, method, status, group_of, bound = _colleagues_first(
                prep, gap_target, deadline, budget, (method, status, group_of, bound))
    except Infeasible as exc:
        return _error(exc.status, exc.message, prep.warnings)
    if group_of is None and status != "infeasible":
        # The time limit came before the solver's first assignment: never a refusal while a
        # simple pass finds one; its gap against the bound (if any) says how good it is.
        group_of = greedy(prep)
        status = "time_limit"
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
    evaluation = evaluate(prep, assignment)
    objective = evaluation.objective
    if bound is None or not math.isfinite(bound):
        bound = 0.0  # every term of the objective is at least 0
    if bound > objective and bound - objective <= 1e-6 * max(1.0, abs(objective)):
        bound = objective  # solver tolerance
    gap = 0.0 if objective - bound <= 1e-9 else (objective - bound) / max(abs(objective), 1e-9)
    if status == "optimal":
        status = "optimal" if gap <= 1e-6 else "gap_reached"
    warnings = list(prep.warnings)
    if budget is not None and fewest is None and prep.colleagues_first:
        warnings.append({
            "en": "Within the time limit it was not proven that no allocation has fewer "
                  "colleague pairs.",
            "de": "In der Zeitgrenze ließ sich nicht beweisen, dass keine Einteilung weniger "
                  "Kolleg:innen-Paare hat."})
    if budget is not None and not prep.colleagues_first:
        warnings.append({
            "en": "Colleagues could not all be kept apart as far as possible within the rules; "
                  "in this allocation each colleague pair is a cost, as at the balanced step.",
            "de": "Kolleg:innen ließen sich nicht nachweisbar so weit wie möglich trennen; in "
                  "dieser Einteilung kostet jedes Paar, wie bei „Ausgewogen“."})
    for gid in evaluation.figures.underfilled_groups:
        g = prep.gi[gid]
        warnings.append({"en": f"Group {gid} has fewer than its minimum of {prep.min[g]}.",
                         "de": f"Gruppe {gid} hat weniger als die Mindestgröße {prep.min[g]}."})
    return Allocation(status=status, method=method, assignment=assignment,
                      figures=evaluation.figures, objective=round(objective, 9),
                      bound=round(bound, 9), gap=round(gap, 9),
                      reasons=compute_reasons(prep, place), warnings=tuple(warnings),
                      fewest_colleague_pairs=fewest)


def _solve(prep: Prepared, method: str, auto: bool, gap_target: float, deadline: float,
           budget: int | None):
    """Solve with the chosen method: (method, status, group per unit, bound)."""
    if method == "direct":
        start, start_bound = None, None
        if gap_target > 0 and len(prep.people) > PROVEN_LIMIT:
            # The two-stage answer costs a fraction of the direct solve and gives HiGHS
            # a good assignment to start from; its bound is a proven one for the whole
            # problem too (see `solve_two_stage`), so the better of the two counts.
            start_status, start, start_bound = solve_two_stage(prep, gap_target, deadline)
        if (auto and start is not None and start_status != "time_limit"
                and _gap_of(prep, start, start_bound) <= gap_target):
            # Stop on the gap target: the two-stage answer already meets it.
            return "two_stage", start_status, start, start_bound
        # A first assignment for HiGHS (the two-stage answer, else the earlier run's groups
        # on a re-run, else the simple pass): at a time limit it answers with at least that
        # one and its proven gap.
        first = start if start is not None else previous(prep) or greedy(prep)
        status, group_of, bound = solve_direct(prep, gap_target, deadline, first,
                                               colleague_budget=budget)
        if start_bound is not None and (bound is None or start_bound > bound):
            bound = start_bound
        if group_of is None and start is not None:
            return "two_stage", start_status, start, start_bound
        return "direct", status, group_of, bound
    status, group_of, bound = solve_two_stage(prep, gap_target, deadline)
    return "two_stage", status, group_of, bound


def _short_and_pairs(prep: Prepared, group_of: list[int]) -> tuple[int, int]:
    size = Counter()
    orgs = Counter()
    for u, ms in enumerate(prep.units):
        for i in ms:
            size[group_of[u]] += 1
            if prep.org[i] is not None:
                orgs[prep.org[i], group_of[u]] += 1
    short = sum(max(0, prep.min[g] - size[g]) for g in range(len(prep.groups)))
    return short, sum(c * (c - 1) // 2 for c in orgs.values())


def _colleagues_first(prep: Prepared, gap_target: float, deadline: float, budget: int, found):
    """The mixing steps: make sure the colleague pairs are the fewest possible, and say so.

    `found` is the answer with the colleague rows at the organisations' floors
    (`Prepared.colleague_floor`, lower bounds): if it meets them and the groups' minimums
    as far as any assignment can, the fewest are proven. Otherwise, up to PROVEN_LIMIT
    people, one small model finds the fewest and the room is solved again with them; beyond,
    colleagues become a cost as at the balanced step and a warning says so. Returns
    (fewest pairs or None, method, status, group per unit, bound).
    """
    method, status, group_of, bound = found
    if group_of is not None:
        short, pairs = _short_and_pairs(prep, group_of)
        if pairs <= budget and short <= prep.shortfall_floor():
            return budget, method, status, group_of, bound
    if len(prep.people) <= PROVEN_LIMIT:
        status_p, short, pairs = fewest_colleague_pairs(prep, deadline)
        if pairs is not None:
            prep.pair_floor = dict.fromkeys(range(len(prep.orgs)), 1)  # pair columns for all
            status2, group_of2, bound2 = solve_direct(prep, gap_target, deadline,
                                                      colleague_budget=pairs, shortfall_cap=short)
            if group_of2 is not None:
                worst = "time_limit" if "time_limit" in (status_p, status2) else status2
                fewest = pairs if status_p == "optimal" else None
                return fewest, "direct", worst, group_of2, bound2
    if group_of is None and status == "infeasible":
        # No assignment within the floors (beyond PROVEN_LIMIT people): colleagues as a cost,
        # the balanced step's terms, rather than no answer.
        prep.colleagues_first = False
        prep.org_weight = prep.weight
        prep.pair_floor = {}
        method, status, group_of, bound = _solve(prep, method, True, gap_target, deadline, None)
    return None, method, status, group_of, bound
