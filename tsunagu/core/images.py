"""Uploaded images (a supplier's logo and seal, product photos): refused when their dimensions
are out of bounds, whatever their file size (a decompression bomb: 32 KB of PNG can hold
12,000 × 12,000 pixels, 1.1 GB once decoded), and scaled down to what they are shown at.

Only the header is read to check the dimensions; pixels are decoded only for an image within
the bounds, to scale it down. Used by the documents' settings form and the catalogue's
product form, and again when a document is printed (for images stored before the check).
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

logger = logging.getLogger(__name__)

# Far beyond any logo, seal or product photo (a 40-megapixel camera is 7,728 × 5,152), far below
# what makes a PDF slow: 8,000 px a side and 40 million pixels.
MAX_SIDE = 8000
MAX_PIXELS = 40_000_000
# What a document prints (WeasyPrint embeds these as they are); photos may also be WebP or GIF.
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}
PHOTO_FORMATS = {**FORMATS, "WEBP": "image/webp", "GIF": "image/gif"}


class ImageRefusedError(ValidationError):
    """The image is not one we keep; the message says why, for the field."""


@dataclass(frozen=True)
class ImageSize:
    width: int
    height: int
    format: str


def image_size(data: bytes, *, formats: dict[str, str] = FORMATS) -> ImageSize:
    """The dimensions and format read from the header only. Refuses (ImageRefusedError) what is
    not a PNG or JPEG, and dimensions beyond MAX_SIDE or MAX_PIXELS."""
    try:
        with warnings.catch_warnings():
            # Pillow warns (or raises) on very large images: the bounds below decide.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height, kind = image.width, image.height, image.format or ""
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError):
        raise ImageRefusedError(_("Choose a PNG or JPEG image.")) from None
    if kind not in formats:
        raise ImageRefusedError(_("Choose a PNG or JPEG image."))
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        logger.warning("images.refused width=%s height=%s bytes=%s", width, height, len(data))
        raise ImageRefusedError(
            _(
                "The image is %(width)s × %(height)s pixels: at most %(side)s pixels a side "
                "and %(megapixels)s million pixels in all. Choose a smaller one."
            )
            % {
                "width": f"{width:,}",
                "height": f"{height:,}",
                "side": f"{MAX_SIDE:,}",
                "megapixels": MAX_PIXELS // 1_000_000,
            }
        )
    return ImageSize(width, height, kind)


def shrink(data: bytes, *, longest_side: int, formats: dict[str, str] = FORMATS) -> bytes:
    """The image scaled down so that its longest side is at most `longest_side` pixels, in its
    own format (PNG keeps its transparency); the same bytes when it is small enough. Checks the
    bounds first (image_size)."""
    return _shrink(data, image_size(data, formats=formats), longest_side=longest_side)


def _shrink(data: bytes, size: ImageSize, *, longest_side: int) -> bytes:
    if max(size.width, size.height) <= longest_side:
        return data
    with Image.open(io.BytesIO(data)) as image:
        if size.format == "JPEG":
            # Decode at a reduced scale straight away: far less memory for a big photo.
            image.draft("RGB", (longest_side, longest_side))
        image.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if size.format == "JPEG":
            image.convert("RGB").save(out, format="JPEG", quality=90, optimize=True)
        else:
            image.save(out, format=size.format)
    return out.getvalue()


def shrunk_upload(
    upload: object, *, longest_side: int, formats: dict[str, str] = FORMATS
) -> SimpleUploadedFile:
    """An uploaded image checked (ImageRefusedError) and scaled down, as a new upload with the
    same name and content type."""
    read = getattr(upload, "read", None)
    if read is None:
        raise ImageRefusedError(_("Choose a PNG or JPEG image."))
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = read()
    # Scaling keeps the format, so the header read once tells the content type too.
    size = image_size(data, formats=formats)
    return SimpleUploadedFile(
        getattr(upload, "name", None) or "image",
        _shrink(data, size, longest_side=longest_side),
        content_type=formats[size.format],
    )
