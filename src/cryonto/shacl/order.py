"""The report's order of results as small ints, so 10^6 results sort without 10^6 key tuples.

The report orders a group's results by place (segment first, file, row and label in natural
order: "row 9" before "row 10"), then path, message, focus, value and graph. Sorting 10^6
results by tuples of those strings holds about a KB of keys per result. Here each part is
replaced by its rank among the distinct values (places, texts, terms), and a result's key
is those ranks packed into one int: the same order, ties included.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Sequence
from typing import Any

_DIGITS = re.compile(r"(\d+)")


def natural(text: str) -> tuple:
    """`text` split into text and numbers, compared as numbers ("row 9" < "row 10")."""
    return tuple(int(p) if p.isdigit() else p for p in _DIGITS.split(text))


def text_bytes(text: str) -> bytes:
    """`text` as bytes that sort as the strings do, and end unambiguously: UTF-8 (code point
    order), NUL escaped as 00 FF, ended by 00 01 (so a prefix sorts first)."""
    return text.encode("utf-8", "surrogatepass").replace(b"\x00", b"\x00\xff") + b"\x00\x01"


def natural_bytes(text: str) -> bytes:
    """`natural(text)` as bytes in the tuple's order: each part tagged 01, numbers by length
    then value, the end 00 (a tuple that ends first sorts first)."""
    out = bytearray()
    for i, part in enumerate(_DIGITS.split(text)):
        out += b"\x01"
        if i % 2:  # split with a group: numbers at odd positions
            number = int(part)
            size = (number.bit_length() + 7) // 8
            out += size.to_bytes(4, "big") + number.to_bytes(size, "big")
        else:
            out += text_bytes(part)
    out += b"\x00"
    return bytes(out)


def dense_ranks(keys: Sequence[Any]) -> array:
    """Each key's rank among the distinct keys (equal keys, equal rank)."""
    order = sorted(range(len(keys)), key=keys.__getitem__)
    ranks = array("i", bytes(4 * len(keys)))
    rank = -1
    previous: Any = None
    for n, i in enumerate(order):
        key = keys[i]
        if n == 0 or key != previous:
            rank += 1
            previous = key
        ranks[i] = rank
    return ranks
