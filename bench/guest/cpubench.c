/* cpubench.c - a CPU-bound guest for comparing the software CPU with
 * QEMU's TCG: integer work of the kinds compilers emit (a sieve, sorting,
 * a CRC, a hash table, string scanning, integer matrix multiply), in
 * freestanding C. Prints a checksum on COM1 and returns the debug-exit
 * value 0x10 (vmkit and QEMU exit with status 33) if it matches. */
#include <stddef.h>
#include <stdint.h>

#ifndef ROUNDS
#define ROUNDS 40
#endif

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void putc_(char c)
{
	while (!(inb(0x3fd) & 0x20))
		;
	outb(0x3f8, (uint8_t)c);
}

static void puts_(const char *s)
{
	while (*s)
		putc_(*s++);
}

static void puthex(uint64_t v)
{
	for (int i = 60; i >= 0; i -= 4)
		putc_("0123456789abcdef"[(v >> i) & 15]);
}

static uint8_t sieve_buf[1 << 16];

static uint64_t sieve(void)
{
	uint64_t n = 0;

	for (size_t i = 0; i < sizeof(sieve_buf); i++)
		sieve_buf[i] = 1;
	for (size_t i = 2; i * i < sizeof(sieve_buf); i++)
		if (sieve_buf[i])
			for (size_t j = i * i; j < sizeof(sieve_buf); j += i)
				sieve_buf[j] = 0;
	for (size_t i = 2; i < sizeof(sieve_buf); i++)
		n += sieve_buf[i];
	return n;
}

static uint32_t arr[4096];

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void quicksort(uint32_t *a, long lo, long hi)
{
	while (lo < hi) {
		uint32_t p = a[(lo + hi) / 2];
		long i = lo, j = hi;

		while (i <= j) {
			while (a[i] < p)
				i++;
			while (a[j] > p)
				j--;
			if (i <= j) {
				uint32_t t = a[i];
				a[i++] = a[j];
				a[j--] = t;
			}
		}
		if (j - lo < hi - i) {
			quicksort(a, lo, j);
			lo = i;
		} else {
			quicksort(a, i, hi);
			hi = j;
		}
	}
}

static uint64_t sort(void)
{
	uint64_t s = 0;

	for (size_t i = 0; i < 4096; i++)
		arr[i] = (uint32_t)rng();
	quicksort(arr, 0, 4095);
	for (size_t i = 1; i < 4096; i++)
		s += arr[i] >= arr[i - 1];
	return s + arr[2048];
}

static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffff;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320 & -(c & 1));
	}
	return ~c;
}

#define HSIZE 8192
static uint64_t hkeys[HSIZE], hvals[HSIZE];

static uint64_t hashing(void)
{
	uint64_t s = 0;

	for (size_t i = 0; i < HSIZE; i++)
		hkeys[i] = 0;
	for (uint64_t i = 1; i < HSIZE / 2; i++) {
		uint64_t k = i * 0x9e3779b97f4a7c15ULL, h = (k >> 51) & (HSIZE - 1);

		while (hkeys[h])
			h = (h + 1) & (HSIZE - 1);
		hkeys[h] = k;
		hvals[h] = i;
	}
	for (uint64_t i = 1; i < HSIZE / 2; i++) {
		uint64_t k = i * 0x9e3779b97f4a7c15ULL, h = (k >> 51) & (HSIZE - 1);

		while (hkeys[h] != k)
			h = (h + 1) & (HSIZE - 1);
		s += hvals[h];
	}
	return s;
}

static char text[16384];

static uint64_t strings(void)
{
	uint64_t words = 0, len = 0;

	for (size_t i = 0; i < sizeof(text) - 1; i++)
		text[i] = (rng() & 7) ? (char)('a' + rng() % 26) : ' ';
	text[sizeof(text) - 1] = 0;
	for (const char *p = text; *p; p++) {
		if (*p != ' ' && (p == text || p[-1] == ' '))
			words++;
		len++;
	}
	return words * 31 + len;
}

#define MN 48
static int32_t ma[MN][MN], mb[MN][MN], mc[MN][MN];

static uint64_t matmul(void)
{
	uint64_t s = 0;

	for (int i = 0; i < MN; i++)
		for (int j = 0; j < MN; j++) {
			ma[i][j] = (int32_t)(rng() % 100) - 50;
			mb[i][j] = (int32_t)(rng() % 100) - 50;
		}
	for (int i = 0; i < MN; i++)
		for (int j = 0; j < MN; j++) {
			int32_t acc = 0;

			for (int k = 0; k < MN; k++)
				acc += ma[i][k] * mb[k][j];
			mc[i][j] = acc;
		}
	for (int i = 0; i < MN; i++)
		s += (uint64_t)(uint32_t)mc[i][(i * 7) % MN];
	return s;
}

int bench_main(void);
int bench_main(void)
{
	uint64_t sum = 0;

	for (int r = 0; r < ROUNDS; r++) {
		sum = sum * 31 + sieve();
		sum = sum * 31 + sort();
		sum = sum * 31 + crc32(sieve_buf, sizeof(sieve_buf));
		sum = sum * 31 + hashing();
		sum = sum * 31 + strings();
		sum = sum * 31 + matmul();
	}
	puts_("cpubench checksum ");
	puthex(sum);
	puts_("\n");
	return 0x10;
}
