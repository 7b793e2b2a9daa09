/* ops.h - instruction handlers, one signature for all: void op(struct cpu *,
 * const struct insn *). optable.c maps opcodes to them. Grouped by file. */
#ifndef VMKIT_CPU_OPS_H
#define VMKIT_CPU_OPS_H

#include "cpu/internal.h"

#define OP(name) void name(struct cpu *cpu, const struct insn *in)

/* ops_alu.c: arithmetic, logic, shifts, bits, flags */
OP(op_alu_rm_r);
OP(op_alu_r_rm);
OP(op_alu_a_imm);
OP(op_alu_rm_imm);
OP(op_test_rm_r);
OP(op_test_a_imm);
OP(op_test_rm_imm);
OP(op_inc_r);
OP(op_dec_r);
OP(op_inc_rm);
OP(op_dec_rm);
OP(op_not);
OP(op_neg);
OP(op_mul);
OP(op_imul1);
OP(op_div);
OP(op_idiv);
OP(op_imul_r_rm);
OP(op_imul_r_rm_imm);
OP(op_shift);
OP(op_shift_ri8);
OP(op_shift_ri4);
OP(op_shift_rcl8);
OP(op_shift_rcl4);
OP(op_shld);
OP(op_shrd);
OP(op_bt_rm_r);
OP(op_bt_rm_imm);
OP(op_bsf);
OP(op_bsr);
OP(op_daa);
OP(op_das);
OP(op_aaa);
OP(op_aas);
OP(op_aam);
OP(op_aad);
OP(op_salc);
OP(op_cbw);
OP(op_cwd);
OP(op_setcc);
OP(op_cmov);
OP(op_cmc);
OP(op_clc);
OP(op_stc);
OP(op_cld);
OP(op_std);
OP(op_lahf);
OP(op_sahf);

/* ops_data.c: moves, exchanges, stack */
OP(op_mov_rm_r);
OP(op_mov_r_rm);
OP(op_mov_r_imm);
OP(op_mov_rm_imm);
OP(op_mov_a_moffs);
OP(op_mov_moffs_a);
OP(op_movzx);
OP(op_movsx);
OP(op_movsxd);
OP(op_lea);
OP(op_xchg_rm_r);
OP(op_xchg_r_a);
OP(op_cmpxchg);
OP(op_cmpxchg8b);
OP(op_xadd);
OP(op_bswap);
OP(op_xlat);
OP(op_nop);
OP(op_movnti);
OP(op_push_r);
OP(op_pop_r);
OP(op_push_imm);
OP(op_push_rm);
OP(op_pop_rm);
OP(op_pusha);
OP(op_popa);
OP(op_pushf);
OP(op_popf);
OP(op_enter);
OP(op_leave);

/* ops_flow.c: control transfers */
OP(op_jcc);
OP(op_jmp_rel);
OP(op_jmp_rm);
OP(op_call_rel);
OP(op_call_rm);
OP(op_ret);
OP(op_loop);
OP(op_jcxz);
OP(op_jmp_far);
OP(op_jmp_far_rm);
OP(op_call_far);
OP(op_call_far_rm);
OP(op_retf);
OP(op_int);
OP(op_int3);
OP(op_into);
OP(op_int1);
OP(op_iret);

/* ops_string.c: string instructions with REP */
OP(op_movs);
OP(op_cmps);
OP(op_stos);
OP(op_lods);
OP(op_scas);
OP(op_ins);
OP(op_outs);

/* ops_sys.c: system, segments, I/O */
OP(op_in_imm);
OP(op_in_dx);
OP(op_out_imm);
OP(op_out_dx);
OP(op_hlt);
OP(op_cli);
OP(op_sti);
OP(op_cpuid);
OP(op_rdtsc);
OP(op_rdmsr);
OP(op_wrmsr);
OP(op_rdpmc);
OP(op_mov_r_cr);
OP(op_mov_cr_r);
OP(op_mov_r_dr);
OP(op_mov_dr_r);
OP(op_grp6);
OP(op_grp7);
OP(op_grp9);
OP(op_grp15);
OP(op_lar);
OP(op_lsl);
OP(op_clts);
OP(op_invd);
OP(op_syscall);
OP(op_sysret);
OP(op_sysenter);
OP(op_sysexit);
OP(op_mov_rm_seg);
OP(op_mov_seg_rm);
OP(op_push_seg);
OP(op_pop_seg);
OP(op_lseg);
OP(op_bound);
OP(op_arpl);
OP(op_ud);
OP(op_unimpl);
OP(op_gp0);
OP(op_fwait);

/* x87.c: D8-DF escape opcodes */
OP(op_x87);

#undef OP

#endif
