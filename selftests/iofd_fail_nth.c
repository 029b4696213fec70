// SPDX-License-Identifier: GPL-2.0
/*
 * Failure injection (iofd-oot's IOMMU_TEST_OP_IOFD_FAIL_NTH): run a good
 * sequence of ioctls with its 1st, 2nd, 3rd... injection point failing,
 * until a run passes every point. Each failing run must fail cleanly, with
 * ENOMEM from the ioctl that hit the point, and leave nothing pinned once
 * the context is closed. The guest log is checked for splats separately.
 */
#include "iommufd_utils.h"

#define MAX_NTH 4000

FIXTURE(fail_nth)
{
	int fd;
};

FIXTURE_SETUP(fail_nth)
{
	iofd_new_buffers();
	self->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->fd);
}

FIXTURE_TEARDOWN(fail_nth)
{
	teardown_iommufd(self->fd, _metadata);
}

/*
 * Run @seq with the nth point failing, for every n. @seq returns 0 or -1
 * with errno from the first ioctl that failed, and must not fail without
 * injection.
 */
static void run_fail_nth(struct __test_metadata *_metadata,
			 int (*seq)(int fd), unsigned int *fired)
{
	unsigned int nth, remaining;
	int fd, check_fd, rc, err;

	*fired = 0;
	for (nth = 1; nth != MAX_NTH; nth++) {
		fd = open(IOFD_DEV, O_RDWR);
		ASSERT_NE(-1, fd);
		ASSERT_EQ(0, _test_cmd_fail_nth(fd, nth, NULL));
		errno = 0;
		rc = seq(fd);
		err = errno;
		ASSERT_EQ(0, _test_cmd_fail_nth(fd, 0, &remaining));
		ASSERT_EQ(0, close(fd));

		/* Everything the run did is undone by the close */
		check_fd = open(IOFD_DEV, O_RDWR);
		ASSERT_NE(-1, check_fd);
		ASSERT_EQ(0, _test_cmd_check_refs(check_fd, buffer,
						  BUFFER_SIZE, 0));
		ASSERT_EQ(0, _test_cmd_check_refs(check_fd, mfd_buffer,
						  BUFFER_SIZE, 0));
		ASSERT_EQ(0, close(check_fd));

		if (remaining) {
			/* The run ended before the nth point: it must pass */
			ASSERT_EQ(0, rc);
			break;
		}
		/* The point fired: the ioctl that hit it says ENOMEM */
		(*fired)++;
		if (rc == 0)
			continue;	/* the failure was absorbed and retried */
		ASSERT_EQ(ENOMEM, err);
	}
	ASSERT_NE(MAX_NTH, nth);
	TH_LOG("%u injection points exercised", *fired);
}

static int seq_ioas(int fd)
{
	__u32 ioas_id, ioas2;
	__u64 iova, len;

	if (_test_ioctl_ioas_alloc(fd, &ioas_id))
		return -1;
	if (_test_ioctl_ioas_alloc(fd, &ioas2))
		return -1;
	if (_test_ioctl_ioas_map(fd, ioas_id, buffer, BUFFER_SIZE, &iova,
				 MAP_RW))
		return -1;
	if (_test_ioctl_ioas_map_file(fd, ioas_id, mfd, 0, BUFFER_SIZE, &iova,
				      MAP_RW))
		return -1;
	if (_test_ioctl_ioas_copy(fd, ioas2, ioas_id, iova, BUFFER_SIZE, &iova,
				  MAP_RW))
		return -1;
	if (_test_cmd_add_reserved(fd, ioas2, 0, PAGE_SIZE))
		return -1;
	if (_test_ioctl_ioas_unmap(fd, ioas_id, 0, UINT64_MAX, &len))
		return -1;
	if (_test_ioctl_destroy(fd, ioas_id))
		return -1;
	return 0;
}

TEST_F_TIMEOUT(fail_nth, ioas, 300)
{
	unsigned int fired;

	run_fail_nth(_metadata, seq_ioas, &fired);
	ASSERT_LT(0, fired);
}

static int seq_domain(int fd)
{
	__u32 ioas_id, stdev_id, hwpt_id, idev_id, hwpt2, stdev2;
	__u64 iova = MOCK_APERTURE_START;
	struct iommu_test_hw_info info;

	if (_test_ioctl_ioas_alloc(fd, &ioas_id))
		return -1;
	if (_test_ioctl_ioas_map(fd, ioas_id, buffer, BUFFER_SIZE, &iova,
				 IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW))
		return -1;
	if (_test_cmd_mock_domain(fd, ioas_id, &stdev_id, &hwpt_id, &idev_id))
		return -1;
	if (_test_cmd_get_hw_info(fd, idev_id, &info, sizeof(info), NULL))
		return -1;
	if (_test_cmd_hwpt_alloc(fd, idev_id, ioas_id,
				 IOMMU_HWPT_ALLOC_NEST_PARENT, &hwpt2,
				 IOMMU_HWPT_DATA_NONE, NULL, 0, 0))
		return -1;
	if (_test_cmd_mock_domain(fd, hwpt2, &stdev2, NULL, NULL))
		return -1;
	if (_test_cmd_mock_domain_replace(fd, stdev_id, hwpt2, NULL))
		return -1;
	iova = MOCK_APERTURE_START + BUFFER_SIZE;
	if (_test_ioctl_ioas_map(fd, ioas_id, mfd_buffer, BUFFER_SIZE, &iova,
				 IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW))
		return -1;
	if (_test_cmd_check_map(fd, hwpt2, iova, BUFFER_SIZE, mfd_buffer))
		return -1;
	if (_test_cmd_mock_domain_replace(fd, stdev_id, ioas_id, NULL))
		return -1;
	if (_test_ioctl_ioas_unmap(fd, ioas_id, MOCK_APERTURE_START,
				   BUFFER_SIZE, NULL))
		return -1;
	if (_test_ioctl_destroy(fd, stdev2))
		return -1;
	return 0;
}

TEST_F_TIMEOUT(fail_nth, domain, 300)
{
	unsigned int fired;

	run_fail_nth(_metadata, seq_domain, &fired);
	ASSERT_LT(0, fired);
}

static int seq_access(int fd)
{
	__u32 ioas_id, ioas2, stdev_id, pages_id;
	__u64 iova = MOCK_APERTURE_START;
	uint8_t tmp[64];
	int access_fd;

	if (_test_ioctl_ioas_alloc(fd, &ioas_id))
		return -1;
	if (_test_ioctl_ioas_alloc(fd, &ioas2))
		return -1;
	if (_test_cmd_mock_domain(fd, ioas_id, &stdev_id, NULL, NULL))
		return -1;
	if (_test_ioctl_ioas_map(fd, ioas_id, buffer, BUFFER_SIZE, &iova,
				 IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW))
		return -1;
	if (_test_ioctl_ioas_map(fd, ioas2, buffer, BUFFER_SIZE, &iova,
				 IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW))
		return -1;
	if (_test_cmd_create_access(fd, ioas_id, &access_fd,
				    MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES))
		return -1;
	/* The access file holds the context: close it on every path */
	if (_test_cmd_access_pages(fd, access_fd, iova, BUFFER_SIZE, buffer, 0,
				   &pages_id) ||
	    _test_cmd_destroy_access_pages(fd, access_fd, pages_id) ||
	    _test_cmd_access_pages(fd, access_fd, iova + PAGE_SIZE, PAGE_SIZE,
				   (uint8_t *)buffer + PAGE_SIZE, 0,
				   &pages_id) ||
	    _test_cmd_access_rw(fd, access_fd, iova + 100, sizeof(tmp), tmp,
				0) ||
	    _test_cmd_access_rw(fd, access_fd, iova + 100, sizeof(tmp), tmp,
				MOCK_ACCESS_RW_WRITE) ||
	    _test_cmd_destroy_access_pages(fd, access_fd, pages_id) ||
	    _test_cmd_access_replace_ioas(fd, access_fd, ioas2) ||
	    _test_cmd_access_pages(fd, access_fd, iova, PAGE_SIZE, buffer, 0,
				   &pages_id) ||
	    _test_ioctl_ioas_unmap(fd, ioas2, iova, BUFFER_SIZE, NULL)) {
		int err = errno;

		close(access_fd);
		errno = err;
		return -1;
	}
	close(access_fd);
	return 0;
}

TEST_F_TIMEOUT(fail_nth, access, 300)
{
	unsigned int fired;

	run_fail_nth(_metadata, seq_access, &fired);
	ASSERT_LT(0, fired);
}

TEST_F(fail_nth, api)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_IOFD_FAIL_NTH,
		.iofd_fail_nth = { .flags = 1 },
	};
	__u32 remaining, ioas_id;

	/* Flags must be 0 */
	EXPECT_ERRNO(EOPNOTSUPP, ioctl(self->fd, IOMMU_TEST_CMD, &cmd));

	/* Nothing armed: 0 */
	ASSERT_EQ(0, _test_cmd_fail_nth(self->fd, 0, &remaining));
	ASSERT_EQ(0, remaining);

	/* Armed but untouched: the whole budget is reported back */
	ASSERT_EQ(0, _test_cmd_fail_nth(self->fd, 1000, NULL));
	ASSERT_EQ(0, _test_cmd_fail_nth(self->fd, 0, &remaining));
	ASSERT_EQ(1000, remaining);

	/* The first point fails the first ioctl that reaches one */
	ASSERT_EQ(0, _test_cmd_fail_nth(self->fd, 1, NULL));
	EXPECT_ERRNO(ENOMEM, _test_ioctl_ioas_alloc(self->fd, &ioas_id));
	ASSERT_EQ(0, _test_cmd_fail_nth(self->fd, 0, &remaining));
	ASSERT_EQ(0, remaining);

	/* Once, and only for this task: now it works */
	test_ioctl_ioas_alloc(&ioas_id);
	test_ioctl_destroy(ioas_id);
}

TEST_F(fail_nth, per_task)
{
	__u32 remaining, ioas_id;
	pid_t child;
	int status;

	/* Armed here; a child (another task) is not affected */
	ASSERT_EQ(0, _test_cmd_fail_nth(self->fd, 1, NULL));
	child = fork();
	ASSERT_NE(-1, child);
	if (!child) {
		__u32 id;

		_exit(_test_ioctl_ioas_alloc(self->fd, &id) ? errno : 0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_ERRNO(ENOMEM, _test_ioctl_ioas_alloc(self->fd, &ioas_id));
	ASSERT_EQ(0, _test_cmd_fail_nth(self->fd, 0, &remaining));
	ASSERT_EQ(0, remaining);
}

TEST_HARNESS_MAIN
