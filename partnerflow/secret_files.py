"""Secrets a development install makes for itself: random, created once, readable by its owner only.

The signing key when ``PARTNERFLOW_SECRET_KEY`` is unset, and the Prefect API's auth string that
``partnerflow up`` requires when ``PREFECT_SERVER_API_AUTH_STRING`` is unset: every local process
then reads the same file and agrees on the secret, which is never printed.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def read_or_create_secret(path: Path) -> str:
    """Read the secret, or create it: written to a private temporary file, then linked into place
    (atomic, and refused if another process linked theirs first, whose secret then wins)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(secrets.token_urlsafe(32))
        try:
            os.link(partial, path)
        except FileExistsError:
            pass
        finally:
            partial.unlink()
    return path.read_text(encoding="utf-8").strip()
