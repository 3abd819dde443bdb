"""Ingestion limits: documented defaults, environment overrides, clear errors."""

import pytest

from pop_pipeline.ingest.limits import IngestLimits


def test_defaults_and_environment_overrides(monkeypatch):
    defaults = IngestLimits.from_env()
    assert (defaults.max_line_bytes, defaults.max_record_bytes) == (16 * 2**20, 2**20)
    assert (defaults.max_text_chars, defaults.max_media_bytes) == (25_000, 50 * 2**20)
    monkeypatch.setenv("POP_INGEST_MAX_MEDIA_BYTES", "1234")
    monkeypatch.setenv("POP_INGEST_MAX_TEXT_CHARS", " 99 ")
    limits = IngestLimits.from_env()
    assert (limits.max_media_bytes, limits.max_text_chars) == (1234, 99)
    assert limits.max_line_bytes == defaults.max_line_bytes


def test_bad_values_are_clear_errors(monkeypatch):
    monkeypatch.setenv("POP_INGEST_MAX_LINE_BYTES", "lots")
    with pytest.raises(ValueError, match="POP_INGEST_MAX_LINE_BYTES must be an integer"):
        IngestLimits.from_env()
    with pytest.raises(ValueError, match="max_record_bytes must be positive"):
        IngestLimits(max_record_bytes=0)
