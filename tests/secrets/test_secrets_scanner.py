"""The scanner the audit relies on finds a secret in every form it claims to, and the known
secrets look like real ones (so the kit treats them as it treats real secrets)."""

from __future__ import annotations

import base64
import html
import json
from urllib.parse import quote, urlencode

from mturklink_helpers.credentials import check_key


def test_known_secrets_are_valid_distinct_and_share_the_stem(secret_tools, audit_seed):
    secrets = [secret_tools.known_secret(audit_seed, n) for n in range(100)]
    assert len(set(secrets)) == 100
    for secret in secrets:
        check_key("AKIAIOSFODNN7EXAMPLE", secret)  # 40 characters a secret may hold
        assert secret.startswith(secret_tools.known_stem(audit_seed))
    assert "/" in secrets[0] and "+" in secrets[0]


def test_scanner_finds_every_form_and_any_piece_of_18_characters(secret_tools, audit_seed):
    secret = secret_tools.known_secret(audit_seed, 7)
    scanner = secret_tools.Scanner([secret_tools.known_stem(audit_seed)])
    forms = [
        secret, f"key={secret}", quote(secret, safe=""),
        quote(secret, safe="").replace("%2F", "%2f").replace("%2B", "%2b"),
        urlencode({"s": secret}), json.dumps({"s": secret}), json.dumps(secret).replace("/", "\\/"),
        json.dumps(secret).replace("/", "\\u002f").replace("+", "\\u002b"),
        html.escape(secret), secret.replace("/", "&#x2F;").replace("+", "&#43;"),
        *(base64.b64encode(pad.encode() + secret.encode()).decode() for pad in ("", "x", "xy")),
        base64.urlsafe_b64encode(b"z" + secret.encode()).decode(),
        secret.encode("utf-16-le"), secret[3:19], secret[22:40],  # any 18 characters
    ]
    for form in forms:
        assert scanner.find(form), form
    widget_buffer = {"buffers": [{"encoding": "base64", "path": ["value"],
                                  "data": base64.b64encode(b"\x00\x01" + secret.encode()).decode()}]}
    assert scanner.find_in_json(json.loads(json.dumps(widget_buffer)))
    # Shorter pieces and other secrets are not findings: the check is exact, not fuzzy.
    assert not scanner.find(secret[:15]) and not scanner.find(secret[25:])
    assert not scanner.find(secret_tools.known_secret(audit_seed + "other", 7))
