#!/usr/bin/env bats
# vm_errors.bats - bad input to `vmkit vm run`: one clear line on stderr, a
# non-zero status, no crash. Checks that need no VM run on any host.
load helpers

vmrun() {
	run timeout 30 "$VMKIT" vm run "$@"
}

@test "vm run: --kernel is required" {
	vmrun
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "vmkit: --kernel FILE is required" ]
	[[ "${lines[1]}" == "usage: vmkit vm run "* ]]
}

@test "vm run: a missing kernel file" {
	vmrun --accel kvm --kernel /nonexistent/kernel.bin
	[ "$status" -eq 1 ]
	[ "$output" = "vmkit: /nonexistent/kernel.bin: No such file or directory" ]
}

@test "vm run: a directory as kernel" {
	skip_unless_kvm
	vmrun --accel kvm --kernel /
	[ "$status" -eq 1 ]
	[ "$output" = "vmkit: /: Is a directory" ]
}

@test "vm run: a file of unknown format" {
	skip_unless_kvm
	head -c 1000 /dev/urandom | tr '\177' 'x' >"$BATS_TEST_TMPDIR/junk"
	vmrun --accel kvm --kernel "$BATS_TEST_TMPDIR/junk"
	[ "$status" -eq 1 ]
	[[ "$output" == "vmkit: $BATS_TEST_TMPDIR/junk: unknown format"* ]]
	[ "${#lines[@]}" -eq 1 ]
}

@test "vm run: an ELF for another machine" {
	skip_unless_kvm
	cp "$GUEST_DIR/hello64.elf" "$BATS_TEST_TMPDIR/arm.elf"
	# e_machine (offset 18) = 183, EM_AARCH64
	printf '\267\000' | dd of="$BATS_TEST_TMPDIR/arm.elf" bs=1 seek=18 conv=notrunc status=none
	vmrun --accel kvm --kernel "$BATS_TEST_TMPDIR/arm.elf"
	[ "$status" -eq 1 ]
	[[ "$output" == *"ELF64 for aarch64 (machine 183), need x86-64" ]]
}

@test "vm run: a segment outside guest RAM" {
	skip_unless_kvm
	cp "$GUEST_DIR/hello32.elf" "$BATS_TEST_TMPDIR/high.elf"
	# p_paddr of the first program header (e_phoff 52, + 12) = 0x10000000
	printf '\000\000\000\020' | dd of="$BATS_TEST_TMPDIR/high.elf" bs=1 seek=64 conv=notrunc status=none
	vmrun --accel kvm --memory 128M --kernel "$BATS_TEST_TMPDIR/high.elf"
	[ "$status" -eq 1 ]
	[[ "$output" == *"segment 0x10000000-0x"*" lies outside guest RAM (128 MiB)" ]]
}

@test "vm run: --memory too small, malformed, or beyond the host" {
	vmrun --memory 1M --kernel "$GUEST_DIR/hello16.bin"
	[ "$status" -eq 1 ]
	[[ "$output" == "vmkit: --memory 1024K: too small"* ]]
	vmrun --memory 12Q --kernel "$GUEST_DIR/hello16.bin"
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: --memory '12Q': expected a size"* ]]
	vmrun --memory 1000T --kernel "$GUEST_DIR/hello16.bin"
	[ "$status" -eq 1 ]
	[[ "$output" == *"more than the host's"* ]]
}

@test "vm run: --cpus 0 and out-of-range counts" {
	vmrun --cpus 0 --kernel "$GUEST_DIR/hello16.bin"
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: --cpus '0': expected a number from 1 to 4096" ]]
	vmrun --cpus x --kernel "$GUEST_DIR/hello16.bin"
	[ "$status" -eq 2 ]
}

@test "vm run: --cpus above KVM's maximum" {
	skip_unless_kvm
	max=$("$VMKIT" info --json | jq .kvm.max_vcpus)
	vmrun --accel kvm --cpus $((max + 1)) --kernel "$GUEST_DIR/hello16.bin"
	[ "$status" -eq 1 ]
	[[ "$output" == *"KVM allows at most $max" ]]
}

@test "vm run: unknown --accel and stray arguments are usage errors" {
	vmrun --accel xen --kernel "$GUEST_DIR/hello16.bin"
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: --accel 'xen': expected kvm, emu or auto" ]]
	vmrun --kernel "$GUEST_DIR/hello16.bin" extra
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: unexpected argument 'extra'" ]]
}

@test "vm run: an unknown vm subcommand" {
	run "$VMKIT" vm frob
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: vm: unknown command 'frob'" ]]
}

@test "vm run: --help documents the options and exit status" {
	run "$VMKIT" vm run --help
	[ "$status" -eq 0 ]
	for opt in --kernel --accel --cpus --memory --append --initrd --stats --no-reboot; do
		[[ "$output" == *"$opt"* ]]
	done
	[[ "$output" == *"(V << 1) | 1"* ]]
}
