// SPDX-License-Identifier: GPL-2.0
/*
 * IOAS objects: alloc/destroy, MAP/MAP_FILE/UNMAP/COPY, IOVA_RANGES,
 * ALLOW_IOVAS, reserved ranges and IOMMU_OPTION, each run with no domain,
 * one mock domain, two mock domains and a tiny pinning batch.
 *
 * iofd-oot pins user pages at MAP time even with no domain attached, so the
 * pin counts checked here are the same in every variant.
 */
#include "iommufd_utils.h"

/* ------------------------------------------------- tests without fixture */

FIXTURE(iommufd)
{
	int fd;
};

FIXTURE_SETUP(iommufd)
{
	iofd_new_buffers();
	self->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->fd);
}

FIXTURE_TEARDOWN(iommufd)
{
	teardown_iommufd(self->fd, _metadata);
}

TEST_F(iommufd, cmd_fail)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = 0 };

	/* No object has ID 0 */
	test_err_destroy(ENOENT, 0);
	/* Nor this one */
	test_err_destroy(ENOENT, 0x7fffffff);
	/* The struct cannot be read */
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_DESTROY, NULL));
	/* Just below our range */
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd,
				   _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE - 1),
				   &cmd));
}

TEST_F(iommufd, ioas_alloc_ids)
{
	__u32 ids[64];
	unsigned int i, j;

	for (i = 0; i != ARRAY_SIZE(ids); i++) {
		test_ioctl_ioas_alloc(&ids[i]);
		for (j = 0; j != i; j++)
			ASSERT_NE(ids[j], ids[i]);
	}
	/* Free every other one, then all: each ID stays valid until freed */
	for (i = 0; i < ARRAY_SIZE(ids); i += 2)
		test_ioctl_destroy(ids[i]);
	for (i = 0; i < ARRAY_SIZE(ids); i += 2)
		test_err_destroy(ENOENT, ids[i]);
	for (i = 1; i < ARRAY_SIZE(ids); i += 2)
		test_ioctl_destroy(ids[i]);
}

TEST_F(iommufd, ioas_alloc_flags)
{
	struct iommu_ioas_alloc cmd = {
		.size = sizeof(cmd),
		.flags = 1,
	};

	/* No flag is defined */
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
	cmd.flags = 1U << 31;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
	cmd.flags = 0;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_ALLOC, &cmd));
	ASSERT_NE(0, cmd.out_ioas_id);
}

TEST_F(iommufd, global_options)
{
	__u64 val = 1;

	ASSERT_EQ(0, _test_ioctl_option(self->fd, IOMMU_OPTION_RLIMIT_MODE,
					IOMMU_OPTION_OP_GET, 0, &val));
	ASSERT_EQ(0, val);

	/* Root has CAP_SYS_RESOURCE, and the context is empty */
	ASSERT_EQ(0, _test_ioctl_set_rlimit_mode(self->fd, 1));
	EXPECT_ERRNO(EINVAL, _test_ioctl_set_rlimit_mode(self->fd, 2));

	val = 7;
	ASSERT_EQ(0, _test_ioctl_option(self->fd, IOMMU_OPTION_RLIMIT_MODE,
					IOMMU_OPTION_OP_GET, 0, &val));
	ASSERT_EQ(1, val);

	ASSERT_EQ(0, _test_ioctl_set_rlimit_mode(self->fd, 0));
	val = 7;
	ASSERT_EQ(0, _test_ioctl_option(self->fd, IOMMU_OPTION_RLIMIT_MODE,
					IOMMU_OPTION_OP_GET, 0, &val));
	ASSERT_EQ(0, val);

	/* HUGE_PAGES is per IOAS: object 0 is not an IOAS */
	EXPECT_ERRNO(ENOENT, _test_ioctl_option(self->fd,
						IOMMU_OPTION_HUGE_PAGES,
						IOMMU_OPTION_OP_GET, 0, &val));
	EXPECT_ERRNO(ENOENT, _test_ioctl_option(self->fd,
						IOMMU_OPTION_HUGE_PAGES,
						IOMMU_OPTION_OP_SET, 0, &val));
}

TEST_F(iommufd, option_errors)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = IOMMU_OPTION_RLIMIT_MODE,
		.op = IOMMU_OPTION_OP_GET,
	};
	__u32 ioas_id;
	__u64 val = 0;

	/* Reserved field */
	cmd.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd.__reserved = 0;
	/* Unknown op */
	cmd.op = 2;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd.op = IOMMU_OPTION_OP_GET;
	/* Unknown option */
	cmd.option_id = 0x1234;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_OPTION, &cmd));
	cmd.option_id = IOMMU_OPTION_RLIMIT_MODE;
	/* The global option takes no object */
	cmd.object_id = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_OPTION, &cmd));

	/* Changing the accounting mode needs an empty context */
	test_ioctl_ioas_alloc(&ioas_id);
	EXPECT_ERRNO(EBUSY, _test_ioctl_set_rlimit_mode(self->fd, 1));
	ASSERT_EQ(0, _test_ioctl_option(self->fd, IOMMU_OPTION_RLIMIT_MODE,
					IOMMU_OPTION_OP_GET, 0, &val));
	ASSERT_EQ(0, val);
	test_ioctl_destroy(ioas_id);
	ASSERT_EQ(0, _test_ioctl_set_rlimit_mode(self->fd, 1));
	ASSERT_EQ(0, _test_ioctl_set_rlimit_mode(self->fd, 0));
}

TEST_F(iommufd, rlimit_mode_needs_cap_sys_resource)
{
	__u64 val = 1;

	ASSERT_EQ(0, iofd_drop_cap(CAP_SYS_RESOURCE));
	ASSERT_FALSE(iofd_has_cap(CAP_SYS_RESOURCE));
	EXPECT_ERRNO(EPERM, _test_ioctl_set_rlimit_mode(self->fd, 1));
	/* Reading stays allowed */
	ASSERT_EQ(0, _test_ioctl_option(self->fd, IOMMU_OPTION_RLIMIT_MODE,
					IOMMU_OPTION_OP_GET, 0, &val));
	ASSERT_EQ(0, val);
}

/* --------------------------------------------------------- IOAS fixture */

FIXTURE(ioas)
{
	int fd;
	__u32 ioas_id;
	/* First mock device, its HWPT and bound device; 0 when none */
	__u32 stdev_id;
	__u32 hwpt_id;
	__u32 idev_id;
	/* Second mock device, on a HWPT of its own */
	__u32 stdev_id2;
	__u32 hwpt_id2;
	__u64 base_iova;
};

FIXTURE_VARIANT(ioas)
{
	unsigned int mock_domains;
	unsigned int memory_limit;
};

FIXTURE_SETUP(ioas)
{
	iofd_new_buffers();
	self->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
	test_cmd_set_temp_memory_limit(variant->memory_limit);

	if (variant->mock_domains >= 1)
		test_cmd_mock_domain(self->ioas_id, &self->stdev_id,
				     &self->hwpt_id, &self->idev_id);
	if (variant->mock_domains >= 2) {
		/*
		 * A second auto domain could be shared with the first device;
		 * allocate one explicitly so there really are two tables.
		 */
		test_cmd_hwpt_alloc(self->idev_id, self->ioas_id, 0,
				    &self->hwpt_id2);
		test_cmd_mock_domain(self->hwpt_id2, &self->stdev_id2, NULL,
				     NULL);
		ASSERT_NE(self->hwpt_id, self->hwpt_id2);
	}
	/* Inside the mock aperture, and unremarkable without a domain */
	self->base_iova = MOCK_APERTURE_START;
}

FIXTURE_TEARDOWN(ioas)
{
	EXPECT_EQ(0, _test_cmd_set_temp_memory_limit(self->fd, 0));
	teardown_iommufd(self->fd, _metadata);
}

FIXTURE_VARIANT_ADD(ioas, no_domain)
{
	.mock_domains = 0,
};

FIXTURE_VARIANT_ADD(ioas, mock_domain)
{
	.mock_domains = 1,
};

FIXTURE_VARIANT_ADD(ioas, two_mock_domain)
{
	.mock_domains = 2,
};

FIXTURE_VARIANT_ADD(ioas, mock_domain_limit)
{
	.mock_domains = 1,
	.memory_limit = 16,
};

/* Check the mapping in every mock domain the fixture has */
#define check_mock_iova(uptr, iova, length)                                  \
	({                                                                   \
		if (self->hwpt_id)                                           \
			test_cmd_check_map(self->hwpt_id, iova, length, uptr); \
		if (self->hwpt_id2)                                          \
			test_cmd_check_map(self->hwpt_id2, iova, length,     \
					   uptr);                            \
	})

TEST_F(ioas, ioas_auto_destroy)
{
	struct iommu_iova_range ranges[4];
	__u32 num = ARRAY_SIZE(ranges);

	/* The IOAS exists and answers; close takes care of it */
	ASSERT_EQ(0, _test_ioctl_iova_ranges(self->fd, self->ioas_id, ranges,
					     &num, NULL));
	ASSERT_EQ(1, num);
	test_ioctl_ioas_map_fixed(buffer, BUFFER_SIZE, self->base_iova);
}

TEST_F(ioas, ioas_destroy)
{
	__u64 iova;

	if (self->stdev_id) {
		/* A device's HWPT uses the IOAS */
		test_err_destroy(EBUSY, self->ioas_id);
		/* ... and the HWPT is in use by the device */
		test_err_destroy(EBUSY, self->hwpt_id);
		/* The device belongs to its binder */
		test_err_destroy(EBUSY, self->idev_id);
	} else {
		test_ioctl_destroy(self->ioas_id);
		test_err_destroy(ENOENT, self->ioas_id);
		test_err_ioctl_ioas_map(ENOENT, buffer, PAGE_SIZE, &iova);
	}
}

TEST_F(ioas, ioas_area_destroy)
{
	test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE, self->base_iova);
	check_refs(buffer, PAGE_SIZE, 1);
	if (self->stdev_id) {
		test_err_destroy(EBUSY, self->ioas_id);
		check_refs(buffer, PAGE_SIZE, 1);
	} else {
		/* Destroying the IOAS unpins at once */
		test_ioctl_destroy(self->ioas_id);
		check_refs(buffer, PAGE_SIZE, 0);
	}
}

TEST_F(ioas, ioas_area_auto_destroy)
{
	int i;

	/* Ten maps of one page: ten separate pins of it */
	for (i = 0; i != 10; i++)
		test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE,
					  self->base_iova + i * PAGE_SIZE);
	check_refs(buffer, PAGE_SIZE, 10);
	check_refs(buffer + PAGE_SIZE, PAGE_SIZE, 0);
}

TEST_F(ioas, area)
{
	__u64 len;
	int i;

	/* Unmap fails if nothing is mapped */
	for (i = 0; i != 10; i++)
		test_err_ioctl_ioas_unmap(ENOENT, self->base_iova + i * PAGE_SIZE,
					  PAGE_SIZE);

	/* Unmap works */
	for (i = 0; i != 10; i++)
		test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE,
					  self->base_iova + i * PAGE_SIZE);
	for (i = 0; i != 10; i++)
		test_ioctl_ioas_unmap(self->base_iova + i * PAGE_SIZE,
				      PAGE_SIZE);
	check_refs(buffer, PAGE_SIZE, 0);

	/* Splitting a mapping is refused */
	test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE * 2,
				  self->base_iova + 16 * PAGE_SIZE);
	test_err_ioctl_ioas_unmap(ENOENT, self->base_iova + 16 * PAGE_SIZE,
				  PAGE_SIZE);
	test_err_ioctl_ioas_unmap(ENOENT, self->base_iova + 17 * PAGE_SIZE,
				  PAGE_SIZE);
	/* The failed unmaps left it whole */
	check_refs(buffer, PAGE_SIZE * 2, 1);

	/* Every overlap with an existing mapping is refused */
	test_err_ioctl_ioas_map_fixed(EEXIST, buffer, PAGE_SIZE * 2,
				      self->base_iova + 16 * PAGE_SIZE);
	test_err_ioctl_ioas_map_fixed(EEXIST, buffer, PAGE_SIZE,
				      self->base_iova + 16 * PAGE_SIZE);
	test_err_ioctl_ioas_map_fixed(EEXIST, buffer, PAGE_SIZE,
				      self->base_iova + 17 * PAGE_SIZE);
	test_err_ioctl_ioas_map_fixed(EEXIST, buffer, PAGE_SIZE * 2,
				      self->base_iova + 15 * PAGE_SIZE);
	test_err_ioctl_ioas_map_fixed(EEXIST, buffer, PAGE_SIZE * 3,
				      self->base_iova + 15 * PAGE_SIZE);
	check_refs(buffer, PAGE_SIZE * 2, 1);

	/* Unmap all reports what it removed */
	ASSERT_EQ(0, _test_ioctl_ioas_unmap(self->fd, self->ioas_id, 0,
					    UINT64_MAX, &len));
	ASSERT_EQ(PAGE_SIZE * 2, len);
	check_refs(buffer, PAGE_SIZE * 2, 0);

	/* Unmap all succeeds on an empty IOAS, with nothing removed */
	len = 1;
	ASSERT_EQ(0, _test_ioctl_ioas_unmap(self->fd, self->ioas_id, 0,
					    UINT64_MAX, &len));
	ASSERT_EQ(0, len);
}

TEST_F(ioas, unmap_fully_contained_areas)
{
	__u64 base = self->base_iova + 4 * PAGE_SIZE;
	__u64 len;
	int i;

	for (i = 0; i != 4; i++)
		test_ioctl_ioas_map_fixed(buffer, 8 * PAGE_SIZE,
					  base + i * 16 * PAGE_SIZE);

	/* A range that cuts the first or the last area does not work */
	test_err_ioctl_ioas_unmap(ENOENT, base - 4 * PAGE_SIZE, 8 * PAGE_SIZE);
	test_err_ioctl_ioas_unmap(ENOENT, base + 3 * 16 * PAGE_SIZE +
						  4 * PAGE_SIZE,
				  8 * PAGE_SIZE);

	/* One that contains all four whole areas removes them */
	ASSERT_EQ(0, _test_ioctl_ioas_unmap(self->fd, self->ioas_id,
					    base - 4 * PAGE_SIZE,
					    3 * 16 * PAGE_SIZE + 8 * PAGE_SIZE +
						    8 * PAGE_SIZE,
					    &len));
	ASSERT_EQ(32 * PAGE_SIZE, len);
	check_refs(buffer, 8 * PAGE_SIZE, 0);
}

TEST_F(ioas, area_auto_iova)
{
	const __u64 resv_start = PAGE_SIZE * 4, resv_len = PAGE_SIZE * 100;
	struct iommu_iova_range range;
	__u64 iovas[10];
	int i;

	/* Single pages */
	for (i = 0; i != 10; i++)
		test_ioctl_ioas_map(buffer, PAGE_SIZE, &iovas[i]);
	for (i = 0; i != 10; i++)
		test_ioctl_ioas_unmap(iovas[i], PAGE_SIZE);

	/* The kernel aligns the IOVA it picks to the length */
	for (i = 0; i != 10; i++) {
		size_t length = PAGE_SIZE * (i + 1);

		test_ioctl_ioas_map(buffer, length, &iovas[i]);
		EXPECT_EQ(0, iovas[i] % (1UL << (ffs(length) - 1)));
		check_mock_iova(buffer, iovas[i], length);
	}
	for (i = 0; i != 10; i++)
		test_ioctl_ioas_unmap(iovas[i], PAGE_SIZE * (i + 1));

	/* It avoids a reserved range */
	test_cmd_add_reserved(self->ioas_id, resv_start, resv_len);
	for (i = 0; i != 10; i++) {
		size_t length = PAGE_SIZE * (i + 1);

		test_ioctl_ioas_map(buffer, length, &iovas[i]);
		EXPECT_EQ(0, iovas[i] % (1UL << (ffs(length) - 1)));
		EXPECT_FALSE(iovas[i] < resv_start + resv_len &&
			     iovas[i] + length > resv_start);
	}
	for (i = 0; i != 10; i++)
		test_ioctl_ioas_unmap(iovas[i], PAGE_SIZE * (i + 1));

	/* An allowed range may not intersect a reserved one */
	range.start = PAGE_SIZE;
	range.last = PAGE_SIZE * 600;
	test_err_allow_iovas(EADDRINUSE, self->ioas_id, &range, 1);

	/* Automatic IOVAs come from the allowed range */
	if (self->stdev_id) {
		range.start = MOCK_APERTURE_START + PAGE_SIZE;
		range.last = MOCK_APERTURE_START + PAGE_SIZE * 600 - 1;
	} else {
		range.start = PAGE_SIZE * 200;
		range.last = PAGE_SIZE * 600 - 1;
	}
	test_ioctl_allow_iovas(self->ioas_id, &range, 1);
	for (i = 0; i != 10; i++) {
		size_t length = PAGE_SIZE * (i + 1);

		test_ioctl_ioas_map(buffer, length, &iovas[i]);
		EXPECT_EQ(0, iovas[i] % (1UL << (ffs(length) - 1)));
		EXPECT_GE(iovas[i], range.start);
		EXPECT_LE(iovas[i] + length - 1, range.last);
	}
	for (i = 0; i != 10; i++)
		test_ioctl_ioas_unmap(iovas[i], PAGE_SIZE * (i + 1));
}

TEST_F(ioas, area_allowed)
{
	struct iommu_iova_range range = {
		.start = self->base_iova,
		.last = self->base_iova + PAGE_SIZE * 600,
	};

	/* A reserved range may not land inside an allowed one */
	test_ioctl_allow_iovas(self->ioas_id, &range, 1);
	test_err_add_reserved(EADDRINUSE, self->ioas_id,
			      range.start + PAGE_SIZE, PAGE_SIZE);
	/* An empty list clears the allowed ranges */
	test_ioctl_allow_iovas(self->ioas_id, NULL, 0);

	/* ... nor an allowed range over a reserved one */
	test_cmd_add_reserved(self->ioas_id, range.start + PAGE_SIZE,
			      PAGE_SIZE);
	test_err_allow_iovas(EADDRINUSE, self->ioas_id, &range, 1);
}

TEST_F(ioas, reserved_map)
{
	__u64 resv = self->base_iova + 4 * PAGE_SIZE;

	test_cmd_add_reserved(self->ioas_id, resv, 4 * PAGE_SIZE);
	/* Mapping into a reserved range is refused, entirely or partly */
	test_err_ioctl_ioas_map_fixed(EINVAL, buffer, PAGE_SIZE, resv);
	test_err_ioctl_ioas_map_fixed(EINVAL, buffer, 2 * PAGE_SIZE,
				      resv - PAGE_SIZE);
	test_err_ioctl_ioas_map_fixed(EINVAL, buffer, 2 * PAGE_SIZE,
				      resv + 3 * PAGE_SIZE);
	check_refs(buffer, 2 * PAGE_SIZE, 0);
	/* Right next to it is fine */
	test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE, resv - PAGE_SIZE);
	test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE, resv + 4 * PAGE_SIZE);

	/* A reserved range may not cover an existing mapping */
	test_err_add_reserved(EADDRINUSE, self->ioas_id, resv - PAGE_SIZE,
			      PAGE_SIZE);

	if (self->stdev_id) {
		/* Outside the mock aperture is reserved by the domain */
		test_err_ioctl_ioas_map_fixed(EINVAL, buffer, PAGE_SIZE,
					      MOCK_APERTURE_START - PAGE_SIZE);
		test_err_ioctl_ioas_map_fixed(EINVAL, buffer, PAGE_SIZE,
					      (__u64)MOCK_APERTURE_LAST + 1);
		test_err_ioctl_ioas_map_fixed(EINVAL, buffer, PAGE_SIZE, 0);
	} else {
		test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE, 0);
		test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE,
					  (__u64)MOCK_APERTURE_LAST + 1);
	}
}

TEST_F(ioas, copy_area)
{
	__u64 dst_iova, dst_iova2;
	__u32 dst_ioas;

	test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE, self->base_iova);

	/* Copy to another IOAS, at a fixed IOVA and at one the kernel picks */
	test_ioctl_ioas_alloc(&dst_ioas);
	dst_iova = self->base_iova + PAGE_SIZE;
	test_ioctl_ioas_copy(dst_ioas, self->ioas_id, self->base_iova,
			     PAGE_SIZE, &dst_iova,
			     IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE);
	ASSERT_EQ(self->base_iova + PAGE_SIZE, dst_iova);
	test_ioctl_ioas_copy(dst_ioas, self->ioas_id, self->base_iova,
			     PAGE_SIZE, &dst_iova2, IOMMU_IOAS_MAP_WRITEABLE);
	ASSERT_NE(dst_iova, dst_iova2);

	/* A copy shares the pin of the original map */
	check_refs(buffer, PAGE_SIZE, 1);

	/* Dropping the original keeps the pages pinned for the copies */
	test_ioctl_ioas_unmap(self->base_iova, PAGE_SIZE);
	check_refs(buffer, PAGE_SIZE, 1);
	test_ioctl_ioas_unmap_id(dst_ioas, dst_iova, PAGE_SIZE);
	check_refs(buffer, PAGE_SIZE, 1);
	test_ioctl_ioas_unmap_id(dst_ioas, dst_iova2, PAGE_SIZE);
	check_refs(buffer, PAGE_SIZE, 0);
	test_ioctl_destroy(dst_ioas);
}

TEST_F(ioas, copy_same_ioas)
{
	__u64 dst_iova = self->base_iova + PAGE_SIZE;

	test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE, self->base_iova);
	/* Source and destination may be the same IOAS */
	test_ioctl_ioas_copy(self->ioas_id, self->ioas_id, self->base_iova,
			     PAGE_SIZE, &dst_iova,
			     IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE);
	check_mock_iova(buffer, self->base_iova + PAGE_SIZE, PAGE_SIZE);
	check_refs(buffer, PAGE_SIZE, 1);
	test_ioctl_ioas_unmap(self->base_iova, PAGE_SIZE);
	check_refs(buffer, PAGE_SIZE, 1);
	test_ioctl_ioas_unmap(self->base_iova + PAGE_SIZE, PAGE_SIZE);
	check_refs(buffer, PAGE_SIZE, 0);
}

TEST_F(ioas, copy_sweep)
{
	__u64 last_iova, iova, dst_iova;
	__u32 dst_ioas;

	test_ioctl_ioas_alloc(&dst_ioas);

	if (variant->mock_domains)
		last_iova = MOCK_APERTURE_START + BUFFER_SIZE - 1;
	else
		last_iova = MOCK_APERTURE_START + BUFFER_SIZE - 2;
	test_ioctl_ioas_map_fixed(buffer, last_iova - MOCK_APERTURE_START + 1,
				  MOCK_APERTURE_START);

	/* Any sub-range of a mapping can be copied; around it cannot */
	for (iova = MOCK_APERTURE_START - PAGE_SIZE; iova <= last_iova;
	     iova += 511) {
		dst_iova = MOCK_APERTURE_START;
		if (iova < MOCK_APERTURE_START ||
		    iova + MOCK_PAGE_SIZE - 1 > last_iova) {
			test_err_ioctl_ioas_copy(ENOENT, dst_ioas,
						 self->ioas_id, iova,
						 MOCK_PAGE_SIZE, &dst_iova,
						 IOMMU_IOAS_MAP_FIXED_IOVA |
							 IOMMU_IOAS_MAP_WRITEABLE);
		} else {
			test_ioctl_ioas_copy(dst_ioas, self->ioas_id, iova,
					     MOCK_PAGE_SIZE, &dst_iova,
					     IOMMU_IOAS_MAP_FIXED_IOVA |
						     IOMMU_IOAS_MAP_WRITEABLE);
			test_ioctl_ioas_unmap_id(dst_ioas, dst_iova,
						 MOCK_PAGE_SIZE);
		}
	}
	test_ioctl_destroy(dst_ioas);
}

TEST_F(ioas, copy_errors)
{
	__u64 iova = self->base_iova, dst_iova;
	__u32 dst_ioas;

	test_ioctl_ioas_alloc(&dst_ioas);
	ASSERT_EQ(0, _test_ioctl_ioas_map(self->fd, self->ioas_id, buffer,
					  PAGE_SIZE * 2, &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA |
						  IOMMU_IOAS_MAP_READABLE));

	/* Nothing mapped there */
	test_err_ioctl_ioas_copy(ENOENT, dst_ioas, self->ioas_id,
				 self->base_iova + 8 * PAGE_SIZE, PAGE_SIZE,
				 &dst_iova, IOMMU_IOAS_MAP_READABLE);
	/* Runs past the end of the mapping */
	test_err_ioctl_ioas_copy(ENOENT, dst_ioas, self->ioas_id,
				 self->base_iova + PAGE_SIZE, 2 * PAGE_SIZE,
				 &dst_iova, IOMMU_IOAS_MAP_READABLE);
	/* The source was mapped read-only */
	test_err_ioctl_ioas_copy(EPERM, dst_ioas, self->ioas_id,
				 self->base_iova, PAGE_SIZE, &dst_iova,
				 IOMMU_IOAS_MAP_WRITEABLE);
	/* Unknown flag */
	test_err_ioctl_ioas_copy(EOPNOTSUPP, dst_ioas, self->ioas_id,
				 self->base_iova, PAGE_SIZE, &dst_iova,
				 IOMMU_IOAS_MAP_READABLE | (1U << 8));
	/* Bad IOAS IDs, both sides */
	test_err_ioctl_ioas_copy(ENOENT, dst_ioas, 0xfffff, self->base_iova,
				 PAGE_SIZE, &dst_iova, IOMMU_IOAS_MAP_READABLE);
	test_err_ioctl_ioas_copy(ENOENT, 0xfffff, self->ioas_id,
				 self->base_iova, PAGE_SIZE, &dst_iova,
				 IOMMU_IOAS_MAP_READABLE);
	/* Overflowing numbers */
	test_err_ioctl_ioas_copy(EOVERFLOW, dst_ioas, self->ioas_id,
				 UINT64_MAX, PAGE_SIZE, &dst_iova,
				 IOMMU_IOAS_MAP_READABLE);
	test_err_ioctl_ioas_copy(EOVERFLOW, dst_ioas, self->ioas_id,
				 self->base_iova, UINT64_MAX, &dst_iova,
				 IOMMU_IOAS_MAP_READABLE);

	/* A fixed destination that is taken */
	dst_iova = self->base_iova;
	test_ioctl_ioas_copy(dst_ioas, self->ioas_id, self->base_iova,
			     PAGE_SIZE, &dst_iova,
			     IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE);
	test_err_ioctl_ioas_copy(EEXIST, dst_ioas, self->ioas_id,
				 self->base_iova, PAGE_SIZE, &dst_iova,
				 IOMMU_IOAS_MAP_FIXED_IOVA |
					 IOMMU_IOAS_MAP_READABLE);
	check_refs(buffer, PAGE_SIZE * 2, 1);
	test_ioctl_destroy(dst_ioas);
}

TEST_F(ioas, iova_ranges)
{
	struct iommu_iova_range *ranges = mfd_buffer;
	__u32 room = BUFFER_SIZE / sizeof(*ranges);
	__u64 align;
	__u32 num;

	/* One range */
	num = room;
	ASSERT_EQ(0, _test_ioctl_iova_ranges(self->fd, self->ioas_id, ranges,
					     &num, &align));
	EXPECT_EQ(1, num);
	if (!self->stdev_id) {
		EXPECT_EQ(0, ranges[0].start);
		EXPECT_EQ(SIZE_MAX, ranges[0].last);
		EXPECT_EQ(1, align);
	} else {
		EXPECT_EQ(MOCK_APERTURE_START, ranges[0].start);
		EXPECT_EQ(MOCK_APERTURE_LAST, ranges[0].last);
		EXPECT_EQ(MOCK_PAGE_SIZE, align);
	}

	/* No room: EMSGSIZE, the count, and nothing written */
	memset(ranges, 0, BUFFER_SIZE);
	num = 0;
	EXPECT_ERRNO(EMSGSIZE, _test_ioctl_iova_ranges(self->fd, self->ioas_id,
						       ranges, &num, NULL));
	EXPECT_EQ(1, num);
	EXPECT_EQ(0, ranges[0].start);
	EXPECT_EQ(0, ranges[0].last);

	/* A reserved page cuts the no-domain range in two */
	test_cmd_add_reserved(self->ioas_id, PAGE_SIZE, PAGE_SIZE);
	num = room;
	ASSERT_EQ(0, _test_ioctl_iova_ranges(self->fd, self->ioas_id, ranges,
					     &num, NULL));
	if (!self->stdev_id) {
		EXPECT_EQ(2, num);
		EXPECT_EQ(0, ranges[0].start);
		EXPECT_EQ(PAGE_SIZE - 1, ranges[0].last);
		EXPECT_EQ(PAGE_SIZE * 2, ranges[1].start);
		EXPECT_EQ(SIZE_MAX, ranges[1].last);
	} else {
		EXPECT_EQ(1, num);
		EXPECT_EQ(MOCK_APERTURE_START, ranges[0].start);
		EXPECT_EQ(MOCK_APERTURE_LAST, ranges[0].last);
	}

	/* Room for one of two: only the first is written */
	memset(ranges, 0, BUFFER_SIZE);
	num = 1;
	if (!self->stdev_id) {
		EXPECT_ERRNO(EMSGSIZE,
			     _test_ioctl_iova_ranges(self->fd, self->ioas_id,
						     ranges, &num, NULL));
		EXPECT_EQ(2, num);
		EXPECT_EQ(0, ranges[0].start);
		EXPECT_EQ(PAGE_SIZE - 1, ranges[0].last);
	} else {
		ASSERT_EQ(0, _test_ioctl_iova_ranges(self->fd, self->ioas_id,
						     ranges, &num, NULL));
		EXPECT_EQ(1, num);
		EXPECT_EQ(MOCK_APERTURE_START, ranges[0].start);
		EXPECT_EQ(MOCK_APERTURE_LAST, ranges[0].last);
	}
	EXPECT_EQ(0, ranges[1].start);
	EXPECT_EQ(0, ranges[1].last);
}

TEST_F(ioas, iova_ranges_errors)
{
	struct iommu_iova_range ranges[2];
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = self->ioas_id,
		.num_iovas = ARRAY_SIZE(ranges),
		.allowed_iovas = (uintptr_t)ranges,
	};

	cmd.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
	cmd.__reserved = 0;
	cmd.ioas_id = 0;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
	cmd.ioas_id = self->ioas_id;
	cmd.allowed_iovas = 8;
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
	if (self->hwpt_id) {
		/* A HWPT is not an IOAS */
		cmd.ioas_id = self->hwpt_id;
		cmd.allowed_iovas = (uintptr_t)ranges;
		EXPECT_ERRNO(ENOENT,
			     ioctl(self->fd, IOMMU_IOAS_IOVA_RANGES, &cmd));
	}
}

TEST_F(ioas, allow_iovas_errors)
{
	struct iommu_iova_range ranges[2] = {};
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
		.ioas_id = self->ioas_id,
		.num_iovas = 1,
		.allowed_iovas = (uintptr_t)ranges,
	};
	__u32 num = ARRAY_SIZE(ranges);

	/* start must be below last */
	ranges[0].start = self->base_iova + PAGE_SIZE;
	ranges[0].last = self->base_iova;
	test_err_allow_iovas(EINVAL, self->ioas_id, ranges, 1);
	ranges[0].last = ranges[0].start;
	test_err_allow_iovas(EINVAL, self->ioas_id, ranges, 1);

	/* Ranges may not overlap each other */
	ranges[0].start = self->base_iova;
	ranges[0].last = self->base_iova + 4 * PAGE_SIZE - 1;
	ranges[1].start = self->base_iova + 2 * PAGE_SIZE;
	ranges[1].last = self->base_iova + 8 * PAGE_SIZE - 1;
	test_err_allow_iovas(EINVAL, self->ioas_id, ranges, 2);

	/* Reserved field, bad ID, bad pointer */
	cmd.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd));
	cmd.__reserved = 0;
	cmd.ioas_id = 0;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd));
	cmd.ioas_id = self->ioas_id;
	cmd.allowed_iovas = 8;
	EXPECT_ERRNO(EFAULT, ioctl(self->fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd));

	/* The failures left the IOAS's ranges as they were */
	ASSERT_EQ(0, _test_ioctl_iova_ranges(self->fd, self->ioas_id, ranges,
					     &num, NULL));
	ASSERT_EQ(1, num);

	/* Two separate ranges are fine, and the IOAS still maps inside */
	ranges[0].start = self->base_iova;
	ranges[0].last = self->base_iova + 4 * PAGE_SIZE - 1;
	ranges[1].start = self->base_iova + 8 * PAGE_SIZE;
	ranges[1].last = self->base_iova + 16 * PAGE_SIZE - 1;
	test_ioctl_allow_iovas(self->ioas_id, ranges, 2);
	test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE, self->base_iova);
}

TEST_F(ioas, allow_iovas_then_attach)
{
	struct iommu_iova_range range = {
		.start = PAGE_SIZE,
		.last = 100 * PAGE_SIZE - 1,
	};
	__u32 ioas_id, stdev_id;

	/* The mock aperture starts above the allowed range: attach fails */
	test_ioctl_ioas_alloc(&ioas_id);
	test_ioctl_allow_iovas(ioas_id, &range, 1);
	test_err_mock_domain(EADDRINUSE, ioas_id);

	/* Once the allowed list is cleared the device fits */
	test_ioctl_allow_iovas(ioas_id, NULL, 0);
	test_cmd_mock_domain(ioas_id, &stdev_id, NULL, NULL);
	test_ioctl_destroy(stdev_id);
	test_ioctl_destroy(ioas_id);
}

TEST_F(ioas, attach_outside_aperture)
{
	__u32 ioas_id, stdev_id, hwpt_id;

	/* A mapping below the mock aperture blocks attaching a mock domain */
	test_ioctl_ioas_alloc(&ioas_id);
	test_ioctl_ioas_map_fixed_id(ioas_id, buffer, PAGE_SIZE, PAGE_SIZE);
	test_err_mock_domain(EADDRINUSE, ioas_id);
	if (self->idev_id)
		test_err_hwpt_alloc(EADDRINUSE, self->idev_id, ioas_id, 0,
				    &hwpt_id);
	check_refs(buffer, PAGE_SIZE, 1);

	/* Without it the attach works and sees the remaining mappings */
	test_ioctl_ioas_map_fixed_id(ioas_id, buffer + PAGE_SIZE, PAGE_SIZE,
				     MOCK_APERTURE_START);
	test_ioctl_ioas_unmap_id(ioas_id, PAGE_SIZE, PAGE_SIZE);
	test_cmd_mock_domain(ioas_id, &stdev_id, &hwpt_id, NULL);
	test_cmd_check_map(hwpt_id, MOCK_APERTURE_START, PAGE_SIZE,
			   buffer + PAGE_SIZE);
	test_ioctl_destroy(stdev_id);
	test_ioctl_destroy(ioas_id);
	check_refs(buffer, 2 * PAGE_SIZE, 0);
}

TEST_F(ioas, ioas_option_huge_pages)
{
	__u64 val = 3;

	ASSERT_EQ(0, _test_ioctl_option(self->fd, IOMMU_OPTION_HUGE_PAGES,
					IOMMU_OPTION_OP_GET, self->ioas_id,
					&val));
	ASSERT_EQ(1, val);

	ASSERT_EQ(0, _test_ioctl_set_huge_pages(self->fd, self->ioas_id, 0));
	val = 3;
	ASSERT_EQ(0, _test_ioctl_option(self->fd, IOMMU_OPTION_HUGE_PAGES,
					IOMMU_OPTION_OP_GET, self->ioas_id,
					&val));
	ASSERT_EQ(0, val);

	EXPECT_ERRNO(EINVAL,
		     _test_ioctl_set_huge_pages(self->fd, self->ioas_id, 2));
	ASSERT_EQ(0, _test_ioctl_set_huge_pages(self->fd, self->ioas_id, 1));
	val = 3;
	ASSERT_EQ(0, _test_ioctl_option(self->fd, IOMMU_OPTION_HUGE_PAGES,
					IOMMU_OPTION_OP_GET, self->ioas_id,
					&val));
	ASSERT_EQ(1, val);

	/* Only IOAS objects have the option */
	if (self->hwpt_id)
		EXPECT_ERRNO(ENOENT,
			     _test_ioctl_set_huge_pages(self->fd,
							self->hwpt_id, 0));
	EXPECT_ERRNO(ENOENT,
		     _test_ioctl_set_huge_pages(self->fd, 0xfffff, 0));
}

TEST_F(ioas, ioas_iova_alloc)
{
	unsigned int length;
	__u64 iova;

	for (length = 1; length != PAGE_SIZE * 2; length++) {
		if (variant->mock_domains && (length % MOCK_PAGE_SIZE)) {
			test_err_ioctl_ioas_map(EINVAL, buffer, length, &iova);
		} else {
			test_ioctl_ioas_map(buffer, length, &iova);
			test_ioctl_ioas_unmap(iova, length);
		}
	}
	check_refs(buffer, 2 * PAGE_SIZE, 0);
}

TEST_F(ioas, ioas_align_change)
{
	if (variant->mock_domains) {
		/*
		 * With a domain holding mappings the alignment cannot be
		 * raised to PAGE_SIZE; without mappings it can.
		 */
		test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE,
					  MOCK_APERTURE_START);
		EXPECT_ERRNO(EINVAL, _test_ioctl_set_huge_pages(
					     self->fd, self->ioas_id, 0));
		test_ioctl_ioas_unmap(MOCK_APERTURE_START, PAGE_SIZE);
		ASSERT_EQ(0, _test_ioctl_set_huge_pages(self->fd,
							self->ioas_id, 0));
		/* Now half-page alignment is refused */
		test_err_ioctl_ioas_map_fixed(EINVAL, buffer + MOCK_PAGE_SIZE,
					      PAGE_SIZE,
					      MOCK_APERTURE_START +
						      MOCK_PAGE_SIZE);
		ASSERT_EQ(0, _test_ioctl_set_huge_pages(self->fd,
							self->ioas_id, 1));
		test_ioctl_ioas_map_fixed(buffer + MOCK_PAGE_SIZE, PAGE_SIZE,
					  MOCK_APERTURE_START + MOCK_PAGE_SIZE);
		return;
	}

	/* PAGE_SIZE alignment can be had when what is mapped fits it */
	test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE, MOCK_APERTURE_START);
	ASSERT_EQ(0, _test_ioctl_set_huge_pages(self->fd, self->ioas_id, 0));

	/* Misalignment is then rejected at map time */
	test_err_ioctl_ioas_map_fixed(EINVAL, buffer + MOCK_PAGE_SIZE,
				      PAGE_SIZE,
				      MOCK_APERTURE_START + PAGE_SIZE);
	ASSERT_EQ(0, _test_ioctl_set_huge_pages(self->fd, self->ioas_id, 0));

	/* Back to any alignment */
	ASSERT_EQ(0, _test_ioctl_set_huge_pages(self->fd, self->ioas_id, 1));

	/* A misaligned mapping blocks raising the alignment */
	test_ioctl_ioas_map_fixed(buffer + MOCK_PAGE_SIZE, PAGE_SIZE,
				  MOCK_APERTURE_START + PAGE_SIZE);
	EXPECT_ERRNO(EADDRINUSE,
		     _test_ioctl_set_huge_pages(self->fd, self->ioas_id, 0));

	test_ioctl_ioas_unmap(MOCK_APERTURE_START + PAGE_SIZE, PAGE_SIZE);
	test_ioctl_ioas_unmap(MOCK_APERTURE_START, PAGE_SIZE);
}

TEST_F(ioas, fixed_alignment)
{
	if (!variant->mock_domains) {
		/* Without a domain any byte alignment is accepted */
		test_ioctl_ioas_map_fixed(buffer + 1, 3, self->base_iova + 1);
		test_ioctl_ioas_map_fixed(buffer + 7, PAGE_SIZE,
					  self->base_iova + PAGE_SIZE + 7);
		test_ioctl_ioas_unmap(self->base_iova + 1, 3);
		test_ioctl_ioas_unmap(self->base_iova + PAGE_SIZE + 7,
				      PAGE_SIZE);
		return;
	}

	/* The mock domain translates half pages */
	test_err_ioctl_ioas_map_fixed(EINVAL, buffer, PAGE_SIZE,
				      self->base_iova + 1);
	test_err_ioctl_ioas_map_fixed(EINVAL, buffer, PAGE_SIZE,
				      self->base_iova + MOCK_PAGE_SIZE / 2);
	/* The length too */
	test_err_ioctl_ioas_map_fixed(EINVAL, buffer, MOCK_PAGE_SIZE + 1,
				      self->base_iova);
	/* And the offset of the user address in its page */
	test_err_ioctl_ioas_map_fixed(EINVAL, buffer + 1, PAGE_SIZE,
				      self->base_iova);
	check_refs(buffer, 2 * PAGE_SIZE, 0);

	/* Half-page steps work */
	test_ioctl_ioas_map_fixed(buffer + MOCK_PAGE_SIZE, MOCK_PAGE_SIZE,
				  self->base_iova + MOCK_PAGE_SIZE);
	check_mock_iova(buffer + MOCK_PAGE_SIZE,
			self->base_iova + MOCK_PAGE_SIZE, MOCK_PAGE_SIZE);
	test_ioctl_ioas_unmap(self->base_iova + MOCK_PAGE_SIZE,
			      MOCK_PAGE_SIZE);
}

TEST_F(ioas, map_errors)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW,
		.ioas_id = self->ioas_id,
		.user_va = (uintptr_t)buffer,
		.length = PAGE_SIZE,
		.iova = self->base_iova,
	};
	__u64 iova;

	/* Unknown flag, reserved field */
	cmd.flags |= 1U << 3;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.flags = IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW;
	cmd.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.__reserved = 0;

	/* Neither readable nor writeable */
	cmd.flags = IOMMU_IOAS_MAP_FIXED_IOVA;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.flags = IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW;

	/* Empty */
	cmd.length = 0;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	test_err_ioctl_ioas_map(EINVAL, buffer, 0, &iova);
	cmd.length = PAGE_SIZE;

	/* No such IOAS, or not an IOAS */
	cmd.ioas_id = 0xfffff;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	cmd.ioas_id = 0;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	if (self->hwpt_id) {
		cmd.ioas_id = self->hwpt_id;
		EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
		cmd.ioas_id = self->idev_id;
		EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	}
	cmd.ioas_id = self->ioas_id;

	/* IOVA + length wraps */
	cmd.iova = UINT64_MAX - PAGE_SIZE + 1;
	cmd.length = 2 * PAGE_SIZE;
	EXPECT_ERRNO(EOVERFLOW, ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));
	/* user_va + length wraps */
	cmd.iova = self->base_iova;
	cmd.user_va = UINT64_MAX - PAGE_SIZE + 1;
	EXPECT_ERRNO(EOVERFLOW, ioctl(self->fd, IOMMU_IOAS_MAP, &cmd));

	/* None of that left anything behind */
	check_refs(buffer, BUFFER_SIZE, 0);
	test_err_ioctl_ioas_unmap(ENOENT, self->base_iova, PAGE_SIZE);
}

TEST_F(ioas, unmap_errors)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = self->ioas_id,
		.iova = self->base_iova,
		.length = 0,
	};

	test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE, self->base_iova);

	/* Zero length */
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_IOAS_UNMAP, &cmd));
	/* Wraps */
	cmd.iova = UINT64_MAX - PAGE_SIZE + 1;
	cmd.length = 2 * PAGE_SIZE;
	EXPECT_ERRNO(EOVERFLOW, ioctl(self->fd, IOMMU_IOAS_UNMAP, &cmd));
	/* "All" only means iova 0 */
	cmd.iova = self->base_iova;
	cmd.length = UINT64_MAX;
	EXPECT_ERRNO(EOVERFLOW, ioctl(self->fd, IOMMU_IOAS_UNMAP, &cmd));
	/* Bad IOAS */
	cmd.ioas_id = 0xfffff;
	cmd.length = PAGE_SIZE;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_UNMAP, &cmd));
	if (self->hwpt_id) {
		cmd.ioas_id = self->hwpt_id;
		EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_IOAS_UNMAP, &cmd));
	}

	/* The mapping survived all of it */
	check_refs(buffer, PAGE_SIZE, 1);
	check_mock_iova(buffer, self->base_iova, PAGE_SIZE);
	test_ioctl_ioas_unmap(self->base_iova, PAGE_SIZE);
}

TEST_F(ioas, pin_at_map)
{
	__u64 iova;

	/* Pinned as soon as it is mapped, domain or not */
	test_ioctl_ioas_map(buffer, BUFFER_SIZE, &iova);
	check_refs(buffer, BUFFER_SIZE, 1);
	check_mock_iova(buffer, iova, BUFFER_SIZE);
	test_ioctl_ioas_unmap(iova, BUFFER_SIZE);
	check_refs(buffer, BUFFER_SIZE, 0);

	/* Part of the buffer */
	test_ioctl_ioas_map(buffer + 2 * PAGE_SIZE, 3 * PAGE_SIZE, &iova);
	check_refs(buffer, 2 * PAGE_SIZE, 0);
	check_refs(buffer + 2 * PAGE_SIZE, 3 * PAGE_SIZE, 1);
	check_refs(buffer + 5 * PAGE_SIZE, BUFFER_SIZE - 5 * PAGE_SIZE, 0);
	test_ioctl_ioas_unmap(iova, 3 * PAGE_SIZE);
	check_refs(buffer, BUFFER_SIZE, 0);
}

TEST_F(ioas, map_unmapped_memory)
{
	size_t len = 4 * PAGE_SIZE;
	uint8_t *buf;
	__u64 iova;

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, 1, len);

	/* The second half is gone: the pin fails at map time */
	ASSERT_EQ(0, munmap(buf + len / 2, len / 2));
	test_err_ioctl_ioas_map(EFAULT, buf, len, &iova);
	/* Whatever was pinned before the hole was released */
	check_refs(buf, len / 2, 0);
	test_err_ioctl_ioas_unmap(ENOENT, 0, UINT64_MAX - 1);

	/* And all of it */
	ASSERT_EQ(0, munmap(buf, len / 2));
	test_err_ioctl_ioas_map(EFAULT, buf, len, &iova);
}

TEST_F(ioas, map_read_only_memory)
{
	uint8_t *buf;
	__u64 iova = self->base_iova;

	buf = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	memset(buf, 0x5a, PAGE_SIZE);
	ASSERT_EQ(0, mprotect(buf, PAGE_SIZE, PROT_READ));

	/* A DMA-writeable mapping of read-only memory cannot be pinned */
	EXPECT_ERRNO(EFAULT, _test_ioctl_ioas_map(self->fd, self->ioas_id, buf,
						  PAGE_SIZE, &iova,
						  IOMMU_IOAS_MAP_FIXED_IOVA |
							  MAP_RW));
	check_refs(buf, PAGE_SIZE, 0);

	/* Read-only DMA is fine */
	ASSERT_EQ(0, _test_ioctl_ioas_map(self->fd, self->ioas_id, buf,
					  PAGE_SIZE, &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA |
						  IOMMU_IOAS_MAP_READABLE));
	check_refs(buf, PAGE_SIZE, 1);
	check_mock_iova(buf, iova, PAGE_SIZE);
	test_ioctl_ioas_unmap(iova, PAGE_SIZE);
	check_refs(buf, PAGE_SIZE, 0);
	ASSERT_EQ(0, munmap(buf, PAGE_SIZE));
}

TEST_F(ioas, map_file)
{
	int pipefd[2], tmp_fd;
	uint8_t *tmp;
	__u64 iova;

	test_ioctl_ioas_map_file(mfd, 0, BUFFER_SIZE, &iova);
	check_refs(mfd_buffer, BUFFER_SIZE, 1);
	check_mock_iova(mfd_buffer, iova, BUFFER_SIZE);
	test_ioctl_ioas_unmap(iova, BUFFER_SIZE);
	check_refs(mfd_buffer, BUFFER_SIZE, 0);

	/* An offset into the file */
	test_ioctl_ioas_map_file(mfd, 2 * PAGE_SIZE, 4 * PAGE_SIZE, &iova);
	check_refs(mfd_buffer, 2 * PAGE_SIZE, 0);
	check_refs(mfd_buffer + 2 * PAGE_SIZE, 4 * PAGE_SIZE, 1);
	check_mock_iova(mfd_buffer + 2 * PAGE_SIZE, iova, 4 * PAGE_SIZE);
	test_ioctl_ioas_unmap(iova, 4 * PAGE_SIZE);

	/* Not a file descriptor */
	test_err_ioctl_ioas_map_file(EBADF, -1, 0, PAGE_SIZE, &iova);
	/* Not a memfd */
	ASSERT_EQ(0, pipe(pipefd));
	test_err_ioctl_ioas_map_file(EINVAL, pipefd[0], 0, PAGE_SIZE, &iova);
	close(pipefd[0]);
	close(pipefd[1]);

	/* Past the end of the file */
	tmp = iofd_memfd_mmap(4 * PAGE_SIZE, &tmp_fd);
	ASSERT_NE(MAP_FAILED, tmp);
	test_err_ioctl_ioas_map_file(EINVAL, tmp_fd, 0, 4 * PAGE_SIZE + 1,
				     &iova);
	test_err_ioctl_ioas_map_file(EINVAL, tmp_fd, 4 * PAGE_SIZE, PAGE_SIZE,
				     &iova);
	ASSERT_EQ(0, ftruncate(tmp_fd, 0));
	test_err_ioctl_ioas_map_file(EINVAL, tmp_fd, 0, PAGE_SIZE, &iova);
	/* start + length wraps */
	test_err_ioctl_ioas_map_file(EOVERFLOW, mfd, UINT64_MAX - PAGE_SIZE + 1,
				     2 * PAGE_SIZE, &iova);
	munmap(tmp, 4 * PAGE_SIZE);
	close(tmp_fd);
	check_refs(mfd_buffer, BUFFER_SIZE, 0);
}

TEST_F(ioas, map_file_survives_close)
{
	uint8_t *tmp;
	__u64 iova;
	int tmp_fd;

	tmp = iofd_memfd_mmap(4 * PAGE_SIZE, &tmp_fd);
	ASSERT_NE(MAP_FAILED, tmp);
	iofd_fill(tmp, 4 * PAGE_SIZE, 3);
	test_ioctl_ioas_map_file(tmp_fd, 0, 4 * PAGE_SIZE, &iova);
	check_refs(tmp, 4 * PAGE_SIZE, 1);

	/* The mapping holds the pages, not the descriptor */
	ASSERT_EQ(0, close(tmp_fd));
	check_refs(tmp, 4 * PAGE_SIZE, 1);
	check_mock_iova(tmp, iova, 4 * PAGE_SIZE);
	test_ioctl_ioas_unmap(iova, 4 * PAGE_SIZE);
	check_refs(tmp, 4 * PAGE_SIZE, 0);
	munmap(tmp, 4 * PAGE_SIZE);
}

TEST_F(ioas, fork_gone)
{
	__u32 stdev_id, hwpt_id;
	int access_fd;
	uint8_t tmp[64];
	pid_t child;
	int status;

	/* The child maps from its own mm and exits */
	child = fork();
	ASSERT_NE(-1, child);
	if (!child) {
		__u64 iova = MOCK_APERTURE_START;

		_exit(_test_ioctl_ioas_map(self->fd, self->ioas_id, buffer,
					   BUFFER_SIZE, &iova,
					   IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW) ?
			      errno : 0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));

	/*
	 * The pages were pinned by the child's map, so a domain attached
	 * now (which needs them) works although that mm is gone.
	 */
	check_refs(buffer, BUFFER_SIZE, 1);
	test_cmd_mock_domain(self->ioas_id, &stdev_id, &hwpt_id, NULL);
	test_cmd_check_map(hwpt_id, MOCK_APERTURE_START, BUFFER_SIZE, buffer);

	/* The memory is the same: the buffer is shared with the child */
	test_cmd_create_access(self->ioas_id, &access_fd, 0);
	iofd_fill((uint8_t *)buffer + 100, sizeof(tmp), 9);
	test_cmd_access_rw(access_fd, MOCK_APERTURE_START + 100, sizeof(tmp),
			   tmp, 0);
	ASSERT_EQ(0, memcmp(tmp, (uint8_t *)buffer + 100, sizeof(tmp)));
	test_cmd_destroy_access(access_fd);
	test_ioctl_destroy(stdev_id);
}

TEST_F(ioas, hwpt_attach)
{
	__u32 stdev_id;

	if (self->stdev_id) {
		/* A device can attach straight to an existing HWPT */
		test_cmd_mock_domain(self->hwpt_id, &stdev_id, NULL, NULL);
		/* The HWPT is now used twice */
		test_err_destroy(EBUSY, self->hwpt_id);
		test_ioctl_destroy(stdev_id);
	} else {
		test_err_mock_domain(ENOENT, self->hwpt_id);
	}
	test_err_mock_domain(ENOENT, 0xfffff);
}

TEST_F(ioas, get_hw_info)
{
	struct iommu_test_hw_info exact;
	struct {
		struct iommu_test_hw_info info;
		uint64_t trailing;
	} larger;
	struct {
		__u32 flags;
		__u32 untouched;
	} smaller;
	struct iommu_hw_info out;

	if (!self->idev_id) {
		test_err_get_hw_info(ENOENT, self->idev_id, &exact,
				     sizeof(exact));
		test_err_get_hw_info(ENOENT, self->ioas_id, &exact,
				     sizeof(exact));
		return;
	}

	/* Zero-sized buffer: only the size and type come back */
	test_cmd_get_hw_info(self->idev_id, NULL, 0, &out);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, out.out_data_type);
	ASSERT_EQ(sizeof(struct iommu_test_hw_info), out.data_len);

	/* Exact size */
	memset(&exact, 0xff, sizeof(exact));
	test_cmd_get_hw_info(self->idev_id, &exact, sizeof(exact), &out);
	ASSERT_EQ(sizeof(exact), out.data_len);
	ASSERT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, exact.test_reg);
	ASSERT_EQ(0, exact.flags);

	/* Larger: the tail is zeroed */
	memset(&larger, 0xff, sizeof(larger));
	test_cmd_get_hw_info(self->idev_id, &larger, sizeof(larger), &out);
	ASSERT_EQ(sizeof(exact), out.data_len);
	ASSERT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, larger.info.test_reg);
	ASSERT_EQ(0, larger.trailing);

	/* Smaller: what fits is written, nothing past it */
	memset(&smaller, 0xff, sizeof(smaller));
	test_cmd_get_hw_info(self->idev_id, &smaller, sizeof(smaller.flags),
			     &out);
	ASSERT_EQ(sizeof(exact), out.data_len);
	ASSERT_EQ(0, smaller.flags);
	ASSERT_EQ(0xffffffff, smaller.untouched);

	/* Not a device */
	test_err_get_hw_info(ENOENT, self->ioas_id, &exact, sizeof(exact));
	test_err_get_hw_info(ENOENT, self->hwpt_id, &exact, sizeof(exact));
}

TEST_F(ioas, alloc_hwpt)
{
	__u32 hwpt_id = 0, nested_id = 0;
	__u32 data = IOMMU_TEST_IOTLB_DEFAULT;

	if (!self->idev_id) {
		test_err_hwpt_alloc(ENOENT, self->idev_id, self->ioas_id, 0,
				    &hwpt_id);
		return;
	}

	/* dev_id must be a device */
	test_err_hwpt_alloc(ENOENT, self->ioas_id, self->ioas_id, 0, &hwpt_id);
	/* pt_id must be an IOAS or a HWPT */
	test_err_hwpt_alloc(EINVAL, self->idev_id, self->idev_id, 0, &hwpt_id);
	test_err_hwpt_alloc(ENOENT, self->idev_id, 0xfffff, 0, &hwpt_id);
	/* Unknown flags, and FAULT_ID_VALID is not for a paging HWPT */
	test_err_hwpt_alloc(EOPNOTSUPP, self->idev_id, self->ioas_id, 1U << 31,
			    &hwpt_id);
	test_err_hwpt_alloc(EOPNOTSUPP, self->idev_id, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT |
				    IOMMU_HWPT_FAULT_ID_VALID,
			    &hwpt_id);

	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &hwpt_id);
	ASSERT_NE(0, hwpt_id);
	/* A paging HWPT holds its IOAS */
	test_err_destroy(EBUSY, self->ioas_id);

	/* A nested HWPT over it holds it in turn */
	ASSERT_EQ(0, _test_cmd_hwpt_alloc(self->fd, self->idev_id, hwpt_id, 0,
					  &nested_id, IOMMU_HWPT_DATA_SELFTEST,
					  &data, sizeof(data), 0));
	ASSERT_NE(0, nested_id);
	test_err_destroy(EBUSY, hwpt_id);
	/* No nesting over a nested HWPT, nor over the IOAS with data */
	EXPECT_ERRNO(EINVAL,
		     _test_cmd_hwpt_alloc(self->fd, self->idev_id, nested_id,
					  0, &hwpt_id, IOMMU_HWPT_DATA_SELFTEST,
					  &data, sizeof(data), 0));
	EXPECT_ERRNO(EOPNOTSUPP,
		     _test_cmd_hwpt_alloc(self->fd, self->idev_id,
					  self->ioas_id, 0, &hwpt_id,
					  IOMMU_HWPT_DATA_SELFTEST, &data,
					  sizeof(data), 0));
	test_ioctl_destroy(nested_id);
	test_ioctl_destroy(hwpt_id);
}

TEST_F(ioas, destroy_wrong_order)
{
	__u32 ioas2, hwpt_id, stdev_id;

	/* An explicit HWPT keeps its IOAS alive until it goes */
	test_ioctl_ioas_alloc(&ioas2);
	test_ioctl_ioas_map_fixed_id(ioas2, buffer, PAGE_SIZE,
				     MOCK_APERTURE_START);
	test_cmd_mock_domain(ioas2, &stdev_id, &hwpt_id, NULL);
	test_err_destroy(EBUSY, ioas2);
	test_err_destroy(EBUSY, hwpt_id);
	test_ioctl_destroy(stdev_id);
	/* The auto domain went with its last device */
	test_err_destroy(ENOENT, hwpt_id);
	check_refs(buffer, PAGE_SIZE, 1);
	test_ioctl_destroy(ioas2);
	check_refs(buffer, PAGE_SIZE, 0);
}

TEST_HARNESS_MAIN
