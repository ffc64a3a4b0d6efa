"""Cost of reading and checking a FEC, in time and peak memory.

    python benchmarks/fec_read.py                      # 50k and 200k invoices, UTF-8
    python benchmarks/fec_read.py --entries 200000 --encoding iso8859-15

Each run is its own process, so its peak RSS is its own. The FEC is synthetic and seeded:
per invoice one sales entry of three lines (customer, sales, VAT), and for two invoices in
three a bank entry of two lines lettered with it; 2,000 customers. Every line is checked
(encoding, fields, dates, amounts, balanced entries), the customer lines become the ledger.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COLUMNS = (
    "JournalCode\tJournalLib\tEcritureNum\tEcritureDate\tCompteNum\tCompteLib\tCompAuxNum\t"
    "CompAuxLib\tPieceRef\tPieceDate\tEcritureLib\tDebit\tCredit\tEcritureLet\tDateLet\t"
    "ValidDate\tMontantdevise\tIdevise"
)


def write_fec(path: Path, entries: int, encoding: str) -> int:
    rng = random.Random(7)
    lines = [COLUMNS]
    for n in range(1, entries + 1):
        customer = f"C{rng.randrange(2000):04}"
        day = f"2026{rng.randrange(1, 13):02}{rng.randrange(1, 29):02}"
        cents = rng.randrange(1000, 2_000_000)
        ht, tva = cents * 5 // 6, cents - cents * 5 // 6
        amount = f"{cents // 100},{cents % 100:02}"
        letter = f"L{n}" if n % 3 else ""
        piece = f"F-{n:07}"
        lines += [
            f"VE\tVentes\t{n}\t{day}\t411000\tClients\t{customer}\tClient Éloïse {customer}\t"
            f"{piece}\t{day}\tFacture {piece}\t{amount}\t0,00\t{letter}\t{day if letter else ''}"
            f"\t{day}\t\t",
            f"VE\tVentes\t{n}\t{day}\t706000\tPrestations\t\t\t{piece}\t{day}\tFacture {piece}"
            f"\t0,00\t{ht // 100},{ht % 100:02}\t\t\t{day}\t\t",
            f"VE\tVentes\t{n}\t{day}\t445710\tTVA collectée\t\t\t{piece}\t{day}\t"
            f"Facture {piece}\t0,00\t{tva // 100},{tva % 100:02}\t\t\t{day}\t\t",
        ]
        if letter:
            lines += [
                f"BQ\tBanque\t{n}\t{day}\t411000\tClients\t{customer}\tClient Éloïse {customer}\t"
                f"VIR-{n}\t{day}\tVirement\t0,00\t{amount}\t{letter}\t{day}\t{day}\t\t",
                f"BQ\tBanque\t{n}\t{day}\t512000\tBanque\t\t\tVIR-{n}\t{day}\tVirement\t{amount}"
                f"\t0,00\t\t\t{day}\t\t",
            ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return len(lines) - 1


def measure(entries: int, encoding: str) -> dict[str, object]:
    from adapters.files import load_fec

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "FEC.txt"
        count = write_fec(path, entries, encoding)
        size = path.stat().st_size
        began, cpu = time.perf_counter(), time.process_time()
        ledger = load_fec(path, "bench")
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
    return {
        "entries": entries,
        "lines": count,
        "megabytes": round(size / 1e6, 1),
        "encoding": encoding,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),  # what the machine's other work does not inflate
        "lines_per_cpu_second": round(count / cpu),
        "receivables": len(ledger.receivables),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, nargs="*", default=[50_000, 200_000])
    parser.add_argument("--encoding", default="utf-8")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child process's size
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.encoding)))
        return
    for entries in args.entries:
        child = [sys.executable, __file__, "--one", str(entries), "--encoding", args.encoding]
        print(subprocess.run(child, check=True, capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
