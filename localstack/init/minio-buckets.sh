#!/bin/sh
# MinIO, the S3 alternative of docker-compose.yml: the buckets create-resources.py makes in
# LocalStack, made here with the MinIO client (the infra tests check both lists agree).
set -eu
mc alias set local http://minio:9000 "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD"
for bucket in connectsphere-media connectsphere-item-files; do
  mc mb --ignore-existing "local/$bucket"
done
