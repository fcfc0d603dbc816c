"""A small bank whose texts use every character the formats escape, for the format tests."""

from __future__ import annotations

from pathlib import Path

from questions.bankfile import BankFile, bank_parse
from tests.questions import bank_data

MOODLE = Path(__file__).parent / "fixtures" / "moodle"

# Every GIFT control character, a backslash, Markdown, a code block and blank lines.
TRICKY_PROMPT = (
    "Which of `~ = # { } :` and `\\` need escaping?\n\n"
    "```python\nresult = Runner.run_streamed(agent, 'Hi')  # {not} a ~coroutine~\n```\n\n"
    "**Bold**, _emphasis_ and a [link](https://example.org/a:b)."
)


def tricky_bank() -> BankFile:
    data = bank_data.bank()
    first = data["questions"][0]
    first["prompt"] = TRICKY_PROMPT
    first["explanation"] = "Because: `a = b` # not a comment {ever}."
    first["choices"][0]["text"] = "Escape `~`, `=`, `#`, `{`, `}` and `:` with `\\`."
    first["choices"][0]["rationale"] = "GIFT's control characters: ~ = # { } :"
    return bank_parse(text=bank_data.dump(data))
