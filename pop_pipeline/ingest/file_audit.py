"""One ``raw_files`` row: a file read from the drop, checked against the manifest's sha256."""

from __future__ import annotations

from typing import Any


def audit_row(path: str, size: int, sha256: str, expected: dict[str, Any]) -> dict[str, Any]:
    """The audit of ``path`` (``size`` bytes, digest ``sha256``) against ``expected``, the
    manifest's sha256 per path (empty without a manifest)."""
    wanted = expected.get(path)
    if not expected:
        status = "no_manifest"
    elif wanted is None:
        status = "not_in_manifest"
    else:
        status = "ok" if wanted == sha256 else "sha256_mismatch"
    return {
        "path": path,
        "bytes": size,
        "sha256": sha256,
        "expected_sha256": wanted,
        "status": status,
    }
