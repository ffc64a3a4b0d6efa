"""The web app's people in the store: accounts and their roles, sessions, failed logins.

Sessions live here rather than in a signed cookie, so that any replica serves any request,
a logout or a removed account ends them at once, and the cookie carries nothing but a
random token (of which only the SHA-256 is kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, func, insert, select, update

from connector.accounts import Person, Role
from connector.errors import ConfigError
from connector.store import schema as t
from connector.store._base import StoreBase

__all__ = ["AccountsMixin", "SessionRecord"]


@dataclass(frozen=True, slots=True)
class SessionRecord:
    person: Person
    csrf: str
    expires_at: datetime
    language: str | None


class AccountsMixin(StoreBase):
    # --- accounts ------------------------------------------------------------------------
    def add_person(self, login: str, name: str, password_hash: str) -> None:
        with self._tx() as conn:
            if self._password_hash(conn, login) is not None:
                raise ConfigError(
                    f"there is already an account {login!r}",
                    hint="give it a role with `relance users add LOGIN --tenant T --role R`",
                )
            conn.execute(
                insert(t.web_users).values(
                    login=login, name=name, password_hash=password_hash, created_at=self._now()
                )
            )

    def set_password_hash(self, login: str, password_hash: str) -> None:
        with self._tx() as conn:
            c = t.web_users.c
            done = conn.execute(
                update(t.web_users).where(c.login == login).values(password_hash=password_hash)
            )
            if done.rowcount != 1:
                raise ConfigError(f"no account {login!r}", hint="`relance users list` lists them")
            # a new password ends the sessions opened with the old one
            conn.execute(delete(t.web_sessions).where(t.web_sessions.c.login == login))

    def grant(self, login: str, tenant: str, role: Role) -> None:
        with self._tx() as conn:
            self._require_tenant(conn, tenant)
            c = t.web_roles.c
            conn.execute(delete(t.web_roles).where(c.login == login, c.tenant == tenant))
            conn.execute(insert(t.web_roles).values(login=login, tenant=tenant, role=role.value))

    def revoke(self, login: str, tenant: str) -> bool:
        with self._tx() as conn:
            c = t.web_roles.c
            return (
                conn.execute(
                    delete(t.web_roles).where(c.login == login, c.tenant == tenant)
                ).rowcount
                > 0
            )

    def remove_person(self, login: str) -> bool:
        """The account, its roles and its sessions; False if there was none."""
        with self._tx() as conn:
            conn.execute(delete(t.web_sessions).where(t.web_sessions.c.login == login))
            conn.execute(delete(t.web_roles).where(t.web_roles.c.login == login))
            return (
                conn.execute(delete(t.web_users).where(t.web_users.c.login == login)).rowcount > 0
            )

    def people(self, tenant: str | None = None) -> list[Person]:
        """Every account (with ``tenant``: those with a role in it), by login."""
        with self._engine.connect() as conn:
            users = conn.execute(select(t.web_users.c.login, t.web_users.c.name)).all()
            roles = self._roles(conn, None)
        found = [Person(login, name, roles.get(login, {})) for login, name in users]
        if tenant is not None:
            found = [p for p in found if tenant in p.roles]
        return sorted(found, key=lambda p: p.login)

    def person(self, login: str) -> tuple[Person, str] | None:
        """The account and its password hash, or None."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(t.web_users.c.name, t.web_users.c.password_hash).where(
                    t.web_users.c.login == login
                )
            ).first()
            if row is None:
                return None
            return Person(
                login, row.name, self._roles(conn, login).get(login, {})
            ), row.password_hash

    def _password_hash(self, conn: Connection, login: str) -> str | None:
        c = t.web_users.c
        return conn.execute(select(c.password_hash).where(c.login == login)).scalar()

    def _roles(self, conn: Connection, login: str | None) -> dict[str, dict[str, Role]]:
        query = select(t.web_roles.c.login, t.web_roles.c.tenant, t.web_roles.c.role)
        if login is not None:
            query = query.where(t.web_roles.c.login == login)
        found: dict[str, dict[str, Role]] = {}
        for who, tenant, role in conn.execute(query):
            found.setdefault(who, {})[tenant] = Role(role)
        return found

    # --- sessions ------------------------------------------------------------------------
    def open_session(
        self, token_hash: str, login: str, csrf: str, lifetime: timedelta, language: str | None
    ) -> None:
        now = self._now()
        with self._tx() as conn:
            conn.execute(delete(t.web_sessions).where(t.web_sessions.c.expires_at < now))
            conn.execute(
                insert(t.web_sessions).values(
                    token_hash=token_hash,
                    login=login,
                    csrf=csrf,
                    created_at=now,
                    seen_at=now,
                    expires_at=now + lifetime,
                    language=language,
                )
            )

    def session(self, token_hash: str, idle: timedelta) -> SessionRecord | None:
        """The session behind a cookie, if it is still valid: not past its end, and used
        within ``idle``. Seeing it counts as using it."""
        now = self._now()
        c = t.web_sessions.c
        with self._tx() as conn:
            row = conn.execute(select(t.web_sessions).where(c.token_hash == token_hash)).first()
            if row is None or row.login is None:
                return None
            if row.expires_at <= now or row.seen_at + idle <= now:
                conn.execute(delete(t.web_sessions).where(c.token_hash == token_hash))
                return None
            if now - row.seen_at > timedelta(minutes=1):  # one write a minute, not per request
                conn.execute(
                    update(t.web_sessions).where(c.token_hash == token_hash).values(seen_at=now)
                )
            name = conn.execute(
                select(t.web_users.c.name).where(t.web_users.c.login == row.login)
            ).scalar_one()
            roles = self._roles(conn, row.login).get(row.login, {})
        return SessionRecord(Person(row.login, name, roles), row.csrf, row.expires_at, row.language)

    def set_session_language(self, token_hash: str, language: str | None) -> None:
        with self._tx() as conn:
            c = t.web_sessions.c
            conn.execute(
                update(t.web_sessions).where(c.token_hash == token_hash).values(language=language)
            )

    def close_session(self, token_hash: str) -> None:
        with self._tx() as conn:
            conn.execute(delete(t.web_sessions).where(t.web_sessions.c.token_hash == token_hash))

    # --- failed logins -------------------------------------------------------------------
    def login_failed(self, login: str, address: str) -> None:
        with self._tx() as conn:
            conn.execute(
                insert(t.web_login_failures).values(login=login, address=address, at=self._now())
            )

    def login_failures(self, login: str, address: str, within: timedelta) -> Mapping[str, int]:
        """How many logins failed within ``within``, for this login and from this address."""
        since = self._now() - within
        c = t.web_login_failures.c
        with self._tx() as conn:
            conn.execute(delete(t.web_login_failures).where(c.at < self._now() - 2 * within))
            by_login = conn.execute(
                select(func.count()).where(c.login == login, c.at >= since)
            ).scalar_one()
            by_address = conn.execute(
                select(func.count()).where(c.address == address, c.at >= since)
            ).scalar_one()
        return {"login": int(by_login), "address": int(by_address)}

    def login_succeeded(self, login: str) -> None:
        with self._tx() as conn:
            c = t.web_login_failures.c
            conn.execute(delete(t.web_login_failures).where(c.login == login))
