/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the iofd-oot selftests.
 *
 * Every ioctl wrapper comes in three forms:
 *
 *   _test_cmd_x(fd, ...)        returns 0, or -1 with errno set; nothing else
 *   test_cmd_x(...)             ASSERT_EQ(0, _test_cmd_x(self->fd, ...))
 *   test_err_x(errno, ...)      asserts -1 and that errno is the one named
 *
 * (the ioctl wrappers are spelt test_ioctl_x for the /dev/iommu commands and
 * test_cmd_x for IOMMU_TEST_CMD operations). The short forms expect a
 * fixture with an int fd and, where they map or unmap, a __u32 ioas_id.
 *
 * Semantics the suites rely on (iofd-oot, where they differ from upstream):
 * user pages are pinned when IOMMU_IOAS_MAP / MAP_FILE runs, with or without
 * a domain attached, so MD_CHECK_REFS sees one pin per page right after a
 * map; IOAS_COPY and emulated-device accesses share that pin; the last unmap
 * or close drops it.
 *
 * The 6.1 kselftest harness is included with -isystem by the Makefile: its
 * macros compare mixed signedness and leave parameters unused, which
 * -Wextra -Werror would otherwise reject in every expansion.
 */
#ifndef __IOFD_SELFTEST_UTILS_H
#define __IOFD_SELFTEST_UTILS_H

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/iommufd.h>
#include <linux/iommufd_test.h>

#include "kselftest_harness.h"

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif

/* The kernel's spelling of the attribute, for these userspace helpers */
#ifndef __maybe_unused
#define __iofd_attr_unused unused
#define __maybe_unused __attribute__((__iofd_attr_unused))
#endif

#define IOFD_DEV "/dev/iommu"

#define sizeof_field(TYPE, MEMBER) sizeof((((TYPE *)0)->MEMBER))
#define offsetofend(TYPE, MEMBER) \
	(offsetof(TYPE, MEMBER) + sizeof_field(TYPE, MEMBER))

/* Sizes, filled in by the constructor below */
static __maybe_unused unsigned long PAGE_SIZE;
static __maybe_unused unsigned long HUGEPAGE_SIZE;
/* The mock IOMMU's page size: half a CPU page, so sub-page offsets matter */
#define MOCK_PAGE_SIZE (PAGE_SIZE / 2)

/*
 * A shared anonymous buffer and a memfd of the same size that most tests
 * map. Teardown checks that no page of either is left pinned.
 */
#define BUFFER_PAGES 16
static __maybe_unused unsigned long BUFFER_SIZE;
static __maybe_unused void *buffer;
static __maybe_unused int mfd = -1;
static __maybe_unused void *mfd_buffer;

static inline __maybe_unused unsigned long iofd_read_ulong(const char *path, unsigned long dflt)
{
	char buf[64];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return dflt;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return dflt;
	buf[n] = 0;
	return strtoul(buf, NULL, 0);	/* sysfs IDs are "0x..." */
}

/* mmap @length bytes aligned to @align (a power of two) */
static inline __maybe_unused void *iofd_mmap_aligned(size_t length, size_t align, int prot, int flags,
			       int fd, off_t off)
{
	size_t span = length + align;
	uint8_t *area, *aligned;

	area = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return MAP_FAILED;
	aligned = (uint8_t *)(((uintptr_t)area + align - 1) & ~(uintptr_t)(align - 1));
	if (mmap(aligned, length, prot, flags | MAP_FIXED, fd, off) == MAP_FAILED) {
		munmap(area, span);
		return MAP_FAILED;
	}
	if (aligned != area)
		munmap(area, aligned - area);
	if (aligned + length != area + span)
		munmap(aligned + length, area + span - (aligned + length));
	return aligned;
}

/* A memfd of @length bytes mapped shared; *@fd_out receives the memfd */
static inline __maybe_unused void *iofd_memfd_mmap(size_t length, int *fd_out)
{
	void *p;
	int fd;

	fd = memfd_create("iofd-selftest", MFD_CLOEXEC);
	if (fd < 0)
		return MAP_FAILED;
	if (ftruncate(fd, length)) {
		close(fd);
		return MAP_FAILED;
	}
	p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return MAP_FAILED;
	}
	*fd_out = fd;
	return p;
}

/*
 * Give the calling test process buffers of its own. Every fixture setup
 * calls this, so a pin leaked by one test (a page that can never be
 * unpinned again) fails that test's teardown and no other.
 */
static inline __maybe_unused void iofd_new_buffers(void)
{
	if (buffer && buffer != MAP_FAILED)
		munmap(buffer, BUFFER_SIZE);
	if (mfd_buffer && mfd_buffer != MAP_FAILED)
		munmap(mfd_buffer, BUFFER_SIZE);
	if (mfd >= 0)
		close(mfd);

	buffer = iofd_mmap_aligned(BUFFER_SIZE, HUGEPAGE_SIZE,
				   PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert(buffer != MAP_FAILED);
	memset(buffer, 0, BUFFER_SIZE);

	mfd = -1;
	mfd_buffer = iofd_memfd_mmap(BUFFER_SIZE, &mfd);
	assert(mfd_buffer != MAP_FAILED);
	memset(mfd_buffer, 0, BUFFER_SIZE);
}

static void __attribute__((constructor)) iofd_setup_sizes(void)
{
	PAGE_SIZE = sysconf(_SC_PAGE_SIZE);
	HUGEPAGE_SIZE = iofd_read_ulong(
		"/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", 0);
	if (!HUGEPAGE_SIZE)
		HUGEPAGE_SIZE = 2UL * 1024 * 1024;
	BUFFER_SIZE = PAGE_SIZE * BUFFER_PAGES;
	iofd_new_buffers();
}

/*
 * Make sure @npages hugetlb pages of the default size are free, reserving
 * more if needed (the tests run as root in a throw-away guest). Returns
 * false if the kernel cannot provide them.
 */
static inline __maybe_unused bool iofd_reserve_hugepages(unsigned long npages)
{
	const char *nr_path = "/proc/sys/vm/nr_hugepages";
	unsigned long nr, freep;
	char val[32];
	int fd, len;

	freep = iofd_read_ulong(
		"/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", 0);
	if (freep >= npages)
		return true;
	nr = iofd_read_ulong(nr_path, 0);
	fd = open(nr_path, O_WRONLY);
	if (fd < 0)
		return false;
	len = snprintf(val, sizeof(val), "%lu", nr + npages - freep);
	if (write(fd, val, len) != len) {
		close(fd);
		return false;
	}
	close(fd);
	freep = iofd_read_ulong(
		"/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", 0);
	return freep >= npages;
}

/* Value in kB of a field ("VmPin:", "VmLck:") of /proc/<pid>/status */
static inline __maybe_unused long iofd_proc_status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	long val = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fp = fopen(path, "r");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		if (!strncmp(line, field, strlen(field))) {
			val = strtol(line + strlen(field), NULL, 10);
			break;
		}
	}
	fclose(fp);
	return val;
}

static inline __maybe_unused long iofd_vm_pinned_kb(void)
{
	return iofd_proc_status_kb(getpid(), "VmPin:");
}

static inline __maybe_unused long iofd_vm_locked_kb(void)
{
	return iofd_proc_status_kb(getpid(), "VmLck:");
}

/*
 * Remove @cap from the effective and permitted sets of the calling thread,
 * with the raw capget/capset syscalls (no libcap in a static busybox guest).
 * Returns 0 or -1 with errno set.
 */
static inline __maybe_unused int iofd_drop_cap(unsigned int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[CAP_TO_INDEX(cap)].effective &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].permitted &= ~CAP_TO_MASK(cap);
	data[CAP_TO_INDEX(cap)].inheritable &= ~CAP_TO_MASK(cap);
	return syscall(SYS_capset, &hdr, data) ? -1 : 0;
}

static inline __maybe_unused bool iofd_has_cap(unsigned int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[CAP_TO_INDEX(cap)].effective & CAP_TO_MASK(cap);
}

/*
 * Run @cmd, then assert it failed with @expected_errno. errno is captured
 * right after the call so nothing in between can clobber it.
 */
#define EXPECT_ERRNO(expected_errno, cmd)                                 \
	({                                                                \
		int __rc = (cmd);                                         \
		int __err = errno;                                        \
		ASSERT_EQ(-1, __rc);                                      \
		EXPECT_EQ(expected_errno, __err);                         \
	})

/* ---------------------------------------------------------------- core */

static inline __maybe_unused int _test_ioctl_destroy(int fd, __u32 id)
{
	struct iommu_destroy cmd = {
		.size = sizeof(cmd),
		.id = id,
	};

	return ioctl(fd, IOMMU_DESTROY, &cmd) ? -1 : 0;
}
#define test_ioctl_destroy(id) ASSERT_EQ(0, _test_ioctl_destroy(self->fd, id))
#define test_err_destroy(_errno, id) \
	EXPECT_ERRNO(_errno, _test_ioctl_destroy(self->fd, id))

static inline __maybe_unused int _test_ioctl_ioas_alloc(int fd, __u32 *ioas_id)
{
	struct iommu_ioas_alloc cmd = {
		.size = sizeof(cmd),
	};

	if (ioctl(fd, IOMMU_IOAS_ALLOC, &cmd))
		return -1;
	*ioas_id = cmd.out_ioas_id;
	return 0;
}
#define test_ioctl_ioas_alloc(id_p)                                      \
	({                                                               \
		ASSERT_EQ(0, _test_ioctl_ioas_alloc(self->fd, id_p));    \
		ASSERT_NE(0, *(id_p));                                   \
	})

#define MAP_RW (IOMMU_IOAS_MAP_WRITEABLE | IOMMU_IOAS_MAP_READABLE)

/* With IOMMU_IOAS_MAP_FIXED_IOVA *@iova is the input; it is always output */
static inline __maybe_unused int _test_ioctl_ioas_map(int fd, __u32 ioas_id, void *va, size_t length,
				__u64 *iova, __u32 flags)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas_id,
		.user_va = (uintptr_t)va,
		.length = length,
	};

	if (flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		cmd.iova = *iova;
	if (ioctl(fd, IOMMU_IOAS_MAP, &cmd))
		return -1;
	*iova = cmd.iova;
	return 0;
}
#define test_ioctl_ioas_map_id(ioas_id, va, length, iova_p)                   \
	ASSERT_EQ(0, _test_ioctl_ioas_map(self->fd, ioas_id, va, length, iova_p, \
					  MAP_RW))
#define test_ioctl_ioas_map(va, length, iova_p) \
	test_ioctl_ioas_map_id(self->ioas_id, va, length, iova_p)
#define test_err_ioctl_ioas_map(_errno, va, length, iova_p)                 \
	EXPECT_ERRNO(_errno, _test_ioctl_ioas_map(self->fd, self->ioas_id,  \
						  va, length, iova_p, MAP_RW))
#define test_ioctl_ioas_map_fixed_id(ioas_id, va, length, _iova)              \
	({                                                                    \
		__u64 __iova = (_iova);                                       \
		ASSERT_EQ(0, _test_ioctl_ioas_map(                            \
				     self->fd, ioas_id, va, length, &__iova,  \
				     IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW));    \
	})
#define test_ioctl_ioas_map_fixed(va, length, _iova) \
	test_ioctl_ioas_map_fixed_id(self->ioas_id, va, length, _iova)
#define test_err_ioctl_ioas_map_fixed(_errno, va, length, _iova)              \
	({                                                                    \
		__u64 __iova = (_iova);                                       \
		EXPECT_ERRNO(_errno,                                          \
			     _test_ioctl_ioas_map(                            \
				     self->fd, self->ioas_id, va, length,     \
				     &__iova,                                 \
				     IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW));    \
	})

static inline __maybe_unused int _test_ioctl_ioas_map_file(int fd, __u32 ioas_id, int file_fd,
				     __u64 start, __u64 length, __u64 *iova,
				     __u32 flags)
{
	struct iommu_ioas_map_file cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.ioas_id = ioas_id,
		.fd = file_fd,
		.start = start,
		.length = length,
	};

	if (flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		cmd.iova = *iova;
	if (ioctl(fd, IOMMU_IOAS_MAP_FILE, &cmd))
		return -1;
	*iova = cmd.iova;
	return 0;
}
#define test_ioctl_ioas_map_file_id(ioas_id, file_fd, start, length, iova_p) \
	ASSERT_EQ(0, _test_ioctl_ioas_map_file(self->fd, ioas_id, file_fd,   \
					       start, length, iova_p, MAP_RW))
#define test_ioctl_ioas_map_file(file_fd, start, length, iova_p)          \
	test_ioctl_ioas_map_file_id(self->ioas_id, file_fd, start, length, \
				    iova_p)
#define test_err_ioctl_ioas_map_file(_errno, file_fd, start, length, iova_p) \
	EXPECT_ERRNO(_errno, _test_ioctl_ioas_map_file(                       \
				     self->fd, self->ioas_id, file_fd, start, \
				     length, iova_p, MAP_RW))

static inline __maybe_unused int _test_ioctl_ioas_unmap(int fd, __u32 ioas_id, __u64 iova,
				  __u64 length, __u64 *out_len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.iova = iova,
		.length = length,
	};

	if (ioctl(fd, IOMMU_IOAS_UNMAP, &cmd))
		return -1;
	if (out_len)
		*out_len = cmd.length;
	return 0;
}
#define test_ioctl_ioas_unmap_id(ioas_id, iova, length)                      \
	ASSERT_EQ(0, _test_ioctl_ioas_unmap(self->fd, ioas_id, iova, length, \
					    NULL))
#define test_ioctl_ioas_unmap(iova, length) \
	test_ioctl_ioas_unmap_id(self->ioas_id, iova, length)
#define test_err_ioctl_ioas_unmap_id(_errno, ioas_id, iova, length)         \
	EXPECT_ERRNO(_errno, _test_ioctl_ioas_unmap(self->fd, ioas_id, iova, \
						    length, NULL))
#define test_err_ioctl_ioas_unmap(_errno, iova, length) \
	test_err_ioctl_ioas_unmap_id(_errno, self->ioas_id, iova, length)

/* With IOMMU_IOAS_MAP_FIXED_IOVA *@dst_iova is the input; always output */
static inline __maybe_unused int _test_ioctl_ioas_copy(int fd, __u32 dst_ioas_id, __u32 src_ioas_id,
				 __u64 src_iova, __u64 length, __u64 *dst_iova,
				 __u32 flags)
{
	struct iommu_ioas_copy cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dst_ioas_id = dst_ioas_id,
		.src_ioas_id = src_ioas_id,
		.length = length,
		.src_iova = src_iova,
	};

	if (flags & IOMMU_IOAS_MAP_FIXED_IOVA)
		cmd.dst_iova = *dst_iova;
	if (ioctl(fd, IOMMU_IOAS_COPY, &cmd))
		return -1;
	*dst_iova = cmd.dst_iova;
	return 0;
}
#define test_ioctl_ioas_copy(dst_ioas, src_ioas, src_iova, length, dst_p, flags) \
	ASSERT_EQ(0, _test_ioctl_ioas_copy(self->fd, dst_ioas, src_ioas,        \
					   src_iova, length, dst_p, flags))
#define test_err_ioctl_ioas_copy(_errno, dst_ioas, src_ioas, src_iova, length, \
				 dst_p, flags)                                \
	EXPECT_ERRNO(_errno,                                                  \
		     _test_ioctl_ioas_copy(self->fd, dst_ioas, src_ioas,      \
					   src_iova, length, dst_p, flags))

/* *@num: in, room in @ranges; out, number of ranges the IOAS has */
static inline __maybe_unused int _test_ioctl_iova_ranges(int fd, __u32 ioas_id,
				   struct iommu_iova_range *ranges, __u32 *num,
				   __u64 *alignment)
{
	struct iommu_ioas_iova_ranges cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = *num,
		.allowed_iovas = (uintptr_t)ranges,
	};
	int rc;

	rc = ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &cmd);
	*num = cmd.num_iovas;
	if (alignment)
		*alignment = cmd.out_iova_alignment;
	return rc ? -1 : 0;
}

static inline __maybe_unused int _test_ioctl_allow_iovas(int fd, __u32 ioas_id,
				   struct iommu_iova_range *ranges, __u32 num)
{
	struct iommu_ioas_allow_iovas cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas_id,
		.num_iovas = num,
		.allowed_iovas = (uintptr_t)ranges,
	};

	return ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, &cmd) ? -1 : 0;
}
#define test_ioctl_allow_iovas(ioas_id, ranges, num) \
	ASSERT_EQ(0, _test_ioctl_allow_iovas(self->fd, ioas_id, ranges, num))
#define test_err_allow_iovas(_errno, ioas_id, ranges, num) \
	EXPECT_ERRNO(_errno,                                \
		     _test_ioctl_allow_iovas(self->fd, ioas_id, ranges, num))

/* For OP_GET *@val is output, for OP_SET input */
static inline __maybe_unused int _test_ioctl_option(int fd, __u32 option_id, __u16 op,
			      __u32 object_id, __u64 *val)
{
	struct iommu_option cmd = {
		.size = sizeof(cmd),
		.option_id = option_id,
		.op = op,
		.object_id = object_id,
		.val64 = *val,
	};

	if (ioctl(fd, IOMMU_OPTION, &cmd))
		return -1;
	if (op == IOMMU_OPTION_OP_GET)
		*val = cmd.val64;
	return 0;
}

static inline __maybe_unused int _test_ioctl_set_huge_pages(int fd, __u32 ioas_id, __u64 val)
{
	return _test_ioctl_option(fd, IOMMU_OPTION_HUGE_PAGES,
				  IOMMU_OPTION_OP_SET, ioas_id, &val);
}

static inline __maybe_unused int _test_ioctl_set_rlimit_mode(int fd, __u64 val)
{
	return _test_ioctl_option(fd, IOMMU_OPTION_RLIMIT_MODE,
				  IOMMU_OPTION_OP_SET, 0, &val);
}

static inline __maybe_unused int _test_cmd_get_hw_info(int fd, __u32 dev_id, void *data,
				 __u32 data_len, struct iommu_hw_info *out)
{
	struct iommu_hw_info cmd = {
		.size = sizeof(cmd),
		.dev_id = dev_id,
		.data_len = data_len,
		.data_uptr = (uintptr_t)data,
	};

	if (ioctl(fd, IOMMU_GET_HW_INFO, &cmd))
		return -1;
	if (out)
		*out = cmd;
	return 0;
}
#define test_cmd_get_hw_info(dev_id, data, data_len, out)                      \
	ASSERT_EQ(0, _test_cmd_get_hw_info(self->fd, dev_id, data, data_len,   \
					   out))
#define test_err_get_hw_info(_errno, dev_id, data, data_len)                   \
	EXPECT_ERRNO(_errno, _test_cmd_get_hw_info(self->fd, dev_id, data,     \
						   data_len, NULL))

static inline __maybe_unused int _test_cmd_hwpt_alloc(int fd, __u32 dev_id, __u32 pt_id, __u32 flags,
				__u32 *hwpt_id, __u32 data_type, void *data,
				__u32 data_len, __u32 fault_id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.dev_id = dev_id,
		.pt_id = pt_id,
		.data_type = data_type,
		.data_len = data_len,
		.data_uptr = (uintptr_t)data,
		.fault_id = fault_id,
	};

	if (ioctl(fd, IOMMU_HWPT_ALLOC, &cmd))
		return -1;
	if (hwpt_id)
		*hwpt_id = cmd.out_hwpt_id;
	return 0;
}
#define test_cmd_hwpt_alloc(dev_id, pt_id, flags, hwpt_id_p)                   \
	ASSERT_EQ(0, _test_cmd_hwpt_alloc(self->fd, dev_id, pt_id, flags,      \
					  hwpt_id_p, IOMMU_HWPT_DATA_NONE,     \
					  NULL, 0, 0))
#define test_err_hwpt_alloc(_errno, dev_id, pt_id, flags, hwpt_id_p)           \
	EXPECT_ERRNO(_errno, _test_cmd_hwpt_alloc(self->fd, dev_id, pt_id,     \
						  flags, hwpt_id_p,            \
						  IOMMU_HWPT_DATA_NONE, NULL,  \
						  0, 0))

/* ------------------------------------------------------- IOMMU_TEST_CMD */

static inline __maybe_unused int _test_cmd_add_reserved(int fd, __u32 ioas_id, __u64 start,
				  __u64 length)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_ADD_RESERVED,
		.id = ioas_id,
		.add_reserved = { .start = start, .length = length },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -1 : 0;
}
#define test_cmd_add_reserved(ioas_id, start, length) \
	ASSERT_EQ(0, _test_cmd_add_reserved(self->fd, ioas_id, start, length))
#define test_err_add_reserved(_errno, ioas_id, start, length) \
	EXPECT_ERRNO(_errno,                                  \
		     _test_cmd_add_reserved(self->fd, ioas_id, start, length))

static inline __maybe_unused int _test_cmd_mock_domain_flags(int fd, __u32 pt_id, __u32 dev_flags,
				       __u32 *stdev_id, __u32 *hwpt_id,
				       __u32 *idev_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS,
		.id = pt_id,
		.mock_domain_flags = { .dev_flags = dev_flags },
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return -1;
	if (stdev_id)
		*stdev_id = cmd.mock_domain_flags.out_stdev_id;
	if (hwpt_id)
		*hwpt_id = cmd.mock_domain_flags.out_hwpt_id;
	if (idev_id)
		*idev_id = cmd.mock_domain_flags.out_idev_id;
	return 0;
}
#define test_cmd_mock_domain_flags(pt_id, flags, stdev_p, hwpt_p, idev_p)      \
	ASSERT_EQ(0, _test_cmd_mock_domain_flags(self->fd, pt_id, flags,       \
						 stdev_p, hwpt_p, idev_p))
#define test_err_mock_domain_flags(_errno, pt_id, flags)                       \
	EXPECT_ERRNO(_errno, _test_cmd_mock_domain_flags(self->fd, pt_id,      \
							 flags, NULL, NULL,    \
							 NULL))

static inline __maybe_unused int _test_cmd_mock_domain(int fd, __u32 pt_id, __u32 *stdev_id,
				 __u32 *hwpt_id, __u32 *idev_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = pt_id,
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return -1;
	if (stdev_id)
		*stdev_id = cmd.mock_domain.out_stdev_id;
	if (hwpt_id)
		*hwpt_id = cmd.mock_domain.out_hwpt_id;
	if (idev_id)
		*idev_id = cmd.mock_domain.out_idev_id;
	return 0;
}
#define test_cmd_mock_domain(pt_id, stdev_p, hwpt_p, idev_p)                  \
	ASSERT_EQ(0, _test_cmd_mock_domain(self->fd, pt_id, stdev_p, hwpt_p,  \
					   idev_p))
#define test_err_mock_domain(_errno, pt_id)                                   \
	EXPECT_ERRNO(_errno, _test_cmd_mock_domain(self->fd, pt_id, NULL,     \
						   NULL, NULL))

static inline __maybe_unused int _test_cmd_mock_domain_replace(int fd, __u32 stdev_id, __u32 pt_id,
					 __u32 *hwpt_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
		.id = stdev_id,
		.mock_domain_replace = { .pt_id = pt_id },
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return -1;
	if (hwpt_id)
		*hwpt_id = cmd.mock_domain_replace.pt_id;
	return 0;
}
#define test_cmd_mock_domain_replace(stdev_id, pt_id)                         \
	ASSERT_EQ(0, _test_cmd_mock_domain_replace(self->fd, stdev_id, pt_id, \
						   NULL))
#define test_err_mock_domain_replace(_errno, stdev_id, pt_id)                 \
	EXPECT_ERRNO(_errno, _test_cmd_mock_domain_replace(self->fd, stdev_id, \
							   pt_id, NULL))

/* Ask the mock driver whether [@iova, +@length) of @hwpt_id maps @uptr */
static inline __maybe_unused int _test_cmd_check_map(int fd, __u32 hwpt_id, __u64 iova,
			       __u64 length, const void *uptr)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_MAP,
		.id = hwpt_id,
		.check_map = { .iova = iova,
			       .length = length,
			       .uptr = (uintptr_t)uptr },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -1 : 0;
}
#define test_cmd_check_map(hwpt_id, iova, length, uptr) \
	ASSERT_EQ(0, _test_cmd_check_map(self->fd, hwpt_id, iova, length, uptr))
#define test_err_check_map(_errno, hwpt_id, iova, length, uptr)   \
	EXPECT_ERRNO(_errno, _test_cmd_check_map(self->fd, hwpt_id, iova, \
						 length, uptr))

/* Every page of [@uptr, +@length) must hold exactly @refs pins */
static inline __maybe_unused int _test_cmd_check_refs(int fd, const void *uptr, __u64 length,
				__u32 refs)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MD_CHECK_REFS,
		.check_refs = { .length = length,
				.uptr = (uintptr_t)uptr,
				.refs = refs },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -1 : 0;
}
#define check_refs(uptr, length, refs) \
	ASSERT_EQ(0, _test_cmd_check_refs(self->fd, uptr, length, refs))

/* The access is a file descriptor; closing it destroys the access */
static inline __maybe_unused int _test_cmd_create_access(int fd, __u32 ioas_id, int *access_fd,
				   __u32 flags)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_CREATE_ACCESS,
		.id = ioas_id,
		.create_access = { .flags = flags },
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return -1;
	*access_fd = cmd.create_access.out_access_fd;
	return 0;
}
#define test_cmd_create_access(ioas_id, access_fd_p, flags)                   \
	ASSERT_EQ(0, _test_cmd_create_access(self->fd, ioas_id, access_fd_p,  \
					     flags))
#define test_err_create_access(_errno, ioas_id, flags)                        \
	({                                                                    \
		int __afd;                                                    \
		EXPECT_ERRNO(_errno, _test_cmd_create_access(self->fd,        \
							     ioas_id, &__afd, \
							     flags));         \
	})
#define test_cmd_destroy_access(access_fd) ASSERT_EQ(0, close(access_fd))

static inline __maybe_unused int _test_cmd_access_pages(int fd, int access_fd, __u64 iova,
				  __u64 length, const void *uptr, __u32 flags,
				  __u32 *pages_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_ACCESS_PAGES,
		.id = access_fd,
		.access_pages = { .flags = flags,
				  .iova = iova,
				  .length = length,
				  .uptr = (uintptr_t)uptr },
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return -1;
	if (pages_id)
		*pages_id = cmd.access_pages.out_access_pages_id;
	return 0;
}
#define test_cmd_access_pages(access_fd, iova, length, uptr, flags, id_p)    \
	ASSERT_EQ(0, _test_cmd_access_pages(self->fd, access_fd, iova,       \
					    length, uptr, flags, id_p))
#define test_err_access_pages(_errno, access_fd, iova, length, uptr, flags)  \
	EXPECT_ERRNO(_errno, _test_cmd_access_pages(self->fd, access_fd,     \
						    iova, length, uptr,      \
						    flags, NULL))

static inline __maybe_unused int _test_cmd_destroy_access_pages(int fd, int access_fd,
					  __u32 pages_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_DESTROY_ACCESS_PAGES,
		.id = access_fd,
		.destroy_access_pages = { .access_pages_id = pages_id },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -1 : 0;
}
#define test_cmd_destroy_access_pages(access_fd, pages_id)                    \
	ASSERT_EQ(0, _test_cmd_destroy_access_pages(self->fd, access_fd,      \
						    pages_id))
#define test_err_destroy_access_pages(_errno, access_fd, pages_id)            \
	EXPECT_ERRNO(_errno, _test_cmd_destroy_access_pages(self->fd,         \
							    access_fd,        \
							    pages_id))

static inline __maybe_unused int _test_cmd_access_rw(int fd, int access_fd, __u64 iova,
			       __u64 length, void *uptr, __u32 flags)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_ACCESS_RW,
		.id = access_fd,
		.access_rw = { .iova = iova,
			       .length = length,
			       .uptr = (uintptr_t)uptr,
			       .flags = flags },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -1 : 0;
}
#define test_cmd_access_rw(access_fd, iova, length, uptr, flags)              \
	ASSERT_EQ(0, _test_cmd_access_rw(self->fd, access_fd, iova, length,   \
					 uptr, flags))
#define test_err_access_rw(_errno, access_fd, iova, length, uptr, flags)      \
	EXPECT_ERRNO(_errno, _test_cmd_access_rw(self->fd, access_fd, iova,   \
						 length, uptr, flags))

static inline __maybe_unused int _test_cmd_access_replace_ioas(int fd, int access_fd, __u32 ioas_id)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_ACCESS_REPLACE_IOAS,
		.id = access_fd,
		.access_replace_ioas = { .ioas_id = ioas_id },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -1 : 0;
}
#define test_cmd_access_replace_ioas(access_fd, ioas_id)                      \
	ASSERT_EQ(0, _test_cmd_access_replace_ioas(self->fd, access_fd,       \
						   ioas_id))
#define test_err_access_replace_ioas(_errno, access_fd, ioas_id)              \
	EXPECT_ERRNO(_errno, _test_cmd_access_replace_ioas(self->fd,          \
							   access_fd,         \
							   ioas_id))

/* 0 restores the core's default */
static inline __maybe_unused int _test_cmd_set_temp_memory_limit(int fd, __u32 limit)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_SET_TEMP_MEMORY_LIMIT,
		.memory_limit = { .limit = limit },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -1 : 0;
}
#define test_cmd_set_temp_memory_limit(limit) \
	ASSERT_EQ(0, _test_cmd_set_temp_memory_limit(self->fd, limit))

/*
 * iofd-oot extension: arm failure injection for the calling task (@nth = 1
 * fails the next injection point; 0 disarms). *@remaining, if given, gets
 * how many points the previous setting still had to pass (0 = it fired, or
 * nothing was armed).
 */
static inline __maybe_unused int _test_cmd_fail_nth(int fd, __u32 nth, __u32 *remaining)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_IOFD_FAIL_NTH,
		.iofd_fail_nth = { .nth = nth },
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return -1;
	if (remaining)
		*remaining = cmd.iofd_fail_nth.out_remaining;
	return 0;
}

/* iofd-oot extension: pin, charge, uncharge and unpin a user range */
static inline __maybe_unused int _test_cmd_pin_bench(int fd, void *uptr, __u64 length)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_IOFD_PIN_BENCH,
		.iofd_pin_bench = { .uptr = (uintptr_t)uptr, .length = length },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd) ? -1 : 0;
}

/* ------------------------------------------------------------ teardown */

/*
 * Close @fd, then open a fresh context and have the mock driver check that
 * no page of the shared buffers is still pinned: everything the closed
 * context held must be gone. A test that failed half way may still hold an
 * access file, which keeps its context alive: every descriptor above 2 is
 * closed first so that only a real leak shows here. EXPECT only: an ASSERT
 * in a teardown would jump back into it with the 6.1 harness.
 */
static inline __maybe_unused void
teardown_iommufd(int fd, struct __test_metadata *_metadata)
{
	int check_fd, i;

	if (fd < 0)
		return;
	EXPECT_EQ(0, close(fd));
	for (i = 3; i < 1024; i++)
		close(i);
	mfd = -1;

	check_fd = open(IOFD_DEV, O_RDWR);
	EXPECT_NE(-1, check_fd);
	if (check_fd < 0)
		return;
	EXPECT_EQ(0, _test_cmd_check_refs(check_fd, buffer, BUFFER_SIZE, 0));
	EXPECT_EQ(0, _test_cmd_check_refs(check_fd, mfd_buffer, BUFFER_SIZE, 0));
	EXPECT_EQ(0, close(check_fd));
}

/* Fill @len bytes at @p with a pattern derived from @seed */
static inline __maybe_unused void iofd_fill(void *p, size_t len, unsigned int seed)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i != len; i++)
		b[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 8));
}

#endif
