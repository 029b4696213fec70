// SPDX-License-Identifier: GPL-2.0
/*
 * An unprivileged VMM: uid/gid 1000 without any capability, allowed to use
 * /dev/iommu only through the device's group (root:root 0660 by default,
 * like upstream; the tests give the group to gid 1000, "the VMM group",
 * and put it back afterwards).
 *
 * Every test forks a child that sets its limits, drops to uid/gid 1000
 * (which clears every capability) and runs the checks; its verdict comes
 * back as its exit status.
 *
 *  - open needs the group permission (EACCES without it)
 *  - no CAP_SYS_RESOURCE: IOMMU_OPTION_RLIMIT_MODE can be read, not set
 *  - RLIMIT_MEMLOCK binds in both accounting modes (per user, and per
 *    process as set up by a privileged opener), counters return to their
 *    baseline, IOAS_COPY is not charged twice
 *  - memfd seals and file modes are honoured by IOAS_MAP_FILE
 *  - objects of one context are invisible from another (ENOENT for the
 *    same IDs), including the mock device bound to it
 *  - IOMMU_TEST_CMD: what an unprivileged user can do with it (it is a
 *    test module; see Documentation/security.md)
 *  - a real device bound on one file cannot be bound on another (EBUSY)
 */
#include <grp.h>
#include "iofd_nest_utils.h"
#include "iofd_pci_utils.h"

#define VMM_UID 1000
#define VMM_GID 1000
#define OTHER_GID 2000
#define LIMIT_PAGES 64

FIXTURE(unpriv)
{
	struct stat orig;
	bool have_orig;
};

FIXTURE_SETUP(unpriv)
{
	if (getuid() != 0)
		SKIP(return, "must start as root to set up the VMM user");
	ASSERT_EQ(0, stat(IOFD_DEV, &self->orig));
	self->have_orig = true;
	/* The default every test starts from: root:root 0660 */
	ASSERT_EQ(0, chown(IOFD_DEV, 0, 0));
	ASSERT_EQ(0, chmod(IOFD_DEV, 0660));
}

FIXTURE_TEARDOWN(unpriv)
{
	/* Only root may (the child that failed an ASSERT may run this) */
	if (!self->have_orig || geteuid() != 0)
		return;
	EXPECT_EQ(0, chown(IOFD_DEV, self->orig.st_uid, self->orig.st_gid));
	EXPECT_EQ(0, chmod(IOFD_DEV, self->orig.st_mode & 07777));
}

/* The VMM group owns /dev/iommu */
static void grant_group(struct __test_metadata *_metadata)
{
	ASSERT_EQ(0, chown(IOFD_DEV, 0, VMM_GID));
}

/* No capability left in any set */
static bool no_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
	int i;

	if (syscall(SYS_capget, &hdr, data))
		return false;
	for (i = 0; i != _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective || data[i].permitted)
			return false;
	return true;
}

/*
 * Become uid @VMM_UID, gid @gid with supplementary groups @groups, and a
 * memlock limit of @limit_pages (0: unchanged). Giving up uid 0 clears
 * every capability.
 */
static int drop_to_vmm(gid_t gid, const gid_t *groups, size_t ngroups,
		       unsigned long limit_pages)
{
	struct rlimit rl = {
		.rlim_cur = limit_pages * PAGE_SIZE,
		.rlim_max = limit_pages * PAGE_SIZE,
	};

	if (limit_pages && setrlimit(RLIMIT_MEMLOCK, &rl))
		return -1;
	if (setgroups(ngroups, groups) || setresgid(gid, gid, gid) ||
	    setresuid(VMM_UID, VMM_UID, VMM_UID))
		return -1;
	return no_caps() ? 0 : -1;
}

/*
 * Run @fn in a child and take its verdict: in the child an ASSERT ends the
 * process with abort(), a failed EXPECT makes it exit 1.
 */
typedef void (*child_fn)(struct __test_metadata *_metadata, const void *arg);

static void in_child(struct __test_metadata *_metadata, child_fn fn,
		     const void *arg)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		fn(_metadata, arg);
		_exit(_metadata->passed ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("child: status %#x", status);
}

struct vmm_groups {
	gid_t gid;
	gid_t extra;	/* one supplementary group, or 0 for none */
	bool allowed;
};

static void try_open(struct __test_metadata *_metadata, const void *arg)
{
	const struct vmm_groups *g = arg;
	int fd;

	ASSERT_EQ(0, drop_to_vmm(g->gid, &g->extra, g->extra ? 1 : 0, 0));
	fd = open(IOFD_DEV, O_RDWR);
	if (!g->allowed) {
		EXPECT_EQ(-1, fd);
		EXPECT_EQ(EACCES, errno);
		EXPECT_ERRNO(EACCES, open(IOFD_DEV, O_RDONLY));
		return;
	}
	ASSERT_NE(-1, fd);
	EXPECT_EQ(0, close(fd));
}

TEST_F(unpriv, open_needs_group)
{
	const struct vmm_groups none = { VMM_GID, 0, false };
	const struct vmm_groups primary = { VMM_GID, 0, true };
	const struct vmm_groups supplementary = { OTHER_GID, VMM_GID, true };
	const struct vmm_groups other = { OTHER_GID, OTHER_GID, false };

	/* root:root 0660: no way in */
	in_child(_metadata, try_open, &none);
	grant_group(_metadata);
	/* The VMM group as the primary group, or as a supplementary one */
	in_child(_metadata, try_open, &primary);
	in_child(_metadata, try_open, &supplementary);
	/* Another group only: refused again */
	in_child(_metadata, try_open, &other);
}

static void rlimit_mode_child(struct __test_metadata *_metadata,
			      const void *arg __maybe_unused)
{
	__u64 val = 99;
	int fd;

	ASSERT_EQ(0, drop_to_vmm(VMM_GID, NULL, 0, 0));
	fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, fd);
	EXPECT_EQ(0, _test_ioctl_option(fd, IOMMU_OPTION_RLIMIT_MODE,
					IOMMU_OPTION_OP_GET, 0, &val));
	EXPECT_EQ(0, val);
	EXPECT_ERRNO(EPERM, _test_ioctl_set_rlimit_mode(fd, 1));
	/* Even setting what it already is */
	EXPECT_ERRNO(EPERM, _test_ioctl_set_rlimit_mode(fd, 0));
	EXPECT_EQ(0, _test_ioctl_option(fd, IOMMU_OPTION_RLIMIT_MODE,
					IOMMU_OPTION_OP_GET, 0, &val));
	EXPECT_EQ(0, val);
	EXPECT_EQ(0, close(fd));
}

TEST_F(unpriv, rlimit_mode_needs_cap_sys_resource)
{
	grant_group(_metadata);
	in_child(_metadata, rlimit_mode_child, NULL);
}

/*
 * The memlock limit binds @fd's pins (mode 0: the user's count, 1: the
 * process's VmLck); each charge comes back.
 */
static void check_memlock(struct __test_metadata *_metadata, int fd,
			  bool per_process)
{
	size_t len = LIMIT_PAGES * PAGE_SIZE;
	long pin0 = iofd_vm_pinned_kb(), lck0 = iofd_vm_locked_kb();
	long kb = len / 1024;
	__u32 ioas, ioas2;
	__u64 iova = 0, iova2 = 0;
	uint8_t *mem, *fmem;
	int memfd = -1;

	mem = mmap(NULL, len + PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	fmem = iofd_memfd_mmap(len + PAGE_SIZE, &memfd);
	ASSERT_NE(MAP_FAILED, fmem);
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd, &ioas2));

	/* One page too many: refused, nothing charged */
	EXPECT_ERRNO(ENOMEM, _test_ioctl_ioas_map(fd, ioas, mem,
						  len + PAGE_SIZE, &iova,
						  MAP_RW));
	EXPECT_ERRNO(ENOMEM, _test_ioctl_ioas_map_file(fd, ioas, memfd, 0,
						       len + PAGE_SIZE, &iova,
						       MAP_RW));
	EXPECT_EQ(pin0, iofd_vm_pinned_kb());
	EXPECT_EQ(lck0, iofd_vm_locked_kb());

	/* Exactly the limit: fine, and nothing more on top */
	ASSERT_EQ(0, _test_ioctl_ioas_map(fd, ioas, mem, len, &iova, MAP_RW));
	EXPECT_EQ(pin0 + kb, iofd_vm_pinned_kb());
	EXPECT_EQ(lck0 + (per_process ? kb : 0), iofd_vm_locked_kb());
	EXPECT_ERRNO(ENOMEM, _test_ioctl_ioas_map_file(fd, ioas, memfd, 0,
						       PAGE_SIZE, &iova2,
						       MAP_RW));
	/* A copy shares the pin: not charged again */
	EXPECT_EQ(0, _test_ioctl_ioas_copy(fd, ioas2, ioas, iova, len, &iova2,
					   MAP_RW));
	EXPECT_EQ(pin0 + kb, iofd_vm_pinned_kb());

	/* Every charge comes back: the whole limit is usable again */
	EXPECT_EQ(0, _test_ioctl_ioas_unmap(fd, ioas2, iova2, len, NULL));
	EXPECT_EQ(0, _test_ioctl_ioas_unmap(fd, ioas, iova, len, NULL));
	EXPECT_EQ(pin0, iofd_vm_pinned_kb());
	EXPECT_EQ(lck0, iofd_vm_locked_kb());
	EXPECT_EQ(0, _test_ioctl_ioas_map_file(fd, ioas, memfd, 0, len, &iova,
					       MAP_RW));
	EXPECT_EQ(pin0 + kb, iofd_vm_pinned_kb());
	EXPECT_EQ(0, _test_ioctl_ioas_unmap(fd, ioas, iova, len, NULL));
	EXPECT_EQ(pin0, iofd_vm_pinned_kb());
	EXPECT_EQ(lck0, iofd_vm_locked_kb());
	close(memfd);
}

static void memlock_per_user_child(struct __test_metadata *_metadata,
				   const void *arg __maybe_unused)
{
	int fd;

	ASSERT_EQ(0, drop_to_vmm(VMM_GID, NULL, 0, LIMIT_PAGES));
	fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, fd);
	check_memlock(_metadata, fd, false);
	EXPECT_EQ(0, close(fd));
}

/* Per user (the default mode), opened by the unprivileged VMM itself */
TEST_F(unpriv, memlock_per_user)
{
	grant_group(_metadata);
	in_child(_metadata, memlock_per_user_child, NULL);
}

static void memlock_per_process_child(struct __test_metadata *_metadata,
				      const void *arg __maybe_unused)
{
	__u64 val = 0;
	int fd;

	fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, fd);
	ASSERT_EQ(0, _test_ioctl_set_rlimit_mode(fd, 1));
	ASSERT_EQ(0, drop_to_vmm(VMM_GID, NULL, 0, LIMIT_PAGES));
	EXPECT_EQ(0, _test_ioctl_option(fd, IOMMU_OPTION_RLIMIT_MODE,
					IOMMU_OPTION_OP_GET, 0, &val));
	EXPECT_EQ(1, val);
	/* Still not changeable by the VMM */
	EXPECT_ERRNO(EPERM, _test_ioctl_set_rlimit_mode(fd, 0));
	check_memlock(_metadata, fd, true);
	EXPECT_EQ(0, close(fd));
}

/*
 * Per process: a privileged launcher opens the context, sets the mode and
 * hands it to the VMM (here: keeps it across dropping privileges).
 */
TEST_F(unpriv, memlock_per_process)
{
	in_child(_metadata, memlock_per_process_child, NULL);
}

static void map_file_child(struct __test_metadata *_metadata,
			   const void *arg __maybe_unused)
{
	size_t len = 4 * PAGE_SIZE;
	__u32 ioas;
	__u64 iova;
	char path[64];
	int fd, memfd, rofd, other;

	ASSERT_EQ(0, drop_to_vmm(VMM_GID, NULL, 0, LIMIT_PAGES));
	fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, fd);
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd, &ioas));
	memfd = memfd_create("iofd-unpriv", MFD_ALLOW_SEALING);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, len));

	/* Read-only descriptor: readable mapping only */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", memfd);
	rofd = open(path, O_RDONLY);
	ASSERT_LE(0, rofd);
	EXPECT_ERRNO(EPERM, _test_ioctl_ioas_map_file(fd, ioas, rofd, 0,
						      len, &iova,
						      MAP_RW));
	ASSERT_EQ(0, _test_ioctl_ioas_map_file(fd, ioas, rofd, 0, len,
					       &iova,
					       IOMMU_IOAS_MAP_READABLE));
	ASSERT_EQ(0, _test_ioctl_ioas_unmap(fd, ioas, iova, len, NULL));

	/* A writable pin is a writer: F_SEAL_WRITE must wait for it */
	ASSERT_EQ(0, _test_ioctl_ioas_map_file(fd, ioas, memfd, 0, len,
					       &iova, MAP_RW));
	EXPECT_ERRNO(EBUSY, fcntl(memfd, F_ADD_SEALS, F_SEAL_WRITE));
	ASSERT_EQ(0, _test_ioctl_ioas_unmap(fd, ioas, iova, len, NULL));

	/* Sealed: no writable mapping, a readable one is fine */
	ASSERT_EQ(0, fcntl(memfd, F_ADD_SEALS, F_SEAL_WRITE));
	EXPECT_EQ(-1, _test_ioctl_ioas_map_file(fd, ioas, memfd, 0, len,
						&iova, MAP_RW));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, _test_ioctl_ioas_map_file(fd, ioas, memfd, 0, len,
					       &iova,
					       IOMMU_IOAS_MAP_READABLE));

	/* Not shmem: refused */
	other = open("/proc/self/status", O_RDONLY);
	ASSERT_LE(0, other);
	EXPECT_ERRNO(EINVAL, _test_ioctl_ioas_map_file(fd, ioas, other, 0,
						       PAGE_SIZE, &iova,
						       IOMMU_IOAS_MAP_READABLE));
	/* Nor another iommufd */
	EXPECT_ERRNO(EINVAL, _test_ioctl_ioas_map_file(fd, ioas, fd, 0,
						       PAGE_SIZE, &iova,
						       IOMMU_IOAS_MAP_READABLE));
	close(other);
	close(rofd);
	close(memfd);
	EXPECT_EQ(0, close(fd));
}

/* IOAS_MAP_FILE honours how the file was opened and its seals */
TEST_F(unpriv, map_file_modes_and_seals)
{
	grant_group(_metadata);
	in_child(_metadata, map_file_child, NULL);
}

static void isolation_child(struct __test_metadata *_metadata,
			    const void *arg __maybe_unused)
{
	struct iommu_hwpt_invalidate_selftest inv = {};
	struct iommu_iova_range ranges[4];
	__u32 ioas, stdev, hwpt, idev, parent, viommu, nested, id;
	__u32 ids[7], num, i;
	__u64 iova = MOCK_APERTURE_START, val = 0;
	uint8_t *mem;
	int fda, fdb, afd;

	ASSERT_EQ(0, drop_to_vmm(VMM_GID, NULL, 0, LIMIT_PAGES));
	mem = mmap(NULL, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	memset(mem, 1, 4 * PAGE_SIZE);
	fda = open(IOFD_DEV, O_RDWR);
	fdb = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, fda);
	ASSERT_NE(-1, fdb);

	/* Context A: a mapped IOAS, a device, nesting objects */
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fda, &ioas));
	ASSERT_EQ(0, _test_ioctl_ioas_map(fda, ioas, mem,
					  4 * PAGE_SIZE, &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA |
						  MAP_RW));
	ASSERT_EQ(0, _test_cmd_mock_domain(fda, ioas, &stdev, &hwpt,
					   &idev));
	ASSERT_EQ(0, _test_cmd_hwpt_alloc(fda, idev, ioas,
					  IOMMU_HWPT_ALLOC_NEST_PARENT,
					  &parent, IOMMU_HWPT_DATA_NONE,
					  NULL, 0, 0));
	ASSERT_EQ(0, _test_cmd_viommu_alloc(fda, idev, parent,
					    IOMMU_VIOMMU_TYPE_SELFTEST,
					    0, NULL, 0, &viommu));
	ASSERT_EQ(0, _test_cmd_hwpt_alloc_nested(fda, idev, parent, 0,
						 &nested,
						 IOMMU_TEST_IOTLB_DEFAULT));

	/* Context B knows none of these IDs */
	EXPECT_ERRNO(ENOENT, _test_ioctl_ioas_map(fdb, ioas, mem,
						  PAGE_SIZE, &iova,
						  MAP_RW));
	EXPECT_ERRNO(ENOENT, _test_ioctl_ioas_unmap(fdb, ioas, iova,
						    4 * PAGE_SIZE,
						    NULL));
	num = 4;
	EXPECT_ERRNO(ENOENT, _test_ioctl_iova_ranges(fdb, ioas, ranges,
						     &num, NULL));
	EXPECT_ERRNO(ENOENT, _test_ioctl_option(fdb,
						IOMMU_OPTION_HUGE_PAGES,
						IOMMU_OPTION_OP_GET,
						ioas, &val));
	/* The device bound to A cannot be used through B */
	EXPECT_ERRNO(ENOENT, _test_cmd_get_hw_info(fdb, idev, NULL, 0,
						   NULL));
	EXPECT_ERRNO(ENOENT, _test_cmd_hwpt_alloc(fdb, idev, ioas, 0,
						  &id,
						  IOMMU_HWPT_DATA_NONE,
						  NULL, 0, 0));
	EXPECT_ERRNO(ENOENT, _test_cmd_mock_domain_replace(fdb, stdev,
							   hwpt, NULL));
	EXPECT_ERRNO(ENOENT, _test_cmd_pasid_check_hwpt(fdb, stdev, 0,
							0));
	EXPECT_ERRNO(ENOENT, _test_cmd_viommu_alloc(fdb, idev, parent,
						    IOMMU_VIOMMU_TYPE_SELFTEST,
						    0, NULL, 0, &id));
	EXPECT_ERRNO(ENOENT, _test_cmd_check_map(fdb, hwpt, iova,
						 PAGE_SIZE, mem));
	EXPECT_ERRNO(ENOENT, _test_cmd_create_access(fdb, ioas, &afd,
						     0));
	num = 1;
	EXPECT_ERRNO(ENOENT, _test_cmd_hwpt_invalidate(fdb, nested,
					&inv,
					IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
					sizeof(inv), &num));
	ids[0] = ioas;
	ids[1] = stdev;
	ids[2] = hwpt;
	ids[3] = idev;
	ids[4] = parent;
	ids[5] = viommu;
	ids[6] = nested;
	for (i = 0; i != 7; i++)
		EXPECT_ERRNO(ENOENT, _test_ioctl_destroy(fdb, ids[i]));

	/* B's own objects get IDs of their own, A's are untouched */
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fdb, &id));
	iova = MOCK_APERTURE_START;
	EXPECT_EQ(0, _test_ioctl_ioas_map(fdb, id, mem, PAGE_SIZE,
					  &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA |
						  MAP_RW));
	EXPECT_EQ(0, _test_cmd_check_map(fda, hwpt, MOCK_APERTURE_START,
					 4 * PAGE_SIZE, mem));
	EXPECT_EQ(0, _test_cmd_check_refs(fda, mem, PAGE_SIZE, 2));
	EXPECT_EQ(0, close(fdb));
	EXPECT_EQ(0, _test_cmd_check_refs(fda, mem, PAGE_SIZE, 1));
	EXPECT_EQ(0, close(fda));
}

/* A context's objects, as seen from another context of the same user */
TEST_F(unpriv, objects_invisible_from_other_fd)
{
	grant_group(_metadata);
	in_child(_metadata, isolation_child, NULL);
}

static void test_cmd_child(struct __test_metadata *_metadata,
			   const void *arg __maybe_unused)
{
	__u32 ioas, stdev, remaining = 0;
	uint8_t *mem;
	int fd;

	ASSERT_EQ(0, drop_to_vmm(VMM_GID, NULL, 0, LIMIT_PAGES));
	fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, fd);
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd, &ioas));
	/* Mock devices: software only, bound to this context */
	EXPECT_EQ(0, _test_cmd_mock_domain(fd, ioas, &stdev, NULL,
					   NULL));
	/* Failure injection: only for the calling task */
	EXPECT_EQ(0, _test_cmd_fail_nth(fd, 1, NULL));
	EXPECT_ERRNO(ENOMEM, _test_ioctl_ioas_alloc(fd, &ioas));
	EXPECT_EQ(0, _test_cmd_fail_nth(fd, 0, &remaining));
	/* Pinning benchmark: charged to the caller, so limited */
	mem = mmap(NULL, (LIMIT_PAGES + 1) * PAGE_SIZE,
		   PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	EXPECT_ERRNO(ENOMEM, _test_cmd_pin_bench(fd, mem,
						 (LIMIT_PAGES + 1) *
							 PAGE_SIZE));
	EXPECT_EQ(0, _test_cmd_pin_bench(fd, mem,
					 LIMIT_PAGES * PAGE_SIZE));
	/*
	 * The pin batch is global: any user of /dev/iommu can slow
	 * everybody's pinning (restored right away here).
	 */
	EXPECT_EQ(0, _test_cmd_set_temp_memory_limit(fd, 16));
	EXPECT_EQ(0, _test_cmd_set_temp_memory_limit(fd, 0));
	/* Pin counts of its own pages only (its own address space) */
	EXPECT_EQ(0, _test_cmd_check_refs(fd, mem, PAGE_SIZE, 0));
	EXPECT_EQ(0, close(fd));
}

/*
 * IOMMU_TEST_CMD is served to anyone who can open /dev/iommu while
 * iofd_mock.ko is loaded; no capability is checked. What that allows is
 * recorded here so that a change shows up (Documentation/security.md says
 * why the mock must not be loaded on a production host).
 */
TEST_F(unpriv, test_cmd_without_privilege)
{
	grant_group(_metadata);
	in_child(_metadata, test_cmd_child, NULL);
}

/*
 * A real device (edu through iofd-pci, its char device given to the VMM
 * group) bound on one file cannot be bound on a second, whichever
 * context: EBUSY; once the first file is closed it can.
 */
static void second_bind_child(struct __test_metadata *_metadata,
			      const void *arg)
{
	const char *cdev = arg;
	int fd1, fd2, d1, d2;

	ASSERT_EQ(0, drop_to_vmm(VMM_GID, NULL, 0, 0));
	fd1 = open(IOFD_DEV, O_RDWR);
	fd2 = open(IOFD_DEV, O_RDWR);
	d1 = open(cdev, O_RDWR);
	d2 = open(cdev, O_RDWR);
	ASSERT_TRUE(fd1 >= 0 && fd2 >= 0 && d1 >= 0 && d2 >= 0);
	ASSERT_EQ(0, _test_pci_bind(d1, fd1, NULL));
	EXPECT_ERRNO(EBUSY, _test_pci_bind(d2, fd2, NULL));
	EXPECT_ERRNO(EBUSY, _test_pci_bind(d2, fd1, NULL));
	EXPECT_EQ(0, close(d1));
	EXPECT_EQ(0, _test_pci_bind(d2, fd2, NULL));
	close(d2);
	close(fd1);
	close(fd2);
}

TEST_F(unpriv, second_bind_of_a_device)
{
	char bdf[32], cdev[64], orig[64];

	if (!iofd_pci_find(EDU_VENDOR, EDU_DEVICE, bdf, sizeof(bdf)))
		SKIP(return, "no edu device (1234:11e8) in this machine");
	/* The mock takes edu when no hardware driver does (iofd_pci.c) */
	if (!access("/sys/module/iofd_mock/parameters/claim_pci", W_OK))
		ASSERT_EQ(0, iofd_sysfs_write("/sys/module/iofd_mock/parameters",
					      "claim_pci", "1234:11e8"));
	iofd_pci_driver(bdf, orig, sizeof(orig));
	ASSERT_EQ(0, iofd_pci_rebind(bdf, "iofd-pci"));
	ASSERT_TRUE(iofd_pci_cdev(bdf, cdev, sizeof(cdev)));
	grant_group(_metadata);
	ASSERT_EQ(0, chown(cdev, 0, VMM_GID));
	ASSERT_EQ(0, chmod(cdev, 0660));
	in_child(_metadata, second_bind_child, cdev);
	EXPECT_EQ(0, iofd_pci_give_back(bdf, orig));
	if (!access("/sys/module/iofd_mock/parameters/claim_pci", W_OK))
		iofd_sysfs_write("/sys/module/iofd_mock/parameters",
				 "claim_pci", "\n");
}

TEST_HARNESS_MAIN
