"""The drawn-signature check: a real PNG with ink, of a sane size, read header first."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from mesodesk.consent.signature import SignatureError, signature_png
from mesodesk.consent.tests.helpers import blank_signature, signature


def _png_url(image: Image.Image, fmt: str = "PNG") -> str:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    mime = "png" if fmt == "PNG" else fmt.lower()
    return f"data:image/{mime};base64," + base64.b64encode(buffer.getvalue()).decode()


def test_a_drawn_signature_is_kept_byte_for_byte() -> None:
    url = signature()
    assert signature_png(url) == base64.b64decode(url.split(",", 1)[1])


@pytest.mark.parametrize(
    ("data_url", "message"),
    [
        ("", "sign in the box"),
        ("data:image/png;base64,not base64!", "could not be read"),
        ("data:image/png;base64," + base64.b64encode(b"not a png").decode(), "could not be read"),
        (blank_signature(), "empty"),
    ],
)
def test_what_is_not_a_signature_is_refused_with_a_reason(data_url: str, message: str) -> None:
    with pytest.raises(SignatureError, match=message):
        signature_png(data_url)


def test_a_jpeg_with_a_png_label_is_refused() -> None:
    jpeg = _png_url(Image.new("RGB", (300, 100), "black"), fmt="JPEG")
    with pytest.raises(SignatureError, match="PNG"):
        signature_png(jpeg.replace("image/jpeg", "image/png"))


def test_a_huge_canvas_is_refused_before_its_pixels_are_decoded() -> None:
    # 5000 x 5000 pixels of one colour compresses to a few kB; decoding it would take 100 MB.
    url = _png_url(Image.new("L", (5000, 5000), 0))
    assert len(url) < 400_000
    with pytest.raises(SignatureError, match="PNG drawing"):
        signature_png(url)
