"""The shared shape of a derived key."""

from __future__ import annotations

import dataclasses
from importlib.metadata import version

import pytest

from questions.derivation import Derivation, sdk_version


def test_a_derivation_is_frozen_and_names_the_installed_sdk() -> None:
    derivation = Derivation(
        item_id="basics-01", true_options=frozenset({1}), outcome="ran", sdk_version=sdk_version()
    )

    assert derivation.sdk_version == version("openai-agents")
    with pytest.raises(dataclasses.FrozenInstanceError):
        derivation.item_id = "basics-02"  # type: ignore[misc]  # proving it is frozen
