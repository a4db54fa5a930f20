#!/usr/bin/env python3
"""Writes rules/slo.yml: the per-API SLI series the burn-rate alerts (alerts.yml) read, over
each window they use, from CloudWatch (through YACE) and from the local gateway, recorded
under the same names (label `source` tells them apart). Run it after editing; `--check`
(infra-cdk/test/monitoring.test.ts) fails when slo.yml is not what this writes.

SLOs, per API (`api`: http, websocket):
  availability  99.9 % of requests answered without a 5xx (WebSocket: without an execution
                or integration error)
  latency       99 % of requests answered within 1 s (the p99 under 1 s)
"""
import sys
from pathlib import Path

WINDOWS = ["5m", "30m", "1h", "6h"]
OUT = Path(__file__).with_name("slo.yml")

# YACE: every Sum is per 60 s period, so a per-second rate over w is avg_over_time(x[w]) / 60.
def cw_api(expr: str) -> str:
    return f'label_replace({expr}, "api", "$1", "tag_api", "(.+)")'

# Latency percentiles in ms. A p-quantile over 1 s means more than (1 - p) of requests were
# slower: the largest such share is a lower bound of the slow share, exact at the quantiles
# YACE exports, which are the burn-rate thresholds (p85.6: 14.4 x 1 %, p94: 6 x 1 %).
CW_SLOW_STEPS = [("p99", 0.01), ("p94", 0.05), ("p85_6", 0.084), ("p50", 0.356)]
# The gateway's own endpoints are not the API.
LOCAL_ROUTES = 'route!~"GET /metrics|GET /health|local faults|static|S3 \\\\(emulator\\\\)|OPTIONS \\\\(CORS\\\\)"'
LOCAL_API = 'label_replace(label_replace({expr}, "api", "http", "route", ".*"), "api", "websocket", "route", "WS .*")'


def cw(w: str) -> list[dict]:
    def rate(metric: str, api: str) -> str:
        return cw_api(f'avg_over_time({metric}{{tag_api="{api}"}}[{w}]) / 60')

    requests = (
        f"sum by (api) ({rate('aws_apigateway_count_sum', 'http')})\n"
        f"or sum by (api) ({rate('aws_apigateway_message_count_sum', 'websocket')})"
        f" + sum by (api) ({rate('aws_apigateway_connect_count_sum', 'websocket')})"
    )
    errors = (
        f"sum by (api) ({rate('aws_apigateway_5xx_sum', 'http')})\n"
        f"or sum by (api) ({rate('aws_apigateway_execution_error_sum', 'websocket')})"
        f" + sum by (api) ({rate('aws_apigateway_integration_error_sum', 'websocket')})"
    )
    steps = [
        f"{share} * (max by (api) ({cw_api(f'avg_over_time(aws_apigateway_latency_{q}[{w}])')}) > bool 1000)"
        for q, share in CW_SLOW_STEPS
    ]
    return [
        {"record": f"cs:api_requests:rate{w}", "expr": requests},
        {"record": f"cs:api_errors:rate{w}", "expr": errors},
        {"record": f"cs:api_slow_ratio:rate{w}", "expr": "\n+ ".join(steps)},
    ]


def local(w: str) -> list[dict]:
    def by_api(selector: str) -> str:
        return f"sum by (api) ({LOCAL_API.format(expr=f'rate({selector}[{w}])')})"

    requests = "cs_http_requests_total{" + LOCAL_ROUTES + "}"
    errors = "cs_http_requests_total{" + LOCAL_ROUTES + ',status=~"5.."}'
    fast = "cs_http_request_duration_seconds_bucket{" + LOCAL_ROUTES + ',le="1"}'
    count = "cs_http_request_duration_seconds_count{" + LOCAL_ROUTES + "}"
    return [
        {"record": f"cs:api_requests:rate{w}", "expr": by_api(requests)},
        {"record": f"cs:api_errors:rate{w}", "expr": by_api(errors)},
        {"record": f"cs:api_slow_ratio:rate{w}", "expr": f"1 - {by_api(fast)}\n  / {by_api(count)}"},
    ]


def ratios(w: str) -> list[dict]:
    return [
        {
            "record": f"cs:api_error_ratio:rate{w}",
            "expr": f"cs:api_errors:rate{w} / cs:api_requests:rate{w}",
        }
    ]


def render() -> str:
    out = [
        "# Written by slo.py (run it after editing that file; do not edit this one by hand).",
        "# Per-API SLIs over the burn-rate windows, from CloudWatch (YACE) and the local gateway.",
        "groups:",
    ]

    def group(name: str, rules: list[dict], labels: dict | None):
        out.append(f"  - name: {name}")
        out.append("    rules:")
        for r in rules:
            out.append(f"      - record: {r['record']}")
            out.append("        expr: |-")
            for line in r["expr"].split("\n"):
                out.append(f"          {line}")
            if labels:
                out.append("        labels:")
                for k, v in labels.items():
                    out.append(f"          {k}: {v}")

    group("slo-cloudwatch", [r for w in WINDOWS for r in cw(w)], {"source": "cloudwatch"})
    group("slo-local", [r for w in WINDOWS for r in local(w)], {"source": "local"})
    group("slo-ratios", [r for w in WINDOWS for r in ratios(w)], None)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    text = render()
    if sys.argv[1:] == ["--check"]:
        if OUT.read_text() != text:
            sys.exit(f"{OUT} is not what slo.py writes: run python3 {__file__}")
    else:
        OUT.write_text(text)
