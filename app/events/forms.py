"""The new-event form, and the find-a-time form."""

from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # types-WTForms 3.2 predates it
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.events.availability import MAX_DAYS
from app.events.times import instant, next_full_hour

# Cronofy's limits: summary up to 1024 characters, description up to 4096 plain text.
DURATIONS = [
    SelectChoice(str(minutes), label)
    for minutes, label in [
        (15, "15 minutes"),
        (30, "30 minutes"),
        (45, "45 minutes"),
        (60, "1 hour"),
        (90, "1½ hours"),
        (120, "2 hours"),
        (180, "3 hours"),
        (240, "4 hours"),
    ]
]


class EventDetails(FlaskForm):
    """What an event is: the fields the new-event and the edit forms share."""

    summary = StringField("Title", validators=[DataRequired(), Length(max=1024)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=4096)])
    # InputRequired, not DataRequired: a date that does not parse should say so.
    start_date = DateField("Date", validators=[InputRequired()])
    start_time = TimeField("Start time", validators=[InputRequired()])
    duration = SelectField("Duration", choices=DURATIONS, coerce=int, default=30)
    # Set once the person was told the start is in the past and pressed on.
    past_confirmed = HiddenField()

    # Where Cronofy's 422 field names land on this form.
    CRONOFY_FIELDS: ClassVar[dict[str, str]] = {
        "summary": "summary",
        "description": "description",
        "start": "start_time",
        "end": "duration",
        "tzid": "start_time",
    }

    def start_instant(self, time_zone: str) -> datetime | None:
        """When the event starts, in UTC; None, with the reason on the field, if it never does."""
        # InputRequired passed, and the fields parsed.
        assert self.start_date.data is not None and self.start_time.data is not None
        start = instant(self.start_date.data, self.start_time.data, ZoneInfo(time_zone))
        if start is None:
            self.start_time.errors = [
                *self.start_time.errors,
                f"{self.start_time.data:%H:%M} does not exist on {self.start_date.data:%-d %B} "
                f"in {time_zone}: the clocks go forward then. Choose another time.",
            ]
        return start

    def add_cronofy_errors(self, errors: dict[str, list[str]]) -> None:
        """Show Cronofy's validation errors next to the fields they are about."""
        for name, messages in errors.items():
            field = getattr(self, self.CRONOFY_FIELDS.get(name, ""), None)
            target = field.errors if field is not None else self.form_errors
            target.extend(f"Cronofy: {message}" for message in messages)


class EventForm(EventDetails):
    """A new event: which calendar, and what it is."""

    calendar = SelectField("Calendar", validators=[DataRequired()])

    def suggest_start(self, time_zone: str) -> None:
        """Prefill the next full hour in the user's time zone."""
        self.start_date.data, self.start_time.data = next_full_hour(
            datetime.now(UTC), ZoneInfo(time_zone)
        )

    def prefill(self, args: Mapping[str, str], calendars: Collection[str]) -> None:
        """Take a chosen slot from the query string (Find a time links here).

        Each value is used only when it is one the form could have held; anything else
        is ignored, leaving the suggestion in place, so a hand-edited link never fails.
        """
        calendar = args.get("calendar", "")
        if calendar in calendars:  # one of the writable calendars offered
            self.calendar.data = calendar
        try:
            day = date.fromisoformat(args.get("start_date", ""))
            clock = time.fromisoformat(args.get("start_time", ""))
        except ValueError:
            pass
        else:
            self.start_date.data, self.start_time.data = day, clock.replace(second=0, tzinfo=None)
        duration = args.get("duration", "")
        if duration in {choice.value for choice in DURATIONS}:
            self.duration.data = int(duration)


class EditEventForm(EventDetails):
    """An event created here, changed: its calendar stays."""

    def show(self, start: datetime, end: datetime, time_zone: str) -> None:
        """Fill the times from the event as it is, in the user's zone."""
        local = start.astimezone(ZoneInfo(time_zone))
        self.start_date.data, self.start_time.data = (
            local.date(),
            local.time().replace(second=0, microsecond=0, tzinfo=None),
        )
        minutes = max(1, round((end - start).total_seconds() / 60))
        self.offer_duration(minutes)
        self.duration.data = minutes

    def offer_duration(self, minutes: int) -> None:
        """Keep a length the event has though the list lacks it (changed at the provider)."""
        if all(choice.value != str(minutes) for choice in DURATIONS):
            shorter = [choice for choice in DURATIONS if int(choice.value) < minutes]
            longer = [choice for choice in DURATIONS if int(choice.value) > minutes]
            self.duration.choices = [
                *shorter,
                SelectChoice(str(minutes), f"{minutes} minutes"),
                *longer,
            ]


# Free time kept around a found meeting, on both sides.
BUFFERS = [
    SelectChoice(str(minutes), label)
    for minutes, label in [(0, "None"), (5, "5 minutes"), (10, "10 minutes"), (15, "15 minutes")]
]


LOOK_AHEAD = timedelta(days=731)


class FindForm(FlaskForm):
    """Find a time: how long, which days, which hours, who must be free, where to book.

    Sent by GET (a search changes nothing, and its results can be bookmarked), so it
    carries no CSRF token.
    """

    class Meta:
        csrf = False

    duration = SelectField("Duration", choices=DURATIONS, coerce=int, default=30)
    first_day = DateField("From", validators=[InputRequired()])
    last_day = DateField("To (inclusive)", validators=[InputRequired()])
    day_start = TimeField("Working hours from", validators=[InputRequired()], default=time(9))
    day_end = TimeField("Working hours until", validators=[InputRequired()], default=time(17))
    buffer = SelectField("Free time around it", choices=BUFFERS, coerce=int, default=0)
    members = SelectMultipleField(
        "Who must be free",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    calendar = SelectField("Book into", validate_choice=False)

    def suggest_days(self, time_zone: str) -> None:
        """Today and the six days after it, in the user's zone."""
        today = datetime.now(UTC).astimezone(ZoneInfo(time_zone)).date()
        self.first_day.data, self.last_day.data = today, today + timedelta(days=6)

    def validate_first_day(self, field: DateField) -> None:
        # A bound a person never meets, which keeps date arithmetic far from its limits.
        if field.data is not None and field.data > datetime.now(UTC).date() + LOOK_AHEAD:
            raise ValidationError("Choose a first day within the next two years.")

    def validate_last_day(self, field: DateField) -> None:
        first, last = self.first_day.data, field.data
        if first is None or last is None:
            return
        if last < first:
            raise ValidationError("Choose a last day on or after the first.")
        if (last - first).days + 1 > MAX_DAYS:
            raise ValidationError(f"Choose at most {MAX_DAYS} days (Cronofy's limit).")

    def validate_day_end(self, field: TimeField) -> None:
        start, end = self.day_start.data, field.data
        if start is not None and end is not None and end <= start:
            raise ValidationError("Choose an end after the start of the working hours.")

    def validate_members(self, field: SelectMultipleField) -> None:
        if not field.data:
            raise ValidationError("Choose at least one calendar account.")
