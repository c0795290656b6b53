"""Personal data at rest: AES-GCM with a key ring, so keys can rotate.

A ciphertext names the key that made it (`v1:<key id>:<nonce+ciphertext, base64>`), so
old records stay readable after a new key becomes current; `rotate` re-encrypts one
value under the current key. Keys come from settings (`PII_KEYS` as JSON
`{"key-id": "<32 bytes, urlsafe base64>"}`, `PII_CURRENT_KEY`), never from code. The
built-in development key exists only so a local run works; deployments set their own.
"""

from __future__ import annotations

import base64
import json
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

DEVELOPMENT_KEYS = {"dev-1": base64.urlsafe_b64encode(b"local-development-only-key-32byt").decode()}
PREFIX = "v1"


class PersonalDataCipher:
    def __init__(self, keys: dict[str, str], current_key_id: str) -> None:
        if current_key_id not in keys:
            raise ValueError(f"the current key {current_key_id!r} is not among the keys")
        self._keys = {key_id: AESGCM(base64.urlsafe_b64decode(key)) for key_id, key in keys.items()}
        self._current = current_key_id

    @classmethod
    def from_settings(cls, keys_json: str | None, current_key_id: str | None) -> PersonalDataCipher:
        if not keys_json:
            return cls(DEVELOPMENT_KEYS, "dev-1")
        keys = json.loads(keys_json)
        return cls(keys, current_key_id or next(iter(keys)))

    def encrypt(self, plaintext: str, *, context: str = "") -> str:
        """`context` binds the ciphertext to its record (e.g. the stay id): a value
        copied onto another record does not decrypt there."""
        nonce = os.urandom(12)
        sealed = self._keys[self._current].encrypt(nonce, plaintext.encode(), context.encode())
        return f"{PREFIX}:{self._current}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, context: str = "") -> str:
        prefix, key_id, payload = token.split(":", 2)
        if prefix != PREFIX or key_id not in self._keys:
            raise ValueError("unknown ciphertext format or key")
        raw = base64.urlsafe_b64decode(payload)
        return self._keys[key_id].decrypt(raw[:12], raw[12:], context.encode()).decode()

    def rotate(self, token: str, *, context: str = "") -> str:
        return self.encrypt(self.decrypt(token, context=context), context=context)


def mask(value: str, keep_last: int = 4) -> str:
    """Shows only the last characters: 110105********002X -> **************002X."""
    visible = value[-keep_last:] if keep_last else ""
    return "*" * max(len(value) - len(visible), 0) + visible
