/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * iofd-oot: IOMMU_TEST_CMD, the test interface of /dev/iommu.
 *
 * The test command drives the software ("mock") IOMMU driver, so the core
 * can be exercised without hardware. It is binary compatible with
 * drivers/iommu/iommufd/iommufd_test.h of upstream Linux v6.17: same ioctl
 * number, same operation numbers, same structure layouts and constants, so
 * upstream's selftests can be built against this header. The operations
 * iofd-oot adds are numbered from 0x10f00000 and marked as extensions.
 *
 * Only the iofd_mock module implements this interface. Without it the ioctl
 * fails with ENOTTY.
 */
#ifndef _UAPI_IOMMUFD_TEST_H
#define _UAPI_IOMMUFD_TEST_H

#include <linux/iommufd.h>
#include <linux/types.h>

/**
 * enum iommufd_test_op - operation selected by @op of struct iommu_test_cmd
 * @IOMMU_TEST_OP_ADD_RESERVED: reserve an IOVA range in the IOAS @id, as a
 *                              device with a reserved region would
 * @IOMMU_TEST_OP_MOCK_DOMAIN: create a mock device, bind it and attach it
 *                             to the IOAS or HWPT @id
 * @IOMMU_TEST_OP_MD_CHECK_MAP: check that the mock page table of @id maps
 *                              a range to the expected user pages
 * @IOMMU_TEST_OP_MD_CHECK_REFS: check the pin count of user pages
 * @IOMMU_TEST_OP_CREATE_ACCESS: create an in-kernel access (the interface
 *                               emulated devices such as mdev use) on the
 *                               IOAS @id, returned as a file descriptor
 * @IOMMU_TEST_OP_DESTROY_ACCESS_PAGES: release pages pinned by ACCESS_PAGES
 * @IOMMU_TEST_OP_ACCESS_PAGES: pin an IOVA range through the access @id
 * @IOMMU_TEST_OP_ACCESS_RW: copy between user memory and an IOVA range
 *                           through the access @id
 * @IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT: limit the temporary memory the core
 *                                       uses while pinning, to force its
 *                                       slow paths
 * @IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE: move the mock device @id to another
 *                                     IOAS or HWPT
 * @IOMMU_TEST_OP_ACCESS_REPLACE_IOAS: move the access @id to another IOAS
 * @IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS: as MOCK_DOMAIN, with device flags
 * @IOMMU_TEST_OP_DIRTY: mark pages of the mock HWPT @id dirty
 * @IOMMU_TEST_OP_MD_CHECK_IOTLB: check one mock IOTLB entry of the nested
 *                                HWPT @id
 * @IOMMU_TEST_OP_TRIGGER_IOPF: make a mock device raise an I/O page fault
 * @IOMMU_TEST_OP_DEV_CHECK_CACHE: check one mock device cache entry of the
 *                                 device @id
 * @IOMMU_TEST_OP_TRIGGER_VEVENT: make a mock device raise a vIOMMU event
 * @IOMMU_TEST_OP_PASID_ATTACH: attach a PASID of the mock device @id
 * @IOMMU_TEST_OP_PASID_REPLACE: replace the HWPT of an attached PASID
 * @IOMMU_TEST_OP_PASID_DETACH: detach a PASID of the mock device @id
 * @IOMMU_TEST_OP_PASID_CHECK_HWPT: check which HWPT a PASID is attached to
 * @IOMMU_TEST_OP_IOFD_PIN_BENCH: iofd-oot extension, see
 *                                &iommu_test_cmd.iofd_pin_bench
 * @IOMMU_TEST_OP_IOFD_FAIL_NTH: iofd-oot extension, see
 *                               &iommu_test_cmd.iofd_fail_nth
 * @IOMMU_TEST_OP_IOFD_VIOMMU_INFO: iofd-oot extension, see
 *                                  &iommu_test_cmd.iofd_viommu_info
 */
enum iommufd_test_op {
	IOMMU_TEST_OP_ADD_RESERVED = 1,
	IOMMU_TEST_OP_MOCK_DOMAIN,
	IOMMU_TEST_OP_MD_CHECK_MAP,
	IOMMU_TEST_OP_MD_CHECK_REFS,
	IOMMU_TEST_OP_CREATE_ACCESS,
	IOMMU_TEST_OP_DESTROY_ACCESS_PAGES,
	IOMMU_TEST_OP_ACCESS_PAGES,
	IOMMU_TEST_OP_ACCESS_RW,
	IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT,
	IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
	IOMMU_TEST_OP_ACCESS_REPLACE_IOAS,
	IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
	IOMMU_TEST_OP_DIRTY,
	IOMMU_TEST_OP_MD_CHECK_IOTLB,
	IOMMU_TEST_OP_TRIGGER_IOPF,
	IOMMU_TEST_OP_DEV_CHECK_CACHE,
	IOMMU_TEST_OP_TRIGGER_VEVENT,
	IOMMU_TEST_OP_PASID_ATTACH,
	IOMMU_TEST_OP_PASID_REPLACE,
	IOMMU_TEST_OP_PASID_DETACH,
	IOMMU_TEST_OP_PASID_CHECK_HWPT,

	/* iofd-oot extensions: not in upstream, numbered from 0x10f00000 */
	IOMMU_TEST_OP_IOFD_PIN_BENCH = 0x10f00000,
	IOMMU_TEST_OP_IOFD_FAIL_NTH = 0x10f00001,
	IOMMU_TEST_OP_IOFD_VIOMMU_INFO = 0x10f00002,
};

/**
 * enum iommufd_test_mock_aperture - IOVA aperture of the mock IOMMU
 * @MOCK_APERTURE_START: first IOVA a mock domain can translate
 * @MOCK_APERTURE_LAST: last IOVA a mock domain can translate, inclusive
 */
enum iommufd_test_mock_aperture {
	MOCK_APERTURE_START = 1UL << 24,
	MOCK_APERTURE_LAST = (1UL << 31) - 1,
};

/**
 * enum iommufd_test_access_pages_flags - @flags of ACCESS_PAGES
 * @MOCK_FLAGS_ACCESS_WRITE: pin the pages for writing
 * @MOCK_FLAGS_ACCESS_SYZ: the IOVA is not absolute but encodes a mapping
 *                         of the IOAS and an offset in it (lets a fuzzer
 *                         reach valid ranges)
 */
enum iommufd_test_access_pages_flags {
	MOCK_FLAGS_ACCESS_WRITE = 1 << 0,
	MOCK_FLAGS_ACCESS_SYZ = 1 << 16,
};

/**
 * enum iommufd_test_access_rw_flags - @flags of ACCESS_RW
 * @MOCK_ACCESS_RW_WRITE: copy from user memory into the IOVA range; without
 *                        it, copy from the IOVA range to user memory
 * @MOCK_ACCESS_RW_SLOW_PATH: behave as a caller without a user address
 *                            space (a kernel thread), which forces the
 *                            slower page-by-page copy
 */
enum iommufd_test_access_rw_flags {
	MOCK_ACCESS_RW_WRITE = 1 << 0,
	MOCK_ACCESS_RW_SLOW_PATH = 1 << 2,
};

/**
 * enum iommufd_test_create_access_flags - @flags of CREATE_ACCESS
 * @MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES: the access may pin pages
 *                                            (ACCESS_PAGES) and then gets
 *                                            unmap notifications; without
 *                                            it only ACCESS_RW is allowed
 */
enum iommufd_test_create_access_flags {
	MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES = 1 << 0,
};

/**
 * enum iommufd_test_mock_device_flags - @dev_flags of MOCK_DOMAIN_FLAGS
 * @MOCK_FLAGS_DEVICE_NO_DIRTY: the mock device's IOMMU cannot track dirty
 *                              pages
 * @MOCK_FLAGS_DEVICE_HUGE_IOVA: the mock device uses a large IOVA aperture
 *                               instead of the MOCK_APERTURE_* one
 * @MOCK_FLAGS_DEVICE_PASID: the mock device supports PASID, with
 *                           MOCK_PASID_WIDTH bits
 */
enum iommufd_test_mock_device_flags {
	MOCK_FLAGS_DEVICE_NO_DIRTY = 1 << 0,
	MOCK_FLAGS_DEVICE_HUGE_IOVA = 1 << 1,
	MOCK_FLAGS_DEVICE_PASID = 1 << 2,
};

/**
 * enum iommufd_test_mock_iotlb - mock IOTLB of a nested mock HWPT
 * @MOCK_NESTED_DOMAIN_IOTLB_ID_MAX: highest valid IOTLB entry index
 * @MOCK_NESTED_DOMAIN_IOTLB_NUM: number of IOTLB entries
 */
enum iommufd_test_mock_iotlb {
	MOCK_NESTED_DOMAIN_IOTLB_ID_MAX = 3,
	MOCK_NESTED_DOMAIN_IOTLB_NUM = 4,
};

/**
 * enum iommufd_test_mock_dev_cache - mock device cache of a mock device
 * @MOCK_DEV_CACHE_ID_MAX: highest valid cache entry index
 * @MOCK_DEV_CACHE_NUM: number of cache entries
 */
enum iommufd_test_mock_dev_cache {
	MOCK_DEV_CACHE_ID_MAX = 3,
	MOCK_DEV_CACHE_NUM = 4,
};

/* PASID kept aside by the mock driver for a special PASID replace test */
#define IOMMU_TEST_PASID_RESERVED 1024

/**
 * struct iommu_test_cmd - ioctl(IOMMU_TEST_CMD)
 * @size: in, sizeof(struct iommu_test_cmd)
 * @op: in, one of enum iommufd_test_op
 * @id: in, the object the operation works on; its kind depends on @op
 * @__reserved: must be 0
 * @add_reserved: ADD_RESERVED. @id is an IOAS. In: start, length.
 * @mock_domain: MOCK_DOMAIN. @id is an IOAS or HWPT. Out: out_stdev_id
 *               (the mock device, used as @id by later ops), out_hwpt_id
 *               (the HWPT the device ends up attached to), out_idev_id
 *               (the ID of the bound device, as a real bind returns).
 * @mock_domain_flags: MOCK_DOMAIN_FLAGS. As @mock_domain, plus, in,
 *                     dev_flags (enum iommufd_test_mock_device_flags).
 * @mock_domain_replace: MOCK_DOMAIN_REPLACE. @id is a mock device. In:
 *                       pt_id, the new IOAS or HWPT.
 * @check_map: MD_CHECK_MAP. @id is a mock paging HWPT. In: iova, length, and
 *             uptr, the user memory expected to back that IOVA range.
 * @check_refs: MD_CHECK_REFS. In: length and uptr, a user range; refs, the
 *              reference count expected on every page of it.
 * @create_access: CREATE_ACCESS. @id is an IOAS. Out: out_access_fd. In:
 *                 flags (enum iommufd_test_create_access_flags).
 * @destroy_access_pages: DESTROY_ACCESS_PAGES. @id is an access fd. In:
 *                        access_pages_id, from ACCESS_PAGES.
 * @access_pages: ACCESS_PAGES. @id is an access fd. In: flags (enum
 *                iommufd_test_access_pages_flags), iova, length, uptr (the
 *                user memory expected behind the range). Out:
 *                out_access_pages_id.
 * @access_rw: ACCESS_RW. @id is an access fd. In: iova, length, uptr (the
 *             user buffer), flags (enum iommufd_test_access_rw_flags).
 * @memory_limit: SET_TEMP_MEMORY_LIMIT. In: limit, the new limit in bytes
 *                (the default is 65536).
 * @access_replace_ioas: ACCESS_REPLACE_IOAS. @id is an access fd. In:
 *                       ioas_id, the new IOAS.
 * @dirty: DIRTY. @id is a mock paging HWPT. In: flags (unused, pass 0), iova,
 *         length, page_size, uptr (a bitmap, one bit per page_size unit,
 *         of the pages to mark dirty). Out: out_nr_dirty, the number of
 *         pages marked.
 * @check_iotlb: MD_CHECK_IOTLB. @id is a nested mock HWPT. In: id, the
 *               IOTLB entry index; iotlb, the value expected in it.
 * @trigger_iopf: TRIGGER_IOPF. In: dev_id (the bound mock device), pasid,
 *                grpid, perm (enum iommu_hwpt_pgfault_perm) and addr of the
 *                fault to raise.
 * @check_dev_cache: DEV_CHECK_CACHE. @id is a bound mock device. In: id, the
 *                   cache entry index; cache, the value expected in it.
 * @trigger_vevent: TRIGGER_VEVENT. In: dev_id, the bound mock device that
 *                  raises the event.
 * @pasid_attach: PASID_ATTACH. @id is a mock device. In: pasid, pt_id.
 * @pasid_replace: PASID_REPLACE. @id is a mock device. In: pasid, pt_id.
 * @pasid_detach: PASID_DETACH. @id is a mock device. In: pasid.
 * @pasid_check: PASID_CHECK_HWPT. @id is a mock device. In: pasid, and
 *               hwpt_id, the HWPT expected (0 for none).
 * @iofd_pin_bench: IOFD_PIN_BENCH (iofd-oot extension). In: uptr and length,
 *                  a user range that the kernel pins, charges to the pinned
 *                  memory limit, then unpins and uncharges, through the same
 *                  path as IOMMU_IOAS_MAP, with no device involved. Used to
 *                  measure pinning cost and to test the limit accounting.
 * @iofd_fail_nth: IOFD_FAIL_NTH (iofd-oot extension). In: nth, arm the
 *                 calling task so that the nth failure-injection point it
 *                 reaches from now on fails (1 = the next one), or 0 to
 *                 disarm; flags, must be 0. Out: out_remaining, how many
 *                 points the previous setting still had to pass before
 *                 firing (0 if it already fired or none was armed).
 * @iofd_viommu_info: IOFD_VIOMMU_INFO (iofd-oot extension). @id is a mock
 *                    vIOMMU. Out: out_vmid, the VMID the mock allocated for
 *                    it (unique among live mock vIOMMUs, never 0);
 *                    out_parent_id, the ID of its nest-parent HWPT;
 *                    out_nr_vdevs, how many vDEVICEs it has.
 * @last: end marker. The kernel takes offsetofend(struct iommu_test_cmd,
 *        last), 68, as the smallest accepted @size; sizeof is 72. Nothing
 *        may be added after it.
 */
struct iommu_test_cmd {
	__u32 size;
	__u32 op;
	__u32 id;
	__u32 __reserved;
	union {
		struct {
			__aligned_u64 start;
			__aligned_u64 length;
		} add_reserved;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
		} mock_domain;
		struct {
			__u32 out_stdev_id;
			__u32 out_hwpt_id;
			__u32 out_idev_id;
			__u32 dev_flags;
		} mock_domain_flags;
		struct {
			__u32 pt_id;
		} mock_domain_replace;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} check_map;
		struct {
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 refs;
		} check_refs;
		struct {
			__u32 out_access_fd;
			__u32 flags;
		} create_access;
		struct {
			__u32 access_pages_id;
		} destroy_access_pages;
		struct {
			__u32 flags;
			__u32 out_access_pages_id;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
		} access_pages;
		struct {
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 uptr;
			__u32 flags;
		} access_rw;
		struct {
			__u32 limit;
		} memory_limit;
		struct {
			__u32 ioas_id;
		} access_replace_ioas;
		struct {
			__u32 flags;
			__aligned_u64 iova;
			__aligned_u64 length;
			__aligned_u64 page_size;
			__aligned_u64 uptr;
			__aligned_u64 out_nr_dirty;
		} dirty;
		struct {
			__u32 id;
			__u32 iotlb;
		} check_iotlb;
		struct {
			__u32 dev_id;
			__u32 pasid;
			__u32 grpid;
			__u32 perm;
			__u64 addr;
		} trigger_iopf;
		struct {
			__u32 id;
			__u32 cache;
		} check_dev_cache;
		struct {
			__u32 dev_id;
		} trigger_vevent;
		struct {
			__u32 pasid;
			__u32 pt_id;
		} pasid_attach;
		struct {
			__u32 pasid;
			__u32 pt_id;
		} pasid_replace;
		struct {
			__u32 pasid;
		} pasid_detach;
		struct {
			__u32 pasid;
			__u32 hwpt_id;
		} pasid_check;
		/*
		 * iofd-oot extensions. They fit in the union as upstream
		 * sizes it (48 bytes, set by @dirty), so the layout of the
		 * whole structure is unchanged.
		 */
		struct {
			__aligned_u64 uptr;
			__aligned_u64 length;
		} iofd_pin_bench;
		struct {
			__u32 nth;
			__u32 flags;
			__u32 out_remaining;
		} iofd_fail_nth;
		struct {
			__u32 out_vmid;
			__u32 out_parent_id;
			__u32 out_nr_vdevs;
		} iofd_viommu_info;
	};
	__u32 last;
};
#define IOMMU_TEST_CMD _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32)

/* Number of PASID bits of a mock device made with MOCK_FLAGS_DEVICE_PASID */
#define MOCK_PASID_WIDTH 20

/*
 * IOMMU_GET_HW_INFO on a mock device reports IOMMU_HW_INFO_TYPE_SELFTEST
 * data, a struct iommu_test_hw_info whose test_reg holds
 * IOMMU_HW_INFO_SELFTEST_REGVAL.
 */
#define IOMMU_HW_INFO_TYPE_SELFTEST	0xfeedbeef
#define IOMMU_HW_INFO_SELFTEST_REGVAL	0xdeadbeef

/**
 * struct iommu_test_hw_info - mock IOMMU information
 *                             (IOMMU_HW_INFO_TYPE_SELFTEST)
 * @flags: out, 0
 * @test_reg: out, IOMMU_HW_INFO_SELFTEST_REGVAL
 */
struct iommu_test_hw_info {
	__u32 flags;
	__u32 test_reg;
};

/*
 * HWPT data type of a nested mock HWPT. Chosen so as not to collide with
 * enum iommu_hwpt_data_type. Every IOTLB entry of a new nested mock HWPT
 * starts at the given iotlb value (normally IOMMU_TEST_IOTLB_DEFAULT);
 * every mock device cache entry starts at IOMMU_TEST_DEV_CACHE_DEFAULT.
 */
#define IOMMU_HWPT_DATA_SELFTEST 0xdead
#define IOMMU_TEST_IOTLB_DEFAULT 0xbadbeef
#define IOMMU_TEST_DEV_CACHE_DEFAULT 0xbaddad

/**
 * struct iommu_hwpt_selftest - nested mock HWPT data
 *                              (IOMMU_HWPT_DATA_SELFTEST)
 * @iotlb: in, initial value of every mock IOTLB entry
 */
struct iommu_hwpt_selftest {
	__u32 iotlb;
};

/*
 * Invalidation data types of the mock driver. They do not collide with
 * enum iommu_hwpt_invalidate_data_type; the _INVALID value is one the mock
 * driver rejects, for negative tests.
 */
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST 0xdeadbeef
#define IOMMU_HWPT_INVALIDATE_DATA_SELFTEST_INVALID 0xdadbeef

/* Flag of the mock invalidation entries: invalidate every entry */
#define IOMMU_TEST_INVALIDATE_FLAG_ALL (1 << 0)

/**
 * struct iommu_hwpt_invalidate_selftest - mock IOTLB invalidation
 *                                         (IOMMU_HWPT_INVALIDATE_DATA_SELFTEST)
 * @flags: in, 0 or IOMMU_TEST_INVALIDATE_FLAG_ALL
 * @iotlb_id: in, index of the IOTLB entry to clear; ignored with
 *            IOMMU_TEST_INVALIDATE_FLAG_ALL
 */
struct iommu_hwpt_invalidate_selftest {
	__u32 flags;
	__u32 iotlb_id;
};

/* vIOMMU type of the mock driver */
#define IOMMU_VIOMMU_TYPE_SELFTEST 0xdeadbeef

/**
 * struct iommu_viommu_selftest - mock vIOMMU data
 *                                (IOMMU_VIOMMU_TYPE_SELFTEST)
 * @in_data: in, any value
 * @out_data: out, a copy of @in_data (checks that data travels both ways)
 * @out_mmap_offset: out, mmap() offset of a page the mock vIOMMU exports
 * @out_mmap_length: out, mmap() length of that page
 */
struct iommu_viommu_selftest {
	__u32 in_data;
	__u32 out_data;
	__aligned_u64 out_mmap_offset;
	__aligned_u64 out_mmap_length;
};

/*
 * Invalidation data types of the mock vIOMMU. They do not collide with
 * enum iommu_hwpt_invalidate_data_type; the _INVALID value is rejected.
 */
#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST 0xdeadbeef
#define IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST_INVALID 0xdadbeef

/**
 * struct iommu_viommu_invalidate_selftest - mock device cache invalidation
 *         (IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST)
 * @flags: in, 0 or IOMMU_TEST_INVALIDATE_FLAG_ALL
 * @vdev_id: in, virtual ID of the device (its vDEVICE @virt_id)
 * @cache_id: in, index of the device cache entry to clear; ignored with
 *            IOMMU_TEST_INVALIDATE_FLAG_ALL
 */
struct iommu_viommu_invalidate_selftest {
	__u32 flags;
	__u32 vdev_id;
	__u32 cache_id;
};

/* vEVENTQ type of the mock driver */
#define IOMMU_VEVENTQ_TYPE_SELFTEST 0xbeefbeef

/**
 * struct iommu_viommu_event_selftest - mock vIOMMU event
 *                                      (IOMMU_VEVENTQ_TYPE_SELFTEST)
 * @virt_id: out, virtual ID of the device that raised the event
 */
struct iommu_viommu_event_selftest {
	__u32 virt_id;
};

/* HW queue type of the mock driver, and how many queues a mock vIOMMU has */
#define IOMMU_HW_QUEUE_TYPE_SELFTEST 0xdeadbeef
#define IOMMU_TEST_HW_QUEUE_MAX 2

/*
 * iofd-oot extension: a nested mock HWPT that, like an SMMUv3 vSTE with a
 * CD table or a bound VT-d PASID table, carries the guest's whole PASID
 * table (bind_pasid_table): attached to a RID it claims every PASID.
 */
#define IOMMU_HWPT_DATA_IOFD_SELFTEST_PASID_TABLE 0x10f00100

/**
 * struct iommu_hwpt_iofd_selftest_pasid_table - nested mock HWPT owning the
 *        guest PASID table (IOMMU_HWPT_DATA_IOFD_SELFTEST_PASID_TABLE)
 * @iotlb: in, initial value of every mock IOTLB entry
 * @pasid_bits: in, log2 of the PASIDs the table covers, 1..MOCK_PASID_WIDTH
 * @table_addr: in, guest-physical address of the table, non-zero, 4 KiB
 *              aligned (the mock only records it)
 */
struct iommu_hwpt_iofd_selftest_pasid_table {
	__u32 iotlb;
	__u32 pasid_bits;
	__aligned_u64 table_addr;
};

#endif
