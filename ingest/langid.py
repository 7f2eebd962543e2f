"""Language identification with langdetect, made deterministic.

langdetect is randomised; seeding its factory once makes the same text always give the same
answer. The page's or feed's declared language breaks ties: when it is among langdetect's
candidates and close to the best, it wins, because publishers rarely mislabel their own pages
while short or mixed texts fool a character n-gram model.
"""

from __future__ import annotations

import logging
import threading

from langdetect import DetectorFactory, detector_factory
from langdetect.lang_detect_exception import LangDetectException

from core.settings.crawler import CrawlerSettings

logger = logging.getLogger(__name__)

_LOCK = threading.Lock()
_READY = False


def _ensure_loaded() -> None:
    global _READY
    with _LOCK:
        if not _READY:
            DetectorFactory.seed = 0
            detector_factory.init_factory()
            _READY = True


# Codes that name the same language as one of langdetect's profiles under another tag.
_ALIASES = {"nb": "no", "nn": "no", "iw": "he", "in": "id", "ji": "yi", "tl": "tl", "fil": "tl"}


def short_code(lang: str | None) -> str | None:
    """ "en-GB" / "zh-cn" / "EN_us" -> "en" / "zh" / "en"; None for empty values."""
    if not lang:
        return None
    code = lang.strip().replace("_", "-").split("-", 1)[0].lower()
    if not (code.isalpha() and 2 <= len(code) <= 3):
        return None
    return _ALIASES.get(code, code)


def detect_language(
    text: str, declared: str | None, settings: CrawlerSettings
) -> tuple[str | None, float]:
    """(language, confidence); (declared-or-None, 0.0) when the text is too short to judge.

    `settings` is required so the [crawler] lang_* keys reach every caller (crawl and import).
    """
    cfg = settings
    declared_code = short_code(declared)
    sample = (text or "").strip()
    letters = sum(ch.isalpha() for ch in sample)
    if letters < cfg.lang_min_letters:
        return declared_code, 0.0
    _ensure_loaded()
    try:
        det = detector_factory._factory.create()  # noqa: SLF001 - the seeded factory
        det.append(sample[: cfg.lang_max_chars])
        candidates = det.get_probabilities()
    except LangDetectException as exc:
        logger.debug("langdetect gave up: %s", exc)
        return declared_code, 0.0
    if not candidates:
        return declared_code, 0.0
    probs: dict[str | None, float] = {}
    for cand in candidates:  # zh-cn and zh-tw both count as "zh"
        code = short_code(cand.lang)
        probs[code] = probs.get(code, 0.0) + cand.prob
    best_lang = max(probs, key=lambda k: probs[k])
    best_prob = probs[best_lang]
    if (
        declared_code
        and declared_code != best_lang
        and declared_code in probs
        and best_prob - probs[declared_code] <= cfg.lang_tie_margin
    ):
        return declared_code, probs[declared_code]
    return best_lang, best_prob
