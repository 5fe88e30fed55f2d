"""A code's description as labelled paragraphs: one text carrying a codebook entry's parts.

QDA tools give a code one description. cryonto's codebook export (and `export refi`, for a
study code with examples or rules) writes the definition, anchor examples and coding rules
into it as one-line "Label: text" paragraphs, Mayring's codebook sections; the REFI reader
splits such a text back into its parts. Both directions live here so that the labels the
writer uses are the labels the reader knows.
"""

from __future__ import annotations

from collections.abc import Sequence

#: the section labels of a codebook entry, per language: definition, anchor example, rule
SECTIONS = {
    "en": ("Definition", "Anchor example", "Coding rule"),
    "de": ("Definition", "Ankerbeispiel", "Kodierregel"),
}


def one_line(text: str) -> str:
    """Whitespace runs (line breaks included) as single spaces: one paragraph stays one."""
    return " ".join(text.split())


def compose(definition: str | None, examples: Sequence[str], rules: Sequence[str],
            lang: str = "en") -> str:
    """Definition first, then each example and each rule as its own labelled paragraph.

    What is missing is left out (no rules, no "Coding rule" paragraph), so a tool that shows
    the text plainly still shows which part is which.
    """
    label, example, rule = SECTIONS.get(lang, SECTIONS["en"])
    parts = [f"{label}: {one_line(definition)}"] if definition else []
    parts += [f"{example}: {one_line(text)}" for text in examples]
    parts += [f"{rule}: {one_line(text)}" for text in rules]
    return "\n\n".join(parts)


def parse(text: str) -> tuple[str | None, list[str], list[str]] | None:
    """(definition, anchor examples, coding rules) of a text exactly in `compose`'s form
    (one language, parts in order, at most one definition); None for any other text, which
    then stays whole as the code's definition."""
    paragraphs = text.split("\n\n")
    for labels in SECTIONS.values():
        found: tuple[list[str], list[str], list[str]] = ([], [], [])
        rank = 0
        for paragraph in paragraphs:
            label, colon, body = paragraph.partition(": ")
            if not colon or label not in labels or "\n" in paragraph or not body.strip():
                break
            now = labels.index(label)
            if now < rank or (now == 0 and found[0]):
                break
            rank = now
            found[now].append(body.strip())
        else:
            definitions, examples, rules = found
            return (definitions[0] if definitions else None), examples, rules
    return None


__all__ = ["SECTIONS", "compose", "one_line", "parse"]
