from typing import Any
from questions.evidence.claims import Item
ITEMS: tuple[Item[Any], ...] = ()
