"""Printing cost of letters and of the collection file's sheets, and the demo's wall time.

    python benchmarks/letters.py                 # every figure, 9 prints of each document
    python benchmarks/letters.py --repeat 20     # steadier figures
    python benchmarks/letters.py --no-demo       # the documents only
    python benchmarks/letters.py --demo-runs 3   # the demo's median of three runs
    python benchmarks/letters.py --save DIR      # also write each PDF once, to compare renderings

Documents (the letters built as the letter channel prints them, model objects made here):
* a reminder by post to a consumer, one invoice: one page;
* the formal notice to a company for three invoices;
* the formal notice for 40 invoices (statement and interest tables across pages);
* the formal notice for 150 invoices: more than nine pages, a two-digit page count;
* a sheet of the collection file: a title, two parties and a ruled table of 60 lines.

Each figure is the median (and the fastest) of ``--repeat`` prints after one print to warm up
(templates compiled, modules imported), in one process: on a shared machine the median moves
less than the mean. The demo runs ``relance demo`` in a new temporary folder,
in its own process: its wall time includes the interpreter's start; its CPU time (user and
system) moves less than the wall time when the machine is shared.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfReader

from connector.channels.letter import letter_pdf
from connector.dossier.sheet import Column, Line, Sheet
from connector.dossier.wording import Wording
from connector.legal.notice import notice_claim
from connector.model import (
    Channel,
    Civility,
    Contact,
    Creditor,
    Customer,
    LegalKind,
    Platform,
    PostalAddress,
    SourceRef,
    StepKind,
)
from connector.money import Money, Totals
from connector.planner import ClaimLine, ItemKind, PlannedAction
from connector.policy import default_policy
from connector.render import render

POLICY = default_policy()
DAY = date(2025, 9, 15)


def _ref(external_id: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant="bench", external_id=external_id)


CREDITOR = Creditor(
    name="Atelier Lumen",
    legal_form="SAS",
    share_capital=Money.of("10000", "EUR"),
    registration_id="512345678",
    rcs_city="Lyon",
    vat_id="FR47512345678",
    address=PostalAddress(lines=("14 rue Burdeau",), postal_code="69001", city="Lyon"),
    email="relances@atelier-lumen.example.fr",
    phone="+33 4 78 00 00 00",
    iban="FR76 1027 8073 0000 0201 2345 678",
    bic="CMCIFR2A",
    signatory="Claire Martin",
    signatory_title="Responsable de la comptabilité clients",
)
COMPANY = Customer(
    ref=_ref("C001"),
    name="Hôtel des Célestins SARL",
    language="fr",
    registration_id="443 061 841",
    address=PostalAddress(lines=("4 rue Charles Dullin",), postal_code="69002", city="Lyon"),
    contacts=(
        Contact(
            name="Claire Durand",
            civility=Civility.MADAME,
            family_name="Durand",
            email="compta@celestins.example.fr",
            primary=True,
        ),
    ),
)
CONSUMER = Customer(
    ref=_ref("P042"),
    name="Paul Girard",
    legal_kind=LegalKind.B2C,
    language="fr",
    address=PostalAddress(lines=("8 avenue Foch",), postal_code="69006", city="Lyon"),
    contacts=(Contact(name="Paul Girard", civility=Civility.MONSIEUR, family_name="Girard"),),
)


def _invoices(count: int) -> list[ClaimLine]:
    lines = []
    for n in range(1, count + 1):
        due = date(2025, 3, 1) + timedelta(days=(n * 3) % 150)
        lines.append(
            ClaimLine(
                key=_ref(f"F-2025-{n:04d}").key,
                kind=ItemKind.RECEIVABLE,
                number=f"F-2025-{n:04d}",
                issued_on=due - timedelta(days=30),
                due_on=due,
                open=Money.of(f"{100 + 7 * n}.10", "EUR"),
                total=Money.of(f"{100 + 7 * n}.10", "EUR"),
                days_late=(DAY - due).days,
                ref=_ref(f"F-2025-{n:04d}"),
            )
        )
    return lines


def _letter(customer: Customer, invoices: int, step: str) -> Callable[[], bytes]:
    """A function printing the letter of ``step`` for ``invoices`` late invoices."""
    lines = _invoices(invoices)
    notice = step == "formal_notice"
    planned = PlannedAction(
        key=f"{customer.ref.key}|{step}|{lines[0].key}",
        customer_ref=customer.ref,
        step=step,
        kind=StepKind.NOTICE if notice else StepKind.REMINDER,
        channel=Channel.LETTER,
        template=step,
        planned_on=DAY,
        lines=tuple(lines),
        totals=Totals(line.open for line in lines),
    )
    legal = notice_claim(planned, customer, jurisdiction="FR") if notice else None
    message = render(planned, customer=customer, creditor=CREDITOR, policy=POLICY, legal=legal)
    return lambda: letter_pdf(message, CREDITOR)


def _sheet() -> bytes:
    words = Wording("fr")
    sheet = Sheet(words, creditor=CREDITOR.name, title="Décompte de la créance")
    sheet.title_block("Décompte de la créance", "Atelier Lumen contre Hôtel des Célestins SARL")
    sheet.parties([("Créancier", ("Atelier Lumen", "14 rue Burdeau", "69001 Lyon"))] * 2)
    columns = [Column("Facture", 3), Column("Échéance", 2), Column("Montant", 2, "RIGHT")]
    rows = [Line((f"F-2025-{n:04d}", "15/05/2025", f"{100 + n},10 €")) for n in range(60)]
    sheet.ruled(columns, [*rows, Line(("Total", "", "9 999,00 €"), bold=True)])
    return sheet.finish()


DOCUMENTS: dict[str, Callable[[], Callable[[], bytes]]] = {
    "reminder, 1 invoice": lambda: _letter(CONSUMER, 1, "reminder_1"),
    "notice, 3 invoices": lambda: _letter(COMPANY, 3, "formal_notice"),
    "notice, 40 invoices": lambda: _letter(COMPANY, 40, "formal_notice"),
    "notice, 150 invoices": lambda: _letter(COMPANY, 150, "formal_notice"),
    "dossier sheet, 60 lines": lambda: _sheet,
}


def _pages(data: bytes) -> int:
    import io

    return len(PdfReader(io.BytesIO(data)).pages)


def measure(repeat: int, save: Path | None) -> None:
    for name, make in DOCUMENTS.items():
        print_once = make()
        data = print_once()  # warm-up
        if save is not None:
            (save / (name.replace(", ", "-").replace(" ", "_") + ".pdf")).write_bytes(data)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            print_once()
            times.append(time.perf_counter() - start)
        print(
            f"{name:26} {_pages(data):3d} page(s)  median {statistics.median(times):6.3f} s"
            f"  fastest {min(times):6.3f} s",
            flush=True,
        )


def demo(runs: int) -> None:
    walls, cpus = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "connector", "demo", "--dir", str(Path(tmp) / "demo")],
                check=True,
                capture_output=True,
            )
            walls.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    print(
        f"{'relance demo':26} wall time  median {statistics.median(walls):6.2f} s"
        f"  fastest {min(walls):6.2f} s  (CPU median {statistics.median(cpus):.2f} s,"
        f" {runs} run(s))",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--save", type=Path, help="write each document printed to this folder")
    parser.add_argument("--no-demo", action="store_true", help="skip the demo's wall time")
    parser.add_argument("--demo-runs", type=int, default=1, help="run the demo this many times")
    args = parser.parse_args()
    if args.save is not None:
        args.save.mkdir(parents=True, exist_ok=True)
    measure(args.repeat, args.save)
    if not args.no_demo:
        demo(args.demo_runs)


if __name__ == "__main__":
    main()
