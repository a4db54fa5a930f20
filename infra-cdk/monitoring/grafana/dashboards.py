#!/usr/bin/env python3
"""Writes grafana/dashboards/*.json (run it after editing; `--check` fails when a file differs).

Every panel reads series by label (function, route, queue, api), never a list of names, so a
function added to functions/manifest.toml shows up with no edit here. Most panels read the
recorded series of rules/ (the same in AWS and locally); `$source` picks cloudwatch or local.
infra-cdk/test/monitoring.test.ts checks that every query parses and names only metrics that
yace.yml, the local gateway's /metrics or the recording rules produce.
"""
import json
import sys
from pathlib import Path

OUT = Path(__file__).with_name("dashboards")
DS = {"type": "prometheus", "uid": "${datasource}"}


def panel(title: str, targets: list[tuple[str, str]], unit: str = "short", kind: str = "timeseries", desc: str = "") -> dict:
    p = {
        "type": kind,
        "title": title,
        "datasource": DS,
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [{"refId": chr(65 + i), "datasource": DS, "expr": expr, "legendFormat": legend} for i, (expr, legend) in enumerate(targets)],
    }
    if desc:
        p["description"] = desc
    return p


def row(title: str) -> dict:
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def dashboard(uid: str, title: str, panels: list[dict]) -> dict:
    x = y = 0
    laid = []
    for i, p in enumerate(panels):
        w, h = (24, 1) if p["type"] == "row" else (6, 4) if p["type"] == "stat" else (12, 8)
        if x + w > 24 or p["type"] == "row":
            x, y = 0, y + (8 if x else 0)
        laid.append({**p, "id": i + 1, "gridPos": {"x": x, "y": y, "w": w, "h": h}})
        x += w
        if p["type"] == "row":
            x, y = 0, y + 1
    return {
        "uid": uid,
        "title": title,
        "tags": ["connectsphere"],
        "timezone": "utc",
        "schemaVersion": 39,
        "refresh": "1m",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus"},
                {
                    "name": "source",
                    "label": "Source",
                    "type": "custom",
                    "query": "cloudwatch,local",
                    "current": {"text": "cloudwatch", "value": "cloudwatch"},
                    "options": [],
                },
            ]
        },
        "panels": laid,
    }


S = '{source="$source"}'


def overview() -> dict:
    return dashboard("cs-overview", "ConnectSphere: overview (runbooks: docs/operations.md#alerts)", [
        row("APIs (SLOs: 99.9 % without a 5xx; 99 % within 1 s)"),
        panel("Requests per second, by API", [(f"cs:api_requests:rate5m{S}", "{{api}}")], "reqps"),
        panel("Errors (5xx) share, by API", [
            (f"cs:api_error_ratio:rate5m{S}", "{{api}} 5m"),
            (f"cs:api_error_ratio:rate1h{S}", "{{api}} 1h"),
        ], "percentunit"),
        panel("Availability budget burn rate (1 h), by API", [(f"cs:api_error_ratio:rate1h{S} / 0.001", "{{api}}")], "x",
              desc="1 = spending the 0.1 % budget exactly over 30 days; the page fires at 14.4."),
        panel("Share of requests over 1 s, by API", [
            (f"cs:api_slow_ratio:rate5m{S}", "{{api}} 5m"),
            (f"cs:api_slow_ratio:rate1h{S}", "{{api}} 1h"),
        ], "percentunit"),
        panel("p99 latency, by API (CloudWatch)", [('max by (tag_api) (aws_apigateway_latency_p99) / 1000', "{{tag_api}}")], "s"),
        panel("p99 latency, by route (local gateway)", [
            ('histogram_quantile(0.99, sum by (le, route) (rate(cs_http_request_duration_seconds_bucket[$__rate_interval])))', "{{route}}"),
        ], "s"),
        panel("Requests per second, by route and status (local gateway)", [
            ('sum by (route, status) (rate(cs_http_requests_total[$__rate_interval]))', "{{route}} {{status}}"),
        ], "reqps"),
        panel("Requests per second, by stage (CloudWatch)", [
            ('sum by (tag_api, dimension_Stage) (aws_apigateway_count_sum) / 60', "{{tag_api}} {{dimension_Stage}}"),
            ('sum by (tag_api) (aws_apigateway_4xx_sum) / 60', "{{tag_api}} 4xx"),
            ('sum by (tag_api) (aws_apigateway_5xx_sum) / 60', "{{tag_api}} 5xx"),
        ], "reqps"),
        row("Functions"),
        panel("Invocations per second, by function (top 15)", [(f"topk(15, cs:function_invocations:rate5m{S})", "{{function}}")], "ops"),
        panel("Errors per second, by function", [(f"cs:function_errors:rate5m{S} > 0", "{{function}}")], "ops"),
        panel("p99 duration, by function (CloudWatch)", [(f"topk(15, cs:function_duration_p99:5m)", "{{function}}")], "s"),
        panel("Mean duration, by function (local)", [
            ('sum by (function) (rate(cs_lambda_duration_seconds_sum[$__rate_interval])) / sum by (function) (rate(cs_lambda_duration_seconds_count[$__rate_interval]))', "{{function}}"),
        ], "s"),
        panel("Cold-start share (1 h), by function", [(f"cs:function_cold_start_ratio:rate1h{S}", "{{function}}")], "percentunit"),
        panel("Init duration of cold starts", [
            ('max by (dimension_Function) (aws_connectsphere_init_duration_average) / 1000', "{{dimension_Function}}"),
            ('sum by (function) (rate(cs_lambda_init_duration_seconds_sum[$__rate_interval])) / sum by (function) (rate(cs_lambda_init_duration_seconds_count[$__rate_interval]))', "{{function}} (local)"),
        ], "s"),
        panel("Throttles per second, by function", [(f"cs:function_throttles:rate5m > 0", "{{function}}")], "ops"),
        panel("Concurrent executions, by function", [
            ('max by (tag_function) (aws_lambda_concurrent_executions_maximum)', "{{tag_function}}"),
        ]),
        row("Alerts"),
        panel("Firing alerts", [('sum by (alertname, severity) (ALERTS{alertstate="firing"})', "{{alertname}} ({{severity}})")], kind="timeseries"),
        panel("Database up", [(f"cs:database_up{S}", "up")], kind="stat"),
    ])


def queues() -> dict:
    return dashboard("cs-queues", "ConnectSphere: queues and events", [
        row("SQS"),
        panel("Age of the oldest message, by queue", [(f"cs:queue_oldest_age_seconds{S}", "{{queue}}")], "s",
              desc="Locally: the oldest message of the last batch each consumer received."),
        panel("Dead letters, by queue", [(f"cs:queue_dlq_depth{S}", "{{queue}}")]),
        panel("Messages visible, by queue (CloudWatch)", [
            ('max by (dimension_QueueName) (aws_sqs_approximate_number_of_messages_visible_maximum)', "{{dimension_QueueName}}"),
        ]),
        panel("Messages sent and deleted per second (CloudWatch)", [
            ('sum by (dimension_QueueName) (aws_sqs_number_of_messages_sent_sum) / 60', "{{dimension_QueueName}} sent"),
            ('sum by (dimension_QueueName) (aws_sqs_number_of_messages_deleted_sum) / 60', "{{dimension_QueueName}} deleted"),
        ], "ops"),
        panel("Messages received and records failed per second (local)", [
            ('sum by (queue) (rate(cs_queue_messages_received_total[$__rate_interval]))', "{{queue}} received"),
            ('sum by (queue) (rate(cs_queue_records_failed_total[$__rate_interval]))', "{{queue}} failed"),
        ], "ops"),
        row("Consumers and schedules"),
        panel("Consumer and job invocations per second, by function", [
            ('sum by (function) (rate(cs_lambda_invocations_total{status_class=~"ok|partial|error"}[$__rate_interval]))', "{{function}} (local)"),
            ('sum by (dimension_Function) (aws_connectsphere_duration_sample_count{dimension_StatusClass=~"ok|partial|error"}) / 60', "{{dimension_Function}}"),
        ], "ops"),
        panel("Batches with failures, by function", [
            ('sum by (function) (rate(cs_lambda_invocations_total{status_class=~"partial|error"}[$__rate_interval]))', "{{function}} (local)"),
            ('sum by (dimension_Function) (aws_connectsphere_duration_sample_count{dimension_StatusClass=~"partial|error"}) / 60', "{{dimension_Function}}"),
        ], "ops"),
        row("DynamoDB"),
        panel("Throttle events per second, by table", [
            ('sum by (dimension_TableName) (aws_dynamodb_read_throttle_events_sum) / 60', "{{dimension_TableName}} read"),
            ('sum by (dimension_TableName) (aws_dynamodb_write_throttle_events_sum) / 60', "{{dimension_TableName}} write"),
        ], "ops"),
        panel("Consumed capacity per second, by table", [
            ('sum by (dimension_TableName) (aws_dynamodb_consumed_read_capacity_units_sum) / 60', "{{dimension_TableName}} read"),
            ('sum by (dimension_TableName) (aws_dynamodb_consumed_write_capacity_units_sum) / 60', "{{dimension_TableName}} write"),
        ]),
    ])


def chat() -> dict:
    ws = 'route=~"WS .*"'
    return dashboard("cs-chat", "ConnectSphere: chat", [
        row("Connections"),
        panel("Open connections (local)", [("cs_websocket_connections", "open")], kind="stat"),
        panel("Connects per second (CloudWatch)", [('sum(aws_apigateway_connect_count_sum{tag_api="websocket"}) / 60', "connects")], "ops"),
        panel("Connects and disconnects per second (local)", [
            ('sum by (route) (rate(cs_http_requests_total{route=~"WS \\\\$(connect|disconnect)"}[$__rate_interval]))', "{{route}}"),
        ], "ops"),
        row("Messages"),
        panel("Messages per second, by route", [
            ('sum(aws_apigateway_message_count_sum{tag_api="websocket"}) / 60', "all (CloudWatch)"),
            (f'sum by (route) (rate(cs_http_requests_total{{{ws}}}[$__rate_interval]))', "{{route}} (local)"),
        ], "ops"),
        panel("chat-send duration, p99 (CloudWatch) and mean (local)", [
            ('cs:function_duration_p99:5m{function=~"chat-.*"}', "{{function}} p99"),
            ('sum by (function) (rate(cs_lambda_duration_seconds_sum{function=~"chat-.*"}[$__rate_interval])) / sum by (function) (rate(cs_lambda_duration_seconds_count{function=~"chat-.*"}[$__rate_interval]))', "{{function}} mean"),
        ], "s"),
        row("Delivery failures"),
        panel("WebSocket errors per second", [
            ('sum(aws_apigateway_execution_error_sum{tag_api="websocket"}) / 60', "execution (CloudWatch)"),
            ('sum(aws_apigateway_integration_error_sum{tag_api="websocket"}) / 60', "integration (CloudWatch)"),
            ('sum(aws_apigateway_client_error_sum{tag_api="websocket"}) / 60', "client (CloudWatch)"),
            (f'sum by (route) (rate(cs_http_requests_total{{{ws},status=~"5.."}}[$__rate_interval]))', "{{route}} 5xx (local)"),
        ], "ops"),
        panel("Chat functions' errors per second", [('cs:function_errors:rate5m{function=~"chat-.*",source="$source"}', "{{function}}")], "ops"),
        panel("Deliveries left to the queue: age and dead letters", [
            (f'cs:queue_oldest_age_seconds{{queue="chat",source="$source"}}', "oldest (s)"),
            (f'cs:queue_dlq_depth{{queue="chat",source="$source"}}', "dead letters"),
        ]),
    ])


def cost() -> dict:
    return dashboard("cs-cost", "ConnectSphere: cost", [
        row("Lambda and API Gateway, from each invocation's EstimatedCost (shared/platform/src/prices.rs)"),
        panel("Cost per hour", [(f"cs:cost_usd:per_hour{S}", "USD/h"), ("cs:cost_budget_usd:per_hour", "budget")], "currencyUSD", kind="stat"),
        panel("Projected per month (at the last hour's rate)", [(f"cs:cost_usd:per_hour{S} * 730", "USD/month")], "currencyUSD", kind="stat"),
        panel("Cost per hour, total and budget", [
            (f"cs:cost_usd:per_hour{S}", "USD/h"),
            ("cs:cost_budget_usd:per_hour", "budget"),
        ], "currencyUSD"),
        panel("Cost per hour, by endpoint (function, top 15)", [(f"topk(15, cs:function_cost_usd:per_hour{S})", "{{function}}")], "currencyUSD"),
        panel("Cost per million requests, by endpoint (function)", [
            (f"cs:function_cost_usd:per_hour{S} / (cs:function_invocations:rate1h{S} * 3600) * 1e6", "{{function}}"),
        ], "currencyUSD"),
        panel("Cost per hour, by route (CloudWatch EMF)", [
            ('sum by (dimension_Route) (aws_connectsphere_estimated_cost_sum) * 60', "{{dimension_Route}}"),
        ], "currencyUSD"),
        panel("Billed duration per second, by function", [
            ('sum by (function) (rate(cs_lambda_billed_duration_seconds_total[$__rate_interval]))', "{{function}} (local)"),
            ('sum by (dimension_Function) (aws_connectsphere_billed_duration_sum) / 60 / 1000', "{{dimension_Function}}"),
        ], "s"),
        panel("Memory: configured and peak used (local runtime mode)", [
            ("cs_lambda_memory_size_megabytes", "{{function}} configured"),
            ("cs_lambda_max_memory_used_megabytes", "{{function}} peak"),
        ], "decmbytes"),
        row("What else bills by the hour or by the byte (CloudWatch)"),
        panel("Aurora capacity (ACU) and connections", [
            ("max(aws_rds_serverless_database_capacity_average)", "ACU"),
            ("max(aws_rds_acuutilization_average)", "ACU utilization %"),
            ("max(aws_rds_database_connections_average)", "connections"),
        ]),
        panel("S3 bucket size", [('max by (dimension_BucketName) (aws_s3_bucket_size_bytes_average)', "{{dimension_BucketName}}")], "bytes"),
        panel("S3 objects", [('max by (dimension_BucketName) (aws_s3_number_of_objects_average)', "{{dimension_BucketName}}")]),
        panel("CloudFront requests per second and 5xx rate", [
            ('sum by (dimension_DistributionId) (aws_cloudfront_requests_sum) / 300', "{{dimension_DistributionId}} req/s"),
            ('max by (dimension_DistributionId) (aws_cloudfront_5xx_error_rate_average)', "{{dimension_DistributionId}} 5xx %"),
        ]),
        panel("CloudFront bytes downloaded per second", [
            ('sum by (dimension_DistributionId) (aws_cloudfront_bytes_downloaded_sum) / 300', "{{dimension_DistributionId}}"),
        ], "Bps"),
    ])


def render() -> dict[str, str]:
    return {f"{name}.json": json.dumps(fn(), indent=2) + "\n" for name, fn in
            [("overview", overview), ("queues-and-events", queues), ("chat", chat), ("cost", cost)]}


if __name__ == "__main__":
    files = render()
    if sys.argv[1:] == ["--check"]:
        stale = [n for n, text in files.items() if not (OUT / n).exists() or (OUT / n).read_text() != text]
        if stale or sorted(p.name for p in OUT.glob("*.json")) != sorted(files):
            sys.exit(f"grafana/dashboards differ from what dashboards.py writes ({', '.join(stale) or 'extra files'}): run python3 {__file__}")
    else:
        OUT.mkdir(exist_ok=True)
        for name, text in files.items():
            (OUT / name).write_text(text)
