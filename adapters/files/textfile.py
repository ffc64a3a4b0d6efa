"""The text of a ledger file: its encoding, its CSV separator, its amounts.

Encodings. A file starting with a byte order mark is what the mark says (UTF-8, UTF-16).
Otherwise a file whose bytes are all valid UTF-8 is UTF-8; else it is a single-byte file,
Windows-1252 (Excel's « CSV (séparateur: point-virgule) ») for relance's CSVs, ISO 8859-15
for a FEC unless it holds bytes 0x80-0x9F, which are characters only in Windows-1252 (the €,
’, œ of Windows). A file that has valid UTF-8 on some lines and not on others mixes two
encodings: it is refused with both line numbers, never read half right. An encoding the user
declares (``--encoding``) is checked the same way: a byte it has no character for stops the
import with its line. A FEC in EBCDIC (LPF art. A47 A-1 allows it) is recognised by its
header and read as IBM 1147, the French EBCDIC with the euro, unless declared otherwise.

CSV. The separator is the one of ``,``, ``;`` and tab that finds the most known column names
in the header line. Quoted cells keep their line breaks (an Excel cell on two lines).
Records are numbered by the line they start on, so an error names the line an editor shows.

Amounts. A decimal point (``1250.50``) or a decimal comma (``1250,50``), spaces between
thousands (``1 250,50``). Anything else is refused with what to write instead.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import ebcdic  # type: ignore[import-untyped]  # noqa: F401  (registers cp1147, cp297 ...)

from connector.errors import ImportFileError

__all__ = [
    "CsvTable",
    "DecodedText",
    "parse_amount",
    "read_csv_table",
    "read_text",
]

# the single-byte fallbacks
WINDOWS_1252 = "cp1252"
ISO_8859_15 = "iso8859-15"
EBCDIC_FRENCH = "cp1147"

_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "iso8859-15": "ISO 8859-15",
    "latin-1": "ISO 8859-1",
    "iso8859-1": "ISO 8859-1",
    "ascii": "ASCII",
    "cp1147": "EBCDIC (IBM 1147, French)",
    "cp297": "EBCDIC (IBM 297, French)",
    "cp500": "EBCDIC (IBM 500)",
}
# names people use that Python does not know
_ALIASES = {"latin-9": "iso8859-15", "ansi": "cp1252", "ebcdic": "cp1147"}
# single-byte encodings in which 0x80-0x9F are control characters, never text
_C1_IS_CONTROL = {"iso8859-15", "latin-1", "iso8859-1"}
_C1 = re.compile(rb"[\x80-\x9f]")


@dataclass(frozen=True, slots=True)
class DecodedText:
    text: str
    encoding: str  # as the user would name it: "UTF-8", "ISO 8859-15" ...


def _label(codec: str) -> str:
    return _LABELS.get(codec, codec)


def _line_of(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def _strict(path: Path, raw: bytes, codec: str, why: str) -> str:
    """``raw`` decoded with ``codec``; a byte it has no character for names its line."""
    if codec in _C1_IS_CONTROL and (c1 := _C1.search(raw)):
        byte = raw[c1.start()]
        raise ImportFileError(
            f"byte 0x{byte:02X} is not a character in {_label(codec)} ({why}); it is one in "
            "Windows-1252",
            path=path,
            line=_line_of(raw, c1.start()),
            hint="declare the file's real encoding (--encoding windows-1252), or export it "
            "again in UTF-8 or ISO 8859-15",
        )
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        byte = raw[exc.start]
        raise ImportFileError(
            f"byte 0x{byte:02X} is not valid {_label(codec)} ({why})",
            path=path,
            line=_line_of(raw, exc.start),
            hint="export the file again in one encoding (UTF-8 is best), or declare the one it "
            "is in with --encoding",
        ) from None


def _mixed(path: Path, raw: bytes) -> None:
    """Refuses a file that has valid UTF-8 beyond ASCII on one line and invalid on another."""
    utf8_line = bad_line = None
    bad_byte = 0
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            if bad_line is None:
                bad_line, bad_byte = number, line[exc.start]
        else:
            utf8_line = utf8_line or number
        if utf8_line and bad_line:
            raise ImportFileError(
                f"mixes encodings: line {utf8_line} is UTF-8, line {bad_line} is not "
                f"(byte 0x{bad_byte:02X}, from a single-byte encoding such as Windows-1252)",
                path=path,
                line=bad_line,
                hint="export the whole file again in one encoding (UTF-8 is best); a file "
                "pasted together from two exports has to be re-exported, not imported",
            )


def read_text(
    path: Path,
    *,
    single_byte: str = WINDOWS_1252,
    declared: str | None = None,
    ebcdic_header: str | None = None,
) -> DecodedText:
    """The file's text, in the encoding declared or detected (see the module's docstring).

    ``single_byte`` is what a file that is not UTF-8 is taken to be; ``ebcdic_header`` the
    first column name that, encoded in EBCDIC, marks an EBCDIC file.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError("file not found", path=path) from None
    except IsADirectoryError:
        raise ImportFileError("is a folder, not a file", path=path) from None
    if declared is not None:
        try:
            codec = codecs.lookup(_ALIASES.get(declared.lower(), declared)).name
        except LookupError:
            raise ImportFileError(
                f"{declared!r} is not an encoding relance knows",
                path=path,
                hint="use utf-8, iso-8859-15, windows-1252 or cp1147 (EBCDIC)",
            ) from None
        if codec == "utf-8":
            codec = "utf-8-sig"  # a declared UTF-8 file may still start with its mark
        return DecodedText(_strict(path, raw, codec, "the encoding declared"), _label(codec))
    if raw.startswith(codecs.BOM_UTF8):
        return DecodedText(
            _strict(path, raw, "utf-8-sig", "the file starts with a UTF-8 mark"), "UTF-8"
        )
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return DecodedText(
            _strict(path, raw, "utf-16", "the file starts with a UTF-16 mark"), "UTF-16"
        )
    if ebcdic_header and raw.startswith(ebcdic_header.encode("cp500")):
        return DecodedText(
            _strict(path, raw, EBCDIC_FRENCH, "its header is EBCDIC"), _label(EBCDIC_FRENCH)
        )
    try:
        return DecodedText(raw.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError:
        _mixed(path, raw)
    codec = single_byte
    if codec == ISO_8859_15 and _C1.search(raw):
        codec = WINDOWS_1252  # 0x80-0x9F are text only there
    return DecodedText(_strict(path, raw, codec, "detected"), _label(codec))


@dataclass(frozen=True, slots=True)
class CsvTable:
    path: Path
    header: tuple[str, ...]
    separator: str
    rows: tuple[tuple[int, dict[str, str]], ...]  # (line the record starts on, cells)


_SEPARATORS = (",", ";", "\t")
_SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def _cells(line: str, separator: str) -> list[str]:
    return [c.strip() for c in next(csv.reader([line], delimiter=separator), [])]


def _separator(first_line: str, known: set[str]) -> str:
    scores = {s: sum(c in known for c in _cells(first_line, s)) for s in _SEPARATORS}
    return max(_SEPARATORS, key=lambda s: (scores[s], -_SEPARATORS.index(s)))


def _records(path: Path, text: str, separator: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, strict=True)
    start = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ImportFileError(
                f"not readable as CSV: {exc}",
                path=path,
                line=start,
                hint='a cell that starts with a quote must end with one (write "" for a quote '
                "inside it); the file may also be cut short",
            ) from None
        yield start, [c.replace("\r\n", "\n").replace("\r", "\n") for c in cells]
        start = reader.line_num + 1


def read_csv_table(path: Path, text: str, known: set[str]) -> CsvTable:
    """The header and records of a CSV, its separator found from the ``known`` columns."""
    first_line = text.split("\n", 1)[0].rstrip("\r")
    separator = _separator(first_line, known)
    records = _records(path, text, separator)
    header_line = next(records, None)
    if header_line is None:
        raise ImportFileError("is empty: the header line is missing", path=path, line=1)
    header = tuple(c.strip().lstrip("\ufeff") for c in header_line[1])
    rows: list[tuple[int, dict[str, str]]] = []
    for line, cells in records:
        if not any(c.strip() for c in cells):
            continue  # a blank line, or Excel's ;;;; under the table
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            raise ImportFileError(
                f"more cells than header columns ({len(cells)} for {len(header)}, "
                f"{_SEPARATOR_NAMES[separator]}-separated)",
                path=path,
                line=line,
                hint="a cell holding the separator must be quoted; with a decimal comma, "
                "separate the columns with ;",
            )
        rows.append((line, dict(zip(header, cells, strict=False))))
    return CsvTable(path, header, separator, tuple(rows))


_PLAIN = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?")


def parse_amount(text: str) -> Decimal:
    """``1250.50``, ``1250,50`` or ``1 250,50``; ValueError saying what to write otherwise."""
    value = text.strip()
    if "," in value and "." in value:
        raise ValueError("has both a comma and a point: write 1250.50 or 1250,50")
    if not (_PLAIN.fullmatch(value) or _GROUPED.fullmatch(value)):
        raise ValueError(
            "is not an amount like 1250.50 or 1250,50 (digits, one decimal separator, "
            "no currency sign)"
        )
    digits = re.sub(r"[ \u00a0\u202f]", "", value)
    whole, comma, decimals = digits.partition(",")
    if comma and len(decimals) > 2:
        raise ValueError(
            f"is ambiguous: {whole}{decimals} or {whole}.{decimals}? write it without a "
            "thousands comma, or with at most two decimals"
        )
    return Decimal(digits.replace(",", "."))
