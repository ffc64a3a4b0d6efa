"""Settings > Users: the people with a role in this company; a manager adds an account,
changes a role or takes it away, with the store's methods ``relance users`` uses. The last
manager of a company cannot lose that role (nobody could manage it from the app then)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from connector.accounts import Role, check_login, check_password, hash_password
from connector.errors import RelanceError
from connector.web.pages.settings import MANAGER_POST, audit, settings_page
from connector.web.security import Access, context_of, tenant_access

__all__ = ["router"]

router = APIRouter()


def _(text: str) -> str:
    return text


def _show(
    request: Request,
    access: Access,
    *,
    saved: str | None = None,
    problems: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    people = context_of(request).store.people(access.tenant.slug)
    return settings_page(
        request,
        access,
        "users",
        people=[(p, p.roles[access.tenant.slug]) for p in people],
        roles=list(Role),
        saved=saved,
        problems=problems,
        values=values or {"role": Role.USER.value},
        status_code=status_code,
    )


@router.get("/t/{tenant}/settings/users")
def users(request: Request, access: Annotated[Access, Depends(tenant_access())]) -> Response:
    done = request.query_params.get("done")
    saved = {
        "added": _("Account created."),
        "role": _("Role changed."),
        "removed": _("Role removed."),
    }.get(done or "")
    return _show(request, access, saved=saved)


@router.post("/t/{tenant}/settings/users")
async def add(request: Request, access: Annotated[Access, Depends(MANAGER_POST)]) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    store = context_of(request).store
    problems: dict[str, str] = {}
    login = name = password = ""
    try:
        login = check_login(form.get("login", ""))
    except RelanceError as exc:
        problems["login"] = exc.message
    name = " ".join(form.get("name", "").split())
    try:
        password = check_password(form.get("password", ""))
    except RelanceError as exc:
        problems["password"] = exc.message
    try:
        role = Role(form.get("role", ""))
    except ValueError:
        problems["role"] = _("viewer, user or manager")
        role = Role.VIEWER
    if not problems and store.person(login) is not None:
        problems["login"] = _("This login is taken: choose another one.")
    if problems:
        values = {"login": form.get("login", ""), "name": name, "role": form.get("role", "")}
        return _show(request, access, problems=problems, values=values, status_code=400)
    store.add_person(login, name or login, hash_password(password))
    store.grant(login, access.tenant.slug, role)
    audit(request, access, "users", login=login, role=role.value, change="added")
    return RedirectResponse(f"/t/{access.tenant.slug}/settings/users?done=added", status_code=303)


def _last_manager(request: Request, access: Access, login: str) -> bool:
    managers = [
        p.login
        for p in context_of(request).store.people(access.tenant.slug)
        if p.roles.get(access.tenant.slug) is Role.MANAGER
    ]
    return managers == [login]


@router.post("/t/{tenant}/settings/users/role")
async def change_role(
    request: Request, access: Annotated[Access, Depends(MANAGER_POST)]
) -> Response:
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    login, wanted = form.get("login", ""), form.get("role", "")
    store = context_of(request).store
    person = next((p for p in store.people(access.tenant.slug) if p.login == login), None)
    if person is None:  # no role in this company: as if there were no such account
        return _show(
            request, access, problems={"": _("No such person in this company.")}, status_code=404
        )
    current = person.roles[access.tenant.slug]
    if wanted != "none":
        try:
            role = Role(wanted)
        except ValueError:
            return _show(
                request, access, problems={"": _("viewer, user or manager")}, status_code=400
            )
    else:
        role = None
    if (
        current is Role.MANAGER
        and role is not Role.MANAGER
        and _last_manager(request, access, login)
    ):
        return _show(
            request,
            access,
            problems={
                "": _(
                    "The company’s last manager keeps that role: make someone else manager first."
                )
            },
            status_code=400,
        )
    if role is None:
        store.revoke(login, access.tenant.slug)
        audit(request, access, "users", login=login, role=None, change="removed")
        done = "removed"
    else:
        store.grant(login, access.tenant.slug, role)
        audit(request, access, "users", login=login, role=role.value, change="role")
        done = "role"
    return RedirectResponse(f"/t/{access.tenant.slug}/settings/users?done={done}", status_code=303)
