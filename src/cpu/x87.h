/* x87.h - what the rest of the CPU needs from the x87 emulation in x87.c. */
#ifndef VMKIT_CPU_X87_H
#define VMKIT_CPU_X87_H

#include "cpu/internal.h"

/* The check a waiting x87 instruction makes first (FWAIT, and every x87
 * instruction but the FN* control ones): #MF if an unmasked x87 exception
 * is pending (FSW.ES) and CR0.NE selects native error reporting. With
 * CR0.NE clear the error would go out through FERR# and IRQ 13, which the
 * machine does not wire, so the instruction just runs (SDM vol. 1, 8.7).
 * The caller has already done its #NM check. */
void fpu_wait(struct cpu *cpu);

/* State invariants other files rely on (fxsave/fxrstor, MMX in sse.c):
 * fpu.top always equals FSW bits 11-13; fpu.ftw holds two bits per
 * physical register where only "11 = empty" is authoritative (the other
 * classes are recomputed from the register contents whenever they are
 * stored, so MMX code may simply write 0 = all valid); fpu.st[i] holds the
 * 80-bit value in its first 10 bytes, the rest zero. */

#endif
