"""Baking a credential into badge images and reading it back (pure)."""

from __future__ import annotations

import io
from xml.etree import ElementTree

import pytest
from PIL import Image

from integrations import artwork, baking

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"


def test_a_baked_png_is_still_a_valid_image_and_gives_the_token_back() -> None:
    png = artwork.png(artwork.BadgeText(holder="Ada Lovelace", score="100%", date="1 May 2025"))

    baked = baking.bake_png(png, TOKEN)

    image = Image.open(io.BytesIO(baked))
    image.load()
    assert image.size == (512, 512)
    assert image.info["openbadgecredential"] == TOKEN  # Pillow reads the iTXt chunk itself
    assert baking.unbake_png(baked) == TOKEN


def test_baking_again_replaces_the_credential_chunk_instead_of_adding_one() -> None:
    baked = baking.bake_png(baking.bake_png(artwork.png(artwork.BadgeText()), "old.a.b"), TOKEN)

    assert baked.count(baking.KEYWORD) == 1
    assert baking.unbake_png(baked) == TOKEN


def test_a_baked_svg_has_the_namespace_and_the_verify_attribute() -> None:
    baked = baking.bake_svg(artwork.svg(artwork.BadgeText(holder="Zoë <admin> & co")), TOKEN)

    root = ElementTree.fromstring(baked)
    element = root[0]
    assert element.tag == "{https://purl.imsglobal.org/ob/v3p0}credential"
    assert element.get("verify") == TOKEN
    assert baking.unbake_svg(baked) == TOKEN
    assert "Zoë &lt;admin&gt; &amp; co" in baked


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a", "not a PNG"),
        (baking.PNG_SIGNATURE + b"\x00\x00", "ends inside"),
    ],
)
def test_an_image_that_is_not_a_png_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(baking.BakingError, match=message):
        baking.unbake_png(data)


def test_a_png_without_a_credential_says_so() -> None:
    with pytest.raises(baking.BakingError, match="carries no Open Badges credential"):
        baking.unbake_png(artwork.png(artwork.BadgeText()))


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        ("<svg", "not a well-formed SVG"),
        ('<svg xmlns="http://www.w3.org/2000/svg"/>', "carries no Open Badges credential"),
    ],
)
def test_an_svg_without_a_credential_is_refused(svg: str, message: str) -> None:
    with pytest.raises(baking.BakingError, match=message):
        baking.unbake_svg(svg)
