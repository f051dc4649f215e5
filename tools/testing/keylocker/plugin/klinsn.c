// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * klinsn - QEMU TCG plugin counting AES-NI, PCLMULQDQ and Key Locker
 * instructions executed by an x86 guest, per vCPU.
 *
 * Load:  -plugin klinsn.so,out=PATH[,watch=0xADDR]...
 *   out=PATH     required; the file is truncated and receives the lines below
 *   watch=ADDR   up to 16, in order w0..w15: count executions of the
 *                instruction starting at exactly this guest virtual address
 *
 * Classes, decided once per instruction at translation time from its bytes:
 *   aesni      66 0F 38 DB-DF, 66 0F 3A DF and their VEX (C4) / EVEX (62)
 *              forms (pp=66, map 0F38 DB-DF, map 0F3A DF)
 *   clmul      66 0F 3A 44 and VEX/EVEX pp=66 map 0F3A 44
 *   keylocker  F3 0F 38 DC-DF with a memory operand (AESENC/DEC128/256KL),
 *              F3 0F 38 DC with a register operand (LOADIWKEY),
 *              F3 0F 38 D8 /0-/3 memory (AESENC/DECWIDE128/256KL),
 *              F3 0F 38 FA/FB register (ENCODEKEY128/256)
 *   other      everything else
 * The mandatory prefix is the last F2/F3 if any, else 66 (as QEMU decodes
 * it); segment, 67, F0 and REX (40-4F right before the opcode) prefixes are
 * skipped.  Since a plugin sees exactly one instruction's bytes, a 40-4F
 * byte followed by more bytes of the same instruction can only be REX, so
 * 32-bit code (where 40-4F are INC/DEC) is classified correctly.  A
 * candidate is accepted only if its length (ModRM, SIB, displacement,
 * immediate) equals the instruction's size, which also tells 32-bit
 * LES/LDS/BOUND apart from VEX/EVEX in practice (a 32-bit LES/LDS whose
 * bytes also form a same-length VEX AES instruction would still be
 * misread; compilers do not emit LES/LDS).
 *
 * Counters per vCPU ("k_" kernel: vaddr >= 0xffff800000000000, "u_" below,
 * which includes firmware and any 16/32-bit code):
 *   k_<class>, u_<class>  every executed instruction, by class
 *   r_<class>             instructions inside any runtime range (see below)
 *   wN                    executions of the watched address N
 * All of them are inline scoreboard additions attached to each instruction,
 * so no helper call happens except on CPUID.
 *
 * Guest control: a CPUID (0F A2) executed with EAX = 0x4b4c5054 ("KLPT")
 * is a marker; ECX selects the command:
 *   ECX=1  snapshot: append to out=PATH one line
 *          "snap cpu=C tag=T k_other=.. k_aesni=.. k_keylocker=.. k_clmul=..
 *           u_other=.. .. r_clmul=.. w0=.. w1=.." (one line; tag = EDX, 32-bit;
 *          wN only for the watches given), then fflush
 *   ECX=2  add [RSI, RDI) to the range list shared by all vCPUs (max 16)
 *   ECX=3  clear the range list
 *   ECX=4  snapshot every vCPU: one "snap" line each, all with tag EDX
 *          (the other vCPUs' counters as of their last executed block)
 * Other ECX values are ignored.  The CPUID executes normally afterwards:
 * the guest gets what the CPU returns for that leaf and must treat EAX,
 * EBX, ECX and EDX as clobbered.  Example (kernel C):
 *	u32 a = 0x4b4c5054, b, c = cmd, d = tag;
 *	asm volatile("cpuid" : "+a" (a), "=b" (b), "+c" (c), "+d" (d)
 *		     : "S" (start), "D" (end) : "memory");
 * The marker's own counters are added before the snapshot is taken: a
 * snapshot INCLUDES its CPUID (in k_other/u_other, and r_other/wN if the
 * CPUID lies in a range / is watched).  The delta between two snapshots is
 * thus every instruction after the first marker up to and including the
 * second one.
 *
 * Ranges are matched against instruction addresses at translation time.
 * Changing the list calls qemu_plugin_reset(), which flushes all
 * translated code and re-instruments it; that takes effect at the next
 * translation block boundary.  Instructions of the marker's own block after
 * the CPUID still use the previous list, so end the block (jmp, call, ret)
 * between an ECX=2/3 marker and the code to be measured; a marker in its
 * own noinline function does that by its RET.  The reset drops all of the
 * plugin's callbacks and the plugin registers them again from the reset
 * callback; should QEMU exit before that (within the marker's block), the
 * "total" lines are missing.
 *
 * At exit one "total cpu=C k_other=.. .. wN=.." line per vCPU is written.
 * Lines starting with '#' are comments or warnings.
 *
 * Exactness and determinism: the inline additions are emitted in front of
 * each guest instruction inside the translated block, so a count is exact
 * per dispatched instruction whatever the block size; -accel
 * tcg,one-insn-per-tb=on is not needed.  Per the QEMU plugin docs
 * (docs/devel/tcg-plugins.rst) instrumentation runs before the instruction
 * executes, asynchronous interrupts never change control flow inside a
 * block, and instructions after a fault in a block are not reached, hence
 * not counted.  Consequences: a faulting instruction counts once per
 * attempt (e.g. again after a page fault is fixed up), and a REP string
 * instruction counts once per dispatch (QEMU re-dispatches it every 65536
 * iterations, after an interrupt, and every iteration under -icount).
 * Counts are a pure function of the executed guest path, so equal guest
 * work gives equal counts; the guest path itself varies with interrupt
 * timing unless interrupts are off in the measured region or QEMU runs with
 * -icount shift=N,sleep=off.  x86 TCG shares translations between virtual
 * aliases of the same physical code (CF_PCREL), so the vaddr-based
 * decisions (kernel/user, ranges, watches) use the vaddr seen when the block
 * was translated; this only matters for code executed at several virtual
 * addresses with the same CPU mode.
 */

#include <glib.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define KL_MARKER		0x4b4c5054u
#define KL_CMD_SNAPSHOT		1
#define KL_CMD_ADD_RANGE	2
#define KL_CMD_CLEAR_RANGES	3
#define KL_CMD_SNAPSHOT_ALL	4
#define KL_MAX_WATCH		16
#define KL_MAX_RANGES		16
#define KL_KERNEL_BASE		0xffff800000000000ull
#define KL_INSN_MAX		16

enum kl_class { KL_OTHER, KL_AESNI, KL_KEYLOCKER, KL_CLMUL, KL_NCLASS };

static const char *const kl_class_name[KL_NCLASS] = {
	[KL_OTHER] = "other",
	[KL_AESNI] = "aesni",
	[KL_KEYLOCKER] = "keylocker",
	[KL_CLMUL] = "clmul",
};

/* One scoreboard entry per vCPU */
struct kl_vcpu {
	uint64_t k[KL_NCLASS];
	uint64_t u[KL_NCLASS];
	uint64_t r[KL_NCLASS];
	uint64_t w[KL_MAX_WATCH];
};

struct kl_range {
	uint64_t start, end;
};

enum kl_reg { KL_RAX, KL_RCX, KL_RDX, KL_RSI, KL_RDI, KL_NREG };

static const char *const kl_reg_names[KL_NREG][2] = {
	[KL_RAX] = { "rax", "eax" },
	[KL_RCX] = { "rcx", "ecx" },
	[KL_RDX] = { "rdx", "edx" },
	[KL_RSI] = { "rsi", "esi" },
	[KL_RDI] = { "rdi", "edi" },
};

static qemu_plugin_id_t kl_id;
static struct qemu_plugin_scoreboard *kl_score;
static uint64_t kl_watch[KL_MAX_WATCH];
static unsigned int kl_nwatch;

/* Protects the output file */
static GMutex kl_out_lock;
static FILE *kl_out;

/* Protects the range list */
static GMutex kl_range_lock;
static struct kl_range kl_ranges[KL_MAX_RANGES];
static unsigned int kl_nranges;

/* Register handles are gdbstub register numbers, the same for every vCPU */
static GMutex kl_reg_lock;
static struct qemu_plugin_register *kl_regs[KL_NREG];
static bool kl_regs_done;

static void kl_register_cbs(qemu_plugin_id_t id);

/* ---- Decoder ------------------------------------------------------------ */

struct kl_prefix {
	size_t op;		/* index of the first opcode byte */
	uint8_t rep;		/* last F2/F3, 0 if none */
	bool p66, p67, lock, rex;
};

static void kl_prefixes(const uint8_t *b, size_t len, struct kl_prefix *p)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < len; i++) {
		uint8_t c = b[i];

		if (c == 0x66) {
			p->p66 = true;
		} else if (c == 0x67) {
			p->p67 = true;
		} else if (c == 0xf2 || c == 0xf3) {
			p->rep = c;
		} else if (c == 0xf0) {
			p->lock = true;
		} else if (c == 0x26 || c == 0x2e || c == 0x36 || c == 0x3e ||
			   c == 0x64 || c == 0x65) {
			/* segment override */
		} else if ((c & 0xf0) == 0x40 && i + 1 < len) {
			/* more bytes follow, so this is REX, not INC/DEC */
			p->rex = true;
			continue;
		} else {
			break;
		}
		/* a legacy prefix after REX makes the REX ineffective */
		p->rex = false;
	}
	p->op = i;
}

/* Bytes of ModRM + SIB + displacement at @b, 0 if truncated */
static size_t kl_modrm_len(const uint8_t *b, size_t avail, bool addr16)
{
	unsigned int mod, rm;
	size_t n = 1;

	if (!avail)
		return 0;
	mod = b[0] >> 6;
	rm = b[0] & 7;
	if (mod == 3)
		return 1;
	if (addr16) {
		if (mod == 0 && rm == 6)
			n += 2;
		else if (mod == 1)
			n += 1;
		else if (mod == 2)
			n += 2;
		return n;
	}
	if (rm == 4) {
		if (avail < 2)
			return 0;
		n++;
		if (mod == 0 && (b[1] & 7) == 5)
			n += 4;
	} else if (mod == 0 && rm == 5) {
		n += 4;
	}
	if (mod == 1)
		n += 1;
	else if (mod == 2)
		n += 4;
	return n;
}

/* Does an instruction with ModRM at @m and @imm immediate bytes span @len? */
static bool kl_len_ok(const uint8_t *b, size_t len, size_t m, size_t imm,
		      bool p67)
{
	size_t n;

	if (m >= len)
		return false;
	n = kl_modrm_len(b + m, len - m, false);
	if (n && m + n + imm == len)
		return true;
	/* 67 means 16-bit addressing in 16/32-bit code, 32-bit in 64-bit */
	if (p67) {
		n = kl_modrm_len(b + m, len - m, true);
		if (n && m + n + imm == len)
			return true;
	}
	return false;
}

/* VEX/EVEX: @map 2 = 0F38, 3 = 0F3A; @pp 1 = 66 */
static enum kl_class kl_vex_class(unsigned int map, unsigned int pp, uint8_t op)
{
	if (pp != 1)
		return KL_OTHER;
	if (map == 2 && op >= 0xdb && op <= 0xdf)
		return KL_AESNI;
	if (map == 3 && op == 0xdf)
		return KL_AESNI;
	if (map == 3 && op == 0x44)
		return KL_CLMUL;
	return KL_OTHER;
}

static enum kl_class kl_legacy_class(const uint8_t *b, size_t len,
				     const struct kl_prefix *p)
{
	size_t i = p->op;
	uint8_t mand = p->rep ? p->rep : (p->p66 ? 0x66 : 0);
	enum kl_class cls = KL_OTHER;
	unsigned int mod, reg;
	uint8_t map, op;
	size_t imm = 0;

	if (i + 3 >= len)
		return KL_OTHER;
	map = b[i + 1];
	op = b[i + 2];
	mod = b[i + 3] >> 6;
	reg = (b[i + 3] >> 3) & 7;

	if (map == 0x38 && mand == 0x66) {
		if (op >= 0xdb && op <= 0xdf)
			cls = KL_AESNI;
	} else if (map == 0x38 && mand == 0xf3) {
		if (op == 0xdc)
			cls = KL_KEYLOCKER;	/* AESENC128KL, or LOADIWKEY */
		else if (op >= 0xdd && op <= 0xdf && mod != 3)
			cls = KL_KEYLOCKER;
		else if (op == 0xd8 && mod != 3 && reg <= 3)
			cls = KL_KEYLOCKER;
		else if ((op == 0xfa || op == 0xfb) && mod == 3)
			cls = KL_KEYLOCKER;
	} else if (map == 0x3a && mand == 0x66) {
		imm = 1;
		if (op == 0xdf)
			cls = KL_AESNI;
		else if (op == 0x44)
			cls = KL_CLMUL;
	}
	if (cls != KL_OTHER && !kl_len_ok(b, len, i + 3, imm, p->p67))
		return KL_OTHER;
	return cls;
}

static enum kl_class kl_classify(const uint8_t *b, size_t len)
{
	struct kl_prefix p;
	enum kl_class cls;
	unsigned int map;
	size_t i;

	kl_prefixes(b, len, &p);
	i = p.op;
	if (i >= len)
		return KL_OTHER;

	if (b[i] == 0x0f)
		return kl_legacy_class(b, len, &p);

	/* VEX/EVEX after 66, F2, F3, F0 or REX is #UD */
	if (p.p66 || p.rep || p.lock || p.rex)
		return KL_OTHER;

	if (b[i] == 0xc4) {		/* C4 RXBmmmmm WvvvvLpp op modrm */
		if (i + 4 >= len)
			return KL_OTHER;
		map = b[i + 1] & 0x1f;
		cls = kl_vex_class(map, b[i + 2] & 3, b[i + 3]);
		if (cls != KL_OTHER &&
		    kl_len_ok(b, len, i + 4, map == 3 ? 1 : 0, p.p67))
			return cls;
	} else if (b[i] == 0x62) {	/* 62 P0 P1 P2 op modrm */
		if (i + 5 >= len || !(b[i + 2] & 0x04))
			return KL_OTHER;
		map = b[i + 1] & 0x07;
		cls = kl_vex_class(map, b[i + 2] & 3, b[i + 4]);
		if (cls != KL_OTHER &&
		    kl_len_ok(b, len, i + 5, map == 3 ? 1 : 0, p.p67))
			return cls;
	}
	/* C5 (2-byte VEX) only encodes map 0F: never AES */
	return KL_OTHER;
}

static bool kl_is_cpuid(const uint8_t *b, size_t len)
{
	struct kl_prefix p;

	kl_prefixes(b, len, &p);
	return p.op + 2 == len && b[p.op] == 0x0f && b[p.op + 1] == 0xa2;
}

/* ---- Counters and output ------------------------------------------------- */

static qemu_plugin_u64 kl_entry(size_t base, unsigned int idx)
{
	return (qemu_plugin_u64) {
		.score = kl_score,
		.offset = base + idx * sizeof(uint64_t),
	};
}

static void kl_emit(unsigned int vcpu, bool snap, uint32_t tag)
{
	g_autoptr(GString) s = g_string_new(NULL);
	const struct kl_vcpu *v = qemu_plugin_scoreboard_find(kl_score, vcpu);
	unsigned int i;

	if (snap)
		g_string_append_printf(s, "snap cpu=%u tag=%" PRIu32, vcpu, tag);
	else
		g_string_append_printf(s, "total cpu=%u", vcpu);
	for (i = 0; i < KL_NCLASS; i++)
		g_string_append_printf(s, " k_%s=%" PRIu64, kl_class_name[i], v->k[i]);
	for (i = 0; i < KL_NCLASS; i++)
		g_string_append_printf(s, " u_%s=%" PRIu64, kl_class_name[i], v->u[i]);
	for (i = 0; i < KL_NCLASS; i++)
		g_string_append_printf(s, " r_%s=%" PRIu64, kl_class_name[i], v->r[i]);
	for (i = 0; i < kl_nwatch; i++)
		g_string_append_printf(s, " w%u=%" PRIu64, i, v->w[i]);
	g_string_append_c(s, '\n');

	g_mutex_lock(&kl_out_lock);
	if (kl_out) {
		fputs(s->str, kl_out);
		fflush(kl_out);
	}
	g_mutex_unlock(&kl_out_lock);
}

static void kl_warn(const char *msg, unsigned int vcpu)
{
	g_mutex_lock(&kl_out_lock);
	if (kl_out) {
		fprintf(kl_out, "# warn cpu=%u %s\n", vcpu, msg);
		fflush(kl_out);
	}
	g_mutex_unlock(&kl_out_lock);
}

/* ---- Marker -------------------------------------------------------------- */

/* Look the register handles up once, from vCPU context */
static bool kl_regs_lookup(void)
{
	bool ok = true;
	unsigned int i, j, k;

	g_mutex_lock(&kl_reg_lock);
	if (!kl_regs_done) {
		g_autoptr(GArray) regs = qemu_plugin_get_registers();

		for (i = 0; regs && i < regs->len; i++) {
			qemu_plugin_reg_descriptor *rd =
				&g_array_index(regs, qemu_plugin_reg_descriptor, i);

			for (j = 0; j < KL_NREG; j++)
				for (k = 0; k < 2; k++)
					if (!kl_regs[j] && !strcmp(rd->name, kl_reg_names[j][k]))
						kl_regs[j] = rd->handle;
		}
		kl_regs_done = true;
	}
	for (i = 0; i < KL_NREG; i++)
		ok = ok && kl_regs[i];
	g_mutex_unlock(&kl_reg_lock);
	return ok;
}

static uint64_t kl_read_reg(enum kl_reg r)
{
	g_autoptr(GByteArray) buf = g_byte_array_sized_new(16);
	uint64_t val = 0;
	int n, i;

	n = qemu_plugin_read_register(kl_regs[r], buf);
	if (n <= 0 || n > 8 || buf->len < (unsigned int)n)
		return 0;
	/* target byte order: little endian */
	for (i = n - 1; i >= 0; i--)
		val = (val << 8) | buf->data[i];
	return val;
}

/* After a range change: re-instrument everything with the new list */
static void kl_reset_done(qemu_plugin_id_t id)
{
	kl_register_cbs(id);
}

static void kl_range_add(unsigned int vcpu, uint64_t start, uint64_t end)
{
	const char *err = NULL;

	g_mutex_lock(&kl_range_lock);
	if (start >= end)
		err = "empty range ignored";
	else if (kl_nranges == KL_MAX_RANGES)
		err = "range list full, range ignored";
	else
		kl_ranges[kl_nranges++] = (struct kl_range) { start, end };
	g_mutex_unlock(&kl_range_lock);

	if (err)
		kl_warn(err, vcpu);
	else
		qemu_plugin_reset(kl_id, kl_reset_done);
}

static void kl_range_clear(void)
{
	bool had;

	g_mutex_lock(&kl_range_lock);
	had = kl_nranges;
	kl_nranges = 0;
	g_mutex_unlock(&kl_range_lock);

	if (had)
		qemu_plugin_reset(kl_id, kl_reset_done);
}

static void kl_marker(unsigned int vcpu, void *udata)
{
	(void)udata;

	if (!kl_regs_lookup()) {
		static bool warned;

		if (!warned) {
			warned = true;
			kl_warn("registers not found, markers disabled", vcpu);
		}
		return;
	}
	if ((uint32_t)kl_read_reg(KL_RAX) != KL_MARKER)
		return;

	switch ((uint32_t)kl_read_reg(KL_RCX)) {
	case KL_CMD_SNAPSHOT:
		kl_emit(vcpu, true, (uint32_t)kl_read_reg(KL_RDX));
		break;
	case KL_CMD_ADD_RANGE:
		kl_range_add(vcpu, kl_read_reg(KL_RSI), kl_read_reg(KL_RDI));
		break;
	case KL_CMD_CLEAR_RANGES:
		kl_range_clear();
		break;
	case KL_CMD_SNAPSHOT_ALL: {
		uint32_t tag = (uint32_t)kl_read_reg(KL_RDX);
		int i;

		for (i = 0; i < qemu_plugin_num_vcpus(); i++)
			kl_emit(i, true, tag);
		break;
	}
	default:
		break;
	}
}

/* ---- Instrumentation ----------------------------------------------------- */

static void kl_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct kl_range ranges[KL_MAX_RANGES];
	size_t n = qemu_plugin_tb_n_insns(tb);
	unsigned int nranges, j;
	size_t i;

	(void)id;
	g_mutex_lock(&kl_range_lock);
	nranges = kl_nranges;
	memcpy(ranges, kl_ranges, nranges * sizeof(ranges[0]));
	g_mutex_unlock(&kl_range_lock);

	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t va = qemu_plugin_insn_vaddr(insn);
		uint8_t b[KL_INSN_MAX];
		size_t len = qemu_plugin_insn_data(insn, b, sizeof(b));
		enum kl_class cls;

		if (len > qemu_plugin_insn_size(insn))
			len = qemu_plugin_insn_size(insn);
		cls = kl_classify(b, len);

		/* inline ops first: a marker's snapshot includes its CPUID */
		qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(
			insn, QEMU_PLUGIN_INLINE_ADD_U64,
			kl_entry(va >= KL_KERNEL_BASE ? offsetof(struct kl_vcpu, k) :
				 offsetof(struct kl_vcpu, u), cls), 1);

		for (j = 0; j < nranges; j++) {
			if (va >= ranges[j].start && va < ranges[j].end) {
				qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(
					insn, QEMU_PLUGIN_INLINE_ADD_U64,
					kl_entry(offsetof(struct kl_vcpu, r), cls), 1);
				break;
			}
		}

		for (j = 0; j < kl_nwatch; j++)
			if (va == kl_watch[j])
				qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(
					insn, QEMU_PLUGIN_INLINE_ADD_U64,
					kl_entry(offsetof(struct kl_vcpu, w), j), 1);

		if (kl_is_cpuid(b, len))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, kl_marker,
							       QEMU_PLUGIN_CB_R_REGS, NULL);
	}
}

static void kl_exit(qemu_plugin_id_t id, void *udata)
{
	int i, n = qemu_plugin_num_vcpus();

	(void)id;
	(void)udata;
	for (i = 0; i < n; i++)
		kl_emit(i, false, 0);

	g_mutex_lock(&kl_out_lock);
	if (kl_out) {
		fclose(kl_out);
		kl_out = NULL;
	}
	g_mutex_unlock(&kl_out_lock);
}

/* Also the re-registration after qemu_plugin_reset(), which drops them all */
static void kl_register_cbs(qemu_plugin_id_t id)
{
	qemu_plugin_register_vcpu_tb_trans_cb(id, kl_tb_trans);
	qemu_plugin_register_atexit_cb(id, kl_exit, NULL);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *out = NULL;
	unsigned int i;
	int a;

	if (strcmp(info->target_name, "x86_64") && strcmp(info->target_name, "i386")) {
		fprintf(stderr, "klinsn: x86 guests only, not %s\n", info->target_name);
		return -1;
	}

	for (a = 0; a < argc; a++) {
		const char *arg = argv[a];

		if (g_str_has_prefix(arg, "out=")) {
			out = arg + 4;
		} else if (g_str_has_prefix(arg, "watch=")) {
			char *end;
			uint64_t va = g_ascii_strtoull(arg + 6, &end, 0);

			if (end == arg + 6 || *end) {
				fprintf(stderr, "klinsn: bad address in %s\n", arg);
				return -1;
			}
			if (kl_nwatch == KL_MAX_WATCH) {
				fprintf(stderr, "klinsn: at most %d watch= args\n", KL_MAX_WATCH);
				return -1;
			}
			kl_watch[kl_nwatch++] = va;
		} else {
			fprintf(stderr, "klinsn: unknown argument %s\n", arg);
			return -1;
		}
	}
	if (!out || !*out) {
		fprintf(stderr, "klinsn: out=PATH is required\n");
		return -1;
	}
	kl_out = fopen(out, "w");
	if (!kl_out) {
		fprintf(stderr, "klinsn: cannot open %s\n", out);
		return -1;
	}
	fprintf(kl_out, "# klinsn 1");
	for (i = 0; i < kl_nwatch; i++)
		fprintf(kl_out, " w%u=0x%" PRIx64, i, kl_watch[i]);
	fprintf(kl_out, "\n");
	fflush(kl_out);

	kl_id = id;
	kl_score = qemu_plugin_scoreboard_new(sizeof(struct kl_vcpu));
	kl_register_cbs(id);
	return 0;
}
