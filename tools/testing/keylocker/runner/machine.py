# SPDX-License-Identifier: GPL-2.0
"""One run of the emulated machine: QEMU, its console, its control port, QMP.

The guest reports on the console (ttyS0). It asks the host for actions that
only the host can do (vCPU hot-add, memory dumps, raw QMP) on a second serial
port (ttyS1), one "REQ <verb> <args>" line at a time, and gets one
"OK <data>" or "ERR <message>" line back. S3 wake-ups need no request: every
SUSPEND event is answered with system_wakeup.

A "migrate" request moves the running machine to a new QEMU process with
QEMU's own migration, as a host moves a VM: the state goes to a file, the
old process quits, and a new one started with the same command line and
-incoming loads it; the reply comes from the new process.
"""

import json
import os
import re
import socket
import subprocess
import threading
import time

from qmp import QMP, QMPError


class Machine:
    """A QEMU process running one scenario; its console is kept in LOG."""

    def __init__(self, paths, scenario, workdir, interactive=False, echo=False):
        self.paths = paths
        self.scenario = scenario
        self.workdir = workdir
        self.interactive = interactive
        self.echo = echo
        self.console = []
        self.console_cond = threading.Condition()
        self.proc = None
        self.qmp = None
        self.ctl = None
        self.log_path = os.path.join(workdir, "console.log")
        self.hotadded = 0
        # Set while a migration replaces the QEMU process: its end is no
        # end of the machine.
        self.replacing = False
        self.console_thread = None
        # stop() and a migration's start of the new process exclude each
        # other: no QEMU may outlive stop().
        self.lock = threading.Lock()
        self.stopped = False
        # SUSPEND events seen by the QMP connections of earlier processes.
        self.suspends_before = 0

    def command_line(self):
        s = self.scenario
        qmp_sock = os.path.join(self.workdir, "qmp.sock")
        ctl_sock = os.path.join(self.workdir, "ctl.sock")
        append = ["console=ttyS0", "panic=-1", "oops=panic" if s.panic_on_oops else "",
                  f"kltests={','.join(s.tests)}", s.append]
        # Linux sizes its possible-CPU map from the firmware tables, where
        # QEMU's absent vCPUs do not count: make room for hot-added ones.
        maxcpus = re.search(r"maxcpus=(\d+)", s.smp)
        if maxcpus:
            append.append(f"possible_cpus={maxcpus.group(1)}")
        if self.interactive:
            append.append("klshell=1")
        # One thread runs every vCPU in turn. With a thread per vCPU, an AP
        # sometimes starts SeaBIOS's S3 wake-up code only after SeaBIOS has
        # moved on, and spins there, so Linux gives up on it ("CPU1 failed
        # to report alive state"): about one resume in seven, in 60 resumes
        # not once with one thread. The plugin crashes QEMU in that mode,
        # so the scenarios that count instructions keep a thread per vCPU
        # (they do no S3).
        accel = "tcg" if s.plugin else "tcg,thread=single"
        cmd = [
            self.paths["QEMU"], "-L", "/usr/share/qemu", "-L", "/usr/share/seabios",
            "-machine", "pc", "-accel", accel, "-cpu", s.cpu, "-smp", s.smp,
            "-m", f"{s.memory}M", "-nic", "none", "-no-reboot",
            "-display", "none", "-vga", "none",
            "-qmp", f"unix:{qmp_sock},server=on,wait=off",
            "-chardev", f"socket,id=ctl,path={ctl_sock},server=on,wait=off",
        ]
        if s.payload:
            cmd += ["-kernel", os.path.join(os.path.dirname(self.paths["INITRD"]), s.payload),
                    "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        elif s.boot == "debian":
            with open(os.path.join(self.distro_dir(), "cmdline")) as f:
                append.append(f.read().strip())
            cmd += ["-kernel", self.paths["KERNEL"],
                    "-initrd", os.path.join(self.distro_dir(), "initrd.img"),
                    "-append", " ".join(a for a in append if a)]
        else:
            cmd += ["-kernel", self.paths["KERNEL"], "-initrd", self.paths["INITRD"],
                    "-append", " ".join(a for a in append if a)]
        sizes = s.disk if isinstance(s.disk, list) else [s.disk] if s.disk else []
        for i, size in enumerate(sizes):
            cmd += ["-drive", f"file={self.disk_path(i, size)},if=virtio,format=raw"]
        if s.distro:
            image = os.path.join(self.distro_dir(), "root.ext4")
            cmd += ["-drive", f"file={image},if=virtio,format=raw,readonly=on"]
        if s.plugin:
            fpu = self.kernel_symbols()["kernel_fpu_begin_mask"]
            out = os.path.join(self.workdir, "klinsn.out")
            cmd += ["-plugin", f"{self.paths['KLINSN']},out={out},watch={fpu:#x}"]
        if self.interactive:
            cmd += ["-serial", "mon:stdio", "-serial", "chardev:ctl"]
        else:
            cmd += ["-monitor", "none", "-serial", "stdio", "-serial", "chardev:ctl"]
        return cmd + s.qemu_args, qmp_sock, ctl_sock

    def disk_path(self, index, size):
        """The scenario's disk INDEX of SIZE MiB, created empty on first use."""
        path = os.path.join(self.workdir, "disk.img" if index == 0 else f"disk{index}.img")
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.truncate(size << 20)
        return path

    def distro_dir(self):
        """Where build/distro-image.sh put the scenario's Debian system."""
        return os.path.join(os.path.dirname(self.paths["INITRD"]), f"distro-{self.scenario.distro}")

    def start(self, incoming=None):
        """Start QEMU; with INCOMING, a new process that loads the machine's
        state from that file (see _migrate) and keeps its console."""
        cmd, qmp_sock, ctl_sock = self.command_line()
        if incoming:
            cmd += ["-incoming", f"file:{incoming}"]
        with open(os.path.join(self.workdir, "qemu.cmd"), "a" if incoming else "w") as f:
            f.write(" ".join(cmd) + "\n")
        if self.interactive:
            self.proc = subprocess.Popen(cmd)
        else:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT)
            self.console_thread = threading.Thread(target=self._console_loop,
                                                   args=(self.proc, bool(incoming)),
                                                   daemon=True)
            self.console_thread.start()
        self.qmp = QMP(qmp_sock)
        threading.Thread(target=self._wakeup_loop, args=(self.proc, self.qmp),
                         daemon=True).start()
        self.ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.ctl.connect(ctl_sock)
        if not incoming:
            threading.Thread(target=self._ctl_loop, daemon=True).start()

    def _console_loop(self, proc, append):
        with open(self.log_path, "a" if append else "w", encoding="utf-8",
                  errors="replace") as log:
            for raw in proc.stdout:
                line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                log.write(line + "\n")
                log.flush()
                if self.echo:
                    print(line, flush=True)
                with self.console_cond:
                    self.console.append(line)
                    self.console_cond.notify_all()
        if self.replacing:
            return
        with self.console_cond:
            self.console.append(None)
            self.console_cond.notify_all()

    def _wakeup_loop(self, proc, qmp):
        woken = 0
        while proc.poll() is None:
            if not qmp.wait_event("SUSPEND", woken + 1, 0.5):
                continue
            woken += 1
            time.sleep(0.5)
            try:
                qmp.command("system_wakeup")
            except (QMPError, OSError):
                return

    def _ctl_loop(self):
        ctl = self.ctl
        f = ctl.makefile("rw", encoding="utf-8", newline="\n")
        with open(os.path.join(self.workdir, "ctl.log"), "w") as log:
            # readline, not iteration: a migration replaces f.
            while line := f.readline():
                line = line.strip("\r\n\x00 ")
                log.write(f"< {line}\n")
                log.flush()
                if not line.startswith("REQ "):
                    continue
                verb, _, args = line[4:].partition(" ")
                try:
                    reply = "OK " + self._handle(verb, args)
                except Exception as e:  # noqa: BLE001 - the guest gets every error
                    reply = f"ERR {e!r}"
                log.write(f"> {reply}\n")
                log.flush()
                if self.ctl is not ctl:
                    # A migration: the guest now listens on the new process.
                    ctl = self.ctl
                    f = ctl.makefile("rw", encoding="utf-8", newline="\n")
                try:
                    f.write(reply.strip() + "\n")
                    f.flush()
                except OSError:
                    return

    def _handle(self, verb, args):
        if verb == "qmp":
            req = json.loads(args)
            return json.dumps(self.qmp.command(req["execute"], **req.get("arguments", {})))
        if verb == "suspends":
            return str(self.suspends_before + len(self.qmp.events("SUSPEND")))
        if verb == "hotadd":
            return self._hotadd(args)
        if verb == "migrate":
            return self._migrate()
        if verb == "iwkey-scan":
            return self._iwkey_scan()
        if verb == "iwkey-mark":
            return self._iwkey_mark()
        if verb == "iwkey-unchanged":
            return self._iwkey_unchanged(args)
        if verb == "iwkey-undone":
            return self._iwkey_undone(args)
        if verb == "cr4kl":
            return self._cr4_kl()
        if verb == "scan":
            return str(self._scan([bytes.fromhex(a) for a in args.split()]))
        if verb == "klcount":
            return self._kl_count()
        if verb == "snap":
            return self._snap(int(args))
        if verb == "ranges":
            return ",".join(self._code_range(part) for part in args.split())
        raise ValueError(f"unknown request {verb!r}")

    def _migrate(self):
        """Migrate the machine to a new QEMU process. "migrated", or
        "refused <why>" if QEMU refused and the machine runs on here."""
        if self.interactive or self.hotadded:
            raise ValueError("migrate: not with a console on this terminal or "
                             "hot-added vCPUs (the new process would lack them)")
        state = os.path.join(self.workdir, "migration.state")
        try:
            return self._migrate_via(state)
        finally:
            if os.path.exists(state):
                os.unlink(state)

    def _migrate_via(self, state):
        # Bandwidth is no concern between two processes on one host: let
        # precopy converge while the guest writes.
        self.qmp.command("migrate-set-parameters", **{"max-bandwidth": 8 << 30})
        try:
            self.qmp.command("migrate", uri=f"file:{state}")
        except QMPError as e:
            return f"refused {e}"
        deadline = time.monotonic() + 120
        while True:
            info = self.qmp.command("query-migrate")
            if info.get("status") == "completed":
                break
            if info.get("status") in ("failed", "cancelled"):
                return f"refused {info.get('error-desc', info['status'])}"
            if time.monotonic() > deadline:
                self.qmp.command("migrate_cancel")
                raise OSError("the migration did not complete within 120 s")
            time.sleep(0.05)
        self.replacing = True
        old, old_qmp, old_ctl = self.proc, self.qmp, self.ctl
        try:
            old_qmp.command("quit")
        except (QMPError, OSError):
            pass
        try:
            old.wait(timeout=30)
        except subprocess.TimeoutExpired:
            old.kill()
            old.wait()
        self.suspends_before += len(old_qmp.events("SUSPEND"))
        old_qmp.close()
        if self.console_thread:
            self.console_thread.join(timeout=30)
            if self.console_thread.is_alive():
                raise OSError("the old QEMU's console did not close")
        self.replacing = False
        with self.lock:
            if self.stopped:
                raise OSError("the machine was stopped during the migration")
            self.start(incoming=state)
        old_ctl.close()
        # The reply must reach the loaded UART, not the one the incoming
        # state replaces.
        deadline = time.monotonic() + 60
        while self.qmp.command("query-status")["status"] != "running":
            if time.monotonic() > deadline:
                raise OSError("the migrated machine did not start running")
            time.sleep(0.05)
        return "migrated"

    def _hotadd(self, args):
        """Add a vCPU in the first free slot; ARGS are its own CPU
        properties (kl=off, kl-wide=off, ...), so CPUs can differ."""
        own = {}
        for arg in args.split():
            name, value = arg.split("=", 1)
            own[name] = {"on": True, "off": False}.get(value, value)
        slots = self.qmp.command("query-hotpluggable-cpus")
        slots.sort(key=lambda slot: sorted(slot["props"].items()))
        for slot in slots:
            if "qom-path" in slot:
                continue
            self.hotadded += 1
            props = dict(slot["props"])
            props.pop("node-id", None)
            self.qmp.command("device_add", driver=slot["type"],
                             id=f"hotcpu{self.hotadded}", **props, **own)
            return str(slot["props"])
        raise ValueError("no free vCPU slot")

    def _cr4_kl(self):
        """CR4.KL (bit 19) of every vCPU, in CPU order, e.g. "1 1 1 1"."""
        text = self.qmp.command("human-monitor-command", **{"command-line": "info registers -a"})
        values = re.findall(r"CR4=([0-9a-fA-F]+)", text)
        if not values:
            raise ValueError("no CR4 in 'info registers'")
        return " ".join(str((int(v, 16) >> 19) & 1) for v in values)

    def _kl_query_all(self):
        """The model's oracle for every vCPU, in CPU order."""
        cpus = sorted(c["cpu-index"] for c in self.qmp.command("query-cpus-fast"))
        return [self.qmp.command("x-kl-query", **{"cpu-index": i}) for i in cpus]

    @staticmethod
    def _fingerprint(key):
        """The model's fingerprint of an IWKey (see its @history)."""
        data = bytes.fromhex(key["integrity-key"] + key["encryption-key"])
        data += bytes([key["loaded"], key["nobackup"], key["keysource"]])
        h = 0xcbf29ce484222325
        for b in data:
            h = ((h ^ b) * 0x100000001b3) & (2**64 - 1)
        return f"{h:016x}"

    def _iwkey_mark(self):
        """How many IWKeys each vCPU has held so far, e.g. "5,3,3,3"; the
        mark for iwkey-unchanged and iwkey-undone."""
        return ",".join(str(q["history-total"]) for q in self._kl_query_all())

    def _iwkey_unchanged(self, mark):
        """"ok" if no vCPU got a key since MARK, else which did."""
        before = [int(n) for n in mark.split(",")]
        changed = [f"cpu{i}" for i, q in enumerate(self._kl_query_all())
                   if q["history-total"] != before[i]]
        return f"changed: {' '.join(changed)}" if changed else "ok"

    def _iwkey_undone(self, mark):
        """"ok" if, since MARK, a failed selection was undone as documented:
        every vCPU got a key and holds its own (a throwaway), the platform
        backup, if valid, holds vCPU 0's, and no other key loaded since MARK
        is held anywhere. Else what is wrong."""
        before = [int(n) for n in mark.split(",")]
        queries = self._kl_query_all()
        current = [self._fingerprint(q["iwkey"]) for q in queries]
        held = set(current)
        problems = []
        if queries[0]["backup-valid"]:
            backup = self._fingerprint(queries[0]["backup"])
            held.add(backup)
            if backup != current[0]:
                problems.append("the backup is not CPU 0's throwaway key")
        if len(set(current)) != len(current):
            problems.append(f"CPUs share a key: {' '.join(current)}")
        for i, q in enumerate(queries):
            new = q["history-total"] - before[i]
            if new < 1:
                problems.append(f"cpu{i} got no key")
                continue
            if new > len(q["history"]):
                problems.append(f"cpu{i}: {new} keys, more than the history holds")
                continue
            during = set(q["history"][-new:-1])
            if during & held:
                problems.append(f"cpu{i}: a key of the failed selection is still held")
        return "ok" if not problems else "; ".join(problems)

    def _iwkey_scan(self):
        """Count where the IWKey loaded in vCPU 0 (read through the model's
        test oracle) appears in guest RAM, in 16-byte pieces, in either byte
        order; "loaded=0" if no key is loaded."""
        iwkey = self.qmp.command("x-kl-query", **{"cpu-index": 0})["iwkey"]
        if not iwkey["loaded"]:
            return "loaded=0 found=0"
        key = bytes.fromhex(iwkey["integrity-key"] + iwkey["encryption-key"])
        pieces = [key[i:i + 16] for i in range(0, len(key), 16)]
        pieces += [p[::-1] for p in pieces]
        data = self._memory()
        return f"loaded=1 found={sum(data.count(p) for p in pieces)}"

    def _memory(self):
        """All guest RAM, read through a dump file that is removed again."""
        path = self.dump_memory(os.path.join(self.workdir, "memory.dump"))
        try:
            with open(path, "rb") as f:
                return f.read()
        finally:
            os.unlink(path)

    def dump_memory(self, path):
        """Save all guest RAM, from physical address 0, to PATH."""
        size = self.scenario.memory << 20
        self.qmp.command("pmemsave", val=0, size=size, filename=path)
        return path

    def _scan(self, patterns):
        """How often any of PATTERNS occurs in one dump of guest RAM."""
        if not patterns or any(len(p) < 8 for p in patterns):
            raise ValueError("scan patterns must be at least 8 bytes")
        data = self._memory()
        return sum(data.count(p) for p in patterns)

    def _snap(self, tag):
        """The klinsn plugin's snapshot line with TAG (of the lowest vCPU)."""
        with open(os.path.join(self.workdir, "klinsn.out")) as f:
            for line in f:
                if line.startswith("snap ") and f" tag={tag} " in line:
                    return line.strip()
        raise ValueError(f"no snapshot with tag {tag}")

    # Objects whose code the benchmark counts as one driver's, by name.
    CODE = {
        "aesni": "arch/x86/crypto/built-in.a",
        "rust": "rust/kernel.o",
        "core": "arch/x86/kernel/keylocker/built-in.a",
    }

    def kernel_symbols(self):
        """Text symbols of the running kernel, from its System.map."""
        if not hasattr(self, "_symbols"):
            self._symbols = {}
            with open(self.paths["SYSTEM_MAP"]) as f:
                for line in f:
                    addr, kind, name = line.split()
                    if kind in "tTwW":
                        self._symbols.setdefault(name, int(addr, 16))
        return self._symbols

    def _code_range(self, part):
        """"START-END" (hex) of the text of one of CODE in the kernel: the
        longest run of consecutive System.map text symbols defined there,
        up to the next symbol."""
        obj = os.path.join(os.path.dirname(self.paths["SYSTEM_MAP"]), self.CODE[part])
        nm = subprocess.run(["llvm-nm-19", "--defined-only", obj], check=True,
                            capture_output=True, text=True).stdout
        names = {f[2] for f in (line.split() for line in nm.splitlines())
                 if len(f) == 3 and f[1] in "tT"}
        ordered = sorted((addr, name) for name, addr in self.kernel_symbols().items())
        best, start = (0, 0, 0), None
        for i, (addr, name) in enumerate(ordered):
            if name in names:
                start = i if start is None else start
                if i + 1 - start > best[0] and i + 1 < len(ordered):
                    best = (i + 1 - start, ordered[start][0], ordered[i + 1][0])
            else:
                start = None
        if not best[0]:
            raise ValueError(f"no symbol of {obj} in System.map")
        return f"{best[1]:x}-{best[2]:x}"

    def _kl_count(self):
        """The model's Key Locker instruction counters summed over all
        vCPUs, as "insn=executed/failed" words in a fixed order."""
        total = {}
        for cpu in self.qmp.command("query-cpus-fast"):
            info = self.qmp.command("x-kl-query", **{"cpu-index": cpu["cpu-index"]})
            for c in info["counters"]:
                done, failed = total.get(c["insn"], (0, 0))
                total[c["insn"]] = (done + c["executed"], failed + c["failed"])
        return " ".join(f"{insn}={done}/{failed}" for insn, (done, failed) in sorted(total.items()))

    def wait_console(self, predicate, timeout):
        """Wait until predicate(line) holds for a console line; the line, None
        on timeout, or False if the console closed first."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self.console_cond:
            while True:
                while seen < len(self.console):
                    line = self.console[seen]
                    seen += 1
                    if line is None:
                        return False
                    if predicate(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.console_cond.wait(left)

    def stop(self):
        with self.lock:
            self.stopped = True
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.wait()
        if self.qmp:
            self.qmp.close()
        if self.ctl:
            self.ctl.close()
