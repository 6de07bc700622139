"""Fee references: the short code a citizen's transfer carries so the office can match it.

`MC` + 6 characters from a 32-letter alphabet without 0/O and 1/I (about 1.07e9 codes),
8 characters in all: it fits the purpose of a VietQR (≤ 25) and the shortest transfer
descriptions banks keep (payOS documents 9 for some banks).

Banks mangle transfer content: they upper-case it, drop accents, strip spaces or punctuation,
prepend their own text (`MBVCB.3278907687.MCABC234.CT tu ...`) and sometimes break it with a
space or dash. `find_references` therefore looks for `MC` anywhere (glued to other words too)
followed by 6 alphabet characters with at most two separator runs (1-3 of space - . _ / ,)
among them. It returns *candidates*: only those equal to a known open fee count, so a
chance look-alike in ordinary text ("NAMCHUYENTIEN" holds `MCHUYENT`) cannot pay anything.
"""
from __future__ import annotations

import random
import re

from .vietqr import unaccent

PREFIX = "MC"
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, no 1/I
BODY = 6
MAX_SEPARATOR_RUNS = 2

_SEP = r"[\s\-._/,]{1,3}"
_CHAR = f"[{ALPHABET}]"
# Overlapping search: a lookahead at every position, capturing the candidate with its separators.
_CANDIDATE = re.compile(
    "(?=(" + PREFIX + "(?:" + _SEP + ")?" + ("(?:" + _SEP + ")?").join([_CHAR] * BODY) + "))")
_REFERENCE = re.compile(PREFIX + _CHAR + "{" + str(BODY) + "}")
_SEPARATORS = re.compile(_SEP)


def new_reference(rng: random.Random) -> str:
    """A fresh reference such as `MCK7Q2XP`. Pass `random.SystemRandom()` in production."""
    return PREFIX + "".join(rng.choice(ALPHABET) for _ in range(BODY))


def is_reference(text: str) -> bool:
    return isinstance(text, str) and _REFERENCE.fullmatch(text) is not None


def find_references(content: str) -> list[str]:
    """Candidate references in a bank transfer's content, in order of appearance, no repeats."""
    if not isinstance(content, str):
        return []
    text = unaccent(content).upper()
    found: list[str] = []
    for match in _CANDIDATE.finditer(text):
        token = match.group(1)
        if len(_SEPARATORS.findall(token)) > MAX_SEPARATOR_RUNS:
            continue
        reference = _SEPARATORS.sub("", token)
        if reference not in found:
            found.append(reference)
    return found
