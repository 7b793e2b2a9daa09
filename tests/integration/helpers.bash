# helpers.bash - shared set-up for vmkit's bats tests.
# VMKIT names the binary under test (tests/run.sh sets it; default build/vmkit).
: "${VMKIT:=$BATS_TEST_DIRNAME/../../build/vmkit}"
GUEST_DIR="$BATS_TEST_DIRNAME/../../build/guest"

# skip_unless_kvm: guests under --accel kvm need a usable /dev/kvm.
skip_unless_kvm() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || skip "no usable /dev/kvm on this host"
}

# vm_interact WAIT_FOR INPUT ARGS...: run `vmkit vm run ARGS...`, and once its
# output shows WAIT_FOR, type INPUT on its console. Sets $status and $output
# (stdout and stderr). Waiting first matters: input sent before the guest
# is ready would race with its set-up, as it would on real hardware.
vm_interact() {
	local wait_for=$1 input=$2 fifo="$BATS_TEST_TMPDIR/console.in" out="$BATS_TEST_TMPDIR/console.out"
	shift 2
	rm -f "$fifo"
	mkfifo "$fifo"
	timeout "${VM_TIMEOUT:-60}" "$VMKIT" vm run "$@" <"$fifo" >"$out" 2>&1 &
	local pid=$!
	exec 7>"$fifo" # not 3: bats reports through fd 3
	# Up to VM_WAIT seconds (default 10) for the guest to get there.
	for _ in $(seq $((${VM_WAIT:-10} * 20))); do grep -q "$wait_for" "$out" && break; sleep 0.05; done
	printf "$input" >&7
	exec 7>&-
	wait $pid && status=0 || status=$?
	output=$(cat "$out")
}
