"""HTML to PDF with WeasyPrint, and nothing else: no Django import, so a plain worker process
(a billing run's renderers) can run it without setting Django up.

The stylesheet is read from the documents app's static folder and parsed once per process; the
fetcher refuses anything but data URIs and files in that folder.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint import CSS, HTML  # type: ignore[import-untyped]
from weasyprint.urls import URLFetcher, URLFetcherResponse  # type: ignore[import-untyped]

STATIC_DIR = Path(__file__).resolve().parent / "static" / "documents"
STYLESHEET = STATIC_DIR / "print.css"
# The only folders a document may load files from (the stylesheet and its fonts' neighbours).
ALLOWED_DIRS = (STATIC_DIR,)


class LocalOnlyFetcher(URLFetcher):
    """Data URIs and files in this app's static folder; nothing from the network."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False)

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        if url.startswith("file:"):
            path = local_path(url)
            if path is None:
                raise ValueError(f"refused a file outside the document static folder: {url}")
            # The checked path, quoted again: the file opened is the one that was checked
            # (urllib decodes the URL once more; %2F or %2e%2e cannot change it now).
            url = path.as_uri()
        elif not url.startswith("data:"):
            raise ValueError(f"refused a non-local resource: {url}")
        return super().fetch(url, headers)


def local_path(url: str) -> Path | None:
    """The file a file: URL names, decoded as urllib will decode it and resolved (symlinks,
    `..`), when it lies inside one of ALLOWED_DIRS; None otherwise (another host, or a path
    that leaves them once %2F, %2e%2e or %5C are decoded)."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    decoded = url2pathname(unquote(parts.path))
    if "\x00" in decoded or "\\" in decoded:
        return None
    path = Path(decoded).resolve()
    if any(path.is_relative_to(folder) for folder in ALLOWED_DIRS) and path.is_file():
        return path
    return None


@functools.cache
def stylesheet() -> CSS:
    """The print stylesheet, parsed once per process (a billing run renders hundreds of PDFs;
    the file ships with the code, so it cannot change while the process runs)."""
    return CSS(filename=str(STYLESHEET), url_fetcher=LocalOnlyFetcher())


def html_to_pdf(html: str, identifier: bytes | None = None) -> bytes:
    """A4 PDF of `html` written for print.css (fonts embedded and subset by WeasyPrint)."""
    pdf = HTML(
        string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=LocalOnlyFetcher()
    ).write_pdf(stylesheets=[stylesheet()], pdf_identifier=identifier)
    assert pdf is not None  # noqa: S101 - write_pdf without a target returns the bytes
    return bytes(pdf)
