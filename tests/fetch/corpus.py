"""The ../shared/corpora/compressed files and the Content-Encoding each is served with."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

GOOD = {
    "html-gzip.bin": "gzip",
    "html-gzip-deflate.bin": "gzip, deflate",
    "html-gzip-deflate-gzip.bin": "gzip, deflate, gzip",
    "html-rawdeflate.bin": "deflate",
    "html-zlibdeflate.bin": "deflate",
    "html-br.bin": "br",
    "html-zstd-static-content-size.bin": "zstd",
    "html-zstd-static-no-content-size.bin": "zstd",
    "html-zstd-streaming-no-content-size.bin": "zstd",
    "feed-sample1.xml.gz": "gzip",
}
TRUNCATED = {
    "truncated-crc-error.gz": "gzip",
    "truncated-crc-error-short.gz": "gzip",
    "unexpected-eof.gz": "gzip",
}
BOMBS = {
    "bomb-gzip.bin": "gzip",
    "bomb-deflate.bin": "deflate",
    "bomb-br.bin": "br",
    "bomb-zstd.bin": "zstd",
}
BOMB_SIZE = 11_511_612  # each bomb's decompressed size (checked in test_decode)


def corpus(shared: Path) -> Path:
    return shared / "corpora" / "compressed"


def expected(shared: Path, name: str) -> bytes:
    """Reference content from the stdlib's one-shot decoders (independent of ours)."""
    d = corpus(shared)
    if name == "feed-sample1.xml.gz":
        return (d / "feed-sample1.xml").read_bytes()
    if name in ("html-rawdeflate.bin", "html-zlibdeflate.bin"):  # a slightly different page
        return zlib.decompress((d / "html-zlibdeflate.bin").read_bytes())
    return gzip.decompress((d / "html-gzip.bin").read_bytes())
