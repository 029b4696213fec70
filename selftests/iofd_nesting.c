// SPDX-License-Identifier: GPL-2.0
/*
 * Nested HWPTs: which pt_id, flags and driver data HWPT_ALLOC takes, how a
 * nested HWPT holds its nest parent (or its vIOMMU), attaching devices to
 * it, and HWPT_INVALIDATE of its mock IOTLB with every way an invalidation
 * array can be wrong (seed 004: INVALIDATE is for guest-managed tables
 * only; MAP/UNMAP for kernel-managed ones).
 *
 * Every test runs with the nested HWPTs allocated straight over a nest
 * parent and allocated through a vIOMMU over that parent (pt_id is then
 * the vIOMMU): the data and invalidation rules are the same. A nested HWPT
 * of a vIOMMU translates a device's RID only once the device has a vDEVICE
 * in it (the hardware needs its virtual ID), so the fixture makes one.
 *
 * Driver data (HWPT_ALLOC data, nested invalidation entries) follow
 * upstream's iommu_copy_struct_from_user(): a length below the first
 * version's last field, and also one above what the driver knows, is
 * EINVAL, zero tail or not.
 */
#include "iofd_nest_utils.h"

#define VIRT_ID 0x10

FIXTURE(nesting)
{
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 idev_id;
	/* The device's automatic domain on the IOAS */
	__u32 auto_hwpt_id;
	/* Nest parent over the IOAS */
	__u32 parent_id;
	/* Only with variant->viommu: the vIOMMU and the device's vDEVICE */
	__u32 viommu_id;
	__u32 vdev_id;
	/* What nested HWPTs are allocated from: parent_id or viommu_id */
	__u32 pt_id;
};

FIXTURE_VARIANT(nesting)
{
	/* Allocation flags of the parent besides NEST_PARENT */
	__u32 parent_flags;
	__u32 dev_flags;
	bool viommu;
};

FIXTURE_SETUP(nesting)
{
	self->fd = -1;
	iofd_new_buffers();
	self->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
	/* Pinned memory in the parent, so leaks show in the teardown */
	test_ioctl_ioas_map_fixed(buffer, BUFFER_SIZE, MOCK_APERTURE_START);
	test_cmd_mock_domain_flags(self->ioas_id, variant->dev_flags,
				   &self->stdev_id, &self->auto_hwpt_id,
				   &self->idev_id);
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT | variant->parent_flags,
			    &self->parent_id);
	self->pt_id = self->parent_id;
	if (variant->viommu) {
		test_cmd_viommu_alloc(self->idev_id, self->parent_id,
				      &self->viommu_id);
		self->pt_id = self->viommu_id;
		/* Its nested HWPTs take only devices it has a vDEVICE of */
		test_cmd_vdevice_alloc(self->viommu_id, self->idev_id,
				       VIRT_ID, &self->vdev_id);
	}
}

FIXTURE_TEARDOWN(nesting)
{
	teardown_iommufd(self->fd, _metadata);
}

FIXTURE_VARIANT_ADD(nesting, parent)
{
};

FIXTURE_VARIANT_ADD(nesting, parent_dirty)
{
	.parent_flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
};

FIXTURE_VARIANT_ADD(nesting, viommu)
{
	.viommu = true,
};

FIXTURE_VARIANT_ADD(nesting, viommu_pasid_dev)
{
	.parent_flags = IOMMU_HWPT_ALLOC_PASID,
	.dev_flags = MOCK_FLAGS_DEVICE_PASID,
	.viommu = true,
};

/* The IOTLB of a new nested HWPT holds the value its data gave */
TEST_F(nesting, alloc_iotlb)
{
	__u32 nested[2];

	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id, 0, &nested[0]);
	test_cmd_hwpt_check_iotlb_all(nested[0], IOMMU_TEST_IOTLB_DEFAULT);

	ASSERT_EQ(0, _test_cmd_hwpt_alloc_nested(self->fd, self->idev_id,
						 self->pt_id, 0, &nested[1],
						 0x1234));
	ASSERT_NE(nested[0], nested[1]);
	test_cmd_hwpt_check_iotlb_all(nested[1], 0x1234);
	/* Each has its own IOTLB */
	test_cmd_hwpt_check_iotlb_all(nested[0], IOMMU_TEST_IOTLB_DEFAULT);

	/* The check itself: a wrong value, an index past the end */
	test_err_hwpt_check_iotlb(EINVAL, nested[0], 0, 0x1234);
	test_err_hwpt_check_iotlb(EINVAL, nested[1],
				  MOCK_NESTED_DOMAIN_IOTLB_ID_MAX, 0);
	test_err_hwpt_check_iotlb(EINVAL, nested[0],
				  MOCK_NESTED_DOMAIN_IOTLB_ID_MAX + 1,
				  IOMMU_TEST_IOTLB_DEFAULT);
	/* Only a nested HWPT has one */
	test_err_hwpt_check_iotlb(ENOENT, self->parent_id, 0,
				  IOMMU_TEST_IOTLB_DEFAULT);
	test_err_hwpt_check_iotlb(ENOENT, self->ioas_id, 0,
				  IOMMU_TEST_IOTLB_DEFAULT);
	test_err_hwpt_check_iotlb(ENOENT, 0xfffff, 0, IOMMU_TEST_IOTLB_DEFAULT);
	/* ... and only a paging HWPT has a page table to look into */
	test_err_check_map(ENOENT, nested[0], MOCK_APERTURE_START, PAGE_SIZE,
			   buffer);
	test_cmd_check_map(self->parent_id, MOCK_APERTURE_START, PAGE_SIZE,
			   buffer);

	test_ioctl_destroy(nested[0]);
	test_ioctl_destroy(nested[1]);
	test_err_hwpt_check_iotlb(ENOENT, nested[0], 0,
				  IOMMU_TEST_IOTLB_DEFAULT);
}

/* data_len, data_type and the data itself */
TEST_F(nesting, alloc_data)
{
	struct {
		struct iommu_hwpt_selftest data;
		__u32 extra[3];
	} big = { .data = { .iotlb = 0x77 } };
	size_t min_len = offsetofend(struct iommu_hwpt_selftest, iotlb);
	__u32 id = 0;
	size_t len;

	/* Shorter than the struct's last field */
	for (len = 1; len < min_len; len++)
		test_err_hwpt_alloc_data(EINVAL, self->idev_id, self->pt_id, 0,
					 &id, IOMMU_HWPT_DATA_SELFTEST, &big,
					 len);

	/* Longer than the driver's struct, even with a zero tail */
	test_err_hwpt_alloc_data(EINVAL, self->idev_id, self->pt_id, 0, &id,
				 IOMMU_HWPT_DATA_SELFTEST, &big, sizeof(big));
	test_err_hwpt_alloc_data(EINVAL, self->idev_id, self->pt_id, 0, &id,
				 IOMMU_HWPT_DATA_SELFTEST, &big, min_len + 1);
	big.extra[0] = 1;
	test_err_hwpt_alloc_data(EINVAL, self->idev_id, self->pt_id, 0, &id,
				 IOMMU_HWPT_DATA_SELFTEST, &big, min_len + 1);
	/* The exact size never reads past it */
	test_cmd_hwpt_alloc_data(self->idev_id, self->pt_id, 0, &id,
				 IOMMU_HWPT_DATA_SELFTEST, &big, min_len);
	test_cmd_hwpt_check_iotlb_all(id, 0x77);
	test_ioctl_destroy(id);

	/* A type without data, data without a type */
	test_err_hwpt_alloc_data(EINVAL, self->idev_id, self->pt_id, 0, &id,
				 IOMMU_HWPT_DATA_SELFTEST, &big, 0);
	test_err_hwpt_alloc_data(EINVAL, self->idev_id, self->pt_id, 0, &id,
				 IOMMU_HWPT_DATA_NONE, &big, min_len);
	/* No data at all: a nested HWPT needs some */
	test_err_hwpt_alloc_data(EOPNOTSUPP, self->idev_id, self->pt_id, 0,
				 &id, IOMMU_HWPT_DATA_NONE, NULL, 0);
	/* Types the mock does not know */
	test_err_hwpt_alloc_data(EOPNOTSUPP, self->idev_id, self->pt_id, 0,
				 &id, IOMMU_HWPT_DATA_VTD_S1, &big,
				 sizeof(big.data));
	test_err_hwpt_alloc_data(EOPNOTSUPP, self->idev_id, self->pt_id, 0,
				 &id, 0x12345, &big, sizeof(big.data));
	/* Unreadable data */
	test_err_hwpt_alloc_data(EFAULT, self->idev_id, self->pt_id, 0, &id,
				 IOMMU_HWPT_DATA_SELFTEST, (void *)8,
				 sizeof(big.data));
}

/* A nested HWPT takes IOMMU_HWPT_ALLOC_PASID and no other flag */
TEST_F(nesting, alloc_flags)
{
	struct iommu_hwpt_selftest data = { .iotlb = 0x99 };
	struct iommu_hwpt_alloc raw = {
		.dev_id = self->idev_id,
		.pt_id = self->pt_id,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};
	__u32 id = 0;

	test_err_hwpt_alloc_nested(EOPNOTSUPP, self->idev_id, self->pt_id,
				   IOMMU_HWPT_ALLOC_NEST_PARENT, &id);
	test_err_hwpt_alloc_nested(EOPNOTSUPP, self->idev_id, self->pt_id,
				   IOMMU_HWPT_ALLOC_DIRTY_TRACKING, &id);
	/* Fault queues are not implemented */
	test_err_hwpt_alloc_nested(EOPNOTSUPP, self->idev_id, self->pt_id,
				   IOMMU_HWPT_FAULT_ID_VALID, &id);
	test_err_hwpt_alloc_nested(EOPNOTSUPP, self->idev_id, self->pt_id,
				   IOMMU_HWPT_ALLOC_PASID | (1U << 31), &id);

	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id,
				   IOMMU_HWPT_ALLOC_PASID, &id);
	test_cmd_hwpt_check_iotlb_all(id, IOMMU_TEST_IOTLB_DEFAULT);
	test_ioctl_destroy(id);

	/* The reserved fields */
	raw.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, _test_ioctl_hwpt_alloc_raw(self->fd, &raw));
	raw.__reserved = 0;
	raw.__reserved2 = 0x100;
	EXPECT_ERRNO(EOPNOTSUPP, _test_ioctl_hwpt_alloc_raw(self->fd, &raw));
	raw.__reserved2 = 0;
	/* A fault_id without FAULT_ID_VALID is ignored */
	raw.fault_id = 0xfffff;
	ASSERT_EQ(0, _test_ioctl_hwpt_alloc_raw(self->fd, &raw));
	test_cmd_hwpt_check_iotlb_all(raw.out_hwpt_id, 0x99);
	test_ioctl_destroy(raw.out_hwpt_id);
}

/* What pt_id and dev_id may be */
TEST_F(nesting, alloc_pt_and_dev)
{
	__u32 nested, plain, dirty, id = 0;

	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id, 0, &nested);

	/* No nesting over a nested HWPT */
	test_err_hwpt_alloc_nested(EINVAL, self->idev_id, nested, 0, &id);
	/* Neither a device nor a mock device object is a page table */
	test_err_hwpt_alloc_nested(EINVAL, self->idev_id, self->idev_id, 0,
				   &id);
	test_err_hwpt_alloc_nested(EINVAL, self->idev_id, self->stdev_id, 0,
				   &id);
	test_err_hwpt_alloc_nested(ENOENT, self->idev_id, 0xfffff, 0, &id);
	test_err_hwpt_alloc_nested(ENOENT, self->idev_id, 0, 0, &id);
	/* A paging HWPT that is not a nest parent */
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id, 0, &plain);
	test_err_hwpt_alloc_nested(EINVAL, self->idev_id, plain, 0, &id);
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id,
			    IOMMU_HWPT_ALLOC_DIRTY_TRACKING |
				    IOMMU_HWPT_ALLOC_PASID,
			    &dirty);
	test_err_hwpt_alloc_nested(EINVAL, self->idev_id, dirty, 0, &id);
	test_ioctl_destroy(dirty);
	/* An automatic domain never is one */
	test_err_hwpt_alloc_nested(EINVAL, self->idev_id, self->auto_hwpt_id,
				   0, &id);
	/* An IOAS makes paging HWPTs, which take no driver data */
	test_err_hwpt_alloc_nested(EOPNOTSUPP, self->idev_id, self->ioas_id, 0,
				   &id);

	/* dev_id must be a bound device */
	test_err_hwpt_alloc_nested(ENOENT, self->ioas_id, self->pt_id, 0, &id);
	test_err_hwpt_alloc_nested(ENOENT, self->stdev_id, self->pt_id, 0,
				   &id);
	test_err_hwpt_alloc_nested(ENOENT, nested, self->pt_id, 0, &id);
	test_err_hwpt_alloc_nested(ENOENT, self->parent_id, self->pt_id, 0,
				   &id);
	test_err_hwpt_alloc_nested(ENOENT, 0xfffff, self->pt_id, 0, &id);

	/* None of the failures left a user on the parent */
	test_ioctl_destroy(nested);
	test_ioctl_destroy(plain);
	if (self->viommu_id) {
		test_ioctl_destroy(self->vdev_id);
		test_ioctl_destroy(self->viommu_id);
	}
	test_ioctl_destroy(self->parent_id);
}

/* Paging HWPTs from an IOAS: no driver data, and their own flag rules */
TEST_F(nesting, alloc_paging_rules)
{
	__u32 data = 0, id = 0, nd_stdev, nd_idev;

	test_err_hwpt_alloc_data(EOPNOTSUPP, self->idev_id, self->ioas_id, 0,
				 &id, IOMMU_HWPT_DATA_SELFTEST, &data,
				 sizeof(data));
	test_err_hwpt_alloc_data(EOPNOTSUPP, self->idev_id, self->ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT,
				 &id, IOMMU_HWPT_DATA_VTD_S1, &data,
				 sizeof(data));
	test_err_hwpt_alloc_data(EINVAL, self->idev_id, self->ioas_id, 0, &id,
				 IOMMU_HWPT_DATA_NONE, &data, sizeof(data));
	test_err_hwpt_alloc_data(EINVAL, self->idev_id, self->ioas_id, 0, &id,
				 IOMMU_HWPT_DATA_SELFTEST, &data, 0);
	test_err_hwpt_alloc(EOPNOTSUPP, self->idev_id, self->ioas_id,
			    IOMMU_HWPT_FAULT_ID_VALID, &id);
	test_err_hwpt_alloc(EOPNOTSUPP, self->idev_id, self->ioas_id, 1U << 4,
			    &id);
	test_err_hwpt_alloc(EOPNOTSUPP, self->idev_id, self->ioas_id, 1U << 31,
			    &id);

	/* Every combination of the three paging flags */
	for (data = 0; data != 8; data++) {
		__u32 flags = ((data & 1) ? IOMMU_HWPT_ALLOC_NEST_PARENT : 0) |
			      ((data & 2) ? IOMMU_HWPT_ALLOC_DIRTY_TRACKING :
					    0) |
			      ((data & 4) ? IOMMU_HWPT_ALLOC_PASID : 0);

		test_cmd_hwpt_alloc(self->idev_id, self->ioas_id, flags, &id);
		test_cmd_check_map(id, MOCK_APERTURE_START, BUFFER_SIZE,
				   buffer);
		if (flags & IOMMU_HWPT_ALLOC_NEST_PARENT) {
			__u32 nested;

			test_cmd_hwpt_alloc_nested(self->idev_id, id, 0,
						   &nested);
			test_ioctl_destroy(nested);
		}
		test_ioctl_destroy(id);
	}

	/* A device whose IOMMU cannot track dirty pages */
	test_cmd_mock_domain_flags(self->ioas_id, MOCK_FLAGS_DEVICE_NO_DIRTY,
				   &nd_stdev, NULL, &nd_idev);
	test_err_hwpt_alloc(EOPNOTSUPP, nd_idev, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT |
				    IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			    &id);
	test_cmd_hwpt_alloc(nd_idev, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &id);
	test_ioctl_destroy(id);
	test_ioctl_destroy(nd_stdev);
}

/* A nested HWPT holds its parent (and its vIOMMU) until it goes */
TEST_F(nesting, parent_held)
{
	__u32 nested[2];

	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id, 0, &nested[0]);
	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id, 0, &nested[1]);
	test_err_destroy(EBUSY, self->parent_id);
	test_err_destroy(EBUSY, self->ioas_id);
	if (self->viommu_id)
		test_err_destroy(EBUSY, self->viommu_id);

	test_ioctl_destroy(nested[0]);
	test_err_destroy(ENOENT, nested[0]);
	/* Still held by the other one */
	test_err_destroy(EBUSY, self->parent_id);
	if (self->viommu_id)
		test_err_destroy(EBUSY, self->viommu_id);
	test_cmd_check_map(self->parent_id, MOCK_APERTURE_START, BUFFER_SIZE,
			   buffer);

	test_ioctl_destroy(nested[1]);
	if (self->viommu_id) {
		/* The vIOMMU holds the parent on its own, its vDEVICE it */
		test_err_destroy(EBUSY, self->parent_id);
		test_err_destroy(EBUSY, self->viommu_id);
		test_ioctl_destroy(self->vdev_id);
		test_ioctl_destroy(self->viommu_id);
		test_err_destroy(ENOENT, self->viommu_id);
	}
	test_ioctl_destroy(self->parent_id);
	test_err_destroy(ENOENT, self->parent_id);
	/* The device's automatic domain still holds the IOAS */
	test_err_destroy(EBUSY, self->ioas_id);
	check_refs(buffer, BUFFER_SIZE, 1);
}

/* The mock device moves between paging and nested HWPTs */
TEST_F(nesting, replace)
{
	__u32 nested[2], hwpt_id;

	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id, 0, &nested[0]);
	ASSERT_EQ(0, _test_cmd_mock_domain_replace(self->fd, self->stdev_id,
						   nested[0], &hwpt_id));
	ASSERT_EQ(nested[0], hwpt_id);
	test_cmd_rid_check_hwpt(self->stdev_id, nested[0]);
	/* The automatic domain went with its only device */
	test_err_destroy(ENOENT, self->auto_hwpt_id);
	/* Attached HWPTs and what they hold stay */
	test_err_destroy(EBUSY, nested[0]);
	test_err_destroy(EBUSY, self->parent_id);

	/* To the parent and back; the same one again is fine */
	test_cmd_mock_domain_replace(self->stdev_id, self->parent_id);
	test_cmd_rid_check_hwpt(self->stdev_id, self->parent_id);
	test_cmd_mock_domain_replace(self->stdev_id, nested[0]);
	test_cmd_mock_domain_replace(self->stdev_id, nested[0]);
	test_cmd_rid_check_hwpt(self->stdev_id, nested[0]);

	/* Nested to nested; the first is free again */
	ASSERT_EQ(0, _test_cmd_hwpt_alloc_nested(self->fd, self->idev_id,
						 self->pt_id, 0, &nested[1],
						 0x55));
	test_cmd_mock_domain_replace(self->stdev_id, nested[1]);
	test_cmd_rid_check_hwpt(self->stdev_id, nested[1]);
	test_ioctl_destroy(nested[0]);
	test_cmd_hwpt_check_iotlb_all(nested[1], 0x55);

	/* Not a page table; no such object; a failed replace changes nothing */
	test_err_mock_domain_replace(EINVAL, self->stdev_id, self->idev_id);
	test_err_mock_domain_replace(ENOENT, self->stdev_id, nested[0]);
	if (self->viommu_id)
		test_err_mock_domain_replace(EINVAL, self->stdev_id,
					     self->viommu_id);
	test_cmd_rid_check_hwpt(self->stdev_id, nested[1]);

	/* Through a vIOMMU: a device it has no vDEVICE of stays out */
	if (self->viommu_id) {
		__u32 stdev2, idev2, vdev2;

		test_cmd_mock_domain_flags(self->ioas_id, variant->dev_flags,
					   &stdev2, &hwpt_id, &idev2);
		test_err_mock_domain_replace(ENOENT, stdev2, nested[1]);
		test_cmd_rid_check_hwpt(stdev2, hwpt_id);
		test_err_mock_domain(ENOENT, nested[1]);
		test_cmd_vdevice_alloc(self->viommu_id, idev2, VIRT_ID + 1,
				       &vdev2);
		test_cmd_mock_domain_replace(stdev2, nested[1]);
		test_cmd_rid_check_hwpt(stdev2, nested[1]);
		test_ioctl_destroy(stdev2);
		/* Its vDEVICE went with it */
		test_err_destroy(ENOENT, vdev2);
	}

	/* Back to the IOAS: a new automatic domain */
	ASSERT_EQ(0, _test_cmd_mock_domain_replace(self->fd, self->stdev_id,
						   self->ioas_id, &hwpt_id));
	ASSERT_NE(nested[1], hwpt_id);
	ASSERT_NE(self->parent_id, hwpt_id);
	test_cmd_rid_check_hwpt(self->stdev_id, hwpt_id);
	test_cmd_check_map(hwpt_id, MOCK_APERTURE_START, BUFFER_SIZE, buffer);
	test_ioctl_destroy(nested[1]);
}

/*
 * Devices attached to a nested HWPT from the start (through a vIOMMU they
 * need a vDEVICE first, so they come from the IOAS); detach by destroying
 */
TEST_F(nesting, attach_detach)
{
	__u32 nested, stdev[2], idev[2], vdev[2], hwpt_id;
	unsigned int i;

	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id, 0, &nested);
	for (i = 0; i != 2; i++) {
		if (!self->viommu_id) {
			test_cmd_mock_domain_flags(nested, variant->dev_flags,
						   &stdev[i], &hwpt_id,
						   &idev[i]);
			ASSERT_EQ(nested, hwpt_id);
			continue;
		}
		test_err_mock_domain(ENOENT, nested);
		test_cmd_mock_domain_flags(self->ioas_id, variant->dev_flags,
					   &stdev[i], NULL, &idev[i]);
		test_cmd_vdevice_alloc(self->viommu_id, idev[i],
				       VIRT_ID + 1 + i, &vdev[i]);
		ASSERT_EQ(0, _test_cmd_mock_domain_replace(self->fd, stdev[i],
							   nested, &hwpt_id));
		ASSERT_EQ(nested, hwpt_id);
	}
	test_cmd_rid_check_hwpt(stdev[0], nested);
	test_cmd_rid_check_hwpt(stdev[1], nested);

	test_err_destroy(EBUSY, nested);
	/* A bound device goes with its mock device only */
	test_err_destroy(EBUSY, idev[0]);

	test_ioctl_destroy(stdev[0]);
	test_err_destroy(ENOENT, idev[0]);
	if (self->viommu_id)
		test_err_destroy(ENOENT, vdev[0]);
	test_err_destroy(EBUSY, nested);
	test_ioctl_destroy(stdev[1]);
	/* An explicit nested HWPT outlives its devices, IOTLB intact */
	test_cmd_hwpt_check_iotlb_all(nested, IOMMU_TEST_IOTLB_DEFAULT);
	test_ioctl_destroy(nested);
	if (self->viommu_id) {
		test_err_destroy(ENOENT, vdev[1]);
		test_ioctl_destroy(self->vdev_id);
		test_ioctl_destroy(self->viommu_id);
	}
	test_ioctl_destroy(self->parent_id);
}

/* Invalidations reach the entries they name, and only those */
TEST_F(nesting, invalidate)
{
	struct iommu_hwpt_invalidate_selftest inv[2] = {};
	__u32 nested[3], num;

	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id, 0, &nested[0]);
	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id, 0, &nested[1]);
	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id, 0, &nested[2]);

	/* One entry */
	inv[0].iotlb_id = 1;
	test_cmd_iotlb_inv(nested[0], inv, 1);
	test_cmd_hwpt_check_iotlb(nested[0], 0, IOMMU_TEST_IOTLB_DEFAULT);
	test_cmd_hwpt_check_iotlb(nested[0], 1, 0);
	test_cmd_hwpt_check_iotlb(nested[0], 2, IOMMU_TEST_IOTLB_DEFAULT);
	test_cmd_hwpt_check_iotlb(nested[0], 3, IOMMU_TEST_IOTLB_DEFAULT);

	/* Two at once */
	inv[0].iotlb_id = 3;
	inv[1].iotlb_id = 0;
	test_cmd_iotlb_inv(nested[0], inv, 2);
	test_cmd_hwpt_check_iotlb(nested[0], 0, 0);
	test_cmd_hwpt_check_iotlb(nested[0], 1, 0);
	test_cmd_hwpt_check_iotlb(nested[0], 2, IOMMU_TEST_IOTLB_DEFAULT);
	test_cmd_hwpt_check_iotlb(nested[0], 3, 0);

	/* All entries, not just the one iotlb_id names */
	inv[0].flags = IOMMU_TEST_INVALIDATE_FLAG_ALL;
	inv[0].iotlb_id = 1;
	test_cmd_iotlb_inv(nested[1], inv, 1);
	test_cmd_hwpt_check_iotlb_all(nested[1], 0);
	/* Other nested HWPTs are not touched */
	test_cmd_hwpt_check_iotlb(nested[0], 2, IOMMU_TEST_IOTLB_DEFAULT);
	test_cmd_hwpt_check_iotlb_all(nested[2], IOMMU_TEST_IOTLB_DEFAULT);

	/* No entries: nothing happens, whatever the pointer and length */
	num = 0;
	test_cmd_hwpt_invalidate(nested[2], NULL,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, 0, &num);
	ASSERT_EQ(0, num);
	test_cmd_hwpt_invalidate(nested[2], inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(*inv), &num);
	ASSERT_EQ(0, num);
	test_cmd_hwpt_check_iotlb_all(nested[2], IOMMU_TEST_IOTLB_DEFAULT);

	/* With a device attached to it */
	test_cmd_mock_domain_replace(self->stdev_id, nested[2]);
	inv[0].flags = 0;
	inv[0].iotlb_id = 2;
	test_cmd_iotlb_inv(nested[2], inv, 1);
	test_cmd_hwpt_check_iotlb(nested[2], 2, 0);
	test_cmd_hwpt_check_iotlb(nested[2], 1, IOMMU_TEST_IOTLB_DEFAULT);
	/* The same entry twice is fine */
	inv[1] = inv[0];
	test_cmd_iotlb_inv(nested[2], inv, 2);
	test_cmd_hwpt_check_iotlb(nested[2], 2, 0);
}

/* An array the core refuses before the driver sees it, or a wrong type */
TEST_F(nesting, invalidate_array)
{
	struct iommu_hwpt_invalidate_selftest inv[2] = {};
	struct iommu_hwpt_invalidate raw = {
		.size = sizeof(raw),
		.data_uptr = (uintptr_t)inv,
		.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
		.entry_len = sizeof(*inv),
		.entry_num = 1,
	};
	__u32 nested, num;

	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id, 0, &nested);
	raw.hwpt_id = nested;

	/* __reserved, with entry_num written back as 0 */
	raw.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &raw));
	ASSERT_EQ(0, raw.entry_num);
	raw.__reserved = 0;
	raw.entry_num = 1;
	ASSERT_EQ(0, ioctl(self->fd, IOMMU_HWPT_INVALIDATE, &raw));
	ASSERT_EQ(1, raw.entry_num);
	test_cmd_hwpt_check_iotlb(nested, 0, 0);

	/* Entries but no array, or entries of no size */
	num = 1;
	test_err_hwpt_invalidate(EINVAL, nested, NULL,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(*inv), &num);
	ASSERT_EQ(0, num);
	num = 1;
	test_err_hwpt_invalidate(EINVAL, nested, inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, 0, &num);
	ASSERT_EQ(0, num);

	/* A data type the HWPT does not take; with no entries too */
	inv[0].iotlb_id = 1;
	num = 0;
	test_err_hwpt_invalidate(EINVAL, nested, inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID,
				 sizeof(*inv), &num);
	ASSERT_EQ(0, num);
	num = 2;
	test_err_hwpt_invalidate(EINVAL, nested, inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID,
				 sizeof(*inv), &num);
	ASSERT_EQ(0, num);
	num = 1;
	test_err_hwpt_invalidate(EINVAL, nested, inv,
				 IOMMU_HWPT_INVALIDATE_DATA_VTD_S1,
				 sizeof(*inv), &num);
	ASSERT_EQ(0, num);
	test_cmd_hwpt_check_iotlb(nested, 1, IOMMU_TEST_IOTLB_DEFAULT);

	/* An array the kernel cannot read */
	num = 1;
	test_err_hwpt_invalidate(EFAULT, nested, (void *)8,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(*inv), &num);
	ASSERT_EQ(0, num);
	test_cmd_hwpt_check_iotlb(nested, 1, IOMMU_TEST_IOTLB_DEFAULT);

	/*
	 * An array that runs into an unreadable page: the entries before it
	 * are done and counted, however many entry_num claimed.
	 */
	{
		struct iommu_hwpt_invalidate_selftest *tail;
		uint8_t *pages;

		pages = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, pages);
		ASSERT_EQ(0, mprotect(pages + PAGE_SIZE, PAGE_SIZE, PROT_NONE));
		tail = (void *)(pages + PAGE_SIZE - 2 * sizeof(*tail));
		tail[0].flags = 0;
		tail[0].iotlb_id = 2;
		tail[1].flags = 0;
		tail[1].iotlb_id = 3;
		num = 1000;
		test_err_hwpt_invalidate(EFAULT, nested, tail,
					 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
					 sizeof(*tail), &num);
		ASSERT_EQ(2, num);
		test_cmd_hwpt_check_iotlb(nested, 1, IOMMU_TEST_IOTLB_DEFAULT);
		test_cmd_hwpt_check_iotlb(nested, 2, 0);
		test_cmd_hwpt_check_iotlb(nested, 3, 0);
		munmap(pages, 2 * PAGE_SIZE);
	}
}

/*
 * A bad entry at every position: the entries before it took effect,
 * entry_num says where it stopped, the rest were not looked at.
 */
TEST_F(nesting, invalidate_bad_entry)
{
	struct iommu_hwpt_invalidate_selftest inv[MOCK_NESTED_DOMAIN_IOTLB_NUM];
	static const struct {
		int err;
		__u32 flags;
		__u32 iotlb_id;
	} bad_kinds[] = {
		{ EINVAL, 0, MOCK_NESTED_DOMAIN_IOTLB_ID_MAX + 1 },
		{ EINVAL, 0, 0xffffffff },
		{ EOPNOTSUPP, 1U << 1, 0 },
		{ EOPNOTSUPP, 0xffffffff, 0 },
	};
	unsigned int bad, kind, i;
	__u32 nested, num;

	for (kind = 0; kind != ARRAY_SIZE(bad_kinds); kind++) {
		for (bad = 0; bad != MOCK_NESTED_DOMAIN_IOTLB_NUM; bad++) {
			test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id,
						   0, &nested);
			for (i = 0; i != MOCK_NESTED_DOMAIN_IOTLB_NUM; i++) {
				inv[i].flags = 0;
				inv[i].iotlb_id = i;
			}
			inv[bad].flags = bad_kinds[kind].flags;
			inv[bad].iotlb_id = bad_kinds[kind].iotlb_id;

			num = MOCK_NESTED_DOMAIN_IOTLB_NUM;
			test_err_hwpt_invalidate(bad_kinds[kind].err, nested,
					inv, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
					sizeof(*inv), &num);
			ASSERT_EQ(bad, num);
			for (i = 0; i != MOCK_NESTED_DOMAIN_IOTLB_NUM; i++)
				test_cmd_hwpt_check_iotlb(nested, i,
						i < bad ? 0 :
						IOMMU_TEST_IOTLB_DEFAULT);
			test_ioctl_destroy(nested);
		}
	}
}

/* entry_len: the stride of the array and the size of each entry */
TEST_F(nesting, invalidate_entry_len)
{
	struct {
		struct iommu_hwpt_invalidate_selftest inv;
		__u32 pad[3];
	} big[2] = {};
	size_t min_len = offsetofend(struct iommu_hwpt_invalidate_selftest,
				     iotlb_id);
	__u32 nested, num;

	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id, 0, &nested);

	/* Shorter than the last field */
	num = 1;
	test_err_hwpt_invalidate(EINVAL, nested, big,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 min_len - 1, &num);
	ASSERT_EQ(0, num);
	num = 2;
	test_err_hwpt_invalidate(EINVAL, nested, big,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, 1, &num);
	ASSERT_EQ(0, num);
	test_cmd_hwpt_check_iotlb_all(nested, IOMMU_TEST_IOTLB_DEFAULT);

	/* Longer than the driver's entry, with a zero tail or not */
	big[0].inv.iotlb_id = 1;
	big[1].inv.iotlb_id = 3;
	num = 2;
	test_err_hwpt_invalidate(EINVAL, nested, big,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(big[0]), &num);
	ASSERT_EQ(0, num);
	num = 1;
	test_err_hwpt_invalidate(EINVAL, nested, big,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 min_len + 1, &num);
	ASSERT_EQ(0, num);
	big[0].pad[0] = 0x80;
	num = 1;
	test_err_hwpt_invalidate(EINVAL, nested, big,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(big[0]), &num);
	ASSERT_EQ(0, num);
	test_cmd_hwpt_check_iotlb_all(nested, IOMMU_TEST_IOTLB_DEFAULT);

	/* The exact size never reads past the entry */
	num = 1;
	test_cmd_hwpt_invalidate(nested, big,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST, min_len,
				 &num);
	ASSERT_EQ(1, num);
	test_cmd_hwpt_check_iotlb(nested, 0, IOMMU_TEST_IOTLB_DEFAULT);
	test_cmd_hwpt_check_iotlb(nested, 1, 0);
	test_cmd_hwpt_check_iotlb(nested, 2, IOMMU_TEST_IOTLB_DEFAULT);
}

/* HWPT_INVALIDATE on objects that are not guest-managed tables */
TEST_F(nesting, invalidate_wrong_object)
{
	struct iommu_hwpt_invalidate_selftest inv = { .iotlb_id = 0 };
	__u32 targets[] = {
		self->parent_id, self->auto_hwpt_id, self->ioas_id,
		self->idev_id, self->stdev_id,
	};
	__u32 nested, num;
	unsigned int i;

	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id, 0, &nested);
	for (i = 0; i != ARRAY_SIZE(targets); i++) {
		num = 1;
		test_err_hwpt_invalidate(EINVAL, targets[i], &inv,
					 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
					 sizeof(inv), &num);
		ASSERT_EQ(0, num);
		num = 0;
		test_err_hwpt_invalidate(EINVAL, targets[i], &inv,
					 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
					 sizeof(inv), &num);
	}
	num = 1;
	test_err_hwpt_invalidate(ENOENT, 0xfffff, &inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(inv), &num);
	ASSERT_EQ(0, num);
	num = 1;
	test_err_hwpt_invalidate(ENOENT, 0, &inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(inv), &num);
	ASSERT_EQ(0, num);
	/* The nested HWPT saw none of it */
	test_cmd_hwpt_check_iotlb_all(nested, IOMMU_TEST_IOTLB_DEFAULT);
	test_ioctl_destroy(nested);
	num = 1;
	test_err_hwpt_invalidate(ENOENT, nested, &inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(inv), &num);

	/* And the kernel-managed tables still map/unmap as before */
	test_ioctl_ioas_unmap(MOCK_APERTURE_START, BUFFER_SIZE);
	test_err_check_map(EINVAL, self->parent_id, MOCK_APERTURE_START,
			   PAGE_SIZE, buffer);
	check_refs(buffer, BUFFER_SIZE, 0);
}

/*
 * Seed 004: each kind of object allows its own operations. MAP, UNMAP,
 * COPY and the other IOAS operations take only an IOAS (kernel-managed
 * tables); a nested HWPT, its parent, a vIOMMU, a vDEVICE or a device
 * given to them is "no such IOAS".
 */
TEST_F(nesting, ops_by_kind)
{
	struct iommu_iova_range range = {
		.start = MOCK_APERTURE_START,
		.last = MOCK_APERTURE_LAST,
	};
	__u32 nested, num = 1, ids[6], n = 0, i;
	__u64 iova, align;
	int access_fd;

	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id, 0, &nested);
	ids[n++] = nested;
	ids[n++] = self->parent_id;
	ids[n++] = self->idev_id;
	ids[n++] = self->stdev_id;
	if (self->viommu_id) {
		ids[n++] = self->viommu_id;
		ids[n++] = self->vdev_id;
	}
	for (i = 0; i != n; i++) {
		iova = MOCK_APERTURE_START + BUFFER_SIZE;
		EXPECT_ERRNO(ENOENT, _test_ioctl_ioas_map(self->fd, ids[i],
							  buffer, PAGE_SIZE,
							  &iova, MAP_RW));
		EXPECT_ERRNO(ENOENT, _test_ioctl_ioas_map_file(self->fd, ids[i],
							       mfd, 0,
							       PAGE_SIZE,
							       &iova, MAP_RW));
		EXPECT_ERRNO(ENOENT, _test_ioctl_ioas_unmap(self->fd, ids[i],
							    MOCK_APERTURE_START,
							    BUFFER_SIZE, NULL));
		EXPECT_ERRNO(ENOENT, _test_ioctl_ioas_copy(self->fd, ids[i],
							   self->ioas_id,
							   MOCK_APERTURE_START,
							   PAGE_SIZE, &iova,
							   MAP_RW));
		EXPECT_ERRNO(ENOENT, _test_ioctl_ioas_copy(self->fd,
							   self->ioas_id,
							   ids[i],
							   MOCK_APERTURE_START,
							   PAGE_SIZE, &iova,
							   MAP_RW));
		num = 1;
		EXPECT_ERRNO(ENOENT, _test_ioctl_iova_ranges(self->fd, ids[i],
							     &range, &num,
							     &align));
		EXPECT_ERRNO(ENOENT, _test_ioctl_allow_iovas(self->fd, ids[i],
							     &range, 1));
		EXPECT_ERRNO(ENOENT, _test_ioctl_set_huge_pages(self->fd,
								ids[i], 0));
		EXPECT_ERRNO(ENOENT, _test_cmd_add_reserved(self->fd, ids[i],
							    0, PAGE_SIZE));
		EXPECT_ERRNO(ENOENT, _test_cmd_create_access(self->fd, ids[i],
							     &access_fd, 0));
	}
	/* The IOAS and both tables are as they were */
	test_cmd_check_map(self->parent_id, MOCK_APERTURE_START, BUFFER_SIZE,
			   buffer);
	test_cmd_hwpt_check_iotlb_all(nested, IOMMU_TEST_IOTLB_DEFAULT);
	check_refs(buffer, BUFFER_SIZE, 1);
	check_refs(mfd_buffer, BUFFER_SIZE, 0);
	test_ioctl_destroy(nested);
}

/* Closing the file with everything alive and attached releases all */
TEST_F(nesting, close_alive)
{
	__u32 nested[2], stdev, plain;

	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id,
				   IOMMU_HWPT_ALLOC_PASID, &nested[0]);
	test_cmd_hwpt_alloc_nested(self->idev_id, self->pt_id, 0, &nested[1]);
	test_cmd_mock_domain_replace(self->stdev_id, nested[0]);
	if (self->viommu_id) {
		__u32 idev, vdev;

		test_cmd_mock_domain_flags(self->ioas_id, variant->dev_flags,
					   &stdev, NULL, &idev);
		test_cmd_vdevice_alloc(self->viommu_id, idev, VIRT_ID + 1,
				       &vdev);
		test_cmd_mock_domain_replace(stdev, nested[1]);
	} else {
		test_cmd_mock_domain_flags(nested[1], variant->dev_flags,
					   &stdev, NULL, NULL);
	}
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &plain);
	test_ioctl_ioas_map_fixed(mfd_buffer, PAGE_SIZE,
				  MOCK_APERTURE_START + BUFFER_SIZE);
	check_refs(buffer, BUFFER_SIZE, 1);
	check_refs(mfd_buffer, PAGE_SIZE, 1);
	/* teardown_iommufd() checks that closing unpinned everything */
}

TEST_HARNESS_MAIN
