"""Link tokens: random, URL-safe, and stored only as hashes where they identify one person."""

from __future__ import annotations

import hashlib
import re
import secrets

# 24 random bytes is 192 bits, comfortably over the 128-bit floor, and 32 URL-safe characters.
TOKEN_BYTES = 24
# \Z, not $: a trailing newline is not part of any token.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32}\Z")
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}\Z")


def new_token() -> str:
    """Return a fresh link token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """Return the hex SHA-256 under which a token is stored; tokens are random, so no salt."""
    return hashlib.sha256(token.encode()).hexdigest()


def well_formed(token: str) -> bool:
    """Return whether a token could be one of ours, so junk never reaches the database."""
    return bool(TOKEN_PATTERN.match(token))


def new_nonce() -> str:
    """Return a submission nonce: one per rendered pulse, so a retry cannot store twice."""
    return secrets.token_urlsafe(16)


def nonce_ok(nonce: str) -> bool:
    """Return whether a nonce has the shape new_nonce gives."""
    return bool(NONCE_PATTERN.match(nonce))
