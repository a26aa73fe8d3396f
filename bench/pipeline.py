#!/usr/bin/env python3
"""Release pipeline orchestration overhead (issue 3).

    python3 bench/pipeline.py [RUNS]        (default 10; needs target/host/devportal, buildah)

For RUNS fresh commits of a small connector, times build trigger -> access enabled (`release`
job done) through the API of the release binary on 127.0.0.1, and subtracts the builder's own
time (the build job's running time: clone + bud + health check + store). Beside it, in the same
run, the raw `buildah bud` of the same Dockerfile. Prints a Markdown table.
Every server listens on 127.0.0.1; every loop is bounded.
"""
import json, os, shutil, statistics, subprocess, sys, tempfile, time, urllib.request
from datetime import datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("PORTAL_BIN", os.path.join(ROOT, "target/host/devportal"))
TOKEN = "bench-pipeline-token-0123456789"
BASE = "localhost/devportal-test-base:latest"
RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 10
BUILDAH = ["buildah", "--storage-driver", "vfs"]

def sh(args, cwd=None, check=True):
    return subprocess.run(args, cwd=cwd, check=check, capture_output=True, text=True)

def git(args, cwd):
    return sh(["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "init.defaultBranch=main"] + args, cwd=cwd)

def ensure_base():
    if subprocess.run(BUILDAH + ["inspect", "--type", "image", BASE], capture_output=True).returncode == 0:
        return
    d = tempfile.mkdtemp()
    shutil.copy("/bin/busybox", os.path.join(d, "busybox"))
    open(os.path.join(d, "Dockerfile"), "w").write('FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox","--install","-s","/bin"]\n')
    sh(BUILDAH + ["bud", "--isolation", "chroot", "-t", BASE, "."], cwd=d)

def api(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + "/api/v1" + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + TOKEN)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read() or b"null")

def wait(base, job_id, limit=300):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        j = api(base, "GET", "/jobs/" + job_id)
        if j["status"] in ("done", "failed", "cancelled"):
            return j
        time.sleep(0.005)
    raise SystemExit("job %s did not finish" % job_id)

def ts(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00")[:26] + "+00:00" if "." in s else s.replace("Z", "+00:00")).timestamp()

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]

def main():
    ensure_base()
    work = tempfile.mkdtemp(prefix="devportal-bench-pipeline-")
    repo = os.path.join(work, "src"); bare = os.path.join(work, "repo.git")
    os.makedirs(repo)
    open(os.path.join(repo, "Dockerfile"), "w").write("FROM %s\nCOPY main.sh /app/main.sh\nCMD [\"sh\", \"/app/main.sh\"]\n" % BASE)
    open(os.path.join(repo, "main.sh"), "w").write('#!/bin/sh\ncase "$1" in --health-check) exit 0 ;; esac\necho run\n')
    git(["init", "-q"], repo); git(["add", "."], repo); git(["commit", "-qm", "init"], repo)
    git(["clone", "-q", "--bare", repo, bare], work)
    git(["remote", "add", "origin", bare], repo)

    data = os.path.join(work, "data")
    env = dict(os.environ, DEVPORTAL_TOKEN=TOKEN, DEVPORTAL_LOG="warn")
    proc = subprocess.Popen([BIN, "serve", "--addr", "127.0.0.1:0", "--allow-local-repos", "--data-dir", data], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        base = None
        for _ in range(100):
            line = proc.stdout.readline()
            if line.startswith("Dev Portal listening on "):
                base = line.split()[-1]; break
        assert base, "portal did not start"
        c = api(base, "POST", "/connectors", {"name": "Bench", "type": "upload"})
        cid = c["id"]; v = "/connectors/%s/versions/1" % cid
        api(base, "PUT", v + "/steps/vcs", {"authorization": "public", "url": "file://" + bare})
        api(base, "PUT", v + "/steps/application", {"command": "sh", "arguments": "/app/main.sh", "health_check": "--health-check"})
        totals, builders, overheads, raws = [], [], [], []
        for i in range(RUNS + 1):  # the first run warms caches and is not counted
            open(os.path.join(repo, "main.sh"), "a").write("# %d\n" % i)
            git(["commit", "-qam", "run %d" % i], repo); git(["push", "-q", "origin", "HEAD:main"], repo)
            # Raw baseline: the same Dockerfile, built by buildah directly.
            t0 = time.monotonic()
            sh(BUILDAH + ["bud", "--isolation", "chroot", "-t", "localhost/bench-raw:%d" % i, "."], cwd=repo)
            raw = time.monotonic() - t0
            subprocess.run(BUILDAH + ["rmi", "-f", "localhost/bench-raw:%d" % i], capture_output=True)
            start = time.monotonic()
            build = None
            for step, body in [("build", None), ("sync-runtime", None), ("sync-dev", None),
                               ("sync-prod", {"targets": {"accounts": ["acme"]}}), ("release", None)]:
                job = api(base, "POST", v + "/" + step, body if body is not None else {})
                job = wait(base, job["id"])
                assert job["status"] == "done", job
                if step == "build":
                    build = job
            total = time.monotonic() - start
            builder = ts(build["finished_at"]) - ts(build["started_at"])
            if i > 0:
                totals.append(total); builders.append(builder); overheads.append(total - builder); raws.append(raw)
            print("run %d: total %.3f s, builder %.3f s, overhead %.1f ms, raw bud %.3f s" % (i, total, builder, (total - builder) * 1000, raw), file=sys.stderr)
    finally:
        proc.terminate(); proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)
    ms = lambda x: "%.0f ms" % (x * 1000)
    print("| measure (%d runs) | p50 | p90 | max |" % RUNS)
    print("|---|---|---|---|")
    for name, xs in [("orchestration overhead (trigger → access enabled, minus builder)", overheads),
                     ("trigger → access enabled, total", totals),
                     ("builder (build job running time: clone + bud + health check + store)", builders),
                     ("raw `buildah bud` of the same Dockerfile", raws)]:
        print("| %s | %s | %s | %s |" % (name, ms(statistics.median(xs)), ms(pct(xs, 90)), ms(max(xs))))

if __name__ == "__main__":
    main()
