"""What a misconception does to a sequence of printed lines: the order a believer expects.

Each function takes the lines a run printed and returns the lines a learner holding one wrong
belief would predict, or None when the belief predicts the same thing here (then it makes no
distractor for this variant).

Pure: no Django imports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

Lines = tuple[str, ...]


def changed(original: Sequence[str], predicted: Sequence[str]) -> Lines | None:
    predicted = tuple(predicted)
    return None if predicted == tuple(original) else predicted


def runs(lines: Sequence[str]) -> list[tuple[str, int]]:
    """Consecutive equal lines grouped: (line, how many)."""
    groups: list[tuple[str, int]] = []
    for line in lines:
        if groups and groups[-1][0] == line:
            groups[-1] = (line, groups[-1][1] + 1)
        else:
            groups.append((line, 1))
    return groups


def interleave(lines: Sequence[str], first: str, second: str) -> Lines | None:
    """`first` xN then `second` xN becomes `first`, `second` N times: "each output follows its
    call at once"."""
    groups, result, index = runs(lines), [], 0
    while index < len(groups):
        line, count = groups[index]
        following = groups[index + 1] if index + 1 < len(groups) else None
        if line == first and following and following[0] == second and following[1] == count > 1:
            result += [first, second] * count
            index += 2
            continue
        result += [line] * count
        index += 1
    return changed(lines, result)


def keep_last(lines: Sequence[str], line: str) -> Lines | None:
    """Only the last occurrence of `line` stays: "there is one of those per run"."""
    if list(lines).count(line) < 2:
        return None
    last = len(lines) - 1 - list(reversed(lines)).index(line)
    return changed(lines, [x for i, x in enumerate(lines) if x != line or i == last])


def keep_first(lines: Sequence[str], line: str) -> Lines | None:
    if list(lines).count(line) < 2:
        return None
    first = list(lines).index(line)
    return changed(lines, [x for i, x in enumerate(lines) if x != line or i == first])


def drop(lines: Sequence[str], *dropped: str) -> Lines | None:
    return changed(lines, [line for line in lines if line not in dropped])


def drop_first(lines: Sequence[str], line: str) -> Lines | None:
    if line not in lines:
        return None
    index = list(lines).index(line)
    return changed(lines, [*lines[:index], *lines[index + 1 :]])


def prepend(lines: Sequence[str], line: str) -> Lines | None:
    return changed(lines, [line, *lines])


def append(lines: Sequence[str], line: str) -> Lines | None:
    return changed(lines, [*lines, line])


def squeeze(lines: Sequence[str], *squeezed: str) -> Lines | None:
    """Repeats of the `squeezed` lines in a row become one: "one event per response"."""
    return changed(
        lines,
        [
            line
            for line, count in runs(lines)
            for line in [line] * (1 if line in squeezed else count)
        ],
    )


def rename(lines: Sequence[str], names: dict[str, str]) -> Lines | None:
    return changed(lines, [names.get(line, line) for line in lines])


def move_after(lines: Sequence[str], moved: str, before: str, after: str) -> Lines | None:
    """Every `moved` line directly followed by `before` goes after the run of `after` lines that
    follows (a preamble's message announced after the tools ran)."""
    result = list(lines)
    index = 0
    while index < len(result) - 1:
        if result[index] == moved and result[index + 1] == before:
            result.pop(index)
            end = index
            while end < len(result) and result[end] in (before, after):
                end += 1
            result.insert(end, moved)
            index = end + 1
            continue
        index += 1
    return changed(lines, result)


def truncate(lines: Sequence[str], length: int) -> Lines | None:
    return changed(lines, lines[:length])


def apply(
    transform: Callable[..., Lines | None], *args: object
) -> Callable[[Sequence[str]], Lines | None]:
    """A one-argument transform: `apply(drop, "x")(lines)` is `drop(lines, "x")`."""
    return lambda lines: transform(lines, *args)
