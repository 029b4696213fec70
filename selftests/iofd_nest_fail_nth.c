// SPDX-License-Identifier: GPL-2.0
/*
 * Failure injection over the nesting paths: nest parents and nested HWPTs,
 * their invalidation, vIOMMUs and vDEVICEs, PASID attach, replace and
 * detach, PASID-table HWPTs (bind_pasid_table), and closing with all of it
 * live. Walked by iofd_fail_nth.h as the core scenarios of
 * iofd_fail_nth.c: the 1st, 2nd, 3rd... failure point fails until a run
 * passes them all; every run must fail cleanly and leave nothing behind.
 */
#include "iofd_nest_utils.h"
#include "iofd_fail_nth.h"

#define TABLE_ADDR 0x40000000ULL

FIXTURE(nest_fail_nth)
{
	struct fn_env env;
};

FIXTURE_VARIANT(nest_fail_nth)
{
	enum fn_mech mech;
	const char *prefix;
};

FIXTURE_VARIANT_ADD(nest_fail_nth, iofd)
{
	.mech = FN_MECH_IOFD,
	.prefix = "nest_fail_nth.iofd",
};

FIXTURE_VARIANT_ADD(nest_fail_nth, proc)
{
	.mech = FN_MECH_PROC,
	.prefix = "nest_fail_nth.proc",
};

/*
 * The VMID a new mock vIOMMU gets: the lowest free one, so it moves if a
 * failed or closed run left one allocated
 */
static int fn_probe_vmid(int fd, long *val)
{
	__u32 ioas, stdev, idev, parent, viommu;
	struct iofd_viommu_info info;
	int rc = -1;

	if (_test_ioctl_ioas_alloc(fd, &ioas))
		return -1;
	if (_test_cmd_mock_domain(fd, ioas, &stdev, NULL, &idev))
		goto out_ioas;
	if (fn_hwpt(fd, idev, ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &parent))
		goto out_stdev;
	if (_test_cmd_viommu_alloc(fd, idev, parent, IOMMU_VIOMMU_TYPE_SELFTEST, 0, NULL, 0,
				   &viommu))
		goto out_parent;
	if (!_test_cmd_viommu_info(fd, viommu, &info)) {
		*val = info.vmid;
		rc = 0;
	}
	if (_test_ioctl_destroy(fd, viommu))
		rc = -1;
out_parent:
	if (_test_ioctl_destroy(fd, parent))
		rc = -1;
out_stdev:
	if (_test_ioctl_destroy(fd, stdev))
		rc = -1;
out_ioas:
	if (_test_ioctl_destroy(fd, ioas))
		rc = -1;
	return rc;
}

FIXTURE_SETUP(nest_fail_nth)
{
	fn_setup(_metadata, &self->env, variant->mech, variant->prefix);
	self->env.probe = fn_probe_vmid;
	self->env.probe_name = "VMID of a new mock vIOMMU";
}

FIXTURE_TEARDOWN(nest_fail_nth)
{
	fn_teardown(_metadata, &self->env);
}

/* @n IOTLB invalidations of @hwpt_id, all of which must be done */
static int fn_iotlb_inv(int fd, __u32 hwpt_id, __u32 n, bool all)
{
	struct iommu_hwpt_invalidate_selftest inv[MOCK_NESTED_DOMAIN_IOTLB_NUM] = {};
	__u32 i, num = n;

	assert(n <= MOCK_NESTED_DOMAIN_IOTLB_NUM);
	for (i = 0; i != n; i++) {
		inv[i].iotlb_id = i;
		inv[i].flags = all ? IOMMU_TEST_INVALIDATE_FLAG_ALL : 0;
	}
	if (_test_cmd_hwpt_invalidate(fd, hwpt_id, inv, IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				      sizeof(*inv), &num))
		return -1;
	if (num == n)
		return 0;
	errno = EINVAL;
	return -1;
}

/* Device cache invalidations through @viommu_id, one per (vdev, cache) */
static int fn_viommu_inv(int fd, __u32 viommu_id, const __u64 *virt_ids, __u32 nvdev,
			 __u32 ncache)
{
	struct iommu_viommu_invalidate_selftest inv[16] = {};
	__u32 i, n = nvdev * ncache, num = n;

	assert(n <= 16);
	for (i = 0; i != n; i++) {
		inv[i].vdev_id = virt_ids[i % nvdev];
		inv[i].cache_id = i / nvdev;
	}
	if (_test_cmd_hwpt_invalidate(fd, viommu_id, inv, IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,
				      sizeof(*inv), &num))
		return -1;
	if (num == n)
		return 0;
	errno = EINVAL;
	return -1;
}

/* 0 if the mock's vIOMMU @viommu_id has @parent and @nr vDEVICEs */
static int fn_check_viommu(int fd, __u32 viommu_id, __u32 parent, __u32 nr)
{
	struct iofd_viommu_info info;

	if (_test_cmd_viommu_info(fd, viommu_id, &info))
		return -1;
	if (info.vmid && info.parent_id == parent && info.nr_vdevs == nr)
		return 0;
	errno = EINVAL;
	return -1;
}

/* An IOAS with buffer mapped, and @n mock devices with @dev_flags on it */
static void fn_nest_base(struct fn_run *r, __u32 dev_flags, __u32 *ioas, unsigned int n,
			 __u32 *stdev, __u32 *idev)
{
	unsigned int i;

	FN_STEP(r, fn_account_mm(r->fd));
	FN_STEP(r, _test_ioctl_ioas_alloc(r->fd, ioas));
	FN_STEP(r, fn_map_fixed(r->fd, *ioas, buffer, BUFFER_SIZE, FN_IOVA(0)));
	for (i = 0; i != n; i++)
		FN_STEP(r, _test_cmd_mock_domain_flags(r->fd, *ioas, dev_flags, &stdev[i], NULL,
						       &idev[i]));
}

/* --------------------------------------------------------- nested HWPTs */

/* Nest parent and nested HWPTs allocated, checked, destroyed */
static int seq_nested_alloc(struct fn_run *r)
{
	__u32 ioas = 0, stdev[1] = {}, idev[1] = {}, parent = 0, n[6] = {};
	unsigned int i;

	fn_nest_base(r, 0, &ioas, 1, stdev, idev);
	FN_STEP(r, fn_hwpt(r->fd, idev[0], ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	for (i = 0; i != 6; i++)
		FN_STEP(r, _test_cmd_hwpt_alloc_nested(r->fd, idev[0], parent, 0, &n[i],
						       0x1000 + i));
	for (i = 0; i != 6; i++)
		FN_CHECK(r, _test_cmd_hwpt_check_iotlb(r->fd, n[i], i % 4, 0x1000 + i));
	FN_STEP(r, _test_ioctl_destroy(r->fd, n[0]));
	FN_STEP(r, _test_ioctl_destroy(r->fd, n[3]));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, fn_big, FN_PG(16), FN_IOVA(1)));
	FN_CHECK(r, _test_cmd_check_map(r->fd, parent, FN_IOVA(1), FN_PG(16), fn_big));
	FN_STEP(r, _test_cmd_hwpt_alloc_nested(r->fd, idev[0], parent, 0, &n[0],
					       IOMMU_TEST_IOTLB_DEFAULT));
	return 0;
}

TEST_F_TIMEOUT(nest_fail_nth, nested_alloc, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "nested_alloc", seq_nested_alloc, 100);
}

/* Devices on nested HWPTs, IOTLB invalidation, back to the IOAS */
static int seq_nested_invalidate(struct fn_run *r)
{
	__u32 ioas = 0, stdev[2] = {}, idev[2] = {}, parent = 0, n0 = 0, n1 = 0;

	fn_nest_base(r, 0, &ioas, 2, stdev, idev);
	FN_STEP(r, fn_hwpt(r->fd, idev[0], ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	FN_STEP(r, _test_cmd_hwpt_alloc_nested(r->fd, idev[0], parent, 0, &n0,
					       IOMMU_TEST_IOTLB_DEFAULT));
	FN_STEP(r, _test_cmd_hwpt_alloc_nested(r->fd, idev[1], parent, 0, &n1,
					       IOMMU_TEST_IOTLB_DEFAULT));
	FN_STEP(r, fn_replace(r->fd, stdev[0], n0, NULL));
	FN_STEP(r, fn_replace(r->fd, stdev[1], n0, NULL));
	FN_STEP(r, fn_iotlb_inv(r->fd, n0, 3, false));
	FN_CHECK(r, _test_cmd_hwpt_check_iotlb(r->fd, n0, 2, 0));
	FN_CHECK(r, _test_cmd_hwpt_check_iotlb(r->fd, n0, 3, IOMMU_TEST_IOTLB_DEFAULT));
	FN_STEP(r, fn_iotlb_inv(r->fd, n0, 1, true));
	FN_CHECK(r, _test_cmd_hwpt_check_iotlb(r->fd, n0, 3, 0));
	FN_STEP(r, fn_replace(r->fd, stdev[0], n1, NULL));
	FN_STEP(r, fn_iotlb_inv(r->fd, n1, 4, false));
	FN_STEP(r, fn_replace(r->fd, stdev[1], parent, NULL));
	FN_STEP(r, _test_ioctl_destroy(r->fd, n0));
	FN_STEP(r, fn_replace(r->fd, stdev[0], ioas, NULL));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, fn_big, FN_PG(16), FN_IOVA(1)));
	FN_CHECK(r, _test_cmd_check_map(r->fd, parent, FN_IOVA(1), FN_PG(16), fn_big));
	return 0;
}

TEST_F_TIMEOUT(nest_fail_nth, nested_invalidate, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "nested_invalidate", seq_nested_invalidate, 120);
}

/* Three devices behind one nested HWPT; the parent filled by later maps */
static int seq_nest_parent_map(struct fn_run *r)
{
	__u32 ioas = 0, stdev[3] = {}, idev[3] = {}, parent = 0, n = 0;
	unsigned int i;

	fn_nest_base(r, 0, &ioas, 3, stdev, idev);
	FN_STEP(r, fn_hwpt(r->fd, idev[0], ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	FN_STEP(r, _test_cmd_hwpt_alloc_nested(r->fd, idev[0], parent, 0, &n,
					       IOMMU_TEST_IOTLB_DEFAULT));
	for (i = 0; i != 3; i++)
		FN_STEP(r, fn_replace(r->fd, stdev[i], n, NULL));
	for (i = 0; i != 8; i++)
		FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(fn_big, 8 * i), FN_PG(8),
					FN_IOVA(1 + i)));
	FN_CHECK(r, _test_cmd_check_map(r->fd, parent, FN_IOVA(6), FN_PG(8),
					FN_OFF(fn_big, 40)));
	FN_STEP(r, fn_unmap(r->fd, ioas, FN_IOVA(1), FN_IOVA(5) - FN_IOVA(1)));
	FN_STEP(r, fn_map_file_fixed(r->fd, ioas, mfd, 0, BUFFER_SIZE, FN_IOVA(1)));
	FN_CHECK(r, _test_cmd_check_map(r->fd, parent, FN_IOVA(1), BUFFER_SIZE, mfd_buffer));
	FN_CHECK(r, _test_cmd_check_refs(r->fd, fn_big, FN_PG(32), 0));
	return 0;
}

TEST_F_TIMEOUT(nest_fail_nth, nest_parent_map, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "nest_parent_map", seq_nest_parent_map, 160);
}

/* ------------------------------------------------------ vIOMMU, vDEVICE */

/* A vIOMMU with two vDEVICEs, a nested HWPT of it, both invalidations */
static int seq_viommu(struct fn_run *r)
{
	static const __u64 virt[2] = { 0x10, 0x11 };
	struct iommu_viommu_selftest data = { .in_data = 5 };
	__u32 ioas = 0, stdev[2] = {}, idev[2] = {}, parent = 0, v = 0, vdev[2] = {}, n = 0;

	fn_nest_base(r, 0, &ioas, 2, stdev, idev);
	FN_STEP(r, fn_hwpt(r->fd, idev[0], ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	FN_STEP(r, _test_cmd_viommu_alloc(r->fd, idev[0], parent, IOMMU_VIOMMU_TYPE_SELFTEST, 0,
					  &data, sizeof(data), &v));
	FN_CHECK(r, fn_true(data.out_data == 5));
	FN_STEP(r, _test_cmd_vdevice_alloc(r->fd, v, idev[0], virt[0], &vdev[0]));
	FN_STEP(r, _test_cmd_vdevice_alloc(r->fd, v, idev[1], virt[1], &vdev[1]));
	FN_CHECK(r, fn_check_viommu(r->fd, v, parent, 2));
	FN_STEP(r, _test_cmd_hwpt_alloc_nested(r->fd, idev[0], v, 0, &n,
					       IOMMU_TEST_IOTLB_DEFAULT));
	FN_STEP(r, fn_replace(r->fd, stdev[0], n, NULL));
	FN_STEP(r, fn_replace(r->fd, stdev[1], n, NULL));
	FN_STEP(r, fn_viommu_inv(r->fd, v, virt, 2, 3));
	FN_CHECK(r, _test_cmd_dev_check_cache(r->fd, idev[1], 2, 0));
	FN_CHECK(r, _test_cmd_dev_check_cache(r->fd, idev[1], 3, IOMMU_TEST_DEV_CACHE_DEFAULT));
	FN_STEP(r, fn_iotlb_inv(r->fd, n, 2, false));
	/* The device goes, its vDEVICE with it */
	FN_STEP(r, _test_ioctl_destroy(r->fd, stdev[1]));
	FN_CHECK(r, fn_check_viommu(r->fd, v, parent, 1));
	FN_STEP(r, fn_replace(r->fd, stdev[0], parent, NULL));
	FN_STEP(r, _test_ioctl_destroy(r->fd, n));
	FN_STEP(r, _test_ioctl_destroy(r->fd, vdev[0]));
	FN_STEP(r, _test_ioctl_destroy(r->fd, v));
	FN_STEP(r, _test_cmd_viommu_alloc(r->fd, idev[0], parent, IOMMU_VIOMMU_TYPE_SELFTEST, 0,
					  NULL, 0, &v));
	FN_STEP(r, _test_cmd_vdevice_alloc(r->fd, v, idev[0], virt[1], &vdev[0]));
	return 0;
}

TEST_F_TIMEOUT(nest_fail_nth, viommu, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "viommu", seq_viommu, 60);
}

/* Three vIOMMUs on one parent, four devices spread over them */
static int seq_viommu_many(struct fn_run *r)
{
	static const __u64 virt[4] = { 0x100, 0x101, 0x102, 0x103 };
	__u32 ioas = 0, stdev[4] = {}, idev[4] = {}, parent = 0, v[3] = {}, vdev[4] = {};
	__u32 n[4] = {};
	unsigned int i;

	fn_nest_base(r, 0, &ioas, 4, stdev, idev);
	FN_STEP(r, fn_hwpt(r->fd, idev[0], ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, &parent));
	for (i = 0; i != 3; i++)
		FN_STEP(r, _test_cmd_viommu_alloc(r->fd, idev[i], parent,
						  IOMMU_VIOMMU_TYPE_SELFTEST, 0, NULL, 0, &v[i]));
	for (i = 0; i != 4; i++) {
		FN_STEP(r, _test_cmd_vdevice_alloc(r->fd, v[i % 3], idev[i], virt[i], &vdev[i]));
		FN_STEP(r, _test_cmd_hwpt_alloc_nested(r->fd, idev[i], v[i % 3], 0, &n[i],
						       IOMMU_TEST_IOTLB_DEFAULT));
		FN_STEP(r, fn_replace(r->fd, stdev[i], n[i], NULL));
	}
	/* v[0] has the vDEVICEs of devices 0 and 3 */
	FN_STEP(r, fn_viommu_inv(r->fd, v[0], (const __u64[]){ virt[0], virt[3] }, 2, 4));
	FN_STEP(r, fn_viommu_inv(r->fd, v[1], &virt[1], 1, 4));
	FN_STEP(r, fn_viommu_inv(r->fd, v[2], &virt[2], 1, 2));
	FN_CHECK(r, _test_cmd_dev_check_cache(r->fd, idev[3], 3, 0));
	FN_CHECK(r, fn_check_viommu(r->fd, v[0], parent, 2));
	FN_STEP(r, fn_replace(r->fd, stdev[3], ioas, NULL));
	FN_STEP(r, _test_ioctl_destroy(r->fd, n[3]));
	FN_STEP(r, _test_ioctl_destroy(r->fd, vdev[3]));
	FN_CHECK(r, fn_check_viommu(r->fd, v[0], parent, 1));
	FN_STEP(r, _test_cmd_vdevice_alloc(r->fd, v[2], idev[3], virt[3], &vdev[3]));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, fn_big, FN_PG(16), FN_IOVA(1)));
	return 0;
}

TEST_F_TIMEOUT(nest_fail_nth, viommu_many, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "viommu_many", seq_viommu_many, 140);
}

/* ----------------------------------------------------------------- PASID */

/* Eight PASIDs attached, replaced and detached over paging HWPTs and IOAS */
static int seq_pasid(struct fn_run *r)
{
	__u32 ioas = 0, stdev[2] = {}, idev[2] = {}, hp[3] = {}, got = 0;
	unsigned int i, p;

	fn_nest_base(r, MOCK_FLAGS_DEVICE_PASID, &ioas, 1, stdev, idev);
	for (i = 0; i != 3; i++)
		FN_STEP(r, fn_hwpt(r->fd, idev[0], ioas, IOMMU_HWPT_ALLOC_PASID, &hp[i]));
	for (p = 1; p <= 8; p++)
		FN_STEP(r, _test_cmd_pasid_attach(r->fd, stdev[0], p, p % 4 ? hp[p % 3] : ioas,
						  NULL));
	for (p = 1; p <= 8; p += 2)
		FN_STEP(r, _test_cmd_pasid_replace(r->fd, stdev[0], p, hp[(p + 1) % 3], NULL));
	FN_CHECK(r, _test_cmd_pasid_check_hwpt(r->fd, stdev[0], 3, hp[1]));
	FN_CHECK(r, _test_cmd_pasid_check_hwpt(r->fd, stdev[0], 6, hp[0]));
	for (p = 1; p <= 8; p += 3)
		FN_STEP(r, _test_cmd_pasid_detach(r->fd, stdev[0], p));
	FN_CHECK(r, _test_cmd_pasid_check_hwpt(r->fd, stdev[0], 4, 0));
	FN_STEP(r, _test_cmd_pasid_replace(r->fd, stdev[0], 8, ioas, &got));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, fn_big, FN_PG(16), FN_IOVA(1)));
	FN_CHECK(r, _test_cmd_check_map(r->fd, hp[2], FN_IOVA(1), FN_PG(16), fn_big));
	FN_STEP(r, _test_cmd_mock_domain_flags(r->fd, ioas, MOCK_FLAGS_DEVICE_PASID, &stdev[1],
					       NULL, &idev[1]));
	FN_STEP(r, _test_cmd_pasid_attach(r->fd, stdev[1], 5, hp[0], NULL));
	FN_STEP(r, _test_cmd_pasid_attach(r->fd, stdev[1], 6, ioas, NULL));
	FN_STEP(r, fn_replace(r->fd, stdev[0], hp[1], NULL));
	return 0;
}

TEST_F_TIMEOUT(nest_fail_nth, pasid, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "pasid", seq_pasid, 170);
}

/* PASIDs on nested HWPTs, then on the parent; the RID nested too */
static int seq_pasid_nested(struct fn_run *r)
{
	__u32 ioas = 0, stdev[1] = {}, idev[1] = {}, parent = 0, n[3] = {};
	unsigned int i, p;

	fn_nest_base(r, MOCK_FLAGS_DEVICE_PASID, &ioas, 1, stdev, idev);
	FN_STEP(r, fn_hwpt(r->fd, idev[0], ioas,
			   IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_PASID, &parent));
	for (i = 0; i != 3; i++)
		FN_STEP(r, _test_cmd_hwpt_alloc_nested(r->fd, idev[0], parent,
						       IOMMU_HWPT_ALLOC_PASID, &n[i], 0x200 + i));
	for (p = 1; p <= 6; p++)
		FN_STEP(r, _test_cmd_pasid_attach(r->fd, stdev[0], p, n[p % 3], NULL));
	for (p = 1; p <= 6; p += 2)
		FN_STEP(r, _test_cmd_pasid_replace(r->fd, stdev[0], p, parent, NULL));
	FN_STEP(r, fn_iotlb_inv(r->fd, n[0], 4, false));
	FN_STEP(r, fn_replace(r->fd, stdev[0], n[1], NULL));
	FN_CHECK(r, _test_cmd_pasid_check_hwpt(r->fd, stdev[0], 0, n[1]));
	FN_CHECK(r, _test_cmd_pasid_check_hwpt(r->fd, stdev[0], 2, n[2]));
	for (p = 1; p <= 6; p++)
		FN_STEP(r, _test_cmd_pasid_detach(r->fd, stdev[0], p));
	FN_STEP(r, _test_ioctl_destroy(r->fd, n[2]));
	FN_STEP(r, _test_cmd_pasid_attach(r->fd, stdev[0], 9, n[0], NULL));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, fn_big, FN_PG(16), FN_IOVA(1)));
	return 0;
}

TEST_F_TIMEOUT(nest_fail_nth, pasid_nested, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "pasid_nested", seq_pasid_nested, 75);
}

/* bind_pasid_table: HWPTs carrying the guest's PASID table on the RID */
static int seq_pasid_table(struct fn_run *r)
{
	__u32 ioas = 0, stdev[3] = {}, idev[3] = {}, parent = 0, t0 = 0, t1 = 0, hwpt = 0;

	fn_nest_base(r, MOCK_FLAGS_DEVICE_PASID, &ioas, 2, stdev, idev);
	FN_STEP(r, fn_hwpt(r->fd, idev[0], ioas,
			   IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_PASID, &parent));
	FN_STEP(r, _test_cmd_hwpt_alloc_pasid_table(r->fd, idev[0], parent, 0, &t0,
						    MOCK_PASID_WIDTH, TABLE_ADDR));
	FN_STEP(r, _test_cmd_hwpt_alloc_pasid_table(r->fd, idev[1], parent,
						    IOMMU_HWPT_ALLOC_PASID, &t1, 8,
						    TABLE_ADDR + 0x1000));
	FN_STEP(r, fn_replace(r->fd, stdev[0], t0, NULL));
	FN_CHECK(r, _test_cmd_pasid_check_hwpt(r->fd, stdev[0], 0, t0));
	FN_STEP(r, fn_replace(r->fd, stdev[1], t1, NULL));
	FN_STEP(r, fn_iotlb_inv(r->fd, t0, 2, false));
	FN_CHECK(r, _test_cmd_hwpt_check_iotlb(r->fd, t0, 1, 0));
	FN_STEP(r, fn_replace(r->fd, stdev[0], ioas, &hwpt));
	FN_STEP(r, _test_cmd_pasid_attach(r->fd, stdev[0], 5, hwpt, NULL));
	FN_STEP(r, _test_cmd_pasid_attach(r->fd, stdev[0], 6, parent, NULL));
	FN_STEP(r, _test_cmd_pasid_detach(r->fd, stdev[0], 5));
	FN_STEP(r, _test_cmd_pasid_detach(r->fd, stdev[0], 6));
	FN_STEP(r, fn_replace(r->fd, stdev[0], t1, NULL));
	FN_STEP(r, _test_cmd_mock_domain_flags(r->fd, t0, MOCK_FLAGS_DEVICE_PASID, &stdev[2],
					       NULL, &idev[2]));
	FN_STEP(r, fn_map_fixed(r->fd, ioas, fn_big, FN_PG(16), FN_IOVA(1)));
	FN_CHECK(r, _test_cmd_check_map(r->fd, parent, FN_IOVA(1), FN_PG(16), fn_big));
	return 0;
}

TEST_F_TIMEOUT(nest_fail_nth, pasid_table, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "pasid_table", seq_pasid_table, 95);
}

/* The RID round paging, nested, PASID-table HWPTs and the IOAS, twice */
static int seq_nest_replace_chain(struct fn_run *r)
{
	__u32 ioas = 0, stdev[1] = {}, idev[1] = {}, parent = 0, plain = 0, n = 0, t = 0;
	unsigned int k;

	fn_nest_base(r, MOCK_FLAGS_DEVICE_PASID, &ioas, 1, stdev, idev);
	FN_STEP(r, fn_map_fixed(r->fd, ioas, FN_OFF(fn_big, 16), FN_PG(16), FN_IOVA(1)));
	FN_STEP(r, fn_hwpt(r->fd, idev[0], ioas,
			   IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_PASID, &parent));
	FN_STEP(r, fn_hwpt(r->fd, idev[0], ioas, IOMMU_HWPT_ALLOC_PASID, &plain));
	FN_STEP(r, _test_cmd_hwpt_alloc_nested(r->fd, idev[0], parent, IOMMU_HWPT_ALLOC_PASID,
					       &n, IOMMU_TEST_IOTLB_DEFAULT));
	FN_STEP(r, _test_cmd_hwpt_alloc_pasid_table(r->fd, idev[0], parent, 0, &t,
						    MOCK_PASID_WIDTH, TABLE_ADDR));
	for (k = 0; k != 2; k++) {
		FN_STEP(r, fn_replace(r->fd, stdev[0], plain, NULL));
		FN_STEP(r, fn_replace(r->fd, stdev[0], n, NULL));
		FN_STEP(r, _test_cmd_pasid_attach(r->fd, stdev[0], 7, plain, NULL));
		FN_STEP(r, _test_cmd_pasid_detach(r->fd, stdev[0], 7));
		FN_STEP(r, fn_replace(r->fd, stdev[0], t, NULL));
		FN_CHECK(r, _test_cmd_pasid_check_hwpt(r->fd, stdev[0], 0, t));
		FN_STEP(r, fn_replace(r->fd, stdev[0], parent, NULL));
		FN_STEP(r, fn_replace(r->fd, stdev[0], ioas, NULL));
	}
	return 0;
}

TEST_F_TIMEOUT(nest_fail_nth, nest_replace_chain, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "nest_replace_chain", seq_nest_replace_chain, 210);
}

/* -------------------------------------------------------- close it all */

/* Every nesting object alive at close: nothing destroyed by hand */
static int seq_nest_close_live(struct fn_run *r)
{
	static const __u64 virt[2] = { 0x40, 0x41 };
	__u32 ioas = 0, stdev[4] = {}, idev[4] = {}, parent = 0, v = 0, vdev = 0, n[2] = {};
	__u32 t = 0, hp = 0;

	fn_nest_base(r, MOCK_FLAGS_DEVICE_PASID, &ioas, 4, stdev, idev);
	FN_STEP(r, fn_map_fixed(r->fd, ioas, fn_big, FN_PG(16), FN_IOVA(1)));
	FN_STEP(r, fn_hwpt(r->fd, idev[0], ioas,
			   IOMMU_HWPT_ALLOC_NEST_PARENT | IOMMU_HWPT_ALLOC_PASID, &parent));
	FN_STEP(r, fn_hwpt(r->fd, idev[0], ioas, IOMMU_HWPT_ALLOC_PASID, &hp));
	FN_STEP(r, _test_cmd_viommu_alloc(r->fd, idev[0], parent, IOMMU_VIOMMU_TYPE_SELFTEST, 0,
					  NULL, 0, &v));
	FN_STEP(r, _test_cmd_vdevice_alloc(r->fd, v, idev[0], virt[0], &vdev));
	FN_STEP(r, _test_cmd_vdevice_alloc(r->fd, v, idev[1], virt[1], &vdev));
	FN_STEP(r, _test_cmd_hwpt_alloc_nested(r->fd, idev[0], v, IOMMU_HWPT_ALLOC_PASID, &n[0],
					       IOMMU_TEST_IOTLB_DEFAULT));
	FN_STEP(r, _test_cmd_hwpt_alloc_nested(r->fd, idev[2], parent, IOMMU_HWPT_ALLOC_PASID,
					       &n[1], IOMMU_TEST_IOTLB_DEFAULT));
	FN_STEP(r, _test_cmd_hwpt_alloc_pasid_table(r->fd, idev[3], parent, 0, &t,
						    MOCK_PASID_WIDTH, TABLE_ADDR));
	FN_STEP(r, fn_replace(r->fd, stdev[0], n[0], NULL));
	FN_STEP(r, fn_replace(r->fd, stdev[1], n[0], NULL));
	FN_STEP(r, fn_replace(r->fd, stdev[2], hp, NULL));
	FN_STEP(r, _test_cmd_pasid_attach(r->fd, stdev[2], 3, n[1], NULL));
	FN_STEP(r, _test_cmd_pasid_attach(r->fd, stdev[2], 4, ioas, NULL));
	FN_STEP(r, _test_cmd_pasid_attach(r->fd, stdev[0], 5, hp, NULL));
	FN_STEP(r, fn_replace(r->fd, stdev[3], t, NULL));
	FN_STEP(r, fn_viommu_inv(r->fd, v, virt, 2, 2));
	FN_STEP(r, fn_iotlb_inv(r->fd, n[1], 2, false));
	FN_STEP(r, fn_map_file_fixed(r->fd, ioas, mfd, 0, BUFFER_SIZE, FN_IOVA(2)));
	return 0;
}

TEST_F_TIMEOUT(nest_fail_nth, nest_close_live, FN_TIMEOUT)
{
	fn_walk(_metadata, &self->env, "nest_close_live", seq_nest_close_live, 200);
}

TEST_HARNESS_MAIN
