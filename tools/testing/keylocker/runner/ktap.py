# SPDX-License-Identifier: GPL-2.0
"""Pull KUnit suite results out of a kernel console log (KTAP)."""

import re

# Top-level KTAP lines are not indented; test cases inside a suite are.
_PLAN = re.compile(r"^1\.\.(\d+)$")
_RESULT = re.compile(r"^(not ok|ok) \d+ (\S+)(?:\s+#\s*(\S+))?")
_TIMESTAMP = re.compile(r"^\[\s*\d+\.\d+\] ")
# The guest's last marker, written by user space, may share its line with
# the kernel's output: the console prints between the marker and its newline.
_DONE = re.compile(r"^KLDONE")


def suites(console_lines):
    """Return (planned suite count or None, [(suite, status)]) from a console log.

    status is "ok", "fail" or "skip". The built-in suites run at boot under
    one plan; a module's suites run when it loads, under a plan of their
    own: the planned count is the sum.
    """
    planned = None
    found = []
    in_ktap = False
    for raw in console_lines:
        line = _DONE.sub("", _TIMESTAMP.sub("", raw.rstrip("\r\n")))
        if line == "KTAP version 1":
            in_ktap = True
            continue
        if not in_ktap:
            continue
        m = _PLAN.match(line)
        if m:
            planned = (planned or 0) + int(m.group(1))
            continue
        m = _RESULT.match(line)
        if m:
            if m.group(3) and m.group(3).upper() == "SKIP":
                status = "skip"
            else:
                status = "ok" if m.group(1) == "ok" else "fail"
            found.append((m.group(2), status))
    return planned, found
