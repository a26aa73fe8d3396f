#!/usr/bin/env python3
"""Loads N connectors into a running portal through its API (stdlib only).

usage: load.py BASE_URL TOKEN COUNT IDS_FILE [THREADS]
Writes one connector id per line to IDS_FILE. Every request is bounded by a timeout and the
whole run stops after COUNT creations (or at the first failure).
"""
import http.client
import json
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor


def main() -> int:
    base, token, count, ids_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    threads = int(sys.argv[5]) if len(sys.argv) > 5 else 4
    url = urllib.parse.urlsplit(base)
    if url.hostname not in ("127.0.0.1", "localhost"):
        print(f"refusing to load a non-loopback host: {url.hostname}", file=sys.stderr)
        return 2
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    local = threading.local()

    def conn() -> http.client.HTTPConnection:
        c = getattr(local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
            local.conn = c
        return c

    def create(i: int) -> str:
        body = json.dumps({"name": f"bench connector {i:05d}", "type": "datasource"})
        for attempt in range(3):
            c = conn()
            try:
                c.request("POST", "/api/v1/connectors", body=body, headers=headers)
                r = c.getresponse()
                data = r.read()
            except (OSError, http.client.HTTPException):
                c.close()
                local.conn = None
                if attempt == 2:
                    raise
                continue
            if r.status != 201:
                raise RuntimeError(f"POST /connectors answered {r.status}: {data[:300]!r}")
            return json.loads(data)["id"]
        raise RuntimeError("unreachable")

    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        ids = list(pool.map(create, range(count)))
    elapsed = time.monotonic() - start
    with open(ids_file, "w") as f:
        f.write("\n".join(ids) + "\n")
    print(f"loaded {len(ids)} connectors in {elapsed:.1f} s ({len(ids) / elapsed:.0f}/s, {threads} threads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
