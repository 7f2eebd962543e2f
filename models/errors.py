"""Errors of the lens classifier, each with a message an operator can act on."""

from core.errors import InvalidInput, StoryloomError


class LensError(InvalidInput):
    """Training or prediction input that cannot be used (unknown lens, too few labels...)."""


class ArtifactError(StoryloomError):
    """A model artifact that must not be loaded: wrong hash, foreign or corrupt file, mismatch."""
