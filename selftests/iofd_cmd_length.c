// SPDX-License-Identifier: GPL-2.0
/*
 * The size-first extensibility rule, for every /dev/iommu ioctl (0x80..0x94
 * and IOMMU_TEST_CMD): the u32 size at the start of the struct is what
 * userspace knows. The kernel refuses a size below the last field of the
 * first version (EINVAL), zero-fills a short struct, and refuses a longer
 * one whose unknown tail is not zero (E2BIG); a zero tail behaves exactly
 * as the exact size. Unknown ioctl numbers are ENOTTY, and the commands
 * iofd-oot does not implement yet are EOPNOTSUPP once the size is right.
 */
#include "iommufd_utils.h"

FIXTURE(cmd)
{
	int fd;
};

FIXTURE_SETUP(cmd)
{
	iofd_new_buffers();
	self->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->fd);
}

FIXTURE_TEARDOWN(cmd)
{
	teardown_iommufd(self->fd, _metadata);
}

#define CMD_BUF_SIZE 512

/*
 * Sweep the size of one command whose struct, all zero but for its size,
 * is at @cmd_buf. @exact_errno: what the exact size must give (0 for
 * success), or -1 for "whatever it gives, as long as it is consistent".
 */
static void check_cmd_length(struct __test_metadata *_metadata, int fd,
			     unsigned long nr, size_t struct_size,
			     size_t min_size, int exact_errno)
{
	__u64 storage[CMD_BUF_SIZE / sizeof(__u64)];
	uint8_t *buf = (uint8_t *)storage;
	__u32 *size = (__u32 *)storage;
	int rc, err, rc2, err2;

	ASSERT_LE(struct_size + 16, sizeof(storage));
	ASSERT_LE(min_size, struct_size);

	/* One byte below the minimum, garbage after it: EINVAL */
	memset(buf, 0, sizeof(storage));
	memset(buf + min_size - 1, 0xff, sizeof(storage) - (min_size - 1));
	*size = min_size - 1;
	EXPECT_ERRNO(EINVAL, ioctl(fd, nr, buf));
	/* Far below: EINVAL; size 0 too */
	*size = 0;
	EXPECT_ERRNO(EINVAL, ioctl(fd, nr, buf));
	*size = sizeof(__u32);
	if (min_size > sizeof(__u32))
		EXPECT_ERRNO(EINVAL, ioctl(fd, nr, buf));

	/* One extra non-zero byte: E2BIG */
	memset(buf, 0, sizeof(storage));
	buf[struct_size] = 0xff;
	*size = struct_size + 1;
	EXPECT_ERRNO(E2BIG, ioctl(fd, nr, buf));
	/* Non-zero only in the last of eight extra bytes: E2BIG */
	buf[struct_size] = 0;
	buf[struct_size + 7] = 0x01;
	*size = struct_size + 8;
	EXPECT_ERRNO(E2BIG, ioctl(fd, nr, buf));
	/* The exact size */
	memset(buf, 0, sizeof(storage));
	*size = struct_size;
	buf[struct_size] = 0xff;
	errno = 0;
	rc = ioctl(fd, nr, buf);
	err = rc ? errno : 0;
	if (exact_errno >= 0)
		EXPECT_EQ(exact_errno, err);

	/* Extra zero bytes: same as the exact size */
	memset(buf, 0, sizeof(storage));
	*size = struct_size + 1;
	errno = 0;
	rc2 = ioctl(fd, nr, buf);
	err2 = rc2 ? errno : 0;
	EXPECT_EQ(rc, rc2);
	EXPECT_EQ(err, err2);

	memset(buf, 0, sizeof(storage));
	*size = struct_size + 16;
	errno = 0;
	rc2 = ioctl(fd, nr, buf);
	err2 = rc2 ? errno : 0;
	EXPECT_EQ(rc, rc2);
	EXPECT_EQ(err, err2);

	/* Exactly the minimum: the rest reads as zero, so also the same */
	memset(buf, 0, sizeof(storage));
	memset(buf + min_size, 0xff, sizeof(storage) - min_size);
	*size = min_size;
	errno = 0;
	rc2 = ioctl(fd, nr, buf);
	err2 = rc2 ? errno : 0;
	EXPECT_EQ(rc, rc2);
	EXPECT_EQ(err, err2);

	/* A struct the kernel cannot read */
	EXPECT_ERRNO(EFAULT, ioctl(fd, nr, NULL));
	EXPECT_ERRNO(EFAULT, ioctl(fd, nr, (void *)8));
}

/*
 * One variant per command: its number, the size of its struct, the end of
 * its last first-version field, and what the all-zero struct must give at
 * the exact size (an errno, 0 for success, -1 for "anything consistent").
 * EOPNOTSUPP marks the commands iofd-oot does not implement yet, and the
 * all-zero VIOMMU_ALLOC (type DEFAULT).
 */
FIXTURE(cmd_len)
{
	int fd;
};

FIXTURE_VARIANT(cmd_len)
{
	unsigned long nr;
	size_t struct_size;
	size_t min_size;
	int exact_errno;
};

FIXTURE_SETUP(cmd_len)
{
	iofd_new_buffers();
	self->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->fd);
}

FIXTURE_TEARDOWN(cmd_len)
{
	teardown_iommufd(self->fd, _metadata);
}

/* No object 0 */
FIXTURE_VARIANT_ADD(cmd_len, destroy)
{
	.nr = IOMMU_DESTROY,
	.struct_size = sizeof(struct iommu_destroy),
	.min_size = offsetofend(struct iommu_destroy, id),
	.exact_errno = ENOENT,
};

FIXTURE_VARIANT_ADD(cmd_len, ioas_alloc)
{
	.nr = IOMMU_IOAS_ALLOC,
	.struct_size = sizeof(struct iommu_ioas_alloc),
	.min_size = offsetofend(struct iommu_ioas_alloc, out_ioas_id),
	.exact_errno = 0,
};

FIXTURE_VARIANT_ADD(cmd_len, ioas_allow_iovas)
{
	.nr = IOMMU_IOAS_ALLOW_IOVAS,
	.struct_size = sizeof(struct iommu_ioas_allow_iovas),
	.min_size = offsetofend(struct iommu_ioas_allow_iovas, allowed_iovas),
	.exact_errno = ENOENT,
};

FIXTURE_VARIANT_ADD(cmd_len, ioas_copy)
{
	.nr = IOMMU_IOAS_COPY,
	.struct_size = sizeof(struct iommu_ioas_copy),
	.min_size = offsetofend(struct iommu_ioas_copy, src_iova),
	.exact_errno = -1,
};

FIXTURE_VARIANT_ADD(cmd_len, ioas_iova_ranges)
{
	.nr = IOMMU_IOAS_IOVA_RANGES,
	.struct_size = sizeof(struct iommu_ioas_iova_ranges),
	.min_size = offsetofend(struct iommu_ioas_iova_ranges, out_iova_alignment),
	.exact_errno = ENOENT,
};

FIXTURE_VARIANT_ADD(cmd_len, ioas_map)
{
	.nr = IOMMU_IOAS_MAP,
	.struct_size = sizeof(struct iommu_ioas_map),
	.min_size = offsetofend(struct iommu_ioas_map, iova),
	.exact_errno = -1,
};

FIXTURE_VARIANT_ADD(cmd_len, ioas_unmap)
{
	.nr = IOMMU_IOAS_UNMAP,
	.struct_size = sizeof(struct iommu_ioas_unmap),
	.min_size = offsetofend(struct iommu_ioas_unmap, length),
	.exact_errno = -1,
};

/* All zero: RLIMIT_MODE set to 0 on an empty context */
FIXTURE_VARIANT_ADD(cmd_len, option)
{
	.nr = IOMMU_OPTION,
	.struct_size = sizeof(struct iommu_option),
	.min_size = offsetofend(struct iommu_option, val64),
	.exact_errno = 0,
};

FIXTURE_VARIANT_ADD(cmd_len, vfio_ioas)
{
	.nr = IOMMU_VFIO_IOAS,
	.struct_size = sizeof(struct iommu_vfio_ioas),
	.min_size = offsetofend(struct iommu_vfio_ioas, __reserved),
	.exact_errno = EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(cmd_len, hwpt_alloc)
{
	.nr = IOMMU_HWPT_ALLOC,
	.struct_size = sizeof(struct iommu_hwpt_alloc),
	.min_size = offsetofend(struct iommu_hwpt_alloc, __reserved),
	.exact_errno = -1,
};

FIXTURE_VARIANT_ADD(cmd_len, get_hw_info)
{
	.nr = IOMMU_GET_HW_INFO,
	.struct_size = sizeof(struct iommu_hw_info),
	.min_size = offsetofend(struct iommu_hw_info, __reserved),
	.exact_errno = ENOENT,
};

FIXTURE_VARIANT_ADD(cmd_len, hwpt_set_dirty_tracking)
{
	.nr = IOMMU_HWPT_SET_DIRTY_TRACKING,
	.struct_size = sizeof(struct iommu_hwpt_set_dirty_tracking),
	.min_size = offsetofend(struct iommu_hwpt_set_dirty_tracking, __reserved),
	.exact_errno = EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(cmd_len, hwpt_get_dirty_bitmap)
{
	.nr = IOMMU_HWPT_GET_DIRTY_BITMAP,
	.struct_size = sizeof(struct iommu_hwpt_get_dirty_bitmap),
	.min_size = offsetofend(struct iommu_hwpt_get_dirty_bitmap, data),
	.exact_errno = EOPNOTSUPP,
};

/* No object 0 */
FIXTURE_VARIANT_ADD(cmd_len, hwpt_invalidate)
{
	.nr = IOMMU_HWPT_INVALIDATE,
	.struct_size = sizeof(struct iommu_hwpt_invalidate),
	.min_size = offsetofend(struct iommu_hwpt_invalidate, __reserved),
	.exact_errno = ENOENT,
};

FIXTURE_VARIANT_ADD(cmd_len, fault_queue_alloc)
{
	.nr = IOMMU_FAULT_QUEUE_ALLOC,
	.struct_size = sizeof(struct iommu_fault_alloc),
	.min_size = offsetofend(struct iommu_fault_alloc, out_fault_fd),
	.exact_errno = EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(cmd_len, ioas_map_file)
{
	.nr = IOMMU_IOAS_MAP_FILE,
	.struct_size = sizeof(struct iommu_ioas_map_file),
	.min_size = offsetofend(struct iommu_ioas_map_file, iova),
	.exact_errno = -1,
};

/* Type 0 is IOMMU_VIOMMU_TYPE_DEFAULT, which no driver supports */
FIXTURE_VARIANT_ADD(cmd_len, viommu_alloc)
{
	.nr = IOMMU_VIOMMU_ALLOC,
	.struct_size = sizeof(struct iommu_viommu_alloc),
	.min_size = offsetofend(struct iommu_viommu_alloc, out_viommu_id),
	.exact_errno = EOPNOTSUPP,
};

/* No vIOMMU 0 */
FIXTURE_VARIANT_ADD(cmd_len, vdevice_alloc)
{
	.nr = IOMMU_VDEVICE_ALLOC,
	.struct_size = sizeof(struct iommu_vdevice_alloc),
	.min_size = offsetofend(struct iommu_vdevice_alloc, virt_id),
	.exact_errno = ENOENT,
};

FIXTURE_VARIANT_ADD(cmd_len, ioas_change_process)
{
	.nr = IOMMU_IOAS_CHANGE_PROCESS,
	.struct_size = sizeof(struct iommu_ioas_change_process),
	.min_size = offsetofend(struct iommu_ioas_change_process, __reserved),
	.exact_errno = EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(cmd_len, veventq_alloc)
{
	.nr = IOMMU_VEVENTQ_ALLOC,
	.struct_size = sizeof(struct iommu_veventq_alloc),
	.min_size = offsetofend(struct iommu_veventq_alloc, out_veventq_fd),
	.exact_errno = EOPNOTSUPP,
};

FIXTURE_VARIANT_ADD(cmd_len, hw_queue_alloc)
{
	.nr = IOMMU_HW_QUEUE_ALLOC,
	.struct_size = sizeof(struct iommu_hw_queue_alloc),
	.min_size = offsetofend(struct iommu_hw_queue_alloc, length),
	.exact_errno = EOPNOTSUPP,
};

/* op 0 is no operation */
FIXTURE_VARIANT_ADD(cmd_len, test_cmd)
{
	.nr = IOMMU_TEST_CMD,
	.struct_size = sizeof(struct iommu_test_cmd),
	.min_size = offsetofend(struct iommu_test_cmd, last),
	.exact_errno = EOPNOTSUPP,
};

TEST_F(cmd_len, sweep)
{
	check_cmd_length(_metadata, self->fd, variant->nr, variant->struct_size,
			 variant->min_size, variant->exact_errno);
}

TEST_F(cmd, struct_sizes)
{
	/* The layouts upstream v6.17 userspace is built with */
	EXPECT_EQ(8, sizeof(struct iommu_destroy));
	EXPECT_EQ(12, sizeof(struct iommu_ioas_alloc));
	EXPECT_EQ(24, sizeof(struct iommu_ioas_allow_iovas));
	EXPECT_EQ(40, sizeof(struct iommu_ioas_copy));
	EXPECT_EQ(32, sizeof(struct iommu_ioas_iova_ranges));
	EXPECT_EQ(40, sizeof(struct iommu_ioas_map));
	EXPECT_EQ(24, sizeof(struct iommu_ioas_unmap));
	EXPECT_EQ(24, sizeof(struct iommu_option));
	EXPECT_EQ(12, sizeof(struct iommu_vfio_ioas));
	EXPECT_EQ(48, sizeof(struct iommu_hwpt_alloc));
	EXPECT_EQ(40, sizeof(struct iommu_hw_info));
	EXPECT_EQ(16, sizeof(struct iommu_hwpt_set_dirty_tracking));
	EXPECT_EQ(48, sizeof(struct iommu_hwpt_get_dirty_bitmap));
	EXPECT_EQ(32, sizeof(struct iommu_hwpt_invalidate));
	EXPECT_EQ(16, sizeof(struct iommu_fault_alloc));
	EXPECT_EQ(40, sizeof(struct iommu_ioas_map_file));
	EXPECT_EQ(40, sizeof(struct iommu_viommu_alloc));
	EXPECT_EQ(24, sizeof(struct iommu_vdevice_alloc));
	EXPECT_EQ(8, sizeof(struct iommu_ioas_change_process));
	EXPECT_EQ(32, sizeof(struct iommu_veventq_alloc));
	EXPECT_EQ(40, sizeof(struct iommu_hw_queue_alloc));
	EXPECT_EQ(72, sizeof(struct iommu_test_cmd));
	EXPECT_EQ(68, offsetofend(struct iommu_test_cmd, last));
	EXPECT_EQ(0xa0, _IOC_NR(IOMMU_TEST_CMD));
	EXPECT_EQ(0x94, _IOC_NR(IOMMU_HW_QUEUE_ALLOC));
}

TEST_F(cmd, unknown_ioctl_numbers)
{
	uint8_t buf[CMD_BUF_SIZE] = {};
	unsigned int nr;

	*(__u32 *)buf = 64;
	/* Below the base, past the last command, between it and TEST_CMD */
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(IOMMUFD_TYPE, 0x7f), buf));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(IOMMUFD_TYPE, 0x00), buf));
	for (nr = IOMMUFD_CMD_HW_QUEUE_ALLOC + 1; nr < IOMMUFD_CMD_BASE + 32;
	     nr++)
		EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(IOMMUFD_TYPE, nr), buf));
	for (nr = IOMMUFD_CMD_BASE + 33; nr <= 0xff; nr++)
		EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO(IOMMUFD_TYPE, nr), buf));
}

TEST_F(cmd, wrong_ioctl_encoding)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = 0 };

	/* Right number, wrong type letter, direction or size bits */
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd, _IO('x', IOMMUFD_CMD_DESTROY),
				   &cmd));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd,
				   _IOW(IOMMUFD_TYPE, IOMMUFD_CMD_DESTROY,
					struct iommu_destroy),
				   &cmd));
	EXPECT_ERRNO(ENOTTY, ioctl(self->fd,
				   _IOWR(IOMMUFD_TYPE, IOMMUFD_CMD_IOAS_ALLOC,
					 struct iommu_ioas_alloc),
				   &cmd));
	/* The plain encoding reaches the command */
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_DESTROY, &cmd));
}

TEST_F(cmd, cmd_ex_fail)
{
	struct {
		struct iommu_destroy cmd;
		__u64 future;
	} cmd = { .cmd = { .size = sizeof(cmd), .id = 0 } };

	/* A longer struct with a zero tail still reaches the command */
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_DESTROY, &cmd));
	/* The future field is not zero */
	cmd.future = 1;
	EXPECT_ERRNO(E2BIG, ioctl(self->fd, IOMMU_DESTROY, &cmd));
	/* The original size ignores it */
	cmd.cmd.size = sizeof(cmd.cmd);
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_DESTROY, &cmd));
	/* Short */
	cmd.cmd.size = sizeof(cmd.cmd) - 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_DESTROY, &cmd));
}

TEST_F(cmd, longer_struct_works)
{
	struct {
		struct iommu_ioas_alloc cmd;
		__u8 future[100];
	} alloc = { .cmd = { .size = sizeof(alloc) } };
	struct {
		struct iommu_destroy cmd;
		__u32 future[3];
	} destroy = { .cmd = { .size = sizeof(destroy) } };

	/* A userspace that knows a larger struct, all of it zero */
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_ALLOC, &alloc));
	ASSERT_NE(0, alloc.cmd.out_ioas_id);
	destroy.cmd.id = alloc.cmd.out_ioas_id;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_DESTROY, &destroy));
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_DESTROY, &destroy));
}

TEST_F(cmd, short_struct_works)
{
	struct iommu_ioas_map map = {
		.size = offsetofend(struct iommu_ioas_map, iova),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW,
		.user_va = (uintptr_t)buffer,
		.length = PAGE_SIZE,
		.iova = MOCK_APERTURE_START,
	};
	struct iommu_test_cmd check = {
		.size = offsetofend(struct iommu_test_cmd, last),
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = { .length = PAGE_SIZE,
				.uptr = (uintptr_t)buffer,
				.refs = 1 },
	};
	__u32 ioas_id;

	test_ioctl_ioas_alloc(&ioas_id);
	map.ioas_id = ioas_id;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_IOAS_MAP, &map));
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_TEST_CMD, &check));
	test_ioctl_ioas_unmap_id(ioas_id, MOCK_APERTURE_START, PAGE_SIZE);
}

TEST_F(cmd, not_implemented)
{
	struct iommu_vfio_ioas vfio = { .size = sizeof(vfio),
					.op = IOMMU_VFIO_IOAS_GET };
	struct iommu_hwpt_set_dirty_tracking dirty = { .size = sizeof(dirty) };
	struct iommu_hwpt_get_dirty_bitmap bitmap = { .size = sizeof(bitmap) };
	struct iommu_fault_alloc fault = { .size = sizeof(fault) };
	struct iommu_ioas_change_process chg = { .size = sizeof(chg) };
	struct iommu_veventq_alloc veventq = { .size = sizeof(veventq) };
	struct iommu_hw_queue_alloc hwq = { .size = sizeof(hwq) };
	__u32 ioas_id, stdev_id, hwpt_id, idev_id, parent_id;
	__u64 bits[4] = {};

	/* Arguments that would be valid, so only "not implemented" is left */
	test_ioctl_ioas_alloc(&ioas_id);
	test_ioctl_ioas_map_fixed_id(ioas_id, buffer, PAGE_SIZE,
				     MOCK_APERTURE_START);
	test_cmd_mock_domain(ioas_id, &stdev_id, &hwpt_id, &idev_id);
	test_cmd_hwpt_alloc(idev_id, ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT |
				    IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			    &parent_id);

	vfio.ioas_id = ioas_id;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_VFIO_IOAS, &vfio));
	vfio.op = IOMMU_VFIO_IOAS_SET;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_VFIO_IOAS, &vfio));

	dirty.hwpt_id = parent_id;
	dirty.flags = IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
	EXPECT_ERRNO(EOPNOTSUPP,
		     ioctl(self->fd, IOMMU_HWPT_SET_DIRTY_TRACKING, &dirty));

	bitmap.hwpt_id = parent_id;
	bitmap.iova = MOCK_APERTURE_START;
	bitmap.length = PAGE_SIZE;
	bitmap.page_size = MOCK_PAGE_SIZE;
	bitmap.data = (uintptr_t)bits;
	EXPECT_ERRNO(EOPNOTSUPP,
		     ioctl(self->fd, IOMMU_HWPT_GET_DIRTY_BITMAP, &bitmap));

	EXPECT_ERRNO(EOPNOTSUPP,
		     ioctl(self->fd, IOMMU_FAULT_QUEUE_ALLOC, &fault));

	EXPECT_ERRNO(EOPNOTSUPP,
		     ioctl(self->fd, IOMMU_IOAS_CHANGE_PROCESS, &chg));

	veventq.type = IOMMU_VEVENTQ_TYPE_SELFTEST;
	veventq.veventq_depth = 2;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_VEVENTQ_ALLOC, &veventq));

	hwq.type = IOMMU_HW_QUEUE_TYPE_SELFTEST;
	hwq.nesting_parent_iova = MOCK_APERTURE_START;
	hwq.length = PAGE_SIZE;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_HW_QUEUE_ALLOC, &hwq));

	/* Nothing was created by any of them */
	test_ioctl_destroy(parent_id);
	test_ioctl_destroy(stdev_id);
	test_ioctl_destroy(ioas_id);
	check_refs(buffer, PAGE_SIZE, 0);
}

/*
 * The nesting commands that used to be "not implemented" take the same
 * valid arguments now: a vIOMMU and a vDEVICE are made, and
 * HWPT_INVALIDATE refuses a paging HWPT as the wrong kind of object
 * (iofd_nesting.c and iofd_viommu.c test them in depth).
 */
TEST_F(cmd, nesting_implemented)
{
	struct iommu_hwpt_invalidate inv = { .size = sizeof(inv) };
	struct iommu_viommu_alloc viommu = { .size = sizeof(viommu) };
	struct iommu_vdevice_alloc vdev = { .size = sizeof(vdev) };
	struct iommu_hwpt_selftest data = { .iotlb = 1 };
	__u32 ioas_id, stdev_id, idev_id, parent_id, nested_id;

	test_ioctl_ioas_alloc(&ioas_id);
	test_cmd_mock_domain(ioas_id, &stdev_id, NULL, &idev_id);
	test_cmd_hwpt_alloc(idev_id, ioas_id, IOMMU_HWPT_ALLOC_NEST_PARENT,
			    &parent_id);

	inv.hwpt_id = parent_id;
	inv.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &inv));

	ASSERT_EQ(0, _test_cmd_hwpt_alloc(self->fd, idev_id, parent_id, 0,
					  &nested_id, IOMMU_HWPT_DATA_SELFTEST,
					  &data, sizeof(data), 0));
	inv.hwpt_id = nested_id;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &inv));

	viommu.type = IOMMU_VIOMMU_TYPE_SELFTEST;
	viommu.dev_id = idev_id;
	viommu.hwpt_id = parent_id;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &viommu));
	ASSERT_NE(0, viommu.out_viommu_id);

	vdev.viommu_id = viommu.out_viommu_id;
	vdev.dev_id = idev_id;
	vdev.virt_id = 0x99;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_VDEVICE_ALLOC, &vdev));
	ASSERT_NE(0, vdev.out_vdevice_id);

	/* Leaf first */
	test_err_destroy(EBUSY, viommu.out_viommu_id);
	test_ioctl_destroy(vdev.out_vdevice_id);
	test_ioctl_destroy(viommu.out_viommu_id);
	test_err_destroy(EBUSY, parent_id);
	test_ioctl_destroy(nested_id);
	test_ioctl_destroy(parent_id);
	test_ioctl_destroy(stdev_id);
	test_ioctl_destroy(ioas_id);
}

TEST_F(cmd, test_cmd_unknown_ops)
{
	struct iommu_test_cmd cmd = { .size = sizeof(cmd) };
	static const __u32 ops[] = {
		0,
		IOMMU_TEST_OP_PASID_CHECK_HWPT + 1,
		IOMMU_TEST_OP_IOFD_VIOMMU_INFO + 1,
		0x7fffffff,
		0xffffffff,
	};
	unsigned int i;

	for (i = 0; i != ARRAY_SIZE(ops); i++) {
		cmd.op = ops[i];
		EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_TEST_CMD, &cmd));
	}
	/* A known op still works on the same struct */
	cmd.op = IOMMU_TEST_OP_MD_CHECK_REFS;
	cmd.check_refs.uptr = (uintptr_t)buffer;
	cmd.check_refs.length = PAGE_SIZE;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_TEST_CMD, &cmd));
}

TEST_F(cmd, closed_fd)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };
	int fd;

	fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, fd);
	ASSERT_EQ(0, ioctl(fd, IOMMU_IOAS_ALLOC, &cmd));
	ASSERT_EQ(0, close(fd));
	EXPECT_ERRNO(EBADF, ioctl(fd, IOMMU_IOAS_ALLOC, &cmd));
	/* Another context does not see that context's objects */
	EXPECT_ERRNO(ENOENT, _test_ioctl_destroy(self->fd, cmd.out_ioas_id));
}

TEST_HARNESS_MAIN
