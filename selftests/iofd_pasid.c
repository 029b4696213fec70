// SPDX-License-Identifier: GPL-2.0
/*
 * PASID attachments of a mock device (seed 001): the RID and every PASID
 * are attached independently; a HWPT serves PASIDs only if it was
 * allocated with IOMMU_HWPT_ALLOC_PASID, and while PASIDs are attached the
 * RID's HWPT must be such a one too; one HWPT serves any number of PASIDs
 * and devices; detaching the RID leaves the PASIDs alone. And the
 * exception: a nested HWPT that carries the guest's whole PASID table
 * (bind_pasid_table, IOMMU_HWPT_DATA_IOFD_SELFTEST_PASID_TABLE) claims the
 * RID and every PASID when attached to the RID.
 *
 * Variants run everything at a low, a middle and the highest PASID. In
 * the test operations PASID 0 stands for the RID, as upstream.
 */
#include "iofd_nest_utils.h"

#define PASID_LIMIT (1U << MOCK_PASID_WIDTH)
#define TABLE_ADDR 0x40000000ULL

FIXTURE(pasid)
{
	int fd;
	__u32 ioas_id;
	/* A PASID-capable mock device on the IOAS */
	__u32 stdev_id;
	__u32 idev_id;
	__u32 rid_hwpt_id;
	/* Paging HWPTs: two with IOMMU_HWPT_ALLOC_PASID, one without */
	__u32 hwpt_pasid[2];
	__u32 hwpt_plain;
	/* Nest parent (with ALLOC_PASID) for nested and PASID-table HWPTs */
	__u32 parent_id;
};

FIXTURE_VARIANT(pasid)
{
	__u32 pasid;
};

FIXTURE_SETUP(pasid)
{
	self->fd = -1;
	iofd_new_buffers();
	self->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
	test_ioctl_ioas_map_fixed(buffer, BUFFER_SIZE, MOCK_APERTURE_START);
	test_cmd_mock_domain_flags(self->ioas_id, MOCK_FLAGS_DEVICE_PASID,
				   &self->stdev_id, &self->rid_hwpt_id,
				   &self->idev_id);
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id,
			    IOMMU_HWPT_ALLOC_PASID, &self->hwpt_pasid[0]);
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id,
			    IOMMU_HWPT_ALLOC_PASID, &self->hwpt_pasid[1]);
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id, 0, &self->hwpt_plain);
	test_cmd_hwpt_alloc(self->idev_id, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT |
				    IOMMU_HWPT_ALLOC_PASID,
			    &self->parent_id);
}

FIXTURE_TEARDOWN(pasid)
{
	teardown_iommufd(self->fd, _metadata);
}

FIXTURE_VARIANT_ADD(pasid, low)
{
	.pasid = 1,
};

FIXTURE_VARIANT_ADD(pasid, middle)
{
	.pasid = 0x8421,
};

FIXTURE_VARIANT_ADD(pasid, highest)
{
	.pasid = PASID_LIMIT - 1,
};

/* The @n-th PASID after @pasid, wrapping within 1 .. PASID_LIMIT - 1 */
static __u32 nth_pasid(__u32 pasid, __u32 n)
{
	return (pasid - 1 + n) % (PASID_LIMIT - 1) + 1;
}

TEST_F(pasid, attach_detach)
{
	__u32 pasid = variant->pasid, hwpt_id;

	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, 0);
	/* The check can fail */
	test_err_pasid_check_hwpt(EINVAL, self->stdev_id, pasid,
				  self->hwpt_pasid[0]);

	ASSERT_EQ(0, _test_cmd_pasid_attach(self->fd, self->stdev_id, pasid,
					    self->hwpt_pasid[0], &hwpt_id));
	ASSERT_EQ(self->hwpt_pasid[0], hwpt_id);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, self->hwpt_pasid[0]);
	test_err_pasid_check_hwpt(EINVAL, self->stdev_id, pasid, 0);
	test_err_pasid_check_hwpt(EINVAL, self->stdev_id, pasid,
				  self->hwpt_pasid[1]);
	/* Only that PASID; the RID did not move */
	test_cmd_pasid_check_hwpt(self->stdev_id, nth_pasid(pasid, 1), 0);
	test_cmd_rid_check_hwpt(self->stdev_id, self->rid_hwpt_id);
	/* An attached HWPT stays */
	test_err_destroy(EBUSY, self->hwpt_pasid[0]);

	test_cmd_pasid_detach(self->stdev_id, pasid);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, 0);
	test_cmd_rid_check_hwpt(self->stdev_id, self->rid_hwpt_id);
	/* Detaching what is not attached does nothing */
	test_cmd_pasid_detach(self->stdev_id, pasid);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, 0);
	test_ioctl_destroy(self->hwpt_pasid[0]);

	/* Not a mock device */
	test_err_pasid_attach(ENOENT, self->idev_id, pasid,
			      self->hwpt_pasid[1]);
	test_err_pasid_attach(ENOENT, 0xfffff, pasid, self->hwpt_pasid[1]);
	test_err_pasid_check_hwpt(ENOENT, self->idev_id, pasid, 0);
	/* The expected HWPT must be one */
	test_err_pasid_check_hwpt(ENOENT, self->stdev_id, pasid,
				  self->ioas_id);
	test_err_pasid_check_hwpt(ENOENT, self->stdev_id, 0, 0xfffff);
}

/* Only HWPTs allocated with IOMMU_HWPT_ALLOC_PASID serve PASIDs */
TEST_F(pasid, needs_pasid_hwpt)
{
	__u32 pasid = variant->pasid, nested[2];

	test_err_pasid_attach(EINVAL, self->stdev_id, pasid, self->hwpt_plain);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, 0);
	/* The refused HWPT has no user left */
	test_ioctl_destroy(self->hwpt_plain);

	/* A nest parent made with the flag is a paging HWPT like another */
	test_cmd_pasid_attach(self->stdev_id, pasid, self->parent_id);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, self->parent_id);
	test_cmd_pasid_detach(self->stdev_id, pasid);

	/* Nested HWPTs follow the same rule */
	test_cmd_hwpt_alloc_nested(self->idev_id, self->parent_id, 0,
				   &nested[0]);
	test_cmd_hwpt_alloc_nested(self->idev_id, self->parent_id,
				   IOMMU_HWPT_ALLOC_PASID, &nested[1]);
	test_err_pasid_attach(EINVAL, self->stdev_id, pasid, nested[0]);
	test_cmd_pasid_attach(self->stdev_id, pasid, nested[1]);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, nested[1]);
	test_err_pasid_replace(EINVAL, self->stdev_id, pasid, nested[0]);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, nested[1]);
	test_err_destroy(EBUSY, nested[1]);
	test_err_destroy(EBUSY, self->parent_id);

	/* On the RID, with a PASID attached, the flag counts as well */
	test_err_mock_domain_replace(EINVAL, self->stdev_id, nested[0]);
	test_cmd_rid_check_hwpt(self->stdev_id, self->rid_hwpt_id);
	test_ioctl_destroy(nested[0]);
	test_cmd_mock_domain_replace(self->stdev_id, nested[1]);
	test_cmd_rid_check_hwpt(self->stdev_id, nested[1]);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, nested[1]);
	test_cmd_mock_domain_replace(self->stdev_id, self->ioas_id);

	/* Neither an IOAS-less object nor a missing one */
	test_err_pasid_replace(EINVAL, self->stdev_id, pasid, self->idev_id);
	test_err_pasid_replace(ENOENT, self->stdev_id, pasid, 0xfffff);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, nested[1]);
	test_cmd_pasid_detach(self->stdev_id, pasid);
	test_ioctl_destroy(nested[1]);
}

/* A PASID attached to an IOAS gets a PASID-capable automatic domain */
TEST_F(pasid, attach_ioas)
{
	__u32 pasid = variant->pasid, hwpt_id, ioas2, hwpt2;

	ASSERT_EQ(0, _test_cmd_pasid_attach(self->fd, self->stdev_id, pasid,
					    self->ioas_id, &hwpt_id));
	ASSERT_NE(0, hwpt_id);
	ASSERT_NE(self->ioas_id, hwpt_id);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, hwpt_id);
	test_cmd_check_map(hwpt_id, MOCK_APERTURE_START, BUFFER_SIZE, buffer);
	test_err_destroy(EBUSY, self->ioas_id);

	/* To another IOAS */
	test_ioctl_ioas_alloc(&ioas2);
	test_ioctl_ioas_map_fixed_id(ioas2, mfd_buffer, PAGE_SIZE,
				     MOCK_APERTURE_START);
	ASSERT_EQ(0, _test_cmd_pasid_replace(self->fd, self->stdev_id, pasid,
					     ioas2, &hwpt2));
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, hwpt2);
	test_cmd_check_map(hwpt2, MOCK_APERTURE_START, PAGE_SIZE, mfd_buffer);
	test_err_destroy(EBUSY, ioas2);

	/* To an explicit HWPT: the automatic domain of ioas2 goes */
	test_cmd_pasid_replace(self->stdev_id, pasid, self->hwpt_pasid[0]);
	test_err_destroy(ENOENT, hwpt2);
	test_ioctl_destroy(ioas2);
	check_refs(mfd_buffer, PAGE_SIZE, 0);
	test_cmd_pasid_detach(self->stdev_id, pasid);
	test_cmd_rid_check_hwpt(self->stdev_id, self->rid_hwpt_id);
}

/* Attach is for a free PASID, replace for an attached one */
TEST_F(pasid, attach_replace)
{
	__u32 pasid = variant->pasid, other = nth_pasid(variant->pasid, 7);
	__u32 hwpt_id;

	test_err_pasid_replace(EINVAL, self->stdev_id, pasid,
			       self->hwpt_pasid[0]);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, 0);

	test_cmd_pasid_attach(self->stdev_id, pasid, self->hwpt_pasid[0]);
	test_err_pasid_attach(EINVAL, self->stdev_id, pasid,
			      self->hwpt_pasid[0]);
	test_err_pasid_attach(EINVAL, self->stdev_id, pasid,
			      self->hwpt_pasid[1]);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, self->hwpt_pasid[0]);

	ASSERT_EQ(0, _test_cmd_pasid_replace(self->fd, self->stdev_id, pasid,
					     self->hwpt_pasid[1], &hwpt_id));
	ASSERT_EQ(self->hwpt_pasid[1], hwpt_id);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, self->hwpt_pasid[1]);
	/* The old one is free */
	test_ioctl_destroy(self->hwpt_pasid[0]);
	/* Replacing with the same HWPT is fine */
	test_cmd_pasid_replace(self->stdev_id, pasid, self->hwpt_pasid[1]);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, self->hwpt_pasid[1]);
	/* A failed replace leaves the PASID where it was */
	test_err_pasid_replace(EINVAL, self->stdev_id, pasid,
			       self->hwpt_plain);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, self->hwpt_pasid[1]);
	/* Another PASID is its own slot */
	test_err_pasid_replace(EINVAL, self->stdev_id, other,
			       self->hwpt_pasid[1]);
	test_cmd_pasid_check_hwpt(self->stdev_id, other, 0);
	test_cmd_pasid_attach(self->stdev_id, other, self->hwpt_pasid[1]);
	test_cmd_pasid_detach(self->stdev_id, pasid);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, 0);
	test_cmd_pasid_check_hwpt(self->stdev_id, other, self->hwpt_pasid[1]);
	test_cmd_pasid_detach(self->stdev_id, other);
	test_ioctl_destroy(self->hwpt_pasid[1]);
}

/* While PASIDs are attached the RID must stay on a PASID-capable HWPT */
TEST_F(pasid, rid_compat)
{
	__u32 pasid = variant->pasid, hwpt_id;

	/* RID on a HWPT without the flag: no PASID may attach */
	test_cmd_mock_domain_replace(self->stdev_id, self->hwpt_plain);
	test_err_pasid_attach(EINVAL, self->stdev_id, pasid,
			      self->hwpt_pasid[0]);
	test_err_pasid_attach(EINVAL, self->stdev_id, pasid, self->ioas_id);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, 0);

	/* RID on one with the flag: PASIDs attach */
	test_cmd_mock_domain_replace(self->stdev_id, self->hwpt_pasid[1]);
	test_cmd_pasid_attach(self->stdev_id, pasid, self->hwpt_pasid[0]);
	/* ... and the RID cannot go back while they are */
	test_err_mock_domain_replace(EINVAL, self->stdev_id, self->hwpt_plain);
	test_cmd_rid_check_hwpt(self->stdev_id, self->hwpt_pasid[1]);
	/* Automatic domains of a PASID-capable device qualify */
	ASSERT_EQ(0, _test_cmd_mock_domain_replace(self->fd, self->stdev_id,
						   self->ioas_id, &hwpt_id));
	test_cmd_rid_check_hwpt(self->stdev_id, hwpt_id);
	test_cmd_mock_domain_replace(self->stdev_id, self->hwpt_pasid[0]);
	test_cmd_rid_check_hwpt(self->stdev_id, self->hwpt_pasid[0]);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, self->hwpt_pasid[0]);

	/* With the last PASID gone the RID is free to choose again */
	test_cmd_pasid_detach(self->stdev_id, pasid);
	test_cmd_mock_domain_replace(self->stdev_id, self->hwpt_plain);
	test_cmd_rid_check_hwpt(self->stdev_id, self->hwpt_plain);
}

/* Seed 001: detaching the RID touches only the RID */
TEST_F(pasid, rid_detach_keeps_pasids)
{
	__u32 pasid = variant->pasid, other = nth_pasid(variant->pasid, 1);

	test_cmd_pasid_attach(self->stdev_id, pasid, self->hwpt_pasid[0]);
	test_cmd_pasid_attach(self->stdev_id, other, self->hwpt_pasid[1]);

	test_cmd_pasid_detach(self->stdev_id, 0);
	test_cmd_rid_check_hwpt(self->stdev_id, 0);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, self->hwpt_pasid[0]);
	test_cmd_pasid_check_hwpt(self->stdev_id, other, self->hwpt_pasid[1]);
	/* The RID's automatic domain went with it */
	test_err_destroy(ENOENT, self->rid_hwpt_id);
	/* Nothing to replace on a detached RID */
	test_err_mock_domain_replace(EINVAL, self->stdev_id,
				     self->hwpt_pasid[0]);

	/* New PASIDs attach with the RID blocked */
	test_cmd_pasid_attach(self->stdev_id, nth_pasid(pasid, 2),
			      self->hwpt_pasid[0]);
	/* The RID comes back, on a PASID-capable HWPT only */
	test_err_pasid_attach(EINVAL, self->stdev_id, 0, self->hwpt_plain);
	test_cmd_rid_check_hwpt(self->stdev_id, 0);
	test_cmd_pasid_attach(self->stdev_id, 0, self->hwpt_pasid[1]);
	test_cmd_rid_check_hwpt(self->stdev_id, self->hwpt_pasid[1]);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, self->hwpt_pasid[0]);

	/* And the PASIDs leave the RID alone */
	test_cmd_pasid_detach(self->stdev_id, pasid);
	test_cmd_pasid_detach(self->stdev_id, other);
	test_cmd_pasid_detach(self->stdev_id, nth_pasid(pasid, 2));
	test_cmd_rid_check_hwpt(self->stdev_id, self->hwpt_pasid[1]);
	test_ioctl_destroy(self->hwpt_pasid[0]);
}

/* PASIDs a device cannot have */
TEST_F(pasid, bad_pasid)
{
	__u32 pasid = variant->pasid, stdev, idev, hwpt_id;

	/* Past the device's width */
	test_err_pasid_attach(EINVAL, self->stdev_id, PASID_LIMIT,
			      self->hwpt_pasid[0]);
	test_err_pasid_attach(EINVAL, self->stdev_id, PASID_LIMIT | pasid,
			      self->hwpt_pasid[0]);
	test_err_pasid_attach(EINVAL, self->stdev_id, 0x80000000,
			      self->hwpt_pasid[0]);
	/* All ones is no more a PASID than any other value that wide */
	test_err_pasid_attach(EINVAL, self->stdev_id, 0xffffffff,
			      self->hwpt_pasid[0]);
	test_cmd_rid_check_hwpt(self->stdev_id, self->rid_hwpt_id);
	test_err_pasid_replace(EINVAL, self->stdev_id, PASID_LIMIT,
			       self->hwpt_pasid[0]);
	test_err_pasid_replace(EINVAL, self->stdev_id, 0xffffffff,
			       self->hwpt_pasid[0]);
	test_cmd_rid_check_hwpt(self->stdev_id, self->rid_hwpt_id);
	/* Nothing is attached there, so nothing to check or detach */
	test_cmd_pasid_check_hwpt(self->stdev_id, PASID_LIMIT, 0);
	test_cmd_pasid_check_hwpt(self->stdev_id, 0xffffffff, 0);
	test_cmd_pasid_detach(self->stdev_id, PASID_LIMIT);
	test_cmd_pasid_detach(self->stdev_id, 0xffffffff);
	test_cmd_rid_check_hwpt(self->stdev_id, self->rid_hwpt_id);
	/* The refused attaches left no user on the HWPT */
	test_ioctl_destroy(self->hwpt_pasid[0]);

	/* A device without PASID support has none */
	test_cmd_mock_domain(self->ioas_id, &stdev, &hwpt_id, &idev);
	test_err_pasid_attach(EINVAL, stdev, pasid, self->hwpt_pasid[1]);
	test_err_pasid_attach(EINVAL, stdev, pasid, self->ioas_id);
	test_cmd_pasid_check_hwpt(stdev, pasid, 0);
	test_cmd_rid_check_hwpt(stdev, hwpt_id);
	/* ... but its RID can use a PASID-capable HWPT */
	test_cmd_mock_domain_replace(stdev, self->hwpt_pasid[1]);
	test_err_pasid_attach(EINVAL, stdev, pasid, self->hwpt_pasid[1]);
	test_ioctl_destroy(stdev);
	test_ioctl_destroy(self->hwpt_pasid[1]);
}

/* One HWPT for many PASIDs of many devices */
TEST_F(pasid, many_pasids)
{
	__u32 stdev[2], n, s;

	stdev[0] = self->stdev_id;
	test_cmd_mock_domain_flags(self->hwpt_pasid[0],
				   MOCK_FLAGS_DEVICE_PASID, &stdev[1], NULL,
				   NULL);
	for (s = 0; s != 2; s++) {
		for (n = 0; n != 8; n++)
			test_cmd_pasid_attach(stdev[s],
					      nth_pasid(variant->pasid, n),
					      self->hwpt_pasid[0]);
	}
	for (s = 0; s != 2; s++) {
		for (n = 0; n != 8; n++)
			test_cmd_pasid_check_hwpt(stdev[s],
						  nth_pasid(variant->pasid, n),
						  self->hwpt_pasid[0]);
		test_cmd_pasid_check_hwpt(stdev[s],
					  nth_pasid(variant->pasid, 8), 0);
	}
	test_cmd_rid_check_hwpt(stdev[1], self->hwpt_pasid[0]);

	/* Held until the last PASID and RID leave */
	for (n = 0; n != 8; n++) {
		test_err_destroy(EBUSY, self->hwpt_pasid[0]);
		test_cmd_pasid_detach(stdev[0], nth_pasid(variant->pasid, n));
	}
	test_err_destroy(EBUSY, self->hwpt_pasid[0]);
	test_cmd_pasid_check_hwpt(stdev[1], variant->pasid,
				  self->hwpt_pasid[0]);
	/* Destroying the mock device detaches its RID and all its PASIDs */
	test_ioctl_destroy(stdev[1]);
	test_ioctl_destroy(self->hwpt_pasid[0]);
	test_cmd_rid_check_hwpt(stdev[0], self->rid_hwpt_id);
}

/* The mock fails every second attach of IOMMU_TEST_PASID_RESERVED */
TEST_F(pasid, replace_failure)
{
	__u32 pasid = variant->pasid;

	test_cmd_pasid_attach(self->stdev_id, pasid, self->hwpt_pasid[1]);
	test_cmd_pasid_attach(self->stdev_id, IOMMU_TEST_PASID_RESERVED,
			      self->hwpt_pasid[0]);
	/* The driver refuses this replace: nothing may change */
	test_err_pasid_replace(ENOMEM, self->stdev_id,
			       IOMMU_TEST_PASID_RESERVED, self->hwpt_pasid[1]);
	test_cmd_pasid_check_hwpt(self->stdev_id, IOMMU_TEST_PASID_RESERVED,
				  self->hwpt_pasid[0]);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, self->hwpt_pasid[1]);
	/* hwpt_pasid[1] gained no user from it */
	test_cmd_pasid_detach(self->stdev_id, pasid);
	test_ioctl_destroy(self->hwpt_pasid[1]);
	test_err_destroy(EBUSY, self->hwpt_pasid[0]);
	test_cmd_pasid_detach(self->stdev_id, IOMMU_TEST_PASID_RESERVED);
	test_cmd_pasid_check_hwpt(self->stdev_id, IOMMU_TEST_PASID_RESERVED,
				  0);
	test_ioctl_destroy(self->hwpt_pasid[0]);
}

/* bind_pasid_table: the data and its checks */
TEST_F(pasid, pasid_table_alloc)
{
	struct iommu_hwpt_iofd_selftest_pasid_table data = {
		.iotlb = 0x4242,
		.pasid_bits = MOCK_PASID_WIDTH,
		.table_addr = TABLE_ADDR,
	};
	__u32 table, id = 0;

	test_err_hwpt_alloc_pasid_table(EINVAL, self->idev_id, self->parent_id,
					0, &id, 0, TABLE_ADDR);
	test_err_hwpt_alloc_pasid_table(EINVAL, self->idev_id, self->parent_id,
					0, &id, MOCK_PASID_WIDTH + 1,
					TABLE_ADDR);
	test_err_hwpt_alloc_pasid_table(EINVAL, self->idev_id, self->parent_id,
					0, &id, 0xffffffff, TABLE_ADDR);
	test_err_hwpt_alloc_pasid_table(EINVAL, self->idev_id, self->parent_id,
					0, &id, MOCK_PASID_WIDTH, 0);
	test_err_hwpt_alloc_pasid_table(EINVAL, self->idev_id, self->parent_id,
					0, &id, MOCK_PASID_WIDTH,
					TABLE_ADDR + 0x800);
	test_err_hwpt_alloc_pasid_table(EINVAL, self->idev_id, self->parent_id,
					0, &id, MOCK_PASID_WIDTH,
					TABLE_ADDR | 1);
	/* Over what cannot be a nest parent */
	test_err_hwpt_alloc_pasid_table(EINVAL, self->idev_id,
					self->hwpt_pasid[0], 0, &id,
					MOCK_PASID_WIDTH, TABLE_ADDR);
	test_err_hwpt_alloc_pasid_table(EOPNOTSUPP, self->idev_id,
					self->ioas_id, 0, &id,
					MOCK_PASID_WIDTH, TABLE_ADDR);
	/* Too short for the first field */
	test_err_hwpt_alloc_data(EINVAL, self->idev_id, self->parent_id, 0,
				 &id, IOMMU_HWPT_DATA_IOFD_SELFTEST_PASID_TABLE,
				 &data,
				 offsetofend(typeof(data), iotlb) - 1);

	/* The smallest and the largest table */
	test_cmd_hwpt_alloc_pasid_table(self->idev_id, self->parent_id, 0,
					&table, 1, TABLE_ADDR);
	test_cmd_hwpt_check_iotlb_all(table, IOMMU_TEST_IOTLB_DEFAULT);
	test_ioctl_destroy(table);
	test_cmd_hwpt_alloc_data(self->idev_id, self->parent_id, 0, &table,
				 IOMMU_HWPT_DATA_IOFD_SELFTEST_PASID_TABLE,
				 &data, sizeof(data));
	test_cmd_hwpt_check_iotlb_all(table, 0x4242);
	/* It holds its parent and is invalidated like any nested HWPT */
	test_err_destroy(EBUSY, self->parent_id);
	{
		struct iommu_hwpt_invalidate_selftest inv = { .iotlb_id = 3 };

		test_cmd_iotlb_inv(table, &inv, 1);
		test_cmd_hwpt_check_iotlb(table, 3, 0);
		test_cmd_hwpt_check_iotlb(table, 2, 0x4242);
	}
	test_ioctl_destroy(table);
	test_ioctl_destroy(self->parent_id);
}

/* A RID with the guest's PASID table owns every PASID */
TEST_F(pasid, pasid_table_claims)
{
	__u32 pasid = variant->pasid, table[2], hwpt_id;

	test_cmd_hwpt_alloc_pasid_table(self->idev_id, self->parent_id, 0,
					&table[0], MOCK_PASID_WIDTH,
					TABLE_ADDR);
	test_cmd_hwpt_alloc_pasid_table(self->idev_id, self->parent_id,
					IOMMU_HWPT_ALLOC_PASID, &table[1],
					MOCK_PASID_WIDTH, TABLE_ADDR);

	/* A PASID is attached: the table cannot take the RID */
	test_cmd_pasid_attach(self->stdev_id, pasid, self->hwpt_pasid[0]);
	test_err_mock_domain_replace(EBUSY, self->stdev_id, table[0]);
	test_err_mock_domain_replace(EBUSY, self->stdev_id, table[1]);
	test_cmd_rid_check_hwpt(self->stdev_id, self->rid_hwpt_id);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, self->hwpt_pasid[0]);

	/* Without PASIDs it can */
	test_cmd_pasid_detach(self->stdev_id, pasid);
	ASSERT_EQ(0, _test_cmd_mock_domain_replace(self->fd, self->stdev_id,
						   table[0], &hwpt_id));
	ASSERT_EQ(table[0], hwpt_id);
	test_cmd_rid_check_hwpt(self->stdev_id, table[0]);
	test_err_destroy(EBUSY, table[0]);

	/* Then no PASID attaches, to anything */
	test_err_pasid_attach(EBUSY, self->stdev_id, pasid,
			      self->hwpt_pasid[0]);
	test_err_pasid_attach(EBUSY, self->stdev_id, nth_pasid(pasid, 1),
			      self->hwpt_pasid[1]);
	test_err_pasid_attach(EBUSY, self->stdev_id, pasid, self->ioas_id);
	test_err_pasid_attach(EBUSY, self->stdev_id, pasid, table[1]);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, 0);
	/* Moving the RID to the other table is fine */
	test_cmd_mock_domain_replace(self->stdev_id, table[1]);
	test_cmd_rid_check_hwpt(self->stdev_id, table[1]);
	test_err_pasid_attach(EBUSY, self->stdev_id, pasid,
			      self->hwpt_pasid[0]);
	test_ioctl_destroy(table[0]);

	/* A blocked RID claims nothing: PASIDs attach, the table cannot */
	test_cmd_pasid_detach(self->stdev_id, 0);
	test_cmd_rid_check_hwpt(self->stdev_id, 0);
	test_cmd_pasid_attach(self->stdev_id, pasid, self->hwpt_pasid[0]);
	test_err_pasid_attach(EBUSY, self->stdev_id, 0, table[1]);
	test_cmd_rid_check_hwpt(self->stdev_id, 0);
	test_cmd_pasid_detach(self->stdev_id, pasid);
	test_cmd_pasid_attach(self->stdev_id, 0, table[1]);
	test_cmd_rid_check_hwpt(self->stdev_id, table[1]);

	/* RID on an ordinary HWPT: PASIDs again, but a table on none */
	test_cmd_mock_domain_replace(self->stdev_id, self->hwpt_pasid[1]);
	test_err_pasid_attach(EINVAL, self->stdev_id, pasid, table[1]);
	test_cmd_pasid_attach(self->stdev_id, pasid, self->hwpt_pasid[0]);
	test_err_pasid_replace(EINVAL, self->stdev_id, pasid, table[1]);
	test_cmd_pasid_check_hwpt(self->stdev_id, pasid, self->hwpt_pasid[0]);
	test_cmd_pasid_detach(self->stdev_id, pasid);
	test_ioctl_destroy(table[1]);
}

/* The PASID table per device: two devices, one table HWPT each way */
TEST_F(pasid, pasid_table_per_device)
{
	__u32 pasid = variant->pasid, table, stdev2;

	test_cmd_hwpt_alloc_pasid_table(self->idev_id, self->parent_id, 0,
					&table, MOCK_PASID_WIDTH, TABLE_ADDR);
	test_cmd_mock_domain_flags(self->ioas_id, MOCK_FLAGS_DEVICE_PASID,
				   &stdev2, NULL, NULL);
	/* The table on one device's RID says nothing about another device */
	test_cmd_mock_domain_replace(self->stdev_id, table);
	test_cmd_pasid_attach(stdev2, pasid, self->hwpt_pasid[0]);
	test_err_pasid_attach(EBUSY, self->stdev_id, pasid,
			      self->hwpt_pasid[0]);
	/* ... and the other one cannot put it on its RID with a PASID on */
	test_err_mock_domain_replace(EBUSY, stdev2, table);
	test_cmd_pasid_detach(stdev2, pasid);
	test_cmd_mock_domain_replace(stdev2, table);
	test_cmd_rid_check_hwpt(stdev2, table);
	test_cmd_rid_check_hwpt(self->stdev_id, table);
	/* Destroying a device releases its claim */
	test_ioctl_destroy(stdev2);
	test_cmd_mock_domain_replace(self->stdev_id, self->hwpt_pasid[1]);
	test_cmd_pasid_attach(self->stdev_id, pasid, self->hwpt_pasid[0]);
	test_ioctl_destroy(table);
}

/* Claiming the PASID table and attaching a PASID at the same time */
struct claim_call {
	pthread_t thread;
	pthread_barrier_t *barrier;
	int fd;
	__u32 stdev_id;
	__u32 pasid;
	__u32 pt_id;
	int rc;
	int err;
};

static void *claim_thread(void *arg)
{
	struct claim_call *c = arg;

	pthread_barrier_wait(c->barrier);
	c->rc = _test_cmd_pasid_attach(c->fd, c->stdev_id, c->pasid, c->pt_id,
				       NULL);
	c->err = c->rc ? errno : 0;
	return NULL;
}

TEST_F_TIMEOUT(pasid, pasid_table_race, 120)
{
	unsigned int round, table_won = 0, pasid_won = 0;
	pthread_barrier_t barrier;
	__u32 table;

	test_cmd_hwpt_alloc_pasid_table(self->idev_id, self->parent_id, 0,
					&table, MOCK_PASID_WIDTH, TABLE_ADDR);
	test_cmd_mock_domain_replace(self->stdev_id, self->hwpt_pasid[1]);
	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, 2));
	for (round = 0; round != 200; round++) {
		struct claim_call c = {
			.barrier = &barrier,
			.fd = self->fd,
			.stdev_id = self->stdev_id,
			.pasid = variant->pasid,
			.pt_id = self->hwpt_pasid[0],
		};
		int rc, err;

		ASSERT_EQ(0, pthread_create(&c.thread, NULL, claim_thread, &c));
		pthread_barrier_wait(&barrier);
		rc = _test_cmd_mock_domain_replace(self->fd, self->stdev_id,
						   table, NULL);
		err = rc ? errno : 0;
		ASSERT_EQ(0, pthread_join(c.thread, NULL));

		/* Exactly one wins; the other sees the claim */
		if (!rc) {
			ASSERT_EQ(-1, c.rc);
			ASSERT_EQ(EBUSY, c.err);
			test_cmd_rid_check_hwpt(self->stdev_id, table);
			test_cmd_pasid_check_hwpt(self->stdev_id,
						  variant->pasid, 0);
			test_cmd_mock_domain_replace(self->stdev_id,
						     self->hwpt_pasid[1]);
			table_won++;
		} else {
			ASSERT_EQ(EBUSY, err);
			ASSERT_EQ(0, c.rc);
			test_cmd_rid_check_hwpt(self->stdev_id,
						self->hwpt_pasid[1]);
			test_cmd_pasid_check_hwpt(self->stdev_id,
						  variant->pasid,
						  self->hwpt_pasid[0]);
			test_cmd_pasid_detach(self->stdev_id, variant->pasid);
			pasid_won++;
		}
	}
	TH_LOG("table first %u times, PASID first %u times", table_won,
	       pasid_won);
	pthread_barrier_destroy(&barrier);
	test_ioctl_destroy(table);
}

/* Closing the file with PASIDs of several devices attached */
TEST_F(pasid, close_alive)
{
	__u32 pasid = variant->pasid, stdev2, nested, table;

	test_cmd_hwpt_alloc_nested(self->idev_id, self->parent_id,
				   IOMMU_HWPT_ALLOC_PASID, &nested);
	test_cmd_hwpt_alloc_pasid_table(self->idev_id, self->parent_id, 0,
					&table, MOCK_PASID_WIDTH, TABLE_ADDR);
	test_cmd_mock_domain_flags(self->ioas_id, MOCK_FLAGS_DEVICE_PASID,
				   &stdev2, NULL, NULL);
	test_cmd_mock_domain_replace(stdev2, table);
	test_cmd_pasid_attach(self->stdev_id, pasid, self->hwpt_pasid[0]);
	test_cmd_pasid_attach(self->stdev_id, nth_pasid(pasid, 1), nested);
	test_cmd_pasid_attach(self->stdev_id, nth_pasid(pasid, 2),
			      self->ioas_id);
	test_cmd_pasid_attach(self->stdev_id, IOMMU_TEST_PASID_RESERVED,
			      self->parent_id);
	check_refs(buffer, BUFFER_SIZE, 1);
}

TEST_HARNESS_MAIN
