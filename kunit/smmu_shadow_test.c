// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of SMMUv3 shadow nesting (drivers/smmuv3/smmu_shadow.c).
 *
 * The shadow stage-1 table must translate exactly as the nested
 * translation of the same guest STE/CD/table over the same parent would.
 * Both sides go through the reference walker (smmu_walk.c):
 *  - nested: the guest's own stream table, CD and stage-1 tables walked
 *    with every table fetch translated by the parent (guest-physical ->
 *    host), then the output address translated by the parent too, with
 *    the parent's write permission: stage 1 over stage 2, as a unit with
 *    S2P would do it;
 *  - shadow: our host STE -> CD -> shadow table, as the driver writes
 *    them in shadow mode.
 * Every sampled IOVA must give the same fault-or-address and write
 * permission.  hw_nested_matches_shadow does the same with the driver's
 * own hardware-mode STE (Config nested over the parent's stage-2 STE,
 * smmu_ste_nested() + smmu_ste_s2()) walked by the reference walker's
 * stage-1-over-stage-2 mode: what the driver writes on a unit with S2P.
 * The parent is a stage-2 table (smmu_s2_fmt), as on such a unit.
 *
 * Guest layout (guest-physical, mapped by the parent onto real pages):
 *   0x100000 CD (ASID 5, 48-bit, TTB0 0x101000), 0x101000 L0,
 *   0x102000 L1, 0x103000 L2, 0x104000 L3, 0x105000 data0,
 *   0x106000 data1, 0x107000 data2 (parent read-only), 0x108000 the
 *   guest's stream table (one STE: S1, CD at 0x100000)
 *   0x400000-0x5fffff: one 2M parent leaf onto host 0x40000000 (not read)
 * Guest stage 1 (IOVA -> GPA):
 *   0x1000 -> data0, 0x2000 -> data1 read-only, 0x3000 -> data2,
 *   0x4000 -> 0x900000 (outside the parent), 0x5000 -> data0 with AF
 *   clear, 0x6000 -> data0 privileged-only, 2M block 0x200000 -> 0x400000,
 *   L2[3] -> a table at 0x910000 (outside), L1[1] table with APTable
 *   read-only -> L2, L0[1] -> L1 again (IOVA 2^39 aliases 0)
 */
#include <kunit/test.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <iofd/pgtable.h>
#include "drivers/smmuv3/smmu_entries.h"
#include "drivers/smmuv3/smmu_shadow.h"
#include "drivers/smmuv3/smmu_walk.h"

#define GPA_BASE 0x100000ULL
#define NPAGES 9
#define T 3ULL				/* table descriptor */
#define PG (3ULL | BIT(6) | BIT(10))	/* page: AP[1] (EL0), AF */
#define BLK (1ULL | BIT(6) | BIT(10))	/* block */
#define RO BIT_ULL(7)

struct smmu_shadow_fixture {
	struct iofd_pgtable parent, shadow;
	u64 *page[NPAGES];
	/* Host stream table: SID 0 shadow, 1 hardware nested, 2 parent */
	u64 *strtab;
	struct smmu_cd *cd;
	struct smmu_shadow_src src;
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

/* Guest-physical reads for the nested reference walk: through the parent */
static int guest_read(void *ctx, u64 gpa, void *buf, size_t len)
{
	u64 hpa = iofd_pgtable_lookup(ctx, gpa, NULL);

	if (!hpa)
		return -EFAULT;
	memcpy(buf, phys_to_virt(hpa), len);
	return 0;
}

static u64 *zpage(struct kunit *test)
{
	u64 *p = (u64 *)get_zeroed_page(GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

static void guest_cd(u64 *cd, u64 ttb0, u16 asid)
{
	struct smmu_cd c;

	/* A CD as a Linux guest writes it (IAS 48, IPS 44 bits) */
	smmu_cd_encode(&c, ttb0, 48, 4, asid);
	memcpy(cd, c.dw, sizeof(c.dw));
}

static void fixture_init(struct kunit *test, struct smmu_shadow_fixture *f)
{
	size_t mapped;
	int i;

	memset(f, 0, sizeof(*f));
	KUNIT_ASSERT_EQ(test, iofd_pgtable_init(&f->parent, &smmu_s2_fmt, 4,
						SZ_4K | SZ_2M, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_init(&f->shadow, &smmu_s1_fmt, 4,
						SZ_4K, GFP_KERNEL), 0);
	for (i = 0; i < NPAGES; i++) {
		f->page[i] = zpage(test);
		KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&f->parent,
					GPA_BASE + SZ_4K * i,
					virt_to_phys(f->page[i]), SZ_4K, 1,
					true, i != 7, GFP_KERNEL, &mapped), 0);
	}
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&f->parent, 0x400000, 0x40000000,
					       SZ_2M, 1, true, true, GFP_KERNEL,
					       &mapped), 0);
	guest_cd(f->page[0], GPA_BASE + 0x1000, 5);
	f->page[1][0] = (GPA_BASE + 0x2000) | T;
	f->page[1][1] = (GPA_BASE + 0x2000) | T;
	f->page[2][0] = (GPA_BASE + 0x3000) | T;
	f->page[2][1] = (GPA_BASE + 0x3000) | T | BIT_ULL(62);
	f->page[3][0] = (GPA_BASE + 0x4000) | T;
	f->page[3][1] = 0x400000 | BLK;
	f->page[3][3] = 0x910000 | T;
	f->page[4][1] = (GPA_BASE + 0x5000) | PG;
	f->page[4][2] = (GPA_BASE + 0x6000) | PG | RO;
	f->page[4][3] = (GPA_BASE + 0x7000) | PG;
	f->page[4][4] = 0x900000 | PG;
	f->page[4][5] = ((GPA_BASE + 0x5000) | PG) & ~BIT_ULL(10);
	f->page[4][6] = ((GPA_BASE + 0x5000) | PG) & ~BIT_ULL(6);
	/* The guest's stream table: STE 0 translates through its CD */
	smmu_ste_s1((struct smmu_ste *)f->page[8], GPA_BASE);

	f->src = (struct smmu_shadow_src){
		.ttb0 = GPA_BASE + 0x1000, .ias = 48,
		.gpa_to_hpa = parent_gpa_to_hpa, .read_hpa = ram_read,
		.ctx = &f->parent,
	};
	/* Host side, as the driver writes it in shadow mode */
	f->strtab = zpage(test);
	f->cd = kzalloc(sizeof(*f->cd), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->cd);
	smmu_cd_encode(f->cd, virt_to_phys(f->shadow.top), 48, 4, 9);
	smmu_ste_s1((struct smmu_ste *)f->strtab, virt_to_phys(f->cd));
}

/* SIDs 1 and 2 as the driver writes them on a unit with stage 2 */
static void fixture_hw(struct smmu_shadow_fixture *f)
{
	struct smmu_ste *ste = (struct smmu_ste *)f->strtab, s2;
	u64 vste[2] = { 1 | 5 << 1 | GPA_BASE, 0xd4 };

	smmu_ste_s2(&s2, virt_to_phys(f->parent.top), 48, 5, 3);
	smmu_ste_nested(&ste[1], vste, &s2);
	ste[2] = s2;
}

static void fixture_fini(struct smmu_shadow_fixture *f)
{
	int i;

	iofd_pgtable_destroy(&f->shadow);
	iofd_pgtable_destroy(&f->parent);
	for (i = 0; i < NPAGES; i++)
		free_page((unsigned long)f->page[i]);
	free_page((unsigned long)f->strtab);
	kfree(f->cd);
}

static int sync_all(struct smmu_shadow_fixture *f, bool refill,
		    struct smmu_shadow_stats *st)
{
	LIST_HEAD(freelist);
	int rc = smmu_shadow_sync(&f->shadow, &f->src, 0, U64_MAX, refill,
				  &freelist, st);

	iofd_pgtable_free_list(&freelist);
	return rc;
}

/* Nested reference: guest walk through the parent, then the parent */
static void walk_nested(struct smmu_shadow_fixture *f, u64 iova, bool write,
			struct smmu_walk_result *res)
{
	struct smmu_walk_cfg cfg = {
		.read = guest_read, .ctx = &f->parent,
		.strtab = GPA_BASE + 0x8000, .log2size = 0,
	};
	unsigned int perm = 0;
	u64 hpa;

	smmu_walk(&cfg, 0, iova, write, res);
	if (res->event)
		return;
	hpa = iofd_pgtable_lookup(&f->parent, res->pa & ~(u64)(SZ_4K - 1),
				  &perm);
	if (!hpa || (write && !(perm & IOFD_PT_W))) {
		res->event = SMMU_EVT_F_TRANSLATION;
		return;
	}
	res->pa = hpa | (res->pa & (SZ_4K - 1));
	res->write = res->write && (perm & IOFD_PT_W);
}

/* Our host stream table: SID 0 shadow, 1 nested (hardware), 2 stage 2 */
static void walk_sid(struct smmu_shadow_fixture *f, u32 sid, u64 iova,
		     bool write, struct smmu_walk_result *res)
{
	struct smmu_walk_cfg cfg = {
		.read = ram_read, .strtab = virt_to_phys(f->strtab),
		.log2size = 2, .s2p = true,
	};

	smmu_walk(&cfg, sid, iova, write, res);
}

static void walk_shadow(struct smmu_shadow_fixture *f, u64 iova, bool write,
			struct smmu_walk_result *res)
{
	walk_sid(f, 0, iova, write, res);
}

static const u64 samples[] = {
	0x0, 0x1008, 0x2010, 0x3018, 0x4000, 0x5000, 0x6000, 0x7000,
	0x200000, 0x2abcd8, 0x3ff000, 0x600000, 0x40001000, 0x40002000,
	1ULL << 39 | 0x1000, 1ULL << 39 | 0x2000, 0xffffffff000ULL,
};

static void expect_same_as(struct kunit *test, struct smmu_shadow_fixture *f,
			   int hw_sid)
{
	struct smmu_walk_result n, s;
	unsigned int i, w;

	for (i = 0; i < ARRAY_SIZE(samples); i++) {
		for (w = 0; w < 2; w++) {
			if (hw_sid < 0)
				walk_nested(f, samples[i], w, &n);
			else
				walk_sid(f, hw_sid, samples[i], w, &n);
			walk_shadow(f, samples[i], w, &s);
			KUNIT_EXPECT_EQ_MSG(test, !n.event, !s.event,
					    "iova %#llx %s: nested event %#x shadow %#x",
					    samples[i], w ? "write" : "read",
					    n.event, s.event);
			if (n.event || s.event)
				continue;
			KUNIT_EXPECT_EQ_MSG(test, n.pa, s.pa, "iova %#llx",
					    samples[i]);
			KUNIT_EXPECT_EQ_MSG(test, n.write, s.write,
					    "iova %#llx", samples[i]);
		}
	}
}

static void expect_same(struct kunit *test, struct smmu_shadow_fixture *f)
{
	expect_same_as(test, f, -1);
}

/* The shadow translates as the nested walk does, sample by sample */
static void shadow_matches_nested(struct kunit *test)
{
	struct smmu_shadow_fixture f;
	struct smmu_shadow_stats st;
	struct smmu_walk_result r;

	fixture_init(test, &f);
	KUNIT_ASSERT_EQ(test, sync_all(&f, false, &st), 0);
	expect_same(test, &f);
	/*
	 * The L2 table is reached 4 times (L0[0] and L0[1], each L1[0] and
	 * L1[1]): 0x1000..0x3000 and the 2M block each time; 0x900000 and
	 * the table at 0x910000 unreachable, AF clear and privileged-only bad
	 */
	KUNIT_EXPECT_EQ(test, st.mapped, 4 * (3 + 512ULL));
	KUNIT_EXPECT_EQ(test, st.unreachable, 8ULL);
	KUNIT_EXPECT_EQ(test, st.bad, 8ULL);
	KUNIT_EXPECT_FALSE(test, st.truncated);
	/* Some outcomes spelled out: read-only from the guest, the parent */
	walk_shadow(&f, 0x2000, true, &r);
	KUNIT_EXPECT_EQ(test, r.event, (unsigned int)SMMU_EVT_F_PERMISSION);
	walk_shadow(&f, 0x3000, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, 0U);
	KUNIT_EXPECT_FALSE(test, r.write);
	walk_shadow(&f, 0x1000, true, &r);
	KUNIT_EXPECT_EQ(test, r.pa, (u64)virt_to_phys(f.page[5]));
	KUNIT_EXPECT_EQ(test, r.asid, 9);
	/* APTable[1] under L1[1]: the same pages, read-only */
	walk_shadow(&f, 0x40001000, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, 0U);
	KUNIT_EXPECT_FALSE(test, r.write);
	fixture_fini(&f);
}

/*
 * Hardware mode: the driver's nested STE over the parent's stage-2 STE,
 * walked as a unit with S2P walks it, translates as the shadow does; the
 * parent's stage-2 STE alone translates guest-physical addresses.
 */
static void hw_nested_matches_shadow(struct kunit *test)
{
	struct smmu_shadow_fixture f;
	struct smmu_shadow_stats st;
	struct smmu_walk_result r;

	fixture_init(test, &f);
	fixture_hw(&f);
	KUNIT_ASSERT_EQ(test, sync_all(&f, false, &st), 0);
	expect_same_as(test, &f, 1);
	walk_sid(&f, 1, 0x1000, true, &r);
	KUNIT_EXPECT_EQ(test, r.event, 0U);
	KUNIT_EXPECT_EQ(test, r.pa, (u64)virt_to_phys(f.page[5]));
	KUNIT_EXPECT_EQ(test, r.asid, 5);	/* the guest's own ASID */
	KUNIT_EXPECT_EQ(test, r.vmid, 3);
	/* Stage 2 alone: GPA -> host, its permissions */
	walk_sid(&f, 2, GPA_BASE + 0x6010, true, &r);
	KUNIT_EXPECT_EQ(test, r.event, 0U);
	KUNIT_EXPECT_EQ(test, r.pa, (u64)virt_to_phys(f.page[6]) + 0x10);
	walk_sid(&f, 2, GPA_BASE + 0x7000, true, &r);
	KUNIT_EXPECT_EQ(test, r.event, (unsigned int)SMMU_EVT_F_PERMISSION);
	walk_sid(&f, 2, 0x900000, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, (unsigned int)SMMU_EVT_F_TRANSLATION);
	/* The guest CD outside the parent: the CD fetch faults at stage 2 */
	((struct smmu_ste *)f.strtab)[1].dw[0] =
		(((struct smmu_ste *)f.strtab)[1].dw[0] & ~GENMASK_ULL(51, 6)) |
		0x900000;
	walk_sid(&f, 1, 0x1000, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, (unsigned int)SMMU_EVT_F_TRANSLATION);
	fixture_fini(&f);
}

/*
 * The guest changes entries: a range resync follows exactly its range,
 * a refill after the parent mapped more keeps what is there and adds the
 * rest.
 */
static void shadow_resync_and_refill(struct kunit *test)
{
	struct smmu_shadow_fixture f;
	struct smmu_shadow_stats st;
	struct smmu_walk_result r;
	LIST_HEAD(freelist);
	size_t mapped;
	u64 *extra;

	fixture_init(test, &f);
	KUNIT_ASSERT_EQ(test, sync_all(&f, false, &st), 0);
	f.page[4][1] = (GPA_BASE + 0x6000) | PG;	/* 0x1000 -> data1 */
	f.page[4][3] = 0;				/* 0x3000 gone */
	KUNIT_ASSERT_EQ(test, smmu_shadow_sync(&f.shadow, &f.src, 0x1000,
					       0x1fff, false, &freelist, &st),
			0);
	KUNIT_EXPECT_EQ(test, st.mapped, 1ULL);
	walk_shadow(&f, 0x1000, false, &r);
	KUNIT_EXPECT_EQ(test, r.pa, (u64)virt_to_phys(f.page[6]));
	/* Not resynced yet: 0x3000 still maps (as a TLB would keep it) */
	walk_shadow(&f, 0x3000, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, 0U);
	KUNIT_ASSERT_EQ(test, smmu_shadow_sync(&f.shadow, &f.src, 0x3000,
					       0x3fff, false, &freelist, &st),
			0);
	walk_shadow(&f, 0x3000, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, (unsigned int)SMMU_EVT_F_TRANSLATION);
	/* The aliases of the same L3 at 2^39 ... were not resynced */
	walk_shadow(&f, 1ULL << 39 | 0x3000, false, &r);
	KUNIT_EXPECT_EQ(test, r.event, 0U);
	KUNIT_ASSERT_EQ(test, sync_all(&f, false, &st), 0);
	expect_same(test, &f);

	/* The parent maps 0x900000: a refill adds 0x4000, changes nothing */
	extra = zpage(test);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_map(&f.parent, 0x900000,
					       virt_to_phys(extra), SZ_4K, 1,
					       true, true, GFP_KERNEL, &mapped),
			0);
	KUNIT_ASSERT_EQ(test, sync_all(&f, true, &st), 0);
	KUNIT_EXPECT_EQ(test, st.mapped, 4ULL);	/* 0x4000 in its 4 aliases */
	walk_shadow(&f, 0x4000, true, &r);
	KUNIT_EXPECT_EQ(test, r.pa, (u64)virt_to_phys(extra));
	expect_same(test, &f);
	iofd_pgtable_free_list(&freelist);
	iofd_pgtable_unmap(&f.parent, 0x900000, SZ_4K, 1, &freelist);
	iofd_pgtable_free_list(&freelist);
	free_page((unsigned long)extra);
	fixture_fini(&f);
}

/*
 * After the parent unmaps a guest data page and a guest table, the prune
 * drops exactly what pointed through them (also entries the guest removed
 * without invalidating), keeps the rest, allocates nothing
 */
static void shadow_prune(struct kunit *test)
{
	struct smmu_shadow_fixture f;
	struct smmu_shadow_stats st;
	LIST_HEAD(freelist);

	fixture_init(test, &f);
	KUNIT_ASSERT_EQ(test, sync_all(&f, false, &st), 0);
	/* The guest drops 0x3000 without an invalidation */
	f.page[4][3] = 0;
	/* The parent unmaps data0 (0x1000) and data2 (0x3000's page) */
	KUNIT_ASSERT_EQ(test, iofd_pgtable_unmap(&f.parent, GPA_BASE + 0x5000,
						 SZ_4K, 1, &freelist),
			(size_t)SZ_4K);
	KUNIT_ASSERT_EQ(test, iofd_pgtable_unmap(&f.parent, GPA_BASE + 0x7000,
						 SZ_4K, 1, &freelist),
			(size_t)SZ_4K);
	/* 0x1000 and 0x3000 in each of the 4 aliases of the L3 table */
	KUNIT_EXPECT_EQ(test, smmu_shadow_prune(&f.shadow, &f.src, &freelist),
			8ULL);
	expect_same(test, &f);
	KUNIT_EXPECT_EQ(test, iofd_pgtable_lookup(&f.shadow, 0x2000, NULL),
			(phys_addr_t)virt_to_phys(f.page[6]));
	KUNIT_EXPECT_EQ(test, smmu_shadow_prune(&f.shadow, &f.src, &freelist),
			0ULL);
	/* The L3 table out of reach: 0x2000 in its 4 aliases goes */
	KUNIT_ASSERT_EQ(test, iofd_pgtable_unmap(&f.parent, GPA_BASE + 0x4000,
						 SZ_4K, 1, &freelist),
			(size_t)SZ_4K);
	KUNIT_EXPECT_EQ(test, smmu_shadow_prune(&f.shadow, &f.src, &freelist),
			4ULL);
	expect_same(test, &f);
	iofd_pgtable_free_list(&freelist);
	fixture_fini(&f);
}

/* Cycles, self-references and huge ranges end within the limits */
static void shadow_bounded(struct kunit *test)
{
	struct smmu_shadow_fixture f;
	struct smmu_shadow_stats st;
	int i;

	fixture_init(test, &f);
	/* Every level points at L0 itself, all 512 entries */
	for (i = 0; i < 512; i++)
		f.page[1][i] = (GPA_BASE + 0x1000) | T;
	KUNIT_ASSERT_EQ(test, sync_all(&f, false, &st), 0);
	/* L0 -> "L1" -> "L2" -> "L3": each read as its level; no leaf */
	KUNIT_EXPECT_EQ(test, st.mapped, 0ULL);
	KUNIT_EXPECT_TRUE(test, st.truncated);
	KUNIT_EXPECT_EQ(test, st.tables, (u64)SMMU_SHADOW_MAX_TABLES);
	/* A page budget: 2M blocks everywhere, cut at max_pages */
	for (i = 0; i < 512; i++)
		f.page[1][i] = 0;
	f.page[1][0] = (GPA_BASE + 0x2000) | T;
	for (i = 0; i < 512; i++)
		f.page[3][i] = 0x400000 | BLK;
	f.src.max_pages = 1000;
	KUNIT_ASSERT_EQ(test, sync_all(&f, false, &st), 0);
	KUNIT_EXPECT_EQ(test, st.mapped, 1000ULL);
	KUNIT_EXPECT_TRUE(test, st.truncated);
	fixture_fini(&f);
}

/* How far a TLBI without range reaches: the entry where the walk ends */
static void shadow_extent(struct kunit *test)
{
	struct smmu_shadow_fixture f;

	fixture_init(test, &f);
	KUNIT_EXPECT_EQ(test, smmu_shadow_extent(&f.src, 0x1000), (u64)SZ_4K);
	KUNIT_EXPECT_EQ(test, smmu_shadow_extent(&f.src, 0x8000), (u64)SZ_4K);
	KUNIT_EXPECT_EQ(test, smmu_shadow_extent(&f.src, 0x201000),
			(u64)SZ_2M);
	KUNIT_EXPECT_EQ(test, smmu_shadow_extent(&f.src, 0x400000),
			(u64)SZ_2M);
	KUNIT_EXPECT_EQ(test, smmu_shadow_extent(&f.src, 0x80000000ULL),
			(u64)SZ_1G);
	KUNIT_EXPECT_EQ(test, smmu_shadow_extent(&f.src, 3ULL << 39),
			1ULL << 39);
	/* A table outside the parent: its whole span */
	KUNIT_EXPECT_EQ(test, smmu_shadow_extent(&f.src, 0x600000),
			(u64)SZ_2M);
	fixture_fini(&f);
}

/* vSTE rules, as upstream: one field at a time */
static void vste_rules(struct kunit *test)
{
	static const struct {
		u64 dw0, dw1;
		int rc;
	} cases[] = {
		{ 0, 0, 0 },				/* not valid: abort */
		{ 0xfff0, 0xffffffff, 0 },		/* V 0: all ignored */
		{ 1, 0, 0 },				/* abort */
		{ 1 | 4 << 1, 0, 0 },			/* bypass */
		{ 1 | 5 << 1 | 0x100000, 0xff, 0 },	/* S1, CIR/COR/CSH/DSS */
		{ 1 | 5 << 1, BIT(27), 0 },		/* S1STALLD */
		{ 1 | 5 << 1, 1 << 28, 0 },		/* EATS translate */
		{ 1 | 5 << 1 | 1 << 4, 0, 0 },		/* S1Fmt */
		{ 1 | 5 << 1, 2 << 28, -EIO },		/* EATS split stage */
		{ 1 | 6 << 1, 0, -EIO },		/* stage 2 */
		{ 1 | 7 << 1, 0, -EIO },		/* nested */
		{ 1 | 1 << 1, 0, -EIO },		/* reserved */
		{ 1 | 5 << 1 | BIT_ULL(52), 0, -EIO },	/* beyond S1ContextPtr */
		{ 1 | 5 << 1 | BIT_ULL(56), 0, -EIO },
		{ 1 | 5 << 1, BIT(8), -EIO },
		{ 1 | 5 << 1, BIT_ULL(44), -EIO },	/* SHCFG */
		{ 1 | 5 << 1, BIT_ULL(19), -EIO },	/* MEV */
		{ 1 | 5 << 1, 2ULL << 30, -EIO },	/* STRW */
		{ 1 | 5 << 1 | 1ULL << 59, 0, -EIO },	/* S1CDMax 1 > SSIDSIZE 0 */
		{ 1 | 4 << 1 | 1ULL << 59, 0, 0 },	/* ...only checked for S1 */
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 in[2] = { cases[i].dw0, cases[i].dw1 }, out[2];
		int rc = smmu_vste_check(in, out, 0);

		KUNIT_EXPECT_EQ_MSG(test, rc, cases[i].rc, "case %u", i);
		if (rc || !(in[0] & 1)) {
			KUNIT_EXPECT_EQ_MSG(test, out[0] | out[1], 0ULL,
					    "case %u", i);
			continue;
		}
		KUNIT_EXPECT_EQ(test, out[0], in[0]);
		KUNIT_EXPECT_EQ(test, out[1], in[1] & ~(3ULL << 28));
	}
	/* In place, as the driver calls it */
	{
		u64 v[2] = { 1 | 5 << 1 | 0x100000, 1 << 28 };

		KUNIT_EXPECT_EQ(test, smmu_vste_check(v, v, 0), 0);
		KUNIT_EXPECT_EQ(test, v[0], 1 | 5 << 1 | 0x100000ULL);
		KUNIT_EXPECT_EQ(test, v[1], 0ULL);
	}
}

/* Guest CDs the shadow can follow, and the ones it refuses */
static void guest_cd_rules(struct kunit *test)
{
	static const struct {
		u64 set, clear;
		int rc;
	} cases[] = {
		{ 0, 0, 0 },
		{ 0, BIT_ULL(31), -ENOENT },		/* V */
		{ 0, BIT_ULL(41), -EIO },		/* AA64 */
		{ 0, BIT_ULL(46), -EIO },		/* A */
		{ BIT_ULL(15), 0, -EIO },		/* ENDI */
		{ 1ULL << 6, 0, -EIO },			/* TG0 64K */
		{ BIT_ULL(14), 0, -EIO },		/* EPD0 */
		{ BIT_ULL(42), 0, -EIO },		/* HD */
		{ BIT_ULL(43), 0, -EIO },		/* HA */
		{ BIT_ULL(44), 0, -EIO },		/* S */
		{ 40, 63, -EIO },			/* T0SZ 63 -> 40 */
		{ 25, 63, 0 },				/* T0SZ 25: 39 bits */
	};
	struct smmu_shadow_fixture f;
	struct smmu_guest_cd cd;
	unsigned int i;

	fixture_init(test, &f);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		guest_cd(f.page[0], GPA_BASE + 0x1000, 5);
		f.page[0][0] = (f.page[0][0] & ~cases[i].clear) | cases[i].set;
		KUNIT_EXPECT_EQ_MSG(test, smmu_guest_cd_read(&f.src, GPA_BASE,
							     &cd),
				    cases[i].rc, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, cd.valid, !cases[i].rc, "case %u", i);
	}
	guest_cd(f.page[0], GPA_BASE + 0x1000, 5);
	KUNIT_ASSERT_EQ(test, smmu_guest_cd_read(&f.src, GPA_BASE, &cd), 0);
	KUNIT_EXPECT_EQ(test, cd.ttb0, GPA_BASE + 0x1000);
	KUNIT_EXPECT_EQ(test, cd.ias, 48U);
	KUNIT_EXPECT_EQ(test, cd.asid, 5);
	/* A CD outside the parent is never read */
	KUNIT_EXPECT_EQ(test, smmu_guest_cd_read(&f.src, 0x900000, &cd),
			-EFAULT);
	KUNIT_EXPECT_FALSE(test, cd.valid);
	fixture_fini(&f);
}

static struct kunit_case smmu_shadow_test_cases[] = {
	KUNIT_CASE(shadow_matches_nested),
	KUNIT_CASE(hw_nested_matches_shadow),
	KUNIT_CASE(shadow_resync_and_refill),
	KUNIT_CASE(shadow_prune),
	KUNIT_CASE(shadow_bounded),
	KUNIT_CASE(shadow_extent),
	KUNIT_CASE(vste_rules),
	KUNIT_CASE(guest_cd_rules),
	{}
};

static struct kunit_suite smmu_shadow_test_suite = {
	.name = "iofd_smmu_shadow",
	.test_cases = smmu_shadow_test_cases,
};
kunit_test_suite(smmu_shadow_test_suite);

MODULE_LICENSE("GPL");
