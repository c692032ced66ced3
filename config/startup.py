"""Load the settings before anything else, so that a configuration mistake is one clear line."""

from __future__ import annotations

import sys

from django.core.exceptions import ImproperlyConfigured


def load_settings_or_exit() -> None:
    from django.conf import settings

    try:
        settings.INSTALLED_APPS  # noqa: B018 - touching a setting loads the module
    except ImproperlyConfigured as error:
        sys.exit(f"設定エラー / configuration error: {error}")
