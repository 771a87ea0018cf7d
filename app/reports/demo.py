"""Published reports for the demo's past editions, written anew from the facts of the real ones.

Called by app.demo.load_demo. Creates what is missing only: breakout groups of a past edition
that has none, the report, and two illustrations drawn here with Pillow (no downloads).
"""
import io
import random
from datetime import datetime, timedelta

import sqlalchemy as sa
from PIL import Image, ImageDraw

from app.extensions import db
from app.models import (BreakoutGroup, ConsentPurpose, ConsentRecord, Event, Learning,
                        Registration, Report, ReportPhoto, ReportSection)
from app.registration.services import text_version
from app.reports.photos import process_photo

CREDIT = "Illustration: Innovationsbüro (Demo)"

REPORTS = {
    6: {
        # Texts per breakout topic (the demo's groups, see app.demo._GROUPS).
        "groups": {
            "Hürden im Alltag": (
                "Was hält Familien davon ab, digitale Angebote zu nutzen?",
                "Zeit ist knapp, und viele Angebote sind schwer zu finden oder nur auf Deutsch "
                "verfügbar. Die Gruppe sammelte Hürden vom fehlenden WLAN bis zur "
                "Anmeldung mit zu vielen Schritten."),
            "Vertrauen": (
                "Wann geben Familien ihre Daten gern weiter – und wann nicht?",
                "Familien teilen Daten, wenn sie verstehen, wofür sie genutzt werden. Die Gruppe "
                "sammelte Beispiele, in denen eine kurze, verständliche Erklärung mehr bewirkt "
                "als eine lange Datenschutzerklärung."),
            "Datenqualität": (
                "Welche Daten fehlen, damit Angebote für Familien gut werden?",
                "Daten aus der Crowd und Daten der Verwaltung ergänzen sich, werden aber selten "
                "zusammengeführt. Die Gruppe schlug gemeinsame Formate und eine feste "
                "Ansprechperson für Korrekturen vor."),
        },
        "introduction": (
            "Am 9. Dezember 2025 ging es in der sechsten Innovationswerkstatt um eine Frage, die "
            "viele aus dem eigenen Alltag kennen: **Wie können Daten das Leben von Familien "
            "leichter machen?**\n\n"
            "Zwei Projekte gaben Einblick in ihre Arbeit. Danach suchten gemischte Gruppen aus "
            "Verwaltung, Zivilgesellschaft, Wirtschaft und Wissenschaft nach den Hindernissen, "
            "die einer besseren Nutzung von Daten für Familien im Weg stehen – und nach ersten "
            "Ideen, wie sie sich abbauen lassen."
        ),
        "speakers": [
            "Auf einer offenen Karte tragen Freiwillige zusammen, ob Orte mit Rollstuhl, "
            "Rollator oder Kinderwagen erreichbar sind: Gibt es Stufen am Eingang, einen "
            "Aufzug, ein zugängliches WC?\n\n"
            "Der Impuls zeigte, was diese Daten aus der Crowd stark macht: Sie entstehen dort, wo "
            "Menschen sich auskennen, und werden laufend ergänzt. Er zeigte aber auch die Grenzen: "
            "Nicht jede Region ist gleich gut erfasst, und Einträge veralten, wenn niemand sie "
            "prüft. Behörden könnten viel beitragen, etwa indem sie eigene Daten zu öffentlichen "
            "Gebäuden offen bereitstellen.",
            "Die ersten Lebensjahre eines Kindes werfen viele Fragen auf, und nicht alle Eltern "
            "erreichen Beratungsangebote vor Ort. Eine Plattform mit kostenlosen Online-Kursen "
            "bringt verlässliches Wissen zu Schlaf, Ernährung und Entwicklung auf das Handy.\n\n"
            "Spannend war, wie das Projekt mit Nutzungsdaten umgeht: Es misst, welche Kurse "
            "abgebrochen werden, um Inhalte zu verbessern, erhebt dabei aber so wenig "
            "personenbezogene Daten wie möglich.",
        ],
        "learnings": [
            ("Vertrauen entsteht durch Verständlichkeit",
             "Wer erklärt, welche Daten wofür genutzt werden, gewinnt Familien als Mitwirkende. "
             "Einfache Sprache gehört von Anfang an dazu."),
            ("Offene Verwaltungsdaten machen Engagement wirksamer",
             "Freiwillige leisten viel. Wenn Behörden ihre Daten zu öffentlichen Orten offen "
             "bereitstellen, müssen sie nicht alles selbst erfassen."),
            ("Zuständigkeit muss jemand übernehmen",
             "Daten helfen Familien erst, wenn klar ist, wer sie pflegt und wer Fehler "
             "korrigiert. Das sollte vor dem Start eines Projekts geklärt sein."),
        ],
        "closing": (
            "Herzlichen Dank an die beiden Projekte für ihre Impulse und an alle, die mitgedacht "
            "haben. In der nächsten Ausgabe geht es darum, wie Verwaltung Familien von sich aus "
            "auf Leistungen hinweisen kann, die ihnen zustehen."
        ),
        "photos": [("wall", "Eine Wand mit bunten Haftnotizen, nach Themen in drei Spalten "
                            "sortiert.", "Ergebnisse der drei Gruppen auf dem digitalen Whiteboard.")],
    },
    5: {
        "groups": {
            "Daten finden": (
                "Wo liegen Daten, die Familien den Alltag erleichtern könnten?",
                "Viele nützliche Daten gibt es längst, nur weiß niemand davon. Die Gruppe "
                "sammelte Datensätze, die in der Krise schnell geöffnet wurden, und fragte, "
                "warum sie danach wieder verschwanden."),
            "Zusammenarbeit": (
                "Wie arbeiten Verwaltung und Zivilgesellschaft an Daten zusammen?",
                "Die Gruppe wünschte sich feste Stellen, die Ideen aus der Zivilgesellschaft "
                "aufnehmen und weiterführen – nicht nur in Krisenzeiten."),
            "Vom Prototyp zum Dienst": (
                "Was braucht eine Hackathon-Idee, um zu bleiben?",
                "Ein Prototyp braucht eine Organisation, die ihn betreibt, und Geld für die Zeit "
                "danach. Die Gruppe skizzierte, wie eine Übergabe an die Verwaltung aussehen "
                "könnte."),
        },
        "introduction": (
            "In Krisen arbeiten Behörden und Engagierte plötzlich eng zusammen. In der fünften "
            "Innovationswerkstatt am 16. September 2025 fragten wir: **Was kann die Verwaltung "
            "aus dieser Zusammenarbeit lernen – und was davon sollte bleiben?**\n\n"
            "Ausgangspunkt waren die Erfahrungen eines großen, offenen Hackathons, bei dem "
            "Tausende Freiwillige in wenigen Tagen an Lösungen arbeiteten."
        ),
        "speakers": [
            "Aus dem Organisationsteam des Hackathons kam ein ehrlicher Rückblick: Die Energie "
            "der ersten Tage war enorm, doch viele Projekte endeten, als die Förderung auslief. "
            "Was gefehlt hat, waren Ansprechpersonen in der Verwaltung, die Ergebnisse "
            "übernehmen konnten.",
            "Der zweite Impuls beschrieb, was sich in der Verwaltung geändert hat: kürzere "
            "Wege, mehr Mut zum Ausprobieren, aber auch Unsicherheit, wie Zusammenarbeit mit "
            "Freiwilligen rechtlich und organisatorisch gut gelingt.",
        ],
        "learnings": [
            ("Zusammenarbeit braucht feste Ansprechpersonen",
             "Ohne jemanden in der Verwaltung, der Ergebnisse übernimmt, bleiben gute Ideen "
             "liegen."),
            ("Offene Daten sind Krisenvorsorge",
             "Wer Daten schon vor der Krise offen bereitstellt, ermöglicht schnelle Hilfe, wenn "
             "es darauf ankommt."),
            ("Kleine Schritte statt großer Programme",
             "Ein Hackathon liefert Prototypen, keine fertigen Lösungen. Die Verwaltung sollte "
             "Wege haben, vielversprechende Prototypen weiterzuentwickeln."),
            ("Rückmeldung ist Anerkennung",
             "Wer sich engagiert, möchte wissen, was aus dem Beitrag geworden ist. Eine kurze "
             "Rückmeldung hält Menschen dabei."),
        ],
        "closing": (
            "Danke an alle, die ihre Erfahrungen geteilt haben. Die Ergebnisse nehmen wir in die "
            "Arbeit des Innovationsbüros mit."
        ),
        "photos": [("screens", "Vier Bildschirme mit Programmcode und Notizen auf einem "
                               "langen Tisch.", "Arbeit an Prototypen.")],
    },
}


def _illustration(kind: str, seed: int) -> bytes:
    """A simple drawing: sticky notes on a wall, or screens on a table."""
    rnd = random.Random(seed)
    image = Image.new("RGB", (1600, 900), (236, 239, 245))
    draw = ImageDraw.Draw(image)
    if kind == "wall":
        colours = [(255, 214, 102), (134, 207, 190), (244, 162, 164), (160, 196, 255)]
        draw.rectangle((80, 80, 1520, 820), fill=(250, 250, 252), outline=(200, 204, 215), width=4)
        for column in range(3):
            x0 = 140 + column * 460
            draw.rectangle((x0, 120, x0 + 400, 170), fill=(11, 31, 68))
            for row in range(4):
                for slot in range(2):
                    x, y = x0 + slot * 205, 200 + row * 150
                    tilt = rnd.randint(-6, 6)
                    draw.rectangle((x + tilt, y, x + 180 + tilt, y + 130),
                                   fill=colours[(column + row + slot) % 4])
                    for line in range(3):
                        width = rnd.randint(80, 150)
                        draw.line((x + 16 + tilt, y + 30 + line * 30, x + 16 + width + tilt,
                                   y + 30 + line * 30), fill=(60, 64, 80), width=5)
    else:
        draw.rectangle((0, 620, 1600, 900), fill=(176, 141, 105))
        for i in range(4):
            x = 120 + i * 370
            draw.rectangle((x, 260, x + 320, 560), fill=(35, 39, 52))
            draw.rectangle((x + 14, 274, x + 306, 546), fill=(22, 27, 40))
            for line in range(8):
                width = rnd.randint(60, 250)
                colour = [(134, 207, 190), (255, 214, 102), (160, 196, 255)][line % 3]
                draw.line((x + 30 + (line % 3) * 14, 300 + line * 30, x + 30 + width,
                           300 + line * 30), fill=colour, width=8)
            draw.rectangle((x + 140, 560, x + 180, 620), fill=(60, 64, 80))
            draw.rectangle((x + 60, 640, x + 260, 690), fill=(250, 250, 252))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _consents(event: Event, when: datetime) -> None:
    """Every third attendee agreed to be named and to hear about future editions."""
    registrations = db.session.scalars(
        sa.select(Registration).where(Registration.event_id == event.id,
                                      Registration.checked_in_at.is_not(None))
        .order_by(Registration.id)).all()
    for i, registration in enumerate(registrations):
        if i % 3:
            continue
        for purpose in (ConsentPurpose.NAMED_IN_REPORT, ConsentPurpose.FUTURE_EDITIONS):
            db.session.add(ConsentRecord(
                participant_id=registration.participant_id, registration=registration,
                purpose=purpose, text_version=text_version(purpose),
                given_at=registration.created_at, confirmed_at=registration.confirmed_at or when))


def load_demo_reports(events: list[Event], now: datetime) -> None:
    """Give each past demo edition with written content a published report, once."""
    for event in events:
        content = REPORTS.get(event.number)
        if content is None or event.ends_at > now or db.session.scalar(
                sa.select(Report.id).where(Report.event_id == event.id)) is not None:
            continue
        groups = list(db.session.scalars(sa.select(BreakoutGroup)
                                         .where(BreakoutGroup.event_id == event.id)
                                         .order_by(BreakoutGroup.position)))
        if not groups:  # the demo creates them; this keeps the report whole without
            groups = [BreakoutGroup(event=event, position=i, topic=topic, title=question,
                                    description="", min_size=3, max_size=10)
                      for i, (topic, (question, _text)) in enumerate(content["groups"].items())]
            db.session.add_all(groups)
        published = event.ends_at + timedelta(days=9)
        report = Report(event=event, introduction=content["introduction"],
                        closing=content["closing"], published_at=published,
                        first_published_at=published, created_at=event.ends_at,
                        updated_at=published)
        db.session.add(report)
        for speaker, body in zip(event.speakers, content["speakers"], strict=False):
            report.sections.append(ReportSection(speaker=speaker, body=body))
        for group in groups:
            if group.topic in content["groups"]:
                report.sections.append(ReportSection(breakout_group=group,
                                                     body=content["groups"][group.topic][1]))
        for position, (title, body) in enumerate(content["learnings"]):
            report.learnings.append(Learning(position=position, title=title, body=body))
        for position, (kind, alt, caption) in enumerate(content["photos"]):
            photo = process_photo(_illustration(kind, seed=event.number))
            report.photos.append(ReportPhoto(
                position=position, data=photo.data, mime_type=photo.mime_type,
                width=photo.width, height=photo.height, sha256=photo.sha256, alt=alt,
                caption=caption, credit=CREDIT))
        _consents(event, published)
