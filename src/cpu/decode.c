/* decode.c - x86 instruction decoding into struct insn (SDM vol. 2,
 * chapter 2: prefixes, REX, opcode, ModRM, SIB, displacement, immediate).
 * Decoding never faults: an encoding that cannot execute gets the #UD
 * handler, raised if and when the instruction runs. */
#include "cpu/optable.h"
#include "cpu/ops.h"

#define MAX_INSN_LEN 15

struct dstate {
	const uint8_t *p;
	unsigned pos, avail;
	bool overflow;
};

static uint8_t next8(struct dstate *d)
{
	if (d->pos >= d->avail || d->pos >= MAX_INSN_LEN) {
		d->overflow = true;
		return 0;
	}
	return d->p[d->pos++];
}

static uint64_t next_n(struct dstate *d, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)next8(d) << (8 * i);
	return v;
}

/* 16-bit ModRM addressing (SDM vol. 2A, table 2-1). */
static void modrm16(struct dstate *d, struct insn *in, unsigned mod, unsigned rm)
{
	static const uint8_t base[8] = { R_BX, R_BX, R_BP, R_BP, R_SI, R_DI, R_BP, R_BX };
	static const uint8_t index[8] = { R_SI, R_DI, R_SI, R_DI, R_ZERO, R_ZERO, R_ZERO, R_ZERO };

	in->base = base[rm];
	in->index = index[rm];
	in->scale = 0;
	if (mod == 0 && rm == 6) {
		in->base = R_ZERO;
		in->disp = (int16_t)next_n(d, 2);
		return;
	}
	if (mod == 1)
		in->disp = (int8_t)next8(d);
	else if (mod == 2)
		in->disp = (int16_t)next_n(d, 2);
	if (in->seg == SEG_NONE && in->base == R_BP)
		in->seg = SEG_SS;
}

/* 32- and 64-bit ModRM/SIB addressing (SDM vol. 2A, tables 2-2, 2-3). */
static void modrm32(struct dstate *d, struct insn *in, unsigned mod, unsigned rm, unsigned rex,
		    bool mode64)
{
	unsigned base = rm;

	in->index = R_ZERO;
	in->scale = 0;
	if (rm == 4) {
		uint8_t sib = next8(d);
		unsigned idx = ((sib >> 3) & 7) | ((rex & 2) << 2);

		in->scale = sib >> 6;
		if (idx != R_SP)
			in->index = (uint8_t)idx;
		base = sib & 7;
		if (base == 5 && mod == 0) {
			in->base = R_ZERO;
			in->disp = (int32_t)next_n(d, 4);
			goto seg;
		}
	} else if (rm == 5 && mod == 0) {
		/* disp32 alone; in 64-bit mode RIP-relative. */
		in->base = mode64 ? R_RIP : R_ZERO;
		in->disp = (int32_t)next_n(d, 4);
		goto seg;
	}
	in->base = (uint8_t)(base | ((rex & 1) << 3));
	if (mod == 1)
		in->disp = (int8_t)next8(d);
	else if (mod == 2)
		in->disp = (int32_t)next_n(d, 4);
seg:
	if (in->seg == SEG_NONE && (in->base == R_SP || in->base == R_BP))
		in->seg = SEG_SS;
}

int cpu_decode(struct cpu *cpu, const uint8_t *code, unsigned avail, struct insn *in)
{
	struct dstate d = { .p = code, .avail = avail };
	const bool mode64 = cpu->code64;
	const struct opinfo *oi;
	unsigned rex = 0, b, mandatory = 0, opsz;
	bool group = false;
	uint32_t f;

	memset(in, 0, sizeof(*in));
	in->seg = SEG_NONE;
	in->base = in->index = R_ZERO;

	/* Legacy prefixes, any order; a REX counts only right before the
	 * opcode (SDM vol. 2A, 2.2.1). */
	for (;;) {
		b = next8(&d);
		switch (b) {
		case 0xf0:
			in->pfx |= PFX_LOCK;
			rex = 0;
			continue;
		case 0xf2:
			in->pfx = (uint8_t)((in->pfx & ~PFX_REP) | PFX_REPNE);
			mandatory = 3;
			rex = 0;
			continue;
		case 0xf3:
			in->pfx = (uint8_t)((in->pfx & ~PFX_REPNE) | PFX_REP);
			mandatory = 2;
			rex = 0;
			continue;
		case 0x26:
			in->seg = SEG_ES;
			rex = 0;
			continue;
		case 0x2e:
			in->seg = SEG_CS;
			rex = 0;
			continue;
		case 0x36:
			in->seg = SEG_SS;
			rex = 0;
			continue;
		case 0x3e:
			in->seg = SEG_DS;
			rex = 0;
			continue;
		case 0x64:
			in->seg = SEG_FS;
			rex = 0;
			continue;
		case 0x65:
			in->seg = SEG_GS;
			rex = 0;
			continue;
		case 0x66:
			in->pfx |= PFX_OPSZ;
			rex = 0;
			continue;
		case 0x67:
			in->pfx |= PFX_ADSZ;
			rex = 0;
			continue;
		default:
			break;
		}
		if (mode64 && (b & 0xf0) == 0x40) {
			rex = b;
			continue;
		}
		break;
	}
	if (rex) {
		in->pfx |= PFX_REX;
		if (rex & 8)
			in->pfx |= PFX_REXW;
	}
	/* In 64-bit mode the ES, CS, SS and DS overrides have no effect. */
	if (mode64 && in->seg != SEG_FS && in->seg != SEG_GS)
		in->seg = SEG_NONE;

	if (b == 0x0f) {
		b = next8(&d);
		if (b == 0x38) {
			in->map = 2;
			b = next8(&d);
			oi = &optable_0f38[b];
		} else if (b == 0x3a) {
			in->map = 3;
			b = next8(&d);
			oi = &optable_0f3a[b];
		} else {
			in->map = 1;
			oi = &optable_0f[b];
		}
	} else {
		oi = &optable_1[b];
	}
	in->op = (uint8_t)b;
	f = oi->f;
	if (f & O_SSE) {
		/* F2/F3 outrank 66 as the mandatory prefix. */
		unsigned idx = mandatory ? mandatory : (in->pfx & PFX_OPSZ) ? 1 : 0;

		oi = &oi->sub[idx];
		f = oi->f | O_MODRM;
		if (idx >= 2)
			in->pfx &= (uint8_t) ~(PFX_REP | PFX_REPNE);
	}

	/* Address size now (ModRM depends on it); operand size once a group
	 * has said which instruction this is (FF /2 is 64-bit by default). */
	if (mode64)
		in->adsz = (in->pfx & PFX_ADSZ) ? 4 : 8;
	else
		in->adsz = (uint8_t)(cpu->def_adsz ^ ((in->pfx & PFX_ADSZ) ? 6 : 0));

	if (f & (O_MODRM | O_GROUP)) {
		uint8_t m = next8(&d);
		unsigned mod = m >> 6, reg = (m >> 3) & 7, rm = m & 7;

		in->modrm = m;
		in->mod = (uint8_t)mod;
		in->reg = (uint8_t)(reg | ((rex & 4) << 1));
		in->rm = (uint8_t)(rm | ((rex & 1) << 3));
		if (mod != 3) {
			if (in->adsz == 2)
				modrm16(&d, in, mod, rm);
			else
				modrm32(&d, in, mod, rm, rex, mode64);
		}
		if (f & O_GROUP) {
			uint32_t keep = f & ~(uint32_t)O_GROUP;

			group = true;
			oi = &oi->sub[reg];
			f = keep | oi->f;
		}
	} else {
		/* Registers in the opcode's low bits (50+r, B8+r, 0F C8+r, ...)
		 * behave as a register-form r/m operand. */
		in->mod = 3;
		in->rm = (uint8_t)((b & 7) | ((rex & 1) << 3));
	}
	if (mode64) {
		if (rex & 8)
			opsz = 8;
		else if (f & O_F64)
			opsz = 8;
		else if (in->pfx & PFX_OPSZ)
			opsz = 2;
		else
			opsz = (f & O_DEF64) ? 8 : 4;
	} else {
		opsz = cpu->def_opsz ^ ((in->pfx & PFX_OPSZ) ? 6 : 0);
	}
	if (f & O_BYTE)
		opsz = 1;
	in->opsz = (uint8_t)opsz;
	if (in->seg == SEG_NONE)
		in->seg = SEG_DS;

	/* Byte registers: without REX, encodings 4-7 are AH, CH, DH, BH. In a
	 * group, ModRM.reg is part of the opcode, not a register. */
	if (!rex) {
		if ((f & O_BYTE) && !group && in->reg >= 4 && in->reg < 8)
			in->reg = (uint8_t)(in->reg - 4 + R8_HIGH);
		if ((f & (O_BYTE | O_RM8)) && in->mod == 3 && in->rm >= 4 && in->rm < 8)
			in->rm = (uint8_t)(in->rm - 4 + R8_HIGH);
	}

	/* Immediates. */
	if (f & O_IMM8)
		in->imm = (uint64_t)(int64_t)(int8_t)next8(&d);
	else if (f & O_IMMZ)
		in->imm = opsz == 2 ? (uint64_t)(int64_t)(int16_t)next_n(&d, 2)
				    : (uint64_t)(int64_t)(int32_t)next_n(&d, 4);
	else if (f & O_IMMV)
		in->imm = next_n(&d, opsz == 1 ? 1 : opsz);
	else if (f & O_IMM16)
		in->imm = next_n(&d, 2);
	else if (f & O_MOFFS)
		in->imm = next_n(&d, in->adsz);
	else if (f & O_ENTER) {
		in->imm = next_n(&d, 2);
		in->imm2 = next8(&d);
	} else if (f & O_FAR) {
		in->imm = next_n(&d, opsz == 2 ? 2 : 4);
		in->imm2 = (uint16_t)next_n(&d, 2);
	}

	if (d.overflow)
		return -1; /* truncated: the caller fetches more, or it is > 15 bytes */
	in->len = (uint8_t)d.pos;
	in->fn = oi->fn ? oi->fn : op_unimpl;
	if (((f & O_INV64) && mode64) || ((f & O_REGONLY) && in->mod != 3) ||
	    ((f & O_MEMONLY) && in->mod == 3) ||
	    ((in->pfx & PFX_LOCK) && (!(f & O_LOCK) || in->mod == 3)))
		in->fn = op_ud;
	else
		cpu_specialize(cpu, in);
	return (f & O_END) || in->fn == op_ud || in->fn == op_unimpl ? 1 : 0;
}
