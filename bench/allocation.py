"""Breakout allocation benchmark: the allocator against random and first-come assignment.

    .venv/bin/python bench/allocation.py                      # all four sizes
    .venv/bin/python bench/allocation.py --sizes 30/4,300/20  # a subset

A seeded synthetic generator (4 sectors; about 40 % of people in organisations of
2–5; ranked topics whose popularity is skewed and correlated with sector; a few
pins, keep-apart and keep-together pairs; group limits 0.8–1.2 × the mean size)
builds each problem. For each size it prints the allocator's time, status, gap
and figures (at mix_weight 1, the balanced step: the targets), the same figures
for random assignment (what video tools do) and greedy first-come, and the
frontier: preference cost, mean mix distance, colleague pairs, time and gap at
each of the five steps of the "Durchmischung ↔ Wunschthema" setting (--steps to
choose fewer). The last line is one JSON object. Each solve is bounded by
--time-limit (default 4 × the target time; at least 10 s).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from app.domain.allocation import (Group, Person, Problem, compute_allocation,  # noqa: E402
                                   compute_figures, figures_to_dict)

BENCH_SECTORS = ("civil_society", "public_administration", "business", "research")
SECTOR_SHARES = (0.3, 0.3, 0.2, 0.2)

# The five steps of the setting (app/breakouts/forms.py MIX_STEPS), weakest mixing first.
STEPS = ((0.0, "Nur Wunschthema"), (0.5, "Eher Wunschthema"), (1.0, "Ausgewogen"),
         (2.0, "Eher Durchmischung"), (4.0, "Vor allem Durchmischung"))

# people, groups, topics, target seconds, target gap
SIZES = {
    (30, 4): (4, 0.2, 0.0),
    (300, 20): (10, 2.0, 0.01),
    (3000, 150): (30, 15.0, 0.01),
    (10000, 500): (50, 60.0, 0.02),
}


def generate(people: int, groups: int, topics: int | None = None, seed: int = 1) -> Problem:
    """A synthetic problem: same arguments, same problem."""
    rng = random.Random(f"{seed}:{people}:{groups}")
    topics = topics or max(1, min(groups, groups // 10 or groups))
    topic_ids = [f"T{t + 1:02d}" for t in range(topics)]
    # Groups: each topic gets at least one; the rest go to topics at random. Limits are
    # 0.8-1.2 x the mean size, with a little room-to-room variation.
    topic_of = [topic_ids[g % topics] for g in range(groups)]
    mean = people / groups
    group_list = []
    for g in range(groups):
        room = rng.uniform(0.95, 1.05)
        group_list.append(Group(id=f"G{g + 1:03d}", topic=topic_of[g],
                                min_size=max(1, math.floor(0.8 * mean * room)),
                                max_size=max(2, math.ceil(1.2 * mean * room))))
    # Topic popularity: Zipf-like, then tilted per sector (each sector likes some topics more).
    base = [1.0 / (r + 1) ** 0.8 for r in range(topics)]
    rng.shuffle(base)
    tilt = {s: [rng.lognormvariate(0, 0.7) for _ in range(topics)] for s in BENCH_SECTORS}
    ranks = min(5, topics)

    def ranked(sector):
        weights = [b * t for b, t in zip(base, tilt[sector])]
        chosen = []
        pool = list(range(topics))
        for _ in range(ranks):
            k = rng.choices(range(len(pool)), weights=[weights[p] for p in pool])[0]
            chosen.append(topic_ids[pool.pop(k)])
        return tuple(chosen)

    persons = []
    org_no = 0
    while len(persons) < people:
        sector = rng.choices(BENCH_SECTORS, weights=SECTOR_SHARES)[0]
        if rng.random() < 0.15:  # an organisation of 2-5 colleagues, same sector, similar taste
            org_no += 1
            size = min(rng.randint(2, 5), people - len(persons))
            shared = ranked(sector)
            for _ in range(size):
                prefs = shared if rng.random() < 0.5 else ranked(sector)
                persons.append((sector, f"O{org_no:04d}", prefs))
        else:
            persons.append((sector, None, ranked(sector)))
    person_list = []
    ids = [f"P{i + 1:05d}" for i in range(people)]
    pins = set(rng.sample(range(people), max(1, people // 100)))
    for i, (sector, org, prefs) in enumerate(persons):
        pinned = None
        if i in pins:  # a speaker or facilitator: pinned to a group of their first choice
            pinned = rng.choice([g.id for g in group_list if g.topic == prefs[0]])
        person_list.append(Person(id=ids[i], sector=sector, organisation=org, preferences=prefs,
                                  pinned_group=pinned))
    free = [i for i in range(people) if i not in pins]
    n_pairs = max(1, people // 200)
    chosen = rng.sample(free, min(len(free), 4 * n_pairs))
    apart = [(ids[chosen[2 * k]], ids[chosen[2 * k + 1]]) for k in range(n_pairs)]
    together = [(ids[chosen[2 * n_pairs + 2 * k]], ids[chosen[2 * n_pairs + 2 * k + 1]])
                for k in range(n_pairs)]
    return Problem(groups=tuple(group_list), people=tuple(person_list),
                   keep_apart=tuple(apart), keep_together=tuple(together), mix_weight=1.0)


def random_assignment(problem: Problem, seed: int = 1) -> dict:
    """What video tools do: shuffle, then deal people round the groups up to their max."""
    rng = random.Random(seed)
    people = [p.id for p in problem.people]
    rng.shuffle(people)
    groups = list(problem.groups)
    room = {g.id: g.max_size for g in groups}
    out = {}
    k = 0
    for pid in people:
        while room[groups[k % len(groups)].id] == 0:
            k += 1
        g = groups[k % len(groups)].id
        out[pid] = g
        room[g] -= 1
        k += 1
    return out


def greedy_assignment(problem: Problem) -> dict:
    """First come, first served: pins first, then each person their best topic with room."""
    groups = list(problem.groups)
    size = {g.id: 0 for g in groups}
    cap = {g.id: g.max_size for g in groups}
    out = {}
    together = {}
    for a, b in problem.keep_together:
        together.setdefault(a, []).append(b)
        together.setdefault(b, []).append(a)
    apart = {}
    for a, b in problem.keep_apart:
        apart.setdefault(a, []).append(b)
        apart.setdefault(b, []).append(a)
    for p in problem.people:
        if p.pinned_group is not None:
            out[p.id] = p.pinned_group
            size[p.pinned_group] += 1

    def fits(pid, gid):
        return size[gid] < cap[gid] and all(out.get(o) != gid for o in apart.get(pid, ()))

    for p in problem.people:
        if p.id in out:
            continue
        if p.id in together and any(o in out for o in together[p.id]):
            partner = next(out[o] for o in together[p.id] if o in out)
            if size[partner] < cap[partner]:
                out[p.id] = partner
                size[partner] += 1
                continue
        choice = None
        for topic in p.preferences:
            options = [g.id for g in groups if g.topic == topic and fits(p.id, g.id)]
            if options:
                choice = max(options, key=lambda gid: cap[gid] - size[gid])
                break
        if choice is None:
            options = [g.id for g in groups if fits(p.id, g.id)] or \
                      [g.id for g in groups if size[g.id] < cap[g.id]]
            choice = max(options, key=lambda gid: cap[gid] - size[gid])
        out[p.id] = choice
        size[choice] += 1
    return out


SHOWN = ("first_choice", "second_choice", "third_choice", "unranked_choice", "mix_distance_mean",
         "mix_distance_max", "groups_with_every_sector", "lone_sector_people",
         "same_organisation_pairs", "rule_violations", "underfilled_groups")


def _short(figures: dict) -> dict:
    out = {k: figures[k] for k in SHOWN}
    out["underfilled_groups"] = len(out["underfilled_groups"])
    return out


def _line(name: str, f: dict) -> str:
    return (f"  {name:<9} 1st {f['first_choice']:.1%}  2nd {f['second_choice']:.1%}  "
            f"3rd {f['third_choice']:.1%}  unranked {f['unranked_choice']:.1%}  "
            f"mix mean {f['mix_distance_mean']:.3f} max {f['mix_distance_max']:.3f}  "
            f"all-sector groups {f['groups_with_every_sector']}  lone {f['lone_sector_people']}  "
            f"same-org pairs {f['same_organisation_pairs']}  violations {f['rule_violations']}  "
            f"underfilled {f['underfilled_groups']}")


def frontier(problem: Problem, balanced, balanced_seconds: float, limit: float,
             steps) -> list[dict]:
    """Preference cost and mix distance (and colleagues, time, gap) at each step."""
    rows = []
    for weight, label in STEPS:
        if weight not in steps:
            continue
        if weight == problem.mix_weight:
            result, seconds = balanced, balanced_seconds
        else:
            started = time.perf_counter()
            result = compute_allocation(dataclasses.replace(problem, mix_weight=weight),
                                        time_limit=limit)
            seconds = time.perf_counter() - started
        row = {"step": label, "mix_weight": weight, "seconds": round(seconds, 3),
               "status": result.status, "gap": result.gap}
        if result.figures is not None:
            f = result.figures
            row.update(preference_cost=round(f.objective_parts["rank"]
                                             + f.objective_parts["moves"], 6),
                       mix_distance_mean=round(f.mix_distance_mean, 6),
                       same_organisation_pairs=f.same_organisation_pairs,
                       top3=round(f.first_choice + f.second_choice + f.third_choice, 6))
            print(f"  step {weight:g} {label:<24} preference cost {row['preference_cost']:g}  "
                  f"mix mean {f.mix_distance_mean:.3f}  same-org pairs "
                  f"{f.same_organisation_pairs}  top-3 {row['top3']:.1%}  {seconds:.2f} s  "
                  f"{result.status}, gap {result.gap:.3%}")
        else:
            print(f"  step {weight:g} {label:<24} error: {result.error}")
        sys.stdout.flush()
        rows.append(row)
    return rows


def run(people: int, groups: int, time_limit: float | None, seed: int,
        steps=tuple(w for w, _ in STEPS)) -> dict:
    topics, target_s, target_gap = SIZES.get((people, groups), (None, None, None))
    problem = generate(people, groups, topics, seed)
    limit = time_limit or max(10.0, 4 * (target_s or 15.0))
    started = time.perf_counter()
    result = compute_allocation(problem, time_limit=limit)
    seconds = time.perf_counter() - started
    row = {"people": people, "groups": groups, "topics": len({g.topic for g in problem.groups}),
           "seconds": round(seconds, 3), "status": result.status, "method": result.method,
           "objective": result.objective, "bound": result.bound, "gap": result.gap}
    print(f"{people}/{groups} ({row['topics']} topics): {result.method}, {result.status}, "
          f"{seconds:.2f} s, objective {result.objective}, bound {result.bound}, "
          f"gap {result.gap if result.gap is None else f'{result.gap:.3%}'}")
    if result.figures is not None:
        row["allocator"] = _short(figures_to_dict(result.figures))
        print(_line("allocator", row["allocator"]))
    else:
        print(f"  error: {result.error}")
    row["random"] = _short(figures_to_dict(compute_figures(problem, random_assignment(problem, seed))))
    row["greedy"] = _short(figures_to_dict(compute_figures(problem, greedy_assignment(problem))))
    print(_line("random", row["random"]))
    print(_line("greedy", row["greedy"]))
    if target_s is not None:
        met_time = seconds < target_s if people <= 30 else seconds <= target_s
        met_gap = result.gap is not None and result.gap <= target_gap + 1e-9
        met_rules = result.figures is not None and result.figures.rule_violations == 0
        row["target"] = {"seconds": target_s, "gap": target_gap}
        row["met"] = {"time": met_time, "gap": met_gap, "rules": met_rules}
        print(f"  target: gap ≤ {target_gap:.0%} in ≤ {target_s:g} s, zero violations → "
              f"time {'met' if met_time else 'MISSED'}, gap {'met' if met_gap else 'MISSED'}, "
              f"rules {'met' if met_rules else 'MISSED'}")
    sys.stdout.flush()
    row["frontier"] = frontier(problem, result, seconds, limit, steps)
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(f"{p}/{g}" for p, g in SIZES),
                        help="comma-separated people/groups, e.g. 30/4,300/20")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="safety-net seconds per solve (default 4 x target, at least 10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--steps", default=",".join(f"{w:g}" for w, _ in STEPS),
                        help="comma-separated mix weights of the frontier, e.g. 1 (none: '')")
    args = parser.parse_args(argv)
    steps = tuple(float(x) for x in args.steps.split(",") if x.strip())
    rows = []
    for item in args.sizes.split(","):
        people, groups = (int(x) for x in item.strip().split("/"))
        rows.append(run(people, groups, args.time_limit, args.seed, steps))
    print(json.dumps({"benchmark": "allocation", "seed": args.seed, "sizes": rows},
                     separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
