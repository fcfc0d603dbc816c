"""The Bitstring Status List encoding (pure)."""

from __future__ import annotations

import base64
import gzip

import pytest

from integrations import statuslist


def test_an_empty_list_is_16_kib_of_zero_bits_gzipped_in_multibase_base64url() -> None:
    encoded = statuslist.encode([])

    assert encoded.startswith("u")
    assert not {"=", "+", "/"} & set(encoded)
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert raw == bytes(16_384)


def test_set_bits_read_back_and_bit_zero_is_the_first_bytes_high_bit() -> None:
    encoded = statuslist.encode([0, 9, 131_071])

    assert statuslist.decode(encoded)[0] == 0x80
    assert statuslist.decode(encoded)[1] == 0x40
    assert [statuslist.is_set(encoded, i) for i in (0, 1, 8, 9, 131_070, 131_071)] == [
        True,
        False,
        False,
        True,
        False,
        True,
    ]


def test_the_same_revocations_always_encode_the_same_way() -> None:
    assert statuslist.encode([5, 7]) == statuslist.encode([7, 5])


@pytest.mark.parametrize("index", [-1, 131_072])
def test_an_index_outside_the_list_is_refused(index: int) -> None:
    with pytest.raises(statuslist.StatusListError, match="outside the list"):
        statuslist.encode([index])
    with pytest.raises(statuslist.StatusListError, match="outside the list"):
        statuslist.is_set(statuslist.encode([]), index)


@pytest.mark.parametrize("encoded", ["zabc", "u!!!!", "uAAAA"])
def test_an_unreadable_list_is_refused_with_the_reason(encoded: str) -> None:
    with pytest.raises(statuslist.StatusListError):
        statuslist.decode(encoded)
