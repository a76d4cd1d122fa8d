"""wharf fleet's planning speed against the local emulator: one manifest of 100 repositories
shared by 12 targets (6 accounts x 2 regions, each reached by assuming its role), planned
with --concurrency 1, 6 and 12 once everything exists (so each plan reads 1,200 repositories
and finds no changes). Prints the time of the seeding apply, then per concurrency: median
wall time, peak RSS of `wharf fleet plan`, and AWS calls; the ratio time(c6) / time(c1)
and whether it meets the goal (c6 <= 1/4 of c1).

Run it with scripts/bench-fleet (which builds wharf in release mode and starts the emulator).

Two settings are measured:
  moto           wharf talks to the emulator directly. The emulator is one Python process
                 (one interpreter lock), and answers in a few milliseconds of its own CPU:
                 planning more targets at once cannot make it answer faster, so this
                 measures wharf's overhead, not what concurrency hides.
  moto + N ms    the same emulator behind a small reverse proxy in this process that holds
                 every request N ms (--latency-ms) before passing it on: the round trip a
                 real AWS endpoint has, which is what concurrency overlaps.

AWS calls are counted two ways: "calls" sums what `--stats` prints per target (every call
wharf's clients make: reads and writes, GetCallerIdentity included; not the STS AssumeRole
calls that obtain each target's credentials, which go through the credential provider);
"requests" is what the proxy saw (every HTTP request, AssumeRole included; latency runs only).
"""

import argparse
import asyncio
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

ACCOUNTS = [f"1000000000{i:02d}" for i in range(1, 7)]
REGIONS = ["eu-west-1", "us-east-1"]
GOAL = 0.25


def manifest(repositories):
    lines = [
        "version: 1",
        "stack: bench",
        "defaults:",
        "  tags: { team: bench }",
        "repositories:",
    ]
    for i in range(repositories):
        lines += [
            f"  bench/app-{i:04d}:",
            "    imageTagMutability: IMMUTABLE",
            "    lifecycle:",
            "      - { untagged: true, expireAfterDays: 14 }",
            "      - { tagPrefixes: [v], keepLast: 30 }",
            f"    tags: {{ app: app-{i:04d} }}",
        ]
    return "\n".join(lines) + "\n"


def fleet(accounts, regions):
    lines = [
        "version: 1",
        "defaults:",
        "  manifests: [wharf.yaml]",
        "  roleArn: arn:aws:iam::${accountId}:role/wharf-bench",
        "targets:",
    ]
    for a, account in enumerate(accounts):
        for region in regions:
            lines += [
                f"  bench-{a + 1}-{region}:",
                f'    accountId: "{account}"',
                f"    region: {region}",
            ]
    return "\n".join(lines) + "\n"


def run_measured(wharf, endpoint, args, cwd, ok=(0,)):
    """Runs wharf; returns (seconds, peak RSS in MiB of the wharf process from wait4, stdout,
    stderr). Exits when wharf's exit code is not in `ok`."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "NO_COLOR": "1",
    }
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    started = time.perf_counter()
    child = subprocess.Popen([wharf] + args, cwd=cwd, env=env, stdout=out, stderr=err)
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    out.seek(0)
    err.seek(0)
    stdout, stderr = out.read().decode(), err.read().decode()
    if code not in ok:
        sys.exit(f"wharf {' '.join(args)} exited {code} (expected {ok}):\n{stdout}\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024.0, stdout, stderr


def stats_calls(stderr, targets):
    """Sums the per-target `NAME: aws calls: R reads, W writes` lines of --stats."""
    found = re.findall(r"^\S+: aws calls: (\d+) reads, (\d+) writes", stderr, re.MULTILINE)
    if len(found) != targets:
        sys.exit(f"expected {targets} --stats lines, found {len(found)}:\n{stderr}")
    reads = sum(int(r) for r, _ in found)
    writes = sum(int(w) for _, w in found)
    return reads, writes


def reset(endpoint):
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).read()


class LatencyProxy:
    """A reverse proxy on 127.0.0.1 that holds each request `latency` seconds, then passes
    it to the emulator and returns its answer; counts requests by AWS operation. Keeps the
    client's connection alive (as AWS does) even though the emulator closes each one."""

    def __init__(self, upstream, latency):
        parsed = urllib.parse.urlsplit(upstream)
        self.host, self.port = parsed.hostname, parsed.port
        self.latency = latency
        self.counts = collections.Counter()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait()

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=1024)
        )
        self.endpoint = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"
        ready.set()
        self.loop.run_forever()

    def close(self):
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    def take_counts(self):
        counts, self.counts = self.counts, collections.Counter()
        return counts

    @staticmethod
    async def _read_message(reader):
        """Reads one HTTP/1.1 request: (head lines, headers by lowercase name, body), or None at EOF."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        lines = head.decode("latin-1").split("\r\n")[:-2]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = b""
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";")[0], 16)
                chunk = await reader.readexactly(size + 2)  # the data and its CRLF
                body += chunk[:-2]
                if size == 0:  # no trailers: the last chunk's CRLF ends the message
                    break
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        return lines, headers, body

    @staticmethod
    def _operation(headers, body):
        target = headers.get("x-amz-target")
        if target:
            return target.rsplit(".", 1)[-1]
        action = urllib.parse.parse_qs(body.decode("latin-1", "replace")).get("Action")
        return action[0] if action else "other"

    @staticmethod
    def _encode(start, headers, body, skip):
        out = [start]
        out += [f"{k}: {v}" for k, v in headers if k.lower() not in skip]
        out.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body

    async def _serve(self, reader, writer):
        try:
            while True:
                message = await self._read_message(reader)
                if message is None:
                    break
                lines, headers, body = message
                self.counts[self._operation(headers, body)] += 1
                await asyncio.sleep(self.latency)
                request_headers = [(l.partition(":")[0], l.partition(":")[2].strip()) for l in lines[1:]]
                request = self._encode(
                    lines[0],
                    request_headers + [("Connection", "close")],
                    body,
                    {"content-length", "transfer-encoding", "connection"},
                )
                up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
                up_writer.write(request)
                await up_writer.drain()
                raw = await up_reader.read()  # the emulator closes every connection
                up_writer.close()
                head, _, rest = raw.partition(b"\r\n\r\n")
                response_lines = head.decode("latin-1").split("\r\n")
                response_headers = [
                    (l.partition(":")[0], l.partition(":")[2].strip()) for l in response_lines[1:]
                ]
                names = {k.lower(): v for k, v in response_headers}
                if "chunked" in names.get("transfer-encoding", "").lower():
                    chunks, data = [], rest
                    while True:
                        size_line, _, data = data.partition(b"\r\n")
                        size = int(size_line.split(b";")[0], 16)
                        if size == 0:
                            break
                        chunks.append(data[:size])
                        data = data[size + 2 :]
                    rest = b"".join(chunks)
                elif "content-length" in names:
                    rest = rest[: int(names["content-length"])]
                writer.write(
                    self._encode(
                        response_lines[0],
                        response_headers,
                        rest,
                        {"content-length", "transfer-encoding", "connection"},
                    )
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


def median(xs):
    return sorted(xs)[len(xs) // 2]


def measure(wharf, endpoint, workdir, concurrency, runs, targets, proxy=None):
    times, rss, calls, requests = [], [], [], []
    for _ in range(runs):
        if proxy:
            proxy.take_counts()
        elapsed, peak, _, stderr = run_measured(
            wharf,
            endpoint,
            ["fleet", "plan", "-f", "fleet.yaml", "--concurrency", str(concurrency), "--stats", "--detailed-exitcode"],
            workdir,
        )
        reads, writes = stats_calls(stderr, targets)
        times.append(elapsed)
        rss.append(peak)
        calls.append(reads + writes)
        if proxy:
            requests.append(sum(proxy.take_counts().values()))
    return {
        "concurrency": concurrency,
        "plan_s": median(times),
        "plan_runs_s": [round(t, 3) for t in times],
        "peak_rss_mib": max(rss),
        "calls": median(calls),
        "requests": median(requests) if requests else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wharf", required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--repositories", type=int, default=100)
    parser.add_argument("--concurrency", default="1,6,12", help="the --concurrency values to plan with")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure (the median is shown)")
    parser.add_argument(
        "--latency-ms",
        default="50",
        help="also measure through a proxy adding this many ms per request (comma-separated; 0 or '' for none)",
    )
    args = parser.parse_args()
    args.wharf = os.path.abspath(args.wharf)
    levels = [int(c) for c in args.concurrency.split(",")]
    if 1 not in levels or 6 not in levels:
        sys.exit("--concurrency must include 1 and 6 (the goal compares them)")
    latencies = [int(ms) for ms in args.latency_ms.split(",") if ms.strip() and int(ms) > 0]
    targets = len(ACCOUNTS) * len(REGIONS)
    repositories = targets * args.repositories
    started = time.perf_counter()

    reset(args.endpoint)
    workdir = tempfile.mkdtemp(prefix="wharf-bench-fleet-")
    with open(os.path.join(workdir, "wharf.yaml"), "w") as f:
        f.write(manifest(args.repositories))
    with open(os.path.join(workdir, "fleet.yaml"), "w") as f:
        f.write(fleet(ACCOUNTS, REGIONS))

    print(f"== {targets} targets x {args.repositories} repositories: applying the fleet ...", file=sys.stderr)
    apply_s, apply_rss, _, stderr = run_measured(
        args.wharf,
        args.endpoint,
        ["fleet", "apply", "-f", "fleet.yaml", "--auto-approve", "--concurrency", "6", "--max-parallel", "6", "--stats"],
        workdir,
    )
    apply_reads, apply_writes = stats_calls(stderr, targets)
    # The state is seeded: a plan must now find nothing to change (--detailed-exitcode: 0).
    settings = [("moto", args.endpoint, None)]
    for ms in latencies:
        settings.append((f"moto + {ms} ms", None, ms))

    results = []
    for label, endpoint, ms in settings:
        proxy = LatencyProxy(args.endpoint, ms / 1000.0) if ms else None
        if proxy:
            endpoint = proxy.endpoint
        for c in levels:
            print(f"== {label}: fleet plan --concurrency {c} x {args.runs} ...", file=sys.stderr)
            row = measure(args.wharf, endpoint, workdir, c, args.runs, targets, proxy)
            row["setting"] = label
            row["latency_ms"] = ms or 0
            results.append(row)
        if proxy:
            proxy.close()

    print()
    print(
        f"apply (create {repositories:,} repositories): {apply_s:.2f} s "
        f"({apply_reads} reads, {apply_writes} writes, peak RSS {apply_rss:.1f} MiB; "
        f"--concurrency 6 --max-parallel 6)"
    )
    print()
    print(
        f"fleet plan: {targets} targets x {args.repositories} repositories, no changes; "
        f"median of {args.runs} runs; nproc {os.cpu_count()}"
    )
    print(
        f"{'setting':<14} {'conc':>4} {'plan s':>8} {'vs c1':>6} {'RSS MiB':>8} {'calls':>6} {'requests':>9}  runs s"
    )
    summary = []
    for label, _, _ in settings:
        rows = [r for r in results if r["setting"] == label]
        c1 = next(r for r in rows if r["concurrency"] == 1)
        for r in rows:
            r["over_c1"] = r["plan_s"] / c1["plan_s"]
            requests = "-" if r["requests"] is None else str(r["requests"])
            print(
                f"{label:<14} {r['concurrency']:>4} {r['plan_s']:>8.2f} {r['over_c1']:>6.3f} "
                f"{r['peak_rss_mib']:>8.1f} {r['calls']:>6} {requests:>9}  {r['plan_runs_s']}"
            )
        c6 = next(r for r in rows if r["concurrency"] == 6)
        ratio = c6["plan_s"] / c1["plan_s"]
        met = ratio <= GOAL
        summary.append({"setting": label, "c6_over_c1": ratio, "goal": GOAL, "met": met})
    print()
    for s in summary:
        verdict = "met" if s["met"] else "NOT met"
        print(f"{s['setting']}: time(c6)/time(c1) = {s['c6_over_c1']:.3f}; goal <= {GOAL} {verdict}")
    elapsed = time.perf_counter() - started
    print(f"(benchmark took {elapsed:.0f} s)")
    print()
    print(
        json.dumps(
            {
                "nproc": os.cpu_count(),
                "targets": targets,
                "repositories_per_target": args.repositories,
                "apply_s": apply_s,
                "apply_reads": apply_reads,
                "apply_writes": apply_writes,
                "apply_peak_rss_mib": apply_rss,
                "plans": results,
                "ratios": summary,
                "benchmark_s": elapsed,
            }
        )
    )


if __name__ == "__main__":
    main()
