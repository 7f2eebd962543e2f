"""Decide, before any model runs, whether a text can be analysed and in what form.

Bad input must give a clear status, never a crash: the store keeps whatever we answer, so
binary junk is named "garbage" rather than fed to the parser, and huge texts are cut.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import Counter
from dataclasses import dataclass

from core.settings.nlp import NlpSettings

logger = logging.getLogger(__name__)

_BAD_CATEGORIES = {"Cc", "Cn", "Co", "Cs"}
_ALLOWED_CONTROLS = {"\n", "\r", "\t", "\f", "\v"}
_SAMPLE_CHARS = 20_000


@dataclass(frozen=True)
class Checked:
    """A text ready for the pipeline (possibly cut), or a status saying why it is not."""

    text: str
    status: str  # "ok" | "empty" | "truncated" | "garbage"
    note: str | None = None


def _garbage_reason(text: str, settings: NlpSettings) -> str | None:
    """Look at a sample: the share of unusable characters, and of letters in any script."""
    sample = text[:_SAMPLE_CHARS]
    bad = letters = spaces = 0
    # Over distinct characters, weighted by their counts: a page of 20,000 characters has a
    # few hundred distinct ones, and this check runs before the NLP pool gets any work.
    for ch, k in Counter(sample).items():
        if ch in _ALLOWED_CONTROLS or ch.isspace():
            spaces += k
            continue
        cat = unicodedata.category(ch)
        if cat in _BAD_CATEGORIES or ch == "\ufffd":
            bad += k
        elif cat[0] == "L":
            letters += k
    visible = max(len(sample) - spaces, 1)
    if "\x00" in sample or bad / visible > settings.garbage_max_control_ratio:
        return "binary or non-text input"
    if letters / visible < settings.garbage_min_letter_ratio:
        return "too few letters to be prose"
    return None


def check_text(text: object, settings: NlpSettings) -> Checked:
    """Classify one input. Bytes are decoded as UTF-8 when they cleanly are; else garbage."""
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            return Checked("", "garbage", "binary or non-text input")
    if text is None:
        return Checked("", "empty", "no text")
    if not isinstance(text, str):
        return Checked("", "garbage", f"not text: {type(text).__name__}")
    if not text.strip():
        return Checked("", "empty", "no text")
    reason = _garbage_reason(text, settings)
    if reason:
        return Checked("", "garbage", reason)
    if len(text) > settings.max_chars:
        cut = text.rfind(" ", 0, settings.max_chars)
        cut = cut if cut > settings.max_chars // 2 else settings.max_chars
        logger.info("text of %d chars cut at %d", len(text), cut)
        return Checked(text[:cut], "truncated", f"text cut at {settings.max_chars} chars")
    return Checked(text, "ok")
