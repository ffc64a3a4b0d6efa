"""Regenerate the demo's sample ledger (seeded: the output is always the same).

    python adapters/files/sample/generate.py

Atelier Lumen SAS, Lyon, sells and maintains professional lighting. Its customers and
their payment habits are fictional; emails use reserved example domains and phone numbers
are from the ranges reserved for fiction. Writes customers.csv, invoices.csv, payments.csv
and dunning.toml beside this file.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

HERE = Path(__file__).parent
DEMO_DAY = date(2026, 11, 23)
FIRST_DAY = date(2025, 11, 3)

# name, kind, city, postal code, language, country, currency, terms, habit
CUSTOMERS = [
    ("Boulangerie Delorme", "b2b", "Lyon", "69003", "fr", "FR", "EUR", "30", "good"),
    ("Garage Perrin & Fils", "b2b", "Villeurbanne", "69100", "fr", "FR", "EUR", "30", "slow"),
    ("Hôtel des Célestins", "b2b", "Lyon", "69002", "fr", "FR", "EUR", "45eom", "slow"),
    (
        "Clinique Vétérinaire du Parc",
        "b2b",
        "Caluire-et-Cuire",
        "69300",
        "fr",
        "FR",
        "EUR",
        "30",
        "good",
    ),
    ("Restaurant Le Bouchon Doré", "b2b", "Lyon", "69001", "fr", "FR", "EUR", "30", "bad"),
    ("SCI Les Terrasses", "b2b", "Écully", "69130", "fr", "FR", "EUR", "60", "slow"),
    ("Pharmacie Bellecour", "b2b", "Lyon", "69002", "fr", "FR", "EUR", "30", "good"),
    (
        "Théâtre de la Croix-Rousse Associés",
        "b2b",
        "Lyon",
        "69004",
        "fr",
        "FR",
        "EUR",
        "45eom",
        "slow",
    ),
    ("Menuiserie Girard", "b2b", "Vénissieux", "69200", "fr", "FR", "EUR", "30", "bad"),
    ("Cabinet Dentaire Saint-Jean", "b2b", "Lyon", "69005", "fr", "FR", "EUR", "30", "good"),
    ("Brasserie des Canuts", "b2b", "Lyon", "69004", "fr", "FR", "EUR", "30", "slow"),
    ("Galerie Arts & Lumières", "b2b", "Lyon", "69006", "fr", "FR", "EUR", "30", "slow"),
    ("Supermarché Proxi Gerland", "b2b", "Lyon", "69007", "fr", "FR", "EUR", "45eom", "good"),
    ("École Montessori des Pentes", "b2b", "Lyon", "69001", "fr", "FR", "EUR", "30", "good"),
    ("Atelier Mécanique Rhône", "b2b", "Saint-Priest", "69800", "fr", "FR", "EUR", "60", "bad"),
    ("Librairie La Plume", "b2b", "Lyon", "69002", "fr", "FR", "EUR", "30", "slow"),
    ("Salle de Sport Vitalis", "b2b", "Bron", "69500", "fr", "FR", "EUR", "30", "bad"),
    (
        "Domaine Viticole Chanrion",
        "b2b",
        "Villefranche-sur-Saône",
        "69400",
        "fr",
        "FR",
        "EUR",
        "45eom",
        "slow",
    ),
    (
        "Mairie de Saint-Cyr (régie)",
        "b2b",
        "Saint-Cyr-au-Mont-d'Or",
        "69450",
        "fr",
        "FR",
        "EUR",
        "30",
        "slow",
    ),
    ("Agence Immobilière Foch", "b2b", "Lyon", "69006", "fr", "FR", "EUR", "30", "good"),
    ("Traiteur Mercier", "b2b", "Tassin-la-Demi-Lune", "69160", "fr", "FR", "EUR", "30", "slow"),
    ("Concept Store Oyé", "b2b", "Lyon", "69007", "fr", "FR", "EUR", "30", "bad"),
    ("Imprimerie Vidal", "b2b", "Oullins", "69600", "fr", "FR", "EUR", "60", "good"),
    ("Crèche Les Petits Loups", "b2b", "Lyon", "69008", "fr", "FR", "EUR", "30", "good"),
    (
        "Bureau d'Études Ravel Ingénierie",
        "b2b",
        "Lyon",
        "69003",
        "fr",
        "FR",
        "EUR",
        "45eom",
        "slow",
    ),
    ("Fromagerie Antoine", "b2b", "Lyon", "69005", "fr", "FR", "EUR", "30", "good"),
    ("Cinéma Le Comœdia Partenaires", "b2b", "Lyon", "69007", "fr", "FR", "EUR", "30", "slow"),
    ("Studio Photo Lumière Noire", "b2b", "Lyon", "69009", "fr", "FR", "EUR", "30", "bad"),
    ("Résidence Seniors Les Tilleuls", "b2b", "Givors", "69700", "fr", "FR", "EUR", "60", "slow"),
    ("Caviste Bacchus", "b2b", "Lyon", "69006", "fr", "FR", "EUR", "30", "good"),
    ("Coiffure Élise", "b2b", "Lyon", "69003", "fr", "FR", "EUR", "0", "slow"),
    ("Nautic Saône Location", "b2b", "Lyon", "69009", "fr", "FR", "EUR", "30", "bad"),
    ("Harbour Lights Ltd", "b2b", "Bristol", "BS1 4DJ", "en", "GB", "EUR", "30", "slow"),
    ("Lichtwerk Basel AG", "b2b", "Basel", "4051", "en", "CH", "CHF", "30", "slow"),
    ("M. Julien Fabre", "b2c", "Lyon", "69004", "fr", "FR", "EUR", "0", "slow"),
    ("Mme Sophie Marchand", "b2c", "Lyon", "69006", "fr", "FR", "EUR", "0", "good"),
    ("M. et Mme Rousseau", "b2c", "Sainte-Foy-lès-Lyon", "69110", "fr", "FR", "EUR", "0", "bad"),
    ("Association Quartier Libre", "b2b", "Lyon", "69008", "fr", "FR", "EUR", "30", "slow"),
    ("Laboratoire Optique Bertin", "b2b", "Dardilly", "69570", "fr", "FR", "EUR", "45eom", "good"),
    ("Chocolaterie Voisin Partenaire", "b2b", "Lyon", "69002", "fr", "FR", "EUR", "30", "slow"),
]
STREETS = [
    "rue de la République",
    "quai Saint-Antoine",
    "avenue Jean Jaurès",
    "rue Mercière",
    "cours Lafayette",
    "rue Victor Hugo",
    "boulevard des Belges",
    "place Sathonay",
]
WORK = [
    ("Fourniture luminaires LED", 180, 4800),
    ("Contrat de maintenance éclairage", 90, 900),
    ("Installation éclairage scénique", 1500, 12000),
    ("Remplacement de lampes", 60, 400),
    ("Étude d'éclairage", 600, 3200),
    ("Dépannage", 95, 450),
]
CENT = Decimal("0.01")
# the customers whose contact is a person (name, civility, family name), not a department
PEOPLE = {
    "C003": ("Sophie Durand", "mme", "Durand"),
    "C033": ("Oliver Bennett", "m", "Bennett"),
    "C035": ("Julien Fabre", "m", "Fabre"),
    "C036": ("Sophie Marchand", "mme", "Marchand"),
    "C037": ("Paul et Anne Rousseau", "m_mme", "Rousseau"),
}


def _due(issued: date, terms: str) -> date:
    if terms == "45eom":  # end of month, then 45 days
        first_next = (issued.replace(day=28) + timedelta(days=4)).replace(day=1)
        return first_next - timedelta(days=1) + timedelta(days=45)
    return issued + timedelta(days=int(terms))


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    kept = "".join(c.lower() if c.isalnum() else "-" for c in ascii_name)
    return "-".join(p for p in kept.split("-") if p)[:24]


def _siren(rng: random.Random) -> str:
    return f"{rng.randint(300, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)}"


def generate() -> dict[str, list[dict[str, str]]]:
    rng = random.Random(20261123)  # noqa: S311 - seeded sample data, not a secret
    customers, invoices, payments = [], [], []
    number = 0
    for index, (name, kind, city, postal, lang, country, currency, terms, habit) in enumerate(
        CUSTOMERS
    ):
        cid = f"C{index + 1:03d}"
        domain = "example.org" if country != "FR" else "example.fr"
        email = "" if index == 27 else f"compta@{_slug(name)}.{domain}"
        customers.append(
            {
                "id": cid,
                "name": name,
                "kind": kind,
                "email": email,
                "phone": f"+33 4 72 00 {index:02d} {rng.randint(10, 99)}"
                if country == "FR"
                else "",
                "contact_name": PEOPLE.get(cid, ("",))[0]
                or ("Service comptabilité" if lang == "fr" else "Accounts payable"),
                "address": f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
                if country == "FR"
                else f"{rng.randint(1, 60)} Harbour Street",
                "postal_code": postal,
                "city": city,
                "country": country,
                "language": lang,
                "registration_id": _siren(rng) if kind == "b2b" and country == "FR" else "",
                "payment_terms_days": "45" if terms == "45eom" else terms,
                "contact_civility": PEOPLE.get(cid, ("", "", ""))[1],
                "contact_family_name": PEOPLE.get(cid, ("", "", ""))[2],
            }
        )
        count = rng.randint(4, 12)
        for _ in range(count):
            number += 1
            issued = FIRST_DAY + timedelta(days=rng.randint(0, (DEMO_DAY - FIRST_DAY).days - 3))
            _label, low, high = rng.choice(WORK)
            if kind == "b2c":
                low, high = 90, 1600
            total = (Decimal(rng.randint(low * 100, high * 100)) / 100).quantize(CENT)
            due = _due(issued, terms)
            delay = {
                "good": rng.randint(-5, 3),
                "slow": rng.randint(5, 75),
                "bad": rng.randint(40, 400),
            }[habit]
            paid_on = due + timedelta(days=delay)
            open_ = total
            if paid_on < DEMO_DAY - timedelta(days=2):
                open_ = Decimal(0)
                payments.append(
                    {
                        "id": f"P{number:04d}",
                        "customer_id": cid,
                        "received_on": paid_on.isoformat(),
                        "currency": currency,
                        "amount": str(total),
                        "unapplied": "0",
                        "invoices": f"F-{number:04d}:{total}",
                    }
                )
            elif rng.random() < 0.15 and due < DEMO_DAY:
                part = (total * Decimal(rng.choice(("0.3", "0.5")))).quantize(CENT, ROUND_HALF_UP)
                open_ = total - part
                payments.append(
                    {
                        "id": f"P{number:04d}",
                        "customer_id": cid,
                        "received_on": (due + timedelta(days=10)).isoformat(),
                        "currency": currency,
                        "amount": str(part),
                        "unapplied": "0",
                        "invoices": f"F-{number:04d}:{part}",
                    }
                )
            invoices.append(
                {
                    "number": f"F-{number:04d}",
                    "customer_id": cid,
                    "kind": "invoice",
                    "issued_on": issued.isoformat(),
                    "due_on": due.isoformat(),
                    "currency": currency,
                    "total": str(total),
                    "open": str(open_),
                    "document_url": f"https://factures.example.fr/atelier-lumen/F-{number:04d}.pdf",
                }
            )
    # credit notes on a few customers, open (to be deducted) or already used
    for index in (1, 4, 10, 20, 31, 36):
        cid = f"C{index + 1:03d}"
        number += 1
        amount = (Decimal(rng.randint(4000, 30000)) / 100).quantize(CENT)
        issued = DEMO_DAY - timedelta(days=rng.randint(10, 90))
        invoices.append(
            {
                "number": f"AV-{number:04d}",
                "customer_id": cid,
                "kind": "credit_note",
                "issued_on": issued.isoformat(),
                "due_on": issued.isoformat(),
                "currency": "EUR",
                "total": str(amount),
                "open": str(amount) if index in (4, 10, 31) else "0",
                "document_url": "",
            }
        )
    # payments received but not matched to an invoice yet
    for index in (8, 16, 37):
        cid = f"C{index + 1:03d}"
        amount = (Decimal(rng.randint(5000, 40000)) / 100).quantize(CENT)
        payments.append(
            {
                "id": f"P-UNAPPLIED-{index}",
                "customer_id": cid,
                "received_on": (DEMO_DAY - timedelta(days=rng.randint(3, 30))).isoformat(),
                "currency": "EUR",
                "amount": str(amount),
                "unapplied": str(amount),
                "invoices": "",
            }
        )
    return {"customers.csv": customers, "invoices.csv": invoices, "payments.csv": payments}


def _paid_by(payments: list[dict[str, str]], day: date) -> dict[str, Decimal]:
    """What the payments received by ``day`` allocated to each invoice number."""
    paid: dict[str, Decimal] = {}
    for payment in payments:
        if date.fromisoformat(payment["received_on"]) > day:
            continue
        for item in filter(None, payment["invoices"].split(";")):
            number, _, amount = item.partition(":")
            paid[number] = paid.get(number, Decimal(0)) + Decimal(amount)
    return paid


def _overdue(tables: dict[str, list[dict[str, str]]], cid: str, day: date) -> dict[str, Decimal]:
    """The invoices of ``cid`` overdue on ``day``, with what was still open on them then."""
    paid = _paid_by(tables["payments.csv"], day)
    found = {}
    for i in tables["invoices.csv"]:
        if i["customer_id"] != cid or i["kind"] != "invoice":
            continue
        if date.fromisoformat(i["issued_on"]) > day or date.fromisoformat(i["due_on"]) >= day:
            continue
        left = Decimal(i["total"]) - paid.get(i["number"], Decimal(0))
        if left > 0:
            found[i["number"]] = left
    return found


DISPUTED_ON = date(2026, 10, 20)
BROKEN_ON, BROKEN_BY = date(2026, 10, 28), date(2026, 11, 5)
PENDING_ON, PENDING_BY = date(2026, 11, 18), date(2026, 11, 30)
PLANNED_ON = date(2026, 10, 15)
PAUSED_ON = date(2026, 11, 2)


def _quiet(tables: dict[str, list[dict[str, str]]], cid: str, since: date) -> bool:
    """Nothing received from ``cid`` after ``since``, up to the demo's last day."""
    return not any(
        p["customer_id"] == cid and date.fromisoformat(p["received_on"]) > since
        for p in tables["payments.csv"]
    )


def scenario(tables: dict[str, list[dict[str, str]]]) -> str:
    """The side states, each true on the day it is recorded: a dispute is about an invoice
    overdue then, a promise is for what the customer owed that day (and is kept or broken by
    what the ledger shows after), a plan covers the invoices overdue when it was agreed."""
    owing = [
        c["id"]
        for c in tables["customers.csv"]
        if c["id"] != "C028"
        and _overdue(tables, c["id"], DEMO_DAY)
        and c["language"] == "fr"
        and c["kind"] == "b2b"
    ]
    taken: list[str] = []

    def pick(fits: Callable[[str], bool]) -> str:
        found = next(c for c in owing if c not in taken and fits(c))
        taken.append(found)
        return found

    disputed = pick(
        lambda c: bool(set(_overdue(tables, c, DISPUTED_ON)) & set(_overdue(tables, c, DEMO_DAY)))
    )
    still_open = _overdue(tables, disputed, DEMO_DAY)
    dispute_invoice = min(set(_overdue(tables, disputed, DISPUTED_ON)) & set(still_open))
    broken = pick(lambda c: bool(_overdue(tables, c, BROKEN_ON)) and _quiet(tables, c, BROKEN_ON))
    pending = pick(
        lambda c: bool(_overdue(tables, c, PENDING_ON)) and _quiet(tables, c, PENDING_ON)
    )
    planned = pick(
        lambda c: bool(_overdue(tables, c, PLANNED_ON)) and _quiet(tables, c, PLANNED_ON)
    )
    paused = pick(lambda c: bool(_overdue(tables, c, PAUSED_ON)))
    plan_invoices = _overdue(tables, planned, PLANNED_ON)
    plan_total = sum(plan_invoices.values(), Decimal(0))
    third = (plan_total / 3).quantize(CENT, ROUND_HALF_UP)
    last = plan_total - 2 * third
    broken_open = sum(_overdue(tables, broken, BROKEN_ON).values(), Decimal(0))
    pending_open = sum(_overdue(tables, pending, PENDING_ON).values(), Decimal(0))
    return f'''# The demo's dunning scenario, applied by `relance demo` after importing the CSVs.
#
# [creditor]          the business that is owed (fields of connector.model.Creditor)
# [[dispute]]         invoice (number), opened_on, reason
# [[promise]]         customer (id), invoices (numbers; empty = all), amount, currency,
#                     promised_on, recorded_on, note
# [[plan]]            customer, invoices, agreed_on, instalments = [{{due_on, amount}}, ...]
#                     (they add up to the covered open balance)
# [[pause]]           customer, since, until (optional), reason
# Generated by generate.py: edit that script, not this file.

[creditor]
name = "Atelier Lumen"
legal_form = "SAS"
share_capital = {{ amount = "50000", currency = "EUR" }}
registration_id = "512 345 678"
rcs_city = "Lyon"
vat_id = "FR47512345678"
email = "relances@atelier-lumen.example.fr"
reply_to = "comptabilite@atelier-lumen.example.fr"
phone = "+33 4 78 00 00 00"
iban = "FR76 1027 8073 0000 0201 2345 678"
bic = "CMCIFR2A"
website = "https://atelier-lumen.example.fr"
signatory = "Claire Martin"
signatory_title = "Responsable de la comptabilité clients"
logo = "logo.png"               # in this folder; printed at the top of letters
country = "FR"

[creditor.address]
lines = ["14 rue Burdeau"]
postal_code = "69001"
city = "Lyon"
country = "FR"

[[dispute]]
invoice = "{dispute_invoice}"
opened_on = "{DISPUTED_ON}"
reason = "Luminaires livrés non conformes au bon de commande"

[[promise]]                     # broken: nothing came on the promised date
customer = "{broken}"
invoices = []
amount = "{broken_open}"
currency = "EUR"
promised_on = "{BROKEN_BY}"
recorded_on = "{BROKEN_ON}"
note = "Promis par téléphone au service comptabilité"

[[promise]]                     # still pending on the demo day
customer = "{pending}"
invoices = []
amount = "{pending_open}"
currency = "EUR"
promised_on = "{PENDING_BY}"
recorded_on = "{PENDING_ON}"
note = "Virement annoncé pour la fin du mois"

[[plan]]
customer = "{planned}"
invoices = [{", ".join(f'"{n}"' for n in sorted(plan_invoices))}]
agreed_on = "{PLANNED_ON}"
instalments = [
  {{ due_on = "2026-11-10", amount = "{third}" }},
  {{ due_on = "2026-12-10", amount = "{third}" }},
  {{ due_on = "2027-01-10", amount = "{last}" }},
]

[[pause]]
customer = "{paused}"
since = "{PAUSED_ON}"
until = "2026-12-31"
reason = "Négociation commerciale en cours (geste sur la prochaine commande)"
'''


def main() -> None:
    tables = generate()
    for name, rows in tables.items():
        with (HERE / name).open("w", encoding="utf-8", newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    (HERE / "dunning.toml").write_text(scenario(tables), encoding="utf-8")


if __name__ == "__main__":
    main()
