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
- organisations: every colleague beyond the first in a group costs 2 x `mix_weight`
  (at the steps below the mixing steps, see below);
- up to `EXACT_LIMIT` (60) people, the exact regime instead (`Prepared.exact`): the
  mix term is each group's total-variation distance to the room's sector shares
  (the figure `mix_distance_mean` averages), with no free band, times 2 x
  `mix_weight` x 2 x the mean known group size (one binary per sector composition of a
  group while there are at most `model.COMPOSITION_LIMIT` of them, else one branch per
  known count); every pair of colleagues in a group costs 2 x `mix_weight`. So at every
  weighted step no assignment is better on preferences, mix and colleague pairs at once.
  Such rooms are always solved in one model, with HiGHS's presolve off (see `Mip.presolve`);
- the mixing steps (`mix_weight` from `COLLEAGUES_FIRST_WEIGHT`, 2: "Eher
  Durchmischung" and "Vor allem Durchmischung") put colleagues first: after the
  groups' minimum sizes, the number of colleague pairs is the fewest any assignment
  that keeps the rules has (a rule, not a cost: `Prepared.colleague_floor` gives each
  organisation's floor, and where an answer cannot meet the floors a small model of
  its own, `solvers.fewest_colleague_pairs`, finds the fewest up to 100 people); only
  then preferences and the mix are weighed. Among the assignments with the fewest
  pairs, the weighted optimum is one that no assignment mixes better at no higher
  preference cost. The result says how few (`Allocation.fewest_colleague_pairs`);
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
(`model.add_mix_hull`): they cut off no whole solution and change no cost, but they
close most of the plain LP's gap (fractional people inside the free band of
the mix penalty, or a group mixing two sizes around its minimum). The direct
model carries the same rows. The objective is always re-computed on the final
assignment and the gap is taken against the proven bound, so both methods
report an honest gap. HiGHS runs single-threaded with a fixed seed on a model
built from sorted inputs and stops on a relative gap target: the same input
gives the same output. A time limit exists only as a safety net; if it is ever
hit the status says "time_limit" (and the result may then depend on the
machine's speed).

The package, from the bottom up: `problem` (input, output and the JSON shape),
`prepared` (the problem sorted, indexed and checked), `figures` (the figures and
objective of any assignment), `model` (the MIP collector, the rows every model
shares and the assignment block both solvers build on), `search` (the greedy first
assignment), `solvers` (direct, two-stage, fewest colleague pairs), `reasons` (why
each person is where they are) and `allocate` (`compute_allocation`). Other modules
import only the names below.
"""
from app.domain.allocation.allocate import compute_allocation
from app.domain.allocation.figures import compute_figures, compute_objective
from app.domain.allocation.prepared import rank_cost
from app.domain.allocation.problem import (COLLEAGUES_FIRST_WEIGHT, DEFAULT_TIME_LIMIT,
                                           DIRECT_LIMIT, EXACT_LIMIT, LATER_RANK_COST,
                                           MIN_SIZE_PENALTY, MIX_TOLERANCE, MIX_UNIT, MOVE_COST,
                                           ORG_UNIT, RANK_COSTS, SECTORS, SEED, UNKNOWN,
                                           UNRANKED_COST, Allocation, Figures, Group, Id, Message,
                                           Person, Problem, ProblemError, allocation_to_dict,
                                           figures_to_dict, problem_from_dict)

__all__ = [
    "DEFAULT_TIME_LIMIT", "DIRECT_LIMIT", "EXACT_LIMIT", "LATER_RANK_COST", "MIN_SIZE_PENALTY",
    "COLLEAGUES_FIRST_WEIGHT", "MIX_TOLERANCE",
    "MIX_UNIT", "MOVE_COST", "ORG_UNIT", "RANK_COSTS", "SECTORS", "SEED", "UNKNOWN",
    "UNRANKED_COST", "Allocation", "Figures", "Group", "Id", "Message", "Person", "Problem",
    "ProblemError", "allocation_to_dict", "compute_allocation", "compute_figures",
    "compute_objective", "figures_to_dict", "problem_from_dict", "rank_cost",
]
