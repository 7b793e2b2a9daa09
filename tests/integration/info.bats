#!/usr/bin/env bats
# info.bats - `vmkit info` reports this host as its kernel and CPU describe it.
load helpers

@test "info: every line is PASS, WARN or FAIL with an id and a reason" {
	run "$VMKIT" info
	[ "${#lines[@]}" -ge 10 ]
	for l in "${lines[@]}"; do
		[[ "$l" =~ ^(PASS|WARN|FAIL)\ \ [a-z0-9.]+\ +[^\ ] ]]
	done
}

@test "info: CPU vendor matches /proc/cpuinfo" {
	vendor=$(awk -F': ' '/^vendor_id/ {print $2; exit}' /proc/cpuinfo)
	run "$VMKIT" info
	[[ "$output" == *"($vendor)"* ]]
}

@test "info: vmx/svm reported as /proc/cpuinfo has them" {
	run "$VMKIT" info
	if grep -qwE 'vmx|svm' /proc/cpuinfo; then
		[[ "$output" =~ PASS\ \ cpu.virt ]]
	else
		[[ "$output" =~ WARN\ \ cpu.virt\ +no\ vmx/svm ]]
	fi
}

@test "info: KVM flavour matches the loaded module" {
	run "$VMKIT" info --json
	flavour=$(echo "$output" | jq -r .kvm.flavour)
	if [ -d /sys/module/kvm_pvm ]; then
		[ "$flavour" = pvm ]
		run "$VMKIT" info
		[[ "$output" == *"KVM-PVM (kvm_pvm)"* ]]
		[[ "$output" == *"instruction emulator"* ]]
	elif [ -d /sys/module/kvm_intel ]; then
		[ "$flavour" = vmx ]
	elif [ -d /sys/module/kvm_amd ]; then
		[ "$flavour" = svm ]
	else
		[ "$flavour" = none ] || [ "$flavour" = unknown ]
	fi
}

@test "info: cgroup mode matches the mounts" {
	run "$VMKIT" info --json
	mode=$(echo "$output" | jq -r .containers.cgroup_mode)
	fstype=$(stat -f -c %T /sys/fs/cgroup)
	if [ "$fstype" = cgroup2fs ]; then
		[ "$mode" = v2 ]
	elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		[ "$mode" = hybrid ]
	else
		[ "$mode" = v1 ]
	fi
}

@test "info: --json is valid JSON with the same checks as the text" {
	run "$VMKIT" info --json
	n_json=$(echo "$output" | jq '.checks | length')
	n_text=$("$VMKIT" info | wc -l)
	[ "$n_json" -eq "$n_text" ]
}

@test "info: exit status is 1 exactly when a check FAILs" {
	run "$VMKIT" info
	if [[ "$output" == *"FAIL  "* ]]; then [ "$status" -eq 1 ]; else [ "$status" -eq 0 ]; fi
}

@test "info: rejects stray arguments" {
	run "$VMKIT" info extra
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "vmkit: unexpected argument 'extra'" ]]
}
