"""Baked badges (Open Badges 3.0, "Baked Badge"): the signed credential carried inside an image.

PNG: one uncompressed iTXt chunk with the keyword `openbadgecredential` whose text is the
compact JWS. SVG: an `<openbadges:credential verify="JWS">` element right after the `<svg>` tag,
with `xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`. Pure: bytes and strings only.
"""

from __future__ import annotations

import re
import struct
import zlib
from xml.etree import ElementTree

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
SVG_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"


class BakingError(ValueError):
    """An image that is not a PNG or SVG we can bake into or read a credential from."""


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError("not a PNG image (the signature is missing)")
    chunks, offset = [], len(PNG_SIGNATURE)
    while offset < len(png):
        if offset + 8 > len(png):
            raise BakingError("the PNG ends inside a chunk header")
        length, kind = struct.unpack(">I4s", png[offset : offset + 8])
        end = offset + 12 + length
        if end > len(png):
            raise BakingError("the PNG ends inside a chunk")
        chunks.append((kind, png[offset + 8 : offset + 8 + length]))
        offset = end
        if kind == b"IEND":
            break
    if not chunks or chunks[-1][0] != b"IEND":
        raise BakingError("the PNG has no end chunk")
    return chunks


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def _is_credential_chunk(kind: bytes, data: bytes) -> bool:
    return kind == b"iTXt" and data.split(b"\0", 1)[0] == KEYWORD


def bake_png(png: bytes, jws: str) -> bytes:
    """The PNG with the credential in one iTXt chunk (any earlier one is replaced)."""
    # keyword, NUL, compression flag 0, method 0, empty language tag and translated keyword.
    payload = KEYWORD + b"\0\0\0" + b"\0" + b"\0" + jws.encode("utf-8")
    out = [PNG_SIGNATURE]
    for kind, data in _chunks(png):
        if _is_credential_chunk(kind, data):
            continue
        if kind == b"IEND":
            out.append(_chunk(b"iTXt", payload))
        out.append(_chunk(kind, data))
    return b"".join(out)


def unbake_png(png: bytes) -> str:
    """The credential text of the first `openbadgecredential` iTXt chunk."""
    for kind, data in _chunks(png):
        if _is_credential_chunk(kind, data):
            rest = data[len(KEYWORD) + 1 :]
            if len(rest) < 2 or rest[0] != 0:
                raise BakingError("the credential chunk is compressed, which Open Badges forbids")
            # Skip the method byte, then the language tag and translated keyword (NUL-ended).
            _language, _translated, text = rest[2:].split(b"\0", 2)
            return text.decode("utf-8")
    raise BakingError("the PNG carries no Open Badges credential")


def bake_svg(svg: str, jws: str) -> str:
    """The SVG with `xmlns:openbadges` on its root and the credential element right after it."""
    match = re.search(r"<svg\b[^>]*>", svg)
    if match is None:
        raise BakingError("not an SVG image (no <svg> tag)")
    tag = match.group(0)
    if "xmlns:openbadges" not in tag:
        tag = tag[:-1].rstrip("/") + f' xmlns:openbadges="{SVG_NAMESPACE}">'
    element = f'<openbadges:credential verify="{_attribute(jws)}"></openbadges:credential>'
    return svg[: match.start()] + tag + element + svg[match.end() :]


def unbake_svg(svg: str | bytes) -> str:
    try:
        root = ElementTree.fromstring(svg)
    except ElementTree.ParseError as error:
        raise BakingError(f"not a well-formed SVG image: {error}") from None
    element = root.find(f"{{{SVG_NAMESPACE}}}credential")
    if element is None:
        raise BakingError("the SVG carries no Open Badges credential")
    verify = element.get("verify")
    if verify:
        return verify
    if element.text and element.text.strip():
        return element.text.strip()
    raise BakingError("the SVG's credential element is empty")


def _attribute(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )
