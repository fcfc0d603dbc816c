"""Bitstring Status List (W3C): a compressed bit per credential saying whether it is revoked.

Pure: bytes and ints in, bytes and ints out. The list is GZIP-compressed and written as a
multibase base64url string (no padding, prefix "u"); bit 0 is the most significant bit of the
first byte. 131,072 entries (16 KiB) is the specification's minimum size, which gives holders
herd privacy: a verifier who fetches the list learns nothing about which credential it checks.
"""

from __future__ import annotations

import base64
import gzip
from collections.abc import Iterable

LIST_SIZE = 131_072
MULTIBASE_BASE64URL = "u"


class StatusListError(ValueError):
    """An encoded list that cannot be read, or an index outside it."""


def encode(revoked: Iterable[int], *, size: int = LIST_SIZE) -> str:
    """The encodedList for a list of `size` bits with the given indexes set."""
    bits = bytearray(size // 8)
    for index in revoked:
        _check_index(index, size)
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same revocations always give the same string.
    compressed = gzip.compress(bytes(bits), mtime=0)
    return MULTIBASE_BASE64URL + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode(encoded: str) -> bytes:
    if not encoded.startswith(MULTIBASE_BASE64URL):
        raise StatusListError("the encoded list is not multibase base64url (no 'u' prefix)")
    body = encoded[1:]
    try:
        compressed = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True)
        bits = gzip.decompress(compressed)
    except (ValueError, OSError, EOFError) as error:
        raise StatusListError(f"the encoded list cannot be decoded: {error}") from None
    if not bits:
        raise StatusListError("the encoded list is empty")
    return bits


def is_set(encoded: str, index: int) -> bool:
    bits = decode(encoded)
    _check_index(index, len(bits) * 8)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def _check_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise StatusListError(f"status index {index} is outside the list (0 to {size - 1})")
