#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The Debian system's counterpart of /init: waits until systemd has
# finished starting the system, runs the guest tests named by kltests= on
# the kernel command line as /init does, reports "KLDONE" and powers off.
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
. /usr/local/lib/kl/lib.sh

state=$(systemctl is-system-running --wait)
echo "KLBOOT $(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo) system=$state"
for t in $(kl_param kltests | tr ',' ' '); do
	if [ -f "/usr/local/lib/kl/tests/$t.sh" ]; then
		echo "KLSTART $t"
		(. "/usr/local/lib/kl/tests/$t.sh")
	else
		kl_result "$t" fail "no such guest test"
	fi
done
echo "KLDONE"
systemctl poweroff
