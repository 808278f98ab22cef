#!/usr/bin/python3
"""Decisions per second through Python (lawful.Policies.decide_many, to a file and in
memory) against `lawful check` on the same file, and through Dask
(lawful.dask.decide_files, blocks of bytes; decide_bag, read_text's lines) on one machine.

Each way runs `--repeat` times; the best wall time and its processor time (user + system,
steadier on a loaded machine; for Dask, the workers' processes', and the time the tasks
spent computing, by kind) are printed, with the load average before and after.
`--count` measures instructions per decision instead, under callgrind, for a machine too
busy to trust clocks: each way runs on N and 2N lines, one thread, and the difference
is divided by N (start-up, loading and the Python interpreter cancel out).

usage: PYTHONPATH=build/python bench/python_throughput.py [--lawful build/lawful]
           [--n 200000] [--threads 2] [--repeat 3] [--dask | --dask-only] [--no-malloc-trim] [--count]
(Debian's python3: the module is built for it; docs/performance.md has the figures.)
"""
import argparse
import os
import pathlib
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
p.add_argument("--lawful", default=str(ROOT / "build" / "lawful"))
p.add_argument("--policies", default=str(ROOT / "policies"))
p.add_argument("--campaign", default=str(ROOT / "examples" / "campaign.json"))
p.add_argument("--n", type=int, default=200_000)
p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
p.add_argument("--repeat", type=int, default=3)
p.add_argument("--dask", action="store_true", help="also through Dask: a LocalCluster of --threads one-thread workers")
p.add_argument("--dask-only", action="store_true", help="only the Dask runs")
p.add_argument("--count", action="store_true", help="instructions per decision under callgrind (one thread)")
p.add_argument("--no-malloc-trim", action="store_true",
               help="Dask workers without the nanny's MALLOC_TRIM_THRESHOLD_ (pre-spawn-environ emptied)")
args = p.parse_args() if __name__ == "__main__" else None  # not in a Dask worker process

import lawful  # noqa: E402

campaign = pathlib.Path(args.campaign).read_text() if args else None
tmp = pathlib.Path(tempfile.mkdtemp(prefix="lawful-pybench-")) if __name__ == "__main__" else None


def gen(n):
    path = tmp / f"contacts-{n}.jsonl"
    if not path.exists():
        subprocess.run([args.lawful, "gen-contacts", "--n", str(n), "--seed", "7", "-o", str(path)], check=True)
    return path


def cpu_self():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def cpu_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def best(fn):
    runs = []
    for _ in range(args.repeat):
        runs.append(fn())
    return min(runs)


def cli_run(path, threads, out="/dev/null"):
    c0, t0 = cpu_children(), time.perf_counter()
    subprocess.run([args.lawful, "check", args.policies, "--contacts", str(path), "--campaign", args.campaign,
                    "-o", out, "--quiet", "--threads", str(threads)], check=False)
    return time.perf_counter() - t0, cpu_children() - c0


def python_run(policies, path, threads, output=None):
    """decide_many(path): the records held in memory, or with `output` written there."""
    c0, t0 = cpu_self(), time.perf_counter()
    d = policies.decide_many(str(path), campaign, threads=threads, output=output)
    assert (d["lines"] if output else len(d)) == args.n
    return time.perf_counter() - t0, cpu_self() - c0


def report(name, wall, cpu, n):
    print(f"{name:<44} {wall:7.2f} s {n / wall / 1000:8.1f}k/s   CPU {cpu:6.2f} s ({cpu / n * 1e6:5.2f} µs/decision)")


def count_instructions():
    def ir(cmd):
        p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
                           capture_output=True, text=True, env=dict(os.environ, LAWFUL_NO_CACHE="1"))
        for line in p.stderr.splitlines():
            if "Collected :" in line:
                return int(line.split(":")[-1])
        raise SystemExit(f"callgrind: {p.stderr[-2000:]}")
    n = 20_000
    small, large = gen(n), gen(2 * n)
    probe = ("import lawful, sys; p = lawful.load(sys.argv[1]); "
             "d = p.decide_many(sys.argv[2], open(sys.argv[3]).read(), threads=1); b = d.to_jsonl()")
    to_file = ("import lawful, sys; p = lawful.load(sys.argv[1]); "
               "p.decide_many(sys.argv[2], open(sys.argv[3]).read(), threads=1, output='/dev/null')")
    each = ("import lawful, sys; p = lawful.load(sys.argv[1]); "
            "d = p.decide_many(sys.argv[2], open(sys.argv[3]).read(), threads=1); "
            "n = sum(1 for x in d if x.verdict == 'allow')")
    print(f"instructions per decision (callgrind; {2 * n:,} minus {n:,} lines, one thread)")
    for name, cmd in (("lawful check --threads 1", lambda f: [args.lawful, "check", args.policies, "--contacts", str(f),
                                                             "--campaign", args.campaign, "-o", "/dev/null",
                                                             "--quiet", "--threads", "1"]),
                      ("decide_many(path, threads=1)", lambda f: [sys.executable, "-c", probe, args.policies, str(f),
                                                                  args.campaign]),
                      ("decide_many(path, threads=1, output=)", lambda f: [sys.executable, "-c", to_file,
                                                                           args.policies, str(f), args.campaign]),
                      ("decide_many, then each Decision's verdict", lambda f: [sys.executable, "-c", each,
                                                                               args.policies, str(f), args.campaign])):
        per = (ir(cmd(large)) - ir(cmd(small))) / n
        print(f"  {name:<40} {per:10,.0f}")


def main():
    if args.count:
        count_instructions()
        return
    path = gen(args.n)
    load = os.getloadavg()
    print(f"{args.n:,} contacts, {args.threads} threads, best of {args.repeat}; load average {load[0]:.1f} at the start")
    policies = lawful.load(args.policies)
    python_run(policies, path, args.threads)  # warm: the file in the page cache
    if not args.dask_only:
        compare(policies, path)
    if args.dask or args.dask_only:
        dask_runs(policies, path)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


def compare(policies, path):
    cli_wall, cli_cpu = best(lambda: cli_run(path, args.threads))
    report(f"lawful check --threads {args.threads} -o /dev/null", cli_wall, cli_cpu, args.n)
    file_wall, file_cpu = best(lambda: python_run(policies, path, args.threads, "/dev/null"))
    report(f"decide_many(path, threads={args.threads}, output=)", file_wall, file_cpu, args.n)
    print(f"{'decide_many to a file / lawful check':<44} {cli_wall / file_wall * 100:7.0f}% of the CLI's rate "
          f"(CPU: {cli_cpu / file_cpu * 100:.0f}%)")
    py_wall, py_cpu = best(lambda: python_run(policies, path, args.threads))
    report(f"decide_many(path, threads={args.threads}) in memory", py_wall, py_cpu, args.n)
    print(f"{'decide_many in memory / lawful check':<44} {cli_wall / py_wall * 100:7.0f}% of the CLI's rate "
          f"(CPU: {cli_cpu / py_cpu * 100:.0f}%)")
    one_cli = best(lambda: cli_run(path, 1))
    report("lawful check --threads 1", *one_cli, args.n)
    one_file = best(lambda: python_run(policies, path, 1, "/dev/null"))
    report("decide_many(path, threads=1, output=)", *one_file, args.n)
    one_py = best(lambda: python_run(policies, path, 1))
    report("decide_many(path, threads=1) in memory", *one_py, args.n)


def _probe_tasks(reset=False):
    """In a worker: wraps lawful.dask's partition functions to add up, per call, the
    task thread's processor time and page faults (RUSAGE_THREAD: the worker's other
    threads left out) and the lines decided. Returns the sums so far."""
    import resource as r
    import time as t
    import lawful.dask as ld
    if not hasattr(ld, "_bench_probe"):
        ld._bench_probe = {}

        def wrap(fn):
            def timed(*a, **k):
                u0, c0 = r.getrusage(r.RUSAGE_THREAD), t.thread_time()
                out = fn(*a, **k)
                u1, c1 = r.getrusage(r.RUSAGE_THREAD), t.thread_time()
                s = ld._bench_probe
                for key, v in (("calls", 1), ("lines", out[1]["lines"]), ("cpu", c1 - c0),
                               ("faults", u1.ru_minflt - u0.ru_minflt)):
                    s[key] = s.get(key, 0) + v
                return out
            return timed
        ld.decide_block, ld.decide_partition = wrap(ld.decide_block), wrap(ld.decide_partition)
    if reset:
        ld._bench_probe.clear()
    return dict(ld._bench_probe)


def dask_runs(policies, path):
    import dask
    import dask.bag as db
    import distributed
    from lawful import dask as lawful_dask
    if args.no_malloc_trim:
        dask.config.set({"distributed.nanny.pre-spawn-environ": {}})
    with distributed.LocalCluster(n_workers=args.threads, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=50) as cluster, distributed.Client(cluster):
        def workers_cpu(client):
            def cpu():
                import resource as r
                u = r.getrusage(r.RUSAGE_SELF)
                return u.ru_utime + u.ru_stime
            return sum(client.run(cpu).values())

        client = distributed.get_client()

        def dask_run(decide):
            # The task stream gives each task's time computing: the partition
            # functions' share of the run, apart from Dask's own.
            client.run(_probe_tasks, True)
            with distributed.get_task_stream(client) as stream:
                c0, t0 = workers_cpu(client), time.perf_counter()
                r = decide()
                records, summary = dask.compute(r.records, r.summary)
                wall, cpu = time.perf_counter() - t0, workers_cpu(client) - c0
            assert summary["lines"] == args.n
            tasks = {}
            for t in stream.data:
                name = str(t["key"]).strip("('").split("-")[0]
                for ss in t["startstops"]:
                    if ss["action"] == "compute":
                        tasks[name] = tasks.get(name, 0.0) + ss["stop"] - ss["start"]
            probe = {}
            for st in client.run(_probe_tasks).values():
                for k, v in st.items():
                    probe[k] = probe.get(k, 0) + v
            return wall, cpu, tasks, probe, r.records.npartitions

        def show(name, run):
            wall, cpu, tasks, probe, parts = run
            report(f"dask: {name}, {args.threads} workers", wall, cpu, args.n)
            top = sorted(tasks.items(), key=lambda kv: -kv[1])[:4]
            print("    computing, by task: " + ", ".join(f"{k} {v:.2f} s" for k, v in top))
            # Per input line, whatever the load: partition calls for each partition (1
            # when the records and the summary share their tasks), and the calls' own
            # processor time and page faults, in the workers.
            print(f"    partition calls {probe['calls']} for {parts} partitions; per input line: "
                  f"{probe['cpu'] / args.n * 1e6:.2f} µs of the task thread, {probe['faults'] / args.n:.3f} page faults")

        runs = (("decide_files, blocks of 4 MB", lambda: lawful_dask.decide_files(
                    str(path), policies, campaign, blocksize=4_000_000)),
                ("decide_bag(read_text), 4 MB", lambda: lawful_dask.decide_bag(
                    db.read_text(str(path), blocksize=4_000_000), policies, campaign)))
        for name, decide in runs:
            show(name, best(lambda: dask_run(decide)))


if __name__ == "__main__":  # Dask's worker processes import this file again
    try:
        main()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
