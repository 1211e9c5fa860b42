"""The new-event form."""

from datetime import UTC, datetime
from typing import ClassVar
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField, TimeField
from wtforms.fields import SelectChoice  # type: ignore[attr-defined]  # types-WTForms 3.2 predates it
from wtforms.validators import DataRequired, InputRequired, Length, Optional

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


class EventForm(FlaskForm):
    calendar = SelectField("Calendar", validators=[DataRequired()])
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

    def suggest_start(self, time_zone: str) -> None:
        """Prefill the next full hour in the user's time zone."""
        self.start_date.data, self.start_time.data = next_full_hour(
            datetime.now(UTC), ZoneInfo(time_zone)
        )

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
