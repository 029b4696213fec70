// SPDX-License-Identifier: GPL-2.0
/*
 * Mock devices and their domains: attach, replace, detach, explicit paging
 * HWPTs and their flags, GET_HW_INFO, and what the mock page tables hold
 * (MD_CHECK_MAP) for every alignment, with normal pages, hugetlb pages, a
 * memfd and the mock's huge IOPTEs.
 */
#include "iommufd_utils.h"

/*
 * The 6.1 harness runs the test body even when the setup called SKIP(), so
 * every test of this fixture (which skips without hugetlb pages) starts
 * by returning if the setup skipped.
 */

FIXTURE(mock_domain)
{
	int fd;
	__u32 ioas_id;
	__u32 hwpt_id;
	/* hwpt_ids[1] is an explicit HWPT so the two tables are distinct */
	__u32 hwpt_ids[2];
	__u32 stdev_ids[2];
	__u32 idev_ids[2];
	int mmap_flags;
	size_t mmap_buf_size;
};

FIXTURE_VARIANT(mock_domain)
{
	unsigned int mock_domains;
	bool hugepages;
	bool file;
	__u32 dev_flags;
};

FIXTURE_SETUP(mock_domain)
{
	unsigned int i;

	iofd_new_buffers();

	if (variant->hugepages && !iofd_reserve_hugepages(4))
		SKIP(return, "no hugetlb pages of %lu bytes available",
		     HUGEPAGE_SIZE);

	self->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);

	for (i = 0; i != variant->mock_domains; i++) {
		if (i == 0) {
			test_cmd_mock_domain_flags(self->ioas_id,
						   variant->dev_flags,
						   &self->stdev_ids[0],
						   &self->hwpt_ids[0],
						   &self->idev_ids[0]);
		} else {
			test_cmd_hwpt_alloc(self->idev_ids[0], self->ioas_id, 0,
					    &self->hwpt_ids[i]);
			test_cmd_mock_domain_flags(self->hwpt_ids[i],
						   variant->dev_flags,
						   &self->stdev_ids[i], NULL,
						   &self->idev_ids[i]);
		}
	}
	self->hwpt_id = self->hwpt_ids[0];

	self->mmap_flags = MAP_SHARED | MAP_ANONYMOUS;
	self->mmap_buf_size = PAGE_SIZE * 8;
	if (variant->hugepages) {
		self->mmap_flags |= MAP_HUGETLB | MAP_POPULATE;
		self->mmap_buf_size = HUGEPAGE_SIZE * 2;
	}
}

FIXTURE_TEARDOWN(mock_domain)
{
	if (_metadata->skip && !self->fd)
		return;
	teardown_iommufd(self->fd, _metadata);
}

FIXTURE_VARIANT_ADD(mock_domain, one_domain)
{
	.mock_domains = 1,
};

FIXTURE_VARIANT_ADD(mock_domain, two_domains)
{
	.mock_domains = 2,
};

FIXTURE_VARIANT_ADD(mock_domain, one_domain_hugepage)
{
	.mock_domains = 1,
	.hugepages = true,
};

FIXTURE_VARIANT_ADD(mock_domain, two_domains_hugepage)
{
	.mock_domains = 2,
	.hugepages = true,
};

FIXTURE_VARIANT_ADD(mock_domain, one_domain_file)
{
	.mock_domains = 1,
	.file = true,
};

FIXTURE_VARIANT_ADD(mock_domain, huge_iopte)
{
	.mock_domains = 1,
	.hugepages = true,
	.dev_flags = MOCK_FLAGS_DEVICE_HUGE_IOVA,
};

/* Check the mapping in every domain of the fixture */
#define check_mock_iova(uptr, iova, length)                                  \
	({                                                                   \
		test_cmd_check_map(self->hwpt_ids[0], iova, length, uptr);   \
		if (self->hwpt_ids[1])                                       \
			test_cmd_check_map(self->hwpt_ids[1], iova, length,  \
					   uptr);                            \
	})

/*
 * A test buffer of @size bytes: a memfd (*@mfd_p gets it) when @file,
 * hugetlb-backed when @huge, else anonymous shared memory (*@mfd_p = -1).
 */
static uint8_t *get_test_buf(size_t size, int mmap_flags, bool file,
			     bool huge, int *mfd_p)
{
	*mfd_p = -1;
	if (file)
		return iofd_memfd_mmap(size, mfd_p);
	if (huge)
		return iofd_mmap_aligned(size, HUGEPAGE_SIZE,
					 PROT_READ | PROT_WRITE, mmap_flags,
					 -1, 0);
	return mmap(NULL, size, PROT_READ | PROT_WRITE, mmap_flags, -1, 0);
}

#define get_fixture_buf(mfd_p)                                          \
	get_test_buf(self->mmap_buf_size, self->mmap_flags, variant->file, \
		     variant->hugepages, mfd_p)

/* Map [@start, @start + @length) of the test buffer at an automatic IOVA */
#define map_test_buf(buf, mfd_, start, length, iova_p)                      \
	({                                                                  \
		if ((mfd_) >= 0) {                                          \
			test_ioctl_ioas_map_file(mfd_, start, length,       \
						 iova_p);                   \
		} else {                                                    \
			test_ioctl_ioas_map((buf) + (start), length,        \
					    iova_p);                        \
		}                                                           \
	})

TEST_F(mock_domain, basic)
{
	size_t buf_size = self->mmap_buf_size;
	uint8_t *buf;
	__u64 iova;
	int tmp_fd;

	if (_metadata->skip)
		return;

	if (variant->file) {
		test_ioctl_ioas_map_file(mfd, 0, PAGE_SIZE, &iova);
		check_mock_iova(mfd_buffer, iova, PAGE_SIZE);

		buf = iofd_memfd_mmap(buf_size, &tmp_fd);
		ASSERT_NE(MAP_FAILED, buf);
		test_err_ioctl_ioas_map_file(EINVAL, tmp_fd, 0, buf_size + 1,
					     &iova);
		ASSERT_EQ(0, ftruncate(tmp_fd, 0));
		test_err_ioctl_ioas_map_file(EINVAL, tmp_fd, 0, buf_size,
					     &iova);
		close(tmp_fd);
		munmap(buf, buf_size);
		return;
	}

	/* One page */
	test_ioctl_ioas_map(buffer, PAGE_SIZE, &iova);
	check_mock_iova(buffer, iova, PAGE_SIZE);

	buf = get_fixture_buf(&tmp_fd);
	ASSERT_NE(MAP_FAILED, buf);

	/* EFAULT half way through */
	ASSERT_EQ(0, munmap(buf + buf_size / 2, buf_size / 2));
	test_err_ioctl_ioas_map(EFAULT, buf, buf_size, &iova);

	/* EFAULT on the first page */
	ASSERT_EQ(0, munmap(buf, buf_size / 2));
	test_err_ioctl_ioas_map(EFAULT, buf, buf_size, &iova);
}

TEST_F(mock_domain, all_aligns)
{
	size_t test_step = variant->hugepages ? self->mmap_buf_size / 16 :
						MOCK_PAGE_SIZE;
	size_t buf_size = self->mmap_buf_size;
	unsigned int start, end;
	uint8_t *buf;
	int tmp_fd;

	if (_metadata->skip)
		return;
	buf = get_fixture_buf(&tmp_fd);
	ASSERT_NE(MAP_FAILED, buf);
	check_refs(buf, buf_size, 0);

	/* Every start and length, in mock pages (fewer with hugepages) */
	for (start = 0; start < buf_size; start += test_step) {
		end = variant->hugepages ? buf_size : start + MOCK_PAGE_SIZE;
		for (; end <= buf_size; end += MOCK_PAGE_SIZE) {
			size_t length = end - start;
			__u64 iova;

			map_test_buf(buf, tmp_fd, start, length, &iova);
			check_mock_iova(buf + start, iova, length);
			check_refs(buf + start / PAGE_SIZE * PAGE_SIZE,
				   end / PAGE_SIZE * PAGE_SIZE -
					   start / PAGE_SIZE * PAGE_SIZE,
				   1);
			test_ioctl_ioas_unmap(iova, length);
		}
	}
	check_refs(buf, buf_size, 0);
	ASSERT_EQ(0, munmap(buf, buf_size));
	if (tmp_fd >= 0)
		close(tmp_fd);
}

TEST_F(mock_domain, all_aligns_copy)
{
	size_t test_step = variant->hugepages ? self->mmap_buf_size / 16 :
						MOCK_PAGE_SIZE;
	size_t buf_size = self->mmap_buf_size;
	unsigned int start, end;
	uint8_t *buf;
	int tmp_fd;

	if (_metadata->skip)
		return;
	buf = get_fixture_buf(&tmp_fd);
	ASSERT_NE(MAP_FAILED, buf);
	check_refs(buf, buf_size, 0);

	for (start = 0; start < buf_size; start += test_step) {
		end = variant->hugepages ? buf_size : start + MOCK_PAGE_SIZE;
		for (; end <= buf_size; end += MOCK_PAGE_SIZE) {
			size_t length = end - start;
			__u32 stdev_id, hwpt_id;
			__u64 iova;

			map_test_buf(buf, tmp_fd, start, length, &iova);

			/* A domain added while the area exists gets it */
			test_cmd_mock_domain(self->ioas_id, &stdev_id,
					     &hwpt_id, NULL);
			test_cmd_check_map(hwpt_id, iova, length, buf + start);
			check_refs(buf + start / PAGE_SIZE * PAGE_SIZE,
				   end / PAGE_SIZE * PAGE_SIZE -
					   start / PAGE_SIZE * PAGE_SIZE,
				   1);
			test_ioctl_destroy(stdev_id);

			test_ioctl_ioas_unmap(iova, length);
		}
	}
	check_refs(buf, buf_size, 0);
	ASSERT_EQ(0, munmap(buf, buf_size));
	if (tmp_fd >= 0)
		close(tmp_fd);
}

TEST_F(mock_domain, user_copy)
{
	uint8_t *buf = variant->file ? mfd_buffer : buffer;
	__u32 ioas_id, new_ioas_id, pages_id;
	__u64 src_iova, dst_iova = MOCK_APERTURE_START;
	int access_fd;

	if (_metadata->skip)
		return;

	/* Pin in an IOAS with no domain, then copy into the domain's IOAS */
	test_ioctl_ioas_alloc(&ioas_id);
	if (variant->file) {
		test_ioctl_ioas_map_file_id(ioas_id, mfd, 0, BUFFER_SIZE,
					    &src_iova);
	} else {
		test_ioctl_ioas_map_id(ioas_id, buf, BUFFER_SIZE, &src_iova);
	}
	test_cmd_create_access(ioas_id, &access_fd,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
	test_cmd_access_pages(access_fd, src_iova, BUFFER_SIZE, buf, 0,
			      &pages_id);
	test_ioctl_ioas_copy(self->ioas_id, ioas_id, src_iova, BUFFER_SIZE,
			     &dst_iova,
			     IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE);
	check_mock_iova(buf, MOCK_APERTURE_START, BUFFER_SIZE);
	check_refs(buf, BUFFER_SIZE, 1);

	/* Move the access to a new IOAS with the same memory */
	test_ioctl_ioas_alloc(&new_ioas_id);
	if (variant->file) {
		test_ioctl_ioas_map_file_id(new_ioas_id, mfd, 0, BUFFER_SIZE,
					    &src_iova);
	} else {
		test_ioctl_ioas_map_id(new_ioas_id, buf, BUFFER_SIZE,
				       &src_iova);
	}
	test_cmd_access_replace_ioas(access_fd, new_ioas_id);
	/* The old IOAS is no longer used by the access */
	test_ioctl_ioas_unmap(MOCK_APERTURE_START, BUFFER_SIZE);
	test_ioctl_destroy(ioas_id);

	/* Same again from the new IOAS */
	test_cmd_access_pages(access_fd, src_iova, BUFFER_SIZE, buf, 0,
			      &pages_id);
	test_ioctl_ioas_copy(self->ioas_id, new_ioas_id, src_iova, BUFFER_SIZE,
			     &dst_iova,
			     IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_WRITEABLE);
	check_mock_iova(buf, MOCK_APERTURE_START, BUFFER_SIZE);

	test_cmd_destroy_access_pages(access_fd, pages_id);
	test_cmd_destroy_access(access_fd);
	test_ioctl_destroy(new_ioas_id);
	/* Only the copy in the fixture's IOAS remains */
	check_refs(buf, BUFFER_SIZE, 1);
	test_ioctl_ioas_unmap(MOCK_APERTURE_START, BUFFER_SIZE);
	check_refs(buf, BUFFER_SIZE, 0);
}

TEST_F(mock_domain, replace)
{
	__u32 ioas_id, hwpt_id;

	if (_metadata->skip)
		return;
	test_ioctl_ioas_alloc(&ioas_id);
	test_ioctl_ioas_map_fixed_id(ioas_id, buffer, PAGE_SIZE,
				     MOCK_APERTURE_START);
	test_ioctl_ioas_map_fixed(buffer + PAGE_SIZE, PAGE_SIZE,
				  MOCK_APERTURE_START);

	/* To another IOAS: the device gets a domain with its mappings */
	ASSERT_EQ(0, _test_cmd_mock_domain_replace(self->fd, self->stdev_ids[0],
						   ioas_id, &hwpt_id));
	ASSERT_NE(0, hwpt_id);
	test_cmd_check_map(hwpt_id, MOCK_APERTURE_START, PAGE_SIZE, buffer);

	/* The old automatic domain had no other user and is gone */
	test_err_mock_domain_replace(ENOENT, self->stdev_ids[0],
				     self->hwpt_ids[0]);
	test_err_destroy(ENOENT, self->hwpt_ids[0]);

	/* Replacing with the same thing is fine */
	test_cmd_mock_domain_replace(self->stdev_ids[0], ioas_id);
	if (variant->mock_domains >= 2) {
		test_cmd_mock_domain_replace(self->stdev_ids[0],
					     self->hwpt_ids[1]);
		test_cmd_mock_domain_replace(self->stdev_ids[0],
					     self->hwpt_ids[1]);
		test_cmd_check_map(self->hwpt_ids[1], MOCK_APERTURE_START,
				   PAGE_SIZE, buffer + PAGE_SIZE);
	}

	/* Not an IOAS or HWPT; no such object */
	test_err_mock_domain_replace(EINVAL, self->stdev_ids[0],
				     self->idev_ids[0]);
	test_err_mock_domain_replace(ENOENT, self->stdev_ids[0], 0xfffff);

	/* Back home; the other IOAS is free again */
	ASSERT_EQ(0, _test_cmd_mock_domain_replace(self->fd, self->stdev_ids[0],
						   self->ioas_id, &hwpt_id));
	self->hwpt_ids[0] = hwpt_id;
	test_cmd_check_map(hwpt_id, MOCK_APERTURE_START, PAGE_SIZE,
			   buffer + PAGE_SIZE);
	test_ioctl_destroy(ioas_id);
}

TEST_F(mock_domain, alloc_hwpt)
{
	unsigned int i;

	if (_metadata->skip)
		return;
	for (i = 0; i != variant->mock_domains; i++) {
		__u32 hwpt_id[2];
		__u32 stdev_id;

		test_err_hwpt_alloc(EOPNOTSUPP, self->idev_ids[i],
				    self->ioas_id,
				    ~IOMMU_HWPT_ALLOC_NEST_PARENT, &hwpt_id[0]);
		test_cmd_hwpt_alloc(self->idev_ids[i], self->ioas_id, 0,
				    &hwpt_id[0]);
		test_cmd_hwpt_alloc(self->idev_ids[i], self->ioas_id,
				    IOMMU_HWPT_ALLOC_NEST_PARENT, &hwpt_id[1]);

		/* Rotate the device through them */
		test_cmd_mock_domain_replace(self->stdev_ids[i], hwpt_id[0]);
		test_err_destroy(EBUSY, hwpt_id[0]);
		test_cmd_mock_domain_replace(self->stdev_ids[i], hwpt_id[1]);
		test_err_destroy(EBUSY, hwpt_id[1]);
		/* Detached, hwpt_id[0] can go */
		test_ioctl_destroy(hwpt_id[0]);
		ASSERT_EQ(0, _test_cmd_mock_domain_replace(
				     self->fd, self->stdev_ids[i],
				     self->ioas_id, &self->hwpt_ids[i]));
		test_ioctl_destroy(hwpt_id[1]);

		/* A new device attaches directly to an explicit HWPT */
		test_cmd_hwpt_alloc(self->idev_ids[i], self->ioas_id, 0,
				    &hwpt_id[0]);
		test_cmd_mock_domain(hwpt_id[0], &stdev_id, NULL, NULL);
		test_err_destroy(EBUSY, hwpt_id[0]);
		test_ioctl_destroy(stdev_id);
		/* An explicit HWPT outlives its devices */
		test_ioctl_destroy(hwpt_id[0]);
	}
}

TEST_F(mock_domain, hwpt_contents)
{
	__u32 hwpt_id, stdev_id;
	__u64 iova;

	if (_metadata->skip)
		return;
	/* A HWPT allocated on a populated IOAS has its mappings */
	test_ioctl_ioas_map(buffer, BUFFER_SIZE, &iova);
	test_cmd_hwpt_alloc(self->idev_ids[0], self->ioas_id, 0, &hwpt_id);
	test_cmd_check_map(hwpt_id, iova, BUFFER_SIZE, buffer);
	/* It follows later maps and unmaps without any device attached */
	test_ioctl_ioas_map_fixed(mfd_buffer, PAGE_SIZE,
				  (__u64)MOCK_APERTURE_LAST + 1 - PAGE_SIZE);
	test_cmd_check_map(hwpt_id, (__u64)MOCK_APERTURE_LAST + 1 - PAGE_SIZE,
			   PAGE_SIZE, mfd_buffer);
	test_ioctl_ioas_unmap(iova, BUFFER_SIZE);
	test_err_check_map(EINVAL, hwpt_id, iova, PAGE_SIZE, buffer);
	check_refs(buffer, BUFFER_SIZE, 0);

	/* And a device attached to it sees the same */
	test_cmd_mock_domain(hwpt_id, &stdev_id, NULL, NULL);
	test_cmd_check_map(hwpt_id, (__u64)MOCK_APERTURE_LAST + 1 - PAGE_SIZE,
			   PAGE_SIZE, mfd_buffer);
	test_ioctl_destroy(stdev_id);
	test_ioctl_destroy(hwpt_id);
	check_refs(mfd_buffer, PAGE_SIZE, 1);
}

TEST_F(mock_domain, hwpt_flags)
{
	__u32 ioas_id, hwpt_id, stdev_id, nd_stdev, nd_idev, nd_hwpt;

	if (_metadata->skip)
		return;
	/* Dirty tracking is enforced on the devices that attach */
	test_cmd_hwpt_alloc(self->idev_ids[0], self->ioas_id,
			    IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt_id);
	test_cmd_mock_domain(hwpt_id, &stdev_id, NULL, NULL);
	test_err_mock_domain_flags(EINVAL, hwpt_id, MOCK_FLAGS_DEVICE_NO_DIRTY);
	test_ioctl_destroy(stdev_id);
	test_ioctl_destroy(hwpt_id);

	/* A device whose IOMMU cannot track dirty pages gets no such HWPT */
	test_ioctl_ioas_alloc(&ioas_id);
	test_cmd_mock_domain_flags(ioas_id, MOCK_FLAGS_DEVICE_NO_DIRTY,
				   &nd_stdev, &nd_hwpt, &nd_idev);
	test_err_hwpt_alloc(EOPNOTSUPP, nd_idev, ioas_id,
			    IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &hwpt_id);
	/* ... but a plain one */
	test_cmd_hwpt_alloc(nd_idev, ioas_id, 0, &hwpt_id);
	test_ioctl_destroy(hwpt_id);
	test_ioctl_destroy(nd_stdev);

	/* Combinations of the paging flags */
	test_cmd_hwpt_alloc(self->idev_ids[0], self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT |
				    IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			    &hwpt_id);
	test_ioctl_destroy(hwpt_id);
	test_cmd_hwpt_alloc(self->idev_ids[0], self->ioas_id,
			    IOMMU_HWPT_ALLOC_PASID, &hwpt_id);
	test_cmd_mock_domain(hwpt_id, &stdev_id, NULL, NULL);
	test_ioctl_destroy(stdev_id);
	test_ioctl_destroy(hwpt_id);
	test_ioctl_destroy(ioas_id);
}

TEST_F(mock_domain, hw_info_caps)
{
	struct iommu_test_hw_info info;
	struct iommu_hw_info out, raw;
	__u32 stdev_id, idev_id;

	if (_metadata->skip)
		return;
	test_cmd_get_hw_info(self->idev_ids[0], &info, sizeof(info), &out);
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, out.out_data_type);
	ASSERT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, info.test_reg);
	ASSERT_EQ(0, out.out_max_pasid_log2);
	/*
	 * The mock IOMMU can track dirty pages, but the capability may only be
	 * reported when the core offers dirty tracking to userspace.
	 */
	if (out.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING) {
		struct iommu_hwpt_set_dirty_tracking dirty = {
			.size = sizeof(dirty),
			.hwpt_id = self->hwpt_ids[0],
		};

		int rc = ioctl(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &dirty);
		int err = errno;

		EXPECT_FALSE(rc == -1 && err == EOPNOTSUPP);
	}

	/* No dirty tracking: the capability is not reported */
	test_cmd_mock_domain_flags(self->ioas_id, MOCK_FLAGS_DEVICE_NO_DIRTY,
				   &stdev_id, NULL, &idev_id);
	test_cmd_get_hw_info(idev_id, NULL, 0, &out);
	ASSERT_EQ(0, out.out_capabilities & IOMMU_HW_CAP_DIRTY_TRACKING);
	test_ioctl_destroy(stdev_id);

	/* A PASID-capable mock device reports its PASID width */
	test_cmd_mock_domain_flags(self->ioas_id, MOCK_FLAGS_DEVICE_PASID,
				   &stdev_id, NULL, &idev_id);
	test_cmd_get_hw_info(idev_id, NULL, 0, &out);
	ASSERT_EQ(MOCK_PASID_WIDTH, out.out_max_pasid_log2);
	test_ioctl_destroy(stdev_id);
	/* Gone with its mock device */
	test_err_get_hw_info(ENOENT, idev_id, NULL, 0);

	/* Unknown flag, reserved bytes */
	memset(&raw, 0, sizeof(raw));
	raw.size = sizeof(raw);
	raw.dev_id = self->idev_ids[0];
	raw.flags = 1U << 7;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_GET_HW_INFO, &raw));
	raw.flags = 0;
	raw.__reserved[1] = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_GET_HW_INFO, &raw));
	raw.__reserved[1] = 0;

	/* Asking for a format: the mock's own or the default works */
	raw.flags = IOMMU_HW_INFO_FLAG_INPUT_TYPE;
	raw.in_data_type = IOMMU_HW_INFO_TYPE_SELFTEST;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_GET_HW_INFO, &raw));
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, raw.out_data_type);
	/* data_len came back as the full size; no buffer again */
	ASSERT_EQ(sizeof(info), raw.data_len);
	raw.data_len = 0;
	raw.in_data_type = IOMMU_HW_INFO_TYPE_DEFAULT;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_GET_HW_INFO, &raw));
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, raw.out_data_type);
	/* ... another vendor's does not */
	raw.data_len = 0;
	raw.in_data_type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_GET_HW_INFO, &raw));
	/* Without the flag the input type is ignored */
	raw.flags = 0;
	raw.data_len = 0;
	raw.in_data_type = IOMMU_HW_INFO_TYPE_INTEL_VTD;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_GET_HW_INFO, &raw));
	ASSERT_EQ(IOMMU_HW_INFO_TYPE_SELFTEST, raw.out_data_type);

	/* A bad buffer */
	EXPECT_ERRNO(EFAULT, _test_cmd_get_hw_info(self->fd, self->idev_ids[0],
						   (void *)8, sizeof(info),
						   NULL));
}

TEST_F(mock_domain, detach)
{
	__u32 stdev_id, hwpt_id, idev_id;
	__u64 iova;

	if (_metadata->skip)
		return;
	test_ioctl_ioas_map(buffer, PAGE_SIZE * 2, &iova);

	/* A second device sharing the first one's HWPT */
	test_cmd_mock_domain(self->hwpt_ids[0], &stdev_id, &hwpt_id, &idev_id);
	ASSERT_EQ(self->hwpt_ids[0], hwpt_id);

	/* The bound device can only go with its mock device */
	test_err_destroy(EBUSY, idev_id);

	/* The HWPT stays while one device still uses it */
	test_ioctl_destroy(self->stdev_ids[0]);
	test_cmd_check_map(self->hwpt_ids[0], iova, PAGE_SIZE * 2, buffer);
	test_err_destroy(EBUSY, self->hwpt_ids[0]);

	/* With the last one gone, the automatic HWPT goes too */
	test_ioctl_destroy(stdev_id);
	test_err_destroy(ENOENT, self->hwpt_ids[0]);
	test_err_destroy(ENOENT, idev_id);
	test_err_destroy(ENOENT, stdev_id);
	test_err_check_map(ENOENT, self->hwpt_ids[0], iova, PAGE_SIZE, buffer);

	/* The IOAS and its pins stay */
	check_refs(buffer, PAGE_SIZE * 2, 1);
	/* A second domain's explicit HWPT still holds the IOAS */
	EXPECT_EQ(variant->mock_domains == 1 ? 0 : -1,
		  _test_ioctl_destroy(self->fd, self->ioas_id));
	self->hwpt_ids[0] = 0;
}

TEST_F(mock_domain, check_map_negative)
{
	__u64 iova;

	if (_metadata->skip)
		return;
	test_ioctl_ioas_map(buffer, PAGE_SIZE * 2, &iova);
	check_mock_iova(buffer, iova, PAGE_SIZE * 2);

	/* Other memory than what is mapped */
	test_err_check_map(EINVAL, self->hwpt_id, iova, PAGE_SIZE,
			   buffer + PAGE_SIZE);
	test_err_check_map(EINVAL, self->hwpt_id, iova, PAGE_SIZE, mfd_buffer);
	/* Past the end of the mapping */
	test_err_check_map(EINVAL, self->hwpt_id, iova, PAGE_SIZE * 3, buffer);
	/* Not mock-page aligned */
	test_err_check_map(EINVAL, self->hwpt_id, iova + 1, PAGE_SIZE,
			   (uint8_t *)buffer + 1);
	/* Not a HWPT */
	test_err_check_map(ENOENT, 0xfffff, iova, PAGE_SIZE, buffer);
	test_err_check_map(ENOENT, self->idev_ids[0], iova, PAGE_SIZE, buffer);

	/* After the unmap the table is empty there */
	test_ioctl_ioas_unmap(iova, PAGE_SIZE * 2);
	test_err_check_map(EINVAL, self->hwpt_id, iova, MOCK_PAGE_SIZE,
			   buffer);
	test_err_check_map(EINVAL, self->hwpt_id,
			   iova + 2 * PAGE_SIZE - MOCK_PAGE_SIZE,
			   MOCK_PAGE_SIZE,
			   (uint8_t *)buffer + 2 * PAGE_SIZE - MOCK_PAGE_SIZE);
}

TEST_F(mock_domain, large_map)
{
	size_t buf_size = self->mmap_buf_size;
	__u64 iova, half;
	uint8_t *buf;
	int tmp_fd;

	if (_metadata->skip)
		return;
	buf = get_fixture_buf(&tmp_fd);
	ASSERT_NE(MAP_FAILED, buf);
	iofd_fill(buf, buf_size, 1);

	/* Two back-to-back mappings of the halves, checked piecewise */
	half = buf_size / 2;
	iova = MOCK_APERTURE_START + 8 * HUGEPAGE_SIZE;
	if (tmp_fd >= 0) {
		ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						       tmp_fd, 0, half, &iova,
						       IOMMU_IOAS_MAP_FIXED_IOVA |
							       MAP_RW));
		iova += half;
		ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, self->ioas_id,
						       tmp_fd, half, half,
						       &iova,
						       IOMMU_IOAS_MAP_FIXED_IOVA |
							       MAP_RW));
		iova -= half;
	} else {
		test_ioctl_ioas_map_fixed(buf, half, iova);
		test_ioctl_ioas_map_fixed(buf + half, half, iova + half);
	}
	check_mock_iova(buf, iova, buf_size);
	check_mock_iova(buf + MOCK_PAGE_SIZE, iova + MOCK_PAGE_SIZE,
			buf_size - 2 * MOCK_PAGE_SIZE);
	check_mock_iova(buf + half - MOCK_PAGE_SIZE,
			iova + half - MOCK_PAGE_SIZE, 2 * MOCK_PAGE_SIZE);

	/* Each half goes on its own, no splitting */
	test_err_ioctl_ioas_unmap(ENOENT, iova + half - MOCK_PAGE_SIZE * 2,
				  MOCK_PAGE_SIZE * 4);
	test_err_ioctl_ioas_unmap(ENOENT, iova, half + MOCK_PAGE_SIZE * 2);
	check_mock_iova(buf, iova, buf_size);
	test_err_ioctl_ioas_unmap(ENOENT, iova + MOCK_PAGE_SIZE,
				  half - MOCK_PAGE_SIZE);
	test_ioctl_ioas_unmap(iova, half);
	test_err_check_map(EINVAL, self->hwpt_id, iova, MOCK_PAGE_SIZE, buf);
	check_mock_iova(buf + half, iova + half, half);
	test_ioctl_ioas_unmap(iova + half, half);
	check_refs(buf, buf_size, 0);
	munmap(buf, buf_size);
	if (tmp_fd >= 0)
		close(tmp_fd);
}

TEST_F(mock_domain, domain_alignment)
{
	struct iommu_iova_range range;
	__u32 num = 1;
	__u64 align;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, _test_ioctl_iova_ranges(self->fd, self->ioas_id, &range,
					     &num, &align));
	ASSERT_EQ(MOCK_PAGE_SIZE, align);

	/* Mock-page granularity is what the domain takes */
	test_err_ioctl_ioas_map_fixed(EINVAL, buffer, MOCK_PAGE_SIZE,
				      MOCK_APERTURE_START + 1);
	test_ioctl_ioas_map_fixed((uint8_t *)buffer + MOCK_PAGE_SIZE,
				  MOCK_PAGE_SIZE,
				  MOCK_APERTURE_START + MOCK_PAGE_SIZE);
	check_mock_iova((uint8_t *)buffer + MOCK_PAGE_SIZE,
			MOCK_APERTURE_START + MOCK_PAGE_SIZE, MOCK_PAGE_SIZE);
	/* The other half of the same CPU page, elsewhere */
	test_ioctl_ioas_map_fixed(buffer, MOCK_PAGE_SIZE,
				  MOCK_APERTURE_START + 4 * PAGE_SIZE);
	check_mock_iova(buffer, MOCK_APERTURE_START + 4 * PAGE_SIZE,
			MOCK_PAGE_SIZE);
	check_refs(buffer, PAGE_SIZE, 2);

	/* Detached from every domain, the IOAS takes any alignment again */
	if (variant->mock_domains == 1) {
		ASSERT_EQ(0, _test_ioctl_ioas_unmap(self->fd, self->ioas_id, 0,
						    UINT64_MAX, NULL));
		test_ioctl_destroy(self->stdev_ids[0]);
		self->hwpt_ids[0] = 0;
		num = 1;
		ASSERT_EQ(0, _test_ioctl_iova_ranges(self->fd, self->ioas_id,
						     &range, &num, &align));
		ASSERT_EQ(1, align);
		ASSERT_EQ(0, range.start);
		test_ioctl_ioas_map_fixed((uint8_t *)buffer + 3, 5, 17);
	}
}

TEST_HARNESS_MAIN
