"""The signing key and what it signs: personal links, approval codes, system wake-ups, survey links.

Links and wake-ups are itsdangerous tokens (HMAC-SHA256 over a JSON payload, each kind with its
own salt, so a wake-up never passes for a link). Codes are short strings for people who type
them (Prefect UI form, CLI), made from the key and the grant they stand for, so the sender can
make them again at delivery and nothing stores them; only their HMAC is stored, to find the
grant a typed code names. The database alone cannot answer in anyone's name. The key never
appears in a log, a message or an exception.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from base64 import b64encode, urlsafe_b64encode
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer

from partnerflow.secret_files import read_or_create_secret
from partnerflow.settings import Settings

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I: read aloud and retyped
CODE_LENGTH = 10
WAKE_MAX_AGE_SECONDS = 7 * 24 * 3600
WAKE_PREFIX = "wake."
# What itsdangerous makes: URL-safe base64 without padding, dots between the parts. Its decoder
# is lenient (a trailing "=" or non-ASCII noise still opened a link), so a token is first held
# to exactly that alphabet and to a length no token of ours reaches.
TOKEN_SYNTAX = re.compile(r"[A-Za-z0-9_.-]{1,512}")


@dataclass(frozen=True)
class LinkClaim:
    """What a valid personal link says: which grant, for whom, for which request."""

    grant_id: int
    person_id: int
    request_id: int


class Keys:
    """Signs and checks everything that proves who answers (one instance per process)."""

    def __init__(self, secret: str) -> None:
        if len(secret) < 16:
            raise ValueError("the secret key must be at least 16 characters long")
        self._secret = secret.encode()
        self._links = URLSafeSerializer(secret, salt="partnerflow.approval-link")
        self._wakes = URLSafeTimedSerializer(secret, salt="partnerflow.wake-up")
        self._surveys = URLSafeSerializer(secret, salt="partnerflow.survey-link")
        self._exits = URLSafeSerializer(secret, salt="partnerflow.exit-survey-link")
        self._referrals = URLSafeSerializer(secret, salt="partnerflow.referral-link")
        self._leads = URLSafeSerializer(secret, salt="partnerflow.lead-link")
        self._sign_ins = URLSafeTimedSerializer(secret, salt="partnerflow.sign-in-link")
        self._sessions = URLSafeTimedSerializer(secret, salt="partnerflow.inbox-session")
        self._reports = URLSafeTimedSerializer(secret, salt="partnerflow.report-link")

    def __repr__(self) -> str:
        return "Keys(<secret>)"

    def link_token(self, claim: LinkClaim) -> str:
        return self._links.dumps([claim.grant_id, claim.person_id, claim.request_id])

    def read_link(self, token: str) -> LinkClaim | None:
        """The claim of a link signed with this key, or None (tampered, truncated, another key)."""
        payload = _opened(self._links, token)
        if not (isinstance(payload, list) and len(payload) == 3 and all(type(v) is int for v in payload)):
            return None
        return LinkClaim(*payload)

    def survey_token(self, invitation_id: int) -> str:
        """A partner contact's survey link: it names the invitation, never an answer."""
        return self._surveys.dumps(invitation_id)

    def read_survey(self, token: str) -> int | None:
        """The invitation a survey link names, or None (tampered, truncated, another key)."""
        payload = _opened(self._surveys, token)
        return payload if type(payload) is int else None

    def exit_token(self, invitation_id: int) -> str:
        """A leaving partner's link to the exit survey (another salt: never a survey link)."""
        return self._exits.dumps(invitation_id)

    def read_exit(self, token: str) -> int | None:
        payload = _opened(self._exits, token)
        return payload if type(payload) is int else None

    def referral_token(self, invitation_id: int) -> str:
        """A sponsor's referral link: the page where the companies it refers leave their details."""
        return self._referrals.dumps(invitation_id)

    def read_referral(self, token: str) -> int | None:
        payload = _opened(self._referrals, token)
        return payload if type(payload) is int else None

    def lead_token(self, turn_id: int, contact_id: int) -> str:
        """A reseller contact's link to one lead it was offered: names the turn and the contact
        (the page checks the contact still belongs to the turn's reseller)."""
        return self._leads.dumps([turn_id, contact_id])

    def read_lead(self, token: str) -> tuple[int, int] | None:
        payload = _opened(self._leads, token)
        if not (isinstance(payload, list) and len(payload) == 2 and all(type(v) is int for v in payload)):
            return None
        return payload[0], payload[1]

    def sign_in_token(self, link_id: int, nonce: str) -> str:
        """A magic sign-in link: names the stored link and carries its one-time nonce."""
        return self._sign_ins.dumps([link_id, nonce])

    def read_sign_in(self, token: str, max_age: int) -> tuple[int, str] | None:
        """The link id and nonce of a sign-in link younger than ``max_age`` seconds, or None."""
        payload = _opened(self._sign_ins, token, max_age=max_age)
        if not (isinstance(payload, list) and len(payload) == 2 and type(payload[0]) is int):
            return None
        return payload[0], str(payload[1])

    def session_token(self, person_id: int, link_id: int) -> str:
        """The inbox's session cookie: the person and the sign-in link that opened the session
        (the server ends it there at sign-out), signed with its time of issue."""
        return self._sessions.dumps([person_id, link_id])

    def read_session(self, token: str, max_age: int) -> tuple[int, int] | None:
        """(person id, sign-in link id) of a session cookie younger than ``max_age`` seconds."""
        payload = _opened(self._sessions, token, max_age=max_age)
        if not (isinstance(payload, list) and len(payload) == 2 and all(type(v) is int for v in payload)):
            return None
        return payload[0], payload[1]

    def report_token(self, name: str) -> str:
        """A link to one report file (its name under the reports directory), dated: it expires."""
        return self._reports.dumps(name)

    def read_report(self, token: str, max_age: int) -> str | None:
        """The report's file name of a link younger than ``max_age`` seconds, or None."""
        payload = _opened(self._reports, token, max_age=max_age)
        return payload if isinstance(payload, str) else None

    def grant_code(self, request_id: int, person_id: int) -> str:
        """The code of a person's grant for a request: 10 characters of 32 (50 bits), shown as
        XXXXX-XXXXX, made from the key (each byte of the MAC picks one of 32 letters: uniform)."""
        mac = self._mac(f"approval-code:{request_id}:{person_id}")
        raw = "".join(CODE_ALPHABET[byte % len(CODE_ALPHABET)] for byte in mac[:CODE_LENGTH])
        return f"{raw[:5]}-{raw[5:]}"

    def sign_in_nonce(self, link_id: int) -> str:
        """The one-time part of a sign-in link, made from the key (only its digest is stored)."""
        return urlsafe_b64encode(self._mac(f"sign-in-nonce:{link_id}")[:24]).decode()

    def answer_mac(self, facts: list[Any]) -> str:
        """The MAC an answer row carries over what it says (see ``approvals.answer_seal``)."""
        canonical = json.dumps(["approval-answer", *facts], sort_keys=True, separators=(",", ":"))
        return self._mac(canonical).hex()

    def audit_seal_mac(self, last_event_id: int, chain_hash: str) -> str:
        """The MAC of an audit seal (see ``partnerflow.audit_chain``)."""
        return self._mac(f"audit-seal:{last_event_id}:{chain_hash}").hex()

    def webhook_secret(self, endpoint_id: int, generation: int) -> str:
        """An endpoint's signing secret (Standard Webhooks' ``whsec_`` form), made from the key:
        shown once to the partner's admin, made again at each delivery, stored nowhere."""
        return "whsec_" + b64encode(self._mac(f"webhook-secret:{endpoint_id}:{generation}")).decode()

    def _mac(self, message: str) -> bytes:
        return hmac.new(self._secret, message.encode(), hashlib.sha256).digest()

    def api_key_digest(self, presented: str) -> str:
        """The stored form of an API key: keyed, so a copy of the database checks nothing."""
        return hmac.new(self._secret, f"api-key:{presented}".encode(), hashlib.sha256).hexdigest()

    def code_digest(self, code: str) -> str:
        """The stored form of a code; case, spaces and dashes do not matter when typed."""
        normal = "".join(char for char in code.upper() if char.isalnum())
        return hmac.new(self._secret, normal.encode(), hashlib.sha256).hexdigest()

    def wake_token(self, flow_run_id: str) -> str:
        """What partnerflow sends to wake a waiting run: signed, bound to that run, expiring."""
        return WAKE_PREFIX + self._wakes.dumps(str(flow_run_id))

    def is_wake_for(self, token: str, flow_run_id: str) -> bool:
        if not token.startswith(WAKE_PREFIX):
            return False
        payload = _opened(self._wakes, token[len(WAKE_PREFIX) :], max_age=WAKE_MAX_AGE_SECONDS)
        return payload is not None and payload == str(flow_run_id)


def _opened(
    serializer: URLSafeSerializer | URLSafeTimedSerializer, token: str, max_age: int | None = None
) -> Any:
    """The payload of a token signed by ``serializer`` (and younger than ``max_age`` seconds for a
    timed one), or None: altered, truncated, another key, or not of the token syntax at all."""
    if not TOKEN_SYNTAX.fullmatch(token):
        return None
    try:
        if isinstance(serializer, URLSafeTimedSerializer):
            return serializer.loads(token, max_age=max_age)
        return serializer.loads(token)
    except BadData:
        return None


def keys_for(settings: Settings) -> Keys:
    """The keys of this installation: ``PARTNERFLOW_SECRET_KEY``, or in development a random key
    created once in ``secret_key_file`` (every local process then agrees on it)."""
    if settings.secret_key is not None:
        return Keys(settings.secret_key.get_secret_value())
    return Keys(read_or_create_secret(settings.secret_key_file))
