"""World time: integer milliseconds since the Unix epoch, formatted like the Twitter API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

MS_PER_HOUR = 3_600_000
MS_PER_DAY = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def parse_iso_ms(text: str) -> int:
    """Milliseconds since the epoch of an ISO 8601 time (naive times are taken as UTC)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return datetime_to_ms(moment)


def datetime_to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of a datetime (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def iso_ms(ms: int) -> str:
    """``2026-03-01T14:05:09.000Z`` for a time in epoch milliseconds."""
    moment = _EPOCH + timedelta(milliseconds=int(ms))
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ms) % 1000:03d}Z"
