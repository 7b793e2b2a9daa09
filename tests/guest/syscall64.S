/* syscall64.S - ELF64: system calls in long mode (Intel SDM vol. 2
 * SYSCALL, SYSRET, INT n; vol. 3A 6.12, 6.14). With user64.inc's GDT, TSS
 * and user pages, checks: SYSCALL from CPL 3 (RCX, R11, IA32_FMASK, CS/SS
 * from STAR, RSP kept); SYSRETQ (RIP, RFLAGS with RF cleared, CS/SS);
 * INT 0x80 through a DPL 3 interrupt gate (RSP0 stack, frame, null SS,
 * IF cleared) and IRETQ back; INT 0x81 through a DPL 3 trap gate with IST1
 * (IF kept); INT n at CPL 0 with IST; INT3 through DPL 3 and DPL 0 gates;
 * the error codes of INT n through a DPL 0 gate and a not-present gate
 * (vector * 8 + 2); INTO is invalid in 64-bit mode. Prints "ok ..." or
 * "FAIL ..." per check.
 * KVM-PVM's instruction emulator cannot run this guest (it emulates
 * neither INT n outside real mode nor the CPL change of SYSCALL); the
 * bats test skips it there. ring64.S checks the rest with exceptions. */
	.include "serial.inc"
	.set FMASK, 0x4701		/* CF TF IF DF NT */
	.code64
	.text
	.include "serial64.inc"
	.include "check64.inc"
	.include "idt64.inc"
	.include "user64.inc"

	.globl _start
_start:
	mov $kstack_top, %rsp
	call idt_init
	call user64_init
	mov $MSR_EFER, %ecx		/* EFER.SCE */
	rdmsr
	or $1, %eax
	wrmsr
	wrmsr64 MSR_STAR, $((0x20 << 48) | (KCS << 32))
	wrmsr64 MSR_LSTAR, $syscall_entry
	wrmsr64 MSR_FMASK, $FMASK
	idt_attr 0x80, 0xee		/* DPL 3 interrupt gate */
	idt_attr 0x81, 0xef, 1		/* DPL 3 trap gate, IST1 */
	idt_attr 0x82, 0x8e, 1		/* DPL 0, IST1 */
	idt_attr 0x83, 0x6e		/* DPL 3, not present */
	idt_attr 3, 0xee		/* INT3 allowed at CPL 3 */
	movq $hook_save_ret, exc_hooks + 0x80 * 8
	movq $hook_save_ret, exc_hooks + 0x81 * 8
	movq $hook_save_ret, exc_hooks + 3 * 8
	movq $hook_back, exc_hooks + 11 * 8

	/* SYSCALL: RCX = RIP of the next instruction, R11 = RFLAGS, RFLAGS
	 * &= ~IA32_FMASK, CS = STAR[47:32], SS = STAR[47:32] + 8, RSP kept. */
	begin "SYSCALL: RCX=next RIP, R11=RFLAGS, RFLAGS masked, CS/SS from STAR"
	movl $0, exc_count
	mov $user1, %rdi
	call to_user
	expect32 exceptions, exc_count, $0
	expect rcx, sc_rcx, $user1_ret
	expect r11, sc_r11, $0x647
	expect rflags, sc_rflags, $0x46
	expect cs, sc_cs, $KCS
	expect ss, sc_ss, $KDS
	expect rsp, sc_rsp, $(ustack_top - 8)
	end_check

	/* SYSRET: RIP = RCX, RFLAGS = (R11 & 0x3c7fd7) | 2 (RF cleared),
	 * CS = STAR[63:48] + 16 | 3, SS = STAR[63:48] + 8 | 3. */
	begin "SYSRETQ: CPL 3 at RIP=RCX with RFLAGS=R11 (RF cleared), CS=0x33, SS=0x2b"
	call do_sysret
	expect rflags, u_flags, $0x2c3
	expect cs, u_cs, $UCS
	expect ss, u_ss, $UDS
	end_check

	/* 6.14.2-6.14.4: from CPL 3 the frame goes on TSS.RSP0 (aligned to
	 * 16): SS, RSP, RFLAGS, CS, RIP; SS becomes null; an interrupt gate
	 * clears IF. INT n is a trap: RIP is the next instruction. */
	begin "INT 0x80 (DPL 3 interrupt gate) at CPL 3: RSP0 stack, frame, SS null, IF=0"
	expect vector, sv_vec, $0x80
	expect frame, sv_frame, $(rsp0_top - 40)
	expect rip, sv_rip, $user2_int_ret
	expect cs, sv_cs, $UCS
	expect rflags, sv_rflags, $0x2c3
	expect rsp, sv_rsp, $ustack_top
	expect ss, sv_ss, $UDS
	expect "SS in the handler", sv_ss_now, $0
	mov sv_hflags, %rbx
	and $0x200, %ebx
	expect "IF in the handler", %rbx, $0
	end_check

	begin "IRETQ from the INT 0x80 handler back to CPL 3 restores SS:RSP, RFLAGS"
	expect vector, exc_vec, $6
	expect rip, exc_rip, $user2_ud
	expect rsp, u_rsp_after, $ustack_top
	expect ss, u_ss2, $UDS
	expect rflags, u_flags2, $0x2c3
	end_check

	/* 6.14.5 IST; 6.12.1.2: a trap gate leaves IF alone. */
	begin "INT 0x81 (DPL 3 trap gate, IST1) at CPL 3: IST1 stack, IF kept"
	mov $user_int81, %rdi
	call to_user
	expect vector, sv_vec, $0x81
	expect frame, sv_frame, $(ist1_top - 40)
	expect rip, sv_rip, $user_int81_ret
	expect ss, sv_ss, $UDS
	mov sv_hflags, %rbx
	and $0x200, %ebx
	expect "IF in the handler", %rbx, $0x200
	end_check

	begin "INT 0x82 (IST1) at CPL 0: IST1 stack without a CPL change"
	arm 1f
	mov %rsp, %rbx
	int $0x82
1:	expect vector, exc_vec, $0x82
	expect frame, exc_frame, $(ist1_top - 40)
	expect rip, exc_rip, $1b
	expect rsp, exc_rsp, %rbx
	expect ss, exc_ss, $KDS
	end_check

	/* INT3 is a trap (saved RIP after it) and checks the gate's DPL. */
	begin "INT3 at CPL 3 through a DPL 3 gate: #BP, RIP after INT3"
	mov $user_int3, %rdi
	call to_user
	expect vector, sv_vec, $3
	expect rip, sv_rip, $user_int3_ret
	expect cs, sv_cs, $UCS
	end_check

	/* INT n pseudocode: gate DPL < CPL gives #GP(vector * 8 + 2), a
	 * not-present gate #NP(vector * 8 + 2): the error code's index field
	 * holds the vector even though 64-bit gates are 16 bytes (6.13). */
	begin "INT3 at CPL 3 through a DPL 0 gate: #GP(3 * 8 + 2)"
	idt_attr 3, 0x8e
	user_fault user_int3, 13, 0x1a
	end_check

	begin "INT 0x82 (DPL 0 gate) at CPL 3: #GP(0x82 * 8 + 2)"
	user_fault user_int82, 13, 0x412
	end_check

	begin "INT 0x83 (not-present DPL 3 gate) at CPL 3: #NP(0x83 * 8 + 2)"
	user_fault user_int83, 11, 0x41a
	end_check

	begin "INTO in 64-bit mode: #UD"
	user_fault user_into, 6, 0
	end_check

	finish

do_sysret:
	mov %rsp, kern_rsp
	mov $user2, %rcx
	mov $0x102c3, %r11		/* RF | IF | SF | ZF | CF */
	mov $ustack_top, %rsp
	sysretq

syscall_entry:
	mov %rcx, sc_rcx
	mov %r11, sc_r11
	mov %rsp, sc_rsp
	mov kern_rsp, %rsp
	pushfq
	popq sc_rflags
	mov %cs, sc_cs
	mov %ss, sc_ss
	jmp back_to_kernel

	/* Keep the event in sv_* with the handler's RFLAGS, IRETQ back. */
hook_save_ret:
	.irp f, vec, err, rip, cs, rflags, rsp, ss, frame, ss_now
	mov exc_\f, %rax
	mov %rax, sv_\f
	.endr
	pushfq
	popq sv_hflags
	ret

	.section .text.user
user1:
	xor %eax, %eax
	stc
	std
	push %rax
	syscall
user1_ret:
	ud2
user2:				/* after SYSRETQ */
	pushfq
	popq u_flags
	mov %cs, u_cs
	mov %ss, u_ss
	int $0x80
user2_int_ret:
	mov %rsp, u_rsp_after
	mov %ss, u_ss2
	pushfq
	popq u_flags2
user2_ud:
	ud2
user_int81:
	int $0x81
user_int81_ret:
	ud2
user_int3:
	int3
user_int3_ret:
	ud2
user_int82:
	int $0x82
user_int83:
	int $0x83
user_into:
	.byte 0xce		/* INTO */
	.balign 8
u_cs:        .quad 0
u_ss:        .quad 0
u_ss2:       .quad 0
u_flags:     .quad 0
u_flags2:    .quad 0
u_rsp_after: .quad 0
	user_pages_end

	.section .data
	.balign 8
sc_rcx:    .quad 0
sc_r11:    .quad 0
sc_rsp:    .quad 0
sc_rflags: .quad 0
sc_cs:     .quad 0
sc_ss:     .quad 0
sv_hflags: .quad 0
	.irp f, vec, err, rip, cs, rflags, rsp, ss, frame, ss_now
sv_\f:	.quad 0
	.endr
	.section .bss
	.balign 16
	.space 4096
kstack_top:
