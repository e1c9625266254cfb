#!/usr/bin/env python3
"""Benchmark of `vlsc-docs serve`: time from a file write to the reload event, and to the moment the
served page shows the edit, for one-step edits (median of N), on a site folder.

Usage: bench_serve.py BINARY SITE_DIR PROCEDURE_ID [N]
Loopback only; starts and stops its own server.
"""
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time


def main():
    binary, site, proc = sys.argv[1], sys.argv[2], sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    started = time.perf_counter()
    server = subprocess.Popen([binary, "serve", "--port", "0", "--root", site],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = None
        deadline = time.time() + 120
        while time.time() < deadline and port is None:
            line = server.stdout.readline()
            m = re.search(r"\(port (\d+)\)", line)
            if m:
                port = int(m.group(1))
        if port is None:
            sys.exit("serve did not start")
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", "/en/index.html")
        conn.getresponse().read()
        ready = (time.perf_counter() - started) * 1000
        threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
        events = []
        cond = threading.Condition()

        def listen():
            conn = http.client.HTTPConnection("127.0.0.1", port)
            conn.request("GET", "/__vlsc-docs/events")
            resp = conn.getresponse()
            while True:
                line = resp.fp.readline()
                if not line:
                    return
                if line.startswith(b"data: "):
                    with cond:
                        events.append((time.perf_counter(), json.loads(line[6:])))
                        cond.notify_all()

        threading.Thread(target=listen, daemon=True).start()
        path = os.path.join(site, "content", "procedures", proc + ".toml")
        original = open(path, encoding="utf-8").read()
        page = f"/en/procedures/{proc}.html"
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", page)
        if conn.getresponse().status != 200:
            sys.exit(f"{page} is not served")
        to_event, to_page, rendered = [], [], []
        time.sleep(0.5)
        try:
            for i in range(n):
                marker = f"bench-edit-{i}-{time.time_ns()}"
                # Edit the first step's English text (not the title, which other pages list).
                at = original.index("[[steps]]")
                head, tail = original[:at], original[at:]
                multiline = "text.en = " + "'" * 3 + "\n"
                if multiline in tail:
                    tail = tail.replace(multiline, multiline + marker + " ", 1)
                else:
                    tail = tail.replace('en = "', f'en = "{marker} ', 1)
                text = head + tail
                with cond:
                    seen = len(events)
                start = time.perf_counter()
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
                with cond:
                    ok = cond.wait_for(lambda: len(events) > seen and events[-1][1]["generation"] > events[seen - 1][1]["generation"] if seen else len(events) > seen, timeout=10)
                    if not ok:
                        sys.exit("no reload event within 10 s")
                    t_event = events[-1][0]
                while True:
                    conn = http.client.HTTPConnection("127.0.0.1", port)
                    conn.request("GET", page)
                    body = conn.getresponse().read().decode("utf-8", "replace")
                    if marker in body:
                        break
                    if time.perf_counter() - start > 10:
                        sys.exit("edit never showed")
                t_page = time.perf_counter()
                to_event.append((t_event - start) * 1000)
                to_page.append((t_page - start) * 1000)
                time.sleep(0.15)
        finally:
            with open(path, "w", encoding="utf-8") as f:
                f.write(original)
        rss = 0
        with open(f"/proc/{server.pid}/status") as status:
            for line in status:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    rss = max(rss, int(line.split()[1]) // 1024)
        print(f"ready (start → home page served): {ready:.0f} ms; peak RSS {rss} MiB")
        print(f"write → reload event: median {statistics.median(to_event):.1f} ms "
              f"(min {min(to_event):.1f}, max {max(to_event):.1f}, n={n})")
        print(f"write → page shows the edit: median {statistics.median(to_page):.1f} ms "
              f"(min {min(to_page):.1f}, max {max(to_page):.1f}, n={n})")
    finally:
        server.kill()
        server.wait()


if __name__ == "__main__":
    main()
