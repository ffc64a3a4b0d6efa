"""How fast every page of the web app answers on a big tenant (issue 17's target: under
300 ms each, with 100,000 open invoices and 20,000 customers).

    python benchmarks/big_tenant.py --store-url sqlite:////tmp/big.sqlite     # once
    python benchmarks/web_pages.py --store-url sqlite:////tmp/big.sqlite --tenant big
    python benchmarks/web_pages.py --store-url postgresql+psycopg://postgres@127.0.0.1/relance_big

A real ``relance web`` process serves the store; a person logs in over HTTP and every GET
page of the tenant (every route of ``connector.web.app.PAGES`` under ``/t/{tenant}/``, with
a real customer, invoice and action of the tenant in its URL) is fetched ``--rounds`` times
after one warm-up. Printed per page: median and worst server time (wall time of the
request on loopback), and the size of the answer. Nothing is asserted: the figures are for
the closing note and for comparing changes. The store has no outbox files, so a sent
message's ``/html`` and ``/file`` answer 404 (counted apart); the action previewed is the
first one Today plans, and the letter's PDF a formal notice Today plans, else one posted.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, unquote

import requests
from fastapi.routing import APIRoute
from PIL import Image

from connector.accounts import Role, hash_password
from connector.store import Store
from connector.web.app import PAGES

LOGIN, PASSWORD = "bench", "benchmark password"


def _port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _values(store: Store, tenant: str) -> dict[str, str]:
    customer = next(iter(store.customer_names(tenant)))
    receivable = next(iter(store.open_receivables(tenant))).ref.key
    actions = store.actions(tenant)
    values = {"tenant": tenant, "customer": customer, "receivable": receivable,
              "invoice": receivable}  # fmt: skip
    if actions:
        values["sent"] = actions[-1].key  # a message that went out
    notices = [a for a in actions if a.step == "formal_notice" and a.channel.value == "letter"]
    if notices:  # a notice posted: its letter, rendered again as the preview shows it
        values["letter"] = notices[-1].key
    return values


def _next_actions(http: requests.Session, url: str, tenant: str, pages: int = 20) -> list[str]:
    """The actions Today lists (planned, not yet recorded): those a person previews; its
    pages are read until one lists a formal notice (a letter, to time its PDF too)."""
    keys: list[str] = []
    for number in range(1, pages + 1):
        today = http.get(f"{url}/t/{tenant}/today?page={number}", timeout=120).text
        found = re.findall(rf'href="/t/{tenant}/actions/([^"/]+)/preview"', today)
        keys += [unquote(k) for k in found]
        if any("|formal_notice|" in k for k in keys) or f"?page={number + 1}" not in today:
            break
    return list(dict.fromkeys(keys))


def _of_its_channel(http: requests.Session, url: str, path: str, keys: list[str]) -> str:
    """An e-mail's HTML or a letter's PDF: the path for the first action Today lists that
    goes out on that channel (another action's answers 404); a letter is most likely a
    formal notice."""
    if path.endswith("/letter.pdf"):
        keys = [k for k in keys if "|formal_notice|" in k] + keys
    for key in keys:
        candidate = path.replace(quote(keys[0], safe=""), quote(key, safe=""))
        if http.get(url + candidate, timeout=120).status_code == 200:
            return candidate
    return path


def _pages(values: dict[str, str]) -> list[str]:
    found = []
    for module in PAGES:
        for route in module.router.routes:
            if not isinstance(route, APIRoute) or "GET" not in route.methods:
                continue
            if "{tenant}" not in route.path or route.path.rstrip("/").endswith("{tenant}"):
                continue
            names = [n.split(":")[0] for n in re.findall(r"{([^}]+)}", route.path)]
            if any(
                n not in values for n in names if not ("/sent/" in route.path and n == "action")
            ):
                print(f"  (skipped {route.path}: no value for {names})")
                continue
            path = route.path
            for name in names:
                value = values["sent"] if "/sent/" in path and name == "action" else values[name]
                path = re.sub(r"{" + name + r"(:[^}]*)?}", quote(value, safe=""), path)
            found.append(path)
    return found


def _dashboard_cold(http: requests.Session, url: str, store_url: str, tenant: str) -> None:
    """The dashboard with no snapshot: the page's answer (it starts the computation and
    says so), then how long until its poll gets the charts. The table below times it warm
    (the snapshot current)."""
    with Store.open(store_url) as store:
        store.forget_dashboard_snapshot(tenant)
    start = time.perf_counter()
    answer = http.get(f"{url}/t/{tenant}/dashboard", timeout=120)
    page_ms = (time.perf_counter() - start) * 1000
    computing = "being computed" in answer.text
    polls = 0
    while True:
        polls += 1
        figures = http.get(f"{url}/t/{tenant}/dashboard/figures", timeout=120)
        if 'class="dashboard"' in figures.text or figures.status_code != 200:
            break
        time.sleep(0.1)
    ready_ms = (time.perf_counter() - start) * 1000
    print(
        f"dashboard, no snapshot: the page answers in {page_ms:.0f} ms "
        f"({'being computed' if computing else 'ready'}, {answer.status_code}); "
        f"the charts are there after {ready_ms:.0f} ms ({polls} polls, {figures.status_code})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store-url", required=True)
    parser.add_argument("--tenant", default="big")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default="", help="time only the pages matching this regex")
    args = parser.parse_args()

    with Store.open(args.store_url) as store:
        if store.person(LOGIN) is None:
            store.add_person(LOGIN, "Benchmark", hash_password(PASSWORD))
        store.grant(LOGIN, args.tenant, Role.MANAGER)
        values = _values(store, args.tenant)
    folder = Path(tempfile.mkdtemp(prefix="relance-web-bench-"))
    tenants = folder / "tenants"  # the settings pages read the tenant's own file
    tenants.mkdir()
    logo = Image.new("RGB", (480, 140), (30, 70, 130))  # letters print the tenant's logo
    logo.save(tenants / "logo.png")
    (tenants / f"{args.tenant}.toml").write_text(
        'platform = "files"\ncountry = "FR"\nlanguage = "fr"\n\n[creditor]\n'
        'name = "Grossiste Benchmark SAS"\nregistration_id = "552 100 554"\n'
        'email = "relances@grossiste.example"\nlogo = "logo.png"\n'
        '[creditor.address]\nlines = ["1 rue du Test"]\npostal_code = "69001"\ncity = "Lyon"\n'
    )
    (folder / "relance.toml").write_text(
        f'store_url = "{args.store_url}"\ntenants_dir = "{tenants}"\n'
        f'outbox_dir = "{folder / "outbox"}"\n'
    )
    port = _port()
    server = subprocess.Popen(
        [sys.executable, "-m", "connector", "--config", str(folder / "relance.toml"), "web",
         "--port", str(port)],
        stdout=(folder / "web.log").open("wb"), stderr=subprocess.STDOUT, cwd=folder,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(f"{url}/login", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        http = requests.Session()
        form = http.get(f"{url}/login", timeout=10)
        token = re.search(r'name="login_token" value="([^"]+)"', form.text)
        assert token is not None
        done = http.post(
            f"{url}/login",
            data={"login": LOGIN, "password": PASSWORD, "login_token": token.group(1)},
            cookies={"relance_login": form.cookies.get("relance_login", "")},
            allow_redirects=False, timeout=30,
        )  # fmt: skip
        http.headers["Cookie"] = f"relance_session={done.cookies['relance_session']}"
        print(f"{args.store_url} tenant {args.tenant}: {args.rounds} rounds after a warm-up")
        if not args.only or re.search(args.only, "/dashboard"):
            _dashboard_cold(http, url, args.store_url, args.tenant)
        planned = _next_actions(http, url, args.tenant)
        if planned:
            values["action"] = planned[0]
        print(f"{'page':60} {'median ms':>10} {'worst ms':>9} {'KiB':>7} status")
        slow: list[str] = []
        for path in _pages(values):
            if args.only and not re.search(args.only, path):
                continue
            if path.endswith(("/message.html", "/letter.pdf")):
                path = _of_its_channel(http, url, path, planned)
            if path.endswith("/letter.pdf") and values.get("letter") and values.get("action"):
                posted = path.replace(
                    quote(values["action"], safe=""), quote(values["letter"], safe="")
                )
                if http.get(url + path, timeout=120).status_code != 200:
                    path = posted  # no notice among Today's: a posted one, as its page shows it
            shown = path
            for name in ("customer", "action", "sent", "letter"):
                if values.get(name):
                    shown = shown.replace(quote(values[name], safe=""), "{" + name + "}")
            for key in planned[1:]:
                shown = shown.replace(quote(key, safe=""), "{action}")
            times, size, status = [], 0, 0
            try:
                http.get(url + path, timeout=120)  # warm-up
                for _ in range(args.rounds):
                    start = time.perf_counter()
                    answer = http.get(url + path, timeout=120)
                    times.append((time.perf_counter() - start) * 1000)
                    size, status = len(answer.content), answer.status_code
            except requests.ConnectionError as exc:  # a page that failed: said, and go on
                print(f"{shown[:60]:60} {'connection lost':>20} ({type(exc).__name__})")
                continue
            print(
                f"{shown[:60]:60} {statistics.median(times):10.0f} {max(times):9.0f} "
                f"{size / 1024:7.1f} {status}"
            )
            no_file = status == 404 and "/sent/" in path and path.endswith(("/html", "/file"))
            if statistics.median(times) >= 300 or (status != 200 and not no_file):
                slow.append(shown)
        print(f"pages at or over 300 ms (median) or not 200: {len(slow)} {slow or ''}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
