// SPDX-License-Identifier: GPL-2.0
/*
 * RLIMIT_MEMLOCK accounting of pinned pages, in both modes of
 * IOMMU_OPTION_RLIMIT_MODE: 0 charges the user (user->locked_vm, shared by
 * every process of the uid), 1 charges the process (mm->locked_vm, VmLck).
 * In both modes the pinned pages show in VmPin. A caller with CAP_IPC_LOCK
 * is not limited; the tests run as root, so each test process drops that
 * capability first (the harness runs every test in a child of its own, so
 * this does not leak into other tests).
 *
 * Also here: the range checks of MAP/UNMAP (empty, unaligned, wrapping),
 * which must fail before anything is pinned or charged.
 */
#include "iommufd_utils.h"

FIXTURE(limits)
{
	int fd;
	/* Opened while still root: more contexts, and one for the checks */
	int fd2;
	int fd3;
	int check_fd;
	__u32 ioas_id;
	long base_pin_kb;
	long base_lck_kb;
};

FIXTURE_VARIANT(limits)
{
	/* IOMMU_OPTION_RLIMIT_MODE value */
	__u64 mode;
};

FIXTURE_VARIANT_ADD(limits, per_user)
{
	.mode = 0,
};

FIXTURE_VARIANT_ADD(limits, per_process)
{
	.mode = 1,
};

static void set_memlock_pages(struct __test_metadata *_metadata,
			      unsigned long npages)
{
	struct rlimit rl = {
		.rlim_cur = npages * PAGE_SIZE,
		.rlim_max = npages * PAGE_SIZE,
	};

	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));
}

/* Open a context with the variant's accounting mode (needs root) */
static int open_ctx(struct __test_metadata *_metadata, __u64 mode)
{
	__u64 val = 99;
	int fd;

	fd = open(IOFD_DEV, O_RDWR);
	EXPECT_NE(-1, fd);
	if (fd < 0)
		return -1;
	EXPECT_EQ(0, _test_ioctl_set_rlimit_mode(fd, mode));
	EXPECT_EQ(0, _test_ioctl_option(fd, IOMMU_OPTION_RLIMIT_MODE,
					IOMMU_OPTION_OP_GET, 0, &val));
	EXPECT_EQ(mode, val);
	return fd;
}

/*
 * Each test runs as a user of its own: the per-user charge (the user's
 * locked_vm) then starts at zero whatever other root processes pinned, and
 * giving up root also gives up CAP_IPC_LOCK, which bypasses the limit.
 */
FIXTURE_SETUP(limits)
{
	uid_t uid = 20000 + getpid() % 30000;

	iofd_new_buffers();
	self->fd = open_ctx(_metadata, variant->mode);
	ASSERT_NE(-1, self->fd);
	self->fd2 = open_ctx(_metadata, variant->mode);
	ASSERT_NE(-1, self->fd2);
	self->fd3 = open_ctx(_metadata, variant->mode);
	ASSERT_NE(-1, self->fd3);
	self->check_fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->check_fd);
	set_memlock_pages(_metadata, 1024);

	ASSERT_EQ(0, setresgid(uid, uid, uid));
	ASSERT_EQ(0, setresuid(uid, uid, uid));
	ASSERT_FALSE(iofd_has_cap(CAP_IPC_LOCK));

	test_ioctl_ioas_alloc(&self->ioas_id);
	self->base_pin_kb = iofd_vm_pinned_kb();
	self->base_lck_kb = iofd_vm_locked_kb();
	ASSERT_LE(0, self->base_pin_kb);
	ASSERT_LE(0, self->base_lck_kb);
}

FIXTURE_TEARDOWN(limits)
{
	if (self->fd >= 0)
		EXPECT_EQ(0, close(self->fd));
	if (self->fd2 >= 0)
		close(self->fd2);
	if (self->fd3 >= 0)
		close(self->fd3);
	/* Closing returned every pin and every charge */
	EXPECT_EQ(0, _test_cmd_check_refs(self->check_fd, buffer, BUFFER_SIZE,
					  0));
	EXPECT_EQ(0, _test_cmd_check_refs(self->check_fd, mfd_buffer,
					  BUFFER_SIZE, 0));
	EXPECT_EQ(self->base_pin_kb, iofd_vm_pinned_kb());
	EXPECT_EQ(self->base_lck_kb, iofd_vm_locked_kb());
	close(self->check_fd);
}

/* Assert that @npages more than the baseline are charged */
#define check_charged(npages)                                                  \
	({                                                                     \
		long __kb = (long)((npages) * (PAGE_SIZE / 1024));             \
		EXPECT_EQ(self->base_pin_kb + __kb, iofd_vm_pinned_kb());      \
		if (variant->mode == 1) {                                      \
			EXPECT_EQ(self->base_lck_kb + __kb,                    \
				  iofd_vm_locked_kb());                        \
		} else {                                                       \
			EXPECT_EQ(self->base_lck_kb, iofd_vm_locked_kb());     \
		}                                                              \
	})

TEST_F(limits, rlimit_enomem)
{
	__u64 iova;

	set_memlock_pages(_metadata, 8);
	test_ioctl_ioas_map(buffer, 4 * PAGE_SIZE, &iova);
	test_ioctl_ioas_map((uint8_t *)buffer + 4 * PAGE_SIZE, 4 * PAGE_SIZE,
			    &iova);
	check_charged(8);

	/* One page over the limit */
	test_err_ioctl_ioas_map(ENOMEM, (uint8_t *)buffer + 8 * PAGE_SIZE,
				PAGE_SIZE, &iova);
	check_refs((uint8_t *)buffer + 8 * PAGE_SIZE, PAGE_SIZE, 0);
	check_charged(8);

	/* Room again after an unmap */
	test_ioctl_ioas_unmap(iova, 4 * PAGE_SIZE);
	check_charged(4);
	test_ioctl_ioas_map((uint8_t *)buffer + 8 * PAGE_SIZE, PAGE_SIZE,
			    &iova);
	check_charged(5);
}

TEST_F(limits, rlimit_zero)
{
	__u64 iova;

	set_memlock_pages(_metadata, 0);
	test_err_ioctl_ioas_map(ENOMEM, buffer, PAGE_SIZE, &iova);
	test_err_ioctl_ioas_map_file(ENOMEM, mfd, 0, PAGE_SIZE, &iova);
	check_refs(buffer, PAGE_SIZE, 0);
	check_refs(mfd_buffer, PAGE_SIZE, 0);
	check_charged(0);
}

TEST_F(limits, enomem_leaves_nothing)
{
	__u64 len = 1;
	__u64 iova;

	/* A map one page larger than the whole limit */
	set_memlock_pages(_metadata, BUFFER_PAGES - 1);
	test_err_ioctl_ioas_map(ENOMEM, buffer, BUFFER_SIZE, &iova);
	check_refs(buffer, BUFFER_SIZE, 0);
	check_charged(0);
	ASSERT_EQ(0, _test_ioctl_ioas_unmap(self->fd, self->ioas_id, 0,
					    UINT64_MAX, &len));
	ASSERT_EQ(0, len);

	/* Exactly the limit works */
	test_ioctl_ioas_map(buffer, BUFFER_SIZE - PAGE_SIZE, &iova);
	check_charged(BUFFER_PAGES - 1);
	test_ioctl_ioas_unmap(iova, BUFFER_SIZE - PAGE_SIZE);
	check_charged(0);
	check_refs(buffer, BUFFER_SIZE, 0);
}

TEST_F(limits, accounting_returns_on_unmap)
{
	__u64 iova, iova2;

	test_ioctl_ioas_map(buffer, BUFFER_SIZE, &iova);
	check_charged(BUFFER_PAGES);
	test_ioctl_ioas_map_file(mfd, PAGE_SIZE, 3 * PAGE_SIZE, &iova2);
	check_charged(BUFFER_PAGES + 3);
	test_ioctl_ioas_unmap(iova, BUFFER_SIZE);
	check_charged(3);
	test_ioctl_ioas_unmap(iova2, 3 * PAGE_SIZE);
	check_charged(0);

	/* An unaligned range charges every page it touches */
	test_ioctl_ioas_map((uint8_t *)buffer + PAGE_SIZE - 16, 32, &iova);
	check_charged(2);
	test_ioctl_ioas_unmap(0, UINT64_MAX);
	check_charged(0);
}

TEST_F(limits, accounting_returns_on_close)
{
	__u32 ioas_id, stdev_id;
	__u64 iova;
	int fd = self->fd2;

	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd, &ioas_id));
	iova = MOCK_APERTURE_START;
	ASSERT_EQ(0, _test_ioctl_ioas_map(fd, ioas_id, buffer, BUFFER_SIZE,
					  &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW));
	ASSERT_EQ(0, _test_cmd_mock_domain(fd, ioas_id, &stdev_id, NULL, NULL));
	check_charged(BUFFER_PAGES);

	/* Closing with the map and the domain in place uncharges */
	self->fd2 = -1;
	ASSERT_EQ(0, close(fd));
	check_charged(0);
	check_refs(buffer, BUFFER_SIZE, 0);
}

TEST_F(limits, copy_not_charged)
{
	__u32 ioas2;
	__u64 iova, iova2;

	/* The limit is exactly what the map needs: copies must not count */
	set_memlock_pages(_metadata, 4);
	test_ioctl_ioas_map(buffer, 4 * PAGE_SIZE, &iova);
	check_charged(4);
	test_ioctl_ioas_alloc(&ioas2);
	test_ioctl_ioas_copy(ioas2, self->ioas_id, iova, 4 * PAGE_SIZE, &iova2,
			     MAP_RW);
	test_ioctl_ioas_copy(ioas2, self->ioas_id, iova, 4 * PAGE_SIZE,
			     &iova2, MAP_RW);
	check_charged(4);

	/* Still charged while any copy exists */
	test_ioctl_ioas_unmap(iova, 4 * PAGE_SIZE);
	check_charged(4);
	test_ioctl_destroy(ioas2);
	check_charged(0);
}

TEST_F(limits, domain_and_access_not_charged)
{
	__u32 stdev_id, stdev_id2, pages_id;
	int access_fd;
	__u64 iova;

	set_memlock_pages(_metadata, 4);
	test_ioctl_ioas_map_fixed(buffer, 4 * PAGE_SIZE, MOCK_APERTURE_START);
	iova = MOCK_APERTURE_START;
	check_charged(4);

	/* Domains and accesses use the pages the map already pinned */
	test_cmd_mock_domain(self->ioas_id, &stdev_id, NULL, NULL);
	test_cmd_mock_domain(self->ioas_id, &stdev_id2, NULL, NULL);
	test_cmd_create_access(self->ioas_id, &access_fd,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
	test_cmd_access_pages(access_fd, iova, 4 * PAGE_SIZE, buffer, 0,
			      &pages_id);
	check_charged(4);
	check_refs(buffer, 4 * PAGE_SIZE, 1);

	test_cmd_destroy_access_pages(access_fd, pages_id);
	test_cmd_destroy_access(access_fd);
	test_ioctl_destroy(stdev_id);
	test_ioctl_destroy(stdev_id2);
	check_charged(4);
	test_ioctl_ioas_unmap(iova, 4 * PAGE_SIZE);
	check_charged(0);
}

TEST_F(limits, limit_shared_by_contexts)
{
	__u32 ioas2;
	__u64 iova;
	int fd2 = self->fd2;

	set_memlock_pages(_metadata, 8);
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd2, &ioas2));

	test_ioctl_ioas_map(buffer, 6 * PAGE_SIZE, &iova);
	/* The second context is charged to the same user / process */
	EXPECT_ERRNO(ENOMEM, _test_ioctl_ioas_map(fd2, ioas2,
						  (uint8_t *)buffer +
							  6 * PAGE_SIZE,
						  4 * PAGE_SIZE, &iova,
						  MAP_RW));
	ASSERT_EQ(0, _test_ioctl_ioas_map(fd2, ioas2,
					  (uint8_t *)buffer + 6 * PAGE_SIZE,
					  2 * PAGE_SIZE, &iova, MAP_RW));
	check_charged(8);
	self->fd2 = -1;
	ASSERT_EQ(0, close(fd2));
	check_charged(6);
}

TEST_F(limits, user_or_process)
{
	__u64 iova;
	pid_t child;
	int status;

	/* This process uses the whole limit */
	set_memlock_pages(_metadata, 4);
	test_ioctl_ioas_map(buffer, 4 * PAGE_SIZE, &iova);

	/*
	 * A child of the same user, with the same limit, maps one page: the
	 * user's charge is full, the child process's own is empty.
	 */
	child = fork();
	ASSERT_NE(-1, child);
	if (!child) {
		__u32 ioas_id;
		__u64 ciova;
		int rc;

		/* A context opened by the parent: the mode is set already */
		if (_test_ioctl_ioas_alloc(self->fd3, &ioas_id))
			_exit(102);
		rc = _test_ioctl_ioas_map(self->fd3, ioas_id,
					  (uint8_t *)buffer + 8 * PAGE_SIZE,
					  PAGE_SIZE, &ciova, MAP_RW);
		_exit(rc ? errno : 0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(variant->mode == 0 ? ENOMEM : 0, WEXITSTATUS(status));
	/* This process was not charged for the child's map */
	check_charged(4);
	/* The child's map lives in the context until it is closed */
	ASSERT_EQ(0, close(self->fd3));
	self->fd3 = -1;
	check_refs((uint8_t *)buffer + 8 * PAGE_SIZE, PAGE_SIZE, 0);
	check_charged(4);
}

TEST_F(limits, mlock_counts_per_process)
{
	size_t len = 4 * PAGE_SIZE;
	uint8_t *locked;
	__u64 iova;

	set_memlock_pages(_metadata, 8);
	locked = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, locked);
	ASSERT_EQ(0, mlock(locked, len));
	self->base_lck_kb = iofd_vm_locked_kb();

	/*
	 * mlock() charges the process, not the user: only the per-process
	 * mode sees 4 + 5 pages over the limit of 8.
	 */
	if (variant->mode == 1) {
		test_err_ioctl_ioas_map(ENOMEM, buffer, 5 * PAGE_SIZE, &iova);
		check_refs(buffer, 5 * PAGE_SIZE, 0);
		test_ioctl_ioas_map(buffer, 4 * PAGE_SIZE, &iova);
		check_charged(4);
	} else {
		test_ioctl_ioas_map(buffer, 5 * PAGE_SIZE, &iova);
		check_charged(5);
	}
	test_ioctl_ioas_unmap(0, UINT64_MAX);
	check_charged(0);
	ASSERT_EQ(0, munlock(locked, len));
	munmap(locked, len);
	self->base_lck_kb = iofd_vm_locked_kb();
}

TEST_F(limits, pin_bench_charges)
{
	set_memlock_pages(_metadata, 4);
	EXPECT_ERRNO(ENOMEM, _test_cmd_pin_bench(self->fd, buffer,
						 8 * PAGE_SIZE));
	check_refs(buffer, 8 * PAGE_SIZE, 0);
	check_charged(0);
	ASSERT_EQ(0, _test_cmd_pin_bench(self->fd, buffer, 4 * PAGE_SIZE));
	/* Pinned and charged only for the duration of the call */
	check_refs(buffer, 4 * PAGE_SIZE, 0);
	check_charged(0);
}

TEST_F(limits, range_checks)
{
	struct iommu_ioas_map map = {
		.size = sizeof(map),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW,
		.ioas_id = self->ioas_id,
		.user_va = (uintptr_t)buffer,
		.length = PAGE_SIZE,
		.iova = MOCK_APERTURE_START,
	};
	__u64 iova;

	/* Empty */
	map.length = 0;
	EXPECT_ERRNO(EINVAL, ioctl(self->fd, IOMMU_IOAS_MAP, &map));
	test_err_ioctl_ioas_map_file(EINVAL, mfd, 0, 0, &iova);
	/* The IOVA range wraps */
	map.length = 2 * PAGE_SIZE;
	map.iova = UINT64_MAX - PAGE_SIZE + 1;
	EXPECT_ERRNO(EOVERFLOW, ioctl(self->fd, IOMMU_IOAS_MAP, &map));
	/* The user range wraps */
	map.iova = MOCK_APERTURE_START;
	map.user_va = UINT64_MAX - PAGE_SIZE + 1;
	EXPECT_ERRNO(EOVERFLOW, ioctl(self->fd, IOMMU_IOAS_MAP, &map));
	/* Lengths no address space can hold */
	map.user_va = (uintptr_t)buffer;
	map.length = UINT64_MAX;
	EXPECT_ERRNO(EOVERFLOW, ioctl(self->fd, IOMMU_IOAS_MAP, &map));
	map.flags = MAP_RW;
	EXPECT_ERRNO(EOVERFLOW, ioctl(self->fd, IOMMU_IOAS_MAP, &map));
	/* Unmap */
	test_err_ioctl_ioas_unmap(EOVERFLOW, UINT64_MAX - PAGE_SIZE + 1,
				  2 * PAGE_SIZE);
	test_err_ioctl_ioas_unmap(EINVAL, MOCK_APERTURE_START, 0);
	/* MD_CHECK_REFS counts whole pages */
	EXPECT_ERRNO(EINVAL, _test_cmd_check_refs(self->fd,
						  (uint8_t *)buffer + 1,
						  PAGE_SIZE, 0));
	EXPECT_ERRNO(EINVAL, _test_cmd_check_refs(self->fd, buffer,
						  PAGE_SIZE + 1, 0));

	/* Nothing got pinned or charged along the way */
	check_refs(buffer, BUFFER_SIZE, 0);
	check_refs(mfd_buffer, BUFFER_SIZE, 0);
	check_charged(0);
}

TEST_F(limits, domain_alignment_checks)
{
	__u32 stdev_id;
	__u64 iova;

	test_cmd_mock_domain(self->ioas_id, &stdev_id, NULL, NULL);
	/* Lengths and addresses the half-page mock cannot take */
	test_err_ioctl_ioas_map(EINVAL, buffer, MOCK_PAGE_SIZE - 1, &iova);
	test_err_ioctl_ioas_map(EINVAL, (uint8_t *)buffer + 1, PAGE_SIZE,
				&iova);
	test_err_ioctl_ioas_map_fixed(EINVAL, buffer, PAGE_SIZE,
				      MOCK_APERTURE_START + 8);
	test_err_ioctl_ioas_map_file(EINVAL, mfd, 1, PAGE_SIZE, &iova);
	check_refs(buffer, BUFFER_SIZE, 0);
	check_refs(mfd_buffer, BUFFER_SIZE, 0);
	check_charged(0);
	test_ioctl_destroy(stdev_id);
}

/* Without the fixture: root keeps CAP_IPC_LOCK here */
TEST(cap_ipc_lock_bypasses_limit)
{
	struct rlimit rl = { .rlim_cur = 0, .rlim_max = 0 };
	__u32 ioas_id;
	__u64 iova;
	int fd;

	if (!iofd_has_cap(CAP_IPC_LOCK))
		SKIP(return, "not running with CAP_IPC_LOCK");
	iofd_new_buffers();
	fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, fd);
	ASSERT_EQ(0, setrlimit(RLIMIT_MEMLOCK, &rl));
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd, &ioas_id));
	ASSERT_EQ(0, _test_ioctl_ioas_map(fd, ioas_id, buffer, BUFFER_SIZE,
					  &iova, MAP_RW));
	ASSERT_EQ(0, _test_cmd_check_refs(fd, buffer, BUFFER_SIZE, 1));
	ASSERT_EQ(0, close(fd));
	fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, fd);
	ASSERT_EQ(0, _test_cmd_check_refs(fd, buffer, BUFFER_SIZE, 0));
	ASSERT_EQ(0, close(fd));
}

TEST_HARNESS_MAIN
