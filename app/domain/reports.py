"""Figures of a learnings report, computed from the records (never typed by hand)."""
from collections.abc import Sequence
from dataclasses import dataclass

from app.domain.statistics import RegistrationFact, SectorShare, compute_sector_mix


@dataclass(frozen=True)
class ReportFigures:
    took_part: int  # people checked in on the day
    sectors: tuple[SectorShare, ...]  # their sectors, in the form's order, zero counts left out
    topics: tuple[str, ...]  # the breakout topics, in the groups' order, each once


def compute_report_figures(facts: Sequence[RegistrationFact],
                           topics: Sequence[str]) -> ReportFigures:
    """Count who took part (checked in), their sector mix and the distinct breakout topics."""
    sector_of: dict[int, str] = {}
    for fact in sorted(facts, key=lambda f: f.created_at):
        if fact.attended:
            sector_of[fact.participant_id] = fact.sector
    mix = tuple(s for s in compute_sector_mix(sector_of.values()) if s.count)
    distinct = tuple(dict.fromkeys(t.strip() for t in topics if t and t.strip()))
    return ReportFigures(took_part=len(sector_of), sectors=mix, topics=distinct)
