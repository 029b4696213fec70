/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fixture of the hardware-driver suites (iofd_vtd, iofd_smmu): the edu
 * device taken from its driver, bound to iofd-pci and to a fresh
 * /dev/iommu context with one IOAS, its BAR mapped and bus mastering on,
 * 4 pages of anonymous memory to DMA into; everything given back in the
 * teardown.  Plus the debugfs helpers both drivers' files need.
 *
 * The 6.1 harness runs the test body after a SKIP in the setup, so every
 * test of such a fixture starts with `if (_metadata->skip) return;`.
 */
#ifndef __IOFD_EDU_FIXTURE_H
#define __IOFD_EDU_FIXTURE_H

#include "iofd_pci_utils.h"

#define IOFD_MOCK_PARAMS "/sys/module/iofd_mock/parameters"

static inline __maybe_unused void fill(__u8 *p, size_t len, __u8 seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (__u8)(seed + i * 7);
}

/* @dir/@name into @buf (NUL-terminated, empty on failure) */
static inline __maybe_unused void iofd_debugfs_read(const char *dir,
						    const char *name,
						    char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/* Write @query to @dir/translate, read the answer: 0, or -1 */
static inline __maybe_unused int iofd_debugfs_translate(const char *dir,
							const char *query,
							char *out, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/translate", dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, query, strlen(query)) != (ssize_t)strlen(query)) {
		close(fd);
		return -1;
	}
	n = read(fd, out, len - 1);	/* a fresh open: from the start */
	close(fd);
	if (n <= 0)
		return -1;
	out[n] = 0;
	return 0;
}

/**
 * struct iofd_edu - edu taken for one test
 * @bdf: its PCI address; empty when the setup skipped
 * @orig_driver: the driver it had, given back in the teardown
 * @cdev: its iofd-pci char device
 * @rid: its requester ID (bus << 8 | devfn)
 * @devfd: the open char device
 * @devid: its device ID in the /dev/iommu context
 * @bar: BAR0, mapped
 * @buf: 4 pages of anonymous memory to DMA into
 */
struct iofd_edu {
	char bdf[32];
	char orig_driver[64];
	char cdev[64];
	__u16 rid;
	int devfd;
	__u32 devid;
	__u8 *bar;
	__u8 *buf;
};

/*
 * Take the edu at @e->bdf: open /dev/iommu into *@fd, bind, map BAR0, bus
 * mastering on.  Asserts.
 */
static inline __maybe_unused void
iofd_edu_take(struct __test_metadata *_metadata, struct iofd_edu *e, int *fd)
{
	unsigned int bus, dev, fn;
	int n;

	n = sscanf(e->bdf, "%*x:%x:%x.%x", &bus, &dev, &fn);
	ASSERT_EQ(3, n);
	e->rid = bus << 8 | dev << 3 | fn;
	iofd_pci_driver(e->bdf, e->orig_driver, sizeof(e->orig_driver));
	/* The mock must not take edu: this is the driver's test */
	if (!access(IOFD_MOCK_PARAMS "/claim_pci", W_OK))
		ASSERT_EQ(0, iofd_sysfs_write(IOFD_MOCK_PARAMS, "claim_pci",
					      "\n"));
	e->devfd = iofd_pci_take(e->bdf, e->cdev, sizeof(e->cdev));
	ASSERT_LE(0, e->devfd);
	*fd = open(IOFD_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, *fd);
	ASSERT_EQ(0, _test_pci_bind(e->devfd, *fd, &e->devid));
	e->bar = edu_map(e->bdf);
	ASSERT_NE(NULL, e->bar);
	ASSERT_EQ(0, iofd_pci_master(e->bdf, true));
	e->buf = mmap(NULL, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, e->buf);
}

/*
 * Take edu for a test of @driver (skip when @debugfs_dir is missing or
 * there is no edu): iofd_edu_take() of the edu with the lowest address.
 * The caller checks _metadata->skip after it.
 */
static inline __maybe_unused void
iofd_edu_setup(struct __test_metadata *_metadata, struct iofd_edu *e, int *fd,
	       const char *debugfs_dir, const char *driver)
{
	*fd = -1;
	e->devfd = -1;
	e->bdf[0] = 0;
	if (access(debugfs_dir, R_OK))
		SKIP(return, "%s is not loaded (no unit taken)", driver);
	if (!iofd_pci_find(EDU_VENDOR, EDU_DEVICE, e->bdf, sizeof(e->bdf)))
		SKIP(return, "no edu device (1234:11e8) in this machine");
	iofd_edu_take(_metadata, e, fd);
}

/* Bus mastering off, both files closed, edu back to its driver */
static inline __maybe_unused void
iofd_edu_teardown(struct __test_metadata *_metadata, struct iofd_edu *e,
		  int fd)
{
	if (e->bdf[0])
		iofd_pci_master(e->bdf, false);
	if (e->devfd >= 0)
		close(e->devfd);
	if (fd >= 0)
		close(fd);
	if (e->bdf[0])
		EXPECT_EQ(0, iofd_pci_give_back(e->bdf, e->orig_driver));
}

#endif /* __IOFD_EDU_FIXTURE_H */
