"""Photos and screenshots sent with public reports: type checked by decoding, re-encoded without metadata.

The declared type is never trusted: the bytes are opened with Pillow and must be a JPEG, PNG or WebP image
within the size and pixel limits. What is stored is a fresh encoding of the pixels only — EXIF (with GPS
position, camera serial, time), XMP, ICC comments and any bytes appended after the image are gone — so a
reporter's photo cannot leak where they live, and a polyglot file cannot ride along.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
from dataclasses import dataclass

ALLOWED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is a decompression bomb, not a screenshot


class ImageRefused(ValueError):
    """The image cannot be accepted; the message says why (it starts with ``image:``)."""


@dataclass(frozen=True)
class CleanImage:
    sha256: str
    content_type: str
    width: int
    height: int
    data: bytes


def decode_base64(text: str, max_bytes: int) -> bytes:
    """The bytes of a base64 (or ``data:image/…;base64,``) string, at most ``max_bytes``."""
    if text.startswith("data:"):
        _, _, text = text.partition(",")
    if len(text) > (max_bytes * 4) // 3 + 8:
        raise ImageRefused(f"image: larger than {max_bytes:,} bytes")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ImageRefused("image: not base64 data") from None
    if len(raw) > max_bytes:
        raise ImageRefused(f"image: larger than {max_bytes:,} bytes")
    return raw


def clean_image(raw: bytes, max_bytes: int) -> CleanImage:
    """Check ``raw`` by content and re-encode it without metadata (see module docstring)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not raw:
        raise ImageRefused("image: empty")
    if len(raw) > max_bytes:
        raise ImageRefused(f"image: larger than {max_bytes:,} bytes")
    try:
        with Image.open(io.BytesIO(raw)) as probe:
            kind = probe.format
            if kind not in ALLOWED:
                raise ImageRefused(f"image: a {kind or 'unknown'} file; send a JPEG, PNG or WebP photo or "
                                   "screenshot")
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRefused(f"image: {probe.width}×{probe.height} pixels is more than {MAX_PIXELS:,}")
            probe.verify()  # structure and checksums, before decoding pixels
        with Image.open(io.BytesIO(raw)) as picture:
            picture = ImageOps.exif_transpose(picture)  # keep what the reporter saw upright, then drop EXIF
            mode = "RGBA" if picture.mode in ("RGBA", "LA", "P") and kind != "JPEG" else "RGB"
            pixels = picture.convert(mode)
            out = io.BytesIO()
            save = {"JPEG": {"quality": 90}, "PNG": {"optimize": True}, "WEBP": {"quality": 90}}[kind]
            pixels.save(out, format=kind, **save)  # no exif=, no icc_profile=, no pnginfo=: pixels only
    except ImageRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageRefused(f"image: not a readable JPEG, PNG or WebP image ({str(exc)[:120]})") from None
    data = out.getvalue()
    return CleanImage(sha256=hashlib.sha256(data).hexdigest(), content_type=ALLOWED[kind], width=pixels.width,
                      height=pixels.height, data=data)
