"""Who a partner's caller is and what it may do: API keys (scoped, shown once, stored as a keyed
digest, revocable) and the Idempotency-Key store. The one place the API asks; no route checks a
key or a partner on its own."""

from partnerflow.partner_access.api_keys import (
    SCOPES,
    VENDOR_SCOPES,
    MadeKey,
    api_keys_of,
    key_in_use,
    make_api_key,
    revoke_api_key,
)
from partnerflow.partner_access.idempotency import Mismatch, Replay, claim, remember, request_digest

__all__ = [
    "SCOPES",
    "VENDOR_SCOPES",
    "MadeKey",
    "Mismatch",
    "Replay",
    "api_keys_of",
    "claim",
    "key_in_use",
    "make_api_key",
    "remember",
    "request_digest",
    "revoke_api_key",
]
