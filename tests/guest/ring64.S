/* ring64.S - ELF64: privilege levels in long mode (Intel SDM vol. 3A, 5.5,
 * 6.14; vol. 2 IRET, SWAPGS). With user64.inc's GDT, TSS and user pages,
 * checks: IRETQ to CPL 3; an exception at CPL 3 through an IST1 gate and
 * through a gate without IST (TSS.RSP0 stack, 16-byte aligned frame with
 * SS:RSP, null SS in the handler) and IRETQ back to CPL 3; IST1 at CPL 0;
 * #PF with U=1 for user accesses to supervisor pages; #GP(0) for HLT, CLI,
 * IN, SWAPGS at CPL 3; #GP(selector) for a DPL 0 data segment; SWAPGS at
 * CPL 0; SYSCALL with EFER.SCE=0. Only exceptions carry the transitions,
 * so KVM's instruction emulator can run it too; syscall64.S checks SYSCALL
 * and INT n. Prints "ok ..." or "FAIL ..." per check. */
	.include "serial.inc"
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

	/* IRET: IRETQ to an outer level pops SS:RSP and loads CPL 3. */
	begin "IRETQ to CPL 3: user code runs with CS=0x33, SS=0x2b"
	movl $0, exc_count
	mov $user1, %rdi
	call to_user
	expect cs, u_cs, $UCS
	expect ss, u_ss, $UDS
	expect32 "events before UD2", exc_count, $1
	end_check

	/* 6.14.2-6.14.5: the frame is pushed on the IST1 stack (aligned to 16):
	 * SS, RSP, RFLAGS, CS, RIP; the new SS is null (RPL = new CPL). */
	begin "#UD at CPL 3 through an IST1 gate: frame on the IST1 stack, SS null"
	expect vector, exc_vec, $6
	expect frame, exc_frame, $(ist1_top - 40)
	expect rip, exc_rip, $user1_ud
	expect cs, exc_cs, $UCS
	mov exc_rflags, %rbx
	btr $16, %rbx			/* RF: checked below */
	expect rflags, %rbx, $0x202
	expect rsp, exc_rsp, $(ustack_top - 8)
	expect ss, exc_ss, $UDS
	expect "SS in the handler", exc_ss_now, $0
	end_check

	/* 6.14.3, 6.12.1: without IST, a CPL change takes RSP0 from the TSS. */
	begin "#GP at CPL 3 (HLT): frame and error code on the TSS.RSP0 stack"
	movq $hook_skip, exc_hooks + 13 * 8
	mov $user_frame, %rdi
	call to_user
	movq $hook_back, exc_hooks + 13 * 8
	expect vector, sv_vec, $13
	expect error, sv_err, $0
	expect frame, sv_frame, $(rsp0_top - 40)
	expect rip, sv_rip, $user_frame_hlt
	expect cs, sv_cs, $UCS
	mov sv_rflags, %rbx
	btr $16, %rbx
	expect rflags, %rbx, $0x283
	expect rsp, sv_rsp, $ustack_top
	expect ss, sv_ss, $UDS
	expect "SS in the handler", sv_ss_now, $0
	end_check

	/* Vol. 3B 17.3.1.1: for any fault-class exception other than an
	 * instruction-breakpoint #DB, the RFLAGS image pushed has RF=1. */
	begin "faults (#UD, #GP) push RFLAGS with RF=1"
	mov sv_rflags, %rbx
	and $0x10000, %ebx
	expect "#GP RF", %rbx, $0x10000
	mov exc_rflags, %rbx
	and $0x10000, %ebx
	expect "#UD RF", %rbx, $0x10000
	end_check

	begin "IRETQ from the handler back to CPL 3 restores SS:RSP and RFLAGS"
	expect vector, exc_vec, $6
	expect rip, exc_rip, $user_frame_ud
	expect rsp, u_rsp_after, $ustack_top
	expect ss, u_ss2, $UDS
	expect rflags, u_flags2, $0x283
	end_check

	/* 6.14.5: a gate with an IST index switches stacks at any CPL. */
	begin "#UD at CPL 0 through an IST1 gate: IST1 stack without a CPL change"
	arm 1f
	mov %rsp, %rbx
2:	ud2
1:	expect frame, exc_frame, $(ist1_top - 40)
	expect rip, exc_rip, $2b
	expect rsp, exc_rsp, %rbx
	expect ss, exc_ss, $KDS
	expect cs, exc_cs, $KCS
	end_check

	/* 4.6, 4.7: user accesses need U/S=1; the error code has U (bit 2). */
	begin "CPL 3 read of a supervisor page: #PF error 5 (P, U), CR2"
	user_fault user_rd_kern, 14, 5
	expect cr2, exc_cr2, $kernel_var
	end_check

	begin "CPL 3 write of a supervisor page: #PF error 7 (P, W, U), CR2"
	user_fault user_wr_kern, 14, 7
	expect cr2, exc_cr2, $kernel_var
	end_check

	/* Vol. 2: HLT, SWAPGS need CPL 0; CLI and IN need CPL <= IOPL (IN:
	 * or the I/O bitmap, vol. 1 19.5.2; ours lies beyond the TSS limit). */
	begin "HLT at CPL 3: #GP(0)"
	user_fault user_hlt, 13, 0
	end_check

	begin "CLI at CPL 3 with IOPL 0: #GP(0)"
	user_fault user_cli, 13, 0
	end_check

	begin "IN at CPL 3, IOPL 0, no I/O bitmap: #GP(0)"
	user_fault user_in, 13, 0
	end_check

	begin "SWAPGS at CPL 3: #GP(0)"
	user_fault user_swapgs, 13, 0
	end_check

	/* 5.7: loading DS needs DPL >= max(CPL, RPL), else #GP(selector). */
	begin "MOV DS with the DPL 0 data selector at CPL 3: #GP(0x18)"
	user_fault user_mov_ds, 13, 0x18
	end_check

	begin "SWAPGS at CPL 0 exchanges GS.base and IA32_KERNEL_GS_BASE"
	wrmsr64 MSR_GS_BASE, $gs_a
	wrmsr64 MSR_KGS_BASE, $gs_b
	swapgs
	rdmsr64 MSR_GS_BASE
	expect "GS.base", %rbx, $gs_b
	rdmsr64 MSR_KGS_BASE
	expect "KERNEL_GS_BASE", %rbx, $gs_a
	expect "GS:0", %gs:0, $0xbbbb
	swapgs
	expect "GS:0 swapped back", %gs:0, $0xaaaa
	end_check

	/* SYSCALL: #UD if IA32_EFER.SCE = 0. */
	begin "SYSCALL with EFER.SCE=0: #UD"
	arm 1f
2:	syscall
1:	expect vector, exc_vec, $6
	expect rip, exc_rip, $2b
	end_check

	finish

	/* #GP hook: keep the event in sv_*, step over the 1-byte HLT and
	 * IRETQ back to CPL 3. */
hook_skip:
	.irp f, vec, err, rip, cs, rflags, rsp, ss, frame, ss_now
	mov exc_\f, %rax
	mov %rax, sv_\f
	.endr
	incq 16(%rdi)
	ret

	.section .text.user
user1:
	mov %cs, u_cs
	mov %ss, u_ss
	push %rax
user1_ud:
	ud2
user_frame:
	stc
	mov $0x80, %al		/* SF=1 */
	test %al, %al
	stc
user_frame_hlt:
	hlt
	mov %rsp, u_rsp_after
	mov %ss, u_ss2
	pushfq
	popq u_flags2
user_frame_ud:
	ud2
user_rd_kern:
	mov kernel_var, %rax
user_wr_kern:
	movq $1, kernel_var
user_hlt:
	hlt
user_cli:
	cli
user_in:
	in $0x80, %al
user_swapgs:
	swapgs
user_mov_ds:
	mov u_ds_sel, %ds
	ud2
	.balign 8
u_ds_sel:    .quad KDS | 3
u_cs:        .quad 0
u_ss:        .quad 0
u_ss2:       .quad 0
u_flags2:    .quad 0
u_rsp_after: .quad 0
	user_pages_end

	.section .data
	.balign 8
gs_a:	.quad 0xaaaa
gs_b:	.quad 0xbbbb
	.irp f, vec, err, rip, cs, rflags, rsp, ss, frame, ss_now
sv_\f:	.quad 0
	.endr
	.section .bss
	.balign 16
	.space 4096
kstack_top:
