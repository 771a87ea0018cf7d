"""`compute_allocation`: prepare, pick a solver, evaluate, explain."""
from __future__ import annotations

import math
import time

from app.domain.allocation.figures import evaluate
from app.domain.allocation.prepared import Infeasible, Prepared
from app.domain.allocation.problem import (DEFAULT_TIME_LIMIT, DIRECT_LIMIT, Allocation, Message,
                                           Problem)
from app.domain.allocation.reasons import compute_reasons
from app.domain.allocation.solvers import solve_direct, solve_two_stage


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
        gap_target = 0.0 if len(prep.people) <= 100 else 0.01 if method == "direct" else 0.005
    try:
        if method == "direct":
            start, start_bound = None, None
            if gap_target > 0 and len(prep.people) > 100:
                # The two-stage answer costs a fraction of the direct solve and gives HiGHS
                # a good assignment to start from; its bound is a proven one for the whole
                # problem too (see `solve_two_stage`), so the better of the two counts.
                start_status, start, start_bound = solve_two_stage(prep, gap_target, deadline)
            if (auto and start is not None and start_status != "time_limit"
                    and _gap_of(prep, start, start_bound) <= gap_target):
                # Stop on the gap target: the two-stage answer already meets it.
                method, status, group_of, bound = "two_stage", start_status, start, start_bound
            else:
                status, group_of, bound = solve_direct(prep, gap_target, deadline, start)
                if start_bound is not None and (bound is None or start_bound > bound):
                    bound = start_bound
        else:
            status, group_of, bound = solve_two_stage(prep, gap_target, deadline)
    except Infeasible as exc:
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
    for gid in evaluation.figures.underfilled_groups:
        g = prep.gi[gid]
        warnings.append({"en": f"Group {gid} has fewer than its minimum of {prep.min[g]}.",
                         "de": f"Gruppe {gid} hat weniger als die Mindestgröße {prep.min[g]}."})
    return Allocation(status=status, method=method, assignment=assignment,
                      figures=evaluation.figures, objective=round(objective, 9),
                      bound=round(bound, 9), gap=round(gap, 9),
                      reasons=compute_reasons(prep, place), warnings=tuple(warnings))
