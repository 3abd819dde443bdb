"""Browser-test fixtures: Debian's Chromium (installed when missing) and the artifact folder."""

import os
from pathlib import Path

import pytest

from pop_pipeline_tests.servers.chromium import ChromiumUnavailable, chromium_executable

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable Playwright launches; skips, saying why, when it cannot be had."""
    try:
        return chromium_executable()
    except ChromiumUnavailable as reason:
        pytest.skip(f"no Chromium for the browser test: {reason}")


@pytest.fixture(scope="session")
def test_artifacts() -> Path:
    """Where tests leave files for people to look at: ``$POP_TEST_ARTIFACTS``, else
    ``<repo>/test-artifacts/`` (gitignored)."""
    directory = Path(os.environ.get("POP_TEST_ARTIFACTS") or REPO_ROOT / "test-artifacts")
    directory.mkdir(parents=True, exist_ok=True)
    return directory
