// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of shadow nesting (drivers/vtd/vtd_shadow.c): the shadow
 * second-level table the driver builds must translate exactly as the VT-d
 * nested translation of the same guest table over the same parent would.
 * Both are checked with the reference walker (vtd_walk.c): PASID 1 is the
 * nested entry the driver writes in hardware mode (guest first level over
 * the parent), PASID 2 the second-level entry it writes over the shadow
 * in shadow mode; every sampled IOVA must give the same fault-or-address
 * and the same write permission.
 *
 * Guest layout (guest-physical, mapped by the parent onto real pages):
 *   0x100000 L4, 0x101000 L3, 0x102000 L2, 0x103000 L1,
 *   0x104000 data0 (RW), 0x105000 data1 (RW), 0x106000 data2 (parent RO)
 *   0x400000-0x5fffff: one 2M parent leaf onto host 0x40000000 (not read)
 * First level (IOVA -> GPA):
 *   0x1000 -> data0 RW, 0x2000 -> data1 read-only, 0x3000 -> data2 RW,
 *   0x4000 -> 0x900000 (outside the parent), 2M leaf 0x200000 -> 0x400000,
 *   L2[3] -> a table at 0x910000 (outside the parent),
 *   L4[1] -> L3 (IOVA 2^39: beyond a 3-level shadow)
 */
#include <kunit/test.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include "drivers/vtd/vtd_entries.h"
#include <iofd/pgtable.h>
#include "drivers/vtd/vtd_shadow.h"
#include "drivers/vtd/vtd_walk.h"

#define GPA_BASE 0x100000ULL
#define NPAGES 7
#define FL_LINK 0x27ULL	/* P | RW | US | A */

struct shadow_fixture {
	struct iofd_pgtable parent, shadow;
	u64 *page[NPAGES];	/* guest pages 0x100000 + 0x1000 * i */
	u64 *root, *ctx, *dir, *ptable;
	struct vtd_shadow_src src;
	struct vtd_walk_unit unit;
};

static int ram_read(void *ctx, u64 pa, void *buf, size_t len)
{
	memcpy(buf, phys_to_virt(pa), len);
	return 0;
}

static u64 parent_gpa_to_hpa(void *ctx, u64 gpa, unsigned int *perm)
{
	return iofd_pgtable_lookup(ctx, gpa, perm);
}

static u64 *zpage(struct kunit *test)
{
	u64 *p = (u64 *)get_zeroed_page(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static void fixture_init(struct kunit *test, struct shadow_fixture *f)
{
	size_t mapped;
	int i;

	memset(f, 0, sizeof(*f));
	KUNIT_ASSERT_EQ(test, iofd_pgtable_init(&f->parent, &vtd_sl_fmt, 3, SZ_4K | SZ_2M,
					       GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_init(&f->shadow, &vtd_sl_fmt, 3, SZ_4K | SZ_2M,
					       GFP_KERNEL), 0);
	for (i = 0; i < NPAGES; i++) {
		f->page[i] = zpage(test);
		KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&f->parent,
					GPA_BASE + SZ_4K * i,
					virt_to_phys(f->page[i]), SZ_4K, 1,
					true, i != 6, GFP_KERNEL, &mapped), 0);
	}
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&f->parent, 0x400000, 0x40000000,
					      SZ_2M, 1, true, true, GFP_KERNEL,
					      &mapped), 0);
	/* The guest's first level */
	f->page[0][0] = (GPA_BASE + 0x1000) | FL_LINK;
	f->page[0][1] = (GPA_BASE + 0x1000) | FL_LINK;
	f->page[1][0] = (GPA_BASE + 0x2000) | FL_LINK;
	f->page[2][0] = (GPA_BASE + 0x3000) | FL_LINK;
	f->page[2][1] = 0x400000 | FL_LINK | BIT(7);
	f->page[2][3] = 0x910000 | FL_LINK;
	f->page[3][1] = (GPA_BASE + 0x4000) | FL_LINK;
	f->page[3][2] = (GPA_BASE + 0x5000) | (FL_LINK & ~2ULL);
	f->page[3][3] = (GPA_BASE + 0x6000) | FL_LINK;
	f->page[3][4] = 0x900000 | FL_LINK;

	f->src = (struct vtd_shadow_src){
		.flptr = GPA_BASE, .fl_levels = 4,
		.gpa_to_hpa = parent_gpa_to_hpa, .read_hpa = ram_read,
		.ctx = &f->parent,
	};
	/* RID 0x10: PASIDE, PASID 1 nested, PASID 2 over the shadow */
	f->root = zpage(test);
	f->ctx = zpage(test);
	f->dir = zpage(test);
	f->ptable = zpage(test);
	f->root[0] = virt_to_phys(f->ctx) | 1;
	f->ctx[4 * 0x10] = virt_to_phys(f->dir) | BIT(3) | 1;
	f->dir[0] = virt_to_phys(f->ptable) | 1;
	/*
	 * The entries as the driver builds them (hardware mode for PASID 1,
	 * shadow mode for PASID 2); the encoders themselves are checked
	 * against hand-worked values in vtd_entries_test.c
	 */
	vtd_pasid_encode_nested((struct vtd_pasid_entry *)&f->ptable[8 * 1],
				GPA_BASE, 4, virt_to_phys(f->parent.top), 1,
				7, 0);
	vtd_pasid_encode_sl((struct vtd_pasid_entry *)&f->ptable[8 * 2],
			    virt_to_phys(f->shadow.top), 1, 8);
	f->unit.rtaddr = virt_to_phys(f->root);
	f->unit.sagaw = BIT(1);
	f->unit.sllps = BIT(0);
}

static void fixture_free(struct shadow_fixture *f)
{
	int i;

	for (i = 0; i < NPAGES; i++)
		free_page((unsigned long)f->page[i]);
	free_page((unsigned long)f->root);
	free_page((unsigned long)f->ctx);
	free_page((unsigned long)f->dir);
	free_page((unsigned long)f->ptable);
	iofd_pgtable_destroy(&f->parent);
	iofd_pgtable_destroy(&f->shadow);
}

static void sync(struct kunit *test, struct shadow_fixture *f, u64 start,
		 u64 last, struct vtd_shadow_stats *st)
{
	LIST_HEAD(freelist);

	KUNIT_ASSERT_EQ(test, vtd_shadow_sync(&f->shadow, &f->src, start, last,
					      false, &freelist, st), 0);
	iofd_pgtable_free_list(&freelist);
}

/* Nested and shadow translate @iova alike, for reads and for writes */
static void expect_same(struct kunit *test, struct shadow_fixture *f,
			u64 iova)
{
	struct vtd_walk_mem mem = { ram_read, NULL };
	struct vtd_walk_result n, s;
	int w;

	for (w = 0; w < 2; w++) {
		vtd_walk(&mem, &f->unit, 0x10, 1, iova, w, &n);
		vtd_walk(&mem, &f->unit, 0x10, 2, iova, w, &s);
		KUNIT_EXPECT_EQ_MSG(test, !n.fault, !s.fault,
				    "iova %#llx %s: nested fault %#x, shadow fault %#x",
				    iova, w ? "write" : "read", n.fault, s.fault);
		if (!n.fault && !s.fault)
			KUNIT_EXPECT_EQ_MSG(test, n.pa, s.pa, "iova %#llx",
					    iova);
	}
}

static void shadow_matches_nested(struct kunit *test)
{
	struct shadow_fixture f;
	struct vtd_shadow_stats st;
	u64 iova;

	fixture_init(test, &f);
	sync(test, &f, 0, U64_MAX, &st);
	/* 0x1000-0x3000 and the 512 pages of the 2M leaf */
	KUNIT_EXPECT_EQ(test, st.mapped, 3ULL + 512);
	/* 0x4000's page and the table at 0x910000 */
	KUNIT_EXPECT_EQ(test, st.unreachable, 2ULL);
	/* L4[1]: 2^39 and up does not fit three levels */
	KUNIT_EXPECT_GE(test, st.beyond, 1ULL);
	KUNIT_EXPECT_FALSE(test, st.truncated);
	for (iova = 0; iova < 0x800000; iova += SZ_4K)
		expect_same(test, &f, iova + 0x123);
	/* The read-only cases, by hand: guest RO and parent RO */
	KUNIT_EXPECT_EQ(test, iofd_pgtable_lookup(&f.shadow, 0x2000, NULL),
			(phys_addr_t)virt_to_phys(f.page[5]));
	fixture_free(&f);
}

/*
 * After the parent unmaps a guest data page and a guest table, the prune
 * drops exactly what pointed through them (also an entry the guest
 * removed without invalidating), keeps the rest, allocates nothing
 */
static void shadow_prune(struct kunit *test)
{
	struct shadow_fixture f;
	struct vtd_shadow_stats st;
	LIST_HEAD(freelist);
	u64 iova;

	fixture_init(test, &f);
	sync(test, &f, 0, U64_MAX, &st);
	/* The guest drops 0x3000 without an invalidation */
	f.page[3][3] = 0;
	/* The parent unmaps data0 (0x1000) and data2 (0x3000's page) */
	KUNIT_ASSERT_EQ(test, iofd_pgtable_unmap(&f.parent, GPA_BASE + 0x4000,
						 SZ_4K, 1, &freelist),
			(size_t)SZ_4K);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_unmap(&f.parent, GPA_BASE + 0x6000,
						 SZ_4K, 1, &freelist),
			(size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, vtd_shadow_prune(&f.shadow, &f.src, &freelist),
			2ULL);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_lookup(&f.shadow, 0x1000, NULL),
			(phys_addr_t)0);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_lookup(&f.shadow, 0x3000, NULL),
			(phys_addr_t)0);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_lookup(&f.shadow, 0x2000, NULL),
			(phys_addr_t)virt_to_phys(f.page[5]));
	for (iova = 0; iova < 0x800000; iova += SZ_4K)
		expect_same(test, &f, iova + 0x123);
	/* Nothing more to drop */
	KUNIT_EXPECT_EQ(test, vtd_shadow_prune(&f.shadow, &f.src, &freelist),
			0ULL);
	/* The guest's last table out of reach: every 4K entry under it goes */
	KUNIT_ASSERT_EQ(test, iofd_pgtable_unmap(&f.parent, GPA_BASE + 0x3000,
						 SZ_4K, 1, &freelist),
			(size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, vtd_shadow_prune(&f.shadow, &f.src, &freelist),
			1ULL);
	for (iova = 0; iova < 0x800000; iova += SZ_4K)
		expect_same(test, &f, iova + 0x123);
	iofd_pgtable_free_list(&freelist);
	fixture_free(&f);
}

static void shadow_resync_range(struct kunit *test)
{
	struct shadow_fixture f;
	struct vtd_shadow_stats st;

	fixture_init(test, &f);
	sync(test, &f, 0, U64_MAX, &st);
	/* The guest points 0x1000 elsewhere: nothing changes until a sync */
	f.page[3][1] = (GPA_BASE + 0x5000) | FL_LINK;
	KUNIT_EXPECT_EQ(test, iofd_pgtable_lookup(&f.shadow, 0x1000, NULL),
			(phys_addr_t)virt_to_phys(f.page[4]));
	sync(test, &f, 0x1000, 0x1fff, &st);
	KUNIT_EXPECT_EQ(test, st.mapped, 1ULL);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_lookup(&f.shadow, 0x1000, NULL),
			(phys_addr_t)virt_to_phys(f.page[5]));
	/* Its neighbours were not touched */
	KUNIT_EXPECT_EQ(test, iofd_pgtable_lookup(&f.shadow, 0x3000, NULL),
			(phys_addr_t)virt_to_phys(f.page[6]));
	expect_same(test, &f, 0x1000);
	/* Cleared by the guest, synced: gone */
	f.page[3][1] = 0;
	sync(test, &f, 0x1000, 0x1fff, &st);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_lookup(&f.shadow, 0x1000, NULL),
			(phys_addr_t)0);
	expect_same(test, &f, 0x1000);
	fixture_free(&f);
}

static void shadow_bounded(struct kunit *test)
{
	struct shadow_fixture f;
	struct vtd_shadow_stats st;
	LIST_HEAD(freelist);

	fixture_init(test, &f);
	/* A table that points at itself, and a large page at level 4 */
	f.page[2][5] = (GPA_BASE + 0x2000) | FL_LINK;
	f.page[0][2] = 0x400000 | FL_LINK | BIT(7);
	sync(test, &f, 0, U64_MAX, &st);
	KUNIT_EXPECT_EQ(test, st.bad, 1ULL);
	/* L2 read as an L1 at IOVA 0xa00000: its present entries map */
	KUNIT_EXPECT_EQ(test, iofd_pgtable_lookup(&f.shadow, 0xa00000, NULL),
			(phys_addr_t)virt_to_phys(f.page[3]));
	expect_same(test, &f, 0xa00000);
	/* The work limit: a sync stops, says so */
	f.src.max_pages = 10;
	KUNIT_EXPECT_EQ(test, vtd_shadow_sync(&f.shadow, &f.src, 0, U64_MAX,
					      false, &freelist, &st), 0);
	iofd_pgtable_free_list(&freelist);
	KUNIT_EXPECT_TRUE(test, st.truncated);
	KUNIT_EXPECT_EQ(test, st.mapped, 10ULL);
	/* Bad arguments */
	KUNIT_EXPECT_EQ(test, vtd_shadow_sync(&f.shadow, &f.src, 2, 1, false,
					      &freelist, &st), -EINVAL);
	f.src.fl_levels = 3;
	KUNIT_EXPECT_EQ(test, vtd_shadow_sync(&f.shadow, &f.src, 0, 1, false,
					      &freelist, &st), -EINVAL);
	fixture_free(&f);
}

/*
 * Guest PASID entries, read through the parent: the guest directory in
 * guest page 4 (GPA 0x104000), its table in page 5 (GPA 0x105000)
 */
static void guest_pasid_entries(struct kunit *test)
{
	struct shadow_fixture f;
	struct vtd_guest_pasid g;
	u64 *dir, *tbl;

	fixture_init(test, &f);
	dir = f.page[4];
	tbl = f.page[5];
	memset(dir, 0, PAGE_SIZE);
	memset(tbl, 0, PAGE_SIZE);
	dir[0] = (GPA_BASE + 0x5000) | 1;
	/* PASID 3: first level at GPA 0x100000, 4 levels, SRE */
	tbl[8 * 3 + 0] = (1 << 6) | 1;
	tbl[8 * 3 + 2] = GPA_BASE | BIT(0);
	KUNIT_EXPECT_EQ(test, vtd_guest_pasid_read(&f.src, GPA_BASE + 0x4000, 3,
						   VTD_GUEST_ALLOW_SRE, &g), 0);
	KUNIT_EXPECT_EQ(test, g.flptr, GPA_BASE);
	KUNIT_EXPECT_EQ(test, g.fl_levels, 4U);
	KUNIT_EXPECT_TRUE(test, g.sre);
	/* SRE not allowed: refused */
	KUNIT_EXPECT_EQ(test, vtd_guest_pasid_read(&f.src, GPA_BASE + 0x4000, 3,
						   0, &g), -EIO);
	/* Absent entry, absent directory entry */
	KUNIT_EXPECT_EQ(test, vtd_guest_pasid_read(&f.src, GPA_BASE + 0x4000, 4,
						   0, &g), -ENOENT);
	KUNIT_EXPECT_EQ(test, vtd_guest_pasid_read(&f.src, GPA_BASE + 0x4000,
						   64, 0, &g), -ENOENT);
	/* Second level, pass-through, nested: the guest may not */
	tbl[8 * 3 + 0] = (2 << 6) | 1;
	KUNIT_EXPECT_EQ(test, vtd_guest_pasid_read(&f.src, GPA_BASE + 0x4000, 3,
						   VTD_GUEST_ALLOW_SRE, &g), -EIO);
	tbl[8 * 3 + 0] = (4 << 6) | 1;
	KUNIT_EXPECT_EQ(test, vtd_guest_pasid_read(&f.src, GPA_BASE + 0x4000, 3,
						   VTD_GUEST_ALLOW_SRE, &g), -EIO);
	/* Reserved quadwords; FLPM 2 */
	tbl[8 * 3 + 0] = (1 << 6) | 1;
	tbl[8 * 3 + 5] = 1;
	KUNIT_EXPECT_EQ(test, vtd_guest_pasid_read(&f.src, GPA_BASE + 0x4000, 3,
						   VTD_GUEST_ALLOW_SRE, &g), -EIO);
	tbl[8 * 3 + 5] = 0;
	tbl[8 * 3 + 2] = GPA_BASE | (2 << 2);
	KUNIT_EXPECT_EQ(test, vtd_guest_pasid_read(&f.src, GPA_BASE + 0x4000, 3,
						   VTD_GUEST_ALLOW_5LEVEL, &g),
			-EIO);
	/* A directory or table outside the parent is never read */
	KUNIT_EXPECT_EQ(test, vtd_guest_pasid_read(&f.src, 0x900000, 3, 0, &g),
			-EFAULT);
	dir[0] = 0x910000 | 1;
	KUNIT_EXPECT_EQ(test, vtd_guest_pasid_read(&f.src, GPA_BASE + 0x4000, 3,
						   0, &g), -EFAULT);
	fixture_free(&f);
}

/*
 * Supervisor-only pages (U/S clear) and write-only parent pages are not
 * shadowed beyond what nesting gives; a refill adds without removing.
 */
static void shadow_permissions_and_refill(struct kunit *test)
{
	struct shadow_fixture f;
	struct vtd_shadow_stats st;
	LIST_HEAD(freelist);
	size_t mapped;

	fixture_init(test, &f);
	f.page[3][1] &= ~0x4ULL;	/* 0x1000: supervisor only */
	sync(test, &f, 0, U64_MAX, &st);
	KUNIT_EXPECT_EQ(test, st.bad, 1ULL);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_lookup(&f.shadow, 0x1000, NULL),
			(phys_addr_t)0);
	expect_same(test, &f, 0x1000);
	/* The parent maps 0x900000 (0x4000's target) write-only, later */
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&f.parent, 0x900000, 0x50000000,
					      SZ_4K, 1, false, true,
					      GFP_KERNEL, &mapped), 0);
	KUNIT_ASSERT_EQ(test, vtd_shadow_sync(&f.shadow, &f.src, 0, U64_MAX,
					      true, &freelist, &st), 0);
	iofd_pgtable_free_list(&freelist);
	/* Only 0x4000 was added; what was there stayed */
	KUNIT_EXPECT_EQ(test, st.mapped, 1ULL);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_lookup(&f.shadow, 0x3000, NULL),
			(phys_addr_t)virt_to_phys(f.page[6]));
	expect_same(test, &f, 0x4000);
	expect_same(test, &f, 0x3000);
	fixture_free(&f);
}

/* A guest made of three pages that fan out: the table budget stops it */
static void shadow_table_budget(struct kunit *test)
{
	struct shadow_fixture f;
	struct vtd_shadow_stats st;
	int i;

	fixture_init(test, &f);
	for (i = 0; i < 256; i++)
		f.page[1][i] = (GPA_BASE + 0x2000) | FL_LINK;
	for (i = 0; i < 512; i++)
		f.page[2][i] = (GPA_BASE + 0x3000) | FL_LINK;
	memset(f.page[3], 0, PAGE_SIZE);
	sync(test, &f, 0, U64_MAX, &st);
	KUNIT_EXPECT_TRUE(test, st.truncated);
	KUNIT_EXPECT_LE(test, st.tables, (u64)VTD_SHADOW_MAX_TABLES);
	fixture_free(&f);
}

static struct kunit_case vtd_shadow_test_cases[] = {
	KUNIT_CASE(shadow_permissions_and_refill),
	KUNIT_CASE(shadow_table_budget),
	KUNIT_CASE(guest_pasid_entries),
	KUNIT_CASE(shadow_matches_nested),
	KUNIT_CASE(shadow_resync_range),
	KUNIT_CASE(shadow_prune),
	KUNIT_CASE(shadow_bounded),
	{}
};

static struct kunit_suite vtd_shadow_test_suite = {
	.name = "iofd_vtd_shadow",
	.test_cases = vtd_shadow_test_cases,
};
kunit_test_suite(vtd_shadow_test_suite);

MODULE_LICENSE("GPL");
