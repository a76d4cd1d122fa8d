"""wharf fleet's planning speed against the local emulator: one manifest of 100 repositories
shared by 12 targets (6 accounts x 2 regions, each reached by assuming its role), planned
with --concurrency 1, 6 and 12 once everything exists (so each plan reads 1,200 repositories
and finds no changes). Prints the time of the seeding apply, then per concurrency: median
wall time, peak RSS of `wharf fleet plan`, and AWS calls; the ratio time(c6) / time(c1)
and whether it meets the goal (c6 <= 1/4 of c1).

Run it with scripts/bench-fleet (which builds wharf in release mode and starts the emulator).

The settings measured:
  moto           wharf talks to the emulator directly. The emulator is one Python process
                 (one interpreter lock) that spends milliseconds of its own CPU on every
                 call: planning more targets at once cannot make it answer faster, so this
                 shows the emulator's limit (and how little wharf adds), not what
                 concurrency hides.
  moto + N ms    the same emulator behind a small reverse proxy in this process that holds
                 every request N ms (--latency-ms, default 20 and 50) before passing it on:
                 the round trip a real AWS endpoint has, which is what concurrency overlaps.
                 The emulator's CPU per call is still there, so the figures are bounded by it.
  replay + N ms  the same proxy and latency, but answering from a plan it recorded first (one
                 untimed plan at --concurrency 6): the emulator is out of the loop, as if it
                 answered as fast whatever the load, like AWS across many accounts. The
                 proxy itself (one Python thread, well under a millisecond per request) is
                 then what bounds the figures, besides wharf. A request it never recorded is
                 passed on to the emulator and counted as a miss (printed).
The "moto CPU s" column (with --moto-pid) is the CPU the emulator spent during a plan: when
it is close to the plan's wall time, the emulator, not wharf, is what the plan waits for.
"proxy CPU s" is the proxy's, "wharf CPU s" wharf's own (user + system, from wait4, as is
its peak RSS).

AWS calls are counted two ways: "calls" sums what `--stats` prints per target (every call
wharf's clients make: reads and writes, GetCallerIdentity included; not the STS AssumeRole
calls that obtain each target's credentials, which go through the credential provider);
"requests" is what the proxy saw (every HTTP request, AssumeRole included; proxy runs only).
"""

import argparse
import asyncio
import collections
import json
import os
import re
import resource
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
    """Runs wharf; returns (seconds, peak RSS in MiB of the wharf process from wait4, its CPU
    seconds, stdout, stderr). Exits when wharf's exit code is not in `ok`."""
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
    return elapsed, usage.ru_maxrss / 1024.0, usage.ru_utime + usage.ru_stime, stdout, stderr


def cpu_seconds(pid):
    """The CPU seconds (user + system, all threads) process `pid` has used, or None."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    client's connection alive (as AWS does) even though the emulator closes each one.

    With `recording` set it also keeps every answer, by who asked (the account behind the
    access key), region, operation and request body; with `replaying` set it serves a kept
    answer instead of asking the emulator (asking it only for requests never seen, which
    are counted in `misses`). Planning changes nothing, so a recorded plan's answers are
    what the emulator would say again."""

    def __init__(self, upstream, latency):
        parsed = urllib.parse.urlsplit(upstream)
        self.host, self.port = parsed.hostname, parsed.port
        self.latency = latency
        self.counts = collections.Counter()
        self.recording = False
        self.replaying = False
        self.answers = {}
        self.accounts = {}  # access key id -> the account of the role it was issued for
        self.misses = 0
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
        async def shutdown():
            self.server.close()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()

    def take_counts(self):
        counts, self.counts = self.counts, collections.Counter()
        return counts

    def take_misses(self):
        misses, self.misses = self.misses, 0
        return misses

    def _key(self, operation, headers, body):
        credential = re.search(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/", headers.get("authorization", ""))
        key_id, region, service = credential.groups() if credential else ("", "", "")
        return (self.accounts.get(key_id, key_id), region, service, operation, body)

    def _learn_account(self, operation, body, answer):
        """Remembers which account the access key an AssumeRole answer carries acts in."""
        if operation != "AssumeRole":
            return
        role = urllib.parse.parse_qs(body.decode("latin-1")).get("RoleArn", [""])[0]
        key_id = re.search(rb"<AccessKeyId>([^<]+)</AccessKeyId>", answer)
        if key_id and role.count(":") >= 4:
            self.accounts[key_id.group(1).decode()] = role.split(":")[4]

    async def _ask_upstream(self, lines, body):
        """Sends the request to the emulator; returns its answer re-framed with a Content-Length."""
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
        response_headers = [(l.partition(":")[0], l.partition(":")[2].strip()) for l in response_lines[1:]]
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
        return self._encode(
            response_lines[0], response_headers, rest, {"content-length", "transfer-encoding", "connection"}
        )

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
                operation = self._operation(headers, body)
                self.counts[operation] += 1
                await asyncio.sleep(self.latency)
                key = self._key(operation, headers, body) if self.recording or self.replaying else None
                answer = self.answers.get(key) if self.replaying else None
                if answer is None:
                    if self.replaying:
                        self.misses += 1
                    answer = await self._ask_upstream(lines, body)
                    if self.recording:
                        self._learn_account(operation, body, answer)
                        self.answers.setdefault(key, answer)
                writer.write(answer)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass  # the client went away, or the proxy is shutting down
        finally:
            writer.close()


def median(xs):
    return sorted(xs)[len(xs) // 2]


def measure(wharf, endpoint, workdir, concurrency, runs, targets, moto_pid, proxy=None):
    times, rss, calls, requests, wharf_cpu, moto_cpu = [], [], [], [], [], []
    operations, misses, proxy_cpu = collections.Counter(), 0, []
    for _ in range(runs):
        if proxy:
            proxy.take_counts()
        moto_before = cpu_seconds(moto_pid)
        own_before = resource.getrusage(resource.RUSAGE_SELF)
        elapsed, peak, cpu, _, stderr = run_measured(
            wharf,
            endpoint,
            ["fleet", "plan", "-f", "fleet.yaml", "--concurrency", str(concurrency), "--stats", "--detailed-exitcode"],
            workdir,
        )
        reads, writes = stats_calls(stderr, targets)
        moto_after = cpu_seconds(moto_pid)
        own_after = resource.getrusage(resource.RUSAGE_SELF)
        times.append(elapsed)
        rss.append(peak)
        calls.append(reads + writes)
        wharf_cpu.append(cpu)
        if moto_before is not None and moto_after is not None:
            moto_cpu.append(moto_after - moto_before)
        if proxy:
            operations = proxy.take_counts()
            requests.append(sum(operations.values()))
            misses += proxy.take_misses()
            # While wharf runs this process only waits for it: its CPU is the proxy's.
            proxy_cpu.append(
                own_after.ru_utime + own_after.ru_stime - own_before.ru_utime - own_before.ru_stime
            )
    return {
        "concurrency": concurrency,
        "plan_s": median(times),
        "plan_runs_s": [round(t, 3) for t in times],
        "peak_rss_mib": max(rss),
        "wharf_cpu_s": median(wharf_cpu),
        "moto_cpu_s": median(moto_cpu) if moto_cpu else None,
        "proxy_cpu_s": median(proxy_cpu) if proxy_cpu else None,
        "calls": median(calls),
        "requests": median(requests) if requests else None,
        "requests_by_operation": dict(sorted(operations.items())) if proxy else None,
        "replay_misses": misses if proxy and proxy.replaying else None,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wharf", required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--repositories", type=int, default=100)
    parser.add_argument("--concurrency", default="1,6,12", help="the --concurrency values to plan with")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure (the median is shown)")
    parser.add_argument("--moto-pid", type=int, help="the emulator's process, to report the CPU it spends")
    parser.add_argument(
        "--latency-ms",
        default="20,50",
        help="also measure through a proxy adding this many ms per request (comma-separated; 0 or '' for none)",
    )
    parser.add_argument(
        "--no-replay",
        action="store_true",
        help="with --latency-ms, do not also measure with the proxy replaying recorded answers",
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
    apply_s, apply_rss, _, _, stderr = run_measured(
        args.wharf,
        args.endpoint,
        ["fleet", "apply", "-f", "fleet.yaml", "--auto-approve", "--concurrency", "6", "--max-parallel", "6", "--stats"],
        workdir,
    )
    apply_reads, apply_writes = stats_calls(stderr, targets)
    # The state is seeded: a plan must now find nothing to change (--detailed-exitcode: 0).
    settings = [("moto", None, False)]
    for ms in latencies:
        settings.append((f"moto + {ms} ms", ms, False))
    if not args.no_replay:
        settings += [(f"replay + {ms} ms", ms, True) for ms in latencies]

    results = []
    for label, ms, replay in settings:
        proxy = LatencyProxy(args.endpoint, ms / 1000.0) if ms else None
        endpoint = proxy.endpoint if proxy else args.endpoint
        if replay:
            print(f"== {label}: recording the emulator's answers (one plan, not timed) ...", file=sys.stderr)
            proxy.recording = True
            run_measured(args.wharf, endpoint, ["fleet", "plan", "-f", "fleet.yaml", "--concurrency", "6"], workdir)
            proxy.recording, proxy.replaying = False, True
            proxy.take_counts()
        for c in levels:
            print(f"== {label}: fleet plan --concurrency {c} x {args.runs} ...", file=sys.stderr)
            row = measure(args.wharf, endpoint, workdir, c, args.runs, targets, args.moto_pid, proxy)
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
        f"{'setting':<14} {'conc':>4} {'plan s':>8} {'vs c1':>6} {'RSS MiB':>8} {'wharf CPU s':>11} "
        f"{'moto CPU s':>10} {'proxy CPU s':>11} {'calls':>6} {'requests':>9}  runs s"
    )
    summary = []
    for label, _, _ in settings:
        rows = [r for r in results if r["setting"] == label]
        c1 = next(r for r in rows if r["concurrency"] == 1)
        for r in rows:
            r["over_c1"] = r["plan_s"] / c1["plan_s"]
            requests = "-" if r["requests"] is None else str(r["requests"])
            moto_cpu = "-" if r["moto_cpu_s"] is None else f"{r['moto_cpu_s']:.2f}"
            proxy_cpu = "-" if r["proxy_cpu_s"] is None else f"{r['proxy_cpu_s']:.2f}"
            print(
                f"{label:<14} {r['concurrency']:>4} {r['plan_s']:>8.2f} {r['over_c1']:>6.3f} "
                f"{r['peak_rss_mib']:>8.1f} {r['wharf_cpu_s']:>11.2f} {moto_cpu:>10} {proxy_cpu:>11} "
                f"{r['calls']:>6} {requests:>9}  {r['plan_runs_s']}"
            )
        c6 = next(r for r in rows if r["concurrency"] == 6)
        ratio = c6["plan_s"] / c1["plan_s"]
        met = ratio <= GOAL
        summary.append({"setting": label, "c6_over_c1": ratio, "goal": GOAL, "met": met})
    misses = sum(r["replay_misses"] or 0 for r in results)
    if not args.no_replay and latencies:
        print(
            "replay: the proxy answers from a recorded plan (the emulator is out of the loop); "
            f"requests it had not recorded and passed on: {misses}"
        )
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
                "replay_misses": misses,
                "benchmark_s": elapsed,
            }
        )
    )


if __name__ == "__main__":
    main()
