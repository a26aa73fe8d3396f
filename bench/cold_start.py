#!/usr/bin/env python3
"""Cold start of every Lambda function, start-to-first-event, on the local Lambda emulator.

For each function: `cargo lambda watch --only-lambda-apis` on 127.0.0.1 emulates the Lambda
Runtime API; the invocation (the function's sample event from events/) is sent first and waits
in the emulator; then the release binary is started with the environment a deployment gives it
(resource names on a moto_server on 127.0.0.1) and the clock runs from process start until the
invocation's answer arrives: process start, SDK and client set-up, the function's own init
calls (the api's bootstrap check, the directory check), the first event handled. The process is
then killed; RUNS repetitions per function. A bare lambda_runtime echo function
(bench/hello-lambda) is measured the same way in the same run as the baseline.

Usage: python3 bench/cold_start.py OUT_DIR   (bench/cold-start.sh builds and calls it)
"""
import json, os, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request, uuid
import boto3

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNS = int(os.environ.get("RUNS", "15"))
BIN = os.environ.get("BIN_DIR", os.path.join(ROOT, "target", "release"))
TOKEN = "dps_sample-token-for-events-0123456789"

FUNCTIONS = [  # (binary, sample event)
    ("hello-lambda", "api-get-me.json"),
    ("api", "api-get-me.json"),
    ("stage-build", "sqs-stage-build.json"),
    ("stage-sync-runtime", "sqs-stage-sync-runtime.json"),
    ("stage-sync-dev", "sqs-stage-sync-dev.json"),
    ("stage-sync-prod", "sqs-stage-sync-prod.json"),
    ("stage-access", "sqs-stage-access.json"),
    ("sweeper", "scheduled-sweeper.json"),
]


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def wait_port(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close(); return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def main():
    out = sys.argv[1]
    procs = []
    try:
        moto_port, rt_port = free_port(), free_port()
        procs.append(subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(moto_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(moto_port)
        endpoint = f"http://127.0.0.1:{moto_port}"
        aws = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
        sid = uuid.uuid4().hex[:10]
        env = dict(os.environ,
                   AWS_ENDPOINT_URL=endpoint, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   DEVPORTAL_TABLE=f"cold-{sid}", DEVPORTAL_QUEUE_PREFIX=f"cold-{sid}", DEVPORTAL_ARTIFACTS_BUCKET=f"cold-{sid}",
                   DEVPORTAL_SECRET_PREFIX=f"cold/{sid}", DEVPORTAL_BUILD_PROJECT="connector-images",
                   DEVPORTAL_BUILD_LOG_GROUP="/aws/codebuild/connector-images", DEVPORTAL_ECR_PREFIX=f"cold-{sid}",
                   DEVPORTAL_ECS_CLUSTER="connectors", DEVPORTAL_TASK_EXECUTION_ROLE="arn:aws:iam::123456789012:role/x",
                   DEVPORTAL_TASK_LOG_GROUP="/devportal/connectors", DEVPORTAL_TASK_FAMILY_PREFIX=f"cold-{sid}-",
                   RUST_LOG="warn",
                   AWS_LAMBDA_FUNCTION_VERSION="1", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256",
                   AWS_LAMBDA_RUNTIME_API=f"http://127.0.0.1:{rt_port}/.rt", AWS_LAMBDA_FUNCTION_NAME="_")
        ddb = boto3.client("dynamodb", **aws)
        # Create the table/queues/bucket with the product's own code path: start the local host once.
        host = subprocess.Popen([os.path.join(BIN, "devportal"), "serve", "--addr", "127.0.0.1:0", "--backend", "aws", "--create-resources",
                                 "--table", env["DEVPORTAL_TABLE"], "--queue-prefix", env["DEVPORTAL_QUEUE_PREFIX"],
                                 "--bucket", env["DEVPORTAL_ARTIFACTS_BUCKET"], "--secret-prefix", env["DEVPORTAL_SECRET_PREFIX"],
                                 "--data-dir", os.path.join(out, "serve-data")],
                                env=dict(env, DEVPORTAL_TOKEN=TOKEN), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            if ddb.list_tables()["TableNames"] and env["DEVPORTAL_TABLE"] in ddb.list_tables()["TableNames"]:
                time.sleep(2); break
            time.sleep(0.2)
        host.terminate(); host.wait(30)
        secret = boto3.client("secretsmanager", **aws).create_secret(Name=f"bootstrap-{sid}", SecretString=TOKEN)["ARN"]
        env["DEVPORTAL_BOOTSTRAP_TOKEN_SECRET"] = secret

        # The emulator wants a Cargo package to stand in: one outside the workspace, or
        # `cargo init` would add it to the workspace's members.
        emu_dir = tempfile.mkdtemp(prefix="devportal-emulator-")
        subprocess.run(["cargo", "init", "-q", "--name", "emulator", emu_dir], check=True)
        procs.append(subprocess.Popen(["cargo", "lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1", "-P", str(rt_port)],
                                      cwd=emu_dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_port(rt_port)

        results = {}
        for binary, event in FUNCTIONS:
            payload = open(os.path.join(ROOT, "events", event), "rb").read()
            samples = []
            for i in range(RUNS + 1):  # the first run warms the page cache and is dropped
                req = urllib.request.Request(f"http://127.0.0.1:{rt_port}/2015-03-31/functions/_/invocations", data=payload, method="POST")
                answer = {}
                def invoke():
                    with urllib.request.urlopen(req, timeout=60) as r:
                        answer["body"] = r.read()
                t = threading.Thread(target=invoke); t.start()
                time.sleep(0.05)  # the invocation waits in the emulator before the process starts
                start = time.perf_counter()
                p = subprocess.Popen([os.path.join(BIN, binary)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                t.join(60)
                elapsed = (time.perf_counter() - start) * 1000
                p.kill(); p.wait()
                if "body" not in answer:
                    raise SystemExit(f"{binary}: no answer")
                if i == 0 and binary == "api":
                    body = json.loads(answer["body"])
                    assert body.get("statusCode") == 200, body  # bootstrapped from the secret, token accepted
                if i > 0:
                    samples.append(elapsed)
            samples.sort()
            results[binary] = {"p50": statistics.median(samples), "p90": samples[int(len(samples) * 0.9) - 1], "min": samples[0], "max": samples[-1]}
            print(f"{binary:20} p50 {results[binary]['p50']:7.1f} ms  p90 {results[binary]['p90']:7.1f} ms", flush=True)
        json.dump(results, open(os.path.join(out, "cold-start.json"), "w"), indent=2)
        with open(os.path.join(out, "table.md"), "w") as f:
            f.write("| function | p50 ms | p90 ms | min ms | max ms |\n|---|---:|---:|---:|---:|\n")
            for b, r in results.items():
                f.write(f"| {b} | {r['p50']:.1f} | {r['p90']:.1f} | {r['min']:.1f} | {r['max']:.1f} |\n")
        print(open(os.path.join(out, "table.md")).read())
    finally:
        for p in procs:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()
