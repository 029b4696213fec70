// SPDX-License-Identifier: GPL-2.0
/*
 * vIOMMU and vDEVICE objects (seed 002): VIOMMU_ALLOC and its driver data,
 * the nest parent a vIOMMU holds and the VMID it owns (one per vIOMMU, so
 * one parent can serve several), VDEVICE_ALLOC and the rules that keep
 * virtual IDs unique, the order objects must be destroyed in, vDEVICEs
 * vanishing with their device, and HWPT_INVALIDATE sent to a vIOMMU, which
 * the mock turns into device cache invalidations through the vDEVICEs.
 *
 * The vIOMMU's own data is read as upstream's iommu_copy_struct_from_user()
 * reads driver data (longer than the driver's struct is EINVAL); its
 * invalidation entries as iommu_copy_struct_from_full_user_array() does (a
 * zero tail is fine, a non-zero one E2BIG).
 */
#include "iofd_nest_utils.h"

#define VIRT_ID_0 0x99
#define VIRT_ID_1 0x1234567

FIXTURE(viommu)
{
	int fd;
	__u32 ioas_id;
	/* Two mock devices on the IOAS */
	__u32 stdev_id[2];
	__u32 idev_id[2];
	__u32 parent_id;
	__u32 viommu_id;
};

FIXTURE_VARIANT(viommu)
{
	__u32 parent_flags;
	__u32 dev_flags;
	/* Allocate the fixture's vIOMMU with struct iommu_viommu_selftest */
	bool with_data;
};

FIXTURE_SETUP(viommu)
{
	struct iommu_viommu_selftest data = { .in_data = 0xbeef };
	unsigned int i;

	self->fd = -1;
	iofd_new_buffers();
	self->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
	test_ioctl_ioas_map_fixed(buffer, BUFFER_SIZE, MOCK_APERTURE_START);
	for (i = 0; i != 2; i++)
		test_cmd_mock_domain_flags(self->ioas_id, variant->dev_flags,
					   &self->stdev_id[i], NULL,
					   &self->idev_id[i]);
	test_cmd_hwpt_alloc(self->idev_id[0], self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT | variant->parent_flags,
			    &self->parent_id);
	if (variant->with_data) {
		ASSERT_EQ(0, _test_cmd_viommu_alloc(self->fd, self->idev_id[0],
						    self->parent_id,
						    IOMMU_VIOMMU_TYPE_SELFTEST,
						    0, &data, sizeof(data),
						    &self->viommu_id));
		ASSERT_EQ(0xbeef, data.out_data);
	} else {
		test_cmd_viommu_alloc(self->idev_id[0], self->parent_id,
				      &self->viommu_id);
	}
}

FIXTURE_TEARDOWN(viommu)
{
	teardown_iommufd(self->fd, _metadata);
}

FIXTURE_VARIANT_ADD(viommu, plain)
{
};

FIXTURE_VARIANT_ADD(viommu, dirty_parent)
{
	.parent_flags = IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
};

FIXTURE_VARIANT_ADD(viommu, pasid_devs)
{
	.parent_flags = IOMMU_HWPT_ALLOC_PASID,
	.dev_flags = MOCK_FLAGS_DEVICE_PASID,
};

FIXTURE_VARIANT_ADD(viommu, with_data)
{
	.with_data = true,
};

/* Every way VIOMMU_ALLOC refuses, and that none of them left anything */
TEST_F(viommu, alloc_errors)
{
	struct iommu_viommu_selftest data = {};
	struct iommu_viommu_alloc raw = {
		.size = sizeof(raw),
		.type = IOMMU_VIOMMU_TYPE_SELFTEST,
		.dev_id = self->idev_id[0],
		.hwpt_id = self->parent_id,
	};
	__u32 plain, nested, stdev, auto_hwpt, id = 0;

	/* Types: the reserved DEFAULT, another vendor's, unknown */
	test_err_viommu_alloc(EOPNOTSUPP, self->idev_id[0], self->parent_id,
			      IOMMU_VIOMMU_TYPE_DEFAULT, &id);
	test_err_viommu_alloc(EOPNOTSUPP, self->idev_id[0], self->parent_id,
			      IOMMU_VIOMMU_TYPE_ARM_SMMUV3, &id);
	test_err_viommu_alloc(EOPNOTSUPP, self->idev_id[0], self->parent_id,
			      0x12345, &id);
	/* Flags and __reserved */
	raw.flags = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &raw));
	raw.flags = 1U << 31;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &raw));
	raw.flags = 0;
	raw.__reserved = 1;
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &raw));
	raw.__reserved = 0;
	/* data_len and data_uptr go together */
	raw.data_len = sizeof(data);
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &raw));
	raw.data_len = 0;
	raw.data_uptr = (uintptr_t)&data;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_VIOMMU_ALLOC, &raw));
	raw.data_uptr = 0;

	/* hwpt_id must be a paging HWPT ... */
	test_err_viommu_alloc(ENOENT, self->idev_id[0], 0,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &id);
	test_err_viommu_alloc(ENOENT, self->idev_id[0], 0xfffff,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &id);
	test_err_viommu_alloc(ENOENT, self->idev_id[0], self->ioas_id,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &id);
	test_err_viommu_alloc(ENOENT, self->idev_id[0], self->idev_id[1],
			      IOMMU_VIOMMU_TYPE_SELFTEST, &id);
	test_err_viommu_alloc(ENOENT, self->idev_id[0], self->viommu_id,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &id);
	test_cmd_hwpt_alloc_nested(self->idev_id[0], self->parent_id, 0,
				   &nested);
	test_err_viommu_alloc(ENOENT, self->idev_id[0], nested,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &id);
	/* ... made as a nest parent */
	test_cmd_hwpt_alloc(self->idev_id[0], self->ioas_id,
			    variant->parent_flags, &plain);
	test_err_viommu_alloc(EINVAL, self->idev_id[0], plain,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &id);
	test_cmd_hwpt_alloc(self->idev_id[0], self->ioas_id,
			    IOMMU_HWPT_ALLOC_PASID |
				    IOMMU_HWPT_ALLOC_DIRTY_TRACKING,
			    &id);
	test_err_viommu_alloc(EINVAL, self->idev_id[0], id,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &plain);
	test_ioctl_destroy(id);
	/* An automatic domain is never a nest parent */
	test_cmd_mock_domain(self->ioas_id, &stdev, &auto_hwpt, NULL);
	test_err_viommu_alloc(EINVAL, self->idev_id[0], auto_hwpt,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &id);
	test_ioctl_destroy(stdev);
	/* dev_id must be a bound device */
	test_err_viommu_alloc(ENOENT, 0xfffff, self->parent_id,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &id);
	test_err_viommu_alloc(ENOENT, self->ioas_id, self->parent_id,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &id);
	test_err_viommu_alloc(ENOENT, self->stdev_id[0], self->parent_id,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &id);
	test_err_viommu_alloc(ENOENT, self->parent_id, self->parent_id,
			      IOMMU_VIOMMU_TYPE_SELFTEST, &id);

	/* The parent gained no users: it goes once what it really has go */
	test_ioctl_destroy(nested);
	test_ioctl_destroy(plain);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 0);
	test_ioctl_destroy(self->viommu_id);
	test_ioctl_destroy(self->parent_id);
}

/* struct iommu_viommu_selftest travels in and out */
TEST_F(viommu, alloc_data)
{
	struct {
		struct iommu_viommu_selftest data;
		__u64 extra[2];
	} big = { .data = { .in_data = 0x5a5a, .out_data = 0 } };
	struct iommu_viommu_selftest data = { .in_data = 0x1111 };
	__u32 id[3];

	ASSERT_EQ(0, _test_cmd_viommu_alloc(self->fd, self->idev_id[1],
					    self->parent_id,
					    IOMMU_VIOMMU_TYPE_SELFTEST, 0,
					    &data, sizeof(data), &id[0]));
	ASSERT_EQ(0x1111, data.out_data);

	/* Up to out_data is the first version: shorter is refused */
	EXPECT_ERRNO(EINVAL, _test_cmd_viommu_alloc(self->fd, self->idev_id[1],
						    self->parent_id,
						    IOMMU_VIOMMU_TYPE_SELFTEST,
						    0, &big,
						    offsetofend(typeof(data),
								out_data) - 1,
						    &id[2]));
	ASSERT_EQ(0, big.data.out_data);
	/* ... that much is enough, and only that much is written back */
	big.data.out_mmap_offset = 0x77;
	ASSERT_EQ(0, _test_cmd_viommu_alloc(self->fd, self->idev_id[1],
					    self->parent_id,
					    IOMMU_VIOMMU_TYPE_SELFTEST, 0,
					    &big,
					    offsetofend(typeof(data), out_data),
					    &id[1]));
	ASSERT_EQ(0x5a5a, big.data.out_data);
	ASSERT_EQ(0x77, big.data.out_mmap_offset);

	/* Longer than the driver's struct, zero tail or not */
	big.data.out_data = 0;
	big.data.out_mmap_offset = 0;
	EXPECT_ERRNO(EINVAL, _test_cmd_viommu_alloc(self->fd, self->idev_id[1],
						    self->parent_id,
						    IOMMU_VIOMMU_TYPE_SELFTEST,
						    0, &big, sizeof(big),
						    &id[2]));
	big.extra[1] = 1ULL << 63;
	EXPECT_ERRNO(EINVAL, _test_cmd_viommu_alloc(self->fd, self->idev_id[1],
						    self->parent_id,
						    IOMMU_VIOMMU_TYPE_SELFTEST,
						    0, &big, sizeof(big),
						    &id[2]));
	/* Nothing was written back by the failures */
	ASSERT_EQ(0, big.data.out_data);
	/* An unreadable buffer */
	EXPECT_ERRNO(EFAULT, _test_cmd_viommu_alloc(self->fd, self->idev_id[1],
						    self->parent_id,
						    IOMMU_VIOMMU_TYPE_SELFTEST,
						    0, (void *)8,
						    sizeof(data), &id[2]));

	test_cmd_viommu_check(id[0], self->parent_id, 0);
	test_cmd_viommu_check(id[1], self->parent_id, 0);
	test_ioctl_destroy(id[0]);
	test_ioctl_destroy(id[1]);
	test_ioctl_destroy(self->viommu_id);
	/* The failed ones held nothing */
	test_ioctl_destroy(self->parent_id);
}

/* A vIOMMU holds its nest parent; IOFD_VIOMMU_INFO describes it */
TEST_F(viommu, parent_held)
{
	struct iofd_viommu_info info;

	test_cmd_viommu_info(self->viommu_id, &info);
	ASSERT_NE(0, info.vmid);
	ASSERT_EQ(self->parent_id, info.parent_id);
	ASSERT_EQ(0, info.nr_vdevs);

	test_err_destroy(EBUSY, self->parent_id);
	test_err_destroy(EBUSY, self->ioas_id);
	/* The parent is still a working paging HWPT */
	test_cmd_check_map(self->parent_id, MOCK_APERTURE_START, BUFFER_SIZE,
			   buffer);
	test_cmd_mock_domain_replace(self->stdev_id[0], self->parent_id);
	test_cmd_rid_check_hwpt(self->stdev_id[0], self->parent_id);
	/* A vIOMMU is not a page table to attach to */
	test_err_mock_domain_replace(EINVAL, self->stdev_id[0],
				     self->viommu_id);
	test_cmd_rid_check_hwpt(self->stdev_id[0], self->parent_id);

	/* Only vIOMMUs have an info */
	test_err_viommu_info(ENOENT, self->parent_id);
	test_err_viommu_info(ENOENT, self->ioas_id);
	test_err_viommu_info(ENOENT, self->idev_id[0]);
	test_err_viommu_info(ENOENT, 0xfffff);

	test_ioctl_destroy(self->viommu_id);
	test_err_destroy(ENOENT, self->viommu_id);
	test_err_viommu_info(ENOENT, self->viommu_id);
	/* Still attached to the device */
	test_err_destroy(EBUSY, self->parent_id);
	test_cmd_mock_domain_replace(self->stdev_id[0], self->ioas_id);
	test_ioctl_destroy(self->parent_id);
}

/* One parent, several vIOMMUs, each with a VMID of its own */
TEST_F(viommu, vmid_unique)
{
	struct iofd_viommu_info info[4];
	__u32 id[4], parent2;
	unsigned int i, j;

	test_cmd_viommu_info(self->viommu_id, &info[0]);
	id[0] = self->viommu_id;
	test_cmd_viommu_alloc(self->idev_id[1], self->parent_id, &id[1]);
	test_cmd_viommu_alloc(self->idev_id[0], self->parent_id, &id[2]);
	test_cmd_hwpt_alloc(self->idev_id[1], self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &parent2);
	test_cmd_viommu_alloc(self->idev_id[1], parent2, &id[3]);
	for (i = 0; i != 4; i++) {
		test_cmd_viommu_info(id[i], &info[i]);
		ASSERT_NE(0, info[i].vmid);
		ASSERT_EQ(i == 3 ? parent2 : self->parent_id,
			  info[i].parent_id);
		for (j = 0; j != i; j++) {
			ASSERT_NE(id[j], id[i]);
			ASSERT_NE(info[j].vmid, info[i].vmid);
		}
	}

	/* A VMID is the vIOMMU's: destroying one frees only its own */
	test_ioctl_destroy(id[1]);
	test_cmd_viommu_alloc(self->idev_id[1], self->parent_id, &id[1]);
	test_cmd_viommu_info(id[1], &info[1]);
	for (j = 0; j != 4; j++) {
		if (j != 1)
			ASSERT_NE(info[j].vmid, info[1].vmid);
	}
	/* ... and each one holds the parent */
	for (i = 0; i != 3; i++) {
		test_err_destroy(EBUSY, self->parent_id);
		test_ioctl_destroy(id[i]);
	}
	test_ioctl_destroy(self->parent_id);
	test_err_destroy(EBUSY, parent2);
	test_ioctl_destroy(id[3]);
	test_ioctl_destroy(parent2);
}

/* VDEVICE_ALLOC arguments */
TEST_F(viommu, vdevice_alloc_errors)
{
	__u32 vdev_id, viommu2;

	/* Missing or wrong-type IDs */
	test_err_vdevice_alloc(ENOENT, 0xfffff, self->idev_id[0], VIRT_ID_0);
	test_err_vdevice_alloc(ENOENT, 0, self->idev_id[0], VIRT_ID_0);
	test_err_vdevice_alloc(ENOENT, self->parent_id, self->idev_id[0],
			       VIRT_ID_0);
	test_err_vdevice_alloc(ENOENT, self->ioas_id, self->idev_id[0],
			       VIRT_ID_0);
	test_err_vdevice_alloc(ENOENT, self->viommu_id, 0xfffff, VIRT_ID_0);
	test_err_vdevice_alloc(ENOENT, self->viommu_id, self->stdev_id[0],
			       VIRT_ID_0);
	test_err_vdevice_alloc(ENOENT, self->viommu_id, self->ioas_id,
			       VIRT_ID_0);
	test_err_vdevice_alloc(ENOENT, self->viommu_id, self->viommu_id,
			       VIRT_ID_0);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 0);

	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[0], VIRT_ID_0,
			       &vdev_id);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 1);
	/* The virtual ID is taken in this vIOMMU */
	test_err_vdevice_alloc(EEXIST, self->viommu_id, self->idev_id[1],
			       VIRT_ID_0);
	/* The device already has a vDEVICE, with any virtual ID */
	test_err_vdevice_alloc(EEXIST, self->viommu_id, self->idev_id[0],
			       VIRT_ID_0);
	test_err_vdevice_alloc(EEXIST, self->viommu_id, self->idev_id[0],
			       VIRT_ID_1);
	/* ... in any vIOMMU */
	test_cmd_viommu_alloc(self->idev_id[1], self->parent_id, &viommu2);
	test_err_vdevice_alloc(EEXIST, viommu2, self->idev_id[0], VIRT_ID_1);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 1);
	test_cmd_viommu_check(viommu2, self->parent_id, 0);

	/* A vDEVICE is not a device */
	test_err_vdevice_alloc(ENOENT, viommu2, vdev_id, VIRT_ID_1);
	test_ioctl_destroy(viommu2);
	test_ioctl_destroy(vdev_id);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 0);
}

/*
 * Virtual IDs are 64 bits wide; invalidations name them with 32. A
 * vDEVICE above 4G is not found by its low bits.
 */
TEST_F(viommu, vdevice_wide_virt_id)
{
	struct iommu_viommu_invalidate_selftest inv = {
		.vdev_id = VIRT_ID_0,
		.cache_id = 1,
	};
	__u32 vdev[2], num;

	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[0],
			       (1ULL << 32) | VIRT_ID_0, &vdev[0]);
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[1], ~0ULL,
			       &vdev[1]);
	test_err_vdevice_alloc(EEXIST, self->viommu_id, self->idev_id[1],
			       (1ULL << 32) | VIRT_ID_0);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 2);

	num = 1;
	test_err_hwpt_invalidate(EINVAL, self->viommu_id, &inv,
				 IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
				 sizeof(inv), &num);
	ASSERT_EQ(0, num);
	inv.vdev_id = 0xffffffff;
	num = 1;
	test_err_hwpt_invalidate(EINVAL, self->viommu_id, &inv,
				 IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
				 sizeof(inv), &num);
	ASSERT_EQ(0, num);
	test_cmd_dev_check_cache_all(self->idev_id[0],
				     IOMMU_TEST_DEV_CACHE_DEFAULT);
	test_cmd_dev_check_cache_all(self->idev_id[1],
				     IOMMU_TEST_DEV_CACHE_DEFAULT);

	/* A low ID next to them works */
	test_ioctl_destroy(vdev[0]);
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[0], VIRT_ID_0,
			       &vdev[0]);
	inv.vdev_id = VIRT_ID_0;
	test_cmd_viommu_inv(self->viommu_id, &inv, 1);
	test_cmd_dev_check_cache(self->idev_id[0], 1, 0);
	test_cmd_dev_check_cache_all(self->idev_id[1],
				     IOMMU_TEST_DEV_CACHE_DEFAULT);
}

/* vDEVICEs hold their vIOMMU; destroy leaf first */
TEST_F(viommu, vdevice_lifetime)
{
	__u32 vdev[2];

	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[0], VIRT_ID_0,
			       &vdev[0]);
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[1], VIRT_ID_1,
			       &vdev[1]);
	ASSERT_NE(vdev[0], vdev[1]);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 2);

	test_err_destroy(EBUSY, self->viommu_id);
	test_err_destroy(EBUSY, self->parent_id);
	test_ioctl_destroy(vdev[0]);
	test_err_destroy(ENOENT, vdev[0]);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 1);
	test_err_destroy(EBUSY, self->viommu_id);

	/* The freed virtual ID and device can be used again */
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[0], VIRT_ID_0,
			       &vdev[0]);
	test_ioctl_destroy(vdev[0]);
	/* The device may take another virtual ID now */
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[0], 0,
			       &vdev[0]);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 2);

	test_ioctl_destroy(vdev[1]);
	test_ioctl_destroy(vdev[0]);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 0);
	test_ioctl_destroy(self->viommu_id);
	test_ioctl_destroy(self->parent_id);
}

/* A vDEVICE does not keep its device: unbinding removes it */
TEST_F(viommu, vdevice_device_gone)
{
	__u32 vdev[2], stdev, idev;

	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[0], VIRT_ID_0,
			       &vdev[0]);
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[1], VIRT_ID_1,
			       &vdev[1]);
	/* The bound device still goes with its mock device only */
	test_err_destroy(EBUSY, self->idev_id[0]);

	test_ioctl_destroy(self->stdev_id[0]);
	test_err_destroy(ENOENT, vdev[0]);
	test_err_destroy(ENOENT, self->idev_id[0]);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 1);
	test_err_destroy(EBUSY, self->viommu_id);

	/* Its virtual ID is free again, for a new device */
	test_cmd_mock_domain_flags(self->ioas_id, variant->dev_flags, &stdev,
				   NULL, &idev);
	test_cmd_vdevice_alloc(self->viommu_id, idev, VIRT_ID_0, &vdev[0]);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 2);

	test_ioctl_destroy(stdev);
	test_ioctl_destroy(self->stdev_id[1]);
	test_err_destroy(ENOENT, vdev[0]);
	test_err_destroy(ENOENT, vdev[1]);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 0);
	test_ioctl_destroy(self->viommu_id);
	test_ioctl_destroy(self->parent_id);
}

/* The same virtual ID in two vIOMMUs names two devices */
TEST_F(viommu, vdevice_two_viommus)
{
	struct iommu_viommu_invalidate_selftest inv = {
		.vdev_id = VIRT_ID_0,
		.cache_id = 2,
	};
	__u32 viommu2, vdev[2];

	test_cmd_viommu_alloc(self->idev_id[1], self->parent_id, &viommu2);
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[0], VIRT_ID_0,
			       &vdev[0]);
	test_cmd_vdevice_alloc(viommu2, self->idev_id[1], VIRT_ID_0, &vdev[1]);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 1);
	test_cmd_viommu_check(viommu2, self->parent_id, 1);

	/* Each vIOMMU resolves VIRT_ID_0 to its own device */
	test_cmd_viommu_inv(viommu2, &inv, 1);
	test_cmd_dev_check_cache(self->idev_id[1], 2, 0);
	test_cmd_dev_check_cache_all(self->idev_id[0],
				     IOMMU_TEST_DEV_CACHE_DEFAULT);
	inv.cache_id = 1;
	test_cmd_viommu_inv(self->viommu_id, &inv, 1);
	test_cmd_dev_check_cache(self->idev_id[0], 1, 0);
	test_cmd_dev_check_cache(self->idev_id[0], 2,
				 IOMMU_TEST_DEV_CACHE_DEFAULT);
	test_cmd_dev_check_cache(self->idev_id[1], 1,
				 IOMMU_TEST_DEV_CACHE_DEFAULT);

	test_err_destroy(EBUSY, viommu2);
	test_ioctl_destroy(vdev[1]);
	test_ioctl_destroy(viommu2);
	test_err_destroy(EBUSY, self->viommu_id);
	test_ioctl_destroy(vdev[0]);
	test_ioctl_destroy(self->viommu_id);
}

/* Nested HWPTs made from a vIOMMU hold it */
TEST_F(viommu, nested_holds_viommu)
{
	__u32 nested[3], vdev[2], viommu2, hwpt_id;

	test_cmd_hwpt_alloc_nested(self->idev_id[0], self->viommu_id, 0,
				   &nested[0]);
	test_cmd_hwpt_alloc_nested(self->idev_id[1], self->viommu_id,
				   IOMMU_HWPT_ALLOC_PASID, &nested[1]);
	test_cmd_hwpt_check_iotlb_all(nested[0], IOMMU_TEST_IOTLB_DEFAULT);
	test_err_destroy(EBUSY, self->viommu_id);

	/* A device the vIOMMU has no vDEVICE of cannot use them */
	test_err_mock_domain_replace(ENOENT, self->stdev_id[0], nested[0]);
	test_err_mock_domain(ENOENT, nested[0]);
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[0], VIRT_ID_0,
			       &vdev[0]);
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[1], VIRT_ID_1,
			       &vdev[1]);
	/* ... nor one it has a vDEVICE of in another vIOMMU */
	test_cmd_viommu_alloc(self->idev_id[0], self->parent_id, &viommu2);
	test_cmd_hwpt_alloc_nested(self->idev_id[0], viommu2, 0, &nested[2]);
	test_err_mock_domain_replace(ENOENT, self->stdev_id[0], nested[2]);
	test_ioctl_destroy(nested[2]);
	test_ioctl_destroy(viommu2);

	/* With them, devices attach as to any nested HWPT */
	ASSERT_EQ(0, _test_cmd_mock_domain_replace(self->fd, self->stdev_id[0],
						   nested[0], &hwpt_id));
	ASSERT_EQ(nested[0], hwpt_id);
	test_cmd_mock_domain_replace(self->stdev_id[1], nested[1]);
	test_cmd_rid_check_hwpt(self->stdev_id[1], nested[1]);
	test_err_destroy(EBUSY, nested[0]);

	test_cmd_mock_domain_replace(self->stdev_id[0], self->parent_id);
	test_ioctl_destroy(nested[0]);
	test_err_destroy(EBUSY, self->viommu_id);
	test_cmd_mock_domain_replace(self->stdev_id[1], self->ioas_id);
	test_ioctl_destroy(nested[1]);
	test_err_destroy(EBUSY, self->viommu_id);
	test_ioctl_destroy(vdev[0]);
	test_ioctl_destroy(vdev[1]);
	test_ioctl_destroy(self->viommu_id);
	test_err_destroy(EBUSY, self->parent_id);
	test_cmd_mock_domain_replace(self->stdev_id[0], self->ioas_id);
	test_ioctl_destroy(self->parent_id);
}

/* Invalidating a device cache through the vIOMMU */
TEST_F(viommu, cache_invalidate)
{
	struct iommu_viommu_invalidate_selftest inv[3] = {};
	__u32 vdev[2], num;

	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[0], VIRT_ID_0,
			       &vdev[0]);
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[1], VIRT_ID_1,
			       &vdev[1]);
	test_cmd_dev_check_cache_all(self->idev_id[0],
				     IOMMU_TEST_DEV_CACHE_DEFAULT);
	test_cmd_dev_check_cache_all(self->idev_id[1],
				     IOMMU_TEST_DEV_CACHE_DEFAULT);
	/* The check can fail */
	test_err_dev_check_cache(EINVAL, self->idev_id[0], 0, 0);
	test_err_dev_check_cache(EINVAL, self->idev_id[0],
				 MOCK_DEV_CACHE_ID_MAX + 1,
				 IOMMU_TEST_DEV_CACHE_DEFAULT);
	test_err_dev_check_cache(ENOENT, 0xfffff, 0,
				 IOMMU_TEST_DEV_CACHE_DEFAULT);

	/* No entries */
	num = 0;
	test_cmd_hwpt_invalidate(self->viommu_id, NULL,
				 IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, 0,
				 &num);
	ASSERT_EQ(0, num);

	/* One entry, one device */
	inv[0].vdev_id = VIRT_ID_0;
	inv[0].cache_id = 0;
	test_cmd_viommu_inv(self->viommu_id, inv, 1);
	test_cmd_dev_check_cache(self->idev_id[0], 0, 0);
	test_cmd_dev_check_cache(self->idev_id[0], 1,
				 IOMMU_TEST_DEV_CACHE_DEFAULT);
	test_cmd_dev_check_cache_all(self->idev_id[1],
				     IOMMU_TEST_DEV_CACHE_DEFAULT);

	/* Three entries over both devices */
	inv[0].vdev_id = VIRT_ID_1;
	inv[0].cache_id = MOCK_DEV_CACHE_ID_MAX;
	inv[1].vdev_id = VIRT_ID_0;
	inv[1].cache_id = 2;
	inv[2].vdev_id = VIRT_ID_1;
	inv[2].cache_id = 1;
	test_cmd_viommu_inv(self->viommu_id, inv, 3);
	test_cmd_dev_check_cache(self->idev_id[0], 0, 0);
	test_cmd_dev_check_cache(self->idev_id[0], 1,
				 IOMMU_TEST_DEV_CACHE_DEFAULT);
	test_cmd_dev_check_cache(self->idev_id[0], 2, 0);
	test_cmd_dev_check_cache(self->idev_id[0], 3,
				 IOMMU_TEST_DEV_CACHE_DEFAULT);
	test_cmd_dev_check_cache(self->idev_id[1], 0,
				 IOMMU_TEST_DEV_CACHE_DEFAULT);
	test_cmd_dev_check_cache(self->idev_id[1], 1, 0);
	test_cmd_dev_check_cache(self->idev_id[1], 2,
				 IOMMU_TEST_DEV_CACHE_DEFAULT);
	test_cmd_dev_check_cache(self->idev_id[1], 3, 0);

	/* All entries of one device, not just the one cache_id names */
	inv[0].flags = IOMMU_TEST_INVALIDATE_FLAG_ALL;
	inv[0].vdev_id = VIRT_ID_0;
	inv[0].cache_id = 2;
	test_cmd_viommu_inv(self->viommu_id, inv, 1);
	test_cmd_dev_check_cache_all(self->idev_id[0], 0);
	test_cmd_dev_check_cache(self->idev_id[1], 0,
				 IOMMU_TEST_DEV_CACHE_DEFAULT);

	/* A vDEVICE gone: its virtual ID means nothing any more */
	test_ioctl_destroy(vdev[1]);
	inv[0].flags = 0;
	inv[0].vdev_id = VIRT_ID_1;
	inv[0].cache_id = 0;
	num = 1;
	test_err_hwpt_invalidate(EINVAL, self->viommu_id, inv,
				 IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
				 sizeof(*inv), &num);
	ASSERT_EQ(0, num);
	test_cmd_dev_check_cache(self->idev_id[1], 0,
				 IOMMU_TEST_DEV_CACHE_DEFAULT);
}

/* The invalidation array through a vIOMMU, with a bad entry anywhere */
TEST_F(viommu, cache_invalidate_errors)
{
	struct iommu_viommu_invalidate_selftest inv[MOCK_DEV_CACHE_NUM];
	static const struct {
		int err;
		__u32 flags;
		__u32 vdev_id;
		__u32 cache_id;
	} bad_kinds[] = {
		/* Nobody has that virtual ID */
		{ EINVAL, 0, VIRT_ID_1, 0 },
		{ EINVAL, 0, 0xffffffff, 0 },
		{ EINVAL, IOMMU_TEST_INVALIDATE_FLAG_ALL, VIRT_ID_0 + 1, 0 },
		/* No such cache entry */
		{ EINVAL, 0, VIRT_ID_0, MOCK_DEV_CACHE_ID_MAX + 1 },
		/* Unknown flag */
		{ EOPNOTSUPP, 1U << 1, VIRT_ID_0, 0 },
		{ EOPNOTSUPP, 0xffffffff, VIRT_ID_0, 0 },
	};
	unsigned int bad, kind, i;
	__u32 vdev, num;

	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[0], VIRT_ID_0,
			       &vdev);
	for (kind = 0; kind != ARRAY_SIZE(bad_kinds); kind++) {
		for (bad = 0; bad != MOCK_DEV_CACHE_NUM; bad++) {
			/* Reset the cache: a good entry clears one slot */
			for (i = 0; i != MOCK_DEV_CACHE_NUM; i++) {
				inv[i].flags = 0;
				inv[i].vdev_id = VIRT_ID_0;
				inv[i].cache_id = i;
			}
			inv[bad].flags = bad_kinds[kind].flags;
			inv[bad].vdev_id = bad_kinds[kind].vdev_id;
			inv[bad].cache_id = bad_kinds[kind].cache_id;

			/*
			 * Entries before @bad clear their slot; the device
			 * cache cannot be refilled, so only the first round
			 * of each position shows that the rest were skipped.
			 */
			num = MOCK_DEV_CACHE_NUM;
			test_err_hwpt_invalidate(bad_kinds[kind].err,
					self->viommu_id, inv,
					IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					sizeof(*inv), &num);
			ASSERT_EQ(bad, num);
			if (kind == 0) {
				for (i = 0; i != MOCK_DEV_CACHE_NUM; i++)
					test_cmd_dev_check_cache(
						self->idev_id[0], i,
						i < bad ? 0 :
						IOMMU_TEST_DEV_CACHE_DEFAULT);
			}
		}
	}
	/* Never past the last position: the last slot was never reached */
	for (i = 0; i != MOCK_DEV_CACHE_NUM; i++)
		test_cmd_dev_check_cache(self->idev_id[0], i,
					 i < MOCK_DEV_CACHE_NUM - 1 ? 0 :
					 IOMMU_TEST_DEV_CACHE_DEFAULT);

	/* The array rules are those of a nested HWPT */
	inv[0].flags = 0;
	inv[0].vdev_id = VIRT_ID_0;
	inv[0].cache_id = 0;
	num = 0;
	test_err_hwpt_invalidate(EINVAL, self->viommu_id, inv,
				 IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID,
				 sizeof(*inv), &num);
	num = 1;
	test_err_hwpt_invalidate(EINVAL, self->viommu_id, inv,
				 IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID,
				 sizeof(*inv), &num);
	ASSERT_EQ(0, num);
	num = 1;
	test_err_hwpt_invalidate(EINVAL, self->viommu_id, NULL,
				 IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
				 sizeof(*inv), &num);
	ASSERT_EQ(0, num);
	num = 1;
	test_err_hwpt_invalidate(EINVAL, self->viommu_id, inv,
				 IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST, 0,
				 &num);
	ASSERT_EQ(0, num);
	num = 1;
	test_err_hwpt_invalidate(EINVAL, self->viommu_id, inv,
				 IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
				 offsetofend(struct iommu_viommu_invalidate_selftest,
					     cache_id) - 1,
				 &num);
	ASSERT_EQ(0, num);
	num = 1;
	test_err_hwpt_invalidate(EFAULT, self->viommu_id, (void *)8,
				 IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
				 sizeof(*inv), &num);
	ASSERT_EQ(0, num);
	test_ioctl_destroy(vdev);
}

/* entry_len larger than the struct, on a second device */
TEST_F(viommu, cache_invalidate_entry_len)
{
	struct {
		struct iommu_viommu_invalidate_selftest inv;
		__u32 pad;
	} big[2] = {};
	__u32 vdev, num;

	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[1], VIRT_ID_1,
			       &vdev);
	big[0].inv.vdev_id = VIRT_ID_1;
	big[0].inv.cache_id = 3;
	big[1].inv.vdev_id = VIRT_ID_1;
	big[1].inv.cache_id = 1;
	num = 2;
	test_cmd_hwpt_invalidate(self->viommu_id, big,
				 IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
				 sizeof(big[0]), &num);
	ASSERT_EQ(2, num);
	test_cmd_dev_check_cache(self->idev_id[1], 0,
				 IOMMU_TEST_DEV_CACHE_DEFAULT);
	test_cmd_dev_check_cache(self->idev_id[1], 1, 0);
	test_cmd_dev_check_cache(self->idev_id[1], 2,
				 IOMMU_TEST_DEV_CACHE_DEFAULT);
	test_cmd_dev_check_cache(self->idev_id[1], 3, 0);

	/* A non-zero tail in the second entry */
	big[0].inv.cache_id = 0;
	big[1].inv.cache_id = 2;
	big[1].pad = 1;
	num = 2;
	test_err_hwpt_invalidate(E2BIG, self->viommu_id, big,
				 IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
				 sizeof(big[0]), &num);
	ASSERT_EQ(1, num);
	test_cmd_dev_check_cache(self->idev_id[1], 0, 0);
	test_cmd_dev_check_cache(self->idev_id[1], 2,
				 IOMMU_TEST_DEV_CACHE_DEFAULT);
	/* The first device was never named */
	test_cmd_dev_check_cache_all(self->idev_id[0],
				     IOMMU_TEST_DEV_CACHE_DEFAULT);
}

/*
 * A nested HWPT from the vIOMMU and the vIOMMU itself take the same ioctl
 * for different caches: the IOTLB of that HWPT, the device caches.
 */
TEST_F(viommu, invalidate_dispatch)
{
	struct iommu_hwpt_invalidate_selftest iotlb_inv = { .iotlb_id = 2 };
	struct iommu_viommu_invalidate_selftest dev_inv = {
		.vdev_id = VIRT_ID_0,
		.cache_id = 2,
	};
	__u32 nested, vdev, num;

	test_cmd_hwpt_alloc_nested(self->idev_id[0], self->viommu_id, 0,
				   &nested);
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[0], VIRT_ID_0,
			       &vdev);
	test_cmd_mock_domain_replace(self->stdev_id[0], nested);

	test_cmd_iotlb_inv(nested, &iotlb_inv, 1);
	test_cmd_hwpt_check_iotlb(nested, 2, 0);
	test_cmd_dev_check_cache_all(self->idev_id[0],
				     IOMMU_TEST_DEV_CACHE_DEFAULT);

	test_cmd_viommu_inv(self->viommu_id, &dev_inv, 1);
	test_cmd_dev_check_cache(self->idev_id[0], 2, 0);
	test_cmd_hwpt_check_iotlb(nested, 1, IOMMU_TEST_IOTLB_DEFAULT);
	test_cmd_hwpt_check_iotlb(nested, 3, IOMMU_TEST_IOTLB_DEFAULT);

	/* The parent is a kernel-managed table: nothing to invalidate */
	num = 1;
	test_err_hwpt_invalidate(EINVAL, self->parent_id, &iotlb_inv,
				 IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				 sizeof(iotlb_inv), &num);
	ASSERT_EQ(0, num);
	/* A vDEVICE is not a target either */
	num = 1;
	test_err_hwpt_invalidate(EINVAL, vdev, &dev_inv,
				 IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
				 sizeof(dev_inv), &num);
	ASSERT_EQ(0, num);
}

/* Closing the file with vIOMMUs, vDEVICEs and nested HWPTs alive */
TEST_F(viommu, close_alive)
{
	__u32 viommu2, vdev[2], nested[2];

	test_cmd_viommu_alloc(self->idev_id[1], self->parent_id, &viommu2);
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id[0], VIRT_ID_0,
			       &vdev[0]);
	test_cmd_vdevice_alloc(viommu2, self->idev_id[1], VIRT_ID_0, &vdev[1]);
	test_cmd_hwpt_alloc_nested(self->idev_id[0], self->viommu_id, 0,
				   &nested[0]);
	test_cmd_hwpt_alloc_nested(self->idev_id[1], viommu2, 0, &nested[1]);
	test_cmd_mock_domain_replace(self->stdev_id[0], nested[0]);
	test_cmd_mock_domain_replace(self->stdev_id[1], nested[1]);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 1);
	test_cmd_viommu_check(viommu2, self->parent_id, 1);
	check_refs(buffer, BUFFER_SIZE, 1);
}

/*
 * Races between unbinding a device (destroying its mock device) and what
 * refers to it through a vIOMMU: its vDEVICE being destroyed or created,
 * and invalidations addressed to its virtual ID. Every call must give one
 * of the answers the uAPI allows, and nothing may be left behind.
 */
#define RACE_ROUNDS 150

FIXTURE(viommu_race)
{
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 idev_id;
	__u32 parent_id;
	__u32 viommu_id;
};

FIXTURE_SETUP(viommu_race)
{
	self->fd = -1;
	iofd_new_buffers();
	self->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
	test_ioctl_ioas_map_fixed(buffer, BUFFER_SIZE, MOCK_APERTURE_START);
	test_cmd_mock_domain(self->ioas_id, &self->stdev_id, NULL,
			     &self->idev_id);
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &self->parent_id);
	test_cmd_viommu_alloc(self->idev_id, self->parent_id,
			      &self->viommu_id);
}

FIXTURE_TEARDOWN(viommu_race)
{
	teardown_iommufd(self->fd, _metadata);
}

/* One ioctl issued from another thread once both sides are ready */
struct race_call {
	pthread_t thread;
	pthread_barrier_t *barrier;
	int fd;
	int op;
	__u32 id[2];
	__u32 out_id;
	int rc;
	int err;
};

enum { RACE_DESTROY, RACE_VDEVICE_ALLOC };

static void *race_call_thread(void *arg)
{
	struct race_call *c = arg;

	pthread_barrier_wait(c->barrier);
	if (c->op == RACE_DESTROY)
		c->rc = _test_ioctl_destroy(c->fd, c->id[0]);
	else
		c->rc = _test_cmd_vdevice_alloc(c->fd, c->id[0], c->id[1],
						VIRT_ID_0, &c->out_id);
	c->err = c->rc ? errno : 0;
	return NULL;
}

/* Destroy the vDEVICE and its device at once, many times */
TEST_F_TIMEOUT(viommu_race, vdevice_destroy_vs_unbind, 120)
{
	unsigned int round, vdev_won = 0;
	pthread_barrier_t barrier;
	__u32 stdev, idev, vdev;

	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, 2));
	for (round = 0; round != RACE_ROUNDS; round++) {
		struct race_call c = {
			.barrier = &barrier,
			.fd = self->fd,
			.op = RACE_DESTROY,
		};

		test_cmd_mock_domain(self->ioas_id, &stdev, NULL, &idev);
		test_cmd_vdevice_alloc(self->viommu_id, idev, VIRT_ID_0, &vdev);
		c.id[0] = vdev;
		ASSERT_EQ(0, pthread_create(&c.thread, NULL, race_call_thread,
					    &c));
		pthread_barrier_wait(&barrier);
		test_ioctl_destroy(stdev);
		ASSERT_EQ(0, pthread_join(c.thread, NULL));
		/* Either destroyed it or found it gone with the device */
		if (!c.rc)
			vdev_won++;
		else
			ASSERT_EQ(ENOENT, c.err);
		test_err_destroy(ENOENT, vdev);
		test_err_destroy(ENOENT, idev);
		test_cmd_viommu_check(self->viommu_id, self->parent_id, 0);
	}
	TH_LOG("the vDEVICE destroy came first %u times of %u", vdev_won,
	       RACE_ROUNDS);
	pthread_barrier_destroy(&barrier);
	test_ioctl_destroy(self->viommu_id);
}

/* Create a vDEVICE while its device goes away */
TEST_F_TIMEOUT(viommu_race, vdevice_alloc_vs_unbind, 120)
{
	unsigned int round, created = 0;
	pthread_barrier_t barrier;
	__u32 stdev, idev;

	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, 2));
	for (round = 0; round != RACE_ROUNDS; round++) {
		struct race_call c = {
			.barrier = &barrier,
			.fd = self->fd,
			.op = RACE_VDEVICE_ALLOC,
			.id = { self->viommu_id },
		};

		test_cmd_mock_domain(self->ioas_id, &stdev, NULL, &idev);
		c.id[1] = idev;
		ASSERT_EQ(0, pthread_create(&c.thread, NULL, race_call_thread,
					    &c));
		pthread_barrier_wait(&barrier);
		test_ioctl_destroy(stdev);
		ASSERT_EQ(0, pthread_join(c.thread, NULL));
		if (c.rc) {
			ASSERT_EQ(ENOENT, c.err);
		} else {
			created++;
			/* Made in time, it went with the device */
			test_err_destroy(ENOENT, c.out_id);
		}
		/* Nothing is left in the vIOMMU, the virtual ID is free */
		test_cmd_viommu_check(self->viommu_id, self->parent_id, 0);
	}
	TH_LOG("the vDEVICE was made first %u times of %u", created,
	       RACE_ROUNDS);
	pthread_barrier_destroy(&barrier);
	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id, VIRT_ID_0,
			       &idev);
	test_ioctl_destroy(idev);
	test_ioctl_destroy(self->viommu_id);
}

/* Counters are written by the worker and read by the test with atomics */
struct inv_worker {
	int fd;
	__u32 viommu_id;
	int *stop;
	unsigned int ok;
	unsigned int einval;
	int other;
};

#define LOAD(p) __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELEASE)

static void *inv_thread(void *arg)
{
	struct iommu_viommu_invalidate_selftest inv = {
		.flags = IOMMU_TEST_INVALIDATE_FLAG_ALL,
		.vdev_id = VIRT_ID_1,
	};
	struct inv_worker *w = arg;

	while (!LOAD(w->stop)) {
		__u32 num = 1;

		if (!_test_cmd_hwpt_invalidate(w->fd, w->viommu_id, &inv,
					IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
					sizeof(inv), &num))
			STORE(&w->ok, w->ok + 1);
		else if (errno == EINVAL && num == 0)
			STORE(&w->einval, w->einval + 1);
		else
			STORE(&w->other, errno ? errno : -1);
	}
	return NULL;
}

/* Invalidations by virtual ID while devices come and go under it */
TEST_F_TIMEOUT(viommu_race, invalidate_vs_unbind, 120)
{
	int stop = 0;
	struct inv_worker w = {
		.fd = self->fd,
		.viommu_id = self->viommu_id,
		.stop = &stop,
	};
	unsigned int round;
	pthread_t thread;
	__u32 stdev, idev, vdev;

	ASSERT_EQ(0, pthread_create(&thread, NULL, inv_thread, &w));
	for (round = 0; round != RACE_ROUNDS; round++) {
		unsigned int seen = LOAD(&w.ok) + LOAD(&w.einval);

		test_cmd_mock_domain(self->ioas_id, &stdev, NULL, &idev);
		test_cmd_vdevice_alloc(self->viommu_id, idev, VIRT_ID_1,
				       &vdev);
		/* Let the worker in at least once per round */
		while (LOAD(&w.ok) + LOAD(&w.einval) == seen &&
		       !LOAD(&w.other))
			sched_yield();
		if (round & 1)
			test_ioctl_destroy(vdev);
		test_ioctl_destroy(stdev);
	}
	STORE(&stop, 1);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	TH_LOG("invalidations: %u done, %u found no device", w.ok, w.einval);
	ASSERT_EQ(0, w.other);
	ASSERT_LT(0, w.ok + w.einval);
	test_cmd_viommu_check(self->viommu_id, self->parent_id, 0);
	/* The fixture's device was never named */
	test_cmd_dev_check_cache_all(self->idev_id,
				     IOMMU_TEST_DEV_CACHE_DEFAULT);
}

/* Closing the file from one thread while others still use the vIOMMU */
TEST_F_TIMEOUT(viommu_race, close_while_invalidating, 60)
{
	int stop = 0;
	struct inv_worker w = {
		.fd = self->fd,
		.viommu_id = self->viommu_id,
		.stop = &stop,
	};
	pthread_t thread;
	__u32 vdev;

	test_cmd_vdevice_alloc(self->viommu_id, self->idev_id, VIRT_ID_1,
			       &vdev);
	ASSERT_EQ(0, pthread_create(&thread, NULL, inv_thread, &w));
	while (!LOAD(&w.ok) && !LOAD(&w.other))
		sched_yield();
	/* The ioctl in flight holds the file; close only drops our ref */
	ASSERT_EQ(0, close(self->fd));
	usleep(20000);
	STORE(&stop, 1);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	/* After the close the descriptor is gone for the worker too */
	ASSERT_TRUE(w.other == 0 || w.other == EBADF);
	ASSERT_LT(0, w.ok);
	self->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->fd);
}

TEST_HARNESS_MAIN
