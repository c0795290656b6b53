"""Personal data at rest: AES-GCM with a key ring, so keys can rotate.

A ciphertext names the key that made it (`v2:<key id>:<nonce+ciphertext, base64>`), so
old records stay readable after a new key becomes current; `rotate` re-encrypts one
value under the current key, and shared/reencryption.py does it for whole collections.

A ciphertext is bound to where it lives (issue 15): the associated data is the collection,
the field and the record id (`Binding`), so a value copied onto another record, another
field or another collection does not decrypt there. `v1` ciphertexts (before that) were
bound to the record id only; they still decrypt, and the re-encryption job rewrites them
as `v2`. Keys come from settings (`PII_KEYS` as JSON
`{"key-id": "<32 bytes, urlsafe base64>"}`, `PII_CURRENT_KEY`), never from code. The
built-in development key exists only so a local run works; deployments set their own.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

DEVELOPMENT_KEYS = {"dev-1": base64.urlsafe_b64encode(b"local-development-only-key-32byt").decode()}
PREFIX = "v2"
LEGACY_PREFIX = "v1"  # associated data: the record id only


@dataclass(frozen=True)
class Binding:
    """Where a ciphertext lives: it decrypts there and nowhere else."""

    collection: str
    field: str
    record_id: str

    def associated_data(self) -> bytes:
        return f"{self.collection}|{self.field}|{self.record_id}".encode()


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

    @property
    def current_key_id(self) -> str:
        return self._current

    def encrypt(self, plaintext: str, *, bound: Binding) -> str:
        nonce = os.urandom(12)
        sealed = self._keys[self._current].encrypt(
            nonce, plaintext.encode(), bound.associated_data()
        )
        return f"{PREFIX}:{self._current}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, *, bound: Binding) -> str:
        prefix, key_id, payload = token.split(":", 2)
        if prefix not in (PREFIX, LEGACY_PREFIX) or key_id not in self._keys:
            raise ValueError("unknown ciphertext format or key")
        data = bound.associated_data() if prefix == PREFIX else bound.record_id.encode()
        raw = base64.urlsafe_b64decode(payload)
        return self._keys[key_id].decrypt(raw[:12], raw[12:], data).decode()

    def is_current(self, token: str) -> bool:
        """Made by the current key in the current format: nothing to re-encrypt."""
        return token.startswith(f"{PREFIX}:{self._current}:")

    def rotate(self, token: str, *, bound: Binding) -> str:
        """The value under the current key and format (the same token if it is already)."""
        if self.is_current(token):
            return token
        return self.encrypt(self.decrypt(token, bound=bound), bound=bound)


def mask(value: str, keep_last: int = 4) -> str:
    """Shows only the last characters: 110105********002X -> **************002X."""
    visible = value[-keep_last:] if keep_last else ""
    return "*" * max(len(value) - len(visible), 0) + visible
