#!/usr/bin/env bats
# linux.bats - Debian's cloud kernel and a busybox initramfs (the guest kit,
# scripts/guest-kit.sh) booted by `vmkit vm run` on the software CPU: an
# interactive shell on the serial console, SMP, power-off, reboot, panic,
# and bad kernels. Skipped, visibly, if the kit could not be built.
load helpers

KIT="$BATS_TEST_DIRNAME/../../build/kit"

setup() {
	[ -s "$KIT/vmlinuz" ] && [ -s "$KIT/initrd.cpio" ] ||
		skip "no guest kit (scripts/guest-kit.sh could not fetch the Debian packages)"
	export VM_WAIT=240 VM_TIMEOUT=300
}

linux() {
	vm_interact "$@" --accel emu --memory 256M --kernel "$KIT/vmlinuz" --initrd "$KIT/initrd.cpio"
}

@test "linux: boots to a shell, runs commands, powers off with status 0" {
	linux '/ # ' 'uname -a; echo sum=$((6*7)); cat /proc/cmdline; poweroff -f\n' \
		--append "console=ttyS0 vmkit.test"
	[ "$status" -eq 0 ]
	[[ "$output" == *"vmkit guest: init started"* ]]
	[[ "$output" == *"Linux vmkit 6."*"x86_64 GNU/Linux"* ]]
	[[ "$output" == *"sum=42"* ]]
	[[ "$output" == *"console=ttyS0 vmkit.test"* ]]
	[[ "$output" == *"reboot: Power down"* ]]
}

@test "linux: --cpus 2 gives a guest where nproc prints 2" {
	linux '/ # ' 'echo cpus=$(nproc); poweroff -f\n' --cpus 2 --append "console=ttyS0"
	[ "$status" -eq 0 ]
	[[ "$output" == *"smp: Brought up 1 node, 2 CPUs"* ]]
	[[ "$output" == *"cpus=2"* ]]
}

@test "linux: reboot with --no-reboot ends the VM with status 0" {
	linux '/ # ' 'reboot -f\n' --no-reboot --append "console=ttyS0"
	[ "$status" -eq 0 ]
	[[ "$output" == *"reboot: Restarting system"* ]]
}

@test "linux: a guest kernel panic is reported, with a non-zero status" {
	linux '/ # ' 'echo c > /proc/sysrq-trigger\n' --append "console=ttyS0"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Kernel panic - not syncing"* ]]
	[[ "$output" == *"vmkit: the guest kernel panicked"* ]]
}

@test "linux: the demo runs uname, nproc and free, then powers off" {
	run timeout 300 "$VMKIT" vm run --accel emu --memory 256M --kernel "$KIT/vmlinuz" \
		--initrd "$KIT/initrd.cpio" --append "console=ttyS0 quiet vmkit.demo" </dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"# uname -a"* ]]
	[[ "$output" == *"# nproc"*"1"* ]]
	[[ "$output" == *"Mem:"* ]]
}

@test "linux: bad kernels get one clear line and a non-zero status" {
	head -c 100000 "$KIT/vmlinuz" >"$BATS_TEST_TMPDIR/short"
	run "$VMKIT" vm run --accel emu --kernel "$BATS_TEST_TMPDIR/short"
	[ "$status" -eq 1 ]
	[[ "$output" == "vmkit: $BATS_TEST_TMPDIR/short: Linux bzImage: truncated"* ]]

	cp "$KIT/vmlinuz" "$BATS_TEST_TMPDIR/old"
	printf '\001\002' | dd of="$BATS_TEST_TMPDIR/old" bs=1 seek=$((0x206)) conv=notrunc status=none
	run "$VMKIT" vm run --accel emu --kernel "$BATS_TEST_TMPDIR/old"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Linux boot protocol 2.01: vmkit needs 2.12 or later"* ]]

	head -c 4096 /dev/zero >"$BATS_TEST_TMPDIR/arm64"
	printf 'ARM\144' | dd of="$BATS_TEST_TMPDIR/arm64" bs=1 seek=$((0x38)) conv=notrunc status=none
	run "$VMKIT" vm run --accel emu --kernel "$BATS_TEST_TMPDIR/arm64"
	[ "$status" -eq 1 ]
	[[ "$output" == *"a Linux kernel for arm64: vmkit boots x86-64" ]]

	head -c $((40 << 20)) /dev/zero >"$BATS_TEST_TMPDIR/bigrd"
	run "$VMKIT" vm run --accel emu --memory 32M --kernel "$KIT/vmlinuz" --initrd "$BATS_TEST_TMPDIR/bigrd"
	[ "$status" -eq 1 ]
	[[ "$output" == *"larger than guest RAM"* || "$output" == *"initramfs"*"does not fit"* ]]
	[ "${#lines[@]}" -eq 1 ]
}
