// SPDX-License-Identifier: GPL-2.0
/*
 * Self-check of the KUnit runner (scripts/kunit.sh) and of the kernel
 * library behaviour that iofd-oot's range and field checks rely on:
 *
 *  - a range is (iova, length) from userspace; the core turns it into an
 *    inclusive "last = iova + length - 1" with check_add_overflow(), so a
 *    range may end exactly at U64_MAX but must not wrap;
 *  - array arguments are entry_num * entry_len, checked with
 *    check_mul_overflow() before anything is copied;
 *  - register and table fields use GENMASK_ULL()/FIELD_PREP()/FIELD_GET(),
 *    including the top bit (our capability bits grow down from bit 63).
 *
 * No project source is needed: this suite proves that the overlay builds,
 * boots and reports, and pins down the primitive semantics.
 */

#include <kunit/test.h>
#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/limits.h>
#include <linux/overflow.h>

/* How the core is meant to turn (iova, length) into an inclusive range. */
static int selfcheck_range_last(u64 iova, u64 length, u64 *last)
{
	if (!length)
		return -EINVAL;
	if (check_add_overflow(iova, length - 1, last))
		return -EOVERFLOW;
	return 0;
}

static void selfcheck_add_overflow_u64(struct kunit *test)
{
	u64 sum;

	KUNIT_EXPECT_FALSE(test, check_add_overflow(U64_MAX - 1, (u64)1, &sum));
	KUNIT_EXPECT_EQ(test, sum, U64_MAX);
	KUNIT_EXPECT_TRUE(test, check_add_overflow(U64_MAX, (u64)1, &sum));
	/* The wrapped value is still stored. */
	KUNIT_EXPECT_EQ(test, sum, 0ULL);
}

struct selfcheck_range_case {
	const char *desc;
	u64 iova;
	u64 length;
	int ret;
	u64 last;
};

static const struct selfcheck_range_case selfcheck_range_cases[] = {
	{ "zero_length", 0x1000, 0, -EINVAL, 0 },
	{ "one_page", 0x1000, 0x1000, 0, 0x1fff },
	{ "ends_at_u64_max", U64_MAX - 0xfff, 0x1000, 0, U64_MAX },
	{ "wraps_by_one", U64_MAX - 0xfff, 0x1001, -EOVERFLOW, 0 },
	{ "whole_space_from_1", 1, U64_MAX, 0, U64_MAX },
	{ "whole_space_from_0", 0, U64_MAX, 0, U64_MAX - 1 },
};

static void selfcheck_range_desc(const struct selfcheck_range_case *c,
				 char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(selfcheck_range, selfcheck_range_cases, selfcheck_range_desc);

static void selfcheck_range_last_param(struct kunit *test)
{
	const struct selfcheck_range_case *c = test->param_value;
	u64 last = 0;
	int ret;

	ret = selfcheck_range_last(c->iova, c->length, &last);
	KUNIT_EXPECT_EQ(test, ret, c->ret);
	if (!c->ret)
		KUNIT_EXPECT_EQ(test, last, c->last);
}

static void selfcheck_mul_overflow_array(struct kunit *test)
{
	size_t bytes;

	KUNIT_EXPECT_FALSE(test, check_mul_overflow((size_t)U32_MAX,
						    (size_t)U32_MAX, &bytes));
	KUNIT_EXPECT_EQ(test, bytes, (size_t)U32_MAX * U32_MAX);
	KUNIT_EXPECT_TRUE(test, check_mul_overflow(SIZE_MAX / 2 + 1,
						   (size_t)2, &bytes));
	KUNIT_EXPECT_EQ(test, size_mul(SIZE_MAX / 2 + 1, 2), SIZE_MAX);
}

#define SELFCHECK_TOP_FIELD	GENMASK_ULL(63, 60)
#define SELFCHECK_ADDR_FIELD	GENMASK_ULL(51, 12)

static void selfcheck_field_top_bits(struct kunit *test)
{
	u64 v = FIELD_PREP(SELFCHECK_TOP_FIELD, 0x9) |
		FIELD_PREP(SELFCHECK_ADDR_FIELD, 0xfffffffffULL);

	KUNIT_EXPECT_EQ(test, v, 0x9000fffffffff000ULL);
	KUNIT_EXPECT_EQ(test, FIELD_GET(SELFCHECK_TOP_FIELD, v), 0x9ULL);
	KUNIT_EXPECT_EQ(test, FIELD_GET(SELFCHECK_ADDR_FIELD, v),
			0xfffffffffULL);
	KUNIT_EXPECT_EQ(test, BIT_ULL(63), 0x8000000000000000ULL);
}

static struct kunit_case selfcheck_cases[] = {
	KUNIT_CASE(selfcheck_add_overflow_u64),
	KUNIT_CASE_PARAM(selfcheck_range_last_param,
			 selfcheck_range_gen_params),
	KUNIT_CASE(selfcheck_mul_overflow_array),
	KUNIT_CASE(selfcheck_field_top_bits),
	{}
};

static struct kunit_suite selfcheck_suite = {
	.name = "iofd_selfcheck",
	.test_cases = selfcheck_cases,
};
kunit_test_suite(selfcheck_suite);

MODULE_DESCRIPTION("iofd-oot KUnit runner self-check");
MODULE_LICENSE("GPL");
