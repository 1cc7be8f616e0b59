#!/usr/bin/env python3
"""The benchmark of docs/performance.md. Run it with benchmarks/run, which installs its tools and
builds the sample gateway first.

Two sample gateways run side by side, the policy off (stock Spring Cloud Gateway) and on,
pinned to core 0 with the same JVM flags, heap and one Netty worker; wrk, hey and an nginx
upstream share core 1. After a discarded warm-up, every scenario runs once per round, the
rounds interleaved, and the median and the min-max of the rounds are reported. The CPU ratios
that the targets judge come from pairs of short runs back to back instead, so that both sides
of each ratio see the same load on a shared machine. Everything listens and connects on
loopback.
"""

import datetime
import glob
import json
import math
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
# BENCH_QUICK=1: the happy path only, policy off and on, printed and not published; for
# checking a change to the happy path in about two minutes.
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
WARMUP_SECONDS = int(os.environ.get("BENCH_WARMUP_SECONDS", str(2 * SECONDS)))
PAIRS = int(os.environ.get("BENCH_PAIRS", "16"))
PAIR_SECONDS = int(os.environ.get("BENCH_PAIR_SECONDS", "3"))
# The CPU ratios the targets judge: result key, scenario over scenario.
RATIOS = [("happyCpuRatio", "happy-on", "happy-off"), ("healthCpuRatio", "happy-on", "happy-nohealth"),
          ("retryCpuRatio", "happy-on", "happy-noretry"), ("staleCpuRatio", "happy-on", "happy-nostale"),
          ("ejectedCpuRatio", "refused-ejected", "happy-on"),
          # the method against itself: how far from 1.000 it reads where there is no difference
          ("sameCpuRatio", "happy-on", "happy-on")]
CONNECTIONS = 32
WAITING_CONNECTIONS = 400
GATEWAY_CPU = "0"
LOAD_CPU = "1"
JVM_FLAGS = ["-Xms512m", "-Xmx512m", "-XX:+UseG1GC", "-XX:ActiveProcessorCount=1",
             "-Dreactor.netty.ioWorkerCount=1"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

SCENARIOS = [
    # name, label, target, path
    ("nginx", "nginx directly", "nginx", "/"),
    ("happy-off", "happy path, policy off", "off", "/bench/"),
    ("happy-on", "happy path, policy on", "on", "/bench/"),
    ("happy-nohealth", "happy path, policy on, health off", "on", "/bench-nohealth/"),
    ("happy-noretry", "happy path, policy on, retries off", "on", "/bench-noretry/"),
    ("happy-nostale", "happy path, policy on, stale-if-error off", "on", "/bench-nostale/"),
    ("refused-off", "refused, policy off (stock 500)", "off", "/demo/refused"),
    ("refused-on", "refused, policy on, health and retries off (502)", "on", "/refused-nohealth/"),
    ("refused-ejected", "refused, upstream ejected (503)", "on", "/demo/refused"),
    ("lb-healthy", "lb: route, three instances healthy", "on", "/lb-healthy/"),
    ("lb-one-dead", "lb: route, one instance of three dead", "on", "/lb-one-dead/"),
    ("stale-served", "upstream down, kept response served stale", "on", "/stale/"),
]
ROUTE_IDS = {"/bench/": "bench", "/bench-nohealth/": "bench-nohealth", "/bench-noretry/": "bench-noretry",
             "/refused-nohealth/": "refused-nohealth", "/demo/refused": "refused", "/lb-healthy/": "lb-healthy",
             "/lb-one-dead/": "lb-one-dead", "/bench-nostale/": "bench-nostale", "/stale/": "stale"}


class StaleOrigin:
    """An upstream that answers with Cache-Control: stale-if-error until it is stopped."""

    BODY = b"<!DOCTYPE html><title>catalog</title>" + b"x" * 560

    def __init__(self):
        import http.server
        import threading
        body = self.BODY

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Cache-Control", "max-age=0, stale-if-error=86400")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.read()


def wait_until(check, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"benchmark: {what} did not come up within {seconds} s")


class Nginx:
    def __init__(self, workdir):
        self.port = free_port()
        # two more ports of the same server: the other instances of a load-balanced service
        self.more_ports = [free_port(), free_port()]
        conf = os.path.join(workdir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""worker_processes 1;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/body;
  proxy_temp_path {workdir}/proxy;
  fastcgi_temp_path {workdir}/fastcgi;
  uwsgi_temp_path {workdir}/uwsgi;
  scgi_temp_path {workdir}/scgi;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{self.port};
    listen 127.0.0.1:{self.more_ports[0]};
    listen 127.0.0.1:{self.more_ports[1]};
    location / {{ default_type text/plain; return 200 "Hello from nginx.\\n"; }}
  }}
}}
""")
        nginx = "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else "nginx"
        self.process = subprocess.Popen(["taskset", "-c", LOAD_CPU, nginx, "-c", conf, "-p", workdir],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: get(self.url("/"))[0] == 200, 20, "nginx")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def instance_urls(self):
        return [f"http://127.0.0.1:{port}" for port in [self.port, *self.more_ports]]

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


class Gateway:
    def __init__(self, name, policy, jar, instances, refused, workdir, stale=None):
        upstream = instances[0]
        self.name = name
        self.port = free_port()
        self.log = os.path.join(workdir, f"gateway-{name}.log")
        route = "--spring.cloud.gateway.server.webflux.routes[0]."
        # the same upstreams with upstream health off, for its cost on the happy path and
        # for refused connections answered one by one
        plain = "--spring.cloud.gateway.server.webflux.routes[1]."
        refusing = "--spring.cloud.gateway.server.webflux.routes[2]."
        # the same upstream with retries off, for their cost on the happy path
        no_retry = "--spring.cloud.gateway.server.webflux.routes[3]."
        # load-balanced over three instances, all healthy or one refusing connections
        healthy = "--spring.cloud.gateway.server.webflux.routes[4]."
        one_dead = "--spring.cloud.gateway.server.webflux.routes[5]."
        discovery = "--spring.cloud.discovery.client.simple.instances."
        # the same upstream with stale-if-error off, for its cost on the happy path
        no_stale = "--spring.cloud.gateway.server.webflux.routes[6]."
        # an upstream that answered once, saying its answer may be served stale, and is gone
        kept = "--spring.cloud.gateway.server.webflux.routes[7]."
        args = ["taskset", "-c", GATEWAY_CPU, "java", *JVM_FLAGS, "-jar", jar,
                f"--server.port={self.port}", "--server.address=127.0.0.1",
                f"--gateway.error-policy.enabled={str(policy).lower()}",
                route + "id=bench", route + f"uri={upstream}", route + "predicates[0]=Path=/bench/**",
                plain + "id=bench-nohealth", plain + f"uri={upstream}", plain + "predicates[0]=Path=/bench-nohealth/**",
                plain + "metadata.error-policy.health.enabled=false",
                refusing + "id=refused-nohealth", refusing + f"uri={refused}",
                refusing + "predicates[0]=Path=/refused-nohealth/**",
                refusing + "metadata.error-policy.health.enabled=false",
                refusing + "metadata.error-policy.retry.enabled=false",
                no_retry + "id=bench-noretry", no_retry + f"uri={upstream}", no_retry + "predicates[0]=Path=/bench-noretry/**",
                no_retry + "metadata.error-policy.retry.enabled=false",
                healthy + "id=lb-healthy", healthy + "uri=lb://bench-healthy", healthy + "predicates[0]=Path=/lb-healthy/**",
                one_dead + "id=lb-one-dead", one_dead + "uri=lb://bench-one-dead",
                one_dead + "predicates[0]=Path=/lb-one-dead/**",
                *[f"{discovery}bench-healthy[{i}].uri={url}" for i, url in enumerate(instances)],
                *[f"{discovery}bench-one-dead[{i}].uri={url}" for i, url in enumerate([refused, *instances[1:]])],
                no_stale + "id=bench-nostale", no_stale + f"uri={upstream}",
                no_stale + "predicates[0]=Path=/bench-nostale/**",
                no_stale + "metadata.error-policy.stale-if-error.enabled=false",
                kept + "id=stale", kept + f"uri={stale or refused}", kept + "predicates[0]=Path=/stale/**",
                "--spring.cloud.gateway.server.webflux.httpclient.pool.metrics=true",
                "--management.endpoints.web.exposure.include=health,metrics"]
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        wait_until(lambda: get(self.url("/bench/"))[0] == 200, 120, f"the gateway with the policy {name}")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def cpu_seconds(self):
        """User and system time of the process, less that of its JIT compiler threads:
        compiling is not serving, and a compilation that lands in one run of a pair (the
        JIT keeps compiling now and then long after the warm-up) would be charged to
        that run's requests."""
        return cpu_ticks(f"/proc/{self.process.pid}/stat") / CLOCK_TICKS - self.compiler_seconds()

    def compiler_seconds(self):
        total = 0
        tasks = f"/proc/{self.process.pid}/task"
        for task in os.listdir(tasks):
            try:
                with open(f"{tasks}/{task}/comm") as f:
                    if "CompilerThre" not in f.read():
                        continue
                total += cpu_ticks(f"{tasks}/{task}/stat")
            except OSError:
                # a thread that ended as it was read. With one active processor HotSpot has
                # one C1 and one C2 thread and never ends the last of a kind, so no
                # compiler's time leaves this sum while it stays in the process's.
                continue
        return total / CLOCK_TICKS

    def log_lines(self):
        with open(self.log, "rb") as f:
            return sum(1 for _ in f)

    def open_files(self):
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def metric(self, name, *tags):
        query = "&".join(f"tag={t}" for t in tags)
        try:
            status, body = get(self.url(f"/actuator/metrics/{name}" + (f"?{query}" if query else "")))
        except urllib.error.HTTPError:
            return 0.0
        for measurement in json.loads(body)["measurements"]:
            if measurement["statistic"] in ("VALUE", "COUNT"):
                return measurement["value"]
        return 0.0

    def memory_after_gc(self):
        subprocess.run(["jcmd", str(self.process.pid), "GC.run"], check=True, stdout=subprocess.DEVNULL)
        return {
            "heapAfterGcMiB": self.metric("jvm.memory.used", "area:heap") / 2**20,
            "nettyDirectMiB": self.metric("netty.allocator.memory.used", "memory.type:direct") / 2**20,
            "jdkDirectMiB": self.metric("jvm.buffer.memory.used", "id:direct") / 2**20,
        }

    def stop(self):
        self.process.terminate()
        self.process.wait(30)


def cpu_ticks(stat):
    """User and system time, in clock ticks, from a /proc stat file (of a process or a
    thread)."""
    with open(stat) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def to_ms(value):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url, seconds, connections=CONNECTIONS, timeout=5):
    output = subprocess.run(["taskset", "-c", LOAD_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s",
                             f"--timeout={timeout}s", "--latency", url],
                            check=True, capture_output=True, text=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.M))
    if len(percentiles) < 2:
        sys.exit(f"benchmark: wrk measured nothing at {url}:\n{output}")
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50Ms": to_ms(percentiles["50"]),
        "p99Ms": to_ms(percentiles["99"]),
        "errors": sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output)),
        "non2xx": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", output)) else 0,
    }


def hey(url, seconds, rate, workers=4):
    output = subprocess.run(["taskset", "-c", LOAD_CPU, "hey", "-z", f"{seconds}s", "-c", str(workers),
                             "-q", f"{rate / workers:.1f}", url],
                            check=True, capture_output=True, text=True).stdout
    percentiles = dict(re.findall(r"^\s+(50|99)% in ([\d.]+) secs$", output, re.M))
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50Ms": float(percentiles["50"]) * 1000,
        "p99Ms": float(percentiles["99"]) * 1000,
    }


def jmh(workdir):
    """The JMH microbenchmarks of the classifier and the renderers, on the gateway's core:
    time and bytes allocated per operation."""
    out = os.path.join(workdir, "jmh.json")
    subprocess.run(["taskset", "-c", GATEWAY_CPU, "java", "-jar", os.path.join(ROOT, "benchmarks/target/benchmarks.jar"),
                    "-prof", "gc", "-rf", "json", "-rff", out], check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        raw = json.load(f)
    results = []
    for entry in raw:
        secondary = entry.get("secondaryMetrics", {})
        allocated = next((m["score"] for k, m in secondary.items() if k.endswith("gc.alloc.rate.norm")), None)
        results.append({
            "benchmark": entry["benchmark"].rsplit(".", 2)[-2] + "." + entry["benchmark"].rsplit(".", 1)[-1],
            "params": entry.get("params", {}),
            "score": entry["primaryMetric"]["score"],
            "error": entry["primaryMetric"]["scoreError"],
            "unit": entry["primaryMetric"]["scoreUnit"],
            "bytesPerOp": allocated,
        })
    return results


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def run_scenario(scenario, targets, seconds):
    name, _, target, path = scenario
    process = targets[target]
    if not isinstance(process, Gateway):
        return wrk(process.url(path), seconds)
    # Requests the gateway handled, counted by Spring Cloud Gateway's own meter: wrk counts
    # only the answers it read before it stopped.
    handled = lambda: process.metric("spring.cloud.gateway.requests", f"routeId:{ROUTE_IDS[path]}")
    before = (process.cpu_seconds(), process.log_lines(), handled())
    result = wrk(process.url(path), seconds)
    requests = settled(handled) - before[2]
    result["cpuUsPerRequest"] = (process.cpu_seconds() - before[0]) * 1e6 / requests
    result["logLinesPerRequest"] = (process.log_lines() - before[1]) / requests
    return result


def paired_ratios(a, b, targets):
    """The CPU per request of scenario a over scenario b, from PAIRS pairs of runs of
    PAIR_SECONDS back to back (every other pair in reverse order): on a shared machine, whose
    load drifts over minutes, the two sides of a pair see nearly the same load, where two runs
    of a round are minutes apart. The median of the pairs is what the targets judge."""
    ratios = []
    for i in range(PAIRS):
        # by position, not by name: a and b may be the same scenario
        cpu = [run_scenario(s, targets, PAIR_SECONDS)["cpuUsPerRequest"] for s in ((a, b) if i % 2 == 0 else (b, a))]
        ratios.append(cpu[0] / cpu[1] if i % 2 == 0 else cpu[1] / cpu[0])
    return ratios


def median_interval(values):
    """A confidence interval of at least 95 % for the median of values, from their order
    statistics: the k-th smallest and the k-th largest, for the largest k that the binomial
    distribution allows (for 16 pairs, the 4th of each end, 97.9 %). It assumes nothing of
    how the values are distributed."""
    n, ordered = len(values), sorted(values)
    k, below = 0, 0.0
    while k < n // 2:
        # the chance that fewer than k + 1 values fall below the true median
        below += math.comb(n, k) / 2 ** n
        if below > 0.025:
            break
        k += 1
    k = max(k, 1)
    return [ordered[k - 1], ordered[n - k]]


def settled(read, seconds=5):
    """Read a count until it stops changing: the requests wrk left in flight finish."""
    previous, deadline = read(), time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.1)
        current = read()
        if current == previous:
            return current
        previous = current
    return previous


def waiting(gateway, seconds):
    """Many requests waiting on an upstream that never answers (the route's response
    timeout is 2 s): the gateway's memory, open files and pool connections meanwhile."""
    idle = {"openFiles": gateway.open_files(),
            "poolConnections": gateway.metric("reactor.netty.connection.provider.total.connections")}
    sampled = {}

    def sample():
        time.sleep(seconds / 2)
        sampled["heapUsedMiB"] = gateway.metric("jvm.memory.used", "area:heap") / 2**20
        sampled["openFiles"] = gateway.open_files()
        sampled["poolConnections"] = gateway.metric("reactor.netty.connection.provider.total.connections")

    sampler = threading.Thread(target=sample)
    sampler.start()
    result = wrk(gateway.url("/demo/slow"), seconds, connections=WAITING_CONNECTIONS, timeout=10)
    sampler.join()
    return {"idle": idle, "whileWaiting": sampled, "rps": result["rps"], "p50Ms": result["p50Ms"]}


def render(results):
    s = results["scenarios"]
    med = {name: s[name]["rps"]["median"] for name in s}
    p99 = {name: s[name]["p99Ms"]["median"] for name in s}
    memory = results["memoryAfterFailures"]
    cpu_ratio = results["happyCpuRatio"]
    health = results["healthCpuRatio"]
    ejected = results["ejectedCpuRatio"]
    retry = results["retryCpuRatio"]
    stale = results.get("staleCpuRatio")
    same = results.get("sameCpuRatio")

    def measured(ratio, digits=3):
        ci = (f"CI ≥ 95 % {ratio['ci95'][0]:.{digits}f}–{ratio['ci95'][1]:.{digits}f}; "
              if "ci95" in ratio else "")
        return f"{ratio['median']:.{digits}f}x ({ci}pairs {ratio['min']:.{digits}f}–{ratio['max']:.{digits}f})"
    # runs published before the pairs were measured judged the rounds' ratios
    how = (f"median of {results['pairs']} pairs of {results['pairSeconds']} s runs back to back"
           if "pairs" in results else "median of the rounds' ratios")
    dead_errors = sum(r["non2xx"] + r["errors"] for r in results["runs"]["lb-one-dead"])
    dead_requests = sum(r["requests"] for r in results["runs"]["lb-one-dead"])
    targets = [
        (f"Happy path, policy on vs off: CPU per request ({how})",
         measured(cpu_ratio), "≤ 1.02x",
         cpu_ratio["median"] <= 1.02),
        ("Happy path, policy on vs off: throughput", f"{med['happy-on'] / med['happy-off']:.3f}x", "≥ 0.97x",
         med["happy-on"] / med["happy-off"] >= 0.97),
        ("Happy path, policy on vs off: p99", f"{p99['happy-on'] / p99['happy-off']:.3f}x", "≤ 1.05x",
         p99["happy-on"] / p99["happy-off"] <= 1.05),
        ("Refused (on) vs happy path (on): throughput", f"{med['refused-on'] / med['happy-on']:.2f}x", "≥ 1.0x",
         med["refused-on"] / med["happy-on"] >= 1.0),
        ("Refused, policy on vs stock: throughput", f"{med['refused-on'] / med['refused-off']:.2f}x", "≥ 2x",
         med["refused-on"] / med["refused-off"] >= 2.0),
        (f"Happy path, upstream health on vs off: CPU per request ({how})",
         measured(health), "≤ 1.02x", health["median"] <= 1.02),
        (f"Refused, upstream ejected vs happy path: CPU per request ({how})",
         measured(ejected), "≤ 0.5x",
         ejected["median"] <= 0.5),
        (f"Happy path, retries on vs off: CPU per request ({how})",
         measured(retry), "≤ 1.02x", retry["median"] <= 1.02),
        *([(f"Happy path, stale-if-error on vs off (nothing cacheable): CPU per request ({how})",
            measured(stale), "≤ 1.02x", stale["median"] <= 1.02),
           ("Upstream down, stale response served vs happy path: throughput",
            f"{med['stale-served'] / med['happy-on']:.2f}x", "≥ 1.0x", med["stale-served"] / med["happy-on"] >= 1.0)]
          if stale else []),
        *([(f"The method against itself, happy path (on) vs happy path (on): CPU per request ({how})",
            measured(same), "reported (1.000 is exact)", True)] if same else []),
        ("lb: route with one instance of three dead: client-visible errors",
         f"{dead_errors:,} of {dead_requests:,} requests", "0", dead_errors == 0),
        ("lb: route with one instance of three dead vs all healthy: throughput",
         f"{med['lb-one-dead'] / med['lb-healthy']:.3f}x", "reported", True),
        ("Log lines per failed request, policy on", f"{s['refused-on']['logLinesPerRequest']['median']:.3f}",
         "≤ 1", s["refused-on"]["logLinesPerRequest"]["median"] <= 1),
        (f"Heap after GC after {memory['failedRequests']:,} failed requests",
         f"{memory['after']['heapAfterGcMiB']:.1f} MiB (baseline {memory['baseline']['heapAfterGcMiB']:.1f})",
         "within 10 %", memory["after"]["heapAfterGcMiB"] <= memory["baseline"]["heapAfterGcMiB"] * 1.1),
        ("Netty direct memory after those requests",
         f"{memory['after']['nettyDirectMiB']:.1f} MiB (baseline {memory['baseline']['nettyDirectMiB']:.1f})",
         "within 10 %", memory["after"]["nettyDirectMiB"] <= memory["baseline"]["nettyDirectMiB"] * 1.1),
    ]
    lines = [f"Run on {results['date']}: {results['machine']}, {results['java']}; "
             f"{results['rounds']} interleaved rounds of {results['seconds']} s after a discarded warm-up, "
             f"wrk with 1 thread and {CONNECTIONS} connections.", "",
             f"**Happy path, policy on vs off: {cpu_ratio['median']:.3f}x the CPU time per request** "
             f"({how}; "
             f"range {cpu_ratio['min']:.3f}–{cpu_ratio['max']:.3f}x), "
             f"{med['happy-on'] / med['happy-off']:.3f}x the throughput (which swings by up to ±30 % "
             "between runs on these machines).", "",
             "| Scenario | Requests/s, median (min–max) | p50 ms | p99 ms | CPU µs per request | Log lines per request |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, label, _, _ in SCENARIOS:
        r = s[name]
        cpu = f"{r['cpuUsPerRequest']['median']:.0f}" if "cpuUsPerRequest" in r else "–"
        log = f"{r['logLinesPerRequest']['median']:.2f}" if "logLinesPerRequest" in r else "–"
        lines.append(f"| {label} | {r['rps']['median']:,.0f} ({r['rps']['min']:,.0f}–{r['rps']['max']:,.0f}) "
                     f"| {r['p50Ms']['median']:.2f} | {r['p99Ms']['median']:.2f} | {cpu} | {log} |")
    lines += ["", "Latency above is wrk's, closed-loop: a slow answer delays the next request, so it hides "
              "queueing. At a fixed rate of "
              f"{results['fixedRate']['rate']:,.0f} requests/s (hey, 4 workers, open-loop per worker):", "",
              "| Scenario | p50 ms | p99 ms |", "| --- | --- | --- |"]
    for name, label, _, _ in SCENARIOS[1:]:
        r = results["fixedRate"]["scenarios"][name]
        lines.append(f"| {label} | {r['p50Ms']:.2f} | {r['p99Ms']:.2f} |")
    lines += ["", f"{WAITING_CONNECTIONS} requests waiting on an upstream that never answers "
              "(`/demo/slow`, response timeout 2 s), sampled halfway through:", "",
              "| Gateway | Heap used MiB | Open files (idle → waiting) | Pool connections (idle → waiting) |",
              "| --- | --- | --- | --- |"]
    for name in ("off", "on"):
        w = results["waiting"][name]
        lines.append(f"| policy {name} | {w['whileWaiting']['heapUsedMiB']:.0f} | {w['idle']['openFiles']} → "
                     f"{w['whileWaiting']['openFiles']} | {w['idle']['poolConnections']:.0f} → "
                     f"{w['whileWaiting']['poolConnections']:.0f} |")
    lines += ["", "JMH, on one core, one fork, 5 iterations of 1 s after 3 (classifier) or 5 (answer) of warm-up (`-prof gc`):", "",
              "| Benchmark | Parameters | Time per operation | Allocated per operation |", "| --- | --- | --- | --- |"]
    for r in results["jmh"]:
        params = ", ".join(f"{v}" for v in r["params"].values()) or "–"
        allocated = f"{r['bytesPerOp']:,.0f} B" if r["bytesPerOp"] is not None else "–"
        lines.append(f"| `{r['benchmark']}` | {params} | {r['score']:,.2f} ± {r['error']:,.2f} {r['unit']} "
                     f"| {allocated} |")
    lines += ["", "| Target | Measured | Goal | Met |", "| --- | --- | --- | --- |"]
    lines += [f"| {t} | {m} | {g} | {'yes' if ok else '**no**'} |" for t, m, g, ok in targets]
    lines += ["", "![Throughput per scenario, median with min–max](images/performance.png)"]
    return "\n".join(lines), all(ok for *_, ok in targets)


def chart(results, path, workdir):
    data = os.path.join(workdir, "chart.dat")
    with open(data, "w") as f:
        for name, label, _, _ in SCENARIOS[1:]:
            r = results["scenarios"][name]["rps"]
            two_lines = label.replace(", ", "\\n", 1)
            f.write(f"\"{two_lines}\" {r['median']:.1f} {r['min']:.1f} {r['max']:.1f}\n")
    nginx = results["scenarios"]["nginx"]["rps"]["median"]
    script = f"""set terminal pngcairo size 1000,540 font "sans,11"
set output "{path}"
set bmargin 5
set title "Gateway throughput, requests/s on one core (median of {results['rounds']} rounds, bars min-max; nginx directly: {nginx:,.0f}/s)"
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.7 border -1
set boxwidth 0.8
set yrange [0:*]
set grid ytics
set xtics scale 0 font "sans,10"
set key off
plot "{data}" using 2:3:4:xtic(1) lc rgb "#3b6ea8"
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def publish(results, workdir):
    with open(os.path.join(ROOT, "docs/performance.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    chart(results, os.path.join(ROOT, "docs/images/performance.png"), workdir)
    table, met = render(results)
    doc = os.path.join(ROOT, "docs/performance.md")
    with open(doc) as f:
        text = f.read()
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    text = text[:text.index(start) + len(start)] + "\n" + table + "\n" + text[text.index(end):]
    with open(doc, "w") as f:
        f.write(text)
    print(table)
    print("benchmark: every target met" if met else "benchmark: some targets not met (see the table)")


def main():
    if sys.argv[1:] == ["--render"]:
        # Write the table and the chart again from docs/performance.json, measuring nothing.
        with open(os.path.join(ROOT, "docs/performance.json")) as f:
            publish(json.load(f), tempfile.mkdtemp(prefix="gateway-bench-"))
        return
    jar = [j for j in glob.glob(os.path.join(ROOT, "sample-app/target/*.jar")) if not j.endswith("-plain.jar")]
    scenarios = [s for s in SCENARIOS if s[0].startswith("happy")] if QUICK else SCENARIOS
    if not jar:
        sys.exit("benchmark: build the sample first (benchmarks/run does)")
    workdir = tempfile.mkdtemp(prefix="gateway-bench-")
    nginx = Nginx(workdir)
    gateways = {}
    try:
        # a port nothing listens on: every connection to it is refused
        refused = f"http://127.0.0.1:{free_port()}"
        origin = StaleOrigin()
        gateways["off"] = Gateway("off", False, jar[0], nginx.instance_urls(), refused, workdir, origin.url)
        gateways["on"] = Gateway("on", True, jar[0], nginx.instance_urls(), refused, workdir, origin.url)
        # the policy keeps the origin's answer; then the origin goes away for good
        if get(gateways["on"].url("/stale/"))[0] != 200:
            sys.exit("benchmark: the stale-if-error origin did not answer")
        origin.stop()
        targets = {"nginx": nginx, **gateways}
        if not QUICK:
            print("benchmark: JMH", flush=True)
            micro = jmh(workdir)
        print(f"benchmark: warming up ({len(scenarios)} x {WARMUP_SECONDS} s)", flush=True)
        for scenario in scenarios:
            run_scenario(scenario, targets, WARMUP_SECONDS)
        baseline = gateways["on"].memory_after_gc()
        runs = {name: [] for name, *_ in scenarios}
        # the rounds' ratios, for comparison with the pairs'; of the scenarios this run has
        names = {name for name, *_ in scenarios}
        rounds = {key: (a, b, []) for key, a, b in RATIOS if a != b and {a, b} <= names}
        for round_ in range(1, ROUNDS + 1):
            # every other round in reverse order, so that drift during a round favours neither
            for scenario in (scenarios if round_ % 2 else list(reversed(scenarios))):
                result = run_scenario(scenario, targets, SECONDS)
                runs[scenario[0]].append(result)
                cpu = f" cpu {result['cpuUsPerRequest']:.1f} us" if "cpuUsPerRequest" in result else ""
                print(f"benchmark: round {round_} {scenario[0]}: {result['rps']:,.0f}/s "
                      f"p99 {result['p99Ms']:.2f} ms{cpu}", flush=True)
            for a, b, values in rounds.values():
                values.append(runs[a][-1]["cpuUsPerRequest"] / runs[b][-1]["cpuUsPerRequest"])
                print(f"benchmark: round {round_} CPU per request, {a} / {b}: {values[-1]:.3f}x", flush=True)
        if QUICK:
            for a, b, values in rounds.values():
                print(f"benchmark: CPU per request, {a} / {b}, median of {ROUNDS} rounds: "
                      f"{statistics.median(values):.3f}x (min {min(values):.3f}, max {max(values):.3f})")
            return
        by_name = {scenario[0]: scenario for scenario in scenarios}
        paired = {}
        for key, a, b in RATIOS:
            paired[key] = paired_ratios(by_name[a], by_name[b], targets)
            print(f"benchmark: CPU per request, {a} / {b}, {PAIRS} pairs back to back: median "
                  f"{statistics.median(paired[key]):.3f}x ({', '.join(f'{v:.3f}' for v in paired[key])})", flush=True)
        failed = sum(r["requests"] for name in ("refused-on", "refused-ejected") for r in runs[name])
        after = gateways["on"].memory_after_gc()
        slowest = min(statistics.median(r["rps"] for r in runs[name]) for name, *_ in SCENARIOS[1:])
        rate = max(100, round(slowest / 2, -2))
        fixed = {name: hey(targets[target].url(path), SECONDS, rate) for name, _, target, path in SCENARIOS[1:]}
        waits = {name: waiting(gateway, SECONDS) for name, gateway in gateways.items()}
    finally:
        for gateway in gateways.values():
            gateway.stop()
        nginx.stop()

    results = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores ({cpu_model()}), {platform.system()} {platform.release()}",
        "java": subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0],
        "rounds": ROUNDS, "seconds": SECONDS, "connections": CONNECTIONS, "jvmFlags": JVM_FLAGS,
        "pairs": PAIRS, "pairSeconds": PAIR_SECONDS,
        "scenarios": {name: {key: summary([r[key] for r in rs]) for key in rs[0]} for name, rs in runs.items()},
        # the pairs' ratios, judged by the targets; the rounds' ratios, for comparison
        **{key: {**summary(paired[key]), "ci95": median_interval(paired[key]), "pairs": paired[key],
                 **({"rounds": rounds[key][2]} if key in rounds else {})} for key in paired},
        "runs": runs,
        "fixedRate": {"rate": rate, "scenarios": fixed},
        "waiting": waits,
        "memoryAfterFailures": {"failedRequests": failed, "baseline": baseline, "after": after},
        "jmh": micro,
    }
    publish(results, workdir)


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.machine()


if __name__ == "__main__":
    main()
