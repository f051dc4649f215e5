# SPDX-License-Identifier: GPL-2.0
"""A minimal QMP client: commands in, replies out, events kept for the caller."""

import json
import socket
import threading
import time


class QMPError(Exception):
    """QEMU answered a command with an error."""


class QMP:
    """One QMP connection over a UNIX socket, safe to share between threads."""

    def __init__(self, path, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self._sock.connect(path)
                break
            except OSError:
                self._sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self._file = self._sock.makefile("rw", encoding="utf-8")
        self._lock = threading.Lock()
        self._events = []
        self._event_cond = threading.Condition()
        self._replies = []
        self._reply_cond = threading.Condition()
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        json.loads(self._file.readline())  # greeting
        self._reader.start()
        self.command("qmp_capabilities")

    def _read_loop(self):
        try:
            self._read_messages()
        except OSError:
            pass  # QEMU went away (quit after a migration, or killed)
        with self._reply_cond:
            self._replies.append({"error": {"desc": "QMP connection closed"}})
            self._reply_cond.notify_all()

    def _read_messages(self):
        for line in self._file:
            msg = json.loads(line)
            if "event" in msg:
                with self._event_cond:
                    self._events.append(msg)
                    self._event_cond.notify_all()
            else:
                with self._reply_cond:
                    self._replies.append(msg)
                    self._reply_cond.notify_all()

    def command(self, name, **args):
        """Run one command; return its 'return' value or raise QMPError."""
        req = {"execute": name}
        if args:
            req["arguments"] = args
        with self._lock:
            self._file.write(json.dumps(req) + "\n")
            self._file.flush()
            with self._reply_cond:
                while not self._replies:
                    self._reply_cond.wait()
                reply = self._replies.pop(0)
        if "error" in reply:
            raise QMPError(f"{name}: {reply['error'].get('desc', reply['error'])}")
        return reply.get("return")

    def events(self, name=None):
        """Events received so far, optionally only those called NAME."""
        with self._event_cond:
            return [e for e in self._events if name is None or e["event"] == name]

    def wait_event(self, name, count, timeout):
        """Wait until COUNT events called NAME have arrived; True if they did."""
        deadline = time.monotonic() + timeout
        with self._event_cond:
            while len([e for e in self._events if e["event"] == name]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._event_cond.wait(left)
        return True

    def close(self):
        """Drop the connection."""
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()
