"""Streaming Content-Encoding decoders with an output budget.

We decode ourselves (instead of letting httpx do it) so the body cap applies to the
*decompressed* bytes, chunk by chunk: a 30 KB gzip that inflates to 11 MB is cut off at the
cap with bounded memory, and a stream that ends early is reported instead of silently kept.
Every decoder produces at most about `limit` bytes per call no matter how small its input
(zlib and brotli take an output limit; zstd input is fed in slices small enough that its
maximal expansion ratio stays bounded).
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Sequence

import brotli
import zstandard

logger = logging.getLogger(__name__)

OUT_STEP = 64 * 1024  # largest piece a decoder hands back at once
# zstd: a 4-byte RLE block can expand to one 128 KiB block; 16-byte slices bound a call to ~512 KiB
ZSTD_SLICE = 16
GZIP_MAGIC = b"\x1f\x8b"


class DecodeError(Exception):
    """Decoding failed: `code` is "too_large", "truncated", "decode" or "unsupported_encoding"."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class _Budget:
    """Counts one layer's output and refuses to go past its limit."""

    def __init__(self, name: str, limit: int) -> None:
        self.name, self.limit, self.used = name, limit, 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise DecodeError(
                "too_large", f"{self.name} body exceeds the {self.limit:,}-byte cap once decoded"
            )


class _ZlibDecoder:
    """gzip (possibly multi-member) or deflate; deflate is sniffed as zlib-wrapped or raw."""

    def __init__(self, name: str, budget: _Budget) -> None:
        self.name, self.budget = name, budget
        self._obj: zlib._Decompress | None = None
        self._pending = b""  # deflate: bytes held until the header can be sniffed
        self._in = 0

    def _new(self, head: bytes) -> zlib._Decompress:
        if self.name == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        cmf_flg = int.from_bytes(head[:2], "big")
        zlib_wrapped = len(head) >= 2 and head[0] & 0x0F == 8 and cmf_flg % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if zlib_wrapped else -zlib.MAX_WBITS)

    def feed(self, data: bytes) -> bytes:
        self._in += len(data)
        if self._obj is None:
            self._pending += data
            if len(self._pending) < 2:
                return b""
            data, self._pending = self._pending, b""
            self._obj = self._new(data)
        elif self._pending:  # a gzip magic split across two chunks
            data, self._pending = self._pending + data, b""
        out = bytearray()
        while True:
            if self._obj.eof:
                if not data:
                    break
                data = self._after_eof(data)
                if not data:
                    break
            try:
                piece = self._obj.decompress(data, OUT_STEP)
            except zlib.error as exc:
                raise DecodeError(
                    "decode", f"{self.name} data is corrupt after {self._in:,} bytes: {exc}"
                ) from exc
            self.budget.take(len(piece))
            out += piece
            data = self._obj.unconsumed_tail
            if self._obj.eof:
                data = self._obj.unused_data + data
            if not data and len(piece) < OUT_STEP:  # a full piece may leave output pending
                break
        return bytes(out)

    def _after_eof(self, rest: bytes) -> bytes:
        """Concatenated gzip members are one body; other trailing bytes are ignored."""
        if self.name == "gzip" and len(rest) < 2 and GZIP_MAGIC.startswith(rest):
            self._pending = rest  # wait for the next chunk to see the whole magic
            return b""
        if self.name == "gzip" and rest[:2] == GZIP_MAGIC:
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
            return rest
        if rest.strip(b"\x00"):
            logger.debug("ignoring %d bytes after the end of the %s stream", len(rest), self.name)
        self._obj = _Finished()  # type: ignore[assignment]
        return b""

    def finish(self) -> bytes:
        if self._obj is None:
            if self._pending:
                raise DecodeError("truncated", f"{self.name} stream ended after 1 byte")
            return b""  # empty body: nothing was encoded
        if not self._obj.eof:
            raise DecodeError(
                "truncated",
                f"{self.name} stream ended before its end marker after {self._in:,} bytes "
                "(transfer cut short or file damaged)",
            )
        return b""


class _Finished:
    """Stands in for a zlib object after the last member: swallows trailing bytes."""

    eof = True
    unused_data = b""
    unconsumed_tail = b""

    def decompress(self, data: bytes, max_length: int = 0) -> bytes:
        return b""


class _BrotliDecoder:
    def __init__(self, budget: _Budget) -> None:
        self.budget, self._obj, self._in = budget, brotli.Decompressor(), 0

    def feed(self, data: bytes) -> bytes:
        self._in += len(data)
        out = bytearray()
        try:
            if self._obj.is_finished():
                return b""
            piece = self._obj.process(data, output_buffer_limit=OUT_STEP)
            while True:
                self.budget.take(len(piece))
                out += piece
                # can_accept_more_data() is True even with output pending: drain until empty
                if not piece or self._obj.is_finished():
                    break
                piece = self._obj.process(b"", output_buffer_limit=OUT_STEP)
        except brotli.error as exc:
            raise DecodeError("decode", f"br data is corrupt after {self._in:,} bytes") from exc
        return bytes(out)

    def finish(self) -> bytes:
        if self._in and not self._obj.is_finished():
            raise DecodeError(
                "truncated", f"br stream ended before its end after {self._in:,} bytes"
            )
        return b""


class _ZstdDecoder:
    def __init__(self, budget: _Budget) -> None:
        self.budget, self._in = budget, 0
        self._dctx = zstandard.ZstdDecompressor()
        self._obj = self._dctx.decompressobj()

    def feed(self, data: bytes) -> bytes:
        self._in += len(data)
        out = bytearray()
        view = memoryview(data)
        try:
            for start in range(0, len(view), ZSTD_SLICE):
                chunk = view[start : start + ZSTD_SLICE]
                if self._obj.eof:  # a new frame follows (concatenated frames are one body)
                    self._obj = self._dctx.decompressobj()
                piece = self._obj.decompress(bytes(chunk))
                self.budget.take(len(piece))
                out += piece
        except zstandard.ZstdError as exc:
            raise DecodeError(
                "decode", f"zstd data is corrupt after {self._in:,} bytes: {exc}"
            ) from exc
        return bytes(out)

    def finish(self) -> bytes:
        if self._in and not self._obj.eof:
            raise DecodeError(
                "truncated", f"zstd stream ended before its frame end after {self._in:,} bytes"
            )
        return b""


class _Identity:
    def __init__(self, budget: _Budget) -> None:
        self.budget = budget

    def feed(self, data: bytes) -> bytes:
        self.budget.take(len(data))
        return data

    def finish(self) -> bytes:
        return b""


def parse_encodings(header: str | None) -> list[str]:
    """Content-Encoding as the ordered list of codings applied ("identity" dropped)."""
    if not header:
        return []
    names = [p.strip().lower() for p in header.split(",")]
    return [n for n in names if n and n != "identity"]


class StreamDecoder:
    """Undoes layered encodings in reverse order; every layer's output is capped at `limit`."""

    SUPPORTED = ("gzip", "x-gzip", "deflate", "br", "zstd")

    def __init__(self, encodings: Sequence[str], limit: int) -> None:
        self.layers: list[_Identity | _ZlibDecoder | _BrotliDecoder | _ZstdDecoder] = []
        for name in reversed(encodings):  # the last coding applied is undone first
            budget = _Budget(name, limit)
            if name in ("gzip", "x-gzip"):
                self.layers.append(_ZlibDecoder("gzip", budget))
            elif name == "deflate":
                self.layers.append(_ZlibDecoder("deflate", budget))
            elif name == "br":
                self.layers.append(_BrotliDecoder(budget))
            elif name == "zstd":
                self.layers.append(_ZstdDecoder(budget))
            else:
                raise DecodeError(
                    "unsupported_encoding", f"Content-Encoding {name!r} is not supported"
                )
        self.layers.append(_Identity(_Budget("decoded", limit)))

    def feed(self, data: bytes) -> bytes:
        for layer in self.layers:
            if not data:
                return b""
            data = layer.feed(data)
        return data

    def finish(self) -> bytes:
        """Flush every layer; raises DecodeError("truncated") when a stream ended early."""
        tail = b""
        for layer in self.layers:
            if tail:
                tail = layer.feed(tail)
            tail += layer.finish()
        return tail
