# SPDX-License-Identifier: GPL-2.0
"""Scenarios are data: one TOML file each under tools/testing/keylocker/scenarios/."""

import os
import tomllib
from dataclasses import dataclass, field, replace

# What a scenario may expect of its own run. Anything but "ok" is a check of
# the runner itself: the scenario passes only if the runner saw that failure.
EXPECTATIONS = ("ok", "timeout", "panic", "no-tests", "kunit-fail")

# What a boot may start (see Scenario.boot).
BOOTS = ("initramfs", "debian")

# How a boot may end (see Scenario.end).
ENDS = ("done", "hibernate")

# The kernels build/all.sh builds, and how much slower each runs the same
# scenario (KASAN's checks and lockdep cost most).
KERNELS = {"test": 1, "debug": 4}

# What each kernel adds to the command line. The debug kernel boots with
# 4-level paging: in 7.3, identify_boot_cpu() clears the boot CPU's
# capabilities, LA57 included, and refills them with interrupts on; an
# interrupt in that window makes generic KASAN, whose shadow bounds follow
# LA57, report a "wild-memory-access" in rcu_is_watching() on every access
# to the 5-level direct map. That is before any Key Locker code runs.
KERNEL_APPEND = {"test": "", "debug": "no5lvl"}


@dataclass
class Scenario:
    """One boot of the emulated machine and the guest tests it runs."""

    name: str
    description: str
    cpu: str = "max"
    smp: str = "4"
    memory: int = 512
    tests: list = field(default_factory=list)
    kunit: bool = False
    timeout: int = 300
    expect: str = "ok"
    append: str = ""
    qemu_args: list = field(default_factory=list)
    panic_on_oops: bool = True
    groups: list = field(default_factory=lambda: ["check"])
    # A freestanding multiboot test payload in /build to boot instead of
    # the kernel and initramfs (e.g. the model's conformance suite).
    payload: str = ""
    # MiB of an empty virtio disk (/dev/vda) that lives as long as the
    # scenario, across all its boots; a list gives several (vda, vdb, ...).
    disk: int | list = 0
    # A Debian system built by build/distro-image.sh (/build/distro-NAME):
    # its root file system image is attached read-only after the disks, for
    # the install test to copy.
    distro: str = ""
    # What a boot starts: "initramfs" (ours, whose /init runs the tests) or
    # "debian" (the distro's kernel parameters and initramfs, which opens
    # the root on the disks; its kl-tests unit runs the tests).
    boot: str = "initramfs"
    # How the first boot ends: "done" (KLDONE, then power-off) or
    # "hibernate" (the kernel writes a hibernation image and powers the
    # machine off: QEMU exits, as a real machine loses power; the resumed
    # kernel goes on with these tests in the next boot). Later boots end
    # with "done" unless they set "end".
    end: str = "done"
    # Run under the klinsn TCG plugin (tools/testing/keylocker/plugin/),
    # which counts instructions into klinsn.out, watching the entry of
    # kernel_fpu_begin_mask.
    plugin: bool = False
    # Later boots of the same machine and disk, each a table that may set
    # "tests" (default none), "append" (added to the scenario's) and
    # "boot".
    reboots: list = field(default_factory=list)
    # The kernels to boot it on, each run a result group of its own: "test"
    # (tools/testing/keylocker/config) and "debug" (config-debug:
    # PREEMPT_RT with lockdep, KASAN, UBSAN and might-sleep checks).
    kernels: list = field(default_factory=lambda: ["test"])

    def boots(self):
        """The scenario's boots, in order, as scenarios of their own."""
        later = []
        for i, boot in enumerate(self.reboots, 2):
            unknown = set(boot) - {"tests", "append", "boot", "end"}
            if unknown:
                raise ValueError(f"{self.name}: reboot {i}: unknown keys {sorted(unknown)}")
            append = " ".join(x for x in (self.append, boot.get("append", "")) if x)
            later.append(replace(self, tests=boot.get("tests", []), append=append,
                                 boot=boot.get("boot", self.boot),
                                 end=boot.get("end", "done"), reboots=[]))
        return [self] + later


def _make(path, name, data):
    known = set(Scenario.__dataclass_fields__) - {"name"}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"{path}: {name}: unknown keys {sorted(unknown)}")
    if "description" not in data:
        raise ValueError(f"{path}: {name}: every scenario needs a description")
    s = Scenario(name=name, **data)
    if s.expect not in EXPECTATIONS:
        raise ValueError(f"{path}: {name}: expect must be one of {EXPECTATIONS}")
    if any(b.boot not in BOOTS for b in s.boots()):
        raise ValueError(f"{path}: {name}: boot must be one of {BOOTS}")
    if any(b.end not in ENDS for b in s.boots()):
        raise ValueError(f"{path}: {name}: end must be one of {ENDS}")
    if any(b.boot == "debian" for b in s.boots()) and not s.distro:
        raise ValueError(f"{path}: {name}: a debian boot needs a distro")
    if not set(s.kernels) <= set(KERNELS) or not s.kernels:
        raise ValueError(f"{path}: {name}: kernels must be some of {KERNELS}")
    return s


def load(path):
    """Read one scenario file; its name is the file name without .toml.

    A file with [[variant]] tables is a family: each variant is the file's
    top-level keys overridden by the variant's own, named
    "<file>-<variant name>". A variant's "append" is added to the file's.
    """
    with open(path, "rb") as f:
        data = tomllib.load(f)
    name = os.path.basename(path)[: -len(".toml")]
    variants = data.pop("variant", None)
    if variants is None:
        return [_make(path, name, data)]
    family = []
    for v in variants:
        v = dict(v)
        vname = v.pop("name")
        merged = {**data, **v}
        merged["append"] = " ".join(x for x in (data.get("append", ""), v.get("append", "")) if x)
        family.append(_make(path, f"{name}-{vname}", merged))
    return family


def load_all(directory):
    """Every scenario in DIRECTORY, sorted by name."""
    return [s for f in sorted(os.listdir(directory)) if f.endswith(".toml")
            for s in load(os.path.join(directory, f))]
