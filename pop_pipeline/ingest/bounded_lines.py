"""Split a byte stream into lines without ever holding more than one line's limit in memory.

A line longer than the limit is not kept: the splitter keeps its first bytes as an excerpt, skips
to the next newline counting the bytes, and yields it as oversized so the reader can quarantine
it and go on with the next line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class RawLine:
    """One line (without its ``\\n`` or ``\\r\\n``): its bytes, or only an excerpt if oversized."""

    number: int
    data: bytes | None  # None when the line was longer than the limit
    excerpt: bytes  # the first bytes, bounded
    size: int  # the line's full length in bytes

    @property
    def oversized(self) -> bool:
        return self.data is None


def iter_bounded_lines(
    chunks: Iterable[bytes], max_line_bytes: int, excerpt_bytes: int
) -> Iterator[RawLine]:
    """Yield every line of ``chunks`` (numbered from 1); a final line without ``\\n`` counts."""
    buffer = bytearray()
    excerpt = b""
    skipped = 0  # bytes of the current line dropped; > 0 means the line is oversized
    number = 0
    for chunk in chunks:
        start = 0
        while start <= len(chunk):
            newline = chunk.find(b"\n", start)
            end = len(chunk) if newline < 0 else newline
            piece = chunk[start:end]
            if skipped:
                skipped += len(piece)
            else:
                buffer += piece
                if len(buffer) > max_line_bytes:
                    excerpt, skipped = bytes(buffer[:excerpt_bytes]), len(buffer)
                    buffer.clear()
            if newline < 0:
                break
            number += 1
            yield _line(number, buffer, excerpt, skipped, excerpt_bytes)
            buffer.clear()
            excerpt, skipped = b"", 0
            start = newline + 1
    if buffer or skipped:
        yield _line(number + 1, buffer, excerpt, skipped, excerpt_bytes)


def _line(number: int, buffer: bytearray, excerpt: bytes, skipped: int, limit: int) -> RawLine:
    if skipped:
        return RawLine(number, None, excerpt, skipped)
    data = bytes(buffer[:-1] if buffer.endswith(b"\r") else buffer)
    return RawLine(number, data, data[:limit], len(data))


def iter_whole_file(
    chunks: Iterable[bytes], max_bytes: int, excerpt_bytes: int
) -> Iterator[RawLine]:
    """The whole stream as one line numbered 1 (nothing if blank), or an excerpt if oversized."""
    data: bytearray | None = bytearray()
    excerpt = b""
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if data is not None:
            data += chunk
            if len(data) > max_bytes:
                excerpt, data = bytes(data[:excerpt_bytes]), None
    if data is None:
        yield RawLine(1, None, excerpt, size)
    elif data.strip():
        yield RawLine(1, bytes(data), bytes(data[:excerpt_bytes]), size)
