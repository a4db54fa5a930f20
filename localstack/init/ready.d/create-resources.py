#!/usr/bin/env python3
"""Creates in LocalStack every queue (+ its -dlq), table and bucket functions/manifest.toml needs.

LocalStack runs this once it is ready (mounted at /etc/localstack/init/ready.d, manifest at
/manifest.toml). `--dry-run` prints the plan as JSON and touches nothing: the infra tests
compare it with the manifest. Names are the local gateway's defaults: queues have no prefix,
tables and buckets are `connectsphere-<name>`.
"""
import argparse
import json
import os
import sys
import tomllib

UPLOAD_PREFIX = "uploads/"  # functions/media/src/lib.rs
# The tables and buckets of the manifest's `uses` vocabulary (infra-cdk/lib/manifest.ts), made
# whether or not a crate uses them yet; any other `table:`/`bucket:` use is added.
TABLES = {"rate-limits", "connections"}
BUCKETS = {"media", "item-files"}
WEB_ORIGINS = ["http://127.0.0.1:3000", "http://localhost:3000", "http://127.0.0.1:5173", "http://localhost:5173"]


def plan(manifest: dict) -> dict:
    queues = []
    for q in manifest.get("queue", []):
        queues.append({
            "name": q["name"],
            "dlq": f"{q['name']}-dlq",
            "visibility_timeout": int(q.get("visibility_timeout", 30)),
            "max_receive_count": int(q.get("max_receive_count", 5)),
        })
    tables, buckets = set(TABLES), set(BUCKETS)
    for service in manifest.get("service", {}).values():
        for use in service.get("uses", []):
            kind, _, rest = use.partition(":")
            if kind == "table":
                tables.add(rest)
            elif kind == "bucket":
                buckets.add(rest.split(":")[0])
    return {
        "queues": queues,
        # key `pk`, TTL `expiresAt` (shared/aws/src/rate_limit.rs, realtime.rs)
        "tables": [{"name": f"connectsphere-{t}", "key": "pk", "ttl": "expiresAt"} for t in sorted(tables)],
        "buckets": [{"name": f"connectsphere-{b}", "notify_queue": "media" if b == "media" else None} for b in sorted(buckets)],
    }


def apply(p: dict) -> None:
    import boto3  # in LocalStack's runtime

    endpoint = os.environ.get("AWS_ENDPOINT_URL", "http://localhost:4566")
    kw = dict(endpoint_url=endpoint, region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
              aws_access_key_id="test", aws_secret_access_key="test")
    sqs, ddb, s3 = boto3.client("sqs", **kw), boto3.client("dynamodb", **kw), boto3.client("s3", **kw)
    arns = {}
    for q in p["queues"]:
        dlq_url = sqs.create_queue(QueueName=q["dlq"])["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(q["max_receive_count"])})
        url = sqs.create_queue(QueueName=q["name"], Attributes={
            "VisibilityTimeout": str(q["visibility_timeout"]), "RedrivePolicy": redrive})["QueueUrl"]
        arns[q["name"]] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        print(f"queue {q['name']} (+ {q['dlq']})")
    existing = set(ddb.list_tables()["TableNames"])
    for t in p["tables"]:
        if t["name"] not in existing:
            ddb.create_table(TableName=t["name"], BillingMode="PAY_PER_REQUEST",
                             AttributeDefinitions=[{"AttributeName": t["key"], "AttributeType": "S"}],
                             KeySchema=[{"AttributeName": t["key"], "KeyType": "HASH"}])
            ddb.get_waiter("table_exists").wait(TableName=t["name"])
        ddb.update_time_to_live(TableName=t["name"], TimeToLiveSpecification={"Enabled": True, "AttributeName": t["ttl"]})
        print(f"table {t['name']}")
    for b in p["buckets"]:
        try:
            s3.create_bucket(Bucket=b["name"])
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        s3.put_bucket_cors(Bucket=b["name"], CORSConfiguration={"CORSRules": [{
            "AllowedOrigins": WEB_ORIGINS, "AllowedMethods": ["PUT", "GET", "HEAD"],
            "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3600}]})
        if b["notify_queue"] in arns:
            s3.put_bucket_notification_configuration(Bucket=b["name"], NotificationConfiguration={"QueueConfigurations": [{
                "QueueArn": arns[b["notify_queue"]], "Events": ["s3:ObjectCreated:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": UPLOAD_PREFIX}]}}}]})
        print(f"bucket {b['name']}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--manifest", default=os.environ.get("MANIFEST", "/manifest.toml"))
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    with open(args.manifest, "rb") as f:
        p = plan(tomllib.load(f))
    if args.dry_run:
        json.dump(p, sys.stdout, indent=2)
        print()
    else:
        apply(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
