"""Uploads the built web UI to the stack's static-site bucket and invalidates CloudFront.

    python3 scripts/deploy_site.py --stack NAME [--site-dir static-site/dist]
    python3 scripts/deploy_site.py --bucket BUCKET --distribution-id ID [--site-dir DIR]

Run by scripts/deploy.sh after `sam deploy`. With --stack the bucket and distribution come from
the stack's outputs (StaticSiteBucketName, DistributionId). Cache lifetimes: files under
`assets/` carry a content hash in their names, so they are cached for a year and never change;
everything else (index.html, the favicon) must be revalidated on every load, so a deploy is
seen at once. Files the new site no longer has are deleted, after the new ones are in place.
Uses the standard AWS environment (credentials, AWS_REGION, AWS_ENDPOINT_URL).
"""

import argparse
import mimetypes
import sys
import time
from pathlib import Path

import boto3

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def cache_control(key):
    return IMMUTABLE if key.startswith("assets/") else REVALIDATE


def content_type(path):
    kind, _ = mimetypes.guess_type(path.name)
    if path.suffix == ".js":
        return "text/javascript; charset=utf-8"
    if kind and kind.startswith("text/"):
        return f"{kind}; charset=utf-8"
    return kind or "application/octet-stream"


def stack_outputs(name):
    stack = boto3.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stack")
    ap.add_argument("--bucket")
    ap.add_argument("--distribution-id")
    ap.add_argument("--site-dir", default="static-site/dist")
    a = ap.parse_args(argv)
    if a.stack:
        outputs = stack_outputs(a.stack)
        a.bucket = a.bucket or outputs["StaticSiteBucketName"]
        a.distribution_id = a.distribution_id or outputs["DistributionId"]
    if not a.bucket or not a.distribution_id:
        ap.error("give --stack, or --bucket and --distribution-id")
    site = Path(a.site_dir)
    if not (site / "index.html").is_file():
        sys.exit(f"{site}/index.html is missing: build the site first (npm --prefix static-site ci && npm --prefix static-site run build)")

    s3 = boto3.client("s3")
    files = sorted(p for p in site.rglob("*") if p.is_file())
    keys = set()
    # Hashed assets first, index.html last: a browser never gets an index naming missing files.
    for path in sorted(files, key=lambda p: (p.name == "index.html", str(p))):
        key = path.relative_to(site).as_posix()
        keys.add(key)
        s3.upload_file(str(path), a.bucket, key, ExtraArgs={"CacheControl": cache_control(key), "ContentType": content_type(path)})
        print(f"uploaded {key} ({cache_control(key)})")
    stale = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=a.bucket):
        stale += [o["Key"] for o in page.get("Contents", []) if o["Key"] not in keys]
    for i in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=a.bucket, Delete={"Objects": [{"Key": k} for k in stale[i : i + 1000]]})
    for key in stale:
        print(f"deleted {key}")
    invalidation = boto3.client("cloudfront").create_invalidation(
        DistributionId=a.distribution_id,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": f"devportal-{time.time_ns()}"},
    )["Invalidation"]
    print(f"invalidated CloudFront distribution {a.distribution_id} ({invalidation['Id']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
