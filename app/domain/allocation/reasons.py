"""Reasons: one line per person, in German and English, why they are in their group."""
from __future__ import annotations

from collections import defaultdict

from app.domain.allocation.prepared import Prepared
from app.domain.allocation.problem import Id, Message

_ORD_EN = {1: "1st", 2: "2nd", 3: "3rd"}


def _ordinal_en(rank: int) -> str:
    return _ORD_EN.get(rank, f"{rank}th")


def _topics_text(labels: list[str], full_en: str, full_de: str) -> tuple[str, str]:
    if len(labels) == 1:
        return f"Topic {labels[0]} {full_en}", f"Thema {labels[0]} {full_de}"
    joined = ", ".join(labels)
    return f"Topics {joined} {full_en}", f"Themen {joined} {full_de}"


def compute_reasons(prep: Prepared, place: list[int]) -> dict[Id, Message]:
    """One line per person: why they are in this group."""
    sizes = [0] * len(prep.groups)
    for g in place:
        sizes[g] += 1
    full = [all(sizes[g] >= prep.max[g] for g in gs) for gs in prep.topic_groups]
    topic_people = defaultdict(set)
    for i, g in enumerate(place):
        topic_people[prep.group_topic[g]].add(i)
    reasons = {}
    for i, p in enumerate(prep.people):
        g = place[i]
        t = prep.group_topic[g]
        label = prep.label(t)
        rank = prep.ranks[i].get(t)
        if prep.pin[i] is not None:
            reasons[p.id] = {"en": "Pinned to this group by a facilitator",
                             "de": "Von der Moderation fest dieser Gruppe zugeordnet"}
            continue
        if not prep.has_prefs[i]:
            reasons[p.id] = {"en": f"No topic chosen → topic {label}, for the mix",
                             "de": f"Kein Thema gewählt → Thema {label}, für die Mischung"}
            continue
        if rank == 1:
            reasons[p.id] = {"en": f"1st choice (topic {label})", "de": f"1. Wahl (Thema {label})"}
            continue
        if rank is None:
            got_en, got_de = f"topic {label} (not chosen)", f"Thema {label} (nicht gewählt)"
            better_ids = p.preferences
        else:
            got_en, got_de = f"{_ordinal_en(rank)} choice", f"{rank}. Wahl"
            better_ids = p.preferences[:rank - 1]
        better = []  # offered topic indices, best first
        not_offered = []  # topic ids no group has
        for x in better_ids:
            if x in prep.ti:
                if prep.ti[x] not in better:
                    better.append(prep.ti[x])
            elif x not in not_offered:
                not_offered.append(x)
        open_topics = [b for b in better if not full[b]]
        if not open_topics:
            if better:
                en, de = _topics_text([prep.label(b) for b in better], "full", "voll")
            else:
                en, de = _topics_text([str(b) for b in not_offered], "not offered",
                                      "nicht angeboten")
            reasons[p.id] = {"en": f"{en} → {got_en}", "de": f"{de} → {got_de}"}
            continue
        b = open_topics[0]
        there = topic_people[b]
        partners = prep.together_of.get(i, [])
        apart = [j for j in prep.apart_of.get(i, []) if j in there]
        colleagues = [j for j in there if prep.org[i] is not None and prep.org[j] == prep.org[i]]
        if partners:
            names = ", ".join(prep.person_label(j) for j in sorted(partners))
            en, de = f"Kept together with {names}", f"Zusammen mit {names} eingeteilt"
        elif colleagues and prep.colleagues_first:
            # the mixing steps split colleagues before anything else is weighed
            en, de = ("Split from colleagues of the same organisation (this setting does that "
                      "first)", "Getrennt von Kolleg:innen derselben Organisation (hat bei dieser "
                      "Einstellung Vorrang)")
        elif apart:
            names = ", ".join(prep.person_label(j) for j in sorted(apart))
            en, de = f"Kept apart from {names}", f"Getrennt von {names} eingeteilt"
        elif prep.prev[i] == g:
            en, de = "Stays in the previous group", "Bleibt in der bisherigen Gruppe"
        elif sizes[g] <= prep.min[g]:
            en, de = (f"Needed for group {prep.group_label(g)}'s minimum size",
                      f"Für die Mindestgröße von Gruppe {prep.group_label(g)} gebraucht")
        elif colleagues:
            en, de = ("Split from colleagues of the same organisation",
                      "Getrennt von Kolleg:innen derselben Organisation")
        else:
            en, de = "Moved to balance the mix", "Für eine bunte Mischung verschoben"
        reasons[p.id] = {"en": f"{en} → {got_en}", "de": f"{de} → {got_de}"}
    return reasons
