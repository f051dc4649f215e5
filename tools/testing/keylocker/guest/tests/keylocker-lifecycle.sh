# SPDX-License-Identifier: GPL-2.0
# The lifecycle table of Documentation/arch/x86/keylocker.rst for one mode:
# after each event the status is what the table says (klafter_<event>=
# active|lost on the command line; "skip" leaves an event out), and CPUs
# always come online. Hot-add comes last: S3 after a vCPU hot-add hangs the
# emulated machine (QEMU/SeaBIOS), not the kernel.
#
# klhotadd=PROP,... gives the hot-added vCPU CPU properties of its own
# (kl=off, kl-wide=off, ...): a machine whose CPUs differ. Then
# klreinit=ERRNO is what choosing the mode again gives, kllostwhy=WORD must
# be in the "wrapping key lost" line, naming CPU kllostcpu=N (default: the
# hot-added one), and klcross=1 runs AF_ALG requests on
# the hot-added CPU after the mode was chosen again, from a tfm keyed
# there and from one keyed on CPU 0 and moved there.
mode=$(kl_param klmode)
status() { cat $KL_SYSFS/status; }
res=$(kl_write $KL_SYSFS/mode "$mode")
kl_check select "$mode: $res" [ "$res" = OK ]

if [ "$(kl_param klafter_offline)" != skip ]; then
	echo 0 >/sys/devices/system/cpu/cpu1/online
	echo 1 >/sys/devices/system/cpu/cpu1/online
	kl_check offline-online "want $(kl_param klafter_offline), got $(status)" \
		[ "$(status)" = "$(kl_param klafter_offline)" ]
fi

if [ "$(kl_param klafter_s3)" != skip ]; then
	echo deep >/sys/power/mem_sleep
	echo mem >/sys/power/state
	kl_check s3 "want $(kl_param klafter_s3), got $(status)" \
		[ "$(status)" = "$(kl_param klafter_s3)" ]
fi
hotadd_props=$(kl_param klhotadd | tr , ' ')
before=$(ls -d /sys/devices/system/cpu/cpu[0-9]* | wc -l)
# shellcheck disable=SC2086
kl_host hotadd $hotadd_props >/dev/null
for _ in $(seq 50); do
	[ -e "/sys/devices/system/cpu/cpu$before/online" ] && break
	sleep 0.2
done
echo 1 >"/sys/devices/system/cpu/cpu$before/online"
kl_check hotadd-cpu-online "" [ "$(cat /sys/devices/system/cpu/cpu$before/online)" = 1 ]
kl_check hotadd "want $(kl_param klafter_hotadd), got $(status)" \
	[ "$(status)" = "$(kl_param klafter_hotadd)" ]

# CR4.KL on every vCPU, except one without Key Locker, where it is reserved.
cr4=$(kl_host cr4kl)
want_cr4=$(echo "$cr4" | sed 's/0/1/g')
case " $hotadd_props " in
*" kl=off "*) want_cr4="${want_cr4% 1} 0" ;;
esac
kl_check cr4-set-everywhere "$cr4, want $want_cr4" [ "$cr4" = "$want_cr4" ]
if [ "$(status)" = lost ]; then
	kl_check lost-logged-once "" [ "$(dmesg | grep -c 'keylocker: wrapping key lost')" = 1 ]
	why=$(kl_param kllostwhy)
	cpu=$(kl_param kllostcpu)
	[ -z "$why" ] || kl_check lost-reason "$(dmesg | grep 'wrapping key lost')" \
		kl_logged "wrapping key lost: CPU ${cpu:-$before} after .*$why"
	want=$(kl_param klreinit)
	res=$(kl_write $KL_SYSFS/mode "$mode")
	kl_check reinit-after-lost "want ${want:-OK}, got $res" [ "$res" = "${want:-OK}" ]
	if [ "$res" = OK ]; then
		kl_check active-after-reinit "" [ "$(status)" = active ]
		kl_check new-generation "" \
			kl_logged "keylocker: $mode: active on all CPUs (generation 2)"
	else
		kl_check lost-after-refusal "" [ "$(status)" = lost ]
		kl_check refusal-names-cpu "" kl_logged "keylocker: $mode: .*CPU $before: "
	fi
fi
if [ "$(kl_param klcross)" = 1 ]; then
	kl_check aeskl-loaded "" kl_aeskl
	kl_check afalg-drivers-by-name "" kl_afalg_drivers
	for m in ecb cbc ctr xts; do
		ref="$m(aes-lib)"
		[ $m = xts ] && ref="xts(ecb(aes-lib))"
		taskset -c "$before" /kl/bin/klcrypt cross --mode $m --test "$m-aes-aeskl" \
			--ref "$ref" --keylen 32 --count 20 --seed 1 ||
			kl_result "cross-$m-on-cpu$before-ran" fail "klcrypt cross exited $?"
	done
	# Eight-block requests: wide instructions wherever every CPU has them.
	taskset -p -c 0 $$ >/dev/null
	kl_check hold-keyed-on-cpu0 "" kl_hold_start xts-aes-aeskl \
		"$(printf '%064x%064x' 1 2)" --len 4096
	taskset -p -c "$before" "$hold_pid" >/dev/null
	taskset -p -c "0-$before" $$ >/dev/null
	kl_hold_finish
	rc=$?
	kl_check hold-used-on-cpu$before "$(echo "$hold_out" | cut -c1-60)" [ $rc = 0 ]
fi
