"""Streaming AES-256-GCM for backup archives, with a key the clinic keeps outside the backup.

Format: a magic line, then chunks of `length (4 bytes) | ciphertext+tag`. Each chunk's nonce
is a random per-file prefix, the chunk's counter and a last-chunk flag, so chunks cannot be
reordered, dropped or the file cut short without decryption failing.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MAGIC = b"MESODESK-BACKUP-1\n"
CHUNK = 1024 * 1024
_PREFIX = 7


class BackupDecryptError(ValueError):
    """The archive is not a mesodesk backup, was altered, cut short, or the key is wrong."""


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def backup_key(raw: str | None = None) -> bytes:
    text = (settings.BACKUP_KEY if raw is None else raw).strip()
    try:
        key = base64.urlsafe_b64decode(text.encode())
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ImproperlyConfigured(
            "Set BACKUP_KEY (or BACKUP_KEY_FILE) to 32 bytes in URL-safe base64; "
            "`manage.py backup --generate-key` prints one. Keep it away from the backups."
        )
    return key


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", counter) + (b"\x01" if last else b"\x00")


class EncryptingWriter:
    """A write-only file object: what is written lands encrypted in `out`; call `close()`."""

    def __init__(self, out: BinaryIO, key: bytes) -> None:
        self._out, self._aead = out, AESGCM(key)
        self._prefix = os.urandom(_PREFIX)
        self._buffer = bytearray()
        self._counter = 0
        self._closed = False
        out.write(MAGIC + self._prefix)

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._counter, last), plain, MAGIC)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        if not self._closed:
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True
            self._out.flush()


def decrypt_chunks(source: BinaryIO, key: bytes) -> Iterator[bytes]:
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupDecryptError("This is not a mesodesk backup.")
    prefix = source.read(_PREFIX)
    aead, counter = AESGCM(key), 0
    header = source.read(4)
    while header:
        if len(header) != 4:
            raise BackupDecryptError("The backup is cut short.")
        (length,) = struct.unpack(">I", header)
        sealed = source.read(length)
        header = source.read(4)
        last = not header
        try:
            yield aead.decrypt(_nonce(prefix, counter, last), sealed, MAGIC)
        except InvalidTag as exc:
            raise BackupDecryptError(
                "The backup cannot be decrypted: wrong key, altered or cut short."
            ) from exc
        counter += 1
    if counter == 0:
        raise BackupDecryptError("The backup is empty.")


class DecryptingReader:
    """A read-only file object over an encrypted archive (for tarfile's stream mode)."""

    def __init__(self, source: BinaryIO, key: bytes) -> None:
        self._chunks = decrypt_chunks(source, key)
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data
