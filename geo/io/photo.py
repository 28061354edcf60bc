"""A photo handed in as evidence (e.g. of a 销号 verification): an image of a known kind within a
size limit, identified by its SHA-256. Generic: it knows no table.

The bytes are checked by decoding their structure with Pillow, not by the file name or the
browser's content type, so a renamed document or a truncated upload is refused.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image

from geo.errors import ValidationError

# Pillow's format name → the media type stored with the photo
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 60_000_000  # a phone camera makes ≤ 50 MP; more is a decompression bomb, not a photo


@dataclass(frozen=True)
class Photo:
    data: bytes
    media_type: str
    sha256: str
    width: int
    height: int

    @property
    def size(self) -> int:
        return len(self.data)


def check_photo(data: bytes, max_bytes: int) -> Photo:
    """The photo's facts, or one sentence saying why it is refused (not an image, too large)."""
    if not data:
        raise ValidationError("the photo is empty; choose a JPEG, PNG or WebP picture.")
    if len(data) > max_bytes:
        raise ValidationError(f"the photo is {len(data) / 1e6:.1f} MB, more than the "
                              f"{max_bytes / 1e6:.1f} MB allowed; send a smaller picture.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind, (width, height) = image.format, image.size
                image.verify()  # the structure is sound (a truncated or forged file fails)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):
        raise ValidationError("the photo is not a readable picture; choose a JPEG, PNG or WebP "
                              "image.") from None
    if kind not in FORMATS:
        raise ValidationError(f"the photo is a {kind} image; only JPEG, PNG or WebP are kept.")
    if width * height > MAX_PIXELS:
        raise ValidationError("the photo has too many pixels; send a smaller picture.")
    return Photo(data, FORMATS[kind], hashlib.sha256(data).hexdigest(), width, height)
