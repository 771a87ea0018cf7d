"""Staff pages write moments out as the public pages do, and `datetime` attributes are valid HTML."""
from datetime import timedelta

import pytest

from app.extensions import db as _db
from app.models import AuditLog
from tests.factories import berlin, make_event
from tests.registration.conftest import register


@pytest.mark.parametrize("lang, shown", [("de", "3. Dezember 2026, 15:58"),
                                         ("en", "December 3, 2026, 15:58")])
def test_staff_pages_write_the_date_out_in_both_languages(client, db, login_as, lang, shown):
    login_as("admin")
    _db.session.add(AuditLog(at=berlin(2026, 12, 3, 15, 58), action="participant.view"))
    _db.session.commit()
    html = client.get(f"/manage/audit?lang={lang}").get_data(as_text=True)
    assert f'<td class="kern-table__cell">{shown}</td>' in html
    assert "12/3/26" not in html and "3:58 PM" not in html


def test_datetime_attributes_have_whole_seconds_not_six_digit_fractions(client, db, login_as):
    event = make_event(starts_at=berlin(2030, 12, 10, 17) + timedelta(microseconds=123456),
                       ends_at=berlin(2030, 12, 10, 18, 30))
    assert register(client, event.slug).status_code == 303
    public = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert '<time datetime="2030-12-10T16:00:00+00:00">' in public
    login_as("staff")
    html = client.get(f"/manage/events/{event.slug}/registrations").get_data(as_text=True)
    cell = html[html.index('<td class="kern-table__cell"><time datetime="'):]
    attribute = cell.split('"')[3]
    # "2026-12-03T14:58:12+00:00": a valid global date and time (at most 3 fraction digits).
    assert len(attribute) == len("2026-12-03T14:58:12+00:00") and attribute[10] == "T", attribute
