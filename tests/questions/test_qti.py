"""QTI 1.2 packages on their own: a package made by an independent writer (text2qti, from PyPI,
which makes Canvas packages), what certify writes, and packages that must be refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from text2qti.config import Config
from text2qti.qti import QTI
from text2qti.quiz import Quiz

from questions.bankfile import BankInvalid
from questions.interchange import qti as qti_module
from questions.interchange.qti import qti_read, qti_write
from tests.questions.interchange_data import TRICKY_PROMPT, tricky_bank

TEXT2QTI_QUIZ = """\
Quiz title: Streaming check

1.  What does `Runner.run_streamed` return?
... It is synchronous.
*a) A `RunResultStreaming`, at once.
... Right: no await.
b)  A coroutine.
... That is `Runner.run`.

2.  Which events carry text deltas? Choose all.
[*] raw response events
... Yes.
[ ] agent updated events
... No.
[*] `response.output_text.delta` events
... Yes.

3.  A stream needs a running event loop.
*a) True
b)  False
"""


def text2qti_package(tmp_path: Path) -> bytes:
    quiz = Quiz(TEXT2QTI_QUIZ, config=Config(), source_name="quiz.md")
    path = tmp_path / "quiz.zip"
    QTI(quiz).save(path)
    return path.read_bytes()


def test_a_package_from_an_independent_writer(tmp_path: Path) -> None:
    bank = qti_read(data=text2qti_package(tmp_path), source="quiz.zip")

    single, multiple, true_false = bank.items
    assert (single.kind, single.prompt, single.explanation) == (
        "single",
        "What does `Runner.run_streamed` return?",
        "It is synchronous.",
    )
    assert [(c.text, c.correct, c.feedback) for c in single.choices] == [
        ("A `RunResultStreaming`, at once.", True, "Right: no await."),
        ("A coroutine.", False, "That is `Runner.run`."),
    ]
    assert multiple.kind == "multiple"
    assert [c.correct for c in multiple.choices] == [True, False, True]
    assert multiple.choices[2].text == "`response.output_text.delta` events"
    assert (true_false.kind, [c.correct for c in true_false.choices]) == (
        "true_false",
        [True, False],
    )
    assert bank.errors == ()
    assert bank.skipped == ()


def test_what_certify_writes_it_reads_back_exactly() -> None:
    bank = tricky_bank()

    package = qti_write(bank)
    items = {item.identifier: item for item in qti_read(data=package).items}

    first = items["basics-01"]
    assert (first.prompt, first.name, first.category_key) == (
        TRICKY_PROMPT,
        bank.questions[0].topic,
        "basics",
    )
    for entry in bank.questions:
        item = items[entry.id]
        assert item.kind == entry.kind
        assert [(c.text, c.correct, c.feedback) for c in item.choices] == [
            (c.text, c.correct, c.rationale.strip()) for c in entry.choices
        ]
        assert item.explanation == entry.explanation.strip()
        assert dict(item.tags) == {
            "level": entry.level,
            "style": entry.style,
            "objective": entry.objective,
        }
    assert qti_write(bank) == package  # the same bank makes the same bytes


def test_html_edited_elsewhere_wins_over_the_markdown_beside_it() -> None:
    package = qti_write(tricky_bank())
    edited = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source, zipfile.ZipFile(edited, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "basics/basics.xml":
                data = data.replace(
                    b"&lt;strong&gt;Bold&lt;/strong&gt;", b"&lt;em&gt;Edited&lt;/em&gt;"
                )
            target.writestr(info, data)

    first = qti_read(data=edited.getvalue()).items[0]

    assert "*Edited*" in first.prompt
    assert "**Bold**" not in first.prompt


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"not a zip", "Not a zip file"),
        (zipped({"../../etc/cron.d/x.xml": b"<questestinterop/>"}), "leaves the package"),
        (zipped({"/abs/x.xml": b"<questestinterop/>"}), "unsafe member name"),
        (zipped({"bomb.xml": b"<a>" + b" " * 5_000_000 + b"</a>"}), "zip bomb"),
        (zipped({"readme.txt": b"hello"}), "No QTI 1.2 file"),
        (zipped({"items.xml": b"<questestinterop><item"}), "items.xml line 1 column"),
    ],
)
def test_packages_that_are_refused(data: bytes, expected: str) -> None:
    try:
        errors = [str(error) for error in qti_read(data=data, source="bad.zip").errors]
    except BankInvalid as invalid:
        errors = [str(error) for error in invalid.errors]
    assert any(expected in error for error in errors), errors


def test_too_many_members(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(qti_module, "MAX_MEMBERS", 2)
    data = zipped({f"{n}.xml": b"<questestinterop/>" for n in range(3)})
    with pytest.raises(BankInvalid, match="More than 2 members"):
        qti_read(data=data)
