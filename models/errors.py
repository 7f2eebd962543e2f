"""Errors of the lens classifier, each with a message an operator can act on."""


class LensError(ValueError):
    """Training or prediction input that cannot be used (unknown lens, too few labels...)."""


class ArtifactError(Exception):
    """A model artifact that must not be loaded: wrong hash, foreign or corrupt file, mismatch."""
