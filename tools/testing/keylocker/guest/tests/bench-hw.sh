# SPDX-License-Identifier: GPL-2.0
# bench-hw, the one command for hardware owners, runs end to end here: a
# mode, tcrypt with AES-KL and with AES-NI, cryptsetup benchmark, a table
# with the drivers that ran. Its numbers on the emulator mean nothing and
# say so.
out=$(sh /kl/bin/bench-hw --emulated --quick --out /tmp/bench-hw.csv 2>/tmp/bench-hw.err)
rc=$?
echo "$out"
kl_check bench-hw-ran "exit $rc, $(tail -n1 /tmp/bench-hw.err)" [ "$rc" = 0 ]
kl_check bench-hw-labelled "" sh -c "echo '$out' | grep -q 'EMULATED MACHINE'"
kl_check bench-hw-aeskl-ran "$(grep -c xts-aes-aeskl /tmp/bench-hw.csv) CSV rows" \
	grep -q 'xts-aes-aeskl' /tmp/bench-hw.csv
kl_check bench-hw-aesni-ran "" grep -q 'xts-aes-aesni' /tmp/bench-hw.csv
