#!/usr/bin/env bats
# sysguests.bats - the system-level guest programs of tests/guest (paging,
# privilege levels, system calls, exceptions, mode switches, APIC timers,
# self-modifying code, string instructions) under the accelerator
# VMKIT_ACCEL names (default kvm; run it again with VMKIT_ACCEL=emu for the
# software CPU: both must give the same output). Each guest prints "ok WHAT"
# or "FAIL WHAT: details" per check and exits PASS (status 33) only if all
# passed; a test asserts that status, no FAIL line, and each "ok" line.
# KVM tests are skipped, visibly, without /dev/kvm, and where KVM-PVM's
# instruction emulator cannot run a guest.
load helpers

setup() {
	ACCEL=${VMKIT_ACCEL:-kvm}
	[ "$ACCEL" = kvm ] && skip_unless_kvm
	true
}

# guest FILE [ARGS...] -- OK_LINE...: run the guest, then check status 33,
# no FAIL, and "ok OK_LINE" for each line (whole lines). The output is
# printed, so a failing test shows what the guest said.
guest() {
	local args=() line
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	run timeout 60 "$VMKIT" vm run --accel "$ACCEL" --kernel "$GUEST_DIR/${args[0]}" "${args[@]:1}"
	echo "$output"
	[ "$status" -eq 33 ]
	[[ "$output" != *FAIL* ]]
	for line; do
		grep -qxF "ok $line" <<<"$output" || {
			echo "missing: ok $line"
			return 1
		}
	done
}

# skip_on_kvm_pvm WHY: under --accel kvm on KVM-PVM (vmkit info says which
# KVM this is), guests that are not PVM-aware run in KVM's instruction
# emulator, which lacks some of what a guest checks.
skip_on_kvm_pvm() {
	if [ "$ACCEL" = kvm ] && "$VMKIT" info 2>/dev/null | grep -q 'KVM-PVM'; then
		skip "KVM-PVM: $1"
	fi
}

@test "sysguest: 4-level paging, #PF error codes, A/D bits, NX, WP, TLB flushes" {
	guest paging64.elf -- \
		"4 KiB page: linear 0x401000 maps frame 0x405000" \
		"2 MiB page: linear 0x600000 maps frame 0x800000" \
		"1 GiB page: linear 0x40000000 maps frame 0 (#PF RSVD without CPUID Page1GB)" \
		"not-present page, read: #PF error 0, CR2" \
		"not-present page, write: #PF error 2 (W)" \
		"not-present page, fetch with EFER.NXE=0: #PF error 0 (no I)" \
		"not-present page, fetch with EFER.NXE=1: #PF error 0x10 (I)" \
		"#PF handler maps the page, IRETQ retries the read" \
		"read-only page, CR0.WP=1: write gives #PF error 3, no store, D stays 0" \
		"read-only page, CR0.WP=0: a CPL 0 write succeeds" \
		"NX page: fetch gives #PF error 0x11 (P, I), a read does not fault" \
		"NX cleared in the PTE, INVLPG: the page runs" \
		"bit 63 with EFER.NXE=0 is reserved: #PF error 9 (P, RSVD)" \
		"reserved bit 13 in a 2 MiB PDE: #PF error 9 (P, RSVD)" \
		"4 KiB page: a read sets A (not D), a write sets D" \
		"2 MiB page: a read sets A (not D), a write sets D" \
		"INVLPG: a changed PTE takes effect" \
		"INVLPG of one address in a 2 MiB page flushes the whole page" \
		"MOV to CR3 flushes the TLB" \
		"switching CR3 to a second PML4 and back" \
		"non-canonical data address: #GP(0)" \
		"non-canonical stack address (RBP base): #SS(0)" \
		"#PF through a not-present IDT gate: #DF, error code 0" \
		"JMP r/m64 to code at 512 GiB (second PML4) and back"
}

@test "sysguest: CPL 3 in long mode: IRETQ, RSP0 and IST stacks, U/S, #GP, SWAPGS" {
	guest ring64.elf -- \
		"IRETQ to CPL 3: user code runs with CS=0x33, SS=0x2b" \
		"#UD at CPL 3 through an IST1 gate: frame on the IST1 stack, SS null" \
		"#GP at CPL 3 (HLT): frame and error code on the TSS.RSP0 stack" \
		"faults (#UD, #GP) push RFLAGS with RF=1" \
		"IRETQ from the handler back to CPL 3 restores SS:RSP and RFLAGS" \
		"#UD at CPL 0 through an IST1 gate: IST1 stack without a CPL change" \
		"CPL 3 read of a supervisor page: #PF error 5 (P, U), CR2" \
		"CPL 3 write of a supervisor page: #PF error 7 (P, W, U), CR2" \
		"HLT at CPL 3: #GP(0)" \
		"CLI at CPL 3 with IOPL 0: #GP(0)" \
		"IN at CPL 3, IOPL 0, no I/O bitmap: #GP(0)" \
		"SWAPGS at CPL 3: #GP(0)" \
		"MOV DS with the DPL 0 data selector at CPL 3: #GP(0x18)" \
		"SWAPGS at CPL 0 exchanges GS.base and IA32_KERNEL_GS_BASE" \
		"SYSCALL with EFER.SCE=0: #UD"
}

@test "sysguest: SYSCALL/SYSRETQ and INT n gates from CPL 3 in long mode" {
	skip_on_kvm_pvm "its instruction emulator runs neither INT n outside real mode nor SYSCALL's switch to CPL 0"
	guest syscall64.elf -- \
		"SYSCALL: RCX=next RIP, R11=RFLAGS, RFLAGS masked, CS/SS from STAR" \
		"SYSRETQ: CPL 3 at RIP=RCX with RFLAGS=R11 (RF cleared), CS=0x33, SS=0x2b" \
		"INT 0x80 (DPL 3 interrupt gate) at CPL 3: RSP0 stack, frame, SS null, IF=0" \
		"IRETQ from the INT 0x80 handler back to CPL 3 restores SS:RSP, RFLAGS" \
		"INT 0x81 (DPL 3 trap gate, IST1) at CPL 3: IST1 stack, IF kept" \
		"INT 0x82 (IST1) at CPL 0: IST1 stack without a CPL change" \
		"INT3 at CPL 3 through a DPL 3 gate: #BP, RIP after INT3" \
		"INT3 at CPL 3 through a DPL 0 gate: #GP(3 * 8 + 2)" \
		"INT 0x82 (DPL 0 gate) at CPL 3: #GP(0x82 * 8 + 2)" \
		"INT 0x83 (not-present DPL 3 gate) at CPL 3: #NP(0x83 * 8 + 2)" \
		"INTO in 64-bit mode: #UD"
}

@test "sysguest: protected-mode exceptions, error codes, double fault" {
	guest except32.elf -- \
		"DIV by 0: #DE, no error code, EIP = the DIV" \
		"IDIV 0x80000000 / -1 (quotient too large): #DE" \
		"UD2: #UD, EIP = the UD2" \
		"a fault (#UD) pushes EFLAGS with RF=1" \
		"LOCK ADD with a register destination: #UD" \
		"MOV DS, 0x33 (beyond the GDT limit): #GP(0x30), DS unchanged" \
		"MOV DS, 0x0c (TI=1, no LDT loaded): #GP(0x0c)" \
		"MOV SS with a read-only data segment: #GP(0x28)" \
		"far JMP to a data segment: #GP(0x18)" \
		"write through a read-only data segment: #GP(0)" \
		"DS access beyond the segment limit: #GP(0)" \
		"SS access (EBP base) beyond the stack segment limit: #SS(0)" \
		"MOV DS with a not-present segment: #NP(0x20)" \
		"MOV SS with a not-present segment: #SS(0x20)" \
		"#DE through a not-present gate: #DF, error code 0"
}

@test "sysguest: protected-mode INT3, INTO, BOUND, INT1, INT n, IRET" {
	skip_on_kvm_pvm "its instruction emulator runs neither INT3, INT n, INTO, BOUND nor IRET in protected mode"
	guest traps32.elf -- \
		"INT3: #BP, no error code, EIP after the INT3" \
		"INT 3 (CD 03): #BP, EIP after it" \
		"INTO with OF=0: no exception" \
		"INTO with OF=1: #OF, EIP after the INTO" \
		"BOUND with the index in range (both ends): no exception" \
		"BOUND below the lower bound: #BR, EIP = the BOUND" \
		"BOUND above the upper bound: #BR" \
		"INT1 (F1): #DB, EIP after it" \
		"INT 0x40 through a trap gate: IF kept in the handler, IRET back" \
		"INT 0x41 through an interrupt gate: IF cleared in the handler" \
		"INT 0x42 through a not-present gate: #NP(0x42 * 8 + IDT)" \
		"#UD through a not-present gate: #NP(6 * 8 + IDT + EXT)" \
		"INT 0x90 beyond the IDT limit: #GP(0x90 * 8 + IDT)"
}

@test "sysguest: protected -> real -> protected -> IA-32e -> compatibility -> 64-bit mode" {
	guest modes32.elf -- \
		"protected mode: CR0.PE=1, 32-bit operands by default" \
		"real mode: CR0.PE=0" \
		"real mode: linear = segment * 16 + offset" \
		"real mode: INT 0x30 through the IVT, IRET back" \
		"protected mode again: CR0.PE=1, 32-bit operands" \
		"CPUID reports long mode (80000001H:EDX.LM)" \
		"IA-32e mode on, compatibility mode: EFER.LMA=1, CS.L=0 (0x48 is DEC)" \
		"64-bit mode: CS.L=1, 64-bit registers, 0x48 is REX.W" \
		"64-bit mode: CALL and PUSH through r/m push 8 bytes" \
		"far return to an L=0 segment: compatibility mode (EFER.LMA=1, 0x48 is DEC)" \
		"back from compatibility mode to 64-bit mode" \
		"left IA-32e mode: paging off, EFER.LMA=0, protected mode"
}

@test "sysguest: a boot sector from real mode to long mode and compatibility mode" {
	guest modes16.bin -- \
		"real mode" \
		"protected mode" \
		"64-bit mode" \
		"compatibility mode" \
		"64-bit mode again"
}

@test "sysguest: local APIC timer (periodic, one-shot), ISR/PPR/EOI, TPR, CR8" {
	skip_on_kvm_pvm "its local APIC shows no in-service vector in ISR or PPR while the handler runs"
	guest apic64.elf -- \
		"IA32_APIC_BASE: 0xfee00000, enabled, BSP" \
		"LAPIC timer, periodic, divide by 16: 20 interrupts, EOI each" \
		"in the handler: ISR bit set, PPR 0x40; after EOI: ISR clear" \
		"LAPIC timer: current count counts down; initial count 0 stops it" \
		"LAPIC timer, one-shot: 1 interrupt, then current count 0" \
		"TPR 0x50 holds vector 0x40 pending in IRR; TPR 0 delivers it" \
		"MOV to CR8 sets TPR[7:4]; MOV from CR8 reads it"
}

@test "sysguest: PIT interrupts through I/O APIC pin 2 with the 8259 masked" {
	run timeout 60 "$VMKIT" vm run --accel "$ACCEL" --kernel "$GUEST_DIR/ioapic64.elf"
	if [ "$ACCEL" = kvm ] && [[ "$output" == *"at pin 2=0 "* ]]; then
		skip "vmkit's KVM backend sets no GSI routing, so KVM sends ISA IRQ 0 to I/O APIC pin 0, not pin 2"
	fi
	guest ioapic64.elf -- \
		"I/O APIC version register: 24 redirection entries" \
		"I/O APIC redirection entries read back" \
		"PIT at 1 kHz through I/O APIC pin 2, 8259 masked: 20 interrupts" \
		"a masked redirection entry delivers nothing"
}

@test "sysguest: self-modifying code, also through another mapping and across pages" {
	guest smc64.elf -- \
		"an immediate rewritten in code that already ran" \
		"a store into the next instruction of the same block" \
		"a loop that rewrites its own body each iteration" \
		"code patched through a second linear mapping, run at the first" \
		"code run at the second mapping, patched through the first" \
		"an instruction spanning two pages, patched in the second page" \
		"REP MOVSB copies new code over code that ran" \
		"a linear address remapped to other code (INVLPG) runs the new code"
}

@test "sysguest: REP string instructions across pages, overlapping, DF=1, faulting" {
	guest string64.elf -- \
		"REP MOVSB across a page boundary into non-adjacent frames" \
		"REP STOSQ across a page boundary" \
		"overlapping REP MOVSB (destination = source + 1) replicates the first byte" \
		"REP with RCX=0: nothing moves, registers and flags unchanged" \
		"DF=1: REP MOVSB copies backwards, also over itself (dst = src + 1)" \
		"REP MOVSB into a not-present page: #PF mid-copy, the handler maps it, the copy completes" \
		"REPE CMPSB stops after the first difference" \
		"REPNE SCASB stops after the byte found"
}
