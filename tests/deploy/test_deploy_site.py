"""scripts/deploy.sh against moto's S3, CloudFront and CloudFormation on 127.0.0.1: the built
site lands in the bucket with the right cache lifetimes and content types, files the new site
no longer has are removed, CloudFront is invalidated, and the stack's outputs name the bucket
and distribution. Prints `N passed, N failed`; scripts/test.sh runs it with the project's venv.
"""

import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import boto3
from moto.server import ThreadedMotoServer

ROOT = Path(__file__).resolve().parents[2]
results = []


def check(name, ok, detail=""):
    results.append(ok)
    print(f"{'ok  ' if ok else 'FAIL'} {name}{'' if ok else ': ' + str(detail)}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def site(dir_):
    (dir_ / "assets").mkdir(parents=True)
    (dir_ / "index.html").write_text('<!doctype html><script type="module" src="/assets/app-3f2a9c.js"></script>')
    (dir_ / "assets" / "app-3f2a9c.js").write_text("console.log('app')")
    (dir_ / "assets" / "app-3f2a9c.css").write_text("body{}")
    (dir_ / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")


def deploy(env, *args):
    return subprocess.run([str(ROOT / "scripts" / "deploy.sh"), "--no-build", *args], env=env, capture_output=True, text=True, timeout=120)


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1",
               AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    os.environ.update({k: env[k] for k in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")})
    try:
        s3 = boto3.client("s3")
        cloudfront = boto3.client("cloudfront")
        s3.create_bucket(Bucket="static-site")
        s3.put_object(Bucket="static-site", Key="assets/app-old000.js", Body=b"old")
        dist = cloudfront.create_distribution(DistributionConfig={
            "CallerReference": "t", "Comment": "", "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "s3", "DomainName": "static-site.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https", "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        })["Distribution"]["Id"]
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "dist"
            site(out)
            run = deploy(env, "--bucket", "static-site", "--distribution-id", dist, "--site-dir", str(out))
            check("deploy.sh succeeds", run.returncode == 0, run.stderr + run.stdout)
            keys = {o["Key"] for o in s3.list_objects_v2(Bucket="static-site").get("Contents", [])}
            check("every file of the site is uploaded", {"index.html", "assets/app-3f2a9c.js", "assets/app-3f2a9c.css", "favicon.svg"} <= keys, keys)
            check("files the site no longer has are removed", "assets/app-old000.js" not in keys, keys)
            head = lambda k: s3.head_object(Bucket="static-site", Key=k)
            check("hashed assets are cached for a year", head("assets/app-3f2a9c.js").get("CacheControl") == "public, max-age=31536000, immutable", head("assets/app-3f2a9c.js"))
            check("index.html is revalidated on every load", head("index.html").get("CacheControl") == "no-cache", head("index.html"))
            check("content types", head("index.html")["ContentType"].startswith("text/html") and head("assets/app-3f2a9c.js")["ContentType"].startswith("text/javascript")
                  and head("assets/app-3f2a9c.css")["ContentType"].startswith("text/css"), head("assets/app-3f2a9c.css")["ContentType"])
            invalidations = cloudfront.list_invalidations(DistributionId=dist)["InvalidationList"].get("Items", [])
            check("CloudFront is invalidated", len(invalidations) == 1, invalidations)

            # The stack's outputs name the bucket and the distribution.
            template = {"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "stack-site"}}},
                        "Outputs": {"StaticSiteBucketName": {"Value": {"Ref": "B"}}, "DistributionId": {"Value": dist}}}
            boto3.client("cloudformation").create_stack(StackName="portal-test", TemplateBody=json.dumps(template))
            run = deploy(env, "--stack", "portal-test", "--site-dir", str(out))
            check("deploy.sh --stack reads the stack's outputs", run.returncode == 0, run.stderr + run.stdout)
            keys = {o["Key"] for o in s3.list_objects_v2(Bucket="stack-site").get("Contents", [])}
            check("the stack's bucket holds the site", "index.html" in keys, keys)

            missing = deploy(env, "--bucket", "static-site", "--distribution-id", dist, "--site-dir", str(Path(tmp) / "nothing"))
            check("an unbuilt site is refused with the command that builds it", missing.returncode != 0 and "npm --prefix static-site" in missing.stderr, missing.stderr)
    finally:
        server.stop()
    failed = results.count(False)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
