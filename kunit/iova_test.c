// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of core/iova_alloc.c: gap walking over the reserved and area
 * trees, kernel-chosen IOVA placement, IOPTE size choice and the alignment
 * rule of areas.  Trees are built from on-stack nodes.
 */
#include <kunit/test.h>
#include <linux/interval_tree.h>
#include <linux/mm.h>
#include "core/iova_alloc.h"

struct iova_tree {
	struct rb_root_cached root;
	struct interval_tree_node nodes[8];
	unsigned int n;
};

static void tree_init(struct iova_tree *t)
{
	t->root = RB_ROOT_CACHED;
	t->n = 0;
}

static void tree_add(struct iova_tree *t, unsigned long start,
		     unsigned long last)
{
	struct interval_tree_node *node = &t->nodes[t->n++];

	node->start = start;
	node->last = last;
	interval_tree_insert(node, &t->root);
}

/* Collect the holes of [start, last] into @out, return how many */
static unsigned int collect_holes(struct rb_root_cached *a,
				  struct rb_root_cached *b,
				  unsigned long start, unsigned long last,
				  unsigned long out[][2], unsigned int max)
{
	struct iova_hole_iter it;
	unsigned long hs, hl;
	unsigned int n = 0;

	iova_hole_init(&it, a, b, start, last);
	while (iova_hole_next(&it, &hs, &hl) && n < max) {
		out[n][0] = hs;
		out[n][1] = hl;
		n++;
	}
	return n;
}

static void iova_hole_empty_tree(struct kunit *test)
{
	struct iova_tree t;
	unsigned long holes[4][2];

	tree_init(&t);
	KUNIT_ASSERT_EQ(test, collect_holes(&t.root, NULL, 0, ULONG_MAX,
					    holes, 4), 1U);
	KUNIT_EXPECT_EQ(test, holes[0][0], 0UL);
	KUNIT_EXPECT_EQ(test, holes[0][1], ULONG_MAX);
}

static void iova_hole_between_intervals(struct kunit *test)
{
	struct iova_tree t;
	unsigned long holes[4][2];

	tree_init(&t);
	tree_add(&t, 0x1000, 0x1fff);
	tree_add(&t, 0x5000, 0x5fff);
	KUNIT_ASSERT_EQ(test, collect_holes(&t.root, NULL, 0, 0xffff, holes, 4),
			3U);
	KUNIT_EXPECT_EQ(test, holes[0][0], 0UL);
	KUNIT_EXPECT_EQ(test, holes[0][1], 0xfffUL);
	KUNIT_EXPECT_EQ(test, holes[1][0], 0x2000UL);
	KUNIT_EXPECT_EQ(test, holes[1][1], 0x4fffUL);
	KUNIT_EXPECT_EQ(test, holes[2][0], 0x6000UL);
	KUNIT_EXPECT_EQ(test, holes[2][1], 0xffffUL);
}

/* Intervals of two trees overlap each other and the walked range edges */
static void iova_hole_two_trees_overlapping(struct kunit *test)
{
	struct iova_tree a, b;
	unsigned long holes[4][2];

	tree_init(&a);
	tree_init(&b);
	tree_add(&a, 0, 0x2fff);
	tree_add(&b, 0x2000, 0x3fff);
	tree_add(&b, 0x8000, ULONG_MAX);
	tree_add(&a, 0x9000, 0x9fff);
	KUNIT_ASSERT_EQ(test, collect_holes(&a.root, &b.root, 0x1000,
					    ULONG_MAX, holes, 4), 1U);
	KUNIT_EXPECT_EQ(test, holes[0][0], 0x4000UL);
	KUNIT_EXPECT_EQ(test, holes[0][1], 0x7fffUL);
}

static void iova_hole_fully_used(struct kunit *test)
{
	struct iova_tree t;
	unsigned long holes[4][2];

	tree_init(&t);
	tree_add(&t, 0, ULONG_MAX);
	KUNIT_EXPECT_EQ(test, collect_holes(&t.root, NULL, 0, ULONG_MAX, holes,
					    4), 0U);
}

static void iova_hole_touching_top(struct kunit *test)
{
	struct iova_tree t;
	unsigned long holes[4][2];

	tree_init(&t);
	tree_add(&t, 0, ULONG_MAX - 1);
	KUNIT_ASSERT_EQ(test, collect_holes(&t.root, NULL, 0, ULONG_MAX, holes,
					    4), 1U);
	KUNIT_EXPECT_EQ(test, holes[0][0], ULONG_MAX);
	KUNIT_EXPECT_EQ(test, holes[0][1], ULONG_MAX);
}

static void iova_hole_empty_range(struct kunit *test)
{
	unsigned long holes[4][2];
	struct iova_tree t;

	tree_init(&t);
	KUNIT_EXPECT_EQ(test, collect_holes(&t.root, NULL, 10, 9, holes, 4),
			0U);
}

static void iova_fit_alignment(struct kunit *test)
{
	unsigned long iova = 0;

	KUNIT_EXPECT_TRUE(test, iova_fit_in_hole(0x1001, 0x4fff, 0x2000,
						 0x1000, &iova));
	KUNIT_EXPECT_EQ(test, iova, 0x2000UL);
	/* Aligning up leaves too little room */
	KUNIT_EXPECT_FALSE(test, iova_fit_in_hole(0x1001, 0x3ffe, 0x2000,
						  0x1000, &iova));
	/* Exactly fills the hole */
	KUNIT_EXPECT_TRUE(test, iova_fit_in_hole(0x2000, 0x3fff, 0x2000,
						 0x2000, &iova));
	KUNIT_EXPECT_EQ(test, iova, 0x2000UL);
	/* Aligning past ULONG_MAX must not wrap to 0 */
	KUNIT_EXPECT_FALSE(test, iova_fit_in_hole(ULONG_MAX - 10, ULONG_MAX,
						  1, 0x1000, &iova));
	/* Zero length and a non power of 2 alignment never fit */
	KUNIT_EXPECT_FALSE(test, iova_fit_in_hole(0, ULONG_MAX, 0, 1, &iova));
	KUNIT_EXPECT_FALSE(test, iova_fit_in_hole(0, ULONG_MAX, 1, 3, &iova));
}

static void iova_auto_alignment_rules(struct kunit *test)
{
	/* As large as the mapping ... */
	KUNIT_EXPECT_EQ(test, iova_auto_alignment(0x200000, 0, 1), 0x200000UL);
	KUNIT_EXPECT_EQ(test, iova_auto_alignment(0x3000, 0, 1), 0x4000UL);
	/* ... but no more than the user address has ... */
	KUNIT_EXPECT_EQ(test, iova_auto_alignment(0x200000, 0x7f0000001000, 1),
			0x1000UL);
	/* ... and at least what the domains need */
	KUNIT_EXPECT_EQ(test, iova_auto_alignment(0x800, 0x800, 0x1000),
			0x1000UL);
	/* Huge lengths do not overflow roundup_pow_of_two() */
	KUNIT_EXPECT_EQ(test, iova_auto_alignment(ULONG_MAX, 0, 1),
			1UL << (BITS_PER_LONG - 1));
}

static void iova_find_skips_page_zero(struct kunit *test)
{
	struct iova_tree allowed, resv, areas;
	unsigned long iova = 0;

	tree_init(&allowed);
	tree_init(&resv);
	tree_init(&areas);
	KUNIT_ASSERT_EQ(test, iova_find_free(&allowed.root, &resv.root,
					     &areas.root, PAGE_SIZE, PAGE_SIZE,
					     &iova), 0);
	KUNIT_EXPECT_EQ(test, iova, (unsigned long)PAGE_SIZE);
}

static void iova_find_avoids_reserved_and_areas(struct kunit *test)
{
	struct iova_tree allowed, resv, areas;
	unsigned long iova = 0;

	tree_init(&allowed);
	tree_init(&resv);
	tree_init(&areas);
	tree_add(&resv, 0, 0xffffff);
	tree_add(&areas, 0x1000000, 0x1001fff);
	KUNIT_ASSERT_EQ(test, iova_find_free(&allowed.root, &resv.root,
					     &areas.root, 0x2000, 0x2000,
					     &iova), 0);
	KUNIT_EXPECT_EQ(test, iova, 0x1002000UL);
}

static void iova_find_only_in_allowed(struct kunit *test)
{
	struct iova_tree allowed, resv, areas;
	unsigned long iova = 0;

	tree_init(&allowed);
	tree_init(&resv);
	tree_init(&areas);
	tree_add(&allowed, 0x10000, 0x10fff);
	tree_add(&allowed, 0x40000, 0x7ffff);
	/* Too big for the first allowed range, fits the second */
	KUNIT_ASSERT_EQ(test, iova_find_free(&allowed.root, &resv.root,
					     &areas.root, 0x2000, 0x1000,
					     &iova), 0);
	KUNIT_EXPECT_EQ(test, iova, 0x40000UL);
	/* Larger than any allowed range */
	KUNIT_EXPECT_EQ(test, iova_find_free(&allowed.root, &resv.root,
					     &areas.root, 0x100000, 0x1000,
					     &iova), -ENOSPC);
}

static void iova_find_full_space(struct kunit *test)
{
	struct iova_tree allowed, resv, areas;
	unsigned long iova = 0;

	tree_init(&allowed);
	tree_init(&resv);
	tree_init(&areas);
	tree_add(&resv, 0, ULONG_MAX);
	KUNIT_EXPECT_EQ(test, iova_find_free(&allowed.root, &resv.root,
					     &areas.root, 1, 1, &iova),
			-ENOSPC);
}

static void iova_pick_pgsize_largest(struct kunit *test)
{
	unsigned long sizes = SZ_4K | SZ_2M | SZ_1G;

	KUNIT_EXPECT_EQ(test, iova_pick_pgsize(sizes, SZ_2M, SZ_4M, SZ_2M),
			(unsigned long)SZ_2M);
	/* Physical address only 4K aligned */
	KUNIT_EXPECT_EQ(test, iova_pick_pgsize(sizes, SZ_2M, SZ_4M + SZ_4K,
					       SZ_2M), (unsigned long)SZ_4K);
	/* Not enough length left for 2M */
	KUNIT_EXPECT_EQ(test, iova_pick_pgsize(sizes, SZ_2M, SZ_4M,
					       SZ_2M - SZ_4K),
			(unsigned long)SZ_4K);
	KUNIT_EXPECT_EQ(test, iova_pick_pgsize(sizes, SZ_1G, SZ_2G, SZ_2G),
			(unsigned long)SZ_1G);
	/* Address 0 is aligned to everything */
	KUNIT_EXPECT_EQ(test, iova_pick_pgsize(sizes, 0, 0, SZ_4G),
			(unsigned long)SZ_1G);
	/* Nothing fits: smaller than the smallest size, or misaligned */
	KUNIT_EXPECT_EQ(test, iova_pick_pgsize(sizes, 0, 0, 0x800), 0UL);
	KUNIT_EXPECT_EQ(test, iova_pick_pgsize(sizes, 0x800, 0, SZ_4K), 0UL);
	KUNIT_EXPECT_EQ(test, iova_pick_pgsize(sizes, 0, 0, 0), 0UL);
}

static void iova_pick_pgsize_mock_halfpage(struct kunit *test)
{
	/* The mock's IOPTE is half a page, with 512x huge ones */
	unsigned long sizes = 0x800 | (0x800 * 512);

	KUNIT_EXPECT_EQ(test, iova_pick_pgsize(sizes, 0x800, 0x1800, 0x1000),
			0x800UL);
	KUNIT_EXPECT_EQ(test, iova_pick_pgsize(sizes, 0x100000, 0x200000,
					       0x100000), 0x100000UL);
}

static void iova_range_alignment(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, iova_range_aligned(0x1000, 0x2000, 0, 0x1000));
	KUNIT_EXPECT_FALSE(test, iova_range_aligned(0x1800, 0x2000, 0,
						    0x1000));
	KUNIT_EXPECT_FALSE(test, iova_range_aligned(0x1000, 0x1800, 0,
						    0x1000));
	/* The offset into the first page counts: PA and IOVA congruent */
	KUNIT_EXPECT_FALSE(test, iova_range_aligned(0x1000, 0x1000, 0x800,
						    0x1000));
	KUNIT_EXPECT_TRUE(test, iova_range_aligned(0x1800, 0x800, 0x800,
						   0x800));
	/* Alignment 1 (no domain) accepts bytes */
	KUNIT_EXPECT_TRUE(test, iova_range_aligned(1, 3, 5, 1));
}

static struct kunit_case iova_test_cases[] = {
	KUNIT_CASE(iova_hole_empty_tree),
	KUNIT_CASE(iova_hole_between_intervals),
	KUNIT_CASE(iova_hole_two_trees_overlapping),
	KUNIT_CASE(iova_hole_fully_used),
	KUNIT_CASE(iova_hole_touching_top),
	KUNIT_CASE(iova_hole_empty_range),
	KUNIT_CASE(iova_fit_alignment),
	KUNIT_CASE(iova_auto_alignment_rules),
	KUNIT_CASE(iova_find_skips_page_zero),
	KUNIT_CASE(iova_find_avoids_reserved_and_areas),
	KUNIT_CASE(iova_find_only_in_allowed),
	KUNIT_CASE(iova_find_full_space),
	KUNIT_CASE(iova_pick_pgsize_largest),
	KUNIT_CASE(iova_pick_pgsize_mock_halfpage),
	KUNIT_CASE(iova_range_alignment),
	{}
};

static struct kunit_suite iova_test_suite = {
	.name = "iofd_iova",
	.test_cases = iova_test_cases,
};
kunit_test_suite(iova_test_suite);

MODULE_LICENSE("GPL");
