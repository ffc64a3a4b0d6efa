"""What a credit manager records on a customer's page, during a call or after it: a promise
to pay, a dispute, no answer, a wrong number, a note, a payment plan, a pause and its end,
and the cancellation of a promise or a plan or the resolution of a dispute.

Each is a POST with the session's CSRF token, for a user or a manager of the tenant (a
viewer gets 403), checked by the same code as the command line (``connector.recording``
and the store), recorded in one transaction with its audit event naming the person
(``by``). A refusal changes nothing and shows on the form, in the person's language; then
the customer is planned again (its next review), as a run would leave it.

A wrong number is noted (the event keeps the number): the page marks that phone as wrong
until the source gives another, so nobody dials it again; relance's own phone tasks go on
listing the source's numbers, since only the source can correct them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from connector.accounts import Role
from connector.errors import RelanceError, StoreError
from connector.model import Customer, Dispute, Pause, ReceivableKind
from connector.recording import explanation, new_id, new_plan, new_promise, parse_amount
from connector.store import EventType
from connector.web.customer_view import replan
from connector.web.i18n import gettext, in_language
from connector.web.pages.customers import customer_url, find_customer, render_customer
from connector.web.security import Access, context_of, tenant_access

__all__ = ["REFUSALS", "router"]

router = APIRouter()
PLAN_ROWS = 6  # instalment rows the form offers


def _(text: str) -> str:
    return text


# connector.recording.MESSAGES, to translate (tests/web check both say the same)
REFUSALS = {
    "not_an_amount": _("%(text)s is not an amount; write it like 1250.50"),
    "not_positive": _("the amount must be positive"),
    "other_customer": _("invoice %(number)s belongs to another customer"),
    "nothing_owed": _("%(name)s owes nothing open in %(currency)s on those invoices"),
    "plan_mismatch": _("the instalments add up to %(planned)s, the invoices to %(covered)s"),
    "no_instalment": _("a payment plan needs at least one instalment"),
    "in_another_plan": _(
        "invoice %(numbers)s is already in payment plan %(other)s (agreed on %(agreed)s): "
        "an invoice is in one live plan only"
    ),
    "already_cancelled": _("%(what)s %(id)s was already cancelled on %(on)s"),
    "cancelled_too_early": _(
        "%(what)s %(id)s dates from %(start)s: it cannot be cancelled on %(on)s"
    ),
}


class Problem(Exception):
    """A form the page itself refuses, its message already in the person's language."""


@dataclass(frozen=True, slots=True)
class Call:
    """One POST: who, on which customer, what they sent, on which day."""

    request: Request
    access: Access
    customer: Customer
    form: FormData
    today: date

    @property
    def by(self) -> str:
        return self.access.person.login

    @property
    def tenant(self) -> str:
        return self.access.tenant.slug

    def text(self, name: str) -> str:
        value = self.form.get(name)
        return value.strip()[:2000] if isinstance(value, str) else ""

    def texts(self, name: str) -> list[str]:
        return [v.strip() for v in self.form.getlist(name) if isinstance(v, str) and v.strip()]

    def day(self, name: str, *, required: bool) -> date | None:
        value = self.text(name)
        if not value:
            if required:
                raise Problem(gettext("Give the date."))
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise Problem(gettext("%(text)s is not a date.", text=value)) from None

    def log(self, kind: EventType, **payload: Any) -> None:
        context_of(self.request).store.log_event(
            self.tenant,
            kind,
            customer_key=self.customer.ref.key,
            payload={"by": self.by, **{k: v for k, v in payload.items() if v}},
        )


def _promise(call: Call) -> None:
    store = context_of(call.request).store
    item = new_promise(
        store,
        call.tenant,
        call.customer,
        amount=parse_amount(call.text("amount"), "amount"),
        currency=call.text("currency") or "EUR",
        promised_on=call.day("promised_on", required=True) or call.today,
        recorded_on=call.today,
        invoices=call.texts("invoice"),
        note=call.text("note"),
    )
    store.add_promise(call.tenant, item, by=call.by)


def _dispute(call: Call) -> None:
    store = context_of(call.request).store
    keys = call.texts("invoice")
    if not keys:
        raise Problem(gettext("Choose at least one invoice."))
    invoices = [store.receivable(call.tenant, key) for key in keys]
    for invoice in invoices:
        if invoice.customer_ref != call.customer.ref or invoice.kind is not ReceivableKind.INVOICE:
            raise HTTPException(status_code=404)
    for invoice in invoices:
        store.add_dispute(
            call.tenant,
            Dispute(
                id=new_id("dispute"),
                receivable_ref=invoice.ref,
                opened_on=call.today,
                reason=call.text("reason"),
            ),
            by=call.by,
        )


def _no_answer(call: Call) -> None:
    call.log(EventType.CALL_NO_ANSWER, phone=call.text("phone"), note=call.text("note"))


def _wrong_number(call: Call) -> None:
    phone = call.text("phone")
    if not phone:
        raise Problem(gettext("Choose the number that was wrong."))
    call.log(EventType.CALL_WRONG_NUMBER, phone=phone, note=call.text("note"))


def _note(call: Call) -> None:
    text = call.text("note")
    if not text:
        raise Problem(gettext("Write the note."))
    call.log(EventType.NOTE_ADDED, note=text)


def _plan(call: Call) -> None:
    days = call.form.getlist("due_on")
    amounts = call.form.getlist("due_amount")
    schedule: list[tuple[date, Decimal]] = []
    for when, amount in zip(days, amounts, strict=False):
        when = when.strip() if isinstance(when, str) else ""
        amount = amount.strip() if isinstance(amount, str) else ""
        if not when and not amount:
            continue
        if not when or not amount:
            raise Problem(gettext("Each instalment needs a date and an amount."))
        try:
            day = date.fromisoformat(when)
        except ValueError:
            raise Problem(gettext("%(text)s is not a date.", text=when)) from None
        schedule.append((day, parse_amount(amount, "due_amount")))
    store = context_of(call.request).store
    item = new_plan(
        store,
        call.tenant,
        call.customer,
        schedule=schedule,
        currency=call.text("currency") or "EUR",
        agreed_on=call.today,
        invoices=call.texts("invoice"),
    )
    store.add_plan(call.tenant, item, by=call.by)


def _pause(call: Call) -> None:
    pause = Pause(
        since=call.today, until=call.day("until", required=False), reason=call.text("reason")
    )
    context_of(call.request).store.pause(call.tenant, call.customer.ref, pause, by=call.by)


def _resume(call: Call) -> None:
    context_of(call.request).store.resume(call.tenant, call.customer.ref, call.today, by=call.by)


def _own(found: list[Any], item_id: str) -> None:
    if item_id not in {item.id for item in found}:
        raise HTTPException(status_code=404)


def _cancel_promise(call: Call) -> None:
    store = context_of(call.request).store
    item_id = call.text("id")
    _own(store.promises(call.tenant, call.customer.ref), item_id)
    store.cancel_promise(call.tenant, item_id, call.today, call.text("reason"), by=call.by)


def _cancel_plan(call: Call) -> None:
    store = context_of(call.request).store
    item_id = call.text("id")
    _own(store.plans(call.tenant, call.customer.ref), item_id)
    store.cancel_plan(call.tenant, item_id, call.today, call.text("reason"), by=call.by)


def _resolve_dispute(call: Call) -> None:
    store = context_of(call.request).store
    item_id = call.text("id")
    _own(store.disputes(call.tenant, call.customer.ref), item_id)
    store.resolve_dispute(call.tenant, item_id, call.today, by=call.by)


# the form's name (its URL's last part) -> what it records
RECORDERS: dict[str, Callable[[Call], None]] = {
    "promise": _promise,
    "dispute": _dispute,
    "no-answer": _no_answer,
    "wrong-number": _wrong_number,
    "note": _note,
    "plan": _plan,
    "pause": _pause,
    "resume": _resume,
    "cancel-promise": _cancel_promise,
    "cancel-plan": _cancel_plan,
    "resolve-dispute": _resolve_dispute,
}


def _say(error: Exception) -> str:
    if isinstance(error, Problem):
        return str(error)
    found = explanation(error)
    if found is not None and found[0] in REFUSALS:
        code, values = found
        return gettext(REFUSALS[code], **values)
    if isinstance(error, StoreError) and "is not paused" in error.message:
        return gettext("This customer is not paused.")
    reason = error.message if isinstance(error, RelanceError) else str(error).splitlines()[0]
    return gettext("This could not be recorded: %(reason)s", reason=reason)


async def _form(request: Request) -> FormData:
    return await request.form()  # read once, by the CSRF check already


def _endpoint(name: str, record: Callable[[Call], None]) -> Callable[..., Any]:
    def endpoint(  # sync: FastAPI runs it in a thread, the store's calls block
        request: Request,
        access: Annotated[Access, Depends(tenant_access(Role.USER, post=True))],
        form: Annotated[FormData, Depends(_form)],
        customer: str,
    ) -> Response:
        found = find_customer(request, access, customer)
        web = context_of(request)
        call = Call(request, access, found, form, web.today(access.tenant))
        with in_language(access.visitor.language):  # the refusals' words
            try:
                record(call)
                said = ""
            except (Problem, RelanceError, ValidationError) as error:
                said = _say(error)
        if said:
            values = {key: form.getlist(key) for key in form if key != "csrf"}
            return render_customer(
                request,
                access,
                found,
                error=said,
                form=name,
                values=values,
                status_code=400,
            )
        app = web.app_state()
        try:
            replan(app, access.tenant, found.ref, call.today)
        finally:
            app.close_sources()
        target = customer_url(access.tenant.slug, found.ref.key)
        return RedirectResponse(f"{target}?done={name}", status_code=303)

    endpoint.__name__ = f"record_{name.replace('-', '_')}"
    return endpoint


for _name, _recorder in RECORDERS.items():
    router.add_api_route(
        f"/t/{{tenant}}/customers/{{customer:path}}/{_name}",
        _endpoint(_name, _recorder),
        methods=["POST"],
    )
