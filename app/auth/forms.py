"""Registration and login forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length


def normalise_email(value: str | None) -> str:
    """Compare emails case-insensitively and without surrounding spaces."""
    return (value or "").strip().lower()


class RegisterForm(FlaskForm):
    email = EmailField(
        "Email",
        filters=[normalise_email],
        validators=[DataRequired(), Email(), Length(max=320)],
    )
    password = PasswordField(
        "Password",
        description="At least 8 characters; a long passphrase is welcome (up to 128).",
        validators=[
            DataRequired(),
            # NIST SP 800-63B: at least 8 characters, allow long passphrases.
            Length(min=8, max=128, message="Use between 8 and 128 characters."),
        ],
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")],
    )


class LoginForm(FlaskForm):
    email = EmailField(
        "Email", filters=[normalise_email], validators=[DataRequired(), Length(max=320)]
    )
    password = PasswordField("Password", validators=[DataRequired(), Length(max=128)])
    remember = BooleanField("Keep me signed in")
