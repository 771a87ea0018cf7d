"""The problem in sorted, indexed form, checked for errors and plain infeasibility."""
from __future__ import annotations

import math
from collections import defaultdict

from app.domain.allocation.problem import (COLLEAGUES_FIRST_WEIGHT, EXACT_LIMIT, LATER_RANK_COST,
                                           MOVE_COST, RANK_COSTS, SECTORS, UNKNOWN, UNRANKED_COST,
                                           Problem, order_key)


def rank_cost(rank: int | None) -> float:
    """Cost of placing someone on their `rank`-th choice (None: a topic they did not choose)."""
    if rank is None:
        return UNRANKED_COST
    return RANK_COSTS[rank - 1] if rank <= len(RANK_COSTS) else LATER_RANK_COST


class Infeasible(Exception):
    def __init__(self, status: str, en: str, de: str):
        super().__init__(en)
        self.status = status
        self.message = {"de": de, "en": en}


def invalid(en: str, de: str) -> Infeasible:
    return Infeasible("invalid", en, de)


def infeasible(en: str, de: str) -> Infeasible:
    return Infeasible("infeasible", en, de)


class Prepared:
    """The problem in sorted, indexed form, checked for errors and plain infeasibility."""

    def __init__(self, problem: Problem, *, check_feasible: bool = True):
        self.problem = problem
        self.weight = float(problem.mix_weight)
        if not math.isfinite(self.weight) or self.weight < 0:
            raise invalid("mix_weight must be a number of at least 0.",
                           "mix_weight muss eine Zahl von mindestens 0 sein.")
        # The mixing steps: colleague pairs are kept to the fewest possible (a rule, see
        # `solvers`), so they cost nothing in the objective; below, each costs as documented.
        self.colleagues_first = self.weight >= COLLEAGUES_FIRST_WEIGHT
        self.org_weight = 0.0 if self.colleagues_first else self.weight
        self.groups = sorted(problem.groups, key=lambda g: order_key(g.id))
        self.people = sorted(problem.people, key=lambda p: order_key(p.id))
        for kind, ids in (("group", [g.id for g in self.groups]),
                          ("person", [p.id for p in self.people])):
            seen = set()
            for value in ids:
                if str(value) in seen:
                    raise invalid(f"The {kind} id {value} occurs twice.",
                                   f"Die Kennung {value} ({'Gruppe' if kind == 'group' else 'Person'})"
                                   " kommt doppelt vor.")
                seen.add(str(value))
        self.gi = {g.id: i for i, g in enumerate(self.groups)}
        self.pi = {p.id: i for i, p in enumerate(self.people)}
        for g in self.groups:
            if g.min_size < 0 or g.max_size < 0 or g.min_size > g.max_size:
                raise invalid(f"Group {g.id}: sizes must satisfy 0 ≤ min_size ≤ max_size.",
                               f"Gruppe {g.id}: Größen müssen 0 ≤ min_size ≤ max_size erfüllen.")
        self.topics = sorted({g.topic for g in self.groups}, key=order_key)
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
                raise invalid(f"Person {p.id}: unknown sector {p.sector!r}.",
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
        # The exact regime (up to EXACT_LIMIT people, always solved in one model): the mix
        # term is, per group, the total-variation distance of its sector shares to the room's,
        # times 2 x the mean known group size (so that a group of mean size pays MIX_UNIT x
        # mix_weight per person of deviation, with no free band); the organisation term counts
        # every pair of colleagues in a group. Beyond, the banded terms (see `figures.evaluate`).
        self.exact = len(self.people) <= EXACT_LIMIT
        self.mix_scale = 2.0 * known_total / len(self.groups) if self.groups else 0.0

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
            for t, n in sorted(unknown_topics.items(), key=lambda kv: order_key(kv[0]))]

        self.pin = []
        for p in self.people:
            if p.pinned_group is not None and p.pinned_group not in self.gi:
                raise invalid(f"Person {p.id} is pinned to group {p.pinned_group}, which does not exist.",
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
                        raise invalid(f"{kind_en}: person {x} is not among the people.",
                                       f"{kind_de}: Person {x} ist nicht unter den Personen.")
                if a == b:
                    raise invalid(f"{kind_en}: a pair needs two different people ({a}).",
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
        # per organisation index, the fewest pairs it can have (the mixing steps' rows)
        self.pair_floor = self.colleague_floor() if self.colleagues_first else {}

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
                raise infeasible(
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
                raise infeasible(f"{a} and {b} must be kept apart and kept together.",
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
            raise infeasible(f"{n} people but no groups.", f"{n} Personen, aber keine Gruppen.")
        capacity = sum(self.max)
        if n > capacity:
            raise infeasible(f"{n} people but the groups hold only {capacity} in total.",
                              f"{n} Personen, aber die Gruppen fassen zusammen nur {capacity}.")
        pinned = defaultdict(int)
        biggest = max(self.max, default=0)
        for u, ms in enumerate(self.units):
            g = self.unit_pin[u]
            if g is not None:
                pinned[g] += len(ms)
            elif len(ms) > biggest:
                raise infeasible(
                    f"{len(ms)} people must stay together, but no group holds that many.",
                    f"{len(ms)} Personen sollen zusammenbleiben, aber keine Gruppe fasst so viele.")
        for g, count in sorted(pinned.items()):
            if count > self.max[g]:
                raise infeasible(
                    f"Pins put {count} people into group {self.groups[g].id}, "
                    f"which holds at most {self.max[g]}.",
                    f"Durch feste Zuordnungen wären {count} Personen in Gruppe "
                    f"{self.groups[g].id}, die höchstens {self.max[g]} fasst.")
        for u, v in self.unit_apart:
            if self.unit_pin[u] is not None and self.unit_pin[u] == self.unit_pin[v]:
                a = next(i for i in self.units[u])
                b = next(i for i in self.units[v])
                raise infeasible(
                    f"{self.people[a].id} and {self.people[b].id} must be kept apart but are pinned "
                    f"to the same group {self.groups[self.unit_pin[u]].id}.",
                    f"{self.people[a].id} und {self.people[b].id} sollen getrennt sein, sind aber "
                    f"fest derselben Gruppe {self.groups[self.unit_pin[u]].id} zugeordnet.")

    def shortfall_floor(self) -> int:
        """A lower bound on the people the groups are short of their minimums, in total."""
        return max(0, sum(self.min) - len(self.people))

    def colleague_floor(self) -> dict[int, int]:
        """A lower bound on the colleague pairs of each organisation (index) in any valid assignment.

        The larger of two bounds: colleagues pinned to one group or kept together are pairs
        wherever they go; and the organisation's people spread as evenly as the groups' pins
        and maximum sizes allow (water-filling: each further person joins the group with the
        fewest colleagues so far, which is the fewest pairs for a convex count).
        """
        floors = {}
        for o in range(len(self.orgs)):
            pinned = defaultdict(int)
            fixed_pairs = 0
            free = 0
            for u, ms in enumerate(self.units):
                c = sum(1 for i in ms if self.org[i] == o)
                if not c:
                    continue
                if self.unit_pin[u] is not None:
                    pinned[self.unit_pin[u]] += c
                else:
                    free += c
                    fixed_pairs += c * (c - 1) // 2
            fixed_pairs += sum(c * (c - 1) // 2 for c in pinned.values())
            count = [pinned[g] for g in range(len(self.groups))]
            for _ in range(free):
                open_ = [g for g in range(len(self.groups)) if count[g] < self.max[g]]
                if not open_:
                    break
                g = min(open_, key=lambda g: (count[g], g))
                count[g] += 1
            spread = sum(c * (c - 1) // 2 for c in count)
            floors[o] = max(fixed_pairs, spread)
        return floors

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
