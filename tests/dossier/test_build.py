"""The collection file of a customer whose whole story was played by the real executor:
what is in the zip, under which names, and whether the figures are the law's and add up."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from connector.dossier import build_dossier, dossier_name
from connector.errors import ConfigError
from connector.legal import InvoiceDebt, RateTables, assess
from connector.money import Money
from connector.policy import default_policy

from .scenario import (
    AS_OF,
    CMD,
    CREDIT,
    CREDITOR,
    DRIVE,
    FORMULA,
    INVOICES,
    NAME,
    PASSWD,
    POSTED_ON,
    RECEIVED_ON,
    SOURCE_PDF,
    TENANT,
    TRACKING,
    UNAPPLIED,
    InvoiceSource,
    Scenario,
)

APOS = "\u2019"  # the typographic apostrophe of French prose
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SAFE = re.compile(r"[0-9]{2,}-[A-Za-z0-9][A-Za-z0-9._-]*")


def _build(scenario: Scenario, out: Path, **kwargs: object) -> tuple[zipfile.ZipFile, object]:
    result = build_dossier(
        scenario.store,
        TENANT,
        scenario.customer_ref,
        creditor=kwargs.pop("creditor", CREDITOR),  # type: ignore[arg-type]
        policy=default_policy(),
        as_of=kwargs.pop("as_of", AS_OF),  # type: ignore[arg-type]
        out=out,
        source=InvoiceSource(),
        **kwargs,  # type: ignore[arg-type]
    )
    return zipfile.ZipFile(result.path), result


def _piece(archive: zipfile.ZipFile, ending: str) -> bytes:
    """The one piece whose name ends so (numbers shift as the story grows)."""
    (name,) = [n for n in archive.namelist() if n.endswith(ending)]
    return archive.read(name)


def _plain(text: str) -> str:
    """No-break spaces as spaces, runs of spaces as one: text as a reader compares it."""
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def _text(data: bytes) -> str:
    return _plain(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture(scope="module")
def dossier(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("out") / dossier_name(scenario.customer_ref, AS_OF)
    archive, _ = _build(scenario, out)
    return archive


def test_every_piece_is_in_the_zip_in_order_under_a_safe_name(dossier: zipfile.ZipFile) -> None:
    names = dossier.namelist()
    assert names == [
        "00-bordereau.pdf",
        "01-decompte.pdf",
        "02-decompte.csv",
        "03-etat-facture-_etc_passwd.pdf",  # ../../etc/passwd: no PDF at the source
        "04-facture-_1_1.pdf",  # =1+1: the source's own PDF
        "05-2025-12-31-courtesy.eml",
        "06-2026-01-06-reminder_1.eml",
        "07-2026-01-14-courtesy.eml",
        "08-2026-01-20-reminder_2.eml",
        "09-2026-02-04-formal_notice.pdf",  # posted on 5 February
        "10-2026-02-16-reminder_1.eml",  # C:\x, not in the notice: reminded on its own
        "11-historique.pdf",
        "12-reglements.csv",
        "13-journal.json",
        "14-journal.csv",
    ]
    for name in names:
        assert SAFE.fullmatch(name), name
        assert ".." not in name and "/" not in name and "\\" not in name
    assert Path(dossier.filename or "").name == "dossier-_C_evil_-2026-05-15.zip"


def test_the_bordereau_numbers_every_other_file(dossier: zipfile.ZipFile) -> None:
    text = _text(dossier.read("00-bordereau.pdf"))
    assert text.startswith("Bordereau de pièces")
    for number, name in enumerate(dossier.namelist()[1:], start=1):
        assert f"{number} " in text and name in text, name
    assert "État de la facture ../../etc/passwd du 01/12/2025" in text
    assert "Facture =1+1 du 20/12/2025" in text
    assert "Relance n° 1 du 16/02/2026" in text  # C:\\x's first reminder, as the policy counts
    assert "Mise en demeure du 05/02/2026, par lettre recommandée avec accusé de réception" in text
    # an e-mail only written to the outbox folder is not said to have been sent
    assert (
        f"Relance n° 1 du 06/01/2026, par courriel : fichier tel qu{APOS}écrit dans le dossier "
        f"d{APOS}envoi (transmission non confirmée)"
    ) in text
    assert f"aucun fichier n{APOS}est désigné" in text  # no terms of sale configured: said so


def test_the_decompte_is_the_law_computed_and_adds_up(dossier: zipfile.ZipFile) -> None:
    rows = _rows(dossier.read("02-decompte.csv"))
    tables = RateTables()
    by_section: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_section[row["Rubrique"]].append(row)
    claimed = {r.number: r for r in INVOICES if r.number in (PASSWD, FORMULA)}
    for row in by_section["facture"]:
        number = row["Référence"].removeprefix("'")
        invoice = claimed.pop(number)
        (expected,) = assess(
            [InvoiceDebt(number, invoice.open_balance, invoice.due_on)],
            as_of=AS_OF,
            tables=tables,
        ).invoices
        assert (
            Decimal(row["Principal dû"]) == expected.principal.amount == invoice.open_balance.amount
        )
        assert Decimal(row["Pénalités"]) == expected.interest.amount
        assert Decimal(row["Indemnité"]) == expected.indemnity.amount == Decimal(40)
        assert Decimal(row["Réglé"]) == (invoice.total - invoice.open_balance).amount
        assert (
            Decimal(row["Total"])
            == (expected.principal + expected.interest + expected.indemnity).amount
        )
        periods = [
            p for p in by_section[f"période d{APOS}intérêts"] if p["Référence"] == row["Référence"]
        ]
        assert [
            (p["Du"], p["Au"], int(p["Jours"]), Decimal(p["Taux annuel (%)"])) for p in periods
        ] == [(q.start.isoformat(), q.end.isoformat(), q.days, q.rate) for q in expected.periods]
        assert all(p["Base (jours)"] == "365" for p in periods)
    assert claimed == {}  # both claimed invoices are there, and nothing else is claimed
    deductions = {r["Référence"]: Decimal(r["Total"]) for r in by_section["avoir"]}
    deductions |= {r["Référence"]: Decimal(r["Total"]) for r in by_section["règlement non affecté"]}
    assert deductions == {"'" + CREDIT: Decimal("-150.00"), "'" + UNAPPLIED: Decimal("-100.00")}
    not_claimed = {
        r["Référence"].removeprefix("'"): r["Observation"] for r in by_section["non réclamé"]
    }
    assert not_claimed[DRIVE].startswith("contestée depuis le 20/02/2026")
    assert not_claimed[CMD] == "non échue (échéance le 31/05/2026)"
    (total,) = by_section["total"]
    lines = by_section["facture"] + by_section["avoir"] + by_section["règlement non affecté"]
    assert sum(Decimal(r["Total"]) for r in lines) == Decimal(total["Total"])
    assert Decimal(total["Total"]) == (
        Decimal(total["Principal dû"])
        + Decimal(total["Pénalités"])
        + Decimal(total["Indemnité"])
        + Decimal(total["Déduction"])
    )
    assert Decimal(total["Principal dû"]) == Decimal("3000.00")  # 1 200 + 1 800


def test_the_decompte_sheet_shows_the_same_figures(dossier: zipfile.ZipFile) -> None:
    text = _text(dossier.read("01-decompte.pdf"))
    total = next(r for r in _rows(dossier.read("02-decompte.csv")) if r["Rubrique"] == "total")
    figure = _plain(Money.of(total["Total"], "EUR").format("fr_FR"))
    assert f"Total dû au 15/05/2026 {figure}" in text
    assert "SIREN : 311 647 753" in text
    assert "Atelier Lumen SAS au capital de 10 000 € RCS Lyon 512 345 678" in text
    assert "Lyon, le 15 mai 2026 Claire Martin Comptabilité clients Atelier Lumen" in text
    assert NAME.split(",")[0] in text
    assert "Avoir -2+3 du 02/02/2026" in text
    assert "130 jours au taux de 12,15 % (base 365 jours) sur 1 200,00 €, soit 51,93 €" in text
    assert "article L441-10 du Code de commerce" in text


def test_no_csv_cell_can_be_read_as_a_formula(dossier: zipfile.ZipFile) -> None:
    for name in dossier.namelist():
        if not name.endswith(".csv"):
            continue
        data = dossier.read(name).decode("utf-8-sig")
        for row in csv.reader(io.StringIO(data)):
            for cell in row:
                if cell.startswith(FORMULA_STARTS):
                    # only a number may start with "-": a plain decimal, nothing else
                    assert re.fullmatch(r"-\d+(\.\d+)?", cell), (name, cell)
    payments = _rows(_piece(dossier, "-reglements.csv"))
    assert [p["Règlement"] for p in payments] == ["P-1", "'" + UNAPPLIED]
    assert (payments[0]["Affecté à"], payments[0]["Montant affecté"]) == ("'" + FORMULA, "1200.00")
    assert (payments[1]["Affecté à"], payments[1]["Non affecté"]) == ("", "100.00")
    trail = _piece(dossier, "-journal.csv").decode("utf-8-sig")
    assert f"Démarche écrite dans le dossier d{APOS}envoi" in trail
    assert "Lettre postée" in trail and "Suivi de lettre recommandée" in trail


def test_invoices_from_the_source_or_rebuilt_and_labelled(dossier: zipfile.ZipFile) -> None:
    assert _piece(dossier, "-facture-_1_1.pdf") == SOURCE_PDF
    text = _text(_piece(dossier, "-etat-facture-_etc_passwd.pdf"))
    assert f"Ce n{APOS}est pas la facture d{APOS}origine" in text
    assert "État de la facture ../../etc/passwd" in text
    assert "Solde dû au 15/05/2026 1 200,00 €" in text
    assert "https://factures.lumen.example/../../etc/passwd.pdf" in text


def test_reminders_as_sent_and_the_registered_letters_proof(
    dossier: zipfile.ZipFile, scenario: Scenario
) -> None:
    record = scenario.store.action(TENANT, scenario.notice_key)
    assert _piece(dossier, "-formal_notice.pdf") == Path(record.receipt or "").read_bytes()
    eml = _piece(dossier, "-2026-01-06-reminder_1.eml")
    assert b"Subject:" in eml
    history = _text(_piece(dossier, "-historique.pdf"))
    assert TRACKING in history
    assert f"{POSTED_ON:%d/%m/%Y}" in history and f"{RECEIVED_ON:%d/%m/%Y}" in history
    assert "Relance n° 2" in history and "Mise en demeure" in history
    assert "courriel (fichier écrit dans le dossier" in history
    assert "@virement annoncé" in history  # the promise
    assert "=livraison incomplète" in history  # the dispute
    assert "05/05/2026 : 900,00 €" in history  # the plan's instalment
    trail = json.loads(_piece(dossier, "-journal.json"))
    assert {
        "action_written",
        "letter_posted",
        "letter_tracked",
        "dispute_opened",
        "plan_agreed",
    } <= {e["kind"] for e in trail}


def test_a_reminder_whose_file_is_gone_is_rebuilt_and_marked(
    scenario: Scenario, tmp_path: Path
) -> None:
    sent = next(a for a in scenario.store.actions(TENANT) if a.step == "reminder_1" and a.receipt)
    path = Path(sent.receipt or "")
    kept = path.read_bytes()
    path.unlink()
    try:
        archive, _ = _build(scenario, tmp_path / "d.zip")
    finally:
        path.write_bytes(kept)
    text = _piece(archive, "-2026-01-06-reminder_1.txt").decode()
    assert text.startswith(f"Texte reconstitué d{APOS}après l{APOS}historique")
    assert PASSWD in text
    bordereau = _text(archive.read("00-bordereau.pdf"))
    assert (
        f"texte reconstitué d{APOS}après l{APOS}historique (fichier d{APOS}envoi non conservé)"
        in bordereau
    )


def test_the_terms_of_sale_named_by_the_tenant_are_in_the_file(
    scenario: Scenario, tmp_path: Path
) -> None:
    terms = tmp_path / "cgv.pdf"
    terms.write_bytes(SOURCE_PDF)
    creditor = CREDITOR.model_copy(update={"terms_of_sale": str(terms)})
    archive, _ = _build(scenario, tmp_path / "d.zip", creditor=creditor)
    assert _piece(archive, "-conditions-generales.pdf") == terms.read_bytes()
    assert "Conditions générales de vente" in _text(archive.read("00-bordereau.pdf"))
    assert "aucun fichier" not in _text(archive.read("00-bordereau.pdf"))

    missing = CREDITOR.model_copy(update={"terms_of_sale": str(tmp_path / "absent.pdf")})
    with pytest.raises(ConfigError, match="terms of sale file is missing") as raised:
        _build(scenario, tmp_path / "e.zip", creditor=missing)
    assert "absent.pdf" in str(raised.value) and "terms_of_sale" in str(raised.value)
    assert not (tmp_path / "e.zip").exists()


def test_a_file_dated_earlier_shows_only_what_had_happened(
    scenario: Scenario, tmp_path: Path
) -> None:
    archive, result = _build(scenario, tmp_path / "d.zip", as_of=date(2026, 1, 25))
    names = archive.namelist()
    assert not any("formal_notice" in n for n in names)  # sent on 4 February
    assert any("reminder_2" in n for n in names)
    decompte = _rows(archive.read("02-decompte.csv"))
    sections = {r["Rubrique"] for r in decompte}
    assert "avoir" not in sections  # the credit note is dated 2 February
    assert "règlement non affecté" not in sections  # the payment came on 20 March
    assert not any(r["Référence"] == "'" + CMD for r in decompte)  # issued 1 May
    payments = next(n for n in names if n.endswith("-reglements.csv"))
    assert [p["Règlement"] for p in _rows(archive.read(payments))] == ["P-1"]
    journal = next(n for n in names if n.endswith("-journal.json"))
    trail = json.loads(archive.read(journal))
    assert trail and all(e["at"][:10] <= "2026-01-25" for e in trail)
    assert result.reminders == 4  # type: ignore[attr-defined]
