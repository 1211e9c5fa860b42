"""The Connect button's form."""

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Optional, ValidationError

from app.scopes import KNOWN_SCOPES


class ConnectForm(FlaskForm):
    """Connect (or reconnect), optionally asking for scopes beyond the configured ones."""

    scope = HiddenField(validators=[Optional()])

    def validate_scope(self, field: HiddenField) -> None:
        unknown = set((field.data or "").split()) - KNOWN_SCOPES
        if unknown:
            raise ValidationError("unknown scope")

    def requested_scope(self, configured: str) -> str:
        """The configured scopes plus any extra ones this form asks for, in order."""
        scopes = configured.split()
        scopes += [s for s in (self.scope.data or "").split() if s not in scopes]
        return " ".join(scopes)
