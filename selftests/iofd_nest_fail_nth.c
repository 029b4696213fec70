// SPDX-License-Identifier: GPL-2.0
/*
 * Failure injection over the nesting paths: nested HWPT allocation and
 * attachment, vIOMMU and vDEVICE creation, invalidation, PASID attachment
 * and PASID-table HWPTs. As iofd_fail_nth.c: a good sequence runs with its
 * 1st, 2nd, 3rd... injection point failing until a run passes them all;
 * each failing run must stop with ENOMEM from the ioctl that hit the point
 * and leave nothing pinned once the context is closed (the guest log is
 * checked for splats and leaks separately). One variant per sequence.
 */
#include "iofd_nest_utils.h"

#define MAX_NTH 4000

FIXTURE(nest_fail_nth)
{
	int fd;
};

FIXTURE_VARIANT(nest_fail_nth)
{
	/* Returns 0, or -1 with errno of the first ioctl that failed */
	int (*seq)(int fd);
};

FIXTURE_SETUP(nest_fail_nth)
{
	self->fd = -1;
	iofd_new_buffers();
	self->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->fd);
}

FIXTURE_TEARDOWN(nest_fail_nth)
{
	teardown_iommufd(self->fd, _metadata);
}

/* An IOAS with part of the buffer mapped and a mock device on it */
static int seq_base(int fd, __u32 dev_flags, __u32 *ioas_id, __u32 *stdev_id,
		    __u32 *idev_id)
{
	__u64 iova = MOCK_APERTURE_START;

	if (_test_ioctl_ioas_alloc(fd, ioas_id))
		return -1;
	/* Two pages: pinning has points of its own, kept few here */
	if (_test_ioctl_ioas_map(fd, *ioas_id, buffer, 2 * PAGE_SIZE, &iova,
				 IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW))
		return -1;
	return _test_cmd_mock_domain_flags(fd, *ioas_id, dev_flags, stdev_id,
					   NULL, idev_id);
}

static int seq_nested(int fd)
{
	struct iommu_hwpt_invalidate_selftest inv = { .iotlb_id = 1 };
	__u32 ioas_id, stdev_id, idev_id, parent, nested[2], stdev2, num = 1;

	if (seq_base(fd, 0, &ioas_id, &stdev_id, &idev_id))
		return -1;
	if (_test_cmd_hwpt_alloc(fd, idev_id, ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT, &parent,
				 IOMMU_HWPT_DATA_NONE, NULL, 0, 0))
		return -1;
	if (_test_cmd_hwpt_alloc_nested(fd, idev_id, parent, 0, &nested[0],
					IOMMU_TEST_IOTLB_DEFAULT))
		return -1;
	if (_test_cmd_hwpt_alloc_nested(fd, idev_id, parent,
					IOMMU_HWPT_ALLOC_PASID, &nested[1], 7))
		return -1;
	if (_test_cmd_mock_domain_replace(fd, stdev_id, nested[0], NULL))
		return -1;
	if (_test_cmd_mock_domain(fd, nested[1], &stdev2, NULL, NULL))
		return -1;
	if (_test_cmd_hwpt_invalidate(fd, nested[0], &inv,
				      IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				      sizeof(inv), &num))
		return -1;
	if (_test_cmd_mock_domain_replace(fd, stdev_id, nested[1], NULL))
		return -1;
	if (_test_ioctl_destroy(fd, nested[0]))
		return -1;
	if (_test_cmd_mock_domain_replace(fd, stdev_id, ioas_id, NULL))
		return -1;
	if (_test_ioctl_destroy(fd, stdev2))
		return -1;
	return 0;
}

static int seq_viommu(int fd)
{
	struct iommu_viommu_invalidate_selftest inv = {
		.vdev_id = 0x99,
		.cache_id = 2,
	};
	struct iommu_viommu_selftest data = { .in_data = 5 };
	__u32 ioas_id, stdev_id, idev_id, parent, viommu, viommu2, vdev, nested;
	__u32 stdev2, idev2, vdev2, num = 1;

	if (seq_base(fd, 0, &ioas_id, &stdev_id, &idev_id))
		return -1;
	if (_test_cmd_mock_domain(fd, ioas_id, &stdev2, NULL, &idev2))
		return -1;
	if (_test_cmd_hwpt_alloc(fd, idev_id, ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT, &parent,
				 IOMMU_HWPT_DATA_NONE, NULL, 0, 0))
		return -1;
	if (_test_cmd_viommu_alloc(fd, idev_id, parent,
				   IOMMU_VIOMMU_TYPE_SELFTEST, 0, &data,
				   sizeof(data), &viommu))
		return -1;
	if (_test_cmd_viommu_alloc(fd, idev2, parent,
				   IOMMU_VIOMMU_TYPE_SELFTEST, 0, NULL, 0,
				   &viommu2))
		return -1;
	if (_test_cmd_vdevice_alloc(fd, viommu, idev_id, 0x99, &vdev))
		return -1;
	if (_test_cmd_vdevice_alloc(fd, viommu2, idev2, 0x99, &vdev2))
		return -1;
	if (_test_cmd_hwpt_alloc_nested(fd, idev_id, viommu, 0, &nested,
					IOMMU_TEST_IOTLB_DEFAULT))
		return -1;
	if (_test_cmd_mock_domain_replace(fd, stdev_id, nested, NULL))
		return -1;
	if (_test_cmd_hwpt_invalidate(fd, viommu, &inv,
				      IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
				      sizeof(inv), &num))
		return -1;
	/* The device goes with its vDEVICE while attached */
	if (_test_ioctl_destroy(fd, stdev_id))
		return -1;
	if (_test_ioctl_destroy(fd, nested))
		return -1;
	if (_test_ioctl_destroy(fd, viommu))
		return -1;
	if (_test_ioctl_destroy(fd, vdev2))
		return -1;
	return 0;
}

static int seq_pasid(int fd)
{
	__u32 ioas_id, stdev_id, idev_id, hwpt[2], parent, nested;

	if (seq_base(fd, MOCK_FLAGS_DEVICE_PASID, &ioas_id, &stdev_id,
		     &idev_id))
		return -1;
	if (_test_cmd_hwpt_alloc(fd, idev_id, ioas_id, IOMMU_HWPT_ALLOC_PASID,
				 &hwpt[0], IOMMU_HWPT_DATA_NONE, NULL, 0, 0))
		return -1;
	if (_test_cmd_hwpt_alloc(fd, idev_id, ioas_id,
				 IOMMU_HWPT_ALLOC_PASID |
					 IOMMU_HWPT_ALLOC_NEST_PARENT,
				 &parent, IOMMU_HWPT_DATA_NONE, NULL, 0, 0))
		return -1;
	if (_test_cmd_hwpt_alloc_nested(fd, idev_id, parent,
					IOMMU_HWPT_ALLOC_PASID, &nested,
					IOMMU_TEST_IOTLB_DEFAULT))
		return -1;
	if (_test_cmd_pasid_attach(fd, stdev_id, 1, hwpt[0], NULL))
		return -1;
	if (_test_cmd_pasid_attach(fd, stdev_id, 2, ioas_id, &hwpt[1]))
		return -1;
	if (_test_cmd_pasid_attach(fd, stdev_id, 3, nested, NULL))
		return -1;
	if (_test_cmd_pasid_replace(fd, stdev_id, 1, ioas_id, NULL))
		return -1;
	if (_test_cmd_pasid_replace(fd, stdev_id, 3, hwpt[0], NULL))
		return -1;
	if (_test_cmd_mock_domain_replace(fd, stdev_id, hwpt[0], NULL))
		return -1;
	if (_test_cmd_pasid_detach(fd, stdev_id, 2))
		return -1;
	return 0;
}

static int seq_pasid_table(int fd)
{
	__u32 ioas_id, stdev_id, idev_id, parent, table, hwpt;

	if (seq_base(fd, MOCK_FLAGS_DEVICE_PASID, &ioas_id, &stdev_id,
		     &idev_id))
		return -1;
	if (_test_cmd_hwpt_alloc(fd, idev_id, ioas_id,
				 IOMMU_HWPT_ALLOC_PASID |
					 IOMMU_HWPT_ALLOC_NEST_PARENT,
				 &parent, IOMMU_HWPT_DATA_NONE, NULL, 0, 0))
		return -1;
	if (_test_cmd_hwpt_alloc_pasid_table(fd, idev_id, parent, 0, &table,
					     MOCK_PASID_WIDTH, 0x40000000))
		return -1;
	if (_test_cmd_mock_domain_replace(fd, stdev_id, table, NULL))
		return -1;
	if (_test_cmd_mock_domain_replace(fd, stdev_id, ioas_id, &hwpt))
		return -1;
	if (_test_cmd_pasid_attach(fd, stdev_id, 5, hwpt, NULL))
		return -1;
	if (_test_cmd_pasid_detach(fd, stdev_id, 5))
		return -1;
	if (_test_cmd_mock_domain(fd, table, NULL, NULL, NULL))
		return -1;
	return 0;
}

FIXTURE_VARIANT_ADD(nest_fail_nth, nested)
{
	.seq = seq_nested,
};

FIXTURE_VARIANT_ADD(nest_fail_nth, viommu)
{
	.seq = seq_viommu,
};

FIXTURE_VARIANT_ADD(nest_fail_nth, pasid)
{
	.seq = seq_pasid,
};

FIXTURE_VARIANT_ADD(nest_fail_nth, pasid_table)
{
	.seq = seq_pasid_table,
};

/* The sequence itself, without injection, works */
TEST_F(nest_fail_nth, good_path)
{
	ASSERT_EQ(0, variant->seq(self->fd));
}

TEST_F_TIMEOUT(nest_fail_nth, every_point, 300)
{
	unsigned int nth, remaining, fired = 0;
	int fd, check_fd, rc, err;

	for (nth = 1; nth != MAX_NTH; nth++) {
		fd = open(IOFD_DEV, O_RDWR);
		ASSERT_NE(-1, fd);
		ASSERT_EQ(0, _test_cmd_fail_nth(fd, nth, NULL));
		errno = 0;
		rc = variant->seq(fd);
		err = errno;
		ASSERT_EQ(0, _test_cmd_fail_nth(fd, 0, &remaining));
		ASSERT_EQ(0, close(fd));

		/* Everything the run did is undone by the close */
		check_fd = open(IOFD_DEV, O_RDWR);
		ASSERT_NE(-1, check_fd);
		ASSERT_EQ(0, _test_cmd_check_refs(check_fd, buffer,
						  BUFFER_SIZE, 0));
		ASSERT_EQ(0, close(check_fd));

		if (remaining) {
			/* The run ended before the nth point: it must pass */
			ASSERT_EQ(0, rc);
			break;
		}
		fired++;
		if (rc == 0)
			continue;	/* absorbed and retried */
		ASSERT_EQ(ENOMEM, err);
	}
	ASSERT_NE(MAX_NTH, nth);
	TH_LOG("%u injection points exercised", fired);
	ASSERT_LT(3, fired);
}

TEST_HARNESS_MAIN
