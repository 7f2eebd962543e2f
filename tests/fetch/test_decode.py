"""StreamDecoder on the shared corpus, fed in awkward chunk sizes, without the network."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import brotli
import pytest
import zstandard

from ingest.decode import DecodeError, StreamDecoder, parse_encodings
from tests.fetch.corpus import BOMB_SIZE, BOMBS, GOOD, TRUNCATED, corpus, expected


def decode(data: bytes, encoding: str, limit: int, chunk: int) -> tuple[bytes, DecodeError | None]:
    dec = StreamDecoder(parse_encodings(encoding), limit)
    out = bytearray()
    try:
        for i in range(0, len(data), chunk):
            out += dec.feed(data[i : i + chunk])
        out += dec.finish()
    except DecodeError as exc:
        return bytes(out), exc
    return bytes(out), None


@pytest.mark.parametrize("chunk", [1, 13, 65536])
@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_bodies_decode_in_any_chunking(shared_dir: Path, name: str, chunk: int) -> None:
    data = (corpus(shared_dir) / name).read_bytes()
    out, err = decode(data, GOOD[name], 1_000_000, chunk)
    assert err is None
    assert out == expected(shared_dir, name)


@pytest.mark.parametrize("name", sorted(TRUNCATED))
def test_truncated_gzip_is_an_error_with_partial_output_correct(
    shared_dir: Path, name: str
) -> None:
    data = (corpus(shared_dir) / name).read_bytes()
    out, err = decode(data, "gzip", 1_000_000, 4096)
    assert err is not None and err.code == "truncated"
    assert "ended before its end marker" in err.detail
    assert out  # what came before the cut decoded correctly
    if name == "unexpected-eof.gz":  # the corpus's reference output (stored latin-1 -> UTF-8)
        ref = (corpus(shared_dir) / "unexpected-eof-output.txt").read_bytes()
        assert out.decode("latin-1").encode("utf-8") == ref


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bombs_stop_at_the_cap(shared_dir: Path, name: str) -> None:
    data = (corpus(shared_dir) / name).read_bytes()
    full = {
        "gzip": gzip.decompress,
        "deflate": zlib.decompress,
        "br": brotli.decompress,
        "zstd": lambda b: zstandard.ZstdDecompressor().decompressobj().decompress(b),
    }[BOMBS[name]](data)
    assert len(full) == BOMB_SIZE
    out, err = decode(data, BOMBS[name], 100_000, 65536)
    assert err is not None and err.code == "too_large"
    assert len(out) <= 100_000


def test_bad_crc_is_a_decode_error() -> None:
    good = gzip.compress(b"hello world " * 100)
    bad = good[:-8] + bytes([good[-8] ^ 0xFF]) + good[-7:]
    _, err = decode(bad, "gzip", 1_000_000, 7)
    assert err is not None and err.code == "decode"
    assert "corrupt" in err.detail


def test_garbage_and_unknown_encodings_are_clear_errors() -> None:
    _, err = decode(b"this is not gzip at all", "gzip", 1_000, 100)
    assert err is not None and err.code == "decode"
    with pytest.raises(DecodeError) as info:
        StreamDecoder(["compress"], 1_000)
    assert info.value.code == "unsupported_encoding"


def test_concatenated_gzip_members_are_one_body() -> None:
    data = gzip.compress(b"first ") + gzip.compress(b"second")
    out, err = decode(data, "gzip", 1_000, 3)
    assert err is None and out == b"first second"


def test_identity_and_empty_bodies() -> None:
    assert parse_encodings("identity") == []
    assert decode(b"plain", "", 10, 2) == (b"plain", None)
    assert decode(b"", "gzip", 10, 2) == (b"", None)
    _, err = decode(b"x" * 11, "", 10, 4)
    assert err is not None and err.code == "too_large"
