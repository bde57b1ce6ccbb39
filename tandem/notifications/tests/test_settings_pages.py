"""Notification settings (/settings/notifications/) and a coach's reminder lead times
(/coach/reminders/): saved through the services; bad input (NUL, wrong types, bad times,
what the services refuse) is a 400 with field errors and changes nothing."""

from __future__ import annotations

import re
from datetime import time

import pytest
from django.test import Client

from tandem.notifications.forms import describe, format_lead_time, parse_lead_times
from tandem.notifications.kinds import CHANNELS, KINDS
from tandem.notifications.models import NotificationSettings, Preference, ReminderSchedule
from tandem.notifications.services import preferences_get

pytestmark = pytest.mark.django_db
PAGE = "/settings/notifications/"
REMINDERS = "/coach/reminders/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def current_form(user) -> dict[str, str]:
    """What the page posts when nothing is touched (checked boxes are sent as "on")."""
    table = preferences_get(user)
    s = table.settings
    data = {
        "quiet_start": s.quiet_start.strftime("%H:%M") if s.quiet_start else "",
        "quiet_end": s.quiet_end.strftime("%H:%M") if s.quiet_end else "",
        "digest_hour": str(s.digest_hour),
    }
    if s.digest:
        data["digest"] = "on"
    if s.sound:
        data["sound"] = "on"
    for kind, channels in table.enabled.items():
        for channel, on in channels.items():
            if on:
                data[f"{kind}__{channel}"] = "on"
    return data


def checked(html: str, name: str) -> str:
    """The value of the checked radio button called `name`."""
    found = re.findall(rf'<input type="radio" name="{name}" value="(\w+)"[^>]*\bchecked\b', html)
    assert len(found) == 1, found
    return found[0]


def snapshot(user) -> tuple:
    prefs = sorted(Preference.objects.filter(user=user).values_list("kind", "channel", "enabled"))
    row = NotificationSettings.objects.filter(user=user).values_list(
        "quiet_start", "quiet_end", "digest", "digest_hour", "sound"
    )
    return prefs, list(row)


# --- Preferences -----------------------------------------------------------------------------


def test_the_page_shows_every_kind_and_channel_with_labels_and_the_zone(bob):
    html = signed_in(bob).get(PAGE).content.decode()
    for code, kind in KINDS.items():
        for channel in CHANNELS:
            name = f"{code}__{channel}"
            assert f'name="{name}"' in html
            assert f'<label class="visually-hidden" for="id_{name}">{kind.label}: ' in html
    assert "America/New_York" in html and 'type="time"' in html
    assert "Turn on browser notifications" in html and 'data-push-worker="/sw.js"' in html
    # Defaults shown: messages by push only.
    assert 'name="message__push" class="form-check-input" id="id_message__push" checked' in html
    assert 'name="message__email" class="form-check-input" id="id_message__email">' in html


def test_the_settings_nav_links_the_page(bob, alice, coach):
    html = signed_in(bob).get(PAGE).content.decode()
    assert 'href="/settings/notifications/"\n           aria-current="page"' in html
    assert REMINDERS not in html  # Bob does not coach
    assert REMINDERS in signed_in(alice).get(PAGE).content.decode()


def test_saving_changes_only_what_differs_and_the_settings(bob):
    data = current_form(bob)
    del data["reminder__email"]  # turn off
    data["message__email"] = "on"  # turn on
    data.update(quiet_start="22:00", quiet_end="07:00", digest="on", digest_hour="18")
    del data["sound"]
    response = signed_in(bob).post(PAGE, data, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    html = response.content.decode()
    assert "Notification settings saved." in html and 'data-sound="off"' in html
    assert sorted(
        Preference.objects.filter(user=bob).values_list("kind", "channel", "enabled")
    ) == [
        ("message", "email", True),
        ("reminder", "email", False),
    ]
    s = NotificationSettings.objects.get(user=bob)
    assert (s.quiet_start, s.quiet_end, s.digest, s.digest_hour, s.sound) == (
        time(22),
        time(7),
        True,
        18,
        False,
    )
    assert 'value="22:00"' in html and 'value="07:00"' in html


def test_emptying_both_quiet_hours_clears_them(bob):
    NotificationSettings.objects.create(user=bob, quiet_start=time(22), quiet_end=time(7))
    data = current_form(bob)
    data.update(quiet_start="", quiet_end="")
    assert signed_in(bob).post(PAGE, data).status_code == 302
    s = NotificationSettings.objects.get(user=bob)
    assert s.quiet_start is None and s.quiet_end is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"quiet_start": "22:00\x00"}, "quiet_start", "Enter a valid time."),
        ({"quiet_start": "25:00", "quiet_end": "07:00"}, "quiet_start", "Enter a valid time."),
        ({"quiet_start": "evening", "quiet_end": "07:00"}, "quiet_start", "Enter a valid time."),
        ({"digest_hour": "abc"}, "digest_hour", "Select a valid choice."),
        ({"digest_hour": "24"}, "digest_hour", "Select a valid choice."),
        ({"digest_hour": "8\x00"}, "digest_hour", "Select a valid choice."),
        # The service's rules, shown at the field to fix:
        ({"quiet_start": "22:00", "quiet_end": ""}, "quiet_end", "give both a start and an end"),
        ({"quiet_start": "", "quiet_end": "07:00"}, "quiet_start", "give both a start and an end"),
        ({"quiet_start": "09:00", "quiet_end": "09:00"}, "quiet_end", "start and end are the same"),
    ],
)
def test_bad_input_is_a_400_at_its_field_and_changes_nothing(bob, changes, field, message):
    NotificationSettings.objects.create(user=bob, quiet_start=time(23), quiet_end=time(6))
    before = snapshot(bob)
    data = current_form(bob)
    data["message__email"] = "on"  # a change that must not be saved either
    data.update(changes)
    response = signed_in(bob).post(PAGE, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and message in html
    assert 'aria-invalid="true"' in html
    assert 'id="id_message__email" checked' in html  # the user's input is kept
    assert snapshot(bob) == before


def test_signed_out_is_sent_to_sign_in():
    response = Client().get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Coach reminder lead times --------------------------------------------------------------


def test_lead_times_parse_and_format():
    assert parse_lead_times("24 h, 1 h 30 min, 90m, 2 days, 1.5 hours") == [1440, 90, 90, 2880, 90]
    assert parse_lead_times(" ") == []
    for bad in ("abc", "5", "5 hours and 3 min", "1 week", "0.5 min", "h"):
        with pytest.raises(Exception, match=r"lead time|whole number"):
            parse_lead_times(bad)
    assert [format_lead_time(m) for m in (1440, 90, 45, 2880, 60)] == [
        "24 h",
        "1 h 30 min",
        "45 min",
        "2 days",
        "1 h",
    ]
    assert describe([60, 1440]) == "24 h and 1 h before" and describe([]) == "no reminders"


def test_only_a_coach_has_the_page(bob, charlie):
    assert signed_in(bob).get(REMINDERS).status_code == 404
    assert signed_in(charlie).post(REMINDERS, {"coach_choice": "none"}).status_code == 404
    assert not ReminderSchedule.objects.exists()


def test_the_page_shows_the_presets_and_what_applies_now(alice, coach):
    html = signed_in(alice).get(REMINDERS).content.decode()
    assert "Default: 24 h and 1 h before" in html and "Default: 24 h and 3 h before" in html
    assert "Ladder: 5, 4, 3, 2, 1 hours before" in html
    assert checked(html, "coach_choice") == checked(html, "client_choice") == "default"
    assert "you are reminded <strong>24 h and 1 h before</strong>" in html
    assert 'href="/coach/reminders/"\n             aria-current="page"' in html


@pytest.mark.parametrize(
    ("data", "coach_side", "client_side"),
    [
        ({"coach_choice": "ladder", "client_choice": "default"}, [300, 240, 180, 120, 60], None),
        ({"coach_choice": "none", "client_choice": "ladder"}, [], [300, 240, 180, 120, 60]),
        (
            {"coach_choice": "custom", "coach_custom": "2 h, 15 min", "client_choice": "custom",
             "client_custom": "2 days, 24h"},
            [120, 15],
            [2880, 1440],
        ),
    ],
)  # fmt: skip
def test_saving_presets_and_own_lead_times(alice, coach, data, coach_side, client_side):
    client = signed_in(alice)
    response = client.post(REMINDERS, data, follow=True)
    assert response.redirect_chain == [(REMINDERS, 302)]
    assert "Reminder times saved." in response.content.decode()
    row = ReminderSchedule.objects.get(coach=coach)
    assert (row.coach_offsets, row.client_offsets) == (coach_side, client_side)
    # The page shows what was saved as the current choice.
    html = client.get(REMINDERS).content.decode()
    assert checked(html, "coach_choice") == data["coach_choice"]
    assert checked(html, "client_choice") == data["client_choice"]
    if data["coach_choice"] == "custom":
        assert 'value="2 h, 15 min"' in html


@pytest.mark.parametrize(
    ("custom", "message"),
    [
        ("abc", "is not a lead time"),
        ("5", "is not a lead time"),
        ("2 h\x00", "Null characters are not allowed."),
        ("", "Enter at least one lead time"),
        ("0 min", "lead times are 1 minute to 30 days"),  # the service's rule
        ("31 days", "lead times are 1 minute to 30 days"),
        (", ".join(f"{n} h" for n in range(1, 12)), "a list of at most 10 lead times"),
    ],
)
def test_bad_lead_times_are_a_400_at_the_field_and_change_nothing(alice, coach, custom, message):
    client = signed_in(alice)
    client.post(REMINDERS, {"coach_choice": "ladder", "client_choice": "none"})
    before = list(ReminderSchedule.objects.values_list("coach_offsets", "client_offsets"))
    response = client.post(
        REMINDERS, {"coach_choice": "custom", "coach_custom": custom, "client_choice": "default"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_coach_custom_error"' in html and message in html
    assert list(ReminderSchedule.objects.values_list("coach_offsets", "client_offsets")) == before


@pytest.mark.parametrize("data", [{}, {"coach_choice": "weekly", "client_choice": "default"}])
def test_a_missing_or_unknown_preset_is_a_400(alice, coach, data):
    response = signed_in(alice).post(REMINDERS, data)
    assert response.status_code == 400 and 'id="id_coach_choice_error"' in response.content.decode()
    assert not ReminderSchedule.objects.exists()
