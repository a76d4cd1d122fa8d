"""wharf's planning speed and footprint against the local emulator, side by side with the
floor: a minimal client that makes only the read calls a plan needs, with the same
concurrency (8). Prints, per size: plan time / floor time, API calls made / minimum calls,
peak RSS of `wharf plan`, and the time of `wharf validate` on the same manifest.

Run it with scripts/bench (which builds wharf in release mode and starts the emulator).

The minimum calls a plan of this state needs:
  repositories: 3 per repository (tags, lifecycle policy, repository policy)
                + 1 DescribeRepositories page per 1,000 repositories
  ECS:          1 DescribeServices per 10 services + 1 DescribeTaskDefinition per family
plus the constant calls any run makes (STS GetCallerIdentity; ListClusters-style lookups
are not needed when names are declared).
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config

REGION = "eu-west-1"
CONCURRENCY = 8


def client(service, endpoint):
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=botocore.config.Config(max_pool_connections=CONCURRENCY * 2, retries={"max_attempts": 1}),
    )


def manifest(repositories, services, families, subnet, security_group):
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
            '    pull: { accounts: ["111122223333"] }',
            f"    tags: {{ app: app-{i:04d} }}",
        ]
    if services:
        lines += [
            "iam:",
            "  roles:",
            "    task-execution:",
            "      assumedBy: [ecs-tasks.amazonaws.com]",
            "ecs:",
            "  clusters:",
            "    bench: {}",
            "  taskDefinitions:",
        ]
        for f in range(families):
            lines += [
                f"    family-{f:02d}:",
                '      cpu: "256"',
                '      memory: "512"',
                "      networkMode: awsvpc",
                "      requiresCompatibilities: [FARGATE]",
                "      executionRole: task-execution",
                "      containerDefinitions:",
                f"        - {{ name: app, image: \"public.ecr.aws/nginx/nginx:{f}\" }}",
            ]
        lines.append("  services:")
        for s in range(services):
            lines += [
                f"    service-{s:03d}:",
                "      cluster: bench",
                f"      taskDefinition: family-{s % families:02d}",
                "      desiredCount: 1",
                "      launchType: FARGATE",
                "      networkConfiguration:",
                f"        awsvpcConfiguration: {{ subnets: [{subnet}], securityGroups: [{security_group}] }}",
            ]
    return "\n".join(lines) + "\n"


def run_measured(wharf, endpoint, args, cwd):
    """Runs wharf; returns (seconds, peak RSS in MiB from wait4, stdout, stderr)."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
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
    if code not in (0, 2):
        sys.exit(f"wharf {' '.join(args)} failed ({code}):\n{stdout}\n{stderr}")
    return elapsed, usage.ru_maxrss / 1024.0, stdout, stderr


def floor(endpoint, repositories, services, families):
    """The minimum reads, 8 at a time. Returns (seconds, calls)."""
    ecr = client("ecr", endpoint)
    ecs = client("ecs", endpoint)
    sts = client("sts", endpoint)
    calls = 0
    started = time.perf_counter()
    sts.get_caller_identity()
    calls += 1
    names = [f"bench/app-{i:04d}" for i in range(repositories)]
    arns = []
    for start in range(0, len(names), 1000):
        page = ecr.describe_repositories(repositoryNames=names[start : start + 1000], maxResults=1000)
        calls += 1
        arns += [r["repositoryArn"] for r in page["repositories"]]

    def repository_reads(pair):
        name, arn = pair
        ecr.list_tags_for_resource(resourceArn=arn)
        for call in (ecr.get_lifecycle_policy, ecr.get_repository_policy):
            try:
                call(repositoryName=name)
            except ecr.exceptions.ClientError:
                pass
        return 3

    def services_page(batch):
        ecs.describe_services(cluster="bench", services=batch, include=["TAGS"])
        return 1

    def family_read(family):
        ecs.describe_task_definition(taskDefinition=family, include=["TAGS"])
        return 1

    service_names = [f"service-{s:03d}" for s in range(services)]
    batches = [service_names[i : i + 10] for i in range(0, len(service_names), 10)]
    family_names = [f"family-{f:02d}" for f in range(families)] if services else []
    with concurrent.futures.ThreadPoolExecutor(CONCURRENCY) as pool:
        work = [pool.submit(repository_reads, pair) for pair in zip(names, arns)]
        work += [pool.submit(services_page, b) for b in batches]
        work += [pool.submit(family_read, f) for f in family_names]
        calls += sum(f.result() for f in work)
    return time.perf_counter() - started, calls


def minimum_calls(repositories, services, families):
    pages = (repositories + 999) // 1000
    ecs_calls = (services + 9) // 10 + (families if services else 0)
    return 1 + pages + 3 * repositories + ecs_calls


def default_network(endpoint):
    ec2 = client("ec2", endpoint)
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    group = ec2.describe_security_groups()["SecurityGroups"][0]["GroupId"]
    return subnet, group


def reset(endpoint):
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).read()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wharf", required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--services", type=int, default=100)
    parser.add_argument("--families", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="timed runs per figure (the median is shown)")
    args = parser.parse_args()
    args.wharf = os.path.abspath(args.wharf)

    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        reset(args.endpoint)
        subnet, group = default_network(args.endpoint)
        workdir = tempfile.mkdtemp(prefix="wharf-bench-")
        text = manifest(size, args.services, args.families, subnet, group)
        with open(os.path.join(workdir, "wharf.yaml"), "w") as f:
            f.write(text)
        print(f"== {size} repositories, {args.services} services: applying the manifest ...", file=sys.stderr)
        run_measured(args.wharf, args.endpoint, ["apply", "--auto-approve", "--no-wait"], workdir)

        plan_times, rss_peaks, calls_seen, writes_seen = [], [], [], []
        for _ in range(args.runs):
            elapsed, rss, _, stderr = run_measured(
                args.wharf, args.endpoint, ["plan", "--stats", "--detailed-exitcode"], workdir
            )
            m = re.search(r"aws calls: (\d+) reads, (\d+) writes", stderr)
            plan_times.append(elapsed)
            rss_peaks.append(rss)
            calls_seen.append(int(m.group(1)) + int(m.group(2)))
        _, _, out, stderr = run_measured(args.wharf, args.endpoint, ["apply", "--auto-approve", "--stats"], workdir)
        m = re.search(r"aws calls: (\d+) reads, (\d+) writes", stderr + out)
        converged_writes = int(m.group(2)) if m else -1

        floor_times, floor_calls = [], 0
        for _ in range(args.runs):
            elapsed, floor_calls = floor(args.endpoint, size, args.services, args.families)
            floor_times.append(elapsed)

        validate_times = []
        for _ in range(args.runs):
            elapsed, _, _, _ = run_measured(args.wharf, args.endpoint, ["validate"], workdir)
            validate_times.append(elapsed)

        median = lambda xs: sorted(xs)[len(xs) // 2]
        minimum = minimum_calls(size, args.services, args.families)
        resources = size + (1 + 1 + args.families + args.services if args.services else 0)
        rows.append(
            {
                "repositories": size,
                "services": args.services,
                "resources": resources,
                "plan_s": median(plan_times),
                "floor_s": median(floor_times),
                "plan_over_floor": median(plan_times) / median(floor_times),
                "calls": median(calls_seen),
                "minimum_calls": minimum,
                "floor_calls": floor_calls,
                "calls_over_minimum": median(calls_seen) / minimum,
                "peak_rss_mib": max(rss_peaks),
                "validate_ms": median(validate_times) * 1000,
                "converged_apply_writes": converged_writes,
            }
        )

    print()
    print(
        f"{'repos':>6} {'svcs':>5} {'plan s':>8} {'floor s':>8} {'ratio':>6} "
        f"{'calls':>6} {'min':>6} {'ratio':>6} {'RSS MiB':>8} {'validate ms':>12} {'apply writes':>13}"
    )
    for r in rows:
        print(
            f"{r['repositories']:>6} {r['services']:>5} {r['plan_s']:>8.2f} {r['floor_s']:>8.2f} "
            f"{r['plan_over_floor']:>6.2f} {r['calls']:>6} {r['minimum_calls']:>6} {r['calls_over_minimum']:>6.3f} "
            f"{r['peak_rss_mib']:>8.1f} {r['validate_ms']:>12.1f} {r['converged_apply_writes']:>13}"
        )
    print()
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
