// SPDX-License-Identifier: GPL-2.0
/*
 * iofd-bench: speed of /dev/iommu, measured from the guest.
 *
 * The same static binary runs on our modules, on upstream's own iommufd (a
 * 6.12 guest kernel with IOMMUFD_TEST) and on VFIO type1: it speaks only the
 * upstream uAPI, upstream's IOMMU_TEST_CMD ops, VFIO's container uAPI, and
 * (for the pinning limit only) our IOFD_PIN_BENCH test op.  Every row is
 * timed with CLOCK_MONOTONIC around the ioctls, repeated, and printed as
 * one CSV line (median, min, max); scripts/bench.sh collects the lines of
 * all guests and scripts/bench-report.py compares them.
 *
 * Usage: iofd-bench [--stack NAME] [--targets LIST] [--groups LIST]
 *                   [--reps N] [--max-size BYTES]
 *   --stack    label of what runs underneath (ours, upstream-6.12,
 *              debian-vfio); printed in every row with the kernel release
 *   --targets  comma list of: mock (the test-op mock domain), dev (edu
 *              behind the platform IOMMU through a device cdev: iofd-pci on
 *              ours, vfio-pci on upstream), vfio (VFIO type1 container),
 *              pin (IOFD_PIN_BENCH: pin + unpin, nothing else)
 *   --groups   comma list of: map (MAP+UNMAP over sizes and backings),
 *              copy, scale, mem, inval, threads (default: all)
 *   --reps     repetitions per row (default 5, at least 5 are needed for
 *              a median worth the name; map rows up to 2 MiB, scale and
 *              inval use more)
 *   --max-size largest buffer of the map sweep (default 1 GiB)
 *
 * Output, one line per row on stdout:
 *   BENCH,stack,kernel,group,target,backing,size,reps,median_ns,min_ns,
 *   max_ns,pages,note
 * size is bytes (map, copy, mem), existing areas (scale), entries per call
 * (inval) or threads (threads); pages is the number of 4 KiB pages one
 * timed operation covers (0 when it does not apply); note is free text
 * without commas (e.g. the THP share of a buffer, bytes per page).
 * Lines starting with "#" are comments; a row that cannot run prints
 * "# skip <group> <target> <backing>: <why>".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <linux/vfio.h>
#include <linux/iommufd.h>
#include <linux/iommufd_test.h>
#include <linux/iofd_pci.h>

#ifndef MFD_HUGETLB
#define MFD_HUGETLB 0x0004U
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define SZ_4K		4096ULL
#define SZ_2M		(2ULL << 20)
#define SZ_1G		(1ULL << 30)
/* Inside the mock aperture [16 MiB, 2 GiB) and 1 GiB aligned */
#define BENCH_IOVA	SZ_1G
#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8

enum bench_target { T_MOCK, T_DEV, T_VFIO, T_PIN, T_NR };
static const char *const target_names[T_NR] = { "mock", "dev", "vfio", "pin" };

enum bench_group { G_MAP, G_COPY, G_SCALE, G_MEM, G_INVAL, G_THREADS, G_NR };
static const char *const group_names[G_NR] = {
	"map", "copy", "scale", "mem", "inval", "threads"
};

static struct {
	const char *stack;
	char kernel[128];
	unsigned int targets;	/* bit per enum bench_target */
	unsigned int groups;	/* bit per enum bench_group */
	unsigned int reps;
	uint64_t max_size;
	/* The name of the dev target's IOMMU, for the rows (vtd, smmuv3) */
	char dev_iommu[32];
} opt = { .stack = "ours", .reps = 5, .max_size = SZ_1G };

static void die(const char *what)
{
	fprintf(stderr, "iofd-bench: %s: %s\n", what, strerror(errno));
	printf("# FAILED %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* One CSV row from @n samples (sorted here) */
static void row(const char *group, const char *target, const char *backing,
		uint64_t size, uint64_t *samples, unsigned int n,
		uint64_t pages, const char *note)
{
	qsort(samples, n, sizeof(*samples), cmp_u64);
	printf("BENCH,%s,%s,%s,%s,%s,%" PRIu64 ",%u,%" PRIu64 ",%" PRIu64
	       ",%" PRIu64 ",%" PRIu64 ",%s\n", opt.stack, opt.kernel, group,
	       target, backing, size, n, samples[n / 2], samples[0],
	       samples[n - 1], pages, note ? note : "");
	fflush(stdout);
}

static void skip_row(const char *group, const char *target, const char *backing,
		     const char *why)
{
	printf("# skip %s %s %s: %s\n", group, target, backing, why);
	fflush(stdout);
}

/* ------------------------------------------------------------- sysfs -- */

static int write_file(const char *path, const char *val)
{
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static long read_long(const char *path)
{
	char buf[64] = "";
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 0) : -1;
}

/* Value in kB of @key in /proc/meminfo, or -1 */
static long meminfo_kb(const char *key)
{
	char line[256];
	size_t len = strlen(key);
	long val = -1;
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, len) && line[len] == ':')
			val = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return val;
}

/* ----------------------------------------------------------- buffers -- */

enum backing { B_4K, B_THP, B_HUGETLB, B_NR };
static const char *const backing_names[B_NR] = { "4k", "thp", "hugetlb" };

struct buffer {
	uint8_t *p;		/* 2 MiB aligned for B_THP / B_HUGETLB */
	uint64_t len;
	void *map;
	uint64_t maplen;
	int memfd;
};

static int hugetlb_reserve(uint64_t bytes)
{
	char val[32];
	long want = bytes / SZ_2M + 1;

	snprintf(val, sizeof(val), "%ld", want);
	if (write_file("/proc/sys/vm/nr_hugepages", val))
		return -1;
	return read_long("/proc/sys/vm/nr_hugepages") >= want ? 0 : -1;
}

/* A buffer of @len bytes of @kind, every page touched; 0 or -1 */
static int buffer_get(struct buffer *b, enum backing kind, uint64_t len)
{
	memset(b, 0, sizeof(*b));
	b->memfd = -1;
	b->len = len;
	b->maplen = kind == B_4K ? len : (len + SZ_2M - 1) / SZ_2M * SZ_2M + SZ_2M;
	if (kind == B_HUGETLB) {
		b->maplen -= SZ_2M;
		if (hugetlb_reserve(b->maplen))
			return -1;
		b->memfd = memfd_create("iofd-bench", MFD_HUGETLB | MFD_CLOEXEC);
		if (b->memfd < 0 || ftruncate(b->memfd, b->maplen))
			return -1;
		b->map = mmap(NULL, b->maplen, PROT_READ | PROT_WRITE,
			      MAP_SHARED, b->memfd, 0);
	} else {
		b->map = mmap(NULL, b->maplen, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (b->map == MAP_FAILED) {
		b->map = NULL;
		return -1;
	}
	b->p = b->map;
	if (kind == B_THP) {
		b->p = (uint8_t *)(((uintptr_t)b->map + SZ_2M - 1) & ~(SZ_2M - 1));
		madvise(b->map, b->maplen, MADV_HUGEPAGE);
	} else if (kind == B_4K) {
		madvise(b->map, b->maplen, MADV_NOHUGEPAGE);
	}
	memset(b->p, 0x5a, len);
	return 0;
}

static void buffer_put(struct buffer *b)
{
	if (b->map)
		munmap(b->map, b->maplen);
	if (b->memfd >= 0)
		close(b->memfd);
	b->map = NULL;
	b->memfd = -1;
	write_file("/proc/sys/vm/nr_hugepages", "0");
}

/*
 * Share of the THP buffer really backed by huge pages, as "thp=NN%": the
 * AnonHugePages of its own VMA in /proc/self/smaps
 */
static void thp_note(const struct buffer *b, char *note, size_t len)
{
	unsigned long start, end;
	bool ours = false;
	long kb = -1;
	char line[256];
	FILE *f;

	f = fopen("/proc/self/smaps", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			ours = start <= (uintptr_t)b->p && (uintptr_t)b->p < end;
		else if (ours && !strncmp(line, "AnonHugePages:", 14))
			kb = strtol(line + 14, NULL, 10);
	}
	fclose(f);
	/* A small buffer sits in one huge page: cap at 100% */
	if (kb >= 0)
		snprintf(note, len, "thp=%ld%%", (long)(kb * 1024ULL > b->len ? 100 :
			 kb * 1024.0 * 100 / b->len));
}

/* ----------------------------------------------------- /dev/iommu ops -- */

static int iommufd_open(void)
{
	int fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open /dev/iommu");
	return fd;
}

static uint32_t ioas_alloc(int fd)
{
	struct iommu_ioas_alloc cmd = { .size = sizeof(cmd) };

	if (ioctl(fd, IOMMU_IOAS_ALLOC, &cmd))
		die("IOMMU_IOAS_ALLOC");
	return cmd.out_ioas_id;
}

static int ioas_map(int fd, uint32_t ioas, void *p, uint64_t len,
		    uint64_t iova)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.ioas_id = ioas,
		.user_va = (uintptr_t)p,
		.length = len,
		.iova = iova,
	};

	return ioctl(fd, IOMMU_IOAS_MAP, &cmd);
}

static int ioas_unmap(int fd, uint32_t ioas, uint64_t iova, uint64_t len)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd),
		.ioas_id = ioas,
		.iova = iova,
		.length = len,
	};

	return ioctl(fd, IOMMU_IOAS_UNMAP, &cmd);
}

/* A mock device attached to @ioas; its bound device ID into *@idev */
static int mock_domain(int fd, uint32_t ioas, uint32_t *idev)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_MOCK_DOMAIN,
		.id = ioas,
	};

	if (ioctl(fd, IOMMU_TEST_CMD, &cmd))
		return -1;
	if (idev)
		*idev = cmd.mock_domain.out_idev_id;
	return 0;
}

static int pin_bench(int fd, void *p, uint64_t len)
{
	struct iommu_test_cmd cmd = {
		.size = sizeof(cmd),
		.op = IOMMU_TEST_OP_IOFD_PIN_BENCH,
		.iofd_pin_bench = { .uptr = (uintptr_t)p, .length = len },
	};

	return ioctl(fd, IOMMU_TEST_CMD, &cmd);
}

/* --------------------------------------------------------------- edu -- */

/* Lowest-addressed edu into @bdf; false when there is none */
static bool edu_find(char *bdf, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	bool found = false;
	DIR *d;

	d = opendir("/sys/bus/pci/devices");
	if (!d)
		return false;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
			 de->d_name);
		if (read_long(path) != EDU_VENDOR)
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
			 de->d_name);
		if (read_long(path) != EDU_DEVICE)
			continue;
		if (found && strcmp(de->d_name, bdf) > 0)
			continue;
		if (strlen(de->d_name) >= len)
			continue;
		strcpy(bdf, de->d_name);
		found = true;
	}
	closedir(d);
	return found;
}

/* Move @bdf to @driver through driver_override; 0 or -1 */
static int pci_bind_driver(const char *bdf, const char *driver)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = 0;
		if (!strcmp(strrchr(target, '/') + 1, driver))
			return 0;
		snprintf(path, sizeof(path),
			 "/sys/bus/pci/devices/%s/driver/unbind", bdf);
		if (write_file(path, bdf))
			return -1;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override",
		 bdf);
	if (write_file(path, driver))
		return -1;
	write_file("/sys/bus/pci/drivers_probe", bdf);
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	target[n] = 0;
	return strcmp(strrchr(target, '/') + 1, driver) ? -1 : 0;
}

/*
 * The device cdev of @bdf: ours (iofd-pci, /dev/iofd/devices/iofdN) or
 * upstream's (vfio-pci, /dev/vfio/devices/vfioN); open fd or -1
 */
static int edu_cdev_open(const char *bdf)
{
	static const struct {
		const char *driver, *sysdir, *devdir;
	} kinds[] = {
		{ "iofd-pci", "iofd-dev", "/dev/iofd/devices" },
		{ "vfio-pci", "vfio-dev", "/dev/vfio/devices" },
	};
	char path[PATH_MAX];
	struct dirent *de;
	unsigned int i;
	DIR *d;
	int fd = -1;

	for (i = 0; i < ARRAY_SIZE(kinds) && fd < 0; i++) {
		snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s",
			 kinds[i].driver);
		if (access(path, F_OK) || pci_bind_driver(bdf, kinds[i].driver))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/%s", bdf,
			 kinds[i].sysdir);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d)) && fd < 0) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", kinds[i].devdir,
				 de->d_name);
			fd = open(path, O_RDWR | O_CLOEXEC);
		}
		closedir(d);
	}
	return fd;
}

/* Which IOMMU translates for the dev target: "vtd" or "smmuv3" */
static void dev_iommu_name(void)
{
	struct utsname u;

	uname(&u);
	snprintf(opt.dev_iommu, sizeof(opt.dev_iommu), "%s",
		 strcmp(u.machine, "aarch64") ? "vtd" : "smmuv3");
}

/* ------------------------------------------------------------ targets -- */

/*
 * Where a map lands.  mock / dev: an IOAS with a mock domain or edu
 * attached; vfio: a type1 container with edu's group; pin: no IOAS.
 */
struct bench_ctx {
	enum bench_target target;
	int fd;			/* /dev/iommu, or the VFIO container */
	uint32_t ioas;
	int devfd;		/* dev target's cdev, vfio target's group */
	uint32_t devid;		/* dev target: edu's device ID */
	unsigned int rid;	/* dev target: edu's requester / stream ID */
	char name[32];		/* the target's name in the rows */
};

static int vfio_setup(struct bench_ctx *c, const char *bdf)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	write_file("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts",
		   "1");
	if (pci_bind_driver(bdf, "vfio-pci"))
		return -1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return -1;
	target[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(target, '/') + 1);
	c->fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	c->devfd = open(path, O_RDWR | O_CLOEXEC);
	if (c->fd < 0 || c->devfd < 0)
		return -1;
	if (ioctl(c->devfd, VFIO_GROUP_GET_STATUS, &status) ||
	    !(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		errno = EBUSY;
		return -1;
	}
	if (ioctl(c->devfd, VFIO_GROUP_SET_CONTAINER, &c->fd) ||
	    ioctl(c->fd, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		return -1;
	return 0;
}

static int dev_setup(struct bench_ctx *c, const char *bdf)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	unsigned int bus, slot, fn;

	/* Our mock would otherwise translate for edu (claim_pci) */
	write_file("/sys/module/iofd_mock/parameters/claim_pci", "\n");
	c->devfd = edu_cdev_open(bdf);
	if (c->devfd < 0)
		return -1;
	bind.iommufd = c->fd;
	if (ioctl(c->devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		return -1;
	c->devid = bind.out_devid;
	if (sscanf(bdf, "%*x:%x:%x.%x", &bus, &slot, &fn) == 3)
		c->rid = bus << 8 | slot << 3 | fn;
	attach.pt_id = c->ioas;
	return ioctl(c->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
}

/* Set @c up for @target; 0, or -1 with a reason in *@why */
static int ctx_open(struct bench_ctx *c, enum bench_target target,
		    const char **why)
{
	char bdf[64];

	memset(c, 0, sizeof(*c));
	c->target = target;
	c->fd = -1;
	c->devfd = -1;
	snprintf(c->name, sizeof(c->name), "%s", target_names[target]);
	*why = "";
	if (target == T_VFIO) {
		if (!edu_find(bdf, sizeof(bdf))) {
			*why = "no edu device";
			return -1;
		}
		if (vfio_setup(c, bdf)) {
			*why = "VFIO type1 setup failed";
			return -1;
		}
		return 0;
	}
	c->fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (c->fd < 0) {
		*why = "no /dev/iommu";
		return -1;
	}
	if (target == T_PIN)
		return 0;
	c->ioas = ioas_alloc(c->fd);
	if (target == T_MOCK) {
		if (mock_domain(c->fd, c->ioas, NULL)) {
			*why = "no mock domain (IOMMU_TEST_CMD)";
			return -1;
		}
		return 0;
	}
	snprintf(c->name, sizeof(c->name), "%s", opt.dev_iommu);
	if (!edu_find(bdf, sizeof(bdf))) {
		*why = "no edu device";
		return -1;
	}
	if (dev_setup(c, bdf)) {
		*why = "edu cdev bind/attach failed";
		return -1;
	}
	return 0;
}

static void ctx_close(struct bench_ctx *c)
{
	if (c->devfd >= 0)
		close(c->devfd);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = c->devfd = -1;
}

static int ctx_map(struct bench_ctx *c, void *p, uint64_t len, uint64_t iova)
{
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)p,
		.iova = iova,
		.size = len,
	};

	switch (c->target) {
	case T_VFIO:
		return ioctl(c->fd, VFIO_IOMMU_MAP_DMA, &map);
	case T_PIN:
		return pin_bench(c->fd, p, len);
	default:
		return ioas_map(c->fd, c->ioas, p, len, iova);
	}
}

static int ctx_unmap(struct bench_ctx *c, uint64_t iova, uint64_t len)
{
	struct vfio_iommu_type1_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = iova,
		.size = len,
	};

	switch (c->target) {
	case T_VFIO:
		return ioctl(c->fd, VFIO_IOMMU_UNMAP_DMA, &unmap);
	case T_PIN:
		return 0;	/* PIN_BENCH unpinned already */
	default:
		return ioas_unmap(c->fd, c->ioas, iova, len);
	}
}

/* ------------------------------------------------------------- groups -- */

/*
 * Our drivers' reference walker (debugfs translate) on the live tables:
 * the size of the leaf that maps @iova, as "iopte=4K/2M/1G" into @note.
 * Nothing on other stacks (their drivers have no such file).
 */
static void iopte_note(struct bench_ctx *c, uint64_t iova, char *note,
		       size_t len)
{
	static const char *const files[] = {
		"/sys/kernel/debug/iofd_vtd/dmar0/translate",
		"/sys/kernel/debug/iofd_smmuv3/smmu0/translate",
	};
	char q[64], res[256] = "", *sz;
	unsigned long long size;
	unsigned int i;
	size_t used = strlen(note);
	ssize_t n = -1;
	int fd;

	for (i = 0; i < 2 && n <= 0; i++) {
		fd = open(files[i], O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* VT-d: "RID IOVA PASID r|w"; SMMUv3: "SID IOVA r|w" */
		snprintf(q, sizeof(q), i ? "%x %llx r" : "%x %llx - r", c->rid,
			 (unsigned long long)iova);
		if (write(fd, q, strlen(q)) == (ssize_t)strlen(q))
			n = read(fd, res, sizeof(res) - 1);
		close(fd);
	}
	if (n <= 0)
		return;
	res[n] = 0;
	sz = strstr(res, "size=");
	if (!sz || sscanf(sz, "size=%llx", &size) != 1)
		return;
	snprintf(note + used, len - used, "%siopte=%lluK", used ? " " : "",
		 size >> 10);
}

/* MAP + UNMAP of 4 KiB ... max_size, for each backing */
static void group_map(struct bench_ctx *c)
{
	static const uint64_t sizes[] = {
		SZ_4K, 64 * SZ_4K, SZ_2M, 16 * SZ_2M, 128 * SZ_2M, SZ_1G
	};
	uint64_t samples[64];
	enum backing kind;
	unsigned int i, r, reps;

	for (kind = 0; kind < B_NR; kind++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			uint64_t len = sizes[i];
			struct buffer b;
			char note[64] = "";
			bool failed = false;

			if (len > opt.max_size)
				break;
			if (buffer_get(&b, kind, len)) {
				skip_row("map", c->name, backing_names[kind],
				     "cannot allocate the buffer");
				buffer_put(&b);
				continue;
			}
			if (kind == B_THP)
				thp_note(&b, note, sizeof(note));
			/*
			 * Small rows take microseconds: more repetitions, so
			 * background work the kernel does after a fresh
			 * allocation (THP) cannot make the median
			 */
			reps = len <= SZ_2M && opt.reps < 21 ? 21 : opt.reps;
			/* One untimed round: first-use costs stay out */
			for (r = 0; r <= reps && !failed; r++) {
				uint64_t t0 = now_ns();

				if (ctx_map(c, b.p, len, BENCH_IOVA) ||
				    ctx_unmap(c, BENCH_IOVA, len))
					failed = true;
				if (r)
					samples[r - 1] = now_ns() - t0;
			}
			/* Untimed: which leaf size the driver chose */
			if (!failed && c->target == T_DEV &&
			    !ctx_map(c, b.p, len, BENCH_IOVA)) {
				iopte_note(c, BENCH_IOVA, note, sizeof(note));
				ctx_unmap(c, BENCH_IOVA, len);
			}
			if (failed) {
				char why[96];

				snprintf(why, sizeof(why), "map/unmap %" PRIu64
					 " bytes: %s", len, strerror(errno));
				skip_row("map", c->name, backing_names[kind], why);
			} else {
				row("map", c->name, backing_names[kind], len,
				    samples, reps, len / SZ_4K, note);
			}
			buffer_put(&b);
		}
	}
}

/*
 * COPY of a 256 MiB mapped range into a second IOAS with its own mock
 * domain (no second pin), then UNMAP there
 */
static void group_copy(struct bench_ctx *c)
{
	uint64_t len = 128 * SZ_2M, samples[64];
	struct iommu_ioas_copy copy = {
		.size = sizeof(copy),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.src_iova = BENCH_IOVA,
		.dst_iova = BENCH_IOVA,
		.length = len,
	};
	struct buffer b;
	unsigned int r;

	if (buffer_get(&b, B_4K, len))
		die("copy buffer");
	copy.src_ioas_id = c->ioas;
	copy.dst_ioas_id = ioas_alloc(c->fd);
	if (mock_domain(c->fd, copy.dst_ioas_id, NULL))
		die("mock domain for the copy");
	if (ctx_map(c, b.p, len, BENCH_IOVA))
		die("map for the copy");
	for (r = 0; r <= opt.reps; r++) {
		uint64_t t0 = now_ns();

		if (ioctl(c->fd, IOMMU_IOAS_COPY, &copy) ||
		    ioas_unmap(c->fd, copy.dst_ioas_id, BENCH_IOVA, len))
			die("IOMMU_IOAS_COPY + UNMAP");
		if (r)
			samples[r - 1] = now_ns() - t0;
	}
	row("copy", c->name, "4k", len, samples, opt.reps, len / SZ_4K, "");
	ctx_unmap(c, BENCH_IOVA, len);
	buffer_put(&b);
}

/*
 * MAP + UNMAP of one 4 KiB page into an IOAS (with a mock domain) that
 * already holds 1, 1 000 and 100 000 areas
 */
static void group_scale(void)
{
	static const unsigned int areas[] = { 1, 1000, 100000 };
	enum { SCALE_REPS = 101, SCALE_POOL = 1024 };
	uint64_t samples[SCALE_REPS];
	unsigned int i, n, r;
	struct buffer b;

	if (buffer_get(&b, B_4K, SCALE_POOL * SZ_4K))
		die("scale buffer");
	for (i = 0; i < ARRAY_SIZE(areas); i++) {
		int fd = iommufd_open();
		uint32_t ioas = ioas_alloc(fd);

		if (mock_domain(fd, ioas, NULL)) {
			skip_row("scale", "mock", "4k", "no mock domain");
			close(fd);
			break;
		}
		/* Areas 8 KiB apart from 16 MiB, the probe above them all */
		for (n = 0; n < areas[i]; n++)
			if (ioas_map(fd, ioas, b.p + (n % SCALE_POOL) * SZ_4K,
				     SZ_4K, (1ULL << 24) + n * 2 * SZ_4K))
				die("scale: map the existing areas");
		for (r = 0; r < SCALE_REPS; r++) {
			uint64_t t0 = now_ns();

			if (ioas_map(fd, ioas, b.p, SZ_4K, BENCH_IOVA + r * SZ_4K) ||
			    ioas_unmap(fd, ioas, BENCH_IOVA + r * SZ_4K, SZ_4K))
				die("scale: map + unmap");
			samples[r] = now_ns() - t0;
		}
		row("scale", "mock", "4k", areas[i], samples, SCALE_REPS, 1, "");
		close(fd);
	}
	buffer_put(&b);
}

/* Bytes in live slab objects (active_objs x objsize over /proc/slabinfo) */
static long long slab_active_bytes(void)
{
	long long total = 0, active, objsize;
	char line[512], name[64];
	FILE *f;

	f = fopen("/proc/slabinfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld %*d %lld", name, &active,
			   &objsize) == 3 && name[0] != '#')
			total += active * objsize;
	fclose(f);
	return total;
}

/*
 * Kernel memory per pinned 4 KiB page, mapping a buffer of max_size (at
 * most 1 GiB, already faulted in) into an IOAS with a mock domain: the
 * growth of live slab objects (slabinfo) plus the pages the kernel took
 * outside the slab (MemFree drop minus the growth of Slab).  Free objects
 * a slab cache kept from an earlier round would hide a MemFree-only count.
 */
static void group_mem(void)
{
	/* Per-CPU page lists hide up to ~1 MiB of MemFree: go big */
	uint64_t len = opt.max_size < SZ_1G ? opt.max_size : SZ_1G;
	uint64_t samples[64];
	long long objs = 0, pages = 0;
	unsigned int r;
	struct buffer b;
	char note[96];

	if (buffer_get(&b, B_4K, len))
		die("mem buffer");
	for (r = 0; r < opt.reps; r++) {
		int fd = iommufd_open();
		uint32_t ioas = ioas_alloc(fd);
		long long obj0, free0, slab0;

		if (mock_domain(fd, ioas, NULL)) {
			skip_row("mem", "mock", "4k", "no mock domain");
			close(fd);
			buffer_put(&b);
			return;
		}
		/* Let deferred frees from the last round settle */
		usleep(200000);
		obj0 = slab_active_bytes();
		free0 = meminfo_kb("MemFree");
		slab0 = meminfo_kb("Slab");
		if (ioas_map(fd, ioas, b.p, len, BENCH_IOVA))
			die("mem: map");
		objs = slab_active_bytes() - obj0;
		pages = (free0 - meminfo_kb("MemFree") -
			 (meminfo_kb("Slab") - slab0)) * 1024;
		if (obj0 < 0) {
			skip_row("mem", "mock", "4k", "no /proc/slabinfo");
			close(fd);
			buffer_put(&b);
			return;
		}
		/* milli-bytes per page, so that the median keeps decimals */
		samples[r] = (objs + (pages > 0 ? pages : 0)) * 1000 /
			     (long long)(len / SZ_4K);
		close(fd);
	}
	snprintf(note, sizeof(note),
		 "unit=mbytes/page last: slab_objs=%lldB pages=%lldB", objs,
		 pages);
	row("mem", "mock", "4k", len, samples, opt.reps, len / SZ_4K, note);
	buffer_put(&b);
}

/*
 * HWPT_INVALIDATE of batches of 1, 64 and 1024 mock IOTLB entries on a
 * nested mock HWPT; one sample = the mean time per call over a loop
 */
static void group_inval(void)
{
	static const unsigned int batches[] = { 1, 64, 1024 };
	struct iommu_hwpt_invalidate_selftest *ents;
	struct iommu_hwpt_selftest data = { .iotlb = IOMMU_TEST_IOTLB_DEFAULT };
	struct iommu_hwpt_alloc parent = {
		.size = sizeof(parent),
		.flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
	};
	struct iommu_hwpt_alloc nested = {
		.size = sizeof(nested),
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(data),
		.data_uptr = (uintptr_t)&data,
	};
	uint64_t samples[64];
	unsigned int i, r, k;
	uint32_t idev;
	int fd = iommufd_open();
	uint32_t ioas = ioas_alloc(fd);

	if (mock_domain(fd, ioas, &idev)) {
		skip_row("inval", "mock", "-", "no mock domain");
		close(fd);
		return;
	}
	parent.dev_id = idev;
	parent.pt_id = ioas;
	if (ioctl(fd, IOMMU_HWPT_ALLOC, &parent))
		die("inval: nest parent");
	nested.dev_id = idev;
	nested.pt_id = parent.out_hwpt_id;
	if (ioctl(fd, IOMMU_HWPT_ALLOC, &nested))
		die("inval: nested HWPT");
	ents = calloc(1024, sizeof(*ents));
	if (!ents)
		die("calloc");
	for (k = 0; k < 1024; k++)
		ents[k].iotlb_id = k % MOCK_NESTED_DOMAIN_IOTLB_NUM;
	for (i = 0; i < ARRAY_SIZE(batches); i++) {
		/* About 64 Ki entries per sample, at least 16 calls */
		unsigned int calls = 65536 / batches[i] < 16 ? 16 :
				     65536 / batches[i];

		for (r = 0; r <= opt.reps; r++) {
			struct iommu_hwpt_invalidate inv = {
				.size = sizeof(inv),
				.hwpt_id = nested.out_hwpt_id,
				.data_uptr = (uintptr_t)ents,
				.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST,
				.entry_len = sizeof(*ents),
			};
			uint64_t t0 = now_ns();

			for (k = 0; k < calls; k++) {
				inv.entry_num = batches[i];
				if (ioctl(fd, IOMMU_HWPT_INVALIDATE, &inv) ||
				    inv.entry_num != batches[i])
					die("IOMMU_HWPT_INVALIDATE");
			}
			if (r)
				samples[r - 1] = (now_ns() - t0) / calls;
		}
		row("inval", "mock", "-", batches[i], samples, opt.reps, 0,
		    "unit=ns/call");
	}
	free(ents);
	close(fd);
}

/*
 * Shadow nesting (our drivers on QEMU 7.2, which has no hardware nesting):
 * a guest stage-1 table whose last level maps IOVA 0..2M onto 512 data
 * pages at GPA 0x400000, behind a nested HWPT that edu is attached to.
 * One sample is the mean time of the invalidation call after the guest
 * changed 1 PTE or all 512 of that table: the shadow resync.
 *   VT-d: first-level table (L4..L1 at GPA 0x200000), one
 *         IOMMU_HWPT_DATA_VTD_S1 invalidation of npages = 1 or 512.
 *   SMMUv3: a CD (GPA 0x200000) and a 4-level stage-1 table behind a vSTE
 *         of a vIOMMU + vDEVICE; 1 or 512 CMD_TLBI_NH_VA in one call (a
 *         guest driver without range invalidation).
 */
#define SHADOW_GPA_TABLES	0x200000ULL
#define SHADOW_GPA_DATA		0x400000ULL
#define SHADOW_PAGES		512
#define VTD_FL_RW		0x27ULL	/* P | RW | US | A */
#define SMMU_S1_TABLE		3ULL
#define SMMU_S1_PAGE		(3ULL | 1ULL << 2 | 1ULL << 6 | 3ULL << 8 | \
				 1ULL << 10)
#define SMMU_GUEST_ASID		7
#define SMMU_VSID		0x42

struct shadow {
	struct bench_ctx *c;
	bool smmu;
	struct buffer tables, data;
	uint64_t *last;		/* the last-level table */
	uint32_t parent, viommu, vdev, nested;
	uint32_t inv_id;	/* what HWPT_INVALIDATE names */
	void *ents;
	uint32_t ent_len, ent_type;
};

/* Guest tables: VT-d L4, L3, L2, L1; SMMUv3 CD, L0, L1, L2, L3 */
static void shadow_build(struct shadow *sh)
{
	uint64_t *page = (uint64_t *)sh->tables.p;
	unsigned int lvl, first = sh->smmu ? 1 : 0, k;

	memset(sh->tables.p, 0, sh->tables.len);
	if (sh->smmu) {
		/*
		 * CD: T0SZ 16, 4K granule, IRGN/ORGN WBWA, SH IS, EPD1,
		 * valid, 48-bit IPS, AA64, R, A, ASET, ASID; TTB0; MAIR
		 */
		page[0] = 16 | 1ULL << 8 | 1ULL << 10 | 3ULL << 12 |
			  1ULL << 30 | 1ULL << 31 | 4ULL << 32 | 1ULL << 41 |
			  1ULL << 45 | 1ULL << 46 | 1ULL << 47 |
			  (uint64_t)SMMU_GUEST_ASID << 48;
		page[1] = SHADOW_GPA_TABLES + 0x1000;
		page[3] = 0xf404ff44ULL;
	}
	for (lvl = first; lvl < first + 3; lvl++)
		((uint64_t *)(sh->tables.p + lvl * SZ_4K))[0] =
			(SHADOW_GPA_TABLES + (lvl + 1) * SZ_4K) |
			(sh->smmu ? SMMU_S1_TABLE : VTD_FL_RW);
	sh->last = (uint64_t *)(sh->tables.p + (first + 3) * SZ_4K);
	for (k = 0; k < SHADOW_PAGES; k++)
		sh->last[k] = SHADOW_GPA_DATA + k * SZ_4K;
}

/* The guest points its first @n PTEs at data pages in another order */
static void shadow_flip(struct shadow *sh, unsigned int n, unsigned int flip)
{
	uint64_t attr = sh->smmu ? SMMU_S1_PAGE : VTD_FL_RW;
	unsigned int k;

	for (k = 0; k < n; k++)
		sh->last[k] = (SHADOW_GPA_DATA + ((k ^ flip) & 511) * SZ_4K) |
			      attr;
}

/* The nested HWPT over a nest parent (and vIOMMU + vDEVICE on SMMUv3) */
static const char *shadow_objects(struct shadow *sh)
{
	struct iommu_hwpt_alloc parent = {
		.size = sizeof(parent),
		.flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
		.dev_id = sh->c->devid,
		.pt_id = sh->c->ioas,
	};
	struct iommu_hwpt_vtd_s1 s1 = {
		.pgtbl_addr = SHADOW_GPA_TABLES,
		.addr_width = 48,
	};
	/* vSTE: valid, Config S1 translate, S1ContextPtr */
	struct iommu_hwpt_arm_smmuv3 ste = {
		.ste = { 1ULL | 5ULL << 1 | SHADOW_GPA_TABLES, 0 },
	};
	struct iommu_hwpt_alloc nested = {
		.size = sizeof(nested),
		.dev_id = sh->c->devid,
	};

	if (ioctl(sh->c->fd, IOMMU_HWPT_ALLOC, &parent))
		return "no nest-parent HWPT here";
	sh->parent = parent.out_hwpt_id;
	nested.pt_id = sh->parent;
	if (sh->smmu) {
		struct iommu_viommu_alloc viommu = {
			.size = sizeof(viommu),
			.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3,
			.dev_id = sh->c->devid,
			.hwpt_id = sh->parent,
		};
		struct iommu_vdevice_alloc vdev = {
			.size = sizeof(vdev),
			.dev_id = sh->c->devid,
			.virt_id = SMMU_VSID,
		};

		if (ioctl(sh->c->fd, IOMMU_VIOMMU_ALLOC, &viommu))
			return "no SMMUv3 vIOMMU here";
		sh->viommu = viommu.out_viommu_id;
		vdev.viommu_id = sh->viommu;
		if (ioctl(sh->c->fd, IOMMU_VDEVICE_ALLOC, &vdev))
			return "no vDEVICE here";
		sh->vdev = vdev.out_vdevice_id;
		nested.pt_id = sh->viommu;
		nested.data_type = IOMMU_HWPT_DATA_ARM_SMMUV3;
		nested.data_len = sizeof(ste);
		nested.data_uptr = (uintptr_t)&ste;
	} else {
		nested.data_type = IOMMU_HWPT_DATA_VTD_S1;
		nested.data_len = sizeof(s1);
		nested.data_uptr = (uintptr_t)&s1;
	}
	if (ioctl(sh->c->fd, IOMMU_HWPT_ALLOC, &nested))
		return "no nested HWPT here";
	sh->nested = nested.out_hwpt_id;
	sh->inv_id = sh->smmu ? sh->viommu : sh->nested;
	return NULL;
}

/* The invalidation entries for a resync of the first @n PTEs */
static unsigned int shadow_entries(struct shadow *sh, unsigned int n)
{
	unsigned int k;

	if (!sh->smmu) {
		struct iommu_hwpt_vtd_s1_invalidate *e = sh->ents;

		e->addr = 0;
		e->npages = n;
		e->flags = 0;
		return 1;
	}
	for (k = 0; k < n; k++) {
		struct iommu_viommu_arm_smmuv3_invalidate *e =
			(struct iommu_viommu_arm_smmuv3_invalidate *)sh->ents + k;

		/* CMD_TLBI_NH_VA, ASID; address, Leaf */
		e->cmd[0] = 0x12 | (uint64_t)SMMU_GUEST_ASID << 48;
		e->cmd[1] = k * SZ_4K | 1;
	}
	return n;
}

static void group_inval_shadow(struct bench_ctx *c)
{
	static const unsigned int resync[] = { 1, SHADOW_PAGES };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	struct shadow sh = { .c = c, .smmu = !strcmp(c->name, "smmuv3") };
	uint32_t *ids[] = { &sh.nested, &sh.vdev, &sh.viommu, &sh.parent };
	unsigned int i, r, k, flip = 0, ntables = sh.smmu ? 5 : 4;
	uint64_t samples[64];
	const char *why;
	enum { CALLS = 100 };

	if (buffer_get(&sh.tables, B_4K, ntables * SZ_4K) ||
	    buffer_get(&sh.data, B_4K, SHADOW_PAGES * SZ_4K))
		die("shadow buffers");
	sh.ent_len = sh.smmu ? sizeof(struct iommu_viommu_arm_smmuv3_invalidate) :
		     sizeof(struct iommu_hwpt_vtd_s1_invalidate);
	sh.ent_type = sh.smmu ? IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3 :
		      IOMMU_HWPT_INVALIDATE_DATA_VTD_S1;
	sh.ents = calloc(SHADOW_PAGES, sh.ent_len);
	if (!sh.ents)
		die("calloc");
	shadow_build(&sh);
	shadow_flip(&sh, SHADOW_PAGES, 0);
	if (ioas_map(c->fd, c->ioas, sh.tables.p, sh.tables.len, SHADOW_GPA_TABLES) ||
	    ioas_map(c->fd, c->ioas, sh.data.p, sh.data.len, SHADOW_GPA_DATA))
		die("shadow: map guest memory");
	why = shadow_objects(&sh);
	if (why) {
		skip_row("inval", c->name, "-", why);
		goto out;
	}
	attach.pt_id = sh.nested;
	if (ioctl(c->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach))
		die("shadow: attach edu to the nested HWPT");
	for (i = 0; i < ARRAY_SIZE(resync); i++) {
		for (r = 0; r <= opt.reps; r++) {
			uint64_t total = 0;

			for (k = 0; k < CALLS; k++) {
				struct iommu_hwpt_invalidate inv = {
					.size = sizeof(inv),
					.hwpt_id = sh.inv_id,
					.data_uptr = (uintptr_t)sh.ents,
					.data_type = sh.ent_type,
					.entry_len = sh.ent_len,
				};
				unsigned int n;
				uint64_t t0;

				flip ^= 1;
				shadow_flip(&sh, resync[i], flip);
				n = shadow_entries(&sh, resync[i]);
				inv.entry_num = n;
				t0 = now_ns();
				if (ioctl(c->fd, IOMMU_HWPT_INVALIDATE, &inv) ||
				    inv.entry_num != n)
					die("shadow: HWPT_INVALIDATE");
				total += now_ns() - t0;
			}
			if (r)
				samples[r - 1] = total / CALLS;
		}
		row("inval", c->name, "-", resync[i], samples, opt.reps, 0,
		    sh.smmu ? "unit=ns/call resync=guest-ptes cmds=tlbi_nh_va" :
			      "unit=ns/call resync=guest-ptes");
	}
	/* Back to the IOAS (the paging domain) for whatever comes next */
	attach.pt_id = c->ioas;
	ioctl(c->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach);
out:
	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		destroy.id = *ids[i];
		if (destroy.id)
			ioctl(c->fd, IOMMU_DESTROY, &destroy);
	}
	ioas_unmap(c->fd, c->ioas, SHADOW_GPA_TABLES, sh.tables.len);
	ioas_unmap(c->fd, c->ioas, SHADOW_GPA_DATA, sh.data.len);
	free(sh.ents);
	buffer_put(&sh.tables);
	buffer_put(&sh.data);
}

struct thread_job {
	int fd;
	uint32_t ioas;
	struct buffer *b;
	unsigned int loops;
	int rc;
};

static void *thread_body(void *arg)
{
	struct thread_job *j = arg;
	unsigned int i;

	for (i = 0; i < j->loops && !j->rc; i++)
		if (ioas_map(j->fd, j->ioas, j->b->p, j->b->len, BENCH_IOVA) ||
		    ioas_unmap(j->fd, j->ioas, BENCH_IOVA, j->b->len))
			j->rc = -1;
	return NULL;
}

/*
 * The same work (2 x 8 map + unmap of 64 MiB, 4K-backed, mock domains)
 * done by one thread and split over two threads with an IOAS each
 */
static void group_threads(void)
{
	enum { LOOPS = 8 };
	struct thread_job jobs[2];
	struct buffer bufs[2];
	uint64_t samples[2][64];
	pthread_t th[2];
	unsigned int nthreads, i, r;

	for (i = 0; i < 2; i++) {
		if (buffer_get(&bufs[i], B_4K, 32 * SZ_2M))
			die("threads buffer");
		jobs[i].fd = iommufd_open();
		jobs[i].ioas = ioas_alloc(jobs[i].fd);
		jobs[i].b = &bufs[i];
		if (mock_domain(jobs[i].fd, jobs[i].ioas, NULL)) {
			skip_row("threads", "mock", "4k", "no mock domain");
			i++;
			goto out;
		}
	}
	for (r = 0; r <= opt.reps; r++) {
		for (nthreads = 1; nthreads <= 2; nthreads++) {
			uint64_t t0 = now_ns();

			for (i = 0; i < nthreads; i++) {
				jobs[i].loops = LOOPS * 2 / nthreads;
				jobs[i].rc = 0;
				if (pthread_create(&th[i], NULL, thread_body,
						   &jobs[i]))
					die("pthread_create");
			}
			for (i = 0; i < nthreads; i++) {
				pthread_join(th[i], NULL);
				if (jobs[i].rc)
					die("threads: map/unmap");
			}
			if (r)
				samples[nthreads - 1][r - 1] = now_ns() - t0;
		}
	}
	for (nthreads = 1; nthreads <= 2; nthreads++)
		row("threads", "mock", "4k", nthreads, samples[nthreads - 1],
		    opt.reps, LOOPS * 2 * (32 * SZ_2M / SZ_4K), "");
	i = 2;
out:
	/* @i jobs were set up */
	while (i--) {
		close(jobs[i].fd);
		buffer_put(&bufs[i]);
	}
}

/* ---------------------------------------------------------------- main -- */

static unsigned int parse_list(const char *arg, const char *const *names,
			       unsigned int n)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	unsigned int mask = 0, i;

	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; i < n && strcmp(tok, names[i]); i++)
			;
		if (i == n) {
			fprintf(stderr, "iofd-bench: unknown name '%s'\n", tok);
			exit(2);
		}
		mask |= 1U << i;
	}
	free(copy);
	return mask;
}

int main(int argc, char **argv)
{
	struct utsname u;
	enum bench_target t;
	int i;

	opt.targets = (1U << T_MOCK) | (1U << T_DEV) | (1U << T_PIN);
	opt.groups = (1U << G_NR) - 1;
	for (i = 1; i < argc; i++) {
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val) {
			fprintf(stderr, "iofd-bench: %s needs a value\n", argv[i]);
			return 2;
		}
		if (!strcmp(argv[i], "--stack"))
			opt.stack = val;
		else if (!strcmp(argv[i], "--targets"))
			opt.targets = parse_list(val, target_names, T_NR);
		else if (!strcmp(argv[i], "--groups"))
			opt.groups = parse_list(val, group_names, G_NR);
		else if (!strcmp(argv[i], "--reps"))
			opt.reps = strtoul(val, NULL, 0);
		else if (!strcmp(argv[i], "--max-size"))
			opt.max_size = strtoull(val, NULL, 0);
		else {
			fprintf(stderr, "iofd-bench: unknown option %s\n", argv[i]);
			return 2;
		}
		i++;
	}
	if (opt.reps < 1 || opt.reps > 63) {
		fprintf(stderr, "iofd-bench: --reps must be 1..63\n");
		return 2;
	}
	uname(&u);
	snprintf(opt.kernel, sizeof(opt.kernel), "%s", u.release);
	dev_iommu_name();
	printf("# iofd-bench stack=%s kernel=%s machine=%s reps=%u\n", opt.stack,
	       opt.kernel, u.machine, opt.reps);
	fflush(stdout);

	for (t = 0; t < T_NR; t++) {
		struct bench_ctx c;
		const char *why;

		if (!(opt.targets & (1U << t)))
			continue;
		if (ctx_open(&c, t, &why)) {
			char what[96];

			snprintf(what, sizeof(what), "%s (%s)", why,
				 strerror(errno));
			skip_row("*", target_names[t], "*", what);
			ctx_close(&c);
			continue;
		}
		if (opt.groups & (1U << G_MAP))
			group_map(&c);
		if (t == T_MOCK && (opt.groups & (1U << G_COPY)))
			group_copy(&c);
		if (t == T_DEV && (opt.groups & (1U << G_INVAL)))
			group_inval_shadow(&c);
		ctx_close(&c);
	}
	if (opt.targets & (1U << T_MOCK)) {
		if (opt.groups & (1U << G_SCALE))
			group_scale();
		if (opt.groups & (1U << G_MEM))
			group_mem();
		if (opt.groups & (1U << G_INVAL))
			group_inval();
		if (opt.groups & (1U << G_THREADS))
			group_threads();
	}
	printf("# iofd-bench done\n");
	return 0;
}
