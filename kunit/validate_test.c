// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of core/validate.c: the errno each malformed uAPI argument
 * gets, in the documented order of precedence.
 */
#include <kunit/test.h>
#include <linux/iommufd.h>
#include "core/validate.h"

#define RW (IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE)

struct map_args_case {
	const char *desc;
	u32 flags;
	u64 iova;
	u64 length;
	int ret;
};

static const struct map_args_case map_args_cases[] = {
	{ "read-write", RW, 0x1000, 0x1000, 0 },
	{ "read-only fixed", IOMMU_IOAS_MAP_READABLE |
		IOMMU_IOAS_MAP_FIXED_IOVA, 0, 1, 0 },
	{ "write-only", IOMMU_IOAS_MAP_WRITEABLE, 0, 1, 0 },
	{ "unknown flag", RW | (1 << 3), 0x1000, 0x1000, -EOPNOTSUPP },
	{ "unknown flag wins over no permission", 1 << 31, 0, 0, -EOPNOTSUPP },
	{ "no permission", IOMMU_IOAS_MAP_FIXED_IOVA, 0x1000, 0x1000, -EINVAL },
	{ "zero length", RW, 0x1000, 0, -EINVAL },
	{ "iova U64_MAX", RW, U64_MAX, 1, -EOVERFLOW },
	{ "length U64_MAX", RW, 0, U64_MAX, -EOVERFLOW },
	{ "iova just below U64_MAX", RW, U64_MAX - 1, 1, 0 },
};

static void map_args_desc(const struct map_args_case *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(map_args, map_args_cases, map_args_desc);

static void validate_map_args(struct kunit *test)
{
	const struct map_args_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, iofd_check_map_args(c->flags, c->iova, c->length),
			c->ret);
}

static void validate_range(struct kunit *test)
{
	unsigned long last = 0;

	KUNIT_EXPECT_EQ(test, iofd_check_range(0x1000, 0x1000, &last), 0);
	KUNIT_EXPECT_EQ(test, last, 0x1fffUL);
	KUNIT_EXPECT_EQ(test, iofd_check_range(0, U64_MAX, &last), 0);
	KUNIT_EXPECT_EQ(test, last, ULONG_MAX - 1);
	KUNIT_EXPECT_EQ(test, iofd_check_range(1, U64_MAX, &last), 0);
	KUNIT_EXPECT_EQ(test, last, ULONG_MAX);
	KUNIT_EXPECT_EQ(test, iofd_check_range(2, U64_MAX, &last), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, iofd_check_range(U64_MAX, 1, &last), 0);
	KUNIT_EXPECT_EQ(test, iofd_check_range(U64_MAX, 2, &last), -EOVERFLOW);
	KUNIT_EXPECT_EQ(test, iofd_check_range(5, 0, &last), -EINVAL);
}

static void validate_hwpt_alloc(struct kunit *test)
{
	struct iommu_hwpt_alloc cmd = { .size = sizeof(cmd) };

	KUNIT_EXPECT_EQ(test, iofd_check_hwpt_alloc(&cmd), 0);
	cmd.flags = IOMMU_HWPT_ALLOC_NEST_PARENT |
		    IOMMU_HWPT_ALLOC_DIRTY_TRACKING | IOMMU_HWPT_ALLOC_PASID;
	KUNIT_EXPECT_EQ(test, iofd_check_hwpt_alloc(&cmd), 0);
	cmd.flags = 1 << 4;
	KUNIT_EXPECT_EQ(test, iofd_check_hwpt_alloc(&cmd), -EOPNOTSUPP);
	cmd.flags = 0;
	cmd.__reserved = 1;
	KUNIT_EXPECT_EQ(test, iofd_check_hwpt_alloc(&cmd), -EOPNOTSUPP);
	cmd.__reserved = 0;
	cmd.__reserved2 = 1;
	KUNIT_EXPECT_EQ(test, iofd_check_hwpt_alloc(&cmd), -EOPNOTSUPP);
	cmd.__reserved2 = 0;
	/* Data without a type, a type without data */
	cmd.data_len = 8;
	KUNIT_EXPECT_EQ(test, iofd_check_hwpt_alloc(&cmd), -EINVAL);
	cmd.data_len = 0;
	cmd.data_type = IOMMU_HWPT_DATA_VTD_S1;
	KUNIT_EXPECT_EQ(test, iofd_check_hwpt_alloc(&cmd), -EINVAL);
	cmd.data_len = sizeof(struct iommu_hwpt_vtd_s1);
	KUNIT_EXPECT_EQ(test, iofd_check_hwpt_alloc(&cmd), 0);
	/* Fault queues do not exist yet */
	cmd.flags = IOMMU_HWPT_FAULT_ID_VALID;
	KUNIT_EXPECT_EQ(test, iofd_check_hwpt_alloc(&cmd), -EOPNOTSUPP);
}

static struct kunit_case validate_test_cases[] = {
	KUNIT_CASE_PARAM(validate_map_args, map_args_gen_params),
	KUNIT_CASE(validate_range),
	KUNIT_CASE(validate_hwpt_alloc),
	{}
};

static struct kunit_suite validate_test_suite = {
	.name = "iofd_validate",
	.test_cases = validate_test_cases,
};
kunit_test_suite(validate_test_suite);

MODULE_LICENSE("GPL");
