#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run Key Locker test scenarios on the emulated machine and summarise them.

Every scenario boots the kernel under QEMU with the CPU, SMP layout and
memory it names, runs its guest tests and collects their KLRESULT lines and
the kernel's KUnit suites. A hung guest (no KLDONE before the timeout), a
panic, a kernel warning or a run that reported nothing fails the scenario.
The last line is "N passed, N failed, N skipped"; the exit status is 1 if
anything failed.
"""

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import ktap
import scenario as scenarios
from machine import Machine

HERE = os.path.dirname(os.path.abspath(__file__))
_RESULT = re.compile(r"KLRESULT (\S+) (ok|fail|skip) ?(.*)$")
# Any of these in the console fails a scenario. The debug kernel
# reports through them too: lockdep ("WARNING: possible circular locking",
# "BUG: Invalid wait context"), KASAN and KFENCE ("BUG: KASAN:"), might-sleep
# checks ("BUG: sleeping function called from invalid context") and UBSAN.
_BAD_LOG = re.compile(
    r"(Kernel panic|WARNING:|BUG:|Oops|general protection fault|UBSAN:|"
    r"alg: self-tests for .* failed|Call Trace:)")


# The console line that ends a boot, per Scenario.end: the guest's KLDONE,
# or the power-off after a hibernation image was written.
END_LINE = {
    "done": lambda line: line.startswith("KLDONE"),
    "hibernate": lambda line: "reboot: Power down" in line,
}


def read_paths(path):
    paths = {}
    with open(path) as f:
        for line in f:
            key, _, value = line.strip().partition("=")
            if key:
                paths[key] = value
    return paths


class Outcome:
    """What one scenario produced: named results plus its own verdict."""

    def __init__(self, name):
        self.name = name
        self.results = []

    def add(self, test, status, detail=""):
        self.results.append((f"{self.name}/{test}", status, detail))


def judge(s, machine, finished):
    """Turn a finished (or killed) run into results."""
    out = Outcome(s.name)
    lines = [line for line in machine.console if line is not None]
    problems = []
    if finished is None:
        problems.append(("timeout", f"no KLDONE within {s.timeout}s" if s.end == "done"
                         else f"no power-off within {s.timeout}s"))
    elif finished and s.end == "hibernate" and not any("Image saving done" in l
                                                        for l in lines):
        problems.append(("hibernate", "powered off without writing a hibernation image"))
    elif finished is False:
        problems.append(("panic" if any("Kernel panic" in l for l in lines) else "died",
                         "the machine stopped before KLDONE"))
    bad = [l for l in lines if _BAD_LOG.search(l)]
    if bad and not problems:
        problems.append(("panic" if any("Kernel panic" in l for l in bad) else "kernel-log",
                         bad[0].strip()))

    count = 0
    for line in lines:
        m = _RESULT.search(line)
        if m:
            out.add(m.group(1), m.group(2), m.group(3))
            count += 1
    if s.kunit:
        planned, suites = ktap.suites(lines)
        for suite, status in suites:
            out.add(f"kunit/{suite}", status)
        count += len(suites)
        if not suites:
            problems.append(("no-tests", "no KUnit suite reported"))
        elif planned is not None and len(suites) != planned:
            problems.append(("kunit-incomplete", f"{len(suites)} of {planned} suites reported"))
        if any(status == "fail" for _, status in suites):
            problems.append(("kunit-fail", "a KUnit suite failed"))
    if count == 0:
        problems.append(("no-tests", "the scenario reported no test"))

    if s.expect != "ok":
        # A check of the runner itself: it must have noticed the failure.
        seen = [kind for kind, _ in problems]
        status = "ok" if s.expect in seen else "fail"
        return [(f"{s.name}/runner-detects-{s.expect}", status, f"runner saw {seen}")]
    for kind, detail in problems:
        out.add(kind, "fail", detail)
    return out.results


def read_results(path):
    """KLRESULT lines from a file (lint.sh's output, say), each named
    <file name without .results>/<test>."""
    prefix = os.path.basename(path).removesuffix(".results")
    with open(path) as f:
        found = [m for m in map(_RESULT.search, f) if m]
    if not found:
        return [(f"{prefix}/results", "fail", f"no results in {path}")]
    return [(f"{prefix}/{m.group(1)}", m.group(2), m.group(3)) for m in found]


def boot_once(s, paths, workdir, scale, echo):
    """One boot: run it to KLDONE (or its end) and judge it."""
    machine = Machine(paths, s, workdir, echo=echo)
    try:
        machine.start()
        finished = machine.wait_console(END_LINE[s.end], s.timeout * scale)
        if finished:
            # Let poweroff finish so late warnings still reach the log.
            machine.proc.wait(timeout=30 * scale)
    except Exception as e:  # noqa: BLE001 - any harness error fails the scenario
        finished = None
        machine.console.append(f"runner error: {e!r}")
    finally:
        machine.stop()
    return judge(s, machine, finished)


def on_kernel(s, kernel):
    """Scenario S as it runs on KERNEL: named <name>@<kernel> unless it is
    the test kernel, with a longer timeout."""
    if kernel == "test":
        return s
    append = " ".join(a for a in (s.append, scenarios.KERNEL_APPEND[kernel]) if a)
    return replace(s, name=f"{s.name}@{kernel}", kernels=[kernel], append=append,
                   timeout=s.timeout * scenarios.KERNELS[kernel])


def kernel_paths(kernel, paths_file):
    """The paths of KERNEL's image and initramfs (paths.env for the test
    kernel, paths-<kernel>.env beside it for the others), or why not."""
    if kernel == "test":
        return read_paths(paths_file), None
    path = os.path.join(os.path.dirname(paths_file), f"paths-{kernel}.env")
    if os.path.exists(path):
        return read_paths(path), None
    return None, f"the {kernel} kernel is not built: make check builds it"


def run_one(s, paths, logdir, scale, echo):
    """Every boot of scenario S on one disk; a failed boot ends the run.
    With several boots, the logs of boot N are kept as boot<N>-*."""
    workdir = tempfile.mkdtemp(prefix=f"kl-{s.name}-")
    boots = s.boots()
    results = []
    try:
        for n, boot in enumerate(boots, 1):
            results += boot_once(boot, paths, workdir, scale, echo)
            if len(boots) > 1:
                for f in ("console.log", "ctl.log", "qemu.cmd"):
                    if os.path.exists(os.path.join(workdir, f)):
                        os.replace(os.path.join(workdir, f), os.path.join(workdir, f"boot{n}-{f}"))
            if any(status == "fail" for _, status, _ in results):
                break
    finally:
        dest = os.path.join(logdir, s.name)
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(workdir, dest,
                        ignore=shutil.ignore_patterns("*.sock", "*.dump", "disk*.img",
                                                      "migration.state"))
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", default="/build/paths.env")
    ap.add_argument("--scenarios", default=os.path.join(HERE, "..", "scenarios"))
    ap.add_argument("--logs", default="/build/logs")
    ap.add_argument("--group", default="check", help="run the scenarios in this group")
    ap.add_argument("--only", nargs="*", help="run just these scenarios")
    ap.add_argument("--interactive", metavar="SCENARIO",
                    help="boot SCENARIO with the console on this terminal and a shell")
    ap.add_argument("--console", action="store_true", help="show each guest console")
    ap.add_argument("--jobs", type=int,
                    default=int(os.environ.get("KL_JOBS") or os.cpu_count() or 1),
                    help="boot up to this many scenarios at once (default: KL_JOBS or "
                    "the number of CPUs); each runs its vCPUs in one host thread")
    ap.add_argument("--results", metavar="FILE", nargs="*", default=[],
                    help="also count the KLRESULT lines in FILE (e.g. lint.sh output)")
    ap.add_argument("--results-only", action="store_true",
                    help="count the --results files and boot nothing")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()

    all_scenarios = scenarios.load_all(args.scenarios)
    if args.list:
        for s in all_scenarios:
            runs = "".join(f" @{k}" for k in s.kernels if k != "test")
            print(f"{s.name:24} [{','.join(s.groups)}]{runs} {s.description}")
        return 0
    paths = None if args.results_only else read_paths(args.paths)
    scale = float(os.environ.get("KL_TIMEOUT_SCALE") or 1)

    if args.interactive:
        s = next(s for s in all_scenarios if s.name == args.interactive)
        machine = Machine(paths, s, tempfile.mkdtemp(prefix="kl-run-"), interactive=True)
        machine.start()
        return machine.proc.wait()

    if args.results_only:
        chosen = []
    else:
        chosen = [(s, k) for s in all_scenarios for k in s.kernels
                  if (s.name in args.only or f"{s.name}@{k}" in args.only
                      if args.only else args.group in s.groups)]
    if not chosen and not args.results_only:
        print("no scenario selected")
        print("0 passed, 1 failed")
        return 1
    # (title, results, alone): a run that counts instructions boots alone,
    # first, so that no other machine competes with it for the host.
    groups = []
    for path in args.results:
        groups.append((f"{os.path.basename(path)}: checks run outside the machine",
                       lambda path=path: (read_results(path), None), False))
    # The test kernel's runs first, then the debug kernel's.
    order = list(scenarios.KERNELS)
    for s, kernel in sorted(chosen, key=lambda sk: (not sk[0].plugin, order.index(sk[1]))):
        run = on_kernel(s, kernel)

        def results(run=run, kernel=kernel):
            kpaths, why = kernel_paths(kernel, args.paths)
            if kpaths is None:
                return [(f"{run.name}/kernel", "fail", why)], None
            start = time.monotonic()
            return (run_one(run, kpaths, args.logs, scale, args.console),
                    time.monotonic() - start)
        groups.append((f"{run.name}: {run.description}", results, s.plugin))
    counts = {"ok": 0, "fail": 0, "skip": 0}

    def report(title, outcome):
        results, seconds = outcome
        took = "" if seconds is None else f" [{seconds:.0f} s]"
        print(f"--- {title}{took}", flush=True)
        for name, status, detail in results:
            mark = {"ok": "ok  ", "fail": "FAIL", "skip": "skip"}[status]
            print(f"{mark} {name} {detail}".rstrip(), flush=True)
            counts[status] += 1

    for title, results, alone in groups:
        if alone:
            report(title, results())
    jobs = 1 if args.console else max(1, args.jobs)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        shared = [(title, pool.submit(results)) for title, results, alone in groups if not alone]
        for title, future in shared:
            report(title, future.result())
    passed, failed, skipped = counts["ok"], counts["fail"], counts["skip"]
    if passed + failed == 0:
        failed += 1
        print("FAIL no test ran")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
