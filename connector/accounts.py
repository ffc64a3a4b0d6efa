"""The people who use the web app: local accounts, a role per tenant, passwords.

A role is given per tenant, so an accountant may manage one client's file and only read
another's. What each role may do:

* ``viewer`` reads everything of the tenant and decides nothing;
* ``user`` also carries out the day's work: approves, holds, skips or edits what goes out,
  records a call, a promise, a dispute, a payment plan, a pause;
* ``manager`` also changes the tenant's policy, identity and connection, and its people.

Passwords are kept as argon2id hashes (argon2-cffi, with its parameters inside the hash, so
a hash made with older parameters is re-made at the next login); the password itself is
never stored nor logged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from connector.errors import ConfigError

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "Person",
    "Role",
    "check_login",
    "check_password",
    "hash_password",
    "password_matches",
    "rehash_wanted",
]

MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,199}$")


class Role(StrEnum):
    VIEWER = "viewer"
    USER = "user"
    MANAGER = "manager"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """Whether this role may do what ``needed`` may (a manager may all a user may)."""
        return self.rank >= needed.rank


@dataclass(frozen=True, slots=True)
class Person:
    login: str
    name: str
    roles: Mapping[str, Role] = field(default_factory=dict)  # tenant slug -> role

    def role_in(self, tenant: str) -> Role | None:
        return self.roles.get(tenant)


def check_login(login: str) -> str:
    """The login as stored (lower case), or a ConfigError saying what is allowed."""
    cleaned = login.strip().lower()
    if not _LOGIN.match(cleaned):
        raise ConfigError(
            f"{login!r} cannot be a login",
            hint="use letters, digits and . _ @ + - (an e-mail address works), at most 200",
        )
    return cleaned


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError(
            f"the password is too short ({len(password)} characters)",
            hint=f"choose one of at least {MIN_PASSWORD_LENGTH} characters (a phrase works)",
        )
    return password


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def rehash_wanted(stored_hash: str) -> bool:
    try:
        return _HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
