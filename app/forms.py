"""Forms shared by several blueprints."""

from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A form with no fields: a POST-only button that still carries a CSRF token."""
