// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the radix page table (core/radix_pgtable.c) in the VT-d
 * second-level format (drivers/vtd/vtd_slfmt.c) and of the reference walker
 * (drivers/vtd/vtd_walk.c).
 *
 * Golden values are worked out by hand from the VT-d specification: a
 * second-level entry is address | R(bit 0) | W(bit 1) | PS(bit 7) for
 * leaves above 4K; a table link is address | R | W; level L indexes IOVA
 * bits 12 + 9(L-1) .. 20 + 9(L-1).  The walker tests build the root,
 * context, PASID directory and PASID table entries by hand from raw
 * numbers, not with the driver's encoders.
 */
#include <kunit/test.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <iofd/pgtable.h>
#include "drivers/vtd/vtd_entries.h"
#include "drivers/vtd/vtd_walk.h"

#define RWX_RW 3ULL	/* R | W */

static u64 *table_of(u64 pte)
{
	return phys_to_virt(pte & GENMASK_ULL(51, 12));
}

static void pt_setup(struct kunit *test, struct iofd_pgtable *pt,
		     unsigned int levels, unsigned long pgsizes)
{
	KUNIT_ASSERT_EQ(test, iofd_pgtable_init(pt, &vtd_sl_fmt, levels, pgsizes,
					       GFP_KERNEL), 0);
}

static void pgtable_golden_4k(struct kunit *test)
{
	struct iofd_pgtable pt = {};
	size_t mapped;
	u64 *l2, *l1;
	int i;

	pt_setup(test, &pt, 3, SZ_4K);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x1000, 0x12345000, SZ_4K,
					      1, true, true, GFP_KERNEL,
					      &mapped), 0);
	KUNIT_EXPECT_EQ(test, mapped, (size_t)SZ_4K);
	/* IOVA 0x1000: level 3 index 0, level 2 index 0, level 1 index 1 */
	KUNIT_ASSERT_EQ(test, pt.top[0] & 0xfff, RWX_RW);
	l2 = table_of(pt.top[0]);
	KUNIT_ASSERT_EQ(test, l2[0] & 0xfff, RWX_RW);
	l1 = table_of(l2[0]);
	KUNIT_EXPECT_EQ(test, l1[1], 0x12345003ULL);
	for (i = 0; i < 512; i++) {
		if (i)
			KUNIT_EXPECT_EQ(test, pt.top[i], 0ULL);
		if (i != 1)
			KUNIT_EXPECT_EQ(test, l1[i], 0ULL);
	}
	KUNIT_EXPECT_EQ(test, pt.nr_tables, 3UL);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_iova_to_phys(&pt, 0x1abc),
			(phys_addr_t)0x12345abc);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_iova_to_phys(&pt, 0x2000),
			(phys_addr_t)0);
	iofd_pgtable_destroy(&pt);
}

static void pgtable_golden_large(struct kunit *test)
{
	struct iofd_pgtable pt = {};
	size_t mapped;
	u64 *l3, *l2;

	pt_setup(test, &pt, 4, SZ_4K | SZ_2M | SZ_1G);
	/* 2M read-only at 0x40600000: L4 index 0, L3 index 1, L2 index 3 */
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x40600000, 0x80000000,
					      SZ_2M, 1, true, false,
					      GFP_KERNEL, &mapped), 0);
	l3 = table_of(pt.top[0]);
	l2 = table_of(l3[1]);
	KUNIT_EXPECT_EQ(test, l2[3], 0x80000081ULL);
	/* 1G read-write at 0x80000000: L3 index 2 */
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x80000000, 0x100000000ULL,
					      SZ_1G, 1, true, true,
					      GFP_KERNEL, &mapped), 0);
	KUNIT_EXPECT_EQ(test, l3[2], 0x100000083ULL);
	/* Two 2M leaves in one call, write-only */
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x40a00000, 0xc0000000,
					      SZ_2M, 2, false, true,
					      GFP_KERNEL, &mapped), 0);
	KUNIT_EXPECT_EQ(test, mapped, (size_t)SZ_4M);
	KUNIT_EXPECT_EQ(test, l2[5], 0xc0000082ULL);
	KUNIT_EXPECT_EQ(test, l2[6], 0xc0200082ULL);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_iova_to_phys(&pt, 0x9234abcd),
			(phys_addr_t)0x11234abcdULL);
	KUNIT_EXPECT_EQ(test, pt.nr_tables, 3UL);
	iofd_pgtable_destroy(&pt);
}

static void pgtable_unmap_frees_tables(struct kunit *test)
{
	struct iofd_pgtable pt = {};
	LIST_HEAD(freelist);
	struct page *page;
	size_t mapped;
	int n = 0;

	pt_setup(test, &pt, 3, SZ_4K | SZ_2M);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x1000, 0x5000, SZ_4K, 3,
					      true, true, GFP_KERNEL,
					      &mapped), 0);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_unmap(&pt, 0x1000, SZ_4K, 3,
						&freelist), (size_t)0x3000);
	list_for_each_entry(page, &freelist, lru)
		n++;
	/* The level-1 and level-2 tables went; the top stays */
	KUNIT_EXPECT_EQ(test, n, 2);
	KUNIT_EXPECT_EQ(test, pt.top[0], 0ULL);
	KUNIT_EXPECT_EQ(test, pt.nr_tables, 1UL);
	iofd_pgtable_free_list(&freelist);
	/* A 2M leaf now fits where the 4K table was */
	KUNIT_EXPECT_EQ(test, iofd_pgtable_map(&pt, 0, 0x200000, SZ_2M, 1,
					      true, true, GFP_KERNEL,
					      &mapped), 0);
	iofd_pgtable_destroy(&pt);
}

static void pgtable_unmap_partial(struct kunit *test)
{
	struct iofd_pgtable pt = {};
	LIST_HEAD(freelist);
	size_t mapped;

	pt_setup(test, &pt, 3, SZ_4K | SZ_2M);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x200000, 0x400000, SZ_2M,
					      1, true, true, GFP_KERNEL,
					      &mapped), 0);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x1000, 0x1000, SZ_4K, 2,
					      true, true, GFP_KERNEL,
					      &mapped), 0);
	/* Part of a 2M leaf is not unmapped; a 4K leaf beside it is */
	KUNIT_EXPECT_EQ(test, iofd_pgtable_unmap(&pt, 0x200000, SZ_4K, 1,
						&freelist), (size_t)0);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_iova_to_phys(&pt, 0x200123),
			(phys_addr_t)0x400123);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_unmap(&pt, 0x2000, SZ_4K, 1,
						&freelist), (size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_iova_to_phys(&pt, 0x1010),
			(phys_addr_t)0x1010);
	/* The whole 2M leaf in a 4K-granular unmap */
	KUNIT_EXPECT_EQ(test, iofd_pgtable_unmap(&pt, 0x200000, SZ_4K, 512,
						&freelist), (size_t)SZ_2M);
	KUNIT_EXPECT_TRUE(test, list_empty(&freelist));
	iofd_pgtable_destroy(&pt);
}

static void pgtable_rejects(struct kunit *test)
{
	struct iofd_pgtable pt = {};
	size_t mapped;

	pt_setup(test, &pt, 3, SZ_4K | SZ_2M);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0, 0x1000, SZ_4K, 1, true,
					      false, GFP_KERNEL, &mapped), 0);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_map(&pt, 0, 0x1000, SZ_4K, 1, true,
					      false, GFP_KERNEL, &mapped),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, mapped, (size_t)0);
	/* A 2M leaf over a table with a 4K leaf */
	KUNIT_EXPECT_EQ(test, iofd_pgtable_map(&pt, 0, 0, SZ_2M, 1, true,
					      false, GFP_KERNEL, &mapped),
			-EEXIST);
	/* 1G is not in pgsizes; misaligned; no permission; beyond 39 bits */
	KUNIT_EXPECT_EQ(test, iofd_pgtable_map(&pt, 0, 0, SZ_1G, 1, true, true,
					      GFP_KERNEL, &mapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_map(&pt, 0x1800, 0, SZ_4K, 1, true,
					      true, GFP_KERNEL, &mapped),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_map(&pt, 0x400000, 0x1000, SZ_2M, 1,
					      true, true, GFP_KERNEL,
					      &mapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_map(&pt, 0x5000, 0x1000, SZ_4K, 1,
					      false, false, GFP_KERNEL,
					      &mapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_map(&pt, 1ULL << 39, 0x1000, SZ_4K,
					      1, true, true, GFP_KERNEL,
					      &mapped), -EINVAL);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_map(&pt, (1ULL << 39) - SZ_4K,
					      0x1000, SZ_4K, 2, true, true,
					      GFP_KERNEL, &mapped), -EINVAL);
	/* The last page of the space is fine */
	KUNIT_EXPECT_EQ(test, iofd_pgtable_map(&pt, (1ULL << 39) - SZ_4K,
					      0x7000, SZ_4K, 1, true, true,
					      GFP_KERNEL, &mapped), 0);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_iova_to_phys(&pt, (1ULL << 39) - 1),
			(phys_addr_t)0x7fff);
	iofd_pgtable_destroy(&pt);
}

/* Every entry the unit may see must have been flushed after its write */
#define MAX_FLUSHES 64
static struct {
	void *va[MAX_FLUSHES];
	size_t len[MAX_FLUSHES];
	int n;
} flushes;

static void record_flush(void *va, size_t len)
{
	if (flushes.n < MAX_FLUSHES) {
		flushes.va[flushes.n] = va;
		flushes.len[flushes.n] = len;
	}
	flushes.n++;
}

static bool flushed(void *p)
{
	int i;

	for (i = 0; i < min(flushes.n, MAX_FLUSHES); i++)
		if (p >= flushes.va[i] &&
		    p + sizeof(u64) <= flushes.va[i] + flushes.len[i])
			return true;
	return false;
}

static void pgtable_flushes_every_write(struct kunit *test)
{
	struct iofd_pgtable pt = { .flush = record_flush };
	LIST_HEAD(freelist);
	u64 *l2, *l1;
	size_t mapped;
	int i, before;

	flushes.n = 0;
	pt_setup(test, &pt, 3, SZ_4K | SZ_2M);
	KUNIT_EXPECT_TRUE(test, flushed(&pt.top[0]));
	KUNIT_EXPECT_TRUE(test, flushed(&pt.top[511]));
	flushes.n = 0;
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x1ff000, 0x3000, SZ_4K, 2,
					      true, true, GFP_KERNEL,
					      &mapped), 0);
	KUNIT_ASSERT_LE(test, flushes.n, MAX_FLUSHES);
	l2 = table_of(pt.top[0]);
	KUNIT_EXPECT_TRUE(test, flushed(&pt.top[0]));
	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_TRUE(test, flushed(&l2[i]));
		l1 = table_of(l2[i]);
		/* The new tables were flushed whole before being linked */
		KUNIT_EXPECT_TRUE(test, flushed(&l1[0]));
		KUNIT_EXPECT_TRUE(test, flushed(&l1[511]));
	}
	before = flushes.n;
	flushes.n = 0;
	KUNIT_EXPECT_EQ(test, iofd_pgtable_unmap(&pt, 0x1ff000, SZ_4K, 1,
						&freelist), (size_t)SZ_4K);
	/* That emptied the first level-1 table: its link was cleared */
	KUNIT_EXPECT_EQ(test, l2[0], 0ULL);
	KUNIT_EXPECT_TRUE(test, flushed(&l2[0]));
	KUNIT_EXPECT_FALSE(test, list_empty(&freelist));
	iofd_pgtable_free_list(&freelist);
	flushes.n = 0;
	KUNIT_EXPECT_EQ(test, iofd_pgtable_unmap(&pt, 0x200000, SZ_4K, 1,
						&freelist), (size_t)SZ_4K);
	KUNIT_EXPECT_TRUE(test, flushed(&l2[1]));
	iofd_pgtable_free_list(&freelist);
	KUNIT_EXPECT_GT(test, before, 0);
	iofd_pgtable_destroy(&pt);
}

/* ---- the reference walker ---------------------------------------------- */

/* Reads allowed only from pages the test registered */
struct test_mem {
	void *pages[16];
	int n;
};

static int test_mem_read(void *ctx, u64 pa, void *buf, size_t len)
{
	struct test_mem *m = ctx;
	int i;

	for (i = 0; i < m->n; i++) {
		u64 base = virt_to_phys(m->pages[i]);

		if (pa >= base && pa + len <= base + PAGE_SIZE) {
			memcpy(buf, m->pages[i] + (pa - base), len);
			return 0;
		}
	}
	return -EFAULT;
}

static u64 *test_page(struct kunit *test, struct test_mem *m)
{
	u64 *p = (u64 *)get_zeroed_page(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_LT(test, m->n, 16);
	m->pages[m->n++] = p;
	return p;
}

static void test_mem_free(struct test_mem *m)
{
	while (m->n)
		free_page((unsigned long)m->pages[--m->n]);
}

/* Let the walker also read a page table's pages */
static int add_tables(struct test_mem *m, u64 *table, unsigned int level)
{
	int i;

	if (m->n == 16)
		return -ENOSPC;
	m->pages[m->n++] = table;
	for (i = 0; level > 1 && i < 512; i++)
		if ((table[i] & 3) && !(table[i] & BIT(7)) &&
		    add_tables(m, table_of(table[i]), level - 1))
			return -ENOSPC;
	return 0;
}

/*
 * Hand-built scalable-mode structures for RID 00:02.0 (bus 0, devfn 0x10)
 * and RID 00:1f.2 (devfn 0xfa, upper half of the root entry):
 *  root[0].lo  = context table A | P, root[0].hi = context table B | P
 *  ctx A[0x10] = PASID dir | PDTS 0 (128 entries) | PASIDE | P,
 *		  RID_PASID = 5
 *  dir[0]      = PASID table | P
 *  ptable[5]   = second level: SLPTPTR | PGTT 2 | AW 1 (39 bits) | P,
 *		  DID 42 in bits 79:64
 *  ptable[9]   = pass-through: PGTT 4 | AW 1 | P, DID 1
 *  ctx B[0x7a] = same directory, RID_PASID 9, PASIDE clear
 */
struct walk_fixture {
	struct test_mem mem;
	struct vtd_walk_unit unit;
	u64 *root, *ctx_a, *ctx_b, *dir, *ptable;
};

static void walk_fixture_init(struct kunit *test, struct walk_fixture *f,
			      u64 slptptr)
{
	memset(f, 0, sizeof(*f));
	f->root = test_page(test, &f->mem);
	f->ctx_a = test_page(test, &f->mem);
	f->ctx_b = test_page(test, &f->mem);
	f->dir = test_page(test, &f->mem);
	f->ptable = test_page(test, &f->mem);
	f->root[0] = virt_to_phys(f->ctx_a) | 1;
	f->root[1] = virt_to_phys(f->ctx_b) | 1;
	/* 256-bit context entries: entry n at u64 index 4n */
	f->ctx_a[4 * 0x10 + 0] = virt_to_phys(f->dir) | BIT(3) | 1;
	f->ctx_a[4 * 0x10 + 1] = 5;
	f->ctx_b[4 * 0x7a + 0] = virt_to_phys(f->dir) | 1;
	f->ctx_b[4 * 0x7a + 1] = 9;
	f->dir[0] = virt_to_phys(f->ptable) | 1;
	/* 512-bit PASID entries: entry n at u64 index 8n */
	f->ptable[8 * 5 + 0] = slptptr | (2 << 6) | (1 << 2) | 1;
	f->ptable[8 * 5 + 1] = 42;
	f->ptable[8 * 9 + 0] = (4 << 6) | (1 << 2) | 1;
	f->ptable[8 * 9 + 1] = 1;
	f->unit.rtaddr = virt_to_phys(f->root);
	f->unit.sagaw = BIT(1);
	f->unit.sllps = BIT(0);
}

static u8 walk(struct walk_fixture *f, u16 rid, u32 pasid, u64 addr,
	       bool write, struct vtd_walk_result *res)
{
	struct vtd_walk_mem mem = { test_mem_read, &f->mem };

	vtd_walk(&mem, &f->unit, rid, pasid, addr, write, res);
	return res->fault;
}

static void walk_second_level(struct kunit *test)
{
	struct vtd_walk_result res;
	struct walk_fixture f;
	struct iofd_pgtable pt = {};
	size_t mapped;

	pt_setup(test, &pt, 3, SZ_4K | SZ_2M);
	walk_fixture_init(test, &f, virt_to_phys(pt.top));
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x3000, 0x7777000, SZ_4K, 1,
					      true, true, GFP_KERNEL,
					      &mapped), 0);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&pt, 0x600000, 0x1400000, SZ_2M,
					      1, true, false, GFP_KERNEL,
					      &mapped), 0);
	KUNIT_ASSERT_EQ(test, add_tables(&f.mem, pt.top, 3), 0);

	/* Request without PASID from 00:02.0: RID_PASID 5, second level */
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, VTD_WALK_NO_PASID, 0x3abc,
				   true, &res), 0);
	KUNIT_EXPECT_EQ(test, res.pa, 0x7777abcULL);
	KUNIT_EXPECT_EQ(test, res.pasid, 5U);
	KUNIT_EXPECT_EQ(test, res.did, 42);
	KUNIT_EXPECT_EQ(test, res.pgtt, 2);
	KUNIT_EXPECT_EQ(test, res.size, (u64)SZ_4K);
	/* 2M read-only leaf: reads translate, writes fault 0x5 */
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, VTD_WALK_NO_PASID, 0x7fffff,
				   false, &res), 0);
	KUNIT_EXPECT_EQ(test, res.pa, 0x15fffffULL);
	KUNIT_EXPECT_EQ(test, res.size, (u64)SZ_2M);
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, VTD_WALK_NO_PASID, 0x600000,
				   true, &res), 0x05);
	/* Not mapped: 0x6 for a read */
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, VTD_WALK_NO_PASID, 0x4000,
				   false, &res), 0x06);
	/* Beyond 39 bits */
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, VTD_WALK_NO_PASID, 1ULL << 39,
				   false, &res), 0x04);
	/* PASID 9 explicitly (PASIDE set): pass-through */
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, 9, 0x123456789ULL, true, &res),
			0);
	KUNIT_EXPECT_EQ(test, res.pa, 0x123456789ULL);
	KUNIT_EXPECT_EQ(test, res.pgtt, 4);
	/* PASID 6: not present in the table */
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, 6, 0x3000, false, &res), 0x58);
	/* PASID 64: directory entry 1 not present; 128 << 6 beyond PDTS */
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, 64, 0x3000, false, &res), 0x58);
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, 128 << 6, 0x3000, false, &res),
			0x58);
	/* 00:1f.2 is in the upper half: RID_PASID 9 = pass-through */
	KUNIT_EXPECT_EQ(test, walk(&f, 0x00fa, VTD_WALK_NO_PASID, 0x5000,
				   false, &res), 0);
	KUNIT_EXPECT_EQ(test, res.pa, 0x5000ULL);
	/* ... and its context entry has PASIDE clear */
	KUNIT_EXPECT_EQ(test, walk(&f, 0x00fa, 5, 0x5000, false, &res), 0x58);
	/* Context entry not present; root entry of bus 1 not present */
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0011, VTD_WALK_NO_PASID, 0, false,
				   &res), 0x02);
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0110, VTD_WALK_NO_PASID, 0, false,
				   &res), 0x01);
	/* Reserved bits of a context entry */
	f.ctx_a[4 * 0x10 + 2] = 1;
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, VTD_WALK_NO_PASID, 0x3000,
				   false, &res), 0x0b);
	f.ctx_a[4 * 0x10 + 2] = 0;
	/* An AW the unit does not have (48 bits) */
	f.ptable[8 * 5] += 1 << 2;
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, VTD_WALK_NO_PASID, 0x3000,
				   false, &res), 0x58);

	f.mem.n -= pt.nr_tables;	/* those pages belong to @pt */
	test_mem_free(&f.mem);
	iofd_pgtable_destroy(&pt);
}

/*
 * Nested: a 4-level first-level table in guest-physical memory (GPA
 * 0x100000 + 0x1000 * level), over a second level that maps those GPAs
 * onto the test's pages and GPA 0x200000 onto host 0x5555000.
 * The first level maps IOVA 0x7000 -> GPA 0x200000 read-write and IOVA
 * 0x8000 -> GPA 0x200000 read-only.
 */
static void walk_nested(struct kunit *test)
{
	struct vtd_walk_result res;
	struct walk_fixture f;
	struct iofd_pgtable s2 = {};
	u64 *fl[5];
	size_t mapped;
	int lvl;

	pt_setup(test, &s2, 3, SZ_4K);
	walk_fixture_init(test, &f, 0);
	for (lvl = 1; lvl <= 4; lvl++) {
		fl[lvl] = test_page(test, &f.mem);
		KUNIT_ASSERT_EQ(test,
				iofd_pgtable_map(&s2, 0x100000 + 0x1000 * lvl,
						virt_to_phys(fl[lvl]), SZ_4K, 1,
						true, true, GFP_KERNEL,
						&mapped), 0);
	}
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&s2, 0x200000, 0x5555000, SZ_4K,
					      1, true, true, GFP_KERNEL,
					      &mapped), 0);
	/* FL links: P | RW | US | A, addresses guest-physical */
	fl[4][0] = (0x100000 + 0x1000 * 3) | 0x27;
	fl[3][0] = (0x100000 + 0x1000 * 2) | 0x27;
	fl[2][0] = (0x100000 + 0x1000 * 1) | 0x27;
	fl[1][7] = 0x200000 | 0x27;
	fl[1][8] = 0x200000 | 0x25;
	/* PASID entry 5: nested, FLPTPTR in bits 191:140, 4-level FL */
	f.ptable[8 * 5 + 0] = virt_to_phys(s2.top) | (3 << 6) | (1 << 2) | 1;
	f.ptable[8 * 5 + 2] = 0x100000 + 0x1000 * 4;
	KUNIT_ASSERT_EQ(test, add_tables(&f.mem, s2.top, 3), 0);

	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, VTD_WALK_NO_PASID, 0x7123,
				   true, &res), 0);
	KUNIT_EXPECT_EQ(test, res.pa, 0x5555123ULL);
	KUNIT_EXPECT_EQ(test, res.pgtt, 3);
	KUNIT_EXPECT_TRUE(test, res.write);
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, VTD_WALK_NO_PASID, 0x8123,
				   false, &res), 0);
	KUNIT_EXPECT_EQ(test, res.pa, 0x5555123ULL);
	KUNIT_EXPECT_FALSE(test, res.write);
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, VTD_WALK_NO_PASID, 0x8123,
				   true, &res), 0x05);
	/* Not present in the first level */
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, VTD_WALK_NO_PASID, 0x9000,
				   false, &res), 0x06);
	/* An output the second level does not map */
	fl[1][9] = 0x300000 | 0x27;
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, VTD_WALK_NO_PASID, 0x9000,
				   false, &res), 0x06);
	/* A first-level table the second level does not map */
	fl[2][0] = 0x400000 | 0x27;
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, VTD_WALK_NO_PASID, 0x7000,
				   false, &res), 0x06);
	/* Non-canonical input */
	KUNIT_EXPECT_EQ(test, walk(&f, 0x0010, VTD_WALK_NO_PASID,
				   0x0000800000000000ULL, false, &res), 0x04);

	f.mem.n -= s2.nr_tables;
	test_mem_free(&f.mem);
	iofd_pgtable_destroy(&s2);
}

static struct kunit_case iofd_pgtable_test_cases[] = {
	KUNIT_CASE(pgtable_golden_4k),
	KUNIT_CASE(pgtable_golden_large),
	KUNIT_CASE(pgtable_unmap_frees_tables),
	KUNIT_CASE(pgtable_unmap_partial),
	KUNIT_CASE(pgtable_rejects),
	KUNIT_CASE(pgtable_flushes_every_write),
	KUNIT_CASE(walk_second_level),
	KUNIT_CASE(walk_nested),
	{}
};

static struct kunit_suite iofd_pgtable_test_suite = {
	.name = "iofd_vtd_pgtable",
	.test_cases = iofd_pgtable_test_cases,
};
kunit_test_suite(iofd_pgtable_test_suite);

MODULE_LICENSE("GPL");
