"""The MIP: a column/row collector for HiGHS and the rows every model shares."""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping

import highspy
import numpy as np

from app.domain.allocation.prepared import Prepared
from app.domain.allocation.problem import (MIN_SIZE_PENALTY, MIX_TOLERANCE, MIX_UNIT, ORG_UNIT,
                                           SEED, UNKNOWN)


class Mip:
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
        self.tv_terms: list[tuple[int, float]] = []  # the sum of the groups' mix distances
        self.short_cols: list[int] = []  # min-size shortfall per group
        self.pair_cols: list[int] = []  # colleague pairs (exact regime)
        # Off for the exact regime's models: on them HiGHS 1.15's presolve returned a wrong
        # "optimal" answer (3 people, 2 groups: 6.0 where 3.0 was possible; see the tests).
        self.presolve = True

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
              start: Mapping[int, float] | None = None, stop_at: float | None = None):
        """Solve (as an LP if `relax`; from a known solution if `start`).

        `stop_at`: stop as soon as a solution with at most this objective is found (a
        target met against a bound HiGHS does not know, e.g. the two-stage bound LP's); the
        status is then "optimal" as on reaching the gap. Returns (status, values, objective,
        bound).
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
        if not self.presolve:
            h.setOptionValue("presolve", "off")
        h.passModel(lp)
        stopped = []
        if stop_at is not None and not relax:
            def interrupt(kind, message, data_out, data_in, user_data):
                if data_out.mip_primal_bound <= stop_at:
                    stopped.append(data_out.mip_primal_bound)
                    data_in.user_interrupt = True

            h.setCallback(interrupt, None)
            h.startCallback(highspy.cb.HighsCallbackType.kCallbackMipInterrupt)
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
        if status == highspy.HighsModelStatus.kOptimal or (stopped and has_solution):
            kind = "optimal"
        elif status == highspy.HighsModelStatus.kInfeasible:
            kind = "infeasible"
        elif has_solution:
            kind = "time_limit"
        else:
            kind = "no_solution"
        return kind, values, (info.objective_function_value if has_solution else None), bound


def add_group_terms(mip: Mip, prep: Prepared, g: int, size_terms, known_terms, sector_terms,
                     org_terms, sizes: bool = True, hull: bool = False, mult: int = 1,
                     exact: bool = False) -> None:
    """Size, min-size shortfall, sector mix and organisation rows of one group.

    `mult` > 1 stands for that many interchangeable groups like g at once (their sums;
    only in the first stage's bound LP, see `first_stage`). `hull` adds `add_mix_hull`.
    `exact` builds the exact regime's terms instead (`add_exact_terms`).
    """
    if exact:
        add_exact_terms(mip, prep, g, size_terms, known_terms, sector_terms, org_terms)
        return
    if not sizes:
        add_colleague_terms(mip, prep, org_terms)
        return
    n = mip.var(0.0, 0.0, mult * prep.max[g])
    mip.row([*size_terms, (n, -1.0)], 0.0, 0.0)
    short = None
    if prep.min[g] > 0:
        short = mip.var(MIN_SIZE_PENALTY, 0.0, mult * prep.min[g])
        mip.row([(n, 1.0), (short, 1.0)], mult * prep.min[g])
        mip.short_cols.append(short)
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
            add_mix_hull(mip, prep, g, mult, k, cs, ds, short)
    add_colleague_terms(mip, prep, org_terms)


def add_colleague_terms(mip: Mip, prep: Prepared, org_terms, exact: bool = False) -> None:
    """The colleague rows of one group; `org_terms` are (organisation, count terms) pairs.

    At the mixing steps (`Prepared.colleagues_first`) colleagues are a rule, not a cost: an
    organisation whose floor (`Prepared.colleague_floor`) is 0 gets at most one person here
    (no pair), every other one pair columns without cost, whose sum the solver keeps at the
    fewest possible (`Mip.pair_cols`). Otherwise each pair costs 2 x mix_weight (exact
    regime: m - 1 columns e_j >= count - j, j = 1 .. m - 1, sum to count * (count - 1) / 2
    at the optimum) or each colleague beyond the first does (banded regime).
    """
    rule = prep.colleagues_first
    cost = ORG_UNIT * prep.org_weight
    for o, terms in org_terms:
        if rule and not exact and prep.pair_floor.get(o, 0) == 0:
            mip.row(terms, upper=1.0)
        elif rule or exact:
            if not rule and cost <= 0:
                continue
            m = int(sum(c for _, c in terms))
            for j in range(1, m):
                e = mip.var(0.0 if rule else cost, 0.0)
                mip.row([*terms, (e, -1.0)], upper=float(j))
                mip.pair_cols.append(e)
        elif cost > 0:
            e = mip.var(cost, 0.0)
            mip.row([*terms, (e, -1.0)], upper=1.0)


def add_exact_terms(mip: Mip, prep: Prepared, g: int, size_terms, known_terms, sector_terms,
                    org_terms) -> None:
    """The exact regime's rows of one group (see `Prepared.exact`).

    The distance 1/2 sum_s |c_s / k - share_s| is linear once the known count k is fixed,
    so the group has one branch per k it may have: a binary lam_k (exactly one is 1), the
    branch's counts c_sk (whole numbers: measured faster; summing to k * lam_k, and over k
    to c_s) and deviations d_sk above the lower convex hull of |c - share * k| at whole c (`mix_pieces` without a free
    band), in perspective. With lam whole, only the group's own branch is non-zero and
    d_sk / 2k sums to its exact distance. Colleagues: for an organisation that could have
    m people here, m - 1 columns e_j >= count - j (j = 1 .. m - 1) sum to exactly
    count * (count - 1) / 2 pairs at the optimum (`add_colleague_terms`).
    """
    n = mip.var(0.0, 0.0, prep.max[g])
    mip.row([*size_terms, (n, -1.0)], 0.0, 0.0)
    if prep.min[g] > 0:
        short = mip.var(MIN_SIZE_PENALTY, 0.0, prep.min[g])
        mip.row([(n, 1.0), (short, 1.0)], prep.min[g])
        mip.short_cols.append(short)
    ns = len(prep.known_sectors)
    known_cap = int(sum(c for _, c in known_terms))
    if ns >= 2 and known_cap > 0 and prep.weight > 0:
        cost = MIX_UNIT * prep.weight * prep.mix_scale  # per unit of distance
        top = min(prep.max[g], known_cap)
        caps = [min(top, int(sum(c for _, c in terms))) for terms in sector_terms]
        compositions = _compositions(caps, top, COMPOSITION_LIMIT)
        if compositions is not None:
            _add_composition_terms(mip, prep, compositions, sector_terms, cost)
            add_colleague_terms(mip, prep, org_terms, exact=True)
            return
        k = mip.var(0.0, 0.0, top)
        mip.row([*known_terms, (k, -1.0)], 0.0, 0.0)
        cs = []
        for terms in sector_terms:
            c = mip.var(0.0, 0.0, top)
            mip.row([*terms, (c, -1.0)], 0.0, 0.0)
            cs.append(c)
        lam_row, k_row = [], [(k, -1.0)]
        c_rows = [[(c, -1.0)] for c in cs]
        # Every known count, also those below the min size: a branch without mix cost would
        # let the LP mix it in for free (measured: several times slower).
        for size in range(top + 1):
            lam = mip.var(0.0, 0.0, 1.0, True)
            lam_row.append((lam, 1.0))
            k_row.append((lam, float(size)))
            if size == 0:
                continue
            total = [(lam, -float(size))]
            for s in range(ns):
                c = mip.var(0.0, 0.0, float(size), True)  # whole (measured: faster)
                total.append((c, 1.0))
                c_rows[s].append((c, 1.0))
                pieces = mix_pieces(prep, s, size, tolerance=0.0)
                if pieces:
                    d = mip.var(cost / (2 * size), 0.0)
                    mip.tv_terms.append((d, 1.0 / (2 * size)))
                    for a, b in pieces:
                        mip.row([(d, 1.0), (c, -a), (lam, -b)], lower=0.0)
            mip.row(total, 0.0, 0.0)
        mip.row(lam_row, 1.0, 1.0)
        mip.row(k_row, 0.0, 0.0)
        for row in c_rows:
            mip.row(row, 0.0, 0.0)
    add_colleague_terms(mip, prep, org_terms, exact=True)



# Up to this many sector compositions a group's mix is one binary per composition (its
# exact cost; the LP is the convex hull of the group's mix cost, the tightest there is).
# Measured on 30-person rooms under load: with four known sectors (715-1001 compositions per
# group) it proves the optimum in 0.84-1.75 s of CPU over six seeds where the branches per
# known count take 0.88-1.75 s, and its slowest seed is 0.65 s against 1.0 s; with five
# (the demo edition: 2002 per group) the branches are ten times faster (0.06 s against 0.87 s).
COMPOSITION_LIMIT = 1200


def _compositions(caps: list[int], top: int, limit: int) -> list[tuple[int, ...]] | None:
    """Every whole count per sector within `caps` summing to at most `top` (None: over limit)."""
    out: list[tuple[int, ...]] = [()]
    for cap in caps:
        out = [c + (x,) for c in out for x in range(min(cap, top - sum(c)) + 1)]
        if len(out) > limit:
            return None
    return out


def _add_composition_terms(mip: Mip, prep: Prepared, compositions, sector_terms,
                           cost: float) -> None:
    """One binary per sector composition of the group; exactly one holds."""
    total = prep.known_total
    rows = [[(j, -c) for j, c in terms] for terms in sector_terms]
    pick = []
    for comp in compositions:
        k = sum(comp)
        tv = (sum(abs(c * total - n * k) for c, n in zip(comp, prep.sector_count))
              / (2 * k * total)) if k else 0.0
        z = mip.var(cost * tv, 0.0, 1.0, True)
        pick.append((z, 1.0))
        if tv:
            mip.tv_terms.append((z, tv))
        for s, c in enumerate(comp):
            if c:
                rows[s].append((z, float(c)))
    mip.row(pick, 1.0, 1.0)
    for row in rows:
        mip.row(row, 0.0, 0.0)


_PIECES: dict = {}


def mix_pieces(prep: Prepared, s: int, k: int,
               tolerance: float = MIX_TOLERANCE) -> list[tuple[float, float]]:
    """Lines d >= a*c + b under the mix penalty of sector s in a group of k known people.

    They are the lower convex hull of the points (c, max(0, |c - share*k| - tolerance))
    for whole c = 0..k, computed in exact integers over the room: so at every whole c the
    largest of them is exactly the penalty, and between whole c they lie above the
    straight |c - share*k| - tolerance of the plain rows (which is what lets an LP put
    fractional people just inside the free band).
    """
    key = (prep.known_total, prep.sector_count[s], k, tolerance)
    if key in _PIECES:
        return _PIECES[key]
    total, count = prep.known_total, prep.sector_count[s]
    tolerance = round(tolerance * total)
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


def add_mix_hull(mip: Mip, prep: Prepared, g: int, mult: int, k, cs, ds, short) -> None:
    """Valid inequalities that tighten the LP of a group's mix and min-size terms.

    The penalty of sector s depends on its count c_s and the known count k. For each k
    the group may have, a branch with share lam_k of the group (lam summing to `mult`),
    its own counts c_sk (summing to k * lam_k) and penalties d_sk >= a*c_sk + b*lam_k for
    every line of `mix_pieces` (their perspective); the plain d_s must cover the sum of
    the d_sk, the shortfall the branches' (min - k) * lam_k. A whole solution satisfies
    all of it with lam = `mult` on its own k and 0 elsewhere, where the rows say no more
    than the exact penalty (the pieces meet it at whole c, see `mix_pieces`): the rows
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
            pieces = mix_pieces(prep, s, size)
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


def unit_counts(prep: Prepared, u: int):
    """Known-sector count, per-sector counts and per-organisation counts of a unit."""
    sectors = defaultdict(int)
    orgs = defaultdict(int)
    for i in prep.units[u]:
        if prep.sector_index[i] is not None:
            sectors[prep.sector_index[i]] += 1
        if prep.org[i] is not None:
            orgs[prep.org[i]] += 1
    return sum(sectors.values()), sectors, orgs


class AssignmentBlock:
    """The variables and costs both solvers share: one binary per unit and allowed group.

    Each binary costs the unit's rank and move cost in that group (`Prepared.unit_cost`);
    every unit is in exactly one of its groups; keep-apart units never share one. The
    block collects, per group, the terms of its size, its known-sector count, each known
    sector's count, each sector's count by name and each organisation's count, so that a
    solver adds the group rows (`add_group_terms`) over them. People a solver counts
    rather than names (`add_count`) join the same sums.
    """

    def __init__(self, mip: Mip, prep: Prepared, groups: Iterable[int]):
        self.mip = mip
        self.prep = prep
        self.groups = list(groups)
        ns = len(prep.known_sectors)
        self.size = {g: [] for g in self.groups}
        self.known = {g: [] for g in self.groups}
        self.sector = {g: [[] for _ in range(ns)] for g in self.groups}
        self.by_name = {g: defaultdict(list) for g in self.groups}  # sector name -> terms
        self.org = {g: defaultdict(list) for g in self.groups}
        self.y: dict[tuple[int, int], int] = {}

    def add_unit(self, u: int, options: Iterable[int]) -> bool:
        """A binary per group in `options` for unit u, exactly one of them 1 (False if none)."""
        prep = self.prep
        ms = prep.units[u]
        known, sectors, orgs = unit_counts(prep, u)
        by_name = defaultdict(int)
        for i in ms:
            by_name[prep.sector[i]] += 1
        row = []
        for g in options:
            j = self.mip.var(prep.unit_cost(u, g), 0.0, 1.0, True)
            self.y[u, g] = j
            row.append((j, 1.0))
            self.size[g].append((j, float(len(ms))))
            if known:
                self.known[g].append((j, float(known)))
            for s, c in sectors.items():
                self.sector[g][s].append((j, float(c)))
            for sector, c in by_name.items():
                self.by_name[g][sector].append((j, float(c)))
            for o, c in orgs.items():
                self.org[g][o].append((j, float(c)))
        if not row:
            return False
        self.mip.row(row, 1.0, 1.0)
        return True

    def add_count(self, g: int, sector: str, j: int) -> None:
        """Column j counts people of `sector` (no organisation, no pin) in group g."""
        self.size[g].append((j, 1.0))
        self.by_name[g][sector].append((j, 1.0))
        if sector != UNKNOWN:
            self.known[g].append((j, 1.0))
            self.sector[g][self.prep.si[sector]].append((j, 1.0))

    def org_terms(self, g: int) -> list:
        """(organisation, count terms) of each organisation that could have two people in g."""
        return [(o, terms) for o, terms in sorted(self.org[g].items())
                if sum(c for _, c in terms) >= 2]

    def add_group_terms(self, g: int, **kwargs) -> None:
        """`add_group_terms` over this block's sums for group g."""
        add_group_terms(self.mip, self.prep, g, self.size[g], self.known[g], self.sector[g],
                        self.org_terms(g), **kwargs)

    def add_apart_rows(self) -> None:
        for u, v in self.prep.unit_apart:
            for g in self.groups:
                if (u, g) in self.y and (v, g) in self.y:
                    self.mip.row([(self.y[u, g], 1.0), (self.y[v, g], 1.0)], upper=1.0)

    def placed(self, values) -> dict[int, int]:
        """The group of each named unit in a solution."""
        return {u: g for (u, g), j in self.y.items() if values[j] > 0.5}
