// SPDX-License-Identifier: GPL-2.0
/*
 * In-kernel accesses (what an emulated device such as mdev uses): pinning
 * IOVA ranges, reading and writing through an IOAS, being told about
 * unmaps, and moving to another IOAS.
 *
 * The pages an access pins are already pinned by the IOAS map (iofd-oot
 * pins at map time), so an access never adds a second pin.
 */
#include "iommufd_utils.h"

FIXTURE(access)
{
	int fd;
	__u32 ioas_id;
	__u32 stdev_id;
	__u32 hwpt_id;
	__u64 base_iova;
};

FIXTURE_VARIANT(access)
{
	unsigned int mock_domains;
	unsigned int memory_limit;
};

FIXTURE_SETUP(access)
{
	iofd_new_buffers();
	self->fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
	test_cmd_set_temp_memory_limit(variant->memory_limit);
	if (variant->mock_domains)
		test_cmd_mock_domain(self->ioas_id, &self->stdev_id,
				     &self->hwpt_id, NULL);
	self->base_iova = MOCK_APERTURE_START;
}

FIXTURE_TEARDOWN(access)
{
	EXPECT_EQ(0, _test_cmd_set_temp_memory_limit(self->fd, 0));
	teardown_iommufd(self->fd, _metadata);
}

FIXTURE_VARIANT_ADD(access, no_domain)
{
	.mock_domains = 0,
};

FIXTURE_VARIANT_ADD(access, mock_domain)
{
	.mock_domains = 1,
};

FIXTURE_VARIANT_ADD(access, mock_domain_limit)
{
	.mock_domains = 1,
	.memory_limit = 16,
};

/*
 * Read and write through @access_fd around the first page boundary of the
 * buffer mapped at @iova, for every start and length up to 63 bytes, then
 * read the whole buffer in one go. @buf is the user memory behind @iova.
 */
static void check_access_rw(struct __test_metadata *_metadata, int fd,
			    int access_fd, uint8_t *buf, uint64_t iova,
			    unsigned int flags)
{
	uint8_t tmp[64];
	uint64_t cur, len;
	uint8_t *whole;
	unsigned int i;

	for (i = 0; i != BUFFER_SIZE; i++)
		buf[i] = rand();

	for (cur = iova + PAGE_SIZE - 50; cur < iova + PAGE_SIZE + 50; cur++) {
		for (len = 1; len < sizeof(tmp); len++) {
			memset(tmp, 0, sizeof(tmp));
			ASSERT_EQ(0, _test_cmd_access_rw(fd, access_fd, cur,
							 len, tmp, flags));
			ASSERT_EQ(0, memcmp(buf + (cur - iova), tmp, len));

			for (i = 0; i != sizeof(tmp); i++)
				tmp[i] = rand();
			ASSERT_EQ(0, _test_cmd_access_rw(
					     fd, access_fd, cur, len, tmp,
					     flags | MOCK_ACCESS_RW_WRITE));
			ASSERT_EQ(0, memcmp(buf + (cur - iova), tmp, len));
		}
	}

	whole = malloc(BUFFER_SIZE);
	ASSERT_NE(NULL, whole);
	ASSERT_EQ(0, _test_cmd_access_rw(fd, access_fd, iova, BUFFER_SIZE,
					 whole, flags));
	ASSERT_EQ(0, memcmp(buf, whole, BUFFER_SIZE));
	free(whole);
}

TEST_F(access, create_access)
{
	int access_fd;

	/* No such IOAS; not an IOAS */
	test_err_create_access(ENOENT, 0xfffff, 0);
	if (self->hwpt_id)
		test_err_create_access(ENOENT, self->hwpt_id, 0);
	/* Unknown flag */
	test_err_create_access(EOPNOTSUPP, self->ioas_id, 1U << 9);

	test_cmd_create_access(self->ioas_id, &access_fd, 0);
	ASSERT_GE(access_fd, 0);
	/* The access holds its IOAS */
	test_err_destroy(EBUSY, self->ioas_id);
	test_cmd_destroy_access(access_fd);
	if (!self->stdev_id)
		test_ioctl_destroy(self->ioas_id);
}

TEST_F(access, access_pin)
{
	__u32 pages_id, pages_id2, stdev_id, hwpt_id;
	unsigned int npages;
	int access_fd;

	test_cmd_create_access(self->ioas_id, &access_fd,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);

	for (npages = 1; npages < BUFFER_PAGES; npages++) {
		size_t len = npages * PAGE_SIZE;

		test_ioctl_ioas_map_fixed(buffer, BUFFER_SIZE, self->base_iova);

		/* Single pin/unpin; the access shares the map's pin */
		test_cmd_access_pages(access_fd, self->base_iova, len, buffer,
				      0, &pages_id);
		check_refs(buffer, BUFFER_SIZE, 1);
		test_cmd_destroy_access_pages(access_fd, pages_id);
		check_refs(buffer, BUFFER_SIZE, 1);

		/* Two users of the same range */
		test_cmd_access_pages(access_fd, self->base_iova, len, buffer,
				      0, &pages_id);
		test_cmd_access_pages(access_fd, self->base_iova, len, buffer,
				      0, &pages_id2);
		ASSERT_NE(pages_id, pages_id2);
		test_cmd_destroy_access_pages(access_fd, pages_id2);
		test_cmd_destroy_access_pages(access_fd, pages_id);
		test_err_destroy_access_pages(ENOENT, access_fd, pages_id);

		/* A domain comes and goes while the access holds pages */
		test_cmd_access_pages(access_fd, self->base_iova, len, buffer,
				      0, &pages_id);
		test_cmd_mock_domain(self->ioas_id, &stdev_id, &hwpt_id, NULL);
		test_cmd_check_map(hwpt_id, self->base_iova, BUFFER_SIZE,
				   buffer);
		test_ioctl_destroy(stdev_id);
		test_cmd_destroy_access_pages(access_fd, pages_id);

		test_ioctl_ioas_unmap(self->base_iova, BUFFER_SIZE);
		check_refs(buffer, BUFFER_SIZE, 0);
	}
	test_cmd_destroy_access(access_fd);
}

TEST_F(access, access_pin_unmap)
{
	__u32 pages_id;
	int access_fd;

	test_cmd_create_access(self->ioas_id, &access_fd,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
	test_ioctl_ioas_map_fixed(buffer, BUFFER_SIZE, self->base_iova);
	test_cmd_access_pages(access_fd, self->base_iova, BUFFER_SIZE, buffer,
			      0, &pages_id);

	/* The unmap asks the access to let go, then completes */
	test_ioctl_ioas_unmap(self->base_iova, BUFFER_SIZE);
	check_refs(buffer, BUFFER_SIZE, 0);

	/* The mock driver dropped its record when told */
	test_err_destroy_access_pages(ENOENT, access_fd, pages_id);
	test_cmd_destroy_access(access_fd);
}

TEST_F(access, access_pin_unmap_partial)
{
	__u32 pages_a, pages_b;
	int access_fd;

	test_cmd_create_access(self->ioas_id, &access_fd,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
	test_ioctl_ioas_map_fixed(buffer, 4 * PAGE_SIZE, self->base_iova);
	test_ioctl_ioas_map_fixed((uint8_t *)buffer + 4 * PAGE_SIZE,
				  4 * PAGE_SIZE, self->base_iova + 4 * PAGE_SIZE);
	/* One pin in each area, one unaligned */
	test_cmd_access_pages(access_fd, self->base_iova + PAGE_SIZE,
			      PAGE_SIZE, (uint8_t *)buffer + PAGE_SIZE, 0,
			      &pages_a);
	test_cmd_access_pages(access_fd, self->base_iova + 5 * PAGE_SIZE + 8,
			      PAGE_SIZE, (uint8_t *)buffer + 5 * PAGE_SIZE + 8,
			      0, &pages_b);

	/* Unmapping the first area only drops the pin inside it */
	test_ioctl_ioas_unmap(self->base_iova, 4 * PAGE_SIZE);
	test_err_destroy_access_pages(ENOENT, access_fd, pages_a);
	check_refs(buffer, 4 * PAGE_SIZE, 0);
	check_refs((uint8_t *)buffer + 4 * PAGE_SIZE, 4 * PAGE_SIZE, 1);
	test_cmd_destroy_access_pages(access_fd, pages_b);

	/* A pin spanning two areas goes when either is unmapped */
	test_ioctl_ioas_map_fixed(buffer, 4 * PAGE_SIZE, self->base_iova);
	test_cmd_access_pages(access_fd, self->base_iova + 3 * PAGE_SIZE,
			      2 * PAGE_SIZE, (uint8_t *)buffer + 3 * PAGE_SIZE,
			      0, &pages_a);
	test_ioctl_ioas_unmap(self->base_iova + 4 * PAGE_SIZE, 4 * PAGE_SIZE);
	test_err_destroy_access_pages(ENOENT, access_fd, pages_a);
	test_ioctl_ioas_unmap(self->base_iova, 4 * PAGE_SIZE);
	check_refs(buffer, BUFFER_SIZE, 0);
	test_cmd_destroy_access(access_fd);
}

TEST_F(access, access_pages_errors)
{
	uint8_t *ro;
	__u64 iova = self->base_iova + 8 * PAGE_SIZE;
	int access_fd;

	test_cmd_create_access(self->ioas_id, &access_fd,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
	test_ioctl_ioas_map_fixed(buffer, 4 * PAGE_SIZE, self->base_iova);

	/* Nothing mapped there, or not all of it */
	test_err_access_pages(ENOENT, access_fd, iova, PAGE_SIZE, buffer, 0);
	test_err_access_pages(ENOENT, access_fd, self->base_iova + PAGE_SIZE,
			      4 * PAGE_SIZE, (uint8_t *)buffer + PAGE_SIZE, 0);
	/* Empty; wrapping */
	test_err_access_pages(EINVAL, access_fd, self->base_iova, 0, buffer, 0);
	test_err_access_pages(EOVERFLOW, access_fd, UINT64_MAX - PAGE_SIZE + 1,
			      2 * PAGE_SIZE, buffer, 0);
	/* Not an access */
	test_err_access_pages(EBADFD, self->fd, self->base_iova, PAGE_SIZE,
			      buffer, 0);

	/* Pinning for write needs a writeable mapping */
	ro = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memset(ro, 3, PAGE_SIZE);
	ASSERT_EQ(0, _test_ioctl_ioas_map(self->fd, self->ioas_id, ro,
					  PAGE_SIZE, &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA |
						  IOMMU_IOAS_MAP_READABLE));
	test_err_access_pages(EPERM, access_fd, iova, PAGE_SIZE, ro,
			      MOCK_FLAGS_ACCESS_WRITE);
	test_cmd_access_pages(access_fd, iova, PAGE_SIZE, ro, 0, NULL);
	test_cmd_destroy_access(access_fd);
	test_ioctl_ioas_unmap(iova, PAGE_SIZE);
	check_refs(ro, PAGE_SIZE, 0);
	munmap(ro, PAGE_SIZE);
	check_refs(buffer, 4 * PAGE_SIZE, 1);
}

TEST_F(access, access_rw)
{
	__u64 iova;
	int access_fd;

	test_cmd_create_access(self->ioas_id, &access_fd, 0);
	test_ioctl_ioas_map(buffer, BUFFER_SIZE, &iova);
	check_access_rw(_metadata, self->fd, access_fd, buffer, iova, 0);
	test_ioctl_ioas_unmap(iova, BUFFER_SIZE);
	test_cmd_destroy_access(access_fd);
}

TEST_F(access, access_rw_slow_path)
{
	__u64 iova;
	int access_fd;

	test_cmd_create_access(self->ioas_id, &access_fd, 0);
	test_ioctl_ioas_map(buffer, BUFFER_SIZE, &iova);
	check_access_rw(_metadata, self->fd, access_fd, buffer, iova,
			MOCK_ACCESS_RW_SLOW_PATH);
	test_ioctl_ioas_unmap(iova, BUFFER_SIZE);
	test_cmd_destroy_access(access_fd);
}

TEST_F(access, access_rw_unaligned)
{
	__u64 iova;
	int access_fd;

	test_cmd_create_access(self->ioas_id, &access_fd, 0);
	/* IOVA offset within a page differs from the buffer's */
	iova = self->base_iova + MOCK_PAGE_SIZE;
	test_ioctl_ioas_map_fixed(buffer, BUFFER_SIZE, iova);
	check_access_rw(_metadata, self->fd, access_fd, buffer, iova, 0);
	test_ioctl_ioas_unmap(iova, BUFFER_SIZE);
	test_cmd_destroy_access(access_fd);
}

TEST_F(access, access_rw_file)
{
	__u64 iova;
	int access_fd;

	test_cmd_create_access(self->ioas_id, &access_fd, 0);
	test_ioctl_ioas_map_file(mfd, 0, BUFFER_SIZE, &iova);
	check_access_rw(_metadata, self->fd, access_fd, mfd_buffer, iova, 0);
	test_ioctl_ioas_unmap(iova, BUFFER_SIZE);
	test_cmd_destroy_access(access_fd);
}

TEST_F(access, access_rw_across_areas)
{
	uint8_t out[2 * 64], in[2 * 64];
	__u64 iova = self->base_iova;
	int access_fd;

	test_cmd_create_access(self->ioas_id, &access_fd, 0);
	/* Two areas back to back, backed by unrelated memory */
	test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE, iova);
	test_ioctl_ioas_map_fixed(mfd_buffer, PAGE_SIZE, iova + PAGE_SIZE);
	iofd_fill(buffer, PAGE_SIZE, 4);
	iofd_fill(mfd_buffer, PAGE_SIZE, 5);

	test_cmd_access_rw(access_fd, iova + PAGE_SIZE - 64, sizeof(in), in, 0);
	ASSERT_EQ(0, memcmp(in, (uint8_t *)buffer + PAGE_SIZE - 64, 64));
	ASSERT_EQ(0, memcmp(in + 64, mfd_buffer, 64));

	iofd_fill(out, sizeof(out), 6);
	test_cmd_access_rw(access_fd, iova + PAGE_SIZE - 64, sizeof(out), out,
			   MOCK_ACCESS_RW_WRITE);
	ASSERT_EQ(0, memcmp(out, (uint8_t *)buffer + PAGE_SIZE - 64, 64));
	ASSERT_EQ(0, memcmp(out + 64, mfd_buffer, 64));

	/* A hole between areas stops it */
	test_ioctl_ioas_unmap(iova + PAGE_SIZE, PAGE_SIZE);
	test_ioctl_ioas_map_fixed(mfd_buffer, PAGE_SIZE, iova + 2 * PAGE_SIZE);
	test_err_access_rw(ENOENT, access_fd, iova + PAGE_SIZE - 64,
			   sizeof(in), in, 0);
	test_err_access_rw(ENOENT, access_fd, iova + 2 * PAGE_SIZE - 64,
			   sizeof(in), in, 0);
	test_cmd_destroy_access(access_fd);
}

TEST_F(access, access_rw_errors)
{
	uint8_t tmp[16], *ro;
	__u64 iova = self->base_iova + 8 * PAGE_SIZE;
	int access_fd;

	test_cmd_create_access(self->ioas_id, &access_fd, 0);
	test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE, self->base_iova);

	test_err_access_rw(ENOENT, access_fd, iova, sizeof(tmp), tmp, 0);
	test_err_access_rw(EINVAL, access_fd, self->base_iova, 0, tmp, 0);
	test_err_access_rw(EOVERFLOW, access_fd, UINT64_MAX - 4, sizeof(tmp),
			   tmp, 0);
	test_err_access_rw(EOPNOTSUPP, access_fd, self->base_iova, sizeof(tmp),
			   tmp, 1U << 9);
	test_err_access_rw(EBADFD, self->fd, self->base_iova, sizeof(tmp), tmp,
			   0);
	/* The user buffer cannot be read */
	test_err_access_rw(EFAULT, access_fd, self->base_iova, sizeof(tmp),
			   (void *)8, MOCK_ACCESS_RW_WRITE);

	/* Writing through a read-only mapping is refused */
	ro = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	memset(ro, 7, PAGE_SIZE);
	ASSERT_EQ(0, _test_ioctl_ioas_map(self->fd, self->ioas_id, ro,
					  PAGE_SIZE, &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA |
						  IOMMU_IOAS_MAP_READABLE));
	memset(tmp, 0, sizeof(tmp));
	test_err_access_rw(EPERM, access_fd, iova, sizeof(tmp), tmp,
			   MOCK_ACCESS_RW_WRITE);
	ASSERT_EQ(7, ro[0]);
	test_cmd_access_rw(access_fd, iova, sizeof(tmp), tmp, 0);
	ASSERT_EQ(7, tmp[15]);
	test_cmd_destroy_access(access_fd);
	test_ioctl_ioas_unmap(iova, PAGE_SIZE);
	munmap(ro, PAGE_SIZE);
}

TEST_F(access, access_replace_ioas)
{
	__u32 ioas_b;
	uint8_t tmp[32];
	int access_fd;

	test_ioctl_ioas_alloc(&ioas_b);
	iofd_fill(buffer, PAGE_SIZE, 11);
	iofd_fill(mfd_buffer, PAGE_SIZE, 12);
	test_ioctl_ioas_map_fixed(buffer, PAGE_SIZE, self->base_iova);
	test_ioctl_ioas_map_fixed_id(ioas_b, mfd_buffer, PAGE_SIZE,
				     self->base_iova);

	test_cmd_create_access(self->ioas_id, &access_fd, 0);
	test_cmd_access_rw(access_fd, self->base_iova, sizeof(tmp), tmp, 0);
	ASSERT_EQ(0, memcmp(tmp, buffer, sizeof(tmp)));
	test_err_destroy(EBUSY, self->ioas_id);

	/* Same IOVA, now through the other IOAS */
	test_cmd_access_replace_ioas(access_fd, ioas_b);
	test_cmd_access_rw(access_fd, self->base_iova, sizeof(tmp), tmp, 0);
	ASSERT_EQ(0, memcmp(tmp, mfd_buffer, sizeof(tmp)));
	test_err_destroy(EBUSY, ioas_b);
	/* Replacing with itself changes nothing */
	test_cmd_access_replace_ioas(access_fd, ioas_b);

	/* Not an IOAS: the access stays where it was */
	test_err_access_replace_ioas(ENOENT, access_fd, 0xfffff);
	if (self->hwpt_id)
		test_err_access_replace_ioas(ENOENT, access_fd, self->hwpt_id);
	test_cmd_access_rw(access_fd, self->base_iova, sizeof(tmp), tmp, 0);
	ASSERT_EQ(0, memcmp(tmp, mfd_buffer, sizeof(tmp)));

	/* The first IOAS is free once no domain holds it */
	if (!self->stdev_id)
		test_ioctl_destroy(self->ioas_id);
	test_cmd_destroy_access(access_fd);
	test_ioctl_destroy(ioas_b);
	check_refs(mfd_buffer, PAGE_SIZE, 0);
}

TEST_F(access, access_replace_drops_pins)
{
	__u32 ioas_b, pages_id;
	int access_fd;

	test_ioctl_ioas_alloc(&ioas_b);
	test_ioctl_ioas_map_fixed(buffer, BUFFER_SIZE, self->base_iova);
	test_ioctl_ioas_map_fixed_id(ioas_b, buffer, BUFFER_SIZE,
				     self->base_iova);
	check_refs(buffer, BUFFER_SIZE, 2);

	test_cmd_create_access(self->ioas_id, &access_fd,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
	test_cmd_access_pages(access_fd, self->base_iova, BUFFER_SIZE, buffer,
			      0, &pages_id);

	/* Moving away releases what was pinned through the old IOAS */
	test_cmd_access_replace_ioas(access_fd, ioas_b);
	test_err_destroy_access_pages(ENOENT, access_fd, pages_id);
	test_ioctl_ioas_unmap(self->base_iova, BUFFER_SIZE);
	check_refs(buffer, BUFFER_SIZE, 1);

	test_cmd_access_pages(access_fd, self->base_iova, BUFFER_SIZE, buffer,
			      0, &pages_id);
	test_cmd_destroy_access(access_fd);
	test_ioctl_destroy(ioas_b);
	check_refs(buffer, BUFFER_SIZE, 0);
}

TEST_F(access, access_close_releases)
{
	__u32 pages_id;
	int access_fd;

	test_ioctl_ioas_map_fixed(buffer, BUFFER_SIZE, self->base_iova);
	test_cmd_create_access(self->ioas_id, &access_fd,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
	test_cmd_access_pages(access_fd, self->base_iova, BUFFER_SIZE, buffer,
			      0, &pages_id);
	test_cmd_access_pages(access_fd, self->base_iova + PAGE_SIZE, PAGE_SIZE,
			      (uint8_t *)buffer + PAGE_SIZE, 0, &pages_id);

	/* Closing the access with pins held releases them and the IOAS */
	test_cmd_destroy_access(access_fd);
	check_refs(buffer, BUFFER_SIZE, 1);
	test_ioctl_ioas_unmap(self->base_iova, BUFFER_SIZE);
	check_refs(buffer, BUFFER_SIZE, 0);
	if (!self->stdev_id)
		test_ioctl_destroy(self->ioas_id);
}

TEST_F(access, access_domain_destroy)
{
	size_t buf_size = 2 * HUGEPAGE_SIZE;
	__u32 pages_id, stdev_id;
	uint8_t *buf;
	int access_fd;

	if (!iofd_reserve_hugepages(2))
		SKIP(return, "no hugetlb pages available");
	buf = iofd_mmap_aligned(buf_size, HUGEPAGE_SIZE, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS | MAP_HUGETLB |
					MAP_POPULATE,
				-1, 0);
	if (buf == MAP_FAILED)
		SKIP(return, "MAP_HUGETLB failed: %s", strerror(errno));

	test_ioctl_ioas_map_fixed(buf, buf_size, self->base_iova);
	test_cmd_mock_domain(self->ioas_id, &stdev_id, NULL, NULL);
	test_cmd_create_access(self->ioas_id, &access_fd,
			       MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES);
	test_cmd_access_pages(access_fd, self->base_iova + PAGE_SIZE,
			      PAGE_SIZE, buf + PAGE_SIZE, 0, &pages_id);

	/* Taking the domain away while a huge page is partly pinned */
	test_ioctl_destroy(stdev_id);
	test_cmd_destroy_access_pages(access_fd, pages_id);
	test_cmd_destroy_access(access_fd);
	test_ioctl_ioas_unmap(self->base_iova, buf_size);
	ASSERT_EQ(0, munmap(buf, buf_size));
}

TEST_F(access, fork_present)
{
	int pipefds[2], efd[2];
	int access_fd;
	uint8_t one = 1, tmp[64];
	pid_t child;
	int status;

	test_cmd_create_access(self->ioas_id, &access_fd, 0);
	ASSERT_EQ(0, pipe(pipefds));
	ASSERT_EQ(0, pipe(efd));

	/* The child maps from its own mm and waits */
	child = fork();
	ASSERT_NE(-1, child);
	if (!child) {
		__u64 iova = MOCK_APERTURE_START;
		uint8_t c;

		close(pipefds[1]);
		if (_test_ioctl_ioas_map(self->fd, self->ioas_id, buffer,
					 BUFFER_SIZE, &iova,
					 IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW))
			_exit(1);
		if (write(efd[1], &one, 1) != 1)
			_exit(2);
		if (read(pipefds[0], &c, 1) < 0)
			_exit(3);
		_exit(0);
	}
	close(pipefds[0]);
	ASSERT_EQ(1, read(efd[0], &one, 1));

	/* Read the child's pages through the access */
	iofd_fill(buffer, 256, 21);
	test_cmd_access_rw(access_fd, MOCK_APERTURE_START + 64, sizeof(tmp),
			   tmp, 0);
	ASSERT_EQ(0, memcmp(tmp, (uint8_t *)buffer + 64, sizeof(tmp)));
	check_refs(buffer, BUFFER_SIZE, 1);

	ASSERT_EQ(0, close(pipefds[1]));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* The map outlives the process that made it */
	check_refs(buffer, BUFFER_SIZE, 1);
	test_cmd_access_rw(access_fd, MOCK_APERTURE_START, sizeof(tmp), tmp,
			   0);
	test_cmd_destroy_access(access_fd);
}

TEST_HARNESS_MAIN
