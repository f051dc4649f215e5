# SPDX-License-Identifier: GPL-2.0
# AES-KL refuses to load until a Key Locker mode is chosen, naming the sysfs
# knob; afterwards its four drivers register and pass the crypto self-tests
# (the kernel has CONFIG_CRYPTO_SELFTESTS_FULL: vectors, fuzzing against the
# AES library, in-place and split buffers).
mode=$(kl_param klmode)

# klavx=off: the CPU has no AVX, so the loops run in SSE2's forms.
if [ "$(kl_param klavx)" = off ]; then
	kl_check no-avx "$(grep -m1 '^flags' /proc/cpuinfo)" \
		sh -c "! grep -m1 '^flags' /proc/cpuinfo | grep -qw avx"
fi

kl_check refused-before-mode "" sh -c '! modprobe aeskl 2>/dev/null'
kl_check refusal-names-knob "$(dmesg | grep 'aeskl:')" \
	kl_logged 'aeskl: Key Locker is not active; choose a mode in /sys/devices/system/cpu'

res=$(kl_write $KL_SYSFS/mode "$mode")
kl_check select "$mode: $res" [ "$res" = OK ]
kl_check modprobe "" modprobe aeskl

# The self-tests run asynchronously after registration. While they run,
# /proc/crypto also lists the test larval under the driver's name; the entry
# of type skcipher is the algorithm, and it must end up "passed".
aeskl_selftest() {
	grep -A6 "^driver *: $1-aes-aeskl\$" /proc/crypto |
		sed -n 's/^\(selftest\|type\) *: //p' | tr '\n' ' '
}
for mode_name in ecb cbc ctr xts; do
	i=0
	while ! aeskl_selftest $mode_name | grep -q 'passed skcipher\|failed' &&
		[ $i -lt 600 ]; do
		sleep 1
		i=$((i + 1))
	done
	st=$(aeskl_selftest $mode_name)
	kl_check "$mode_name-selftest-passed" "$mode_name-aes-aeskl: $st" \
		sh -c "echo '$st' | grep -q 'passed skcipher' && ! echo '$st' | grep -q failed"
done
fails=$(dmesg | grep 'alg: .*failed')
kl_check no-selftest-failure "$fails" [ -z "$fails" ]
kl_check priority-default "$(grep -A3 'driver *: xts-aes-aeskl' /proc/crypto | grep priority)" \
	sh -c "grep -A3 'driver *: xts-aes-aeskl' /proc/crypto | grep -q 'priority *: 100'"
