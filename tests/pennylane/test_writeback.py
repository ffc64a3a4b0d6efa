"""What relance writes into Pennylane after a reminder, against the emulator."""

from __future__ import annotations

from datetime import date

import pytest

from adapters.pennylane.writeback import WriteOptions, fingerprint
from connector.errors import SourceRejected
from connector.model import Channel, Platform, SourceRef
from connector.source import Outcome
from tests.emulators.pennylane import Grant, PennylaneState

from .conftest import MakeSource, StaticToken
from .test_mapping import invoice


def ref(kind: str, n: int) -> SourceRef:
    return SourceRef(platform=Platform.PENNYLANE, tenant="acme", external_id=f"{kind}:{n}")


def outcome(step: str = "reminder_1", key: str = "c77|reminder_1|i4021", **kw: object) -> Outcome:
    fields: dict[str, object] = {
        "action_key": key,
        "step": step,
        "channel": Channel.EMAIL,
        "done_on": date(2026, 3, 10),
        "receivables": (ref("invoice", 4021),),
        "note": "n",
        "customer": ref("customer", 77),
        "numbers": ("F20260042",),
    }
    return Outcome(**{**fields, **kw})  # type: ignore[arg-type]


@pytest.fixture
def ledger(pl_state: PennylaneState) -> PennylaneState:
    pl_state.put(
        "customers",
        {
            "id": 77,
            "name": "Hôtel des Célestins",
            "customer_type": "company",
            "emails": ["compta@celestins.example.fr"],
            "notes": "Contact : Mme Roux, poste 12.",
        },
        "insert",
    )
    pl_state.put(
        "customers",
        {"id": 78, "name": "Jeanne Petit", "customer_type": "individual", "emails": []},
    )
    pl_state.put("customer_invoices", invoice(), "insert")
    dunning = pl_state.add_group("Relances")
    analytics = pl_state.add_group("Activité")
    shop = pl_state.add_category("Boutique", analytics)
    web = pl_state.add_category("Web", analytics)
    pl_state.invoice_categories[4021] = [(shop, "0.6"), (web, "0.4")]
    pl_state.extra = {"dunning": dunning, "shop": shop, "web": web}  # type: ignore[attr-defined]
    return pl_state


def test_the_step_becomes_a_category_and_other_groups_stay(
    ledger: PennylaneState, make_source: MakeSource
) -> None:
    source = make_source(options=WriteOptions(category_group="Relances"))
    receipt = source.write_back(ref("invoice", 4021), outcome())
    assert receipt.written["pennylane:acme:invoice:4021#category"] == "Relance 1"
    tags = ledger.invoice_categories[4021]
    mine = [c for c, _ in tags if ledger.categories[c]["label"] == "Relance 1"]
    assert (
        len(mine) == 1
        and ledger.categories[mine[0]]["category_group"]["id"] == ledger.extra["dunning"]
    )  # type: ignore[attr-defined]
    extra = ledger.extra  # type: ignore[attr-defined]
    assert (extra["shop"], "0.6") in tags and (extra["web"], "0.4") in tags  # weights kept

    source.write_back(ref("invoice", 4021), outcome("reminder_2", "c77|reminder_2|i4021"))
    labels = [ledger.categories[c]["label"] for c, _ in ledger.invoice_categories[4021]]
    assert sorted(labels) == ["Boutique", "Relance 2", "Web"]  # the step moved, not piled up


def test_a_retried_write_changes_nothing(ledger: PennylaneState, make_source: MakeSource) -> None:
    source = make_source(options=WriteOptions(category_group="Relances"))
    first = source.write_back(ref("invoice", 4021), outcome())
    puts = ledger.requests_to("PUT", "/")
    again = make_source(options=WriteOptions(category_group="Relances"))  # a new process
    second = again.write_back(ref("invoice", 4021), outcome())
    assert first.written == second.written
    assert ledger.requests_to("PUT", "/") == puts  # neither the category nor the note again
    assert ledger.customers[77]["notes"].count(f"[rl:{fingerprint('c77|reminder_1|i4021')}]") == 1
    assert len([c for c in ledger.categories.values() if c["label"] == "Relance 1"]) == 1


def test_the_note_is_appended_to_what_a_person_typed(
    ledger: PennylaneState, make_source: MakeSource
) -> None:
    source = make_source()
    source.write_back(ref("invoice", 4021), outcome())
    # an accountant edits the notes in Pennylane between two reminders
    typed = ledger.customers[77]["notes"] + "\nA promis un virement vendredi."
    ledger.put("customers", {**ledger.customers[77], "notes": typed})
    source.write_back(ref("invoice", 4021), outcome("reminder_2", "c77|reminder_2|i4021"))
    lines = ledger.customers[77]["notes"].splitlines()
    assert lines[0] == "Contact : Mme Roux, poste 12."
    assert lines[1].startswith("10/03/2026 relance : Relance 1 envoyée par e-mail (F20260042)")
    assert lines[2] == "A promis un virement vendredi."
    assert lines[3].startswith("10/03/2026 relance : Relance 2")
    assert ("PUT", "/company_customers/77") in ledger.calls


def test_an_individual_customer_is_written_through_its_own_endpoint(
    ledger: PennylaneState, make_source: MakeSource
) -> None:
    ledger.put("customer_invoices", invoice(id=4022, customer={"id": 78, "url": "x"}))
    make_source(options=WriteOptions(language="en")).write_back(
        ref("invoice", 4022), outcome(customer=ref("customer", 78), key="c78|reminder_1|i4022")
    )
    assert ledger.customers[78]["notes"].startswith("2026-03-10 relance: Dunning 1 sent by e-mail")
    assert ("PUT", "/individual_customers/78") in ledger.calls


def test_a_letter_is_attached_to_the_invoice_once(
    ledger: PennylaneState, make_source: MakeSource
) -> None:
    pdf = b"%PDF-1.4 mise en demeure"
    letter = outcome(
        "formal_notice", "c77|formal_notice|i4021", channel=Channel.LETTER, document=pdf
    )
    source = make_source()
    source.write_back(ref("invoice", 4021), letter)
    source.write_back(ref("invoice", 4021), letter)  # retried after a crash
    (appendix,) = ledger.appendices[4021]
    assert appendix["filename"].startswith("relance-formal_notice-2026-03-10-")
    assert ledger.files[appendix["id"]] == pdf


def test_a_group_that_does_not_exist_is_named(
    ledger: PennylaneState, make_source: MakeSource
) -> None:
    source = make_source(options=WriteOptions(category_group="Recouvrement"))
    with pytest.raises(SourceRejected, match="no category group 'Recouvrement'") as caught:
        source.write_back(ref("invoice", 4021), outcome())
    assert caught.value.hint and "cannot create groups" in caught.value.hint


def test_a_read_only_token_is_refused_with_the_scope_it_lacks(
    ledger: PennylaneState, make_source: MakeSource
) -> None:
    ledger.tokens["plt_read_only"] = Grant(
        frozenset({"customer_invoices:readonly", "customers:readonly"})
    )
    source = make_source(auth=StaticToken("plt_read_only"))
    with pytest.raises(SourceRejected, match='requires scope "customers:all"'):
        source.write_back(ref("invoice", 4021), outcome())
    assert "Mme Roux" in ledger.customers[77]["notes"]  # nothing lost


def test_the_invoice_pdf_comes_through_its_short_lived_link(
    ledger: PennylaneState, make_source: MakeSource
) -> None:
    pdf = make_source().document(ref("invoice", 4021))
    assert pdf.startswith(b"%PDF")
    assert ledger.file_auth == [""]  # the pre-signed link is fetched without our token
