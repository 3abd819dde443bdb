"""The one exception type for a user's mistake in calling ``pop``.

Raised where the mistake is detected (an unknown registered model, a missing or unreadable input
file, an invalid ``--users`` or ``--observed-at``, ...); :func:`pop_pipeline.cli.main` prints
``pop <command>: <message>`` on standard error and exits with status 2, without a traceback.
Any other exception is a bug or a failure of the environment and keeps its traceback.
"""

from __future__ import annotations


class UsageError(Exception):
    """A mistake in how a command was called; its message is the one line the user sees."""
