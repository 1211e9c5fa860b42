"""The dashboard's settings form."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length, ValidationError

from app.timezones import canonical_time_zone, is_time_zone


class TimeZoneForm(FlaskForm):
    time_zone = StringField(
        "Time zone",
        filters=[lambda value: canonical_time_zone((value or "").strip())],
        validators=[Length(max=64)],
        description="Leave empty to use your calendar account's time zone.",
    )

    def validate_time_zone(self, field: StringField) -> None:
        if field.data and not is_time_zone(field.data):
            raise ValidationError("Choose a time zone from the list, e.g. Europe/London.")
