#!/usr/bin/env python3
"""Run start overhead (issue 11): from `POST /sites/{site}/runs` to the run's first stdout line
being readable through `GET /runs/{id}/stdio`, next to a bare `buildah run` of the same image
(from `buildah from` to its first stdout line), measured in the same session.

    python3 bench/run_start.py [RUNS]       (default 10; needs target/host/devportal, buildah)

Builds a tiny connector through the release binary's API (127.0.0.1, embedded backend), syncs
it to its dev site, then starts RUNS runs one after the other. Prints a Markdown table.
"""
import os, statistics, subprocess, sys, tempfile, time, shutil
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pipeline import BIN, TOKEN, BASE, BUILDAH, api, wait, git, sh, ensure_base, pct

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 10

def first_line_bare(image):
    """`buildah from` + `buildah run` (chroot isolation, no capabilities) until the first line."""
    t0 = time.monotonic()
    ctr = sh(BUILDAH + ["from", image]).stdout.strip()
    p = subprocess.Popen(BUILDAH + ["run", "--isolation", "chroot", "--cap-drop", "ALL", ctr, "--", "sh", "/app/main.sh"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    p.stdout.readline()
    elapsed = time.monotonic() - t0
    p.wait(timeout=60)
    subprocess.run(BUILDAH + ["rm", ctr], capture_output=True)
    return elapsed

def main():
    ensure_base()
    work = tempfile.mkdtemp(prefix="devportal-bench-runstart-")
    repo = os.path.join(work, "src"); bare = os.path.join(work, "repo.git")
    os.makedirs(repo)
    open(os.path.join(repo, "Dockerfile"), "w").write("FROM %s\nCOPY main.sh /app/main.sh\nCMD [\"sh\", \"/app/main.sh\"]\n" % BASE)
    open(os.path.join(repo, "main.sh"), "w").write('#!/bin/sh\ncase "$1" in --health-check) exit 0 ;; esac\necho first line\n')
    git(["init", "-q"], repo); git(["add", "."], repo); git(["commit", "-qm", "init"], repo)
    git(["clone", "-q", "--bare", repo, bare], work)
    sh(BUILDAH + ["bud", "--isolation", "chroot", "-t", "localhost/bench-run-start:latest", "."], cwd=repo)

    data = os.path.join(work, "data")
    # The poll below asks every 5 ms: the API's per-user rate limit is not what is measured.
    env = dict(os.environ, DEVPORTAL_TOKEN=TOKEN, DEVPORTAL_LOG="warn", DEVPORTAL_USER_REQUESTS_PER_SECOND="0", DEVPORTAL_ORG_REQUESTS_PER_SECOND="0")
    proc = subprocess.Popen([BIN, "serve", "--addr", "127.0.0.1:0", "--allow-local-repos", "--data-dir", data], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    starts, bares = [], []
    try:
        base = None
        for _ in range(100):
            line = proc.stdout.readline()
            if line.startswith("Dev Portal listening on "):
                base = line.split()[-1]; break
        assert base, "portal did not start"
        c = api(base, "POST", "/connectors", {"name": "Bench runs", "type": "upload"})
        v = "/connectors/%s/versions/1" % c["id"]
        api(base, "PUT", v + "/steps/vcs", {"authorization": "public", "url": "file://" + bare})
        api(base, "PUT", v + "/steps/application", {"command": "sh", "arguments": "/app/main.sh", "health_check": "--health-check"})
        for step in ["build", "sync-runtime", "sync-dev"]:
            job = wait(base, api(base, "POST", v + "/" + step, {})["id"])
            assert job["status"] == "done", job
        site = api(base, "GET", v)["deployment"]["dev"]["site_id"]
        for i in range(RUNS + 1):  # the first run warms caches and is not counted
            bare_s = first_line_bare("localhost/bench-run-start:latest")
            t0 = time.monotonic()
            run = api(base, "POST", "/sites/%s/runs" % site, {"connector_id": c["id"], "version": 1})
            deadline = t0 + 120
            while time.monotonic() < deadline:
                lines = api(base, "GET", "/runs/%s/stdio" % run["id"])["items"]
                if lines:
                    break
                time.sleep(0.005)
            portal_s = time.monotonic() - t0
            deadline = time.monotonic() + 60
            while api(base, "GET", "/runs/" + run["id"])["status"] in ("queued", "running") and time.monotonic() < deadline:
                time.sleep(0.02)
            if i > 0:
                starts.append(portal_s); bares.append(bare_s)
            print("run %d: portal %.0f ms, bare buildah %.0f ms" % (i, portal_s * 1000, bare_s * 1000), file=sys.stderr)
    finally:
        proc.terminate(); proc.wait(timeout=10)
        subprocess.run(BUILDAH + ["rmi", "-f", "localhost/bench-run-start:latest"], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    ms = lambda x: "%.0f ms" % (x * 1000)
    over = [a - b for a, b in zip(starts, bares)]
    print("| measure (%d runs) | p50 | p90 | max |" % RUNS)
    print("|---|---|---|---|")
    for name, xs in [("`POST …/runs` → first stdout line readable in the API", starts),
                     ("bare `buildah from` + `buildah run` → first stdout line (baseline)", bares),
                     ("overhead (portal − bare, per run)", over)]:
        print("| %s | %s | %s | %s |" % (name, ms(statistics.median(xs)), ms(pct(xs, 90)), ms(max(xs))))

if __name__ == "__main__":
    main()
