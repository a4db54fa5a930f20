#!/usr/bin/env python3
"""Prometheus and Alertmanager (the distribution's, from tools.sh) against the local gateway,
with a stand-in for the Telegram Bot API that records what Alertmanager sends.

  ops.py run  --bin DIR [--gateway URL]      `make ops`: until Ctrl-C, printing each message
  ops.py test --bin DIR --gateway-bin PATH   `make test-ops`: the end-to-end alert test

The rules are the repository's (rules/*.yml) with every duration divided by 60 (a 1 h window
becomes 60 s, `for: 2m` becomes 2 s), scraped and evaluated every second, so an alert fires
and resolves within seconds; the routing, inhibition and template are alertmanager.yml's with
the Bot API URL pointed at the stand-in and group_wait and group_interval cut to a second.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

MONITORING = Path(__file__).resolve().parent.parent
REPO = MONITORING.parent.parent
SCALE = 60
# The function the test makes fail: its route needs neither a token nor the database.
FAULT_FUNCTION = "openapi"
FAULT_PATH = "/openapi.json"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the rules, time-compressed ---------------------------------------------------------

UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")


def seconds(text: str) -> float:
    parts = DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"not a duration: {text}")
    return sum(int(n) * UNITS[u] for n, u in parts)


def scaled(text: str) -> str:
    return f"{max(1, round(seconds(text) / SCALE))}s"


def scale_expr(expr: str) -> str:
    """Range selectors and subqueries: [1h] → [60s], [30m:1m] → [30s:1s]."""

    def one(m: re.Match) -> str:
        out = scaled(m[1])
        if m[2] is not None:
            out += ":" + (scaled(m[3]) if m[3] else "")
        return f"[{out}]"

    return re.sub(r"\[(\d+[a-z]+)(:(\d+[a-z]+)?)?\]", one, expr)


def scale_rules(doc: dict) -> dict:
    for group in doc["groups"]:
        if "interval" in group:
            group["interval"] = scaled(group["interval"])
        for rule in group["rules"]:
            rule["expr"] = scale_expr(rule["expr"])
            if "for" in rule:
                rule["for"] = scaled(rule["for"])
    return doc


def write_config(run: Path, gateway: str, am_port: int, telegram_url: str) -> None:
    (run / "rules").mkdir(parents=True, exist_ok=True)
    for f in sorted((MONITORING / "rules").glob("*.yml")):
        (run / "rules" / f.name).write_text(yaml.safe_dump(scale_rules(yaml.safe_load(f.read_text())), sort_keys=False))
    target = urllib.parse.urlsplit(gateway).netloc
    prometheus = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "external_labels": {"app": "connectsphere"}},
        "rule_files": [str(run / "rules" / "*.yml")],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [f"127.0.0.1:{am_port}"]}]}]},
        "scrape_configs": [{"job_name": "gateway", "static_configs": [{"targets": [target]}]}],
    }
    (run / "prometheus.yml").write_text(yaml.safe_dump(prometheus, sort_keys=False))

    am = yaml.safe_load((MONITORING / "alertmanager.yml").read_text())
    am["global"]["telegram_api_url"] = telegram_url
    am["templates"] = [str(MONITORING / t) for t in am["templates"]]

    def shorten(route: dict) -> None:
        for key in ("group_wait", "group_interval"):
            if key in route:
                route[key] = "1s"
        for child in route.get("routes", []):
            shorten(child)

    shorten(am["route"])
    (run / "alertmanager.yml").write_text(yaml.safe_dump(am, sort_keys=False))


# ---- the Telegram Bot API stand-in --------------------------------------------------------

class Telegram:
    """Answers POST /bot<token>/<method> as the Bot API does and keeps every sendMessage."""

    def __init__(self):
        self.messages: list[dict] = []
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("content-length") or 0)).decode()
                if "json" in (self.headers.get("content-type") or ""):
                    body = json.loads(raw or "{}")
                else:
                    body = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
                m = re.fullmatch(r"/bot([^/]+)/(\w+)", self.path)
                if not m:
                    return self.reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                token, method = m[1], m[2]
                if method == "sendMessage":
                    with outer.cond:
                        outer.messages.append({"token": token, **body})
                        outer.cond.notify_all()
                    if outer.echo:
                        print(f"--- telegram ({body.get('chat_id')}):\n{body.get('text')}", flush=True)
                result = {"message_id": len(outer.messages), "date": int(time.time()),
                          "chat": {"id": int(body.get("chat_id", 0)), "type": "group"}, "text": body.get("text", "")}
                self.reply(200, {"ok": True, "result": result})

            def reply(self, status, doc):
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.echo = False
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, pred, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for msg in self.messages:
                    if pred(msg):
                        return msg
                left = deadline - time.monotonic()
                if left <= 0:
                    texts = "\n---\n".join(m.get("text", "") for m in self.messages) or "(none)"
                    raise AssertionError(f"no Telegram message {what} within {timeout:.0f} s; messages so far:\n{texts}")
                self.cond.wait(left)


# ---- processes ----------------------------------------------------------------------------

class Stack:
    def __init__(self, bindir: Path, gateway: str, run: Path):
        self.run = run
        self.telegram = Telegram()
        self.prom_port, self.am_port = free_port(), free_port()
        write_config(run, gateway, self.am_port, self.telegram.url)
        self.procs: list[subprocess.Popen] = []
        logs = run / "logs"
        logs.mkdir(exist_ok=True)
        self.start([str(bindir / "prometheus-alertmanager"), f"--config.file={run / 'alertmanager.yml'}",
                    f"--storage.path={run / 'am-data'}", f"--web.listen-address=127.0.0.1:{self.am_port}",
                    "--cluster.listen-address="], logs / "alertmanager.log")
        self.start([str(bindir / "prometheus"), f"--config.file={run / 'prometheus.yml'}",
                    f"--storage.tsdb.path={run / 'prom-data'}", f"--web.listen-address=127.0.0.1:{self.prom_port}",
                    "--storage.tsdb.retention.time=2h"], logs / "prometheus.log")
        self.prometheus = f"http://127.0.0.1:{self.prom_port}"
        self.alertmanager = f"http://127.0.0.1:{self.am_port}"
        wait_http(f"{self.prometheus}/-/ready", 30, "Prometheus")
        wait_http(f"{self.alertmanager}/-/ready", 30, "Alertmanager")

    def start(self, cmd: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
        p = subprocess.Popen(cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env, start_new_session=True)
        self.procs.append(p)
        return p

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()

    def query(self, expr: str) -> list:
        url = f"{self.prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        return json.load(urllib.request.urlopen(url, timeout=5))["data"]["result"]


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def wait_http(url: str, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if http("GET", url)[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not answer {url} within {timeout:.0f} s")
        time.sleep(0.2)


def wait_until(pred, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.25)


def interrupt(*_):
    raise KeyboardInterrupt


# ---- make ops -------------------------------------------------------------------------------

def cmd_run(args) -> int:
    # Ctrl-C, or a TERM from whoever started it: stop Prometheus and Alertmanager too.
    signal.signal(signal.SIGTERM, interrupt)
    run = REPO / ".local" / "ops" / "run"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    stack = Stack(Path(args.bin), args.gateway, run)
    stack.telegram.echo = True
    print(f"Prometheus   {stack.prometheus}  (scraping {args.gateway}/metrics every second)")
    print(f"Alertmanager {stack.alertmanager}")
    print(f"Telegram stand-in {stack.telegram.url}: messages are printed here")
    print(f"Make a function fail: curl -X PUT {args.gateway}/__local/faults/<function>  (DELETE to stop)")
    print("Ctrl-C stops Prometheus and Alertmanager.")
    try:
        while all(p.poll() is None for p in stack.procs):
            time.sleep(1)
        print("a process exited; logs in", run / "logs", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stack.stop()


# ---- make test-ops ------------------------------------------------------------------------

def cmd_test(args) -> int:
    started = time.monotonic()
    run = Path(tempfile.mkdtemp(prefix="cs-ops-", dir=REPO / ".local"))
    gw_port, ws_port = free_port(), free_port()
    gateway = f"http://127.0.0.1:{gw_port}"
    env = {**os.environ, "GATEWAY_PORT": str(gw_port), "WEBSOCKET_PORT": str(ws_port), "RUST_LOG": "warn"}
    (run / "logs").mkdir(parents=True)
    gw = subprocess.Popen([args.gateway_bin, "serve"], stdout=open(run / "logs" / "gateway.log", "w"),
                          stderr=subprocess.STDOUT, env=env, start_new_session=True)
    stack = None
    stop = threading.Event()
    try:
        wait_http(f"{gateway}/openapi.json", 120, "the local gateway")
        stack = Stack(Path(args.bin), gateway, run)
        stack.procs.insert(0, gw)
        wait_until(lambda: stack.query('up{job="gateway"} == 1'), 30, "Prometheus scrapes the gateway")
        step = lambda msg: print(f"[{time.monotonic() - started:5.1f}s] {msg}", flush=True)
        step("gateway, Prometheus and Alertmanager up")
        _, page = http("GET", f"{gateway}/metrics")
        live = sorted(" ".join(line.split()[2:4]) for line in page.decode().splitlines() if line.startswith("# TYPE "))
        listed = sorted(l for l in (MONITORING / "local" / "metrics.txt").read_text().splitlines() if l and not l.startswith("#"))
        assert live == listed, f"local/metrics.txt is not what /metrics exposes:\n  only in /metrics: {sorted(set(live) - set(listed))}\n  only in the list: {sorted(set(listed) - set(live))}"

        def traffic():
            while not stop.is_set():
                http("GET", gateway + FAULT_PATH)
                time.sleep(0.05)

        threading.Thread(target=traffic, daemon=True).start()
        wait_until(lambda: stack.query('cs:api_requests:rate5m{api="http",source="local"} > 0'), 30, "requests recorded")
        status, body = http("PUT", f"{gateway}/__local/faults/{FAULT_FUNCTION}")
        assert status == 200, (status, body)
        step(f"{FAULT_FUNCTION} made to fail")

        def about(alert: str, state: str):
            return lambda m: f"[{state}" in m.get("text", "") and alert in m.get("text", "")

        firing = stack.telegram.wait_for(about("ApiErrorBudgetBurn", "FIRING"), 60, "about ApiErrorBudgetBurn firing")
        step("Telegram got: " + firing["text"].replace("\n", " | "))
        assert firing["token"] == "REPLACE_WITH_BOT_TOKEN", firing["token"]
        assert str(firing["chat_id"]) == "-1000000000000", firing["chat_id"]
        assert firing.get("parse_mode") == "HTML", firing
        assert "http API:" in firing["text"] and "of requests failed in the last hour" in firing["text"], firing["text"]
        assert "runbook: docs/operations.md#apierrorbudgetburn" in firing["text"], firing["text"]

        status, body = http("DELETE", f"{gateway}/__local/faults/{FAULT_FUNCTION}")
        assert status == 200, (status, body)
        step(f"{FAULT_FUNCTION} fault lifted")
        resolved = stack.telegram.wait_for(about("ApiErrorBudgetBurn", "RESOLVED"), 60, "about ApiErrorBudgetBurn resolved")
        step("Telegram got: " + resolved["text"].replace("\n", " | "))
        stop.set()

        # Inhibition: with DatabaseDown firing, an alert about a function of the same source
        # is held back (Alertmanager's own API says by what), and DatabaseDown is sent.
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        alerts = [
            {"labels": {"alertname": "DatabaseDown", "severity": "page", "component": "database", "source": "probe"},
             "annotations": {"summary": "probe: the database does not answer", "description": "-", "runbook": "-"}, "startsAt": now},
            {"labels": {"alertname": "FunctionErrors", "severity": "ticket", "component": "function", "function": "probe-fn", "source": "probe"},
             "annotations": {"summary": "probe-fn fails", "description": "-", "runbook": "-"}, "startsAt": now},
        ]
        status, body = http("POST", f"{stack.alertmanager}/api/v2/alerts", json.dumps(alerts).encode(), {"content-type": "application/json"})
        assert status == 200, (status, body)
        stack.telegram.wait_for(lambda m: "probe: the database does not answer" in m.get("text", ""), 30, "about the probe DatabaseDown")

        def inhibited():
            _, data = http("GET", f"{stack.alertmanager}/api/v2/alerts?filter=source%3D%22probe%22")
            by_name = {a["labels"]["alertname"]: a["status"] for a in json.loads(data)}
            return by_name if by_name.get("FunctionErrors", {}).get("inhibitedBy") else None

        states = wait_until(inhibited, 15, "FunctionErrors inhibited by DatabaseDown")
        assert states["FunctionErrors"]["state"] == "suppressed", states
        assert not any("probe-fn" in m.get("text", "") for m in stack.telegram.messages), "an inhibited alert reached Telegram"
        step("FunctionErrors held back while DatabaseDown fires")
        step(f"ok: {len(stack.telegram.messages)} Telegram messages")
        return 0
    except BaseException:
        for log in sorted((run / "logs").glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()[-15:]
            print(f"--- {log.name} (last lines)", *lines, sep="\n", file=sys.stderr)
        raise
    finally:
        stop.set()
        if stack:
            stack.stop()
        elif gw.poll() is None:
            gw.terminate()
            gw.wait(10)
        shutil.rmtree(run, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--bin", required=True)
    r.add_argument("--gateway", default=f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '3000')}")
    t = sub.add_parser("test")
    t.add_argument("--bin", required=True)
    t.add_argument("--gateway-bin", required=True)
    args = ap.parse_args()
    return cmd_run(args) if args.command == "run" else cmd_test(args)


if __name__ == "__main__":
    sys.exit(main())
