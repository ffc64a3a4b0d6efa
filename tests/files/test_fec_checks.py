"""A FEC is read in the encodings LPF art. A47 A-1 allows, and every line of it is checked:
through the `relance import` command, a file is imported whole or refused with its line."""

from __future__ import annotations

from pathlib import Path

import ebcdic  # type: ignore[import-untyped]  # the EBCDIC code pages, to write one
import pytest

from connector.store import Store
from connector.store.ledger import ref_from_key
from tests.cli.conftest import Run

from .fec_text import Line, fec_file, sale


@pytest.fixture
def tenant(workdir: Path, relance: Run) -> Path:
    code, _, err = relance("init", "--tenant", "acme", "--name", "Acme")
    assert code == 0, err
    return workdir


def _names(workdir: Path) -> dict[str, str]:
    with Store.open(f"sqlite:///{workdir / 'relance.sqlite'}") as store:
        return {
            ref_from_key(key).external_id: name
            for key, name in store.customer_names("acme").items()
        }


def _import(relance: Run, *args: str) -> tuple[int, str]:
    code, _, err = relance("import", "FEC.txt", *args)
    return code, err


# --- encodings ---------------------------------------------------------------------------------


def test_iso_8859_15_the_encoding_of_the_article_is_read_with_its_euro_and_oe(
    tenant: Path, relance: Run
) -> None:
    entries = [
        sale(1, "CCOEUR", "F-001", "120,00", name="Cœur de Lyon"),
        sale(2, "CEURO", "F-002", "80,00", name="Café à 2 €"),
    ]
    fec_file(tenant / "FEC.txt", entries, encoding="iso-8859-15", separator="|")
    code, err = _import(relance)
    assert code == 0, err
    assert _names(tenant) == {"CCOEUR": "Cœur de Lyon", "CEURO": "Café à 2 €"}


def test_windows_1252_is_told_from_iso_8859_15_by_its_own_bytes(tenant: Path, relance: Run) -> None:
    entries = [sale(1, "CCOEUR", "F-001", "120,00", name="L’Œuvre du Cœur, 2 €")]
    fec_file(tenant / "FEC.txt", entries, encoding="cp1252")
    code, err = _import(relance)
    assert code == 0, err
    assert _names(tenant) == {"CCOEUR": "L’Œuvre du Cœur, 2 €"}


def test_an_ebcdic_fec_is_read(tenant: Path, relance: Run) -> None:
    assert ebcdic.codec_names  # IBM 1147, the French EBCDIC with the euro, among them
    entries = [sale(1, "CDUPONT", "F-001", "120,00", name="Boulangère Dupont")]
    fec_file(tenant / "FEC.txt", entries, encoding="cp1147")
    code, err = _import(relance)
    assert code == 0, err
    assert _names(tenant) == {"CDUPONT": "Boulangère Dupont"}


def test_bytes_not_in_the_declared_encoding_are_refused_with_their_line(
    tenant: Path, relance: Run
) -> None:
    entries = [sale(n, f"C{n}", f"F-{n}", "10,00") for n in range(1, 4)]
    entries.append(sale(4, "C4", "F-4", "10,00", name="Crêperie Yvon"))
    fec_file(tenant / "FEC.txt", entries, encoding="iso-8859-15")
    code, err = _import(relance, "--encoding", "utf-8")
    assert code == 5
    assert "FEC.txt, line 8: byte 0xEA is not valid UTF-8 (the encoding declared)" in err
    assert _names(tenant) == {}


def test_a_windows_byte_in_a_file_declared_iso_8859_15_is_refused(
    tenant: Path, relance: Run
) -> None:
    entries = [sale(1, "C1", "F-1", "10,00", name="L’Atelier")]
    fec_file(tenant / "FEC.txt", entries, encoding="cp1252")
    code, err = _import(relance, "--encoding", "iso-8859-15")
    assert code == 5
    assert "FEC.txt, line 2: byte 0x92 is not a character in ISO 8859-15" in err


def test_a_byte_that_is_no_character_at_all_is_refused_with_its_line(
    tenant: Path, relance: Run
) -> None:
    fec_file(
        tenant / "FEC.txt", [sale(1, "C1", "F-1", "10,00", name="L’Atelier")], encoding="cp1252"
    )
    raw = (tenant / "FEC.txt").read_bytes().replace(b"C1\tL", b"C1\t\x81L")
    (tenant / "FEC.txt").write_bytes(raw)
    code, err = _import(relance)
    assert code == 5
    assert "FEC.txt, line 2: byte 0x81 is not valid Windows-1252 (detected)" in err


def test_a_fec_mixing_utf8_and_iso_8859_15_is_refused_with_the_line(
    tenant: Path, relance: Run
) -> None:
    fec_file(tenant / "FEC.txt", [sale(1, "C1", "F-1", "10,00", name="Élise")])
    more = fec_file(
        tenant / "more.txt", [sale(2, "C2", "F-2", "10,00", name="Crêperie")], encoding="iso8859-15"
    )
    pasted = (tenant / "FEC.txt").read_bytes() + more.read_bytes().split(b"\r\n", 1)[1]
    (tenant / "FEC.txt").write_bytes(pasted)
    code, err = _import(relance)
    assert code == 5
    assert "FEC.txt, line 4: mixes encodings: line 2 is UTF-8, line 4 is not (byte 0xEA" in err


# --- every line checked ------------------------------------------------------------------------


def _with(entries: list[list[Line]], entry: int, line: int, **cells: str) -> list[list[Line]]:
    entries[entry][line].update(cells)
    return entries


def test_an_unbalanced_entry_is_refused_naming_it_and_its_line(tenant: Path, relance: Run) -> None:
    entries = [sale(n, "C1", f"F-{n}", "100,00") for n in range(1, 4)]
    fec_file(tenant / "FEC.txt", _with(entries, 1, 1, Credit="90,00"))
    code, err = _import(relance)
    assert code == 5
    assert (
        "FEC.txt, line 4: 1 entry is not balanced (JournalCode EcritureNum): "
        "VE 2 (line 4): debit 100.00, credit 90.00" in err
    )
    assert "export it again from the accounting software" in err
    assert _names(tenant) == {}


def test_a_fec_cut_in_the_middle_of_an_entry_is_refused(tenant: Path, relance: Run) -> None:
    entries = [sale(n, "C1", f"F-{n}", "100,00") for n in range(1, 4)]
    fec_file(tenant / "FEC.txt", entries)
    text = (tenant / "FEC.txt").read_bytes()
    (tenant / "FEC.txt").write_bytes(text[: text.rindex(b"\r\n", 0, -2) + 2])  # last line gone
    code, err = _import(relance)
    assert code == 5 and "VE 3 (line 6): debit 100.00, credit 0" in err


def test_a_negative_debit_is_refused(tenant: Path, relance: Run) -> None:
    entries = [sale(1, "C1", "F-1", "100,00")]
    fec_file(tenant / "FEC.txt", _with(entries, 0, 0, Debit="-100,00", Credit="0,00"))
    code, err = _import(relance)
    assert code == 5
    assert "FEC.txt, line 2, column 'Debit': '-100,00' is negative" in err
    assert "put 100,00 in Credit on that line" in err


@pytest.mark.parametrize(
    ("value", "what"),
    [("20261305", "'20261305' is not a date YYYYMMDD"), ("", "is empty; the FEC requires")],
)
def test_a_bad_entry_date_is_refused_on_any_line(
    tenant: Path, relance: Run, value: str, what: str
) -> None:
    entries = [sale(1, "C1", "F-1", "100,00")]
    fec_file(tenant / "FEC.txt", _with(entries, 0, 1, EcritureDate=value))  # the sales line
    code, err = _import(relance)
    assert code == 5
    assert f"FEC.txt, line 3, column 'EcritureDate': {what}" in err


def test_a_label_holding_the_separator_is_refused(tenant: Path, relance: Run) -> None:
    entries = [sale(1, "C1", "F-1", "100,00")]
    fec_file(
        tenant / "FEC.txt", _with(entries, 0, 0, EcritureLib="Facture | acompte"), separator="|"
    )
    code, err = _import(relance)
    assert code == 5
    assert "FEC.txt, line 2: has 19 fields, the header 18 (|-separated)" in err
