// SPDX-License-Identifier: GPL-2.0
/*
 * Hot-unplug of a device a real IOMMU driver translates (iofd_vtd on x86,
 * iofd_smmuv3 on arm64): edu removed (sysfs "remove", the kernel's
 * hot-unplug path: pci_stop_and_remove_bus_device()) while attached and
 * DMA-mapped, and while under nested objects.  Afterwards the device's
 * file answers ENODEV, its device object is gone from the context (the
 * vDEVICE with it), every other object can still be destroyed, the
 * driver's tables no longer list it and it holds no ID; a rescan brings
 * edu back and it can be taken and DMA through our tables again.
 *
 * Two kinds of removal:
 *  - the guest kernel's own (sysfs "remove") of the edu on the root bus:
 *    the device stays in the machine and comes back at a rescan;
 *  - a real unplug of the second edu, behind a pcie-root-port: the test
 *    powers its slot off (pciehp or acpiphp), the kernel removes the
 *    device and QEMU takes it out of the machine (device_del of a root-bus
 *    device is refused by QEMU 7.2, and these guests give the test no
 *    QEMU monitor).  It is gone for the rest of the boot: that test runs
 *    once, last.
 */
#include "iofd_edu_fixture.h"
#include "iofd_nest_utils.h"

#define VTD_DEBUGFS "/sys/kernel/debug/iofd_vtd/dmar0"
#define SMMU_DEBUGFS "/sys/kernel/debug/iofd_smmuv3/smmu0"
#define IOVA_A 0x100000ULL

static const char *hp_debugfs(void)
{
	return access(VTD_DEBUGFS, R_OK) ? SMMU_DEBUGFS : VTD_DEBUGFS;
}

static const char *hp_module(void)
{
	return access(VTD_DEBUGFS, R_OK) ? "iofd_smmuv3" : "iofd_vtd";
}

/* IDs the driver has in use: domain IDs (VT-d), ASIDs + VMIDs (SMMUv3) */
static long hp_ids(void)
{
	char buf[256], *p;
	long n;

	if (!access(VTD_DEBUGFS, R_OK)) {
		iofd_debugfs_read(VTD_DEBUGFS, "dids", buf, sizeof(buf));
		return strtol(buf, NULL, 10);
	}
	iofd_debugfs_read(SMMU_DEBUGFS, "counters", buf, sizeof(buf));
	p = strstr(buf, "asids ");
	n = p ? strtol(p + 6, NULL, 10) : -1000;
	p = strstr(buf, "vmids ");
	return n + (p ? strtol(p + 6, NULL, 10) : -1000);
}

/*
 * The driver's table dump lists @bdf as a managed device (VT-d's context
 * lines name every device of the scope, as "bus:dev.fn", unmanaged ones
 * too: only the full address counts)
 */
static bool hp_listed(const char *bdf)
{
	char buf[8192];

	iofd_debugfs_read(hp_debugfs(), "tables", buf, sizeof(buf));
	return strstr(buf, bdf);
}

FIXTURE(hotplug)
{
	int fd;
	__u32 ioas_id;
	struct iofd_edu e;
	long ids;
};

FIXTURE_SETUP(hotplug)
{
	self->ids = hp_ids();
	iofd_edu_setup(_metadata, &self->e, &self->fd, hp_debugfs(),
		       "a hardware driver (iofd_vtd, iofd_smmuv3)");
	if (!_metadata->skip)
		test_ioctl_ioas_alloc(&self->ioas_id);
}

FIXTURE_TEARDOWN(hotplug)
{
	iofd_edu_teardown(_metadata, &self->e, self->fd);
}

/*
 * Remove edu (its BAR unmapped first: the mapping would outlive the
 * device), then wait for the rescan to bring it back at the same address
 */
static int hp_remove(struct iofd_edu *e)
{
	char dir[256];

	munmap(e->bar, EDU_BAR_SIZE);
	e->bar = NULL;
	snprintf(dir, sizeof(dir), PCI_DEVICES "/%s", e->bdf);
	return iofd_sysfs_write(dir, "remove", "1");
}

static int hp_rescan(const char *bdf)
{
	char dir[256];
	int i;

	if (iofd_sysfs_write("/sys/bus/pci", "rescan", "1"))
		return -1;
	snprintf(dir, sizeof(dir), PCI_DEVICES "/%s", bdf);
	for (i = 0; i < 100 && access(dir, F_OK); i++)
		usleep(10000);
	return access(dir, F_OK);
}

/* After the rescan: taken again, bound, DMA through our tables */
static void hp_again(struct __test_metadata *_metadata, struct iofd_edu *e)
{
	__u64 iova = IOVA_A;
	__u32 ioas, pt;
	__u8 *buf;
	int fd;

	e->devfd = iofd_pci_take(e->bdf, e->cdev, sizeof(e->cdev));
	ASSERT_LE(0, e->devfd);
	fd = open(IOFD_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, _test_pci_bind(e->devfd, fd, &e->devid));
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd, &ioas));
	buf = mmap(NULL, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	fill(buf, PAGE_SIZE, 41);
	memset(buf + PAGE_SIZE, 0, PAGE_SIZE);
	ASSERT_EQ(0, _test_ioctl_ioas_map(fd, ioas, buf, 2 * PAGE_SIZE, &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW));
	pt = ioas;
	ASSERT_EQ(0, _test_pci_attach(e->devfd, &pt, false, 0));
	e->bar = edu_map(e->bdf);
	ASSERT_NE(NULL, e->bar);
	ASSERT_EQ(0, iofd_pci_master(e->bdf, true));
	ASSERT_EQ(0, edu_dma(e->bar, false, IOVA_A, 0, 256));
	ASSERT_EQ(0, edu_dma(e->bar, true, IOVA_A + PAGE_SIZE, 0, 256));
	EXPECT_EQ(0, memcmp(buf, buf + PAGE_SIZE, 256));
	EXPECT_TRUE(hp_listed(e->bdf));
	iofd_pci_master(e->bdf, false);
	close(e->devfd);
	e->devfd = -1;
	close(fd);
	munmap(buf, 2 * PAGE_SIZE);
}

/* Attached and DMA-mapped: removed under everything */
TEST_F(hotplug, remove_while_attached)
{
	__u32 pt = self->ioas_id, hwpt;
	struct iommu_hw_info info = { .size = sizeof(info) };
	int rc, err;

	if (_metadata->skip)
		return;

	fill(self->e.buf, 4 * PAGE_SIZE, 5);
	memset(self->e.buf + 2 * PAGE_SIZE, 0, PAGE_SIZE);
	test_ioctl_ioas_map_fixed(self->e.buf, 4 * PAGE_SIZE, IOVA_A);
	test_cmd_hwpt_alloc(self->e.devid, self->ioas_id, 0, &hwpt);
	pt = hwpt;
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt, false, 0));
	ASSERT_EQ(0, edu_dma(self->e.bar, false, IOVA_A, 0, 512));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + 2 * PAGE_SIZE, 0,
			     512));
	EXPECT_EQ(0, memcmp(self->e.buf, self->e.buf + 2 * PAGE_SIZE, 512));
	EXPECT_TRUE(hp_listed(self->e.bdf));

	/* The driver cannot go while a device is bound */
	rc = syscall(SYS_delete_module, hp_module(), O_NONBLOCK);
	err = errno;
	EXPECT_EQ(-1, rc);
	EXPECT_TRUE(err == EAGAIN || err == EBUSY) TH_LOG("errno %d", err);

	ASSERT_EQ(0, hp_remove(&self->e));
	/* The file of a removed device */
	pt = self->ioas_id;
	EXPECT_ERRNO(ENODEV, _test_pci_attach(self->e.devfd, &pt, false, 0));
	EXPECT_ERRNO(ENODEV, _test_pci_detach(self->e.devfd, false, 0));
	/* Its device object went with it; the rest stays usable */
	info.dev_id = self->e.devid;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_GET_HW_INFO, &info));
	test_ioctl_ioas_unmap(IOVA_A, 4 * PAGE_SIZE);
	test_ioctl_destroy(hwpt);
	EXPECT_FALSE(hp_listed(self->e.bdf));
	close(self->e.devfd);
	self->e.devfd = -1;
	EXPECT_EQ(self->ids, hp_ids());

	ASSERT_EQ(0, hp_rescan(self->e.bdf));
	hp_again(_metadata, &self->e);
	EXPECT_EQ(self->ids, hp_ids());
}

/* A nested HWPT for the guest's use of the device (vIOMMU + vDEVICE) */
static int hp_nested(int fd, __u32 devid, __u32 parent, __u32 *viommu,
		     __u32 *vdev, __u32 *nested)
{
	if (!access(VTD_DEBUGFS, R_OK)) {
		struct iommu_hwpt_vtd_s1 s1 = {
			.pgtbl_addr = 0x7000000, .addr_width = 48,
		};

		*viommu = *vdev = 0;
		return _test_cmd_hwpt_alloc(fd, devid, parent, 0, nested,
					    IOMMU_HWPT_DATA_VTD_S1, &s1,
					    sizeof(s1), 0);
	} else {
		/* Config bypass: stage 2 only, no guest tables needed */
		struct iommu_hwpt_arm_smmuv3 arg = { .ste = { 1 | 4 << 1 } };

		if (_test_cmd_viommu_alloc(fd, devid, parent,
					   IOMMU_VIOMMU_TYPE_ARM_SMMUV3, 0,
					   NULL, 0, viommu) ||
		    _test_cmd_vdevice_alloc(fd, *viommu, devid, 0x42, vdev))
			return -1;
		return _test_cmd_hwpt_alloc(fd, devid, *viommu, 0, nested,
					    IOMMU_HWPT_DATA_ARM_SMMUV3, &arg,
					    sizeof(arg), 0);
	}
}

/* Under a nest parent, a vIOMMU and its vDEVICE, a nested HWPT */
TEST_F(hotplug, remove_while_nested)
{
	__u32 parent, viommu, vdev, nested, pt;

	if (_metadata->skip)
		return;

	test_ioctl_ioas_map_fixed(self->e.buf, 4 * PAGE_SIZE, IOVA_A);
	test_cmd_hwpt_alloc(self->e.devid, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &parent);
	ASSERT_EQ(0, hp_nested(self->fd, self->e.devid, parent, &viommu,
			       &vdev, &nested));
	pt = nested;
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt, false, 0));
	EXPECT_TRUE(hp_listed(self->e.bdf));

	ASSERT_EQ(0, hp_remove(&self->e));
	/* The vDEVICE went with the device */
	if (vdev)
		EXPECT_ERRNO(ENOENT, _test_ioctl_destroy(self->fd, vdev));
	test_ioctl_destroy(nested);
	if (viommu)
		test_ioctl_destroy(viommu);
	test_ioctl_destroy(parent);
	EXPECT_FALSE(hp_listed(self->e.bdf));
	close(self->e.devfd);
	self->e.devfd = -1;
	EXPECT_EQ(self->ids, hp_ids());

	ASSERT_EQ(0, hp_rescan(self->e.bdf));
	hp_again(_metadata, &self->e);
}

/* ---- a real unplug: the edu in a hot-plug slot ---- */

/*
 * Is the slot of @bdf driven by pciehp (its root port said "pciehp: Slot"
 * in the kernel log)?  On a lockdep kernel pciehp's own slot power-off
 * reports an AB-BA of its locks (reset_lock taken again under
 * pci_rescan_remove_lock, pciehp_unconfigure_device(), 6.1; none of our
 * code in the chain), which the harness counts as a splat.
 */
static bool hp_pciehp_lockdep(const char *bdf)
{
	char path[PATH_MAX], port[PATH_MAX], rec[1024], *p;
	bool found = false;
	ssize_t len;
	int fd;

	if (access("/proc/lockdep", F_OK))
		return false;
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/..", bdf);
	if (!realpath(path, port))
		return false;
	p = strrchr(port, '/');
	if (!p)
		return false;
	fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return false;
	while (!found && ((len = read(fd, rec, sizeof(rec) - 1)) > 0 ||
			  (len < 0 && errno == EPIPE))) {
		if (len <= 0)
			continue;
		rec[len] = 0;
		found = strstr(rec, p + 1) && strstr(rec, "pciehp: Slot");
	}
	close(fd);
	return found;
}

FIXTURE(unplug)
{
	int fd;
	__u32 ioas_id;
	struct iofd_edu e;
	char slot[256];
	long ids;
};

FIXTURE_SETUP(unplug)
{
	self->fd = -1;
	self->e.devfd = -1;
	self->e.bdf[0] = 0;
	self->ids = hp_ids();
	if (access(hp_debugfs(), R_OK))
		SKIP(return, "no hardware driver (iofd_vtd, iofd_smmuv3) loaded");
	if (!iofd_pci_find_slot(EDU_VENDOR, EDU_DEVICE, self->e.bdf,
				sizeof(self->e.bdf), self->slot,
				sizeof(self->slot))) {
		self->e.bdf[0] = 0;
		SKIP(return, "no edu in a hot-plug slot (pcie-root-port)");
	}
	if (hp_pciehp_lockdep(self->e.bdf)) {
		self->e.bdf[0] = 0;
		SKIP(return, "lockdep kernel and a pciehp slot: pciehp reports its own lock inversion on power-off (6.1); runs on Debian's kernel");
	}
	iofd_edu_take(_metadata, &self->e, &self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
}

FIXTURE_TEARDOWN(unplug)
{
	char dir[256];

	snprintf(dir, sizeof(dir), PCI_DEVICES "/%s", self->e.bdf);
	/* Gone as intended: nothing to give back */
	if (self->e.bdf[0] && access(dir, F_OK))
		self->e.bdf[0] = 0;
	iofd_edu_teardown(_metadata, &self->e, self->fd);
}

/*
 * Attached, DMA-mapped and under a nest parent when the slot powers off:
 * the same promises as a removal, and the device is gone from the machine
 * (the slot says no adapter; a rescan finds nothing)
 */
TEST_F(unplug, slot_power_off)
{
	__u32 pt = self->ioas_id, parent;
	struct iommu_hw_info info = { .size = sizeof(info) };
	char dir[256], adapter[8] = "";
	int i;

	if (_metadata->skip)
		return;

	/* Its RID, hence StreamID, comes from its address (bus 1) */
	EXPECT_NE(0, self->e.rid >> 8);
	fill(self->e.buf, 4 * PAGE_SIZE, 9);
	memset(self->e.buf + 2 * PAGE_SIZE, 0, PAGE_SIZE);
	test_ioctl_ioas_map_fixed(self->e.buf, 4 * PAGE_SIZE, IOVA_A);
	test_cmd_hwpt_alloc(self->e.devid, self->ioas_id,
			    IOMMU_HWPT_ALLOC_NEST_PARENT, &parent);
	pt = parent;
	ASSERT_EQ(0, _test_pci_attach(self->e.devfd, &pt, false, 0));
	ASSERT_EQ(0, edu_dma(self->e.bar, false, IOVA_A, 0, 512));
	ASSERT_EQ(0, edu_dma(self->e.bar, true, IOVA_A + 2 * PAGE_SIZE, 0,
			     512));
	EXPECT_EQ(0, memcmp(self->e.buf, self->e.buf + 2 * PAGE_SIZE, 512));
	EXPECT_TRUE(hp_listed(self->e.bdf));

	munmap(self->e.bar, EDU_BAR_SIZE);
	self->e.bar = NULL;
	ASSERT_EQ(0, iofd_sysfs_write(self->slot, "power", "0"));
	snprintf(dir, sizeof(dir), PCI_DEVICES "/%s", self->e.bdf);
	for (i = 0; i < 500 && !access(dir, F_OK); i++)
		usleep(10000);
	ASSERT_NE(0, access(dir, F_OK)) TH_LOG("%s still there", dir);

	pt = self->ioas_id;
	EXPECT_ERRNO(ENODEV, _test_pci_attach(self->e.devfd, &pt, false, 0));
	info.dev_id = self->e.devid;
	EXPECT_ERRNO(ENOENT, ioctl(self->fd, IOMMU_GET_HW_INFO, &info));
	test_ioctl_destroy(parent);
	test_ioctl_ioas_unmap(IOVA_A, 4 * PAGE_SIZE);
	EXPECT_FALSE(hp_listed(self->e.bdf));
	close(self->e.devfd);
	self->e.devfd = -1;
	EXPECT_EQ(self->ids, hp_ids());

	/* Out of the machine: no adapter in the slot, a rescan finds none */
	iofd_debugfs_read(self->slot, "adapter", adapter, sizeof(adapter));
	EXPECT_EQ('0', adapter[0]) TH_LOG("adapter: %s", adapter);
	ASSERT_EQ(0, iofd_sysfs_write("/sys/bus/pci", "rescan", "1"));
	usleep(100000);
	EXPECT_NE(0, access(dir, F_OK));
}

TEST_HARNESS_MAIN
