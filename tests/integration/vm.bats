#!/usr/bin/env bats
# vm.bats - `vmkit vm run` with the guest programs of tests/guest, under
# the accelerator VMKIT_ACCEL names (default kvm; tests/run.sh runs this
# file again with emu). KVM tests are skipped, visibly, without /dev/kvm.
load helpers

setup() {
	ACCEL=${VMKIT_ACCEL:-kvm}
	[ "$ACCEL" = kvm ] && skip_unless_kvm
	true
}

vmrun() {
	run timeout 60 "$VMKIT" vm run --accel "$ACCEL" "$@"
}

@test "vm: serial hello from a real-mode boot sector" {
	vmrun --kernel "$GUEST_DIR/hello16.bin"
	[ "$status" -eq 33 ]
	[ "$output" = "Hello from real mode" ]
}

@test "vm: serial hello from a protected-mode ELF32" {
	vmrun --kernel "$GUEST_DIR/hello32.elf"
	[ "$status" -eq 33 ]
	[ "$output" = "Hello from protected mode" ]
}

@test "vm: serial hello from a long-mode ELF64" {
	vmrun --kernel "$GUEST_DIR/hello64.elf"
	[ "$status" -eq 33 ]
	[ "$output" = "Hello from long mode" ]
}

@test "vm: debug-exit value V gives status (V << 1) | 1" {
	vmrun --kernel "$GUEST_DIR/exit16.bin"
	[ "$status" -eq 85 ]
}

@test "vm: PIT timer interrupts through the PIC and the real-mode IVT" {
	vmrun --kernel "$GUEST_DIR/pit16.bin"
	[ "$status" -eq 33 ]
	[ "$output" = "PIT: 20 timer interrupts" ]
}

@test "vm: MMIO accesses exit to the VMM and read all ones" {
	vmrun --stats --kernel "$GUEST_DIR/mmio32.elf"
	[ "$status" -eq 33 ]
	[[ "$output" == *"mmio read: ffffffff"* ]]
	# four accesses to the hole: one write and three reads
	[ "$ACCEL" = kvm ] && [[ "$output" =~ mmio\ +4\  ]]
	[[ "$output" =~ \(no\ device\)\ +mmio\ +4 ]]
}

@test "vm: --stats counts exits by reason and by device" {
	vmrun --stats --kernel "$GUEST_DIR/hello16.bin"
	[ "$status" -eq 33 ]
	[[ "$output" == *"exit statistics: accel $ACCEL, 1 vCPU"* ]]
	# 21 characters: one LSR read and one THR write each, and the exit
	[[ "$output" =~ uart16550\ \(COM1\)\ +pio\ +0x000003f8-0x000003ff\ +42\  ]]
	[[ "$output" =~ debug-exit\ +pio\ +0x000000f4-0x000000f7\ +1\  ]]
	if [ "$ACCEL" = kvm ]; then
		[[ "$output" =~ io\ +43\  ]]
	else
		[[ "$output" == *"instructions retired"* ]]
		[[ "$output" == *"decode cache:"* ]]
	fi
}

@test "vm: a triple fault ends the VM with an error and a register dump" {
	vmrun --kernel "$GUEST_DIR/triple32.elf"
	[ "$status" -eq 1 ]
	[[ "$output" == *"about to triple fault"* ]]
	[[ "$output" == *"vmkit: vCPU 0: guest triple fault"* ]]
	[[ "$output" == *"rax=00000000deadbeef"* ]]
	[[ "$output" == *"rip="* ]]
}

@test "vm: a Multiboot kernel reads its command line, memory and modules" {
	echo "MODULE-DATA" >"$BATS_TEST_TMPDIR/mod.txt"
	vmrun --memory 64M --append "console=ttyS0 hello world" \
		--initrd "$BATS_TEST_TMPDIR/mod.txt arg1" --kernel "$GUEST_DIR/multiboot32.elf"
	[ "$status" -eq 33 ]
	[[ "$output" == *"cmdline: console=ttyS0 hello world"* ]]
	# 64 MiB - 1 MiB in KiB
	[[ "$output" == *"mem_upper: 0000fc00"* ]]
	[[ "$output" == *"modules: 00000001"* ]]
	[[ "$output" == *"module: $BATS_TEST_TMPDIR/mod.txt arg1 => MODULE-DATA"* ]]
}

@test "vm: a second vCPU starts by INIT/SIPI" {
	vmrun --cpus 2 --kernel "$GUEST_DIR/smp32.elf"
	if [ "$ACCEL" = kvm ] && [ "$status" -ne 33 ] && [[ "$output" == *"no AP within"* ]]; then
		skip "this host's KVM does not start APs by INIT/SIPI"
	fi
	[ "$status" -eq 33 ]
	[[ "$output" == *"AP: started by INIT/SIPI"* ]]
	[[ "$output" == *"BSP: saw the AP"* ]]
}

@test "vm: an i8042 reset with --no-reboot ends the VM with status 0" {
	vmrun --no-reboot --kernel "$GUEST_DIR/reset16.bin"
	[ "$status" -eq 0 ]
	[ "$output" = "boot" ]
}

@test "vm: an i8042 reset without --no-reboot reboots the guest" {
	run timeout 2 "$VMKIT" vm run --accel "$ACCEL" --kernel "$GUEST_DIR/reset16.bin"
	[ "$status" -eq 124 ] # still rebooting when timeout ends it
	boots=$(grep -c '^boot$' <<<"$output")
	[ "$boots" -ge 3 ]
}

@test "vm: the UART's RX and THRE interrupts, with input from stdin" {
	vm_interact ready 'hello q' --accel "$ACCEL" --kernel "$GUEST_DIR/uart16.bin"
	[ "$status" -eq 33 ]
	[[ "$output" == *$'\nhello \n'* ]]
	[[ "$output" == *"THRE interrupt ok"* ]]
}

@test "vm: Ctrl-A x on the console quits" {
	vm_interact waiting 'abc\001x' --accel "$ACCEL" --kernel "$GUEST_DIR/wait16.bin"
	[ "$status" -eq 0 ]
	[[ "$output" == *"terminated (Ctrl-A x)"* ]]
}

@test "vm: SIGTERM ends a running VM with status 143 and nothing left running" {
	"$VMKIT" vm run --accel "$ACCEL" --kernel "$GUEST_DIR/wait16.bin" </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	sleep 0.3
	kill -TERM $pid
	wait $pid && status=0 || status=$?
	[ "$status" -eq 143 ]
	grep -q "terminating on signal 15" "$BATS_TEST_TMPDIR/err"
	! kill -0 $pid 2>/dev/null
}
