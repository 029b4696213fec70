// SPDX-License-Identifier: GPL-2.0
/*
 * iofd-drvfuzz: the guest's side of the hardware drivers, fuzzed.
 *
 * A real device (the edu with the lowest address, bound through iofd-pci
 * to iofd_vtd or iofd_smmuv3) and 64 pages of "guest RAM" the fuzzer
 * scribbles over.  Random operations, seeded: guest memory written with
 * random words and with descriptors that point anywhere (inside the guest
 * RAM, outside it, at themselves); nested HWPTs from random driver data
 * (SMMUv3 vSTEs, VT-d stage-1 descriptions and PASID tables); vIOMMUs and
 * vDEVICEs; attaches of random HWPTs; guest invalidations with random
 * commands (SMMUv3 opcodes and fields, VT-d ranges and flags); the VMM
 * mapping and unmapping guest RAM in the nest parent; destroys.
 *
 * Oracles, checked as it goes and at the end of every epoch (a fresh
 * context every few hundred operations):
 *  - every errno is one of the documented set;
 *  - isolation: whatever the guest wrote, the device's live tables (the
 *    driver's reference walker, debugfs translate) never reach a page that
 *    is not guest RAM the nest parent maps at that moment;
 *  - closing the context releases everything: the driver's IDs (domain
 *    IDs / ASIDs + VMIDs) and its module references back to their value
 *    before, no page pinned (VmPin).
 *
 * TAP output, one result per oracle.  Without arguments: seed 1, 3000
 * operations (make check); with iofd.drvfuzz_seconds=S
 * [iofd.drvfuzz_seed=N|random] on the kernel command line, S seconds
 * (make soak).  Any failure prints the seed and the operation number.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/iommufd.h>
#include <linux/iofd_pci.h>

#define PCI_DEVICES	"/sys/bus/pci/devices"
#define VTD_DEBUGFS	"/sys/kernel/debug/iofd_vtd/dmar0"
#define SMMU_DEBUGFS	"/sys/kernel/debug/iofd_smmuv3/smmu0"
#define GUEST_PAGES	64
#define PG		4096UL
#define EPOCH_OPS	300
#define MAX_OBJS	16
#define DEFAULT_OPS	3000
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static enum { DRV_VTD, DRV_SMMU } drv;
static const char *debugfs;
static char bdf[32], cdev[300];
static unsigned int rid;
static uint8_t *guest;			/* GUEST_PAGES pages */
static uint64_t guest_pa[GUEST_PAGES];
static bool gpa_mapped[GUEST_PAGES];	/* in the parent's IOAS, GPA = index */
static uint64_t seed, rng, op;
static unsigned long checks, translated, bad_errnos, violations;
static int fd = -1, devfd = -1;
static uint32_t devid, ioas, parent, viommu, vdev;
static uint32_t objs[MAX_OBJS];		/* nested HWPTs */
static unsigned int nobjs;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("not ok 1 - drvfuzz: seed %llu op %llu: ",
	       (unsigned long long)seed, (unsigned long long)op);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	exit(1);
}

static int sysfs_write(const char *path, const char *val)
{
	int f = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (f < 0)
		return -1;
	n = write(f, val, strlen(val));
	close(f);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int f = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = f < 0 ? -1 : read(f, buf, len - 1);

	if (f >= 0)
		close(f);
	buf[n > 0 ? n : 0] = 0;
	return n > 0 ? 0 : -1;
}

static unsigned long read_hex(const char *path)
{
	char buf[64];

	return read_file(path, buf, sizeof(buf)) ? 0 : strtoul(buf, NULL, 0);
}

/* The edu with the lowest address, or false */
static bool find_edu(void)
{
	struct dirent *de;
	DIR *d = opendir(PCI_DEVICES);
	char path[512];

	bdf[0] = 0;
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(bdf))
			continue;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/vendor", de->d_name);
		if (read_hex(path) != 0x1234)
			continue;
		snprintf(path, sizeof(path), PCI_DEVICES "/%s/device", de->d_name);
		if (read_hex(path) != 0x11e8)
			continue;
		if (!bdf[0] || strcmp(de->d_name, bdf) < 0)
			strcpy(bdf, de->d_name);
	}
	if (d)
		closedir(d);
	return bdf[0];
}

static int take_edu(void)
{
	char path[512], drv[300] = "", *p;
	struct dirent *de;
	unsigned int b, dv, fn;
	ssize_t n;
	DIR *d;

	if (sscanf(bdf, "%*x:%x:%x.%x", &b, &dv, &fn) != 3)
		return -1;
	rid = b << 8 | dv << 3 | fn;
	sysfs_write("/sys/module/iofd_mock/parameters/claim_pci", "\n");
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver", bdf);
	n = readlink(path, drv, sizeof(drv) - 1);
	if (n > 0) {
		drv[n] = 0;
		p = strrchr(drv, '/');
		snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/unbind",
			 p + 1);
		if (strcmp(p + 1, "iofd-pci") && sysfs_write(path, bdf))
			return -1;
	}
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", bdf);
	if (sysfs_write(path, "iofd-pci"))
		return -1;
	sysfs_write("/sys/bus/pci/drivers_probe", bdf);
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/iofd-dev", bdf);
	d = opendir(path);
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, "iofd", 4) && strlen(de->d_name) < 64)
			snprintf(cdev, sizeof(cdev), "/dev/iofd/devices/%s",
				 de->d_name);
	if (d)
		closedir(d);
	return cdev[0] ? 0 : -1;
}

static void give_back(void)
{
	char path[512];

	snprintf(path, sizeof(path), "/sys/bus/pci/drivers/iofd-pci/unbind");
	sysfs_write(path, bdf);
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/driver_override", bdf);
	sysfs_write(path, "\n");
}

static uint64_t virt_to_phys(const void *va)
{
	uint64_t ent = 0;
	int f = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (f < 0)
		return 0;
	if (pread(f, &ent, 8, ((uintptr_t)va / PG) * 8) != 8)
		ent = 0;
	close(f);
	return (ent & (1ULL << 63)) ? (ent & ((1ULL << 55) - 1)) * PG : 0;
}

/* What the driver has in use, and its module's references */
static long driver_state(void)
{
	char buf[512], *p;
	long v = 0;

	if (drv == DRV_VTD) {
		read_file(VTD_DEBUGFS "/dids", buf, sizeof(buf));
		v = strtol(buf, NULL, 10);
		read_file("/sys/module/iofd_vtd/refcnt", buf, sizeof(buf));
	} else {
		read_file(SMMU_DEBUGFS "/counters", buf, sizeof(buf));
		p = strstr(buf, "asids ");
		v = p ? strtol(p + 6, NULL, 10) : -1;
		p = strstr(buf, "vmids ");
		v += p ? 1000 * strtol(p + 6, NULL, 10) : -1;
		read_file("/sys/module/iofd_smmuv3/refcnt", buf, sizeof(buf));
	}
	return v + 1000000 * strtol(buf, NULL, 10);
}

static long vm_pinned_kb(void)
{
	char buf[4096], *p;

	if (read_file("/proc/self/status", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, "VmPin:");
	return p ? strtol(p + 6, NULL, 10) : -1;
}

/* The documented errnos of these calls */
static void check_errno(int rc, const char *what)
{
	static const int ok[] = { EINVAL, EIO, ENOENT, EBUSY, EOPNOTSUPP,
				  EFAULT, ENOSPC, EEXIST, ENODEV, E2BIG,
				  EOVERFLOW, ERANGE, ENOMEM };
	unsigned int i;

	if (!rc)
		return;
	for (i = 0; i < ARRAY_SIZE(ok); i++)
		if (errno == ok[i])
			return;
	bad_errnos++;
	die("%s: unexpected errno %d (%s)", what, errno, strerror(errno));
}

static int hwpt_alloc(uint32_t pt, uint32_t flags, uint32_t type,
		      void *data, uint32_t len, uint32_t *id)
{
	struct iommu_hwpt_alloc cmd = {
		.size = sizeof(cmd), .flags = flags, .dev_id = devid,
		.pt_id = pt, .data_type = type, .data_len = len,
		.data_uptr = (uintptr_t)data,
	};
	int rc = ioctl(fd, IOMMU_HWPT_ALLOC, &cmd);

	if (!rc)
		*id = cmd.out_hwpt_id;
	return rc;
}

static int destroy(uint32_t id)
{
	struct iommu_destroy cmd = { .size = sizeof(cmd), .id = id };

	return ioctl(fd, IOMMU_DESTROY, &cmd);
}

static int attach(uint32_t pt)
{
	struct vfio_device_attach_iommufd_pt a = {
		.argsz = sizeof(a), .pt_id = pt,
	};

	return ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &a);
}

static int map_gpa(unsigned int page, unsigned int n)
{
	struct iommu_ioas_map cmd = {
		.size = sizeof(cmd), .ioas_id = ioas,
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			 IOMMU_IOAS_MAP_WRITEABLE,
		.user_va = (uintptr_t)(guest + page * PG), .length = n * PG,
		.iova = page * PG,
	};
	unsigned int i;
	int rc = ioctl(fd, IOMMU_IOAS_MAP, &cmd);

	for (i = 0; !rc && i < n; i++)
		gpa_mapped[page + i] = true;
	return rc;
}

static int unmap_gpa(unsigned int page, unsigned int n)
{
	struct iommu_ioas_unmap cmd = {
		.size = sizeof(cmd), .ioas_id = ioas, .iova = page * PG,
		.length = n * PG,
	};
	unsigned int i;
	int rc = ioctl(fd, IOMMU_IOAS_UNMAP, &cmd);

	for (i = 0; !rc && i < n; i++)
		gpa_mapped[page + i] = false;
	return rc;
}

/*
 * A valid guest translation in pages 0-7, so that nested HWPTs really
 * translate (and the scribbles then corrupt something that works): VT-d
 * first level L4..L1 in pages 0-3, 32 leaves to random pages 8-63, a PASID
 * directory (page 4) and table (page 5) whose PASID 0 uses them; SMMUv3 a
 * CD (page 0, ASID 7) and L0..L3 in pages 1-4
 */
static void build_tables(void)
{
	uint64_t *t = (uint64_t *)guest;
	unsigned int i, leaf = drv == DRV_VTD ? 3 : 4;

	memset(guest, 0, 8 * PG);
	if (drv == DRV_VTD) {
		for (i = 0; i < 3; i++)
			t[512 * i] = (i + 1) * PG | 0x27;
		t[512 * 4] = 5 * PG | 1;
		t[512 * 5] = 1 | 1ULL << 6;
		t[512 * 5 + 2] = 0;
	} else {
		t[0] = 16 | 1ULL << 8 | 1ULL << 10 | 3ULL << 12 | 1ULL << 30 |
		       1ULL << 31 | 4ULL << 32 | 1ULL << 41 | 1ULL << 45 |
		       1ULL << 46 | 1ULL << 47 | 7ULL << 48;
		t[1] = PG;
		t[3] = 0xf404ff44ULL;
		for (i = 1; i < 4; i++)
			t[512 * i] = (i + 1) * PG | 3;
	}
	for (i = 0; i < 32; i++)
		t[512 * leaf + i] = (8 + below(GUEST_PAGES - 8)) * PG |
				    (drv == DRV_VTD ? 0x27 : 0x747) |
				    (below(4) ? 0 : 1ULL << 7);
}

/* A guest-physical address: mostly guest RAM, sometimes far outside */
static uint64_t rand_gpa(void)
{
	if (below(8) == 0)
		return rnd() & 0xfffffffff000ULL;
	return below(GUEST_PAGES + 4) * PG + (below(4) ? 0 : below(PG));
}

/* The guest's table / CD / PASID directory, or a random address */
static uint64_t table_gpa(uint64_t valid)
{
	return below(2) ? valid : rand_gpa();
}

/* Scribble over guest RAM: words, descriptor-like values, pointers */
static void scribble(void)
{
	unsigned int n = 1 + below(16), i;

	for (i = 0; i < n; i++) {
		/* Up to 3 words from here: stay inside the page */
		uint64_t *w = (uint64_t *)(guest + below(GUEST_PAGES) * PG) +
			      below(512 - 2);

		switch (below(4)) {
		case 0:
			*w = rnd();
			break;
		case 1:	/* a valid-looking link / leaf to a random GPA */
			*w = (rand_gpa() & ~(PG - 1)) |
			     (drv == DRV_SMMU ? 0x747 | (below(2) << 7) :
						0x27 | (below(2) << 7));
			break;
		case 2:
			*w = 0;
			break;
		default: /* a context descriptor / PASID entry head */
			*w = drv == DRV_SMMU ?
			     (16 + below(30)) | 1ULL << 31 | 1ULL << 41 |
			     1ULL << 45 | 1ULL << 46 | below(65536) << 48 |
			     (below(4) ? 0 : rnd() & 0x3fff7fc0ULL) :
			     1 | 1ULL << 6 | (below(4) ? 0 : rnd() & 0xff8);
			if (drv == DRV_SMMU)
				w[1] = rand_gpa() & ~(PG - 1);
			else
				w[2] = rand_gpa() & ~(PG - 1);
		}
	}
}

static void nested_alloc(void)
{
	uint32_t id = 0;
	int rc;

	if (nobjs == MAX_OBJS)
		return;
	if (drv == DRV_SMMU) {
		struct iommu_hwpt_arm_smmuv3 v;
		static const uint64_t cfgs[] = { 0, 4, 5, 5, 5, 6, 7 };
		uint64_t cfg = cfgs[below(ARRAY_SIZE(cfgs))];

		v.ste[0] = (below(8) ? 1 : 0) | cfg << 1 |
			   (table_gpa(0) & 0xffffffffffc0ULL);
		v.ste[1] = below(4) ? rnd() & 0x380000ffULL : rnd();
		if (!below(8))
			v.ste[0] |= rnd() & ~0xffffffffffffULL;
		rc = hwpt_alloc(viommu, below(16) ? 0 : 1,
				IOMMU_HWPT_DATA_ARM_SMMUV3, &v,
				below(16) ? sizeof(v) : below(32), &id);
	} else if (below(3)) {
		struct iommu_hwpt_vtd_s1 s1 = {
			.flags = below(4) ? 0 : rnd() & 0x1f,
			.pgtbl_addr = table_gpa(0),
			.addr_width = below(4) ? 48 : (uint32_t)rnd(),
		};

		rc = hwpt_alloc(parent, 0, IOMMU_HWPT_DATA_VTD_S1, &s1,
				sizeof(s1), &id);
	} else {
		struct iommu_hwpt_vtd_pasid_table t = {
			.flags = below(4) ? 0 : rnd() & 3,
			.pasid_dir_addr = table_gpa(4 * PG),
			.pasid_bits = below(4) ? 0 : below(24),
			.addr_width = below(4) ? 48 : 57,
		};

		rc = hwpt_alloc(parent, 0, IOMMU_HWPT_DATA_VTD_PASID_TABLE, &t,
				sizeof(t), &id);
	}
	check_errno(rc, "nested HWPT_ALLOC");
	if (!rc)
		objs[nobjs++] = id;
}

static void invalidate(void)
{
	struct iommu_hwpt_invalidate cmd = { .size = sizeof(cmd) };
	uint64_t e[8 * 4] = {}, *x;
	unsigned int n = 1 + below(8), i, words;
	int rc;

	if (drv == DRV_SMMU) {
		static const uint64_t ops[] = { 0x10, 0x11, 0x12, 0x13, 0x30,
						0x40, 0x05, 0x06, 0x03, 0x46,
						0x2a, 0x04 };

		words = 2;	/* struct iommu_viommu_arm_smmuv3_invalidate */
		for (i = 0; i < n; i++) {
			x = &e[i * words];
			x[0] = ops[below(ARRAY_SIZE(ops))] |
			       (below(2) ? rnd() & ~0xffULL :
				(below(2) ? 0x42ULL : below(8)) << 32 |
				below(16) << 48);
			x[1] = below(2) ? rnd() : rand_gpa() | below(2);
		}
		cmd.hwpt_id = viommu;
		cmd.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_ARM_SMMUV3;
	} else if (!nobjs) {
		return;
	} else if (below(2)) {
		words = 3;	/* struct iommu_hwpt_vtd_s1_invalidate */
		for (i = 0; i < n; i++) {
			x = &e[i * words];
			x[0] = below(4) ? below(GUEST_PAGES) * PG : rnd();
			x[1] = below(4) ? below(32) : ~0ULL;
			x[2] = below(4) ? below(2) : rnd();
		}
		cmd.hwpt_id = objs[below(nobjs)];
		cmd.data_type = IOMMU_HWPT_INVALIDATE_DATA_VTD_S1;
	} else {
		words = 4;	/* struct iommu_hwpt_vtd_pasid_table_invalidate */
		for (i = 0; i < n; i++) {
			x = &e[i * words];
			x[0] = below(2) | (below(4) ? below(4) : rnd()) << 32;
			x[1] = below(4) ? 0 : rnd();
			x[2] = below(4) ? below(GUEST_PAGES) * PG : rnd();
			x[3] = below(4) ? below(32) : ~0ULL;
		}
		cmd.hwpt_id = objs[below(nobjs)];
		cmd.data_type = IOMMU_HWPT_INVALIDATE_DATA_VTD_PASID_TABLE;
	}
	cmd.entry_len = words * 8;
	cmd.entry_num = n;
	cmd.data_uptr = (uintptr_t)e;
	rc = ioctl(fd, IOMMU_HWPT_INVALIDATE, &cmd);
	check_errno(rc, "HWPT_INVALIDATE");
}

/*
 * Isolation: the device's live translation of a few IOVAs (the guest's
 * addresses and random ones) reaches guest RAM the parent maps, or nothing
 */
static void check_isolation(unsigned int samples)
{
	char q[64], res[256], path[300], *p;
	unsigned int i, g;
	uint64_t pa, iova;
	bool ok;
	int f;

	snprintf(path, sizeof(path), "%s/translate", debugfs);
	for (i = 0; i < samples; i++) {
		iova = below(4) ? below(GUEST_PAGES * 2) * PG + below(PG) :
				  rnd() & 0xfffffffffffULL;
		if (drv == DRV_VTD)
			snprintf(q, sizeof(q), "%x %llx - r", rid,
				 (unsigned long long)iova);
		else
			snprintf(q, sizeof(q), "%x %llx r", rid,
				 (unsigned long long)iova);
		f = open(path, O_RDWR | O_CLOEXEC);
		if (f < 0 || write(f, q, strlen(q)) != (ssize_t)strlen(q) ||
		    read(f, res, sizeof(res) - 1) <= 0)
			die("debugfs translate");
		close(f);
		checks++;
		if (strncmp(res, drv == DRV_VTD ? "fault=0x0 " : "event=0x0 ",
			    drv == DRV_VTD ? 10 : 10))
			continue;
		p = strstr(res, "pa=0x");
		if (!p)
			die("translate said %s", res);
		pa = strtoull(p + 5, NULL, 16) & ~(PG - 1);
		translated++;
		for (ok = false, g = 0; g < GUEST_PAGES && !ok; g++)
			ok = gpa_mapped[g] && guest_pa[g] == pa;
		if (!ok) {
			violations++;
			die("isolation: iova %#llx reaches %#llx, not guest RAM the parent maps (%s)",
			    (unsigned long long)iova, (unsigned long long)pa,
			    res);
		}
	}
}

static void epoch_begin(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct iommu_ioas_alloc ia = { .size = sizeof(ia) };
	struct iommu_viommu_alloc va = { .size = sizeof(va) };
	struct iommu_vdevice_alloc vd = { .size = sizeof(vd) };
	unsigned int i;

	fd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	devfd = open(cdev, O_RDWR | O_CLOEXEC);
	if (fd < 0 || devfd < 0)
		die("open /dev/iommu or %s", cdev);
	bind.iommufd = fd;
	if (ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind))
		die("BIND_IOMMUFD: %s", strerror(errno));
	devid = bind.out_devid;
	if (ioctl(fd, IOMMU_IOAS_ALLOC, &ia))
		die("IOAS_ALLOC");
	ioas = ia.out_ioas_id;
	memset(gpa_mapped, 0, sizeof(gpa_mapped));
	build_tables();
	for (i = 0; i < GUEST_PAGES; i += 8)
		if (!i || below(4))
			map_gpa(i, 8);
	if (hwpt_alloc(ioas, IOMMU_HWPT_ALLOC_NEST_PARENT, 0, NULL, 0,
		       &parent))
		die("nest parent: %s", strerror(errno));
	viommu = vdev = 0;
	nobjs = 0;
	if (drv == DRV_SMMU) {
		va.type = IOMMU_VIOMMU_TYPE_ARM_SMMUV3;
		va.dev_id = devid;
		va.hwpt_id = parent;
		if (ioctl(fd, IOMMU_VIOMMU_ALLOC, &va))
			die("VIOMMU_ALLOC: %s", strerror(errno));
		viommu = va.out_viommu_id;
		vd.viommu_id = viommu;
		vd.dev_id = devid;
		vd.virt_id = 0x42;
		if (ioctl(fd, IOMMU_VDEVICE_ALLOC, &vd))
			die("VDEVICE_ALLOC: %s", strerror(errno));
		vdev = vd.out_vdevice_id;
	}
}

/* Close in a random order; the driver and the pins come back to @base */
static void epoch_end(long base)
{
	long now, pin;

	if (below(2)) {
		close(devfd);
		close(fd);
	} else {
		close(fd);
		close(devfd);
	}
	fd = devfd = -1;
	now = driver_state();
	pin = vm_pinned_kb();
	if (now != base)
		die("after close: driver IDs/references %ld, before %ld", now,
		    base);
	if (pin > 0)
		die("after close: VmPin %ld kB", pin);
}

static const char *cmdline_value(const char *key, char *buf, size_t len)
{
	char line[4096], *p;

	if (read_file("/proc/cmdline", line, sizeof(line)))
		return NULL;
	for (p = strstr(line, key); p; p = strstr(p + 1, key))
		if (p == line || p[-1] == ' ')
			break;
	if (!p)
		return NULL;
	p += strlen(key);
	p[strcspn(p, "\t\n ")] = 0;
	snprintf(buf, len, "%s", p);
	return buf;
}

int main(int argc, char **argv)
{
	uint64_t ops = DEFAULT_OPS, deadline = 0;
	struct timespec ts;
	char v[64];
	unsigned int i;
	long base;

	seed = 1;
	if (argc > 2 && !strcmp(argv[1], "--seed"))
		seed = strtoull(argv[2], NULL, 0);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (cmdline_value("iofd.drvfuzz_seconds=", v, sizeof(v))) {
		deadline = ts.tv_sec + strtoull(v, NULL, 0);
		ops = UINT64_MAX;
		seed = ts.tv_nsec ^ ((uint64_t)getpid() << 32);
	}
	if (cmdline_value("iofd.drvfuzz_seed=", v, sizeof(v)) &&
	    strcmp(v, "random"))
		seed = strtoull(v, NULL, 0);
	rng = seed;
	printf("TAP version 13\n1..2\n");
	if (!access(VTD_DEBUGFS, R_OK)) {
		drv = DRV_VTD;
		debugfs = VTD_DEBUGFS;
	} else if (!access(SMMU_DEBUGFS, R_OK)) {
		drv = DRV_SMMU;
		debugfs = SMMU_DEBUGFS;
	} else {
		printf("ok 1 # SKIP no hardware driver (iofd_vtd, iofd_smmuv3)\n");
		printf("ok 2 # SKIP no hardware driver\n");
		return 0;
	}
	if (!find_edu()) {
		printf("ok 1 # SKIP no edu device\nok 2 # SKIP no edu device\n");
		return 0;
	}
	if (take_edu())
		die("cannot bind %s to iofd-pci", bdf);
	guest = mmap(NULL, GUEST_PAGES * PG, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (guest == MAP_FAILED)
		die("mmap");
	for (i = 0; i < GUEST_PAGES * PG / 8; i++)
		((uint64_t *)guest)[i] = below(4) ? 0 : rnd();
	if (mlock(guest, GUEST_PAGES * PG))
		die("mlock");
	for (i = 0; i < GUEST_PAGES; i++)
		guest_pa[i] = virt_to_phys(guest + i * PG);
	printf("# drvfuzz: %s, edu %s, seed %llu\n",
	       drv == DRV_VTD ? "iofd_vtd" : "iofd_smmuv3", bdf,
	       (unsigned long long)seed);
	/* The first bind sets the device up for good: measure after it */
	epoch_begin();
	close(devfd);
	close(fd);
	base = driver_state();

	for (op = 0; op < ops; op++) {
		if (op % EPOCH_OPS == 0) {
			if (op)
				epoch_end(base);
			clock_gettime(CLOCK_MONOTONIC, &ts);
			if (deadline && (uint64_t)ts.tv_sec >= deadline)
				break;
			epoch_begin();
		}
		switch (below(16)) {
		case 0 ... 2:
			scribble();
			break;
		case 3:
			if (!below(4))
				build_tables();
			break;
		case 4 ... 6:
			nested_alloc();
			break;
		case 7 ... 8: {
			uint32_t pt = nobjs && below(4) ? objs[below(nobjs)] :
				      below(2) ? parent : ioas;

			check_errno(attach(pt), "ATTACH");
			break;
		}
		case 9 ... 10:
			invalidate();
			break;
		case 11: {
			unsigned int pg = below(GUEST_PAGES / 8) * 8;

			check_errno(gpa_mapped[pg] ? unmap_gpa(pg, 8) :
						     map_gpa(pg, 8), "MAP/UNMAP");
			break;
		}
		case 12:
			if (nobjs) {
				unsigned int k = below(nobjs);
				int rc = destroy(objs[k]);

				check_errno(rc, "DESTROY");
				if (!rc)
					objs[k] = objs[--nobjs];
			}
			break;
		default:
			check_isolation(4);
		}
	}
	if (fd >= 0)
		epoch_end(base);
	give_back();
	printf("ok 1 - drvfuzz: %llu operations, seed %llu, errnos all documented\n",
	       (unsigned long long)op, (unsigned long long)seed);
	printf("ok 2 - isolation: %lu translations checked (%lu reached guest RAM), none outside\n",
	       checks, translated);
	return 0;
}
