"""Checks a drawn signature: a real PNG of sensible size with enough ink to be a signature."""

from __future__ import annotations

import base64
import binascii
import io

from PIL import Image, UnidentifiedImageError

PREFIX = "data:image/png;base64,"
MAX_BYTES = 400_000
MAX_SIDE = 2400
MIN_INK_PIXELS = 60


class SignatureError(ValueError):
    pass


def signature_png(data_url: str) -> bytes:
    """The PNG bytes of a canvas signature, or SignatureError saying what is wrong."""
    if not data_url or not data_url.startswith(PREFIX):
        raise SignatureError("Please sign in the box.")
    try:
        raw = base64.b64decode(data_url[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("The signature could not be read; please sign again.") from exc
    if len(raw) > MAX_BYTES:
        raise SignatureError("The signature image is too large.")
    try:
        image = Image.open(io.BytesIO(raw))
        # The header is read first: the size is checked before any pixel is decoded.
        if image.format != "PNG" or max(image.size) > MAX_SIDE:
            raise SignatureError("The signature must be a PNG drawing.")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise SignatureError("The signature could not be read; please sign again.") from exc
    rgba = image.convert("RGBA")
    on_white = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("L")
    ink = sum(on_white.histogram()[:200])  # pixels clearly darker than the paper
    if ink < MIN_INK_PIXELS:
        raise SignatureError("The signature is empty; please sign in the box.")
    return raw
