"""Tsunagu (つなぐ): an open-source BtoB ordering service."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tsunagu")
except PackageNotFoundError:  # run from a work tree, not installed as a package
    __version__ = "0.1.0"
