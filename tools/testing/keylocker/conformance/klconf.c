// SPDX-License-Identifier: GPL-2.0
/*
 * Key Locker conformance payload: checks the emulated CPU against the
 * Intel SDM from ring 0, independent of any kernel code.
 *
 * It reads CPUID to decide which checks apply and, when the multiboot
 * command line carries expectations ("kl=1 wide=0 ..."), checks that the
 * enumeration is what the scenario configured.  Every instruction is
 * written with the assembler's Key Locker mnemonics in this file.  Each
 * check prints "KLRESULT <name> ok|fail|skip <detail>" on COM1; the run
 * ends with "KLDONE" and a write to the isa-debug-exit port.
 *
 * The compiler is not allowed to use SSE (-mno-sse), so XMM registers
 * change only inside the asm blocks below, and the tests may toggle
 * CR0.TS, CR0.EM and CR4.OSFXSR freely.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CR0_EM		(1u << 2)
#define CR0_TS		(1u << 3)
#define CR4_OSFXSR	(1u << 9)
#define CR4_KL		(1u << 19)

#define EFLAGS_ARITH	0x8d5u		/* CF PF AF ZF SF OF */
#define EFLAGS_ZF	0x40u

#define VEC_NONE	(-1)
#define VEC_UD		6
#define VEC_NM		7
#define VEC_GP		13

#define MSR_COPY_STATUS			0x990
#define MSR_IWKEYBACKUP_STATUS		0x991
#define MSR_COPY_LOCAL_TO_PLATFORM	0xd91
#define MSR_COPY_PLATFORM_TO_LOCAL	0xd92
#define MSR_KVM_KEYLOCKER		0x4b564d10
#define KVM_FEATURE_KEYLOCKER		20

#define AAD_KEYTYPE_256	(1u << 24)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* Used by boot.S */
volatile uint32_t kl_recover_eip;
volatile int kl_fault_vector;

struct blk {
	uint8_t b[16];
};

/* Result of one instruction: exception vector (or VEC_NONE), ZF, EFLAGS */
struct res {
	int vec;
	bool zf;
	uint32_t flags;
};

/* ---- Freestanding support ---- */

void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memset(void *d, int c, size_t n)
{
	uint8_t *dp = d;

	while (n--)
		*dp++ = c;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *ap = a, *bp = b;

	for (; n; n--, ap++, bp++)
		if (*ap != *bp)
			return *ap - *bp;
	return 0;
}

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void putc_serial(char c)
{
	while (!(inb(0x3fd) & 0x20))
		;
	outb(0x3f8, c);
}

static void puts_serial(const char *s)
{
	while (*s)
		putc_serial(*s++);
}

static void puthex(uint32_t v)
{
	int i;

	puts_serial("0x");
	for (i = 28; i >= 0; i -= 4)
		putc_serial("0123456789abcdef"[(v >> i) & 15]);
}

static void putdec(int v)
{
	char buf[12];
	int i = 0;

	if (v < 0) {
		putc_serial('-');
		v = -v;
	}
	do {
		buf[i++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (i)
		putc_serial(buf[--i]);
}

static unsigned int failures;

/* Report one check; @detail may be NULL */
static void result(const char *name, bool ok, const char *detail)
{
	puts_serial("KLRESULT ");
	puts_serial(name);
	puts_serial(ok ? " ok" : " fail");
	if (detail) {
		putc_serial(' ');
		puts_serial(detail);
	}
	putc_serial('\n');
	if (!ok)
		failures++;
}

static void skip(const char *name, const char *why)
{
	puts_serial("KLRESULT ");
	puts_serial(name);
	puts_serial(" skip ");
	puts_serial(why);
	putc_serial('\n');
}

static void finish(void)
{
	puts_serial("KLDONE\n");
	outl(0xf4, failures ? 1 : 0);
	for (;;)
		asm volatile("cli; hlt");
}

void kl_unexpected(uint32_t vec, uint32_t err, uint32_t eip);
void kl_unexpected(uint32_t vec, uint32_t err, uint32_t eip)
{
	puts_serial("KLRESULT unexpected-exception fail vector ");
	putdec(vec);
	puts_serial(" error ");
	puthex(err);
	puts_serial(" eip ");
	puthex(eip);
	putc_serial('\n');
	failures++;
	finish();
}

/* ---- Control registers, CPUID, MSRs ---- */

static uint32_t read_cr0(void)
{
	uint32_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static void write_cr0(uint32_t v)
{
	asm volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static uint32_t read_cr4(void)
{
	uint32_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* Arm recovery for the asm block that follows; it must define label 1 */
#define TRY	"movl $1f, kl_recover_eip\n\t"

static void try_begin(void)
{
	kl_fault_vector = VEC_NONE;
}

static int try_end(void)
{
	kl_recover_eip = 0;
	return kl_fault_vector;
}

static int try_write_cr4(uint32_t v)
{
	try_begin();
	asm volatile(TRY "mov %0, %%cr4\n1:" : : "r"(v) : "memory");
	return try_end();
}

static int try_wrmsr(uint32_t msr, uint64_t v)
{
	try_begin();
	asm volatile(TRY "wrmsr\n1:"
		     : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
		     : "memory");
	return try_end();
}

static int try_rdmsr(uint32_t msr, uint64_t *v)
{
	uint32_t lo = 0, hi = 0;

	try_begin();
	asm volatile(TRY "rdmsr\n1:"
		     : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*v = (uint64_t)hi << 32 | lo;
	return try_end();
}

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	asm volatile("cpuid"
		     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
		     : "a"(leaf), "c"(sub));
}

/* ---- Key Locker instructions ---- */

/* Run @insn with the arithmetic flags all set before; store EFLAGS after */
#define FLAGS_PRE	"pushfl\n\torl $0x8d5, (%%esp)\n\tpopfl\n\t"
#define FLAGS_POST	"pushfl\n\tpopl %[flags]\n\t"

static struct res finish_res(uint32_t flags)
{
	struct res r;

	r.vec = try_end();
	r.flags = r.vec == VEC_NONE ? flags & EFLAGS_ARITH : 0;
	r.zf = r.flags & EFLAGS_ZF;
	return r;
}

/* IntegrityKey from @ik, EncryptionKey[127:0] from @ek_lo, [255:128] from @ek_hi */
static struct res loadiwkey(const struct blk *ik, const struct blk *ek_lo,
			    const struct blk *ek_hi, uint32_t ctl)
{
	uint32_t flags = 0;

	try_begin();
	asm volatile(TRY
		     "movdqu (%[ik]), %%xmm0\n\t"
		     "movdqu (%[hi]), %%xmm1\n\t"
		     "movdqu (%[lo]), %%xmm2\n\t"
		     FLAGS_PRE
		     "loadiwkey %%xmm2, %%xmm1\n\t"
		     FLAGS_POST
		     "1:"
		     : [flags] "+m"(flags)
		     : [ik] "r"(ik), [lo] "r"(ek_lo), [hi] "r"(ek_hi), "a"(ctl)
		     : "xmm0", "xmm1", "xmm2", "memory", "cc");
	return finish_res(flags);
}

/*
 * ENCODEKEY128/256 of @key (1 or 2 blocks) with restrictions @src.  XMM3-6
 * are set to all ones first; @xmm receives XMM0-6 afterwards, @dest the
 * destination register.
 */
static struct res encodekey(bool aes256, const struct blk *key, uint32_t src,
			    struct blk xmm[7], uint32_t *dest)
{
	uint32_t flags = 0;

	*dest = 0xdeadbeef;
	try_begin();
	if (aes256)
		asm volatile(TRY
			     "movdqu (%[key]), %%xmm0\n\t"
			     "movdqu 16(%[key]), %%xmm1\n\t"
			     "pcmpeqb %%xmm3, %%xmm3\n\t"
			     "pcmpeqb %%xmm4, %%xmm4\n\t"
			     "pcmpeqb %%xmm5, %%xmm5\n\t"
			     "pcmpeqb %%xmm6, %%xmm6\n\t"
			     FLAGS_PRE
			     "encodekey256 %[src], %[src]\n\t"
			     FLAGS_POST
			     "movl %[src], %[dest]\n\t"
			     "1:"
			     : [flags] "+m"(flags), [dest] "+m"(*dest),
			       [src] "+r"(src)
			     : [key] "r"(key)
			     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
			       "xmm6", "memory", "cc");
	else
		asm volatile(TRY
			     "movdqu (%[key]), %%xmm0\n\t"
			     "pcmpeqb %%xmm3, %%xmm3\n\t"
			     "pcmpeqb %%xmm4, %%xmm4\n\t"
			     "pcmpeqb %%xmm5, %%xmm5\n\t"
			     "pcmpeqb %%xmm6, %%xmm6\n\t"
			     FLAGS_PRE
			     "encodekey128 %[src], %[src]\n\t"
			     FLAGS_POST
			     "movl %[src], %[dest]\n\t"
			     "1:"
			     : [flags] "+m"(flags), [dest] "+m"(*dest),
			       [src] "+r"(src)
			     : [key] "r"(key)
			     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",
			       "xmm6", "memory", "cc");
	asm volatile("movdqu %%xmm0, 0(%0)\n\t"
		     "movdqu %%xmm1, 16(%0)\n\t"
		     "movdqu %%xmm2, 32(%0)\n\t"
		     "movdqu %%xmm3, 48(%0)\n\t"
		     "movdqu %%xmm4, 64(%0)\n\t"
		     "movdqu %%xmm5, 80(%0)\n\t"
		     "movdqu %%xmm6, 96(%0)\n\t"
		     : : "r"(xmm) : "memory");
	return finish_res(flags);
}

enum aes_op { ENC128, DEC128, ENC256, DEC256 };

#define AESKL_ASM(insn)							\
	({ asm volatile(TRY						\
		     "movdqu (%[in]), %%xmm3\n\t"			\
		     FLAGS_PRE						\
		     insn " (%[h]), %%xmm3\n\t"				\
		     FLAGS_POST						\
		     "1: movdqu %%xmm3, (%[out])"			\
		     : [flags] "+m"(flags)				\
		     : [in] "r"(in), [out] "r"(out), [h] "r"(handle)	\
		     : "xmm3", "memory", "cc"); })

/* One block through AES{ENC,DEC}{128,256}KL; @out gets XMM afterwards */
static struct res aeskl(enum aes_op op, const void *handle,
			const struct blk *in, struct blk *out)
{
	uint32_t flags = 0;

	try_begin();
	switch (op) {
	case ENC128:
		AESKL_ASM("aesenc128kl");
		break;
	case DEC128:
		AESKL_ASM("aesdec128kl");
		break;
	case ENC256:
		AESKL_ASM("aesenc256kl");
		break;
	case DEC256:
		AESKL_ASM("aesdec256kl");
		break;
	}
	return finish_res(flags);
}

#define WIDE_ASM(insn)							\
	({ asm volatile(TRY						\
		     "movdqu 0(%[in]), %%xmm0\n\t"			\
		     "movdqu 16(%[in]), %%xmm1\n\t"			\
		     "movdqu 32(%[in]), %%xmm2\n\t"			\
		     "movdqu 48(%[in]), %%xmm3\n\t"			\
		     "movdqu 64(%[in]), %%xmm4\n\t"			\
		     "movdqu 80(%[in]), %%xmm5\n\t"			\
		     "movdqu 96(%[in]), %%xmm6\n\t"			\
		     "movdqu 112(%[in]), %%xmm7\n\t"			\
		     FLAGS_PRE						\
		     insn " (%[h])\n\t"					\
		     FLAGS_POST						\
		     "1: movdqu %%xmm0, 0(%[out])\n\t"			\
		     "movdqu %%xmm1, 16(%[out])\n\t"			\
		     "movdqu %%xmm2, 32(%[out])\n\t"			\
		     "movdqu %%xmm3, 48(%[out])\n\t"			\
		     "movdqu %%xmm4, 64(%[out])\n\t"			\
		     "movdqu %%xmm5, 80(%[out])\n\t"			\
		     "movdqu %%xmm6, 96(%[out])\n\t"			\
		     "movdqu %%xmm7, 112(%[out])"			\
		     : [flags] "+m"(flags)				\
		     : [in] "r"(in), [out] "r"(out), [h] "r"(handle)	\
		     : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",	\
		       "xmm6", "xmm7", "memory", "cc"); })

/* Eight blocks through AES{ENC,DEC}WIDE{128,256}KL */
static struct res aeswidekl(enum aes_op op, const void *handle,
			    const struct blk in[8], struct blk out[8])
{
	uint32_t flags = 0;

	try_begin();
	switch (op) {
	case ENC128:
		WIDE_ASM("aesencwide128kl");
		break;
	case DEC128:
		WIDE_ASM("aesdecwide128kl");
		break;
	case ENC256:
		WIDE_ASM("aesencwide256kl");
		break;
	case DEC256:
		WIDE_ASM("aesdecwide256kl");
		break;
	}
	return finish_res(flags);
}

/* ---- Test data: FIPS-197 Appendix C.1 and C.3 ---- */

static const struct blk fips_pt = { {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff } };
static const struct blk fips_key[2] = { { {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f } }, { {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f } } };
static const struct blk fips_ct128 = { {
	0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
	0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a } };
static const struct blk fips_ct256 = { {
	0x8e, 0xa2, 0xb7, 0xca, 0x51, 0x67, 0x45, 0xbf,
	0xea, 0xfc, 0x49, 0x90, 0x4b, 0x49, 0x60, 0x89 } };

/* Two software wrapping keys, A and B */
static const struct blk iw_a[3] = {
	{ { 0xa0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 } },
	{ { 0xa1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 } },
	{ { 0xa2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 } },
};
static const struct blk iw_b[3] = {
	{ { 0xb0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 } },
	{ { 0xb1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 } },
	{ { 0xb2, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 } },
};

static struct res load_key(const struct blk iw[3], uint32_t ctl)
{
	return loadiwkey(&iw[0], &iw[1], &iw[2], ctl);
}

/* ---- Enumeration ---- */

static uint32_t c19[4];		/* CPUID leaf 0x19 with CR4.KL=1 */

static bool has(int reg, uint32_t bit)
{
	return c19[reg] & bit;
}

#define EAX 0
#define EBX 1
#define ECX 2

#define HAS_CPL0	has(EAX, 1u << 0)
#define HAS_NOENC	has(EAX, 1u << 1)
#define HAS_NODEC	has(EAX, 1u << 2)
#define HAS_AESKLE	has(EBX, 1u << 0)
#define HAS_WIDE	has(EBX, 1u << 2)
#define HAS_BACKUP	has(EBX, 1u << 4)
#define HAS_NOBACKUP	has(ECX, 1u << 0)
#define HAS_KEYSOURCE	has(ECX, 1u << 1)

/* Expectations from the multiboot command line: "name=0|1", -1 if absent */
static const char *cmdline = "";

static int expect(const char *name)
{
	const char *p = cmdline;
	size_t n = 0;

	while (name[n])
		n++;
	while (*p) {
		while (*p == ' ')
			p++;
		if (!memcmp(p, name, n) && p[n] == '=')
			return p[n + 1] - '0';
		while (*p && *p != ' ')
			p++;
	}
	return -1;
}

static bool enumeration_matches(const char *name, bool actual)
{
	int want = expect(name);

	if (want < 0 || want == actual)
		return true;
	puts_serial("# CPUID ");
	puts_serial(name);
	puts_serial(actual ? "=1, scenario expects 0\n" : "=0, scenario expects 1\n");
	return false;
}

/* ---- Checks ---- */

static bool blk_eq(const struct blk *a, const struct blk *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static bool blk_is(const struct blk *a, uint8_t v)
{
	int i;

	for (i = 0; i < 16; i++)
		if (a->b[i] != v)
			return false;
	return true;
}

/* A 128-bit handle has 3 blocks, a 256-bit one 4 */
struct handle {
	struct blk b[4];
};

static bool make_handle(bool aes256, uint32_t src, struct handle *h,
			uint32_t *dest)
{
	struct blk xmm[7];
	uint32_t d;
	struct res r;

	r = encodekey(aes256, fips_key, src, xmm, dest ? dest : &d);
	memset(h, 0, sizeof(*h));
	memcpy(h, xmm, (aes256 ? 4 : 3) * sizeof(struct blk));
	return r.vec == VEC_NONE;
}

/* Known answer through a handle: encrypt, then decrypt back */
static bool kat(bool aes256, const struct handle *h, const char **why)
{
	const struct blk *ct = aes256 ? &fips_ct256 : &fips_ct128;
	struct blk out;
	struct res r;

	r = aeskl(aes256 ? ENC256 : ENC128, h, &fips_pt, &out);
	if (r.vec != VEC_NONE || r.flags & EFLAGS_ARITH || !blk_eq(&out, ct)) {
		*why = "encrypt: fault, flags or ciphertext wrong";
		return false;
	}
	r = aeskl(aes256 ? DEC256 : DEC128, h, ct, &out);
	if (r.vec != VEC_NONE || r.flags & EFLAGS_ARITH ||
	    !blk_eq(&out, &fips_pt)) {
		*why = "decrypt: fault, flags or plaintext wrong";
		return false;
	}
	return true;
}

/* The operation fails the Key Locker way: ZF=1 only, destination unchanged */
static bool kl_fails(enum aes_op op, const void *h)
{
	struct blk out;
	struct res r = aeskl(op, h, &fips_pt, &out);

	return r.vec == VEC_NONE && r.flags == EFLAGS_ZF &&
	       blk_eq(&out, &fips_pt);
}

static bool kl_works(enum aes_op op, const void *h)
{
	struct blk out;
	struct res r = aeskl(op, h, &fips_pt, &out);

	return r.vec == VEC_NONE && !(r.flags & EFLAGS_ARITH) &&
	       !blk_eq(&out, &fips_pt);
}

static void check_encodekey(bool aes256)
{
	const char *name = aes256 ? "encodekey256-kat" : "encodekey128-kat";
	struct blk xmm[7], aad = { { 0 } };
	const char *why = NULL;
	struct handle h;
	uint32_t dest;
	struct res r;

	r = encodekey(aes256, fips_key, 0, xmm, &dest);
	if (aes256)
		aad.b[3] = AAD_KEYTYPE_256 >> 24;
	memcpy(&h, xmm, sizeof(h));
	if (!aes256)
		memset(&h.b[3], 0, sizeof(h.b[3]));
	if (r.vec != VEC_NONE)
		why = "fault";
	else if (r.flags & EFLAGS_ARITH)
		why = "arithmetic flags not cleared";
	else if (dest != 0)
		why = "destination is not NoBackup=0 KeySource=0";
	else if (!blk_is(&xmm[4], 0) || !blk_is(&xmm[5], 0) ||
		 !blk_is(&xmm[6], 0))
		why = "xmm4-6 not zeroed";
	else if (!blk_eq(&xmm[0], &aad))
		why = "AAD is not restrictions=0 with the key type";
	else if (blk_eq(&xmm[2], &fips_key[0]))
		why = "key appears in the clear in the handle";
	else
		kat(aes256, &h, &why);
	result(name, !why, why);
}

static void check_wide(bool aes256)
{
	const char *name = aes256 ? "wide256-kat" : "wide128-kat";
	struct blk in[8], out[8], back[8], one;
	const char *why = NULL;
	struct handle h;
	struct res r;
	int i;

	if (!HAS_WIDE) {
		memset(in, 0, sizeof(in));
		make_handle(aes256, 0, &h, NULL);
		r = aeswidekl(aes256 ? ENC256 : ENC128, &h, in, out);
		result(aes256 ? "wide256-ud" : "wide128-ud", r.vec == VEC_UD,
		       "AESENCWIDE*KL without CPUID.19H:EBX[2] must #UD");
		return;
	}
	for (i = 0; i < 8; i++) {
		in[i] = fips_pt;
		in[i].b[15] ^= i;
	}
	make_handle(aes256, 0, &h, NULL);
	r = aeswidekl(aes256 ? ENC256 : ENC128, &h, in, out);
	if (r.vec != VEC_NONE || r.flags & EFLAGS_ARITH)
		why = "encrypt: fault or flags";
	else if (!blk_eq(&out[0], aes256 ? &fips_ct256 : &fips_ct128))
		why = "block 0 is not the FIPS-197 ciphertext";
	for (i = 1; i < 8 && !why; i++) {
		aeskl(aes256 ? ENC256 : ENC128, &h, &in[i], &one);
		if (!blk_eq(&out[i], &one))
			why = "a block differs from the single-block result";
	}
	if (!why) {
		r = aeswidekl(aes256 ? DEC256 : DEC128, &h, out, back);
		if (r.vec != VEC_NONE || r.flags & EFLAGS_ARITH ||
		    memcmp(back, in, sizeof(in)))
			why = "decrypt does not give the plaintext back";
	}
	result(name, !why, why);

	/* A failing wide operation leaves all eight registers unchanged */
	h.b[1].b[0] ^= 1;
	r = aeswidekl(aes256 ? ENC256 : ENC128, &h, in, out);
	result(aes256 ? "wide256-tamper" : "wide128-tamper",
	       r.vec == VEC_NONE && r.flags == EFLAGS_ZF &&
	       !memcmp(out, in, sizeof(in)),
	       "tag flipped: ZF=1, XMM0-7 unchanged");
}

static void check_tamper(bool aes256)
{
	static const struct {
		const char *field;
		int blk, byte;
		uint8_t bit;
	} flips[] = {
		{ "aad-cpl0", 0, 0, 0x01 },	/* a valid restriction bit */
		{ "aad-reserved", 0, 0, 0x08 },
		{ "aad-high", 0, 15, 0x80 },
		{ "tag", 1, 7, 0x10 },
		{ "ciphertext", 2, 3, 0x04 },
		{ "ciphertext-high", 3, 12, 0x02 },
	};
	enum aes_op enc = aes256 ? ENC256 : ENC128;
	enum aes_op dec = aes256 ? DEC256 : DEC128;
	char name[48];
	struct handle h, t;
	unsigned int i;

	make_handle(aes256, 0, &h, NULL);
	for (i = 0; i < ARRAY_SIZE(flips); i++) {
		const char *p;
		char *q = name;

		if (flips[i].blk == 3 && !aes256)
			continue;
		for (p = aes256 ? "tamper256-" : "tamper128-"; *p; p++)
			*q++ = *p;
		for (p = flips[i].field; *p; p++)
			*q++ = *p;
		*q = 0;
		t = h;
		t.b[flips[i].blk].b[flips[i].byte] ^= flips[i].bit;
		result(name, kl_fails(enc, &t) && kl_fails(dec, &t),
		       "ZF=1, other flags clear, destination unchanged");
	}
	/* The untouched handle still works, and only for its own key type */
	result(aes256 ? "keytype256-as-128" : "keytype128-as-256",
	       kl_works(enc, &h) && kl_fails(aes256 ? ENC128 : ENC256, &h) &&
	       kl_fails(aes256 ? DEC128 : DEC256, &h),
	       "a handle fails with the other key size's instructions");
}

static void check_restrictions(void)
{
	struct handle h;
	uint32_t dest;

	if (HAS_CPL0) {
		bool ok = make_handle(false, 1, &h, &dest);

		result("restrict-cpl0", ok && (h.b[0].b[0] & 7) == 1 &&
		       kl_works(ENC128, &h) && kl_works(DEC128, &h),
		       "CPL0-only handle works at CPL0");
	} else {
		skip("restrict-cpl0", "CPUID.19H:EAX[0]=0");
	}
	if (HAS_NOENC) {
		bool ok = make_handle(false, 2, &h, &dest);

		result("restrict-noencrypt", ok && kl_fails(ENC128, &h) &&
		       kl_works(DEC128, &h), "encrypt fails, decrypt works");
	} else {
		skip("restrict-noencrypt", "CPUID.19H:EAX[1]=0");
	}
	if (HAS_NODEC) {
		bool ok = make_handle(true, 4, &h, &dest);

		result("restrict-nodecrypt", ok && kl_fails(DEC256, &h) &&
		       kl_works(ENC256, &h), "decrypt fails, encrypt works");
	} else {
		skip("restrict-nodecrypt", "CPUID.19H:EAX[2]=0");
	}
}

static void check_encodekey_gp(void)
{
	static const uint32_t bad[] = { 1u << 3, 1u << 8, 1u << 31 };
	struct blk xmm[7];
	uint32_t dest, bit;
	bool ok = true;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ok &= encodekey(false, fips_key, bad[i], xmm, &dest).vec == VEC_GP;
	/* Restriction bits the CPU does not enumerate are reserved too */
	for (bit = 0; bit < 3; bit++)
		if (!(c19[EAX] & (1u << bit)))
			ok &= encodekey(true, fips_key, 1u << bit, xmm,
					&dest).vec == VEC_GP;
	result("encodekey-reserved-gp", ok, "reserved/unsupported src bits");
}

static void check_loadiwkey_rules(void)
{
	static const uint32_t bad[] = { 1u << 5, 2u << 1, 15u << 1, 1u << 31 };
	bool ok = true;
	unsigned int i;
	struct handle h;
	struct res r;
	uint32_t dest;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ok &= load_key(iw_a, bad[i]).vec == VEC_GP;
	result("loadiwkey-reserved-gp", ok, "EAX[31:5] and KeySource>1");

	r = load_key(iw_a, 1);
	if (HAS_NOBACKUP) {
		make_handle(false, 0, &h, &dest);
		result("loadiwkey-nobackup", r.vec == VEC_NONE && !r.zf &&
		       dest == 1, "NoBackup=1 accepted, ENCODEKEY reports it");
	} else {
		result("loadiwkey-nobackup-gp", r.vec == VEC_GP,
		       "NoBackup=1 without CPUID.19H:ECX[0]");
	}

	/* Changing the IWKey invalidates handles; reloading it revives them */
	load_key(iw_a, 0);
	make_handle(false, 0, &h, NULL);
	load_key(iw_b, 0);
	ok = kl_fails(ENC128, &h);
	load_key(iw_a, 0);
	result("iwkey-change", ok && kl_works(ENC128, &h),
	       "handle fails under another IWKey, works again under its own");

	r = load_key(iw_a, 2);
	if (!HAS_KEYSOURCE) {
		result("loadiwkey-keysource-gp", r.vec == VEC_GP,
		       "KeySource=1 without CPUID.19H:ECX[1]");
	} else if (expect("randomflaky") == 1) {
		/* The scenario's source delivers on every fourth try only */
		ok = r.vec == VEC_NONE && r.flags == EFLAGS_ZF;
		ok &= load_key(iw_a, 2).flags == EFLAGS_ZF;
		ok &= load_key(iw_a, 2).flags == EFLAGS_ZF;
		ok &= load_key(iw_a, 2).flags == 0;
		ok &= load_key(iw_a, 2).flags == EFLAGS_ZF;
		result("loadiwkey-random-flaky", ok,
		       "ZF=1 three times, then a key, then ZF=1 again");
	} else if (expect("randomfail") == 1) {
		result("loadiwkey-random-fail", r.vec == VEC_NONE &&
		       r.flags == EFLAGS_ZF && kl_works(ENC128, &h),
		       "ZF=1 and the previous IWKey stays loaded");
	} else {
		struct handle hr;

		ok = r.vec == VEC_NONE && r.flags == 0;
		make_handle(false, 0, &hr, &dest);
		result("loadiwkey-random", ok && dest == 2 &&
		       kl_fails(ENC128, &h) && kat(false, &hr, &(const char *){0}),
		       "KeySource=1 key is not the software key; reported");
	}
	load_key(iw_a, 0);
}

/*
 * Polls IA32_IWKEYBACKUP_STATUS until the backup is valid, as Intel's code
 * does ("backupdelay=1": the model completes copies later).
 */
static bool wait_backup(void)
{
	unsigned long polls;
	uint64_t bst = 0;

	for (polls = 0; polls < 100000000; polls++) {
		if (try_rdmsr(MSR_IWKEYBACKUP_STATUS, &bst) != VEC_NONE)
			return false;
		if (bst & 1)
			return true;
	}
	return false;
}

static void check_backup(void)
{
	bool delayed = expect("backupdelay") == 1;
	struct handle ha, hn;
	uint64_t st = 0, bst = 0;
	bool ok;

	if (!HAS_BACKUP) {
		result("backup-msrs-gp",
		       try_rdmsr(MSR_COPY_STATUS, &st) == VEC_GP &&
		       try_rdmsr(MSR_IWKEYBACKUP_STATUS, &st) == VEC_GP &&
		       try_wrmsr(MSR_COPY_LOCAL_TO_PLATFORM, 1) == VEC_GP &&
		       try_wrmsr(MSR_COPY_PLATFORM_TO_LOCAL, 1) == VEC_GP,
		       "backup MSRs #GP without CPUID.19H:EBX[4]");
		return;
	}

	load_key(iw_a, 0);
	make_handle(false, 0, &ha, NULL);
	ok = try_wrmsr(MSR_COPY_LOCAL_TO_PLATFORM, 1) == VEC_NONE;
	if (delayed) {
		ok &= try_rdmsr(MSR_IWKEYBACKUP_STATUS, &bst) == VEC_NONE &&
		      !(bst & 1);
		ok &= wait_backup();
	}
	ok &= try_rdmsr(MSR_COPY_STATUS, &st) == VEC_NONE &&
	      try_rdmsr(MSR_IWKEYBACKUP_STATUS, &bst) == VEC_NONE;
	result("backup", ok && (st & 1) && (bst & 1) && !(bst & 8),
	       "IA32_COPY_STATUS[0]=1, IA32_IWKEYBACKUP_STATUS[0]=1, [3]=0");
	if (delayed) {
		/* A restore while the copy is in progress finds no backup */
		load_key(iw_b, 0);
		st = 1;
		ok = try_wrmsr(MSR_COPY_LOCAL_TO_PLATFORM, 1) == VEC_NONE &&
		     try_wrmsr(MSR_COPY_PLATFORM_TO_LOCAL, 1) == VEC_NONE &&
		     try_rdmsr(MSR_COPY_STATUS, &st) == VEC_NONE && !(st & 1);
		ok &= wait_backup();
		load_key(iw_a, 0);
		ok &= try_wrmsr(MSR_COPY_LOCAL_TO_PLATFORM, 1) == VEC_NONE &&
		      wait_backup();
		result("backup-delayed", ok,
		       "valid only once the copy completes; no restore before");
	}

	load_key(iw_b, 0);
	ok = kl_fails(ENC128, &ha);
	st = 0;
	ok &= try_wrmsr(MSR_COPY_PLATFORM_TO_LOCAL, 1) == VEC_NONE &&
	      try_rdmsr(MSR_COPY_STATUS, &st) == VEC_NONE;
	result("restore", ok && (st & 1) && kl_works(ENC128, &ha) &&
	       kat(false, &ha, &(const char *){0}),
	       "restore brings back the backed-up IWKey");

	load_key(iw_b, 0);
	ok = try_rdmsr(MSR_IWKEYBACKUP_STATUS, &bst) == VEC_NONE &&
	     (bst & 9) == 9;
	st = 0;
	ok &= try_wrmsr(MSR_COPY_PLATFORM_TO_LOCAL, 1) == VEC_NONE &&
	      try_rdmsr(MSR_COPY_STATUS, &st) == VEC_NONE && (st & 1);
	result("backup-consumed", ok && kl_works(ENC128, &ha),
	       "IWKEYBACKUP_STATUS[3]=1 after a restore; the backup stays usable");

	if (HAS_NOBACKUP) {
		/* A valid backup exists (iw_a): the refusal must still show */
		load_key(iw_b, 1);
		make_handle(false, 0, &hn, NULL);
		st = 1;
		bst = 1;
		ok = try_wrmsr(MSR_COPY_LOCAL_TO_PLATFORM, 1) == VEC_NONE &&
		     try_rdmsr(MSR_COPY_STATUS, &st) == VEC_NONE && !(st & 1) &&
		     try_rdmsr(MSR_IWKEYBACKUP_STATUS, &bst) == VEC_NONE &&
		     !(bst & 1);
		st = 1;
		ok &= try_wrmsr(MSR_COPY_PLATFORM_TO_LOCAL, 1) == VEC_NONE &&
		      try_rdmsr(MSR_COPY_STATUS, &st) == VEC_NONE && !(st & 1) &&
		      kl_works(ENC128, &hn) && kl_fails(ENC128, &ha);
		result("backup-nobackup-refused", ok,
		       "NoBackup key: copy and status say so, no backup to restore");
	} else {
		skip("backup-nobackup-refused", "CPUID.19H:ECX[0]=0");
	}

	result("backup-msr-access",
	       try_wrmsr(MSR_COPY_LOCAL_TO_PLATFORM, 2) == VEC_GP &&
	       try_wrmsr(MSR_COPY_STATUS, 0) == VEC_GP &&
	       try_wrmsr(MSR_IWKEYBACKUP_STATUS, 0) == VEC_GP &&
	       try_rdmsr(MSR_COPY_LOCAL_TO_PLATFORM, &st) == VEC_GP,
	       "reserved bits, read-only and write-only MSRs #GP");
	load_key(iw_a, 0);
}

/*
 * The host side of the paravirt protocol, with "pv=1": discovery, a request
 * (any, or random with "pvrandom=1"), and what a hostile host does:
 * "pvlie=1" claims a hardware-random key and loads a software one, which
 * ENCODEKEY shows; "pvfault=1" advertises the protocol but faults on its
 * MSR.  Once the host keyed the guest, LOADIWKEY is #UD.  Runs last: the
 * host keeps the guest keyed.
 */
static void check_paravirt(void)
{
	struct blk xmm[7];
	uint32_t r[4], info = 0;
	uint64_t resp = 0;
	bool random = expect("pvrandom") == 1;

	cpuid(0x40000000, 0, r);
	result("pv-discovery",
	       r[1] == 0x4b4d564b && r[2] == 0x564b4d56 && r[3] == 0x4d &&
	       r[0] >= 0x40000001 &&
	       (cpuid(0x40000001, 0, r), r[0] & (1u << KVM_FEATURE_KEYLOCKER)),
	       "KVM signature, KVM_FEATURE_KEYLOCKER");
	if (expect("pvfault") == 1) {
		result("pv-msr-faults",
		       try_wrmsr(MSR_KVM_KEYLOCKER, 1) == VEC_GP &&
		       try_rdmsr(MSR_KVM_KEYLOCKER, &resp) == VEC_GP,
		       "the advertised MSR raises #GP");
		return;
	}
	result("pv-request",
	       try_wrmsr(MSR_KVM_KEYLOCKER, random ? 2 : 1) == VEC_NONE &&
	       try_rdmsr(MSR_KVM_KEYLOCKER, &resp) == VEC_NONE &&
	       (resp & 1) && !(resp >> 63),
	       "the host answers success");
	if (encodekey(false, &fips_key[0], 0, xmm, &info).vec != VEC_NONE) {
		result("pv-keysource", false, "ENCODEKEY faulted");
		return;
	}
	if (expect("pvlie") == 1)
		result("pv-lie-visible",
		       ((resp >> 1) & 0xf) == 1 && ((info >> 1) & 0xf) == 0,
		       "response KeySource=1, ENCODEKEY KeySource=0");
	else
		result("pv-keysource",
		       ((resp >> 1) & 0xf) == ((info >> 1) & 0xf) &&
		       ((info >> 1) & 0xf) == (random ? 1 : 0),
		       "response and ENCODEKEY agree on KeySource");
	result("pv-loadiwkey-ud", load_key(iw_a, 0).vec == VEC_UD,
	       "LOADIWKEY is #UD once the host keyed the guest");
}

/* Exceptions of the architectural environment: TS, EM, OSFXSR, LOCK */
static void check_exceptions(void)
{
	uint32_t cr0 = read_cr0(), cr4 = read_cr4();
	struct handle h;
	int v1, v2, v3, v4;

	make_handle(false, 0, &h, NULL);

	write_cr0(cr0 | CR0_TS);
	try_begin();
	asm volatile(TRY "encodekey128 %%eax, %%eax\n1:" : : : "eax", "memory", "cc");
	v1 = try_end();
	try_begin();
	asm volatile(TRY "aesenc128kl (%0), %%xmm0\n1:" : : "r"(&h) : "xmm0", "memory", "cc");
	v2 = try_end();
	try_begin();
	asm volatile(TRY "xorl %%eax, %%eax\n\tloadiwkey %%xmm1, %%xmm0\n1:"
		     : : : "eax", "memory", "cc");
	v3 = try_end();
	asm volatile("clts");
	result("nm-ts", v1 == VEC_NM && v2 == VEC_NM && v3 == VEC_NM,
	       "CR0.TS=1: #NM");

	write_cr0(cr0 | CR0_EM);
	try_begin();
	asm volatile(TRY "encodekey128 %%eax, %%eax\n1:" : : : "eax", "memory", "cc");
	v1 = try_end();
	write_cr0(cr0);
	try_write_cr4(cr4 & ~CR4_OSFXSR);
	try_begin();
	asm volatile(TRY "aesdec128kl (%0), %%xmm0\n1:" : : "r"(&h) : "xmm0", "memory", "cc");
	v2 = try_end();
	try_write_cr4(cr4);
	result("ud-em-osfxsr", v1 == VEC_UD && v2 == VEC_UD,
	       "CR0.EM=1 or CR4.OSFXSR=0: #UD");

	/* LOCK ENCODEKEY128; AESDEC128KL and AESENCWIDE128KL register forms; D8 /4 */
	try_begin();
	asm volatile(TRY ".byte 0xf0, 0xf3, 0x0f, 0x38, 0xfa, 0xc0\n1:"
		     : : : "eax", "memory", "cc");
	v1 = try_end();
	try_begin();
	asm volatile(TRY ".byte 0xf3, 0x0f, 0x38, 0xdd, 0xc1\n1:" : : : "xmm0", "memory", "cc");
	v2 = try_end();
	try_begin();
	asm volatile(TRY ".byte 0xf3, 0x0f, 0x38, 0xd8, 0xc0\n1:" : : : "memory", "cc");
	v3 = try_end();
	try_begin();
	asm volatile(TRY ".byte 0xf3, 0x0f, 0x38, 0xd8, 0x20\n1:"
		     : : "a"(&h) : "memory", "cc");
	v4 = try_end();
	result("ud-encodings", v1 == VEC_UD && v2 == VEC_UD && v3 == VEC_UD &&
	       v4 == VEC_UD,
	       "LOCK prefix, register-form AES*KL, D8 /4: #UD");
}

static void check_cr4_kl_off(bool aeskle_expected)
{
	uint32_t cr4 = read_cr4(), r[4];
	struct handle h;
	struct blk xmm[7];
	uint32_t dest;
	bool ok;

	make_handle(false, 0, &h, NULL);
	try_write_cr4(cr4 & ~CR4_KL);
	cpuid(0x19, 0, r);
	ok = encodekey(false, fips_key, 0, xmm, &dest).vec == VEC_UD &&
	     aeskl(ENC128, &h, &fips_pt, &xmm[0]).vec == VEC_UD &&
	     load_key(iw_a, 0).vec == VEC_UD && !(r[1] & 1);
	try_write_cr4(cr4);
	cpuid(0x19, 0, r);
	result("ud-cr4-kl-clear", ok && !!(r[1] & 1) == aeskle_expected &&
	       kl_works(ENC128, &h),
	       "CR4.KL=0: #UD, AESKLE=0; IWKey survives CR4.KL toggling");
}

static void run_without_kl(void)
{
	struct blk xmm[7], wide[8] = { 0 };
	uint32_t dest;
	struct handle h = { 0 };

	result("no-kl-cr4-gp", try_write_cr4(read_cr4() | CR4_KL) == VEC_GP,
	       "CR4.KL is reserved without CPUID.07H:ECX[23]");
	result("no-kl-ud",
	       encodekey(false, fips_key, 0, xmm, &dest).vec == VEC_UD &&
	       load_key(iw_a, 0).vec == VEC_UD &&
	       aeskl(ENC128, &h, &fips_pt, &xmm[0]).vec == VEC_UD &&
	       aeswidekl(ENC128, &h, wide, wide).vec == VEC_UD,
	       "Key Locker instructions #UD");
}

static void run_without_aeskle(void)
{
	struct blk xmm[7];
	uint32_t dest;
	struct handle h = { 0 };

	result("no-aeskle",
	       load_key(iw_a, 0).vec == VEC_NONE &&
	       encodekey(false, fips_key, 0, xmm, &dest).vec == VEC_UD &&
	       aeskl(DEC128, &h, &fips_pt, &xmm[0]).vec == VEC_UD,
	       "AESKLE=0: LOADIWKEY works, the others #UD");
}

void kl_main(uint32_t magic, const uint32_t *mbi);
void kl_main(uint32_t magic, const uint32_t *mbi)
{
	uint32_t r[4];
	int mismatches;
	bool kl, ok;

	if (magic == 0x2badb002 && (mbi[0] & (1u << 2)))
		cmdline = (const char *)mbi[4];
	puts_serial("# klconf: Key Locker conformance, cmdline \"");
	puts_serial(cmdline);
	puts_serial("\"\n");

	/* The tests need SSE; the compiler itself does not use it */
	try_write_cr4(read_cr4() | CR4_OSFXSR);
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | 2 /* MP */);

	cpuid(7, 0, r);
	kl = r[2] & (1u << 23);
	if (!enumeration_matches("kl", kl)) {
		result("cpuid", false, "CPUID.07H:ECX[23] differs from the scenario");
		finish();
	}
	if (!kl) {
		run_without_kl();
		finish();
	}

	cpuid(0x19, 0, r);
	ok = !(r[1] & 1);
	result("cpuid-aeskle-before-cr4", ok, "AESKLE reads 0 while CR4.KL=0");
	if (try_write_cr4(read_cr4() | CR4_KL) != VEC_NONE) {
		result("cr4-kl-set", false, "#GP setting CR4.KL");
		finish();
	}
	cpuid(0x19, 0, c19);
	mismatches = !enumeration_matches("cpl0", HAS_CPL0) +
		     !enumeration_matches("noenc", HAS_NOENC) +
		     !enumeration_matches("nodec", HAS_NODEC) +
		     !enumeration_matches("aeskle", HAS_AESKLE) +
		     !enumeration_matches("wide", HAS_WIDE) +
		     !enumeration_matches("backup", HAS_BACKUP) +
		     !enumeration_matches("nobackup", HAS_NOBACKUP) +
		     !enumeration_matches("keysource", HAS_KEYSOURCE);
	ok = !mismatches;
	ok &= !(c19[EAX] & ~7u) && !(c19[EBX] & ~0x15u) &&
	      !(c19[ECX] & ~3u) && !c19[3];
	puts_serial("# CPUID.19H eax ");
	puthex(c19[EAX]);
	puts_serial(" ebx ");
	puthex(c19[EBX]);
	puts_serial(" ecx ");
	puthex(c19[ECX]);
	putc_serial('\n');
	result("cpuid", ok, "leaf 0x19 matches the scenario, reserved bits 0");

	if (!HAS_AESKLE) {
		run_without_aeskle();
		finish();
	}

	if (load_key(iw_a, 0).vec != VEC_NONE) {
		result("loadiwkey", false, "LOADIWKEY faulted");
		finish();
	}
	check_encodekey(false);
	check_encodekey(true);
	check_wide(false);
	check_wide(true);
	check_tamper(false);
	check_tamper(true);
	check_restrictions();
	check_encodekey_gp();
	check_loadiwkey_rules();
	check_backup();
	check_exceptions();
	if (expect("pv") == 1)
		check_paravirt();
	check_cr4_kl_off(true);
	finish();
}
