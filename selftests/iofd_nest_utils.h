/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the nesting suites (iofd_nesting.c, iofd_viommu.c,
 * iofd_pasid.c): nested HWPTs, HWPT_INVALIDATE, vIOMMUs, vDEVICEs, the
 * mock IOTLB and device cache, and the PASID test operations.
 *
 * Same three forms as iommufd_utils.h: _test_cmd_x() returns 0 or -1 with
 * errno set, test_cmd_x() asserts success, test_err_x(errno, ...) asserts
 * the named errno.
 */
#ifndef __IOFD_NEST_UTILS_H
#define __IOFD_NEST_UTILS_H

#include "iommufd_utils.h"

/* ------------------------------------------------------- HWPT_ALLOC */

/* HWPT_ALLOC with driver data: a nested HWPT when @pt_id is a nest parent */
#define test_cmd_hwpt_alloc_data(dev_id, pt_id, flags, hwpt_id_p, type, data, \
				 len)                                         \
	({                                                                    \
		ASSERT_EQ(0, _test_cmd_hwpt_alloc(self->fd, dev_id, pt_id,    \
						  flags, hwpt_id_p, type,     \
						  data, len, 0));             \
		ASSERT_NE(0, *(hwpt_id_p));                                   \
	})
#define test_err_hwpt_alloc_data(_errno, dev_id, pt_id, flags, hwpt_id_p,    \
				 type, data, len)                             \
	EXPECT_ERRNO(_errno, _test_cmd_hwpt_alloc(self->fd, dev_id, pt_id,    \
						  flags, hwpt_id_p, type,     \
						  data, len, 0))

/* The usual nested HWPT: IOMMU_HWPT_DATA_SELFTEST with @iotlb */
static inline __maybe_unused int
_test_cmd_hwpt_alloc_nested(int fd, __u32 dev_id, __u32 pt_id, __u32 flags,
			    __u32 *hwpt_id, __u32 iotlb)
{
	struct iommu_hwpt_selftest data = { .iotlb = iotlb };

	return _test_cmd_hwpt_alloc(fd, dev_id, pt_id, flags, hwpt_id,
				    IOMMU_HWPT_DATA_SELFTEST, &data,
				    sizeof(data), 0);
}
#define test_cmd_hwpt_alloc_nested(dev_id, pt_id, flags, hwpt_id_p)          \
	({                                                                    \
		ASSERT_EQ(0, _test_cmd_hwpt_alloc_nested(                     \
				     self->fd, dev_id, pt_id, flags,          \
				     hwpt_id_p, IOMMU_TEST_IOTLB_DEFAULT));   \
		ASSERT_NE(0, *(hwpt_id_p));                                   \
	})
#define test_err_hwpt_alloc_nested(_errno, dev_id, pt_id, flags, hwpt_id_p)  \
	EXPECT_ERRNO(_errno, _test_cmd_hwpt_alloc_nested(                     \
				     self->fd, dev_id, pt_id, flags,          \
				     hwpt_id_p, IOMMU_TEST_IOTLB_DEFAULT))

/* HWPT_ALLOC from a raw struct, for the reserved fields */
static inline __maybe_unused int _test_ioctl_hwpt_alloc_raw(int fd,
					     struct iommu_hwpt_alloc *cmd)
{
	cmd->size = sizeof(*cmd);
	return ioctl(fd, IOMMU_HWPT_ALLOC, cmd) ? -1 : 0;
}

/* ----------------------------------------------- mock IOTLB / dev cache */

/* Entry @idx of the mock IOTLB of nested HWPT @hwpt_id must hold @val */
static inline __maybe_unused int _test_cmd_hwpt_check_iotlb(int fd,
					     __u32 hwpt_id, __u32 idx,
					     __u32 val)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_IOTLB,
		.id = hwpt_id,
		.check_iotlb = { .id = idx, .iotlb = val },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -1 : 0;
}
#define test_cmd_hwpt_check_iotlb(hwpt_id, idx, val) \
	ASSERT_EQ(0, _test_cmd_hwpt_check_iotlb(self->fd, hwpt_id, idx, val))
#define test_err_hwpt_check_iotlb(_errno, hwpt_id, idx, val)              \
	EXPECT_ERRNO(_errno, _test_cmd_hwpt_check_iotlb(self->fd, hwpt_id, \
							idx, val))
#define test_cmd_hwpt_check_iotlb_all(hwpt_id, val)                        \
	({                                                                 \
		__u32 __i;                                                 \
		for (__i = 0; __i <= MOCK_NESTED_DOMAIN_IOTLB_ID_MAX; __i++) \
			test_cmd_hwpt_check_iotlb(hwpt_id, __i, val);      \
	})

/* Entry @idx of the cache of the mock device bound as @dev_id */
static inline __maybe_unused int _test_cmd_dev_check_cache(int fd, __u32 dev_id,
					    __u32 idx, __u32 val)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DEV_CHECK_CACHE,
		.id = dev_id,
		.check_dev_cache = { .id = idx, .cache = val },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -1 : 0;
}
#define test_cmd_dev_check_cache(dev_id, idx, val) \
	ASSERT_EQ(0, _test_cmd_dev_check_cache(self->fd, dev_id, idx, val))
#define test_err_dev_check_cache(_errno, dev_id, idx, val)                \
	EXPECT_ERRNO(_errno, _test_cmd_dev_check_cache(self->fd, dev_id,   \
						       idx, val))
#define test_cmd_dev_check_cache_all(dev_id, val)                         \
	({                                                                \
		__u32 __i;                                                \
		for (__i = 0; __i <= MOCK_DEV_CACHE_ID_MAX; __i++)        \
			test_cmd_dev_check_cache(dev_id, __i, val);       \
	})

/* -------------------------------------------------- HWPT_INVALIDATE */

/*
 * *@entry_num: in, entries at @reqs; out, what the kernel wrote back (the
 * number handled), also when the call fails.
 */
static inline __maybe_unused int
_test_cmd_hwpt_invalidate(int fd, __u32 id, const void *reqs, __u32 data_type,
			  __u32 entry_len, __u32 *entry_num)
{
	struct iommu_hwpt_invalidate cmd = {
		.size = sizeof(cmd),
		.hwpt_id = id,
		.data_uptr = (uintptr_t)reqs,
		.data_type = data_type,
		.entry_len = entry_len,
		.entry_num = *entry_num,
	};
	int rc = ioctl(fd, IOMMU_HWPT_INVALIDATE, &cmd);
	int err = errno;

	*entry_num = cmd.entry_num;
	errno = err;
	return rc ? -1 : 0;
}
#define test_cmd_hwpt_invalidate(id, reqs, type, len, num_p)                 \
	ASSERT_EQ(0, _test_cmd_hwpt_invalidate(self->fd, id, reqs, type, len, \
					       num_p))
#define test_err_hwpt_invalidate(_errno, id, reqs, type, len, num_p)         \
	EXPECT_ERRNO(_errno, _test_cmd_hwpt_invalidate(self->fd, id, reqs,    \
						       type, len, num_p))

/* The mock IOTLB flavour: @n entries of struct iommu_hwpt_invalidate_selftest */
#define test_cmd_iotlb_inv(id, reqs, n)                                       \
	({                                                                    \
		__u32 __num = (n);                                            \
		test_cmd_hwpt_invalidate(id, reqs,                            \
				IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,          \
				sizeof(struct iommu_hwpt_invalidate_selftest), \
				&__num);                                      \
		ASSERT_EQ((__u32)(n), __num);                                 \
	})
/* The mock vIOMMU flavour: struct iommu_viommu_invalidate_selftest */
#define test_cmd_viommu_inv(id, reqs, n)                                      \
	({                                                                    \
		__u32 __num = (n);                                            \
		test_cmd_hwpt_invalidate(id, reqs,                            \
				IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST,        \
				sizeof(struct iommu_viommu_invalidate_selftest), \
				&__num);                                      \
		ASSERT_EQ((__u32)(n), __num);                                 \
	})

/* ------------------------------------------------- VIOMMU / VDEVICE */

static inline __maybe_unused int _test_cmd_viommu_alloc(int fd, __u32 dev_id,
					 __u32 hwpt_id, __u32 type,
					 __u32 flags, void *data,
					 __u32 data_len, __u32 *viommu_id)
{
	struct iommu_viommu_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.type = type,
		.dev_id = dev_id,
		.hwpt_id = hwpt_id,
		.data_len = data_len,
		.data_uptr = (uintptr_t)data,
	};

	if (ioctl(fd, IOMMU_VIOMMU_ALLOC, &cmd))
		return -1;
	if (viommu_id)
		*viommu_id = cmd.out_viommu_id;
	return 0;
}
#define test_cmd_viommu_alloc(dev_id, hwpt_id, viommu_id_p)                   \
	({                                                                    \
		ASSERT_EQ(0, _test_cmd_viommu_alloc(self->fd, dev_id,         \
						    hwpt_id,                  \
						    IOMMU_VIOMMU_TYPE_SELFTEST, \
						    0, NULL, 0,               \
						    viommu_id_p));            \
		ASSERT_NE(0, *(viommu_id_p));                                 \
	})
#define test_err_viommu_alloc(_errno, dev_id, hwpt_id, type, viommu_id_p)    \
	EXPECT_ERRNO(_errno, _test_cmd_viommu_alloc(self->fd, dev_id,         \
						    hwpt_id, type, 0, NULL,   \
						    0, viommu_id_p))

static inline __maybe_unused int _test_cmd_vdevice_alloc(int fd, __u32 viommu_id,
					  __u32 dev_id, __u64 virt_id,
					  __u32 *vdev_id)
{
	struct iommu_vdevice_alloc cmd = {
		.size = sizeof(cmd),
		.viommu_id = viommu_id,
		.dev_id = dev_id,
		.virt_id = virt_id,
	};

	if (ioctl(fd, IOMMU_VDEVICE_ALLOC, &cmd))
		return -1;
	if (vdev_id)
		*vdev_id = cmd.out_vdevice_id;
	return 0;
}
#define test_cmd_vdevice_alloc(viommu_id, dev_id, virt_id, vdev_id_p)         \
	({                                                                    \
		ASSERT_EQ(0, _test_cmd_vdevice_alloc(self->fd, viommu_id,     \
						     dev_id, virt_id,         \
						     vdev_id_p));             \
		ASSERT_NE(0, *(vdev_id_p));                                   \
	})
#define test_err_vdevice_alloc(_errno, viommu_id, dev_id, virt_id)           \
	({                                                                    \
		__u32 __vdev_id;                                              \
		EXPECT_ERRNO(_errno, _test_cmd_vdevice_alloc(self->fd,        \
							     viommu_id,       \
							     dev_id, virt_id, \
							     &__vdev_id));    \
	})

/* iofd-oot extension: what the mock knows of vIOMMU @viommu_id */
struct iofd_viommu_info {
	__u32 vmid;
	__u32 parent_id;
	__u32 nr_vdevs;
};

static inline __maybe_unused int _test_cmd_viommu_info(int fd, __u32 viommu_id,
					struct iofd_viommu_info *info)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_IOFD_VIOMMU_INFO,
		.id = viommu_id,
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return -1;
	info->vmid = cmd.iofd_viommu_info.out_vmid;
	info->parent_id = cmd.iofd_viommu_info.out_parent_id;
	info->nr_vdevs = cmd.iofd_viommu_info.out_nr_vdevs;
	return 0;
}
#define test_cmd_viommu_info(viommu_id, info_p) \
	ASSERT_EQ(0, _test_cmd_viommu_info(self->fd, viommu_id, info_p))
#define test_err_viommu_info(_errno, viommu_id)                            \
	({                                                                  \
		struct iofd_viommu_info __info;                             \
		EXPECT_ERRNO(_errno, _test_cmd_viommu_info(self->fd,        \
							   viommu_id,       \
							   &__info));       \
	})
/* Check the parent and the vDEVICE count of a vIOMMU in one go */
#define test_cmd_viommu_check(viommu_id, parent, nr)                        \
	({                                                                  \
		struct iofd_viommu_info __info;                             \
		test_cmd_viommu_info(viommu_id, &__info);                   \
		ASSERT_NE(0, __info.vmid);                                  \
		ASSERT_EQ((__u32)(parent), __info.parent_id);               \
		ASSERT_EQ((__u32)(nr), __info.nr_vdevs);                    \
	})

/* ------------------------------------------------------------- PASID */

/* PASID 0 in these test operations means the RID (no PASID), as upstream */
static inline __maybe_unused int _test_cmd_pasid_attach(int fd, __u32 stdev_id,
					 __u32 pasid, __u32 pt_id,
					 __u32 *hwpt_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_PASID_ATTACH,
		.id = stdev_id,
		.pasid_attach = { .pasid = pasid, .pt_id = pt_id },
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return -1;
	if (hwpt_id)
		*hwpt_id = cmd.pasid_attach.pt_id;
	return 0;
}
#define test_cmd_pasid_attach(stdev_id, pasid, pt_id)                       \
	ASSERT_EQ(0, _test_cmd_pasid_attach(self->fd, stdev_id, pasid, pt_id, \
					    NULL))
#define test_err_pasid_attach(_errno, stdev_id, pasid, pt_id)               \
	EXPECT_ERRNO(_errno, _test_cmd_pasid_attach(self->fd, stdev_id,     \
						    pasid, pt_id, NULL))

static inline __maybe_unused int _test_cmd_pasid_replace(int fd, __u32 stdev_id,
					  __u32 pasid, __u32 pt_id,
					  __u32 *hwpt_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_PASID_REPLACE,
		.id = stdev_id,
		.pasid_replace = { .pasid = pasid, .pt_id = pt_id },
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return -1;
	if (hwpt_id)
		*hwpt_id = cmd.pasid_replace.pt_id;
	return 0;
}
#define test_cmd_pasid_replace(stdev_id, pasid, pt_id)                       \
	ASSERT_EQ(0, _test_cmd_pasid_replace(self->fd, stdev_id, pasid, pt_id, \
					     NULL))
#define test_err_pasid_replace(_errno, stdev_id, pasid, pt_id)               \
	EXPECT_ERRNO(_errno, _test_cmd_pasid_replace(self->fd, stdev_id,     \
						     pasid, pt_id, NULL))

static inline __maybe_unused int _test_cmd_pasid_detach(int fd, __u32 stdev_id,
					 __u32 pasid)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_PASID_DETACH,
		.id = stdev_id,
		.pasid_detach = { .pasid = pasid },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -1 : 0;
}
#define test_cmd_pasid_detach(stdev_id, pasid) \
	ASSERT_EQ(0, _test_cmd_pasid_detach(self->fd, stdev_id, pasid))
#define test_err_pasid_detach(_errno, stdev_id, pasid) \
	EXPECT_ERRNO(_errno, _test_cmd_pasid_detach(self->fd, stdev_id, pasid))

/* @pasid of @stdev_id must be attached to @hwpt_id (0: to nothing) */
static inline __maybe_unused int _test_cmd_pasid_check_hwpt(int fd, __u32 stdev_id,
					     __u32 pasid, __u32 hwpt_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_PASID_CHECK_HWPT,
		.id = stdev_id,
		.pasid_check = { .pasid = pasid, .hwpt_id = hwpt_id },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -1 : 0;
}
#define test_cmd_pasid_check_hwpt(stdev_id, pasid, hwpt_id)                 \
	ASSERT_EQ(0, _test_cmd_pasid_check_hwpt(self->fd, stdev_id, pasid,  \
						hwpt_id))
#define test_err_pasid_check_hwpt(_errno, stdev_id, pasid, hwpt_id)         \
	EXPECT_ERRNO(_errno, _test_cmd_pasid_check_hwpt(self->fd, stdev_id, \
							pasid, hwpt_id))
/* What the RID of @stdev_id is attached to */
#define test_cmd_rid_check_hwpt(stdev_id, hwpt_id) \
	test_cmd_pasid_check_hwpt(stdev_id, 0, hwpt_id)

/* ---------------------------------------------- bind_pasid_table */

static inline __maybe_unused int
_test_cmd_hwpt_alloc_pasid_table(int fd, __u32 dev_id, __u32 pt_id,
				 __u32 flags, __u32 *hwpt_id,
				 __u32 pasid_bits, __u64 table_addr)
{
	struct iommu_hwpt_iofd_selftest_pasid_table data = {
		.iotlb = IOMMU_TEST_IOTLB_DEFAULT,
		.pasid_bits = pasid_bits,
		.table_addr = table_addr,
	};

	return _test_cmd_hwpt_alloc(fd, dev_id, pt_id, flags, hwpt_id,
				    IOMMU_HWPT_DATA_IOFD_SELFTEST_PASID_TABLE,
				    &data, sizeof(data), 0);
}
#define test_cmd_hwpt_alloc_pasid_table(dev_id, pt_id, flags, hwpt_id_p,      \
					bits, addr)                           \
	({                                                                    \
		ASSERT_EQ(0, _test_cmd_hwpt_alloc_pasid_table(                \
				     self->fd, dev_id, pt_id, flags,          \
				     hwpt_id_p, bits, addr));                 \
		ASSERT_NE(0, *(hwpt_id_p));                                   \
	})
#define test_err_hwpt_alloc_pasid_table(_errno, dev_id, pt_id, flags,        \
					hwpt_id_p, bits, addr)                \
	EXPECT_ERRNO(_errno, _test_cmd_hwpt_alloc_pasid_table(                \
				     self->fd, dev_id, pt_id, flags,          \
				     hwpt_id_p, bits, addr))

#endif
