# Flask-WTF 1.x ships no types. These partial stubs declare only what this app uses;
# the fields and validators come typed from types-WTForms.
from collections.abc import Mapping, Sequence
from typing import Any

from wtforms import Form
from wtforms.meta import _MultiDictLike

from .csrf import CSRFProtect as CSRFProtect

class FlaskForm(Form):
    # formdata defaults to the current request's form (and files).
    def __init__(self, formdata: _MultiDictLike | None = ..., **kwargs: object) -> None: ...
    def is_submitted(self) -> bool: ...
    def validate_on_submit(
        self, extra_validators: Mapping[str, Sequence[Any]] | None = None
    ) -> bool: ...
