#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: what AES-KL costs, from counters, on the emulated machine.

Boots the "bench" scenarios (tools/testing/keylocker/scenarios/bench.toml)
twice under the klinsn TCG plugin and turns what they report into one
table, printed and written as CSV (and an SVG chart of the glue per byte):

- per request, by driver, mode, key size and request size: the Key Locker
  instructions by kind (the model's counters), the AES-NI and Key Locker
  instructions the plugin saw, kernel FPU sections (calls of
  kernel_fpu_begin_mask), and the glue: the other instructions executed in
  the driver's own code (aeskl and the Rust kernel crate; for AES-NI,
  arch/x86/crypto), per byte, with its ratio to AES-NI's;
- per mode, the instructions of the Key Locker core that choosing it ran
  on all CPUs, and those of taking CPU 1 offline and online again.

Every figure is a count, so the two runs must print the same table; the
program fails if they do not. Wall-clock time under TCG says nothing about
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


def cipher_rows(logdir):
    snaps = snapshots(os.path.join(logdir, "klinsn.out"))
    rows = []
    with open(os.path.join(logdir, "console.log")) as f:
        for m in map(_BENCH.search, f):
            if not m or "driver=" not in m.group(1):
                continue
            b = fields(m.group(1))
            if b["rc"] != "0":
                raise RuntimeError(f"a benchmark request failed: {m.group(0)}")
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
    with open(os.path.join(logdir, "console.log")) as f:
        for m in map(_BENCH.search, f):
            if m and "event=" in m.group(1):
                b = fields(m.group(1))
                d = delta(snaps, int(b["tag"]), cpus)
                rows.append({"mode": b["mode"], "event": b["event"],
                             "core_instructions": d["r_other"] + d["r_keylocker"],
                             "keylocker_instructions": d["k_keylocker"]})
    return rows


def add_ratios(rows):
    """Glue per byte of each driver against the AES-NI driver's."""
    ni = {(r["mode"], r["bits"], r["size"]): r["glue_per_byte"]
          for r in rows if r["driver"].endswith("-aesni")}
    for r in rows:
        base = ni.get((r["mode"], r["bits"], r["size"]))
        r["glue_vs_aesni"] = round(r["glue_per_byte"] / base, 2) if base else ""


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
    ciphers, modes = [], []
    for s in chosen:
        d = os.path.join(logs, s.name)
        ciphers += cipher_rows(d)
        modes += mode_rows(d)
    add_ratios(ciphers)
    return ciphers, modes


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
               "fpu_sections", "glue_per_byte", "glue_vs_aesni"]
MODE_COLS = ["mode", "event", "core_instructions", "keylocker_instructions"]


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
    (ciphers, modes), again = runs
    print(table(ciphers, CIPHER_COLS))
    print()
    print(table(modes, MODE_COLS))
    os.makedirs(args.out, exist_ok=True)
    for name, rows, cols in (("ciphers", ciphers, CIPHER_COLS), ("modes", modes, MODE_COLS)):
        with open(os.path.join(args.out, f"{name}.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
            w.writeheader()
            w.writerows(rows)
    svg_chart(ciphers, os.path.join(args.out, "glue-4k.svg"))
    problems = floor_check(ciphers)
    if runs[0] != runs[1]:
        problems.append("the two runs counted differently: not deterministic")
    for p in problems:
        print(f"FAIL {p}")
    print(f"bench: {len(ciphers)} cipher rows, {len(modes)} mode rows, runs identical: "
          f"{runs[0] == runs[1]}; written to {args.out}/")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
