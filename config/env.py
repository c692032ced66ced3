"""Small typed readers for environment variables.

Each refuses a bad value with one ImproperlyConfigured line that names the variable and says what
it expects, so that a wrong deployment fails at start-up instead of at the first request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

# The readers below are named after the types they return; these aliases keep the annotations
# pointing at the built-in types rather than at the methods.
Text = str
Flag = bool
Number = int
Items = list[str]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Env:
    def __init__(self, environ: Mapping[Text, Text] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def _raw(self, name: Text) -> Text | None:
        value = self.environ.get(name)
        return None if value is None else value.strip()

    def str(self, name: Text, default: Text | None = None, *, required: bool = False) -> Text:
        value = self._raw(name)
        if value:
            return value
        if required or default is None:
            raise ImproperlyConfigured(f"{name} is not set: it is required in this environment.")
        return default

    def optional(self, name: Text) -> Text | None:
        return self._raw(name) or None

    def bool(self, name: Text, default: Flag) -> Flag:
        value = self._raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name}={value!r}: expected true or false (1/0, yes/no, on/off)."
        )

    def int(self, name: Text, default: Number, *, minimum: Number | None = None) -> Number:
        value = self._raw(name)
        if not value:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r}: expected a whole number.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(
                f"{name}={value!r}: expected a number of at least {minimum}."
            )
        return number

    def list(self, name: Text, default: Items | None = None) -> Items:
        value = self._raw(name)
        if not value:
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def choice(self, name: Text, choices: tuple[Text, ...], default: Text) -> Text:
        value = self._raw(name) or default
        if value not in choices:
            expected = ", ".join(choices)
            raise ImproperlyConfigured(f"{name}={value!r}: expected one of {expected}.")
        return value
