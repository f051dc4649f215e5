#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: what AES-KL costs, from counters, on the emulated machine.

Boots the "bench" scenarios (tools/testing/keylocker/scenarios/bench.toml)
twice under the klinsn TCG plugin and turns what they report into three
tables, printed and written as CSV (and an SVG chart of the glue per byte):

- ciphers.csv, per request, by driver, mode, key size and request size:
  the Key Locker instructions by kind (the model's counters), the AES-NI
  and Key Locker instructions the plugin saw, kernel FPU sections (calls
  of kernel_fpu_begin_mask), and the glue: the other instructions executed
  in the driver's own code (aeskl and the Rust kernel crate; for AES-NI,
  arch/x86/crypto), per byte, with its ratio to the best AES-NI driver's
  (best_aesni: of the drivers named *aesni*, the one with the least glue
  per byte for the same mode, key size and request size);
- modes.csv, per mode, the instructions of the Key Locker core that
  choosing it ran on all CPUs, and those of taking CPU 1 offline and online
  again;
- e2e.csv, end to end: 1 MiB written and read with O_DIRECT through a
  plain dm-crypt mapping, with AES-KL by name and with aes-xts-plain64
  (the highest-priority xts(aes), AES-NI's): every kernel-mode instruction
  on all CPUs between the two markers, per byte, with its ratio to
  aes-xts-plain64's.

Checks, each failure printed as a FAIL line and making the exit status 1:
AES-KL uses the wide instructions for every run of 8 blocks; AES-KL's glue
per byte, for 128- and 256-bit keys and requests of 512 bytes or more, is
at most the best AES-NI driver's, and for XTS on 4 KiB at most 0.8 times
it; and the two runs print the same cipher and mode tables, since every
figure in them is a count. The end-to-end counts are of the whole kernel
and may take in a timer interrupt or two, so they are not checked: both
runs' figures are printed (run1_per_byte, run2_per_byte) and the other
columns are the first run's. Wall-clock time under TCG says nothing about
hardware: for that, see tools/testing/keylocker/bench-hw.
"""

import argparse
import csv
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "runner"))

import klrun  # noqa: E402
import scenario as scenarios  # noqa: E402

_BENCH = re.compile(r"KLBENCH (.*)$")
# The wide floor of one request: eight blocks per instruction, and XTS's
# tweak.
WIDE = 8 * 16
# The drivers AES-KL's glue is compared with: those whose name says AES-NI
# (*-aesni, *-aesni-avx). A VAES driver (*-vaes-avx2) would not count; QEMU's
# TCG offers VAES but no VPCLMULQDQ, without which the kernel registers
# none.
AESNI = "aesni"
# AES-KL's glue per byte at most the best AES-NI driver's, for these key
# sizes and requests of at least this many bytes...
GLUE_BITS, GLUE_MIN_SIZE = (128, 256), 512
# ... and for XTS on 4 KiB at most this share of it.
GLUE_XTS_4K = 0.8
# The cipher the end-to-end rows are compared with.
E2E_BASE = "aes-xts-plain64"


def fields(text):
    return dict(kv.split("=", 1) for kv in text.split())


def snapshots(path):
    """{(tag, cpu): counters} from a klinsn.out file."""
    snaps = {}
    with open(path) as f:
        for line in f:
            if line.startswith("snap "):
                d = fields(line[5:])
                snaps[(int(d.pop("tag")), int(d.pop("cpu")))] = {k: int(v) for k, v in d.items()}
    return snaps


def delta(snaps, tag, cpus):
    """Counters between snapshot TAG and TAG + 1, summed over CPUS."""
    total = {}
    for cpu in cpus:
        a, b = snaps[(tag, cpu)], snaps[(tag + 1, cpu)]
        for k in b:
            total[k] = total.get(k, 0) + b[k] - a[k]
    return total


def bench_lines(logdir, key, what):
    """The fields of the KLBENCH lines of LOGDIR's console that have KEY=;
    fails if one reports a non-zero rc (WHAT names the kind of line)."""
    with open(os.path.join(logdir, "console.log")) as f:
        for m in map(_BENCH.search, f):
            if not m or f"{key}=" not in m.group(1):
                continue
            b = fields(m.group(1))
            if b.get("rc", "0") != "0":
                raise RuntimeError(f"{what} failed: {m.group(0)}")
            yield b


def cipher_rows(logdir):
    snaps = snapshots(os.path.join(logdir, "klinsn.out"))
    rows = []
    for b in bench_lines(logdir, "driver", "a benchmark request"):
        n, size = int(b["requests"]), int(b["size"])
        d = delta(snaps, int(b["tag"]), [0])
        kl = {} if b["kl"] == "none" else {
            k: int(v) for k, v in (x.split("=") for x in b["kl"].split(","))
            if not k.startswith("encodekey")}
        rows.append({
            "driver": b["driver"], "mode": b["mode"], "bits": int(b["bits"]), "size": size,
            "kl_per_request": " ".join(f"{k}={v / n:g}" for k, v in sorted(kl.items())),
            "kl_wide": sum(v for k, v in kl.items() if "wide" in k) / n,
            "kl_single": sum(v for k, v in kl.items() if "wide" not in k) / n,
            "aesni_per_request": d["k_aesni"] / n,
            "fpu_sections": d["w0"] / n,
            "glue_per_byte": round(d["r_other"] / (n * size), 3),
        })
    return rows


def mode_rows(logdir):
    snaps = snapshots(os.path.join(logdir, "klinsn.out"))
    cpus = sorted({cpu for _, cpu in snaps})
    rows = []
    for b in bench_lines(logdir, "event", "a mode event"):
        d = delta(snaps, int(b["tag"]), cpus)
        rows.append({"mode": b["mode"], "event": b["event"],
                     "core_instructions": d["r_other"] + d["r_keylocker"],
                     "keylocker_instructions": d["k_keylocker"]})
    return rows


def e2e_rows(logdir):
    """The end-to-end measurements: kernel-mode instructions on all CPUs."""
    snaps = snapshots(os.path.join(logdir, "klinsn.out"))
    rows = []
    for b in bench_lines(logdir, "e2e", "an end-to-end measurement"):
        tag, n = int(b["tag"]), int(b["bytes"])
        cpus = sorted(cpu for t, cpu in snaps if t == tag)
        if not cpus:
            raise RuntimeError(f"no plugin snapshot with tag {tag}: {b}")
        d = delta(snaps, tag, cpus)
        k = sum(v for c, v in d.items() if c.startswith("k_"))
        rows.append({"cipher": b["cipher"], "op": b["op"], "bytes": n,
                     "kernel_instructions": k, "kernel_per_byte": round(k / n, 3)})
    return rows


def best_aesni(rows):
    """{(mode, bits, size): the AES-NI row with the least glue per byte}."""
    best = {}
    for r in rows:
        key = (r["mode"], r["bits"], r["size"])
        if AESNI in r["driver"] and (
                key not in best or r["glue_per_byte"] < best[key]["glue_per_byte"]):
            best[key] = r
    return best


def add_ratios(rows):
    """Glue per byte of each driver against the best AES-NI driver's."""
    best = best_aesni(rows)
    for r in rows:
        b = best.get((r["mode"], r["bits"], r["size"]))
        r["best_aesni"] = b["driver"] if b else ""
        r["glue_vs_best_aesni"] = (round(r["glue_per_byte"] / b["glue_per_byte"], 2)
                                   if b and b["glue_per_byte"] else "")


def aesni_check(rows):
    """AES-KL's glue per byte against the best AES-NI driver's."""
    best = best_aesni(rows)
    bad = []
    for r in rows:
        if (not r["driver"].endswith("-aeskl") or r["bits"] not in GLUE_BITS
                or r["size"] < GLUE_MIN_SIZE):
            continue
        what = f"{r['driver']} {r['bits']} {r['size']}"
        b = best.get((r["mode"], r["bits"], r["size"]))
        if not b:
            bad.append(f"{what}: no {AESNI} driver measured to compare with")
            continue
        g, ni = r["glue_per_byte"], b["glue_per_byte"]
        if g > ni:
            bad.append(f"{what}: glue {g:g}/byte, more than {b['driver']}'s {ni:g}")
        elif r["mode"] == "xts" and r["size"] == 4096 and g > GLUE_XTS_4K * ni:
            bad.append(f"{what}: glue {g:g}/byte, more than {GLUE_XTS_4K:g} x "
                       f"{b['driver']}'s {ni:g}")
    return bad


def e2e_table(first, second):
    """The first run's end-to-end rows, against E2E_BASE, with both runs'
    figures per byte."""
    if [(r["cipher"], r["op"], r["bytes"]) for r in first] != \
            [(r["cipher"], r["op"], r["bytes"]) for r in second]:
        raise RuntimeError("the two runs made different end-to-end measurements")
    base = {(r["op"], r["bytes"]): r["kernel_per_byte"]
            for r in first if r["cipher"] == E2E_BASE}
    rows = []
    for r, again in zip(first, second):
        b = base.get((r["op"], r["bytes"]))
        rows.append({**r, "vs_aes_xts": round(r["kernel_per_byte"] / b, 2) if b else "",
                     "run1_per_byte": r["kernel_per_byte"],
                     "run2_per_byte": again["kernel_per_byte"]})
    return rows


def floor_check(rows):
    """AES-KL must use the wide instructions for every run of 8 blocks."""
    bad = []
    for r in rows:
        if not r["driver"].endswith("-aeskl") or r["bits"] == 192:
            continue
        blocks, tail = divmod(r["size"], 16)
        wide = blocks // 8
        single = blocks % 8 + (1 if tail else 0)
        if r["mode"] == "xts":
            single = blocks % 8 + 1
        if r["mode"] == "cbc":
            continue  # encryption is sequential: checked in make check
        if (r["kl_wide"], r["kl_single"]) != (wide, single):
            bad.append(f"{r['driver']} {r['bits']} {r['size']}: "
                       f"{r['kl_wide']:g}+{r['kl_single']:g}, floor {wide}+{single}")
    return bad


def run_all(paths, logs, chosen):
    results = []
    for s in chosen:
        print(f"--- booting {s.name}", file=sys.stderr, flush=True)
        results += klrun.run_one(s, paths, logs, 1.0, False)
    failed = [r for r in results if r[1] == "fail"]
    if failed:
        raise RuntimeError(f"bench scenario failed: {failed[0]}")
    ciphers, modes, e2e = [], [], []
    for s in chosen:
        d = os.path.join(logs, s.name)
        ciphers += cipher_rows(d)
        modes += mode_rows(d)
        e2e += e2e_rows(d)
    add_ratios(ciphers)
    return ciphers, modes, e2e


def table(rows, cols):
    widths = [max([len(c)] + [len(str(r[c])) for r in rows]) for c in cols]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths))]
    lines += ["  ".join(str(r[c]).ljust(w) for c, w in zip(cols, widths)) for r in rows]
    return "\n".join(lines)


def svg_chart(rows, path):
    """Bars of glue instructions per byte at 4 KiB, per driver and mode."""
    pick = [r for r in rows if r["size"] == 4096 and r["bits"] == 256]
    if not pick:
        return
    top = max(r["glue_per_byte"] for r in pick) or 1
    bar, gap, left, height = 18, 6, 260, 300
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + height + 80}" '
           f'height="{len(pick) * (bar + gap) + 40}" font-family="sans-serif" font-size="12">',
           '<text x="4" y="16">Glue instructions per byte, 4 KiB requests, 256-bit keys '
           '(klinsn counts)</text>']
    for i, r in enumerate(pick):
        y = 28 + i * (bar + gap)
        w = height * r["glue_per_byte"] / top
        colour = "#c0392b" if r["driver"].endswith("aeskl") else "#2c7fb8"
        out.append(f'<text x="4" y="{y + 13}">{r["driver"]}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}"/>')
        out.append(f'<text x="{left + w + 4:.1f}" y="{y + 13}">{r["glue_per_byte"]}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


CIPHER_COLS = ["driver", "mode", "bits", "size", "kl_per_request", "aesni_per_request",
               "fpu_sections", "glue_per_byte", "glue_vs_best_aesni", "best_aesni"]
MODE_COLS = ["mode", "event", "core_instructions", "keylocker_instructions"]
E2E_COLS = ["cipher", "op", "bytes", "kernel_instructions", "kernel_per_byte", "vs_aes_xts",
            "run1_per_byte", "run2_per_byte"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", default="/build/paths.env")
    ap.add_argument("--out", default="/build/bench")
    ap.add_argument("--only", nargs="*", help="bench scenarios to run (default: all)")
    args = ap.parse_args()
    paths = klrun.read_paths(args.paths)
    chosen = [s for s in scenarios.load_all(os.path.join(HERE, "..", "scenarios"))
              if "bench" in s.groups and (not args.only or s.name in args.only)]
    runs = []
    for n in (1, 2):
        runs.append(run_all(paths, os.path.join(args.out, f"run{n}"), chosen))
    (ciphers, modes, e2e_first), (_, _, e2e_again) = runs
    e2e = e2e_table(e2e_first, e2e_again)
    print(table(ciphers, CIPHER_COLS))
    print()
    print(table(modes, MODE_COLS))
    print()
    print(table(e2e, E2E_COLS))
    os.makedirs(args.out, exist_ok=True)
    for name, rows, cols in (("ciphers", ciphers, CIPHER_COLS), ("modes", modes, MODE_COLS),
                             ("e2e", e2e, E2E_COLS)):
        with open(os.path.join(args.out, f"{name}.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
    svg_chart(ciphers, os.path.join(args.out, "glue-4k.svg"))
    problems = floor_check(ciphers) + aesni_check(ciphers)
    # The end-to-end counts are left out: see the docstring.
    same = runs[0][:2] == runs[1][:2]
    if not same:
        problems.append("the two runs counted differently: not deterministic")
    for p in problems:
        print(f"FAIL {p}")
    print(f"bench: {len(ciphers)} cipher rows, {len(modes)} mode rows, {len(e2e)} end-to-end "
          f"rows, cipher and mode tables identical in both runs: {same}; "
          f"written to {args.out}/")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
