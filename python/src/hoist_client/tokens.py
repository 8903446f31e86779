"""Hoist tokens: HS256 JWTs signed with Hoist's JWT_SECRET, carrying who (sub), which workspace, and until when."""

import time
from typing import Any, Dict, List, Literal, Optional, TypedDict

import jwt


class UploadRules(TypedDict, total=False):
    """What a browser holding the token may upload: Hoist refuses anything else at presign.

    contentTypes: exact types or ``type/*``, within the server's allow-list; maxSize: bytes, below the server's limit;
    metadata: values the browser cannot change (a different one is refused, a missing one filled in);
    visibility: ``"private"`` (or ``"public"``) for every upload of the token, which the browser cannot change."""

    contentTypes: List[str]
    maxSize: int
    metadata: Dict[str, str]
    visibility: Literal["public", "private"]


def mint_token(
    secret: str,
    *,
    sub: str,
    workspace: str,
    ttl_seconds: int = 600,
    upload: Optional[UploadRules] = None,
    role: Optional[str] = None,
) -> str:
    """A token for one user of one workspace, valid for ``ttl_seconds`` (Hoist refuses lifetimes past its
    TOKEN_MAX_LIFETIME_SECONDS, a day by default). Keep it short: the browser asks again when it expires.

    ``role="app"`` makes a token for the app's own backend (it may attach and detach): never give one to a browser."""
    if not isinstance(sub, str) or not sub:
        raise ValueError("sub is the user's id, a non-empty string")
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    now = int(time.time())  # seconds: a JWT's exp in milliseconds would be refused
    claims: Dict[str, Any] = {"sub": sub, "workspace": workspace, "iat": now, "exp": now + ttl_seconds}
    if upload is not None:
        claims["upload"] = dict(upload)
    if role is not None:
        if role != "app":
            raise ValueError('role is "app" (a token for the app\'s backend) or None (a browser\'s token)')
        claims["role"] = role
    return jwt.encode(claims, secret, algorithm="HS256")
