"""Breakout allocation benchmark: every step of the setting at every size, against its target.

    .venv/bin/python bench/allocation.py                      # all four sizes, all five steps
    .venv/bin/python bench/allocation.py --sizes 30/4,300/20  # a subset
    .venv/bin/python bench/allocation.py --seeds 1,2,3        # more synthetic rooms

A seeded synthetic generator (4 sectors; about 40 % of people in organisations of
2–5; ranked topics whose popularity is skewed and correlated with sector; a few
pins, keep-apart and keep-together pairs; group limits 0.8–1.2 × the mean size)
builds each problem. For each size and each of the five steps of "Durchmischung ↔
Wunschthema" it times the whole call as `flask breakouts solve` makes it (the problem
read from its JSON shape, the allocation, the result written as JSON): wall and CPU
seconds, status, proven gap, preference cost, mean mix distance, colleague pairs (and
at the mixing steps the proven fewest), each against the size's targets (issue 28),
with the time limit set to the target (a step that reaches it answers with the best
assignment found and its proven gap, never a refusal). Then whether the mix falls or
stays step by step (unless colleague pairs fall: the mixing steps split colleagues
first), and at the balanced step the figures of random assignment (what video tools
do) and greedy first-come. The load average is printed before and after. The last line
is one JSON object; the exit status is 1 if any target was missed.
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

from app.domain.allocation import (Group, Person, Problem,  # noqa: E402
                                   allocation_to_dict, compute_allocation, compute_figures,
                                   figures_to_dict, problem_from_dict)

BENCH_SECTORS = ("civil_society", "public_administration", "business", "research")
SECTOR_SHARES = (0.3, 0.3, 0.2, 0.2)

# The five steps of the setting (app/breakouts/forms.py MIX_STEPS), weakest mixing first.
STEPS = ((0.0, "Nur Wunschthema"), (0.5, "Eher Wunschthema"), (1.0, "Ausgewogen"),
         (2.0, "Eher Durchmischung"), (4.0, "Vor allem Durchmischung"))

# people, groups -> topics, target seconds, target gap (issue 28: every step; 30/4 under
# half a second, proven optimal as every room up to 100 people)
SIZES = {
    (30, 4): (4, 0.5, 0.0),
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


def problem_to_dict(problem: Problem) -> dict:
    """The problem in the JSON shape of `flask breakouts solve` (docs: README)."""
    return {
        "groups": [{"id": g.id, "topic": g.topic, "min_size": g.min_size,
                    "max_size": g.max_size} for g in problem.groups],
        "people": [{"id": p.id, "sector": p.sector, "organisation": p.organisation,
                    "preferences": list(p.preferences), "pinned_group": p.pinned_group}
                   for p in problem.people],
        "keep_apart": [list(pair) for pair in problem.keep_apart],
        "keep_together": [list(pair) for pair in problem.keep_together],
        "mix_weight": problem.mix_weight,
    }


def whole_call(data: dict, time_limit: float):
    """What `flask breakouts solve` does: read the problem, allocate, write the result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = compute_allocation(problem_from_dict(json.loads(json.dumps(data))),
                                time_limit=time_limit)
    json.dumps(allocation_to_dict(result), ensure_ascii=False)
    return result, time.perf_counter() - wall, time.process_time() - cpu


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


def load() -> float:
    return round(os.getloadavg()[0], 2)


def step_row(problem: Problem, weight: float, label: str, limit: float, target_s, target_gap):
    """One step: the whole call, its figures and whether it met the size's targets."""
    data = problem_to_dict(dataclasses.replace(problem, mix_weight=weight))
    result, wall, cpu = whole_call(data, limit)
    row = {"step": label, "mix_weight": weight, "seconds": round(wall, 3),
           "cpu_seconds": round(cpu, 3), "status": result.status, "method": result.method,
           "gap": result.gap, "load": load()}
    if result.figures is None:
        row["error"] = dict(result.error)
        row["met"] = {"time": False, "gap": False, "rules": False}
        print(f"  step {weight:g} {label:<24} error: {result.error['en']}")
        return result, row
    f = result.figures
    row.update(preference_cost=round(f.objective_parts["rank"] + f.objective_parts["moves"], 6),
               mix_distance_mean=round(f.mix_distance_mean, 6),
               same_organisation_pairs=f.same_organisation_pairs,
               fewest_colleague_pairs=result.fewest_colleague_pairs,
               top3=round(f.first_choice + f.second_choice + f.third_choice, 6),
               violations=f.rule_violations)
    if target_s is not None:
        row["met"] = {"time": wall < target_s if target_s < 1 else wall <= target_s,
                      "gap": result.gap is not None and result.gap <= target_gap + 1e-6,
                      "rules": f.rule_violations == 0}
    fewest = "" if result.fewest_colleague_pairs is None else \
        f" (fewest possible {result.fewest_colleague_pairs})"
    met = "" if "met" not in row else "  → " + ", ".join(
        f"{k} {'met' if v else 'MISSED'}" for k, v in row["met"].items())
    print(f"  step {weight:g} {label:<24} {wall:6.2f} s (CPU {cpu:5.2f} s)  {result.status}, "
          f"gap {result.gap:.3%}  preference cost {row['preference_cost']:g}  "
          f"mix {f.mix_distance_mean:.3f}  colleague pairs {f.same_organisation_pairs}{fewest}  "
          f"top-3 {row['top3']:.1%}  load {row['load']:g}{met}")
    sys.stdout.flush()
    return result, row


def mix_falls(rows: list[dict]) -> bool:
    """From each step to the next the mix falls or stays, unless colleague pairs fall."""
    done = [r for r in rows if "mix_distance_mean" in r]
    return len(done) == len(rows) and all(
        b["mix_distance_mean"] <= a["mix_distance_mean"] + 1e-9
        or b["same_organisation_pairs"] < a["same_organisation_pairs"]
        for a, b in zip(done, done[1:]))


def run(people: int, groups: int, time_limit: float | None, seed: int, steps) -> dict:
    topics, target_s, target_gap = SIZES.get((people, groups), (None, None, None))
    problem = generate(people, groups, topics, seed)
    limit = time_limit or target_s or 60.0
    print(f"{people}/{groups} ({len({g.topic for g in problem.groups})} topics), seed {seed}: "
          f"target every step {'<' if (target_s or 1) < 1 else '≤'} {target_s:g} s, "
          f"gap ≤ {target_gap:.0%}; time limit {limit:g} s" if target_s is not None else
          f"{people}/{groups}, seed {seed}: time limit {limit:g} s")
    sys.stdout.flush()
    out = {"people": people, "groups": groups, "seed": seed, "time_limit": limit,
           "target": None if target_s is None else {"seconds": target_s, "gap": target_gap},
           "steps": []}
    balanced = None
    for weight, label in STEPS:
        if weight not in steps:
            continue
        result, row = step_row(problem, weight, label, limit, target_s, target_gap)
        out["steps"].append(row)
        if weight == 1.0:
            balanced = result
    out["mix_falls_step_by_step"] = mix_falls(out["steps"])
    print(f"  mix falls or stays step by step (unless colleague pairs fall): "
          f"{'yes' if out['mix_falls_step_by_step'] else 'NO'}")
    if balanced is not None and balanced.figures is not None:
        out["allocator"] = _short(figures_to_dict(balanced.figures))
        out["random"] = _short(figures_to_dict(
            compute_figures(problem, random_assignment(problem, seed))))
        out["greedy"] = _short(figures_to_dict(compute_figures(problem,
                                                                greedy_assignment(problem))))
        for name in ("allocator", "random", "greedy"):
            print(_line(name, out[name]))
    sys.stdout.flush()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(f"{p}/{g}" for p, g in SIZES),
                        help="comma-separated people/groups, e.g. 30/4,300/20")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="seconds per call (default: the size's target time)")
    parser.add_argument("--seeds", default="1", help="comma-separated seeds, e.g. 1,2,3")
    parser.add_argument("--steps", default=",".join(f"{w:g}" for w, _ in STEPS),
                        help="comma-separated mix weights of the steps, e.g. 1")
    args = parser.parse_args(argv)
    steps = tuple(float(x) for x in args.steps.split(",") if x.strip())
    started = load()
    print(f"load average (1 min) before: {started:g}; {os.cpu_count()} cores")
    rows = []
    for seed in (int(x) for x in args.seeds.split(",")):
        for item in args.sizes.split(","):
            people, groups = (int(x) for x in item.strip().split("/"))
            rows.append(run(people, groups, args.time_limit, seed, steps))
    missed = [f"{r['people']}/{r['groups']} seed {r['seed']} step {s['mix_weight']:g}"
              for r in rows for s in r["steps"] if "met" in s and not all(s["met"].values())]
    missed += [f"{r['people']}/{r['groups']} seed {r['seed']}: mix rises"
               for r in rows if not r["mix_falls_step_by_step"]]
    print(f"load average (1 min) after: {load():g}; "
          f"{'every target met' if not missed else 'MISSED: ' + '; '.join(missed)}")
    print(json.dumps({"benchmark": "allocation", "load_before": started, "load_after": load(),
                      "sizes": rows, "missed": missed}, separators=(",", ":")))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
