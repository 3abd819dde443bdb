"""The line splitter keeps at most one line's limit in memory and numbers every line."""

from pop_pipeline.ingest.bounded_lines import iter_bounded_lines, iter_whole_file


def _split(data: bytes, chunk: int, limit: int, excerpt: int = 4) -> list[tuple]:
    chunks = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    return [
        (line.number, line.data, line.excerpt, line.size)
        for line in iter_bounded_lines(chunks, limit, excerpt)
    ]


def test_lines_across_chunk_boundaries_with_crlf_and_a_last_line_without_newline():
    data = b"ab\r\n\ncdef\ngh"
    expected = [
        (1, b"ab", b"ab", 2),
        (2, b"", b"", 0),
        (3, b"cdef", b"cdef", 4),
        (4, b"gh", b"gh", 2),
    ]
    for chunk in (1, 2, 3, 100):
        assert _split(data, chunk, limit=10) == expected


def test_an_oversized_line_keeps_an_excerpt_and_the_next_line_is_read():
    data = b"short\n" + b"x" * 50 + b"\nnext\n"
    for chunk in (1, 7, 1000):
        assert _split(data, chunk, limit=10) == [
            (1, b"short", b"shor", 5),
            (2, None, b"xxxx", 50),
            (3, b"next", b"next", 4),
        ]


def test_an_oversized_last_line_without_newline():
    assert _split(b"ok\n" + b"y" * 30, 8, limit=10) == [
        (1, b"ok", b"ok", 2),
        (2, None, b"yyyy", 30),
    ]


def test_whole_file_within_and_over_the_limit():
    assert [(x.data, x.size) for x in iter_whole_file([b"{", b"}"], 10, 4)] == [(b"{}", 2)]
    over = list(iter_whole_file([b"[" * 8, b"]" * 8], 10, 4))
    assert [(x.data, x.excerpt, x.size) for x in over] == [(None, b"[[[[", 16)]
    assert list(iter_whole_file([b"  \n"], 10, 4)) == []
