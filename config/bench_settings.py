"""Benchmark settings (make bench): a few lines on top of the real ones.

The product as it runs in production (DEBUG off, Argon2, the database cache), plus the bench app
with its floor view, and the bench's own var/ directory so that it never touches `make run`'s data.
"""

from __future__ import annotations

import os

os.environ.setdefault(
    "TSUNAGU_VAR_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "bench")
)
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from config.settings import *  # noqa: F403
from config.settings import ACCOUNT_RATE_LIMITS, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "tsunagu.bench"]
ROOT_URLCONF = "tsunagu.bench.urls"
# Every simulated buyer logs in from 127.0.0.1; allauth allows 30 logins a minute per address,
# which 50 people behind separate addresses would never share. Failed logins keep their limits.
ACCOUNT_RATE_LIMITS = {**ACCOUNT_RATE_LIMITS, "login": "600/m/ip"}
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
# Static names without a manifest: the bench does not run collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise warns when it is missing
