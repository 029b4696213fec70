// SPDX-License-Identifier: GPL-2.0
/*
 * iofd-vmm: the smallest VMM-style user of /dev/iommu.
 *
 * It does what a VMM does when it hands a device to a guest, with the mock
 * driver standing in for hardware: create an IOAS, map "guest RAM" into it,
 * bind a device, give it a paging HWPT, attach, and then proves the
 * mapping by asking the mock to compare its page table with the buffer.
 * Then, when a hardware driver runs (iofd_vtd on x86, iofd_smmuv3 on
 * arm64), the same with real hardware: the edu device bound through
 * iofd-pci copies bytes through our VT-d or SMMUv3 tables.
 * Every step is printed; any unexpected result ends with exit status 1.
 */
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
#include <unistd.h>
#include <dirent.h>
#include <linux/iommufd.h>
#include <linux/iommufd_test.h>
#include <linux/iofd_pci.h>

#define GUEST_RAM_SIZE	(2UL << 20)
#define GUEST_RAM_IOVA	(1UL << 24)	/* MOCK_APERTURE_START */

static int iommufd = -1;
static unsigned int step;

/*
 * Each step is one TAP result, so `make check` counts the demo's checks
 * and `make demo` shows the same lines to a reader.
 */
static void say(const char *fmt, ...)
{
	va_list ap;

	printf("ok %u - ", ++step);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void die(const char *what)
{
	printf("not ok %u - %s: %s\n", ++step, what, strerror(errno));
	exit(1);
}

static void expect(bool ok, const char *what)
{
	if (!ok)
		die(what);
}

static int test_cmd(struct iommu_test_cmd *cmd, uint32_t op, uint32_t id)
{
	cmd->size = sizeof(*cmd);
	cmd->op = op;
	cmd->id = id;
	return ioctl(iommufd, IOMMU_TEST_CMD, cmd);
}

static int check_refs(void *buf, size_t len, unsigned int refs)
{
	struct iommu_test_cmd cmd = {
		.check_refs = { .length = len, .uptr = (uintptr_t)buf,
				.refs = refs },
	};

	return test_cmd(&cmd, IOMMU_TEST_OP_MD_CHECK_REFS, 0);
}

static void destroy_id(uint32_t id, const char *what)
{
	struct iommu_destroy destroy = { .size = sizeof(destroy), .id = id };

	expect(!ioctl(iommufd, IOMMU_DESTROY, &destroy), what);
}

static void check_iotlb(uint32_t hwpt_id, uint32_t index, uint32_t value)
{
	struct iommu_test_cmd cmd = {
		.check_iotlb = { .id = index, .iotlb = value },
	};

	expect(!test_cmd(&cmd, IOMMU_TEST_OP_MD_CHECK_IOTLB, hwpt_id),
	       "MD_CHECK_IOTLB");
}

static void check_dev_cache(uint32_t dev_id, uint32_t index, uint32_t value)
{
	struct iommu_test_cmd cmd = {
		.check_dev_cache = { .id = index, .cache = value },
	};

	expect(!test_cmd(&cmd, IOMMU_TEST_OP_DEV_CHECK_CACHE, dev_id),
	       "DEV_CHECK_CACHE");
}

static void replace_pt(uint32_t stdev_id, uint32_t pt_id)
{
	struct iommu_test_cmd cmd = {
		.mock_domain_replace = { .pt_id = pt_id },
	};

	expect(!test_cmd(&cmd, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, stdev_id),
	       "MOCK_DOMAIN_REPLACE");
}

/*
 * What a VMM does to give its guest a virtual IOMMU: the guest's RAM
 * mapping becomes the stage 2 (nest parent), a vIOMMU takes a VMID for the
 * guest, the device gets its guest-visible ID (vDEVICE), the guest's own
 * stage-1 table becomes a nested HWPT the device is attached to, and the
 * guest's invalidations are forwarded.
 */
static void nested_flow(uint32_t ioas_id, uint32_t dev_id, uint32_t stdev_id,
			uint32_t paging_hwpt_id)
{
	struct iommu_hwpt_alloc parent = {
		.size = sizeof(parent),
		.flags = IOMMU_HWPT_ALLOC_NEST_PARENT,
		.dev_id = dev_id,
		.pt_id = ioas_id,
	};
	struct iommu_viommu_selftest viommu_data = { .in_data = 0x5eed };
	struct iommu_viommu_alloc viommu = {
		.size = sizeof(viommu),
		.type = IOMMU_VIOMMU_TYPE_SELFTEST,
		.dev_id = dev_id,
		.data_len = sizeof(viommu_data),
		.data_uptr = (uintptr_t)&viommu_data,
	};
	struct iommu_vdevice_alloc vdev = {
		.size = sizeof(vdev),
		.dev_id = dev_id,
		.virt_id = 0x10,
	};
	struct iommu_hwpt_selftest s1_data = {
		.iotlb = IOMMU_TEST_IOTLB_DEFAULT,
	};
	struct iommu_hwpt_alloc nested = {
		.size = sizeof(nested),
		.dev_id = dev_id,
		.data_type = IOMMU_HWPT_DATA_SELFTEST,
		.data_len = sizeof(s1_data),
		.data_uptr = (uintptr_t)&s1_data,
	};
	struct iommu_hwpt_invalidate_selftest tlb_inv = { .iotlb_id = 1 };
	struct iommu_viommu_invalidate_selftest dev_inv = {
		.vdev_id = 0x10,
		.cache_id = 2,
	};
	struct iommu_hwpt_invalidate inv = {
		.size = sizeof(inv),
		.entry_num = 1,
	};
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	struct iommu_test_cmd info = {};

	printf("# nesting: nest parent -> vIOMMU -> vDEVICE -> nested HWPT -> attach -> invalidate\n");
	expect(!ioctl(iommufd, IOMMU_HWPT_ALLOC, &parent), "nest parent");
	say("IOMMU_HWPT_ALLOC NEST_PARENT -> HWPT %u: the guest's stage 2 (GPA -> PA)",
	    parent.out_hwpt_id);

	viommu.hwpt_id = parent.out_hwpt_id;
	expect(!ioctl(iommufd, IOMMU_VIOMMU_ALLOC, &viommu), "VIOMMU_ALLOC");
	expect(viommu_data.out_data == viommu_data.in_data, "vIOMMU data");
	expect(!test_cmd(&info, IOMMU_TEST_OP_IOFD_VIOMMU_INFO,
			 viommu.out_viommu_id), "IOFD_VIOMMU_INFO");
	say("IOMMU_VIOMMU_ALLOC -> vIOMMU %u over HWPT %u, VMID %u for this guest",
	    viommu.out_viommu_id, info.iofd_viommu_info.out_parent_id,
	    info.iofd_viommu_info.out_vmid);

	vdev.viommu_id = viommu.out_viommu_id;
	expect(!ioctl(iommufd, IOMMU_VDEVICE_ALLOC, &vdev), "VDEVICE_ALLOC");
	say("IOMMU_VDEVICE_ALLOC -> vDEVICE %u: the guest calls device %u \"0x%llx\"",
	    vdev.out_vdevice_id, dev_id, (unsigned long long)vdev.virt_id);

	nested.pt_id = viommu.out_viommu_id;
	expect(!ioctl(iommufd, IOMMU_HWPT_ALLOC, &nested), "nested HWPT");
	say("IOMMU_HWPT_ALLOC nested from the vIOMMU -> HWPT %u: the guest's stage 1",
	    nested.out_hwpt_id);

	replace_pt(stdev_id, nested.out_hwpt_id);
	say("attached the device to nested HWPT %u (replacing paging HWPT %u, no gap)",
	    nested.out_hwpt_id, paging_hwpt_id);

	check_iotlb(nested.out_hwpt_id, 1, IOMMU_TEST_IOTLB_DEFAULT);
	inv.hwpt_id = nested.out_hwpt_id;
	inv.data_type = IOMMU_HWPT_INVALIDATE_DATA_SELFTEST;
	inv.entry_len = sizeof(tlb_inv);
	inv.data_uptr = (uintptr_t)&tlb_inv;
	expect(!ioctl(iommufd, IOMMU_HWPT_INVALIDATE, &inv) &&
	       inv.entry_num == 1, "HWPT_INVALIDATE nested");
	check_iotlb(nested.out_hwpt_id, 1, 0);
	check_iotlb(nested.out_hwpt_id, 0, IOMMU_TEST_IOTLB_DEFAULT);
	say("guest IOTLB invalidation on HWPT %u: entry 1 flushed, entry 0 kept",
	    nested.out_hwpt_id);

	check_dev_cache(dev_id, 2, IOMMU_TEST_DEV_CACHE_DEFAULT);
	inv.entry_num = 1;
	inv.hwpt_id = viommu.out_viommu_id;
	inv.data_type = IOMMU_VIOMMU_INVALIDATE_DATA_SELFTEST;
	inv.entry_len = sizeof(dev_inv);
	inv.data_uptr = (uintptr_t)&dev_inv;
	expect(!ioctl(iommufd, IOMMU_HWPT_INVALIDATE, &inv) &&
	       inv.entry_num == 1, "HWPT_INVALIDATE vIOMMU");
	check_dev_cache(dev_id, 2, 0);
	say("guest device-cache invalidation for vSID 0x10 via vIOMMU %u reached device %u",
	    viommu.out_viommu_id, dev_id);

	destroy.id = parent.out_hwpt_id;
	expect(ioctl(iommufd, IOMMU_DESTROY, &destroy) && errno == EBUSY,
	       "DESTROY of a nest parent in use must be EBUSY");
	say("IOMMU_DESTROY of the nest parent while the vIOMMU uses it -> EBUSY");

	replace_pt(stdev_id, paging_hwpt_id);
	destroy_id(nested.out_hwpt_id, "DESTROY nested");
	destroy_id(vdev.out_vdevice_id, "DESTROY vDEVICE");
	destroy_id(viommu.out_viommu_id, "DESTROY vIOMMU");
	destroy_id(parent.out_hwpt_id, "DESTROY nest parent");
	say("back on paging HWPT %u; nested HWPT, vDEVICE, vIOMMU, nest parent destroyed leaf first",
	    paging_hwpt_id);
	printf("# end of nesting\n");
}

/* ---- the real-hardware flow: edu through iofd-pci and iofd_vtd ---- */

#define PCI_DEVICES "/sys/bus/pci/devices"
#define HW_IOVA 0x100000UL	/* edu drives 28 address bits */

static int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static unsigned long sysfs_ulong(const char *dir, const char *name)
{
	char path[512], buf[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	return strtoul(buf, NULL, 0);
}

/* The BDF of the edu device (1234:11e8) into @bdf, or false */
static bool find_edu(char *bdf, size_t len)
{
	DIR *d = opendir(PCI_DEVICES);
	struct dirent *de;
	char dir[512];
	bool found = false;

	while (d && !found && (de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= len)
			continue;
		snprintf(dir, sizeof(dir), PCI_DEVICES "/%s", de->d_name);
		if (sysfs_ulong(dir, "vendor") == 0x1234 &&
		    sysfs_ulong(dir, "device") == 0x11e8) {
			strcpy(bdf, de->d_name);
			found = true;
		}
	}
	if (d)
		closedir(d);
	return found;
}

static void mmio_w64(uint8_t *bar, unsigned int off, uint64_t v)
{
	__atomic_store_n((uint64_t *)(bar + off), v, __ATOMIC_SEQ_CST);
}

/* One edu transfer; its device buffer is at 0x40000 */
static void edu_dma(uint8_t *bar, bool to_ram, uint64_t iova, unsigned int n)
{
	int i;

	mmio_w64(bar, 0x80, to_ram ? 0x40000 : iova);
	mmio_w64(bar, 0x88, to_ram ? iova : 0x40000);
	mmio_w64(bar, 0x90, n);
	__atomic_store_n((uint32_t *)(bar + 0x98), to_ram ? 3 : 1,
			 __ATOMIC_SEQ_CST);
	for (i = 0; i < 5000; i++) {
		if (!(__atomic_load_n((uint32_t *)(bar + 0x98),
				      __ATOMIC_SEQ_CST) & 1))
			return;
		usleep(1000);
	}
	errno = ETIMEDOUT;
	die("edu DMA did not finish");
}

/*
 * The driver's decoded table dump (debugfs): the unit line, the lines
 * about @bdf and (SMMUv3) the CD lines under it
 */
static void show_tables(const char *path, const char *bdf)
{
	FILE *f = fopen(path, "r");
	char line[256];
	bool ours = false;

	while (f && fgets(line, sizeof(line), f)) {
		if (line[0] != ' ')
			ours = strstr(line, bdf + 5) != NULL;
		if (ours || !strncmp(line, "unit", 4))
			printf("#   %s", line);
	}
	if (f)
		fclose(f);
}

static void hardware_flow(void)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach),
	};
	struct iommu_ioas_alloc ioas_alloc = { .size = sizeof(ioas_alloc) };
	struct iommu_ioas_map map = { .size = sizeof(map) };
	struct iommu_hw_info info = { .size = sizeof(info) };
	union {
		struct iommu_hw_info_vtd vtd;
		struct iommu_hw_info_arm_smmuv3 smmu;
	} hw = {};
	const char *tables, *what;
	char bdf[64], dir[512], path[600];
	uint16_t cmd;
	struct dirent *de;
	uint8_t *buf, *bar;
	int devfd = -1, fd;
	DIR *d;

	if (!access("/sys/module/iofd_vtd", F_OK)) {
		tables = "/sys/kernel/debug/iofd_vtd/dmar0/tables";
		what = "VT-d";
	} else if (!access("/sys/module/iofd_smmuv3", F_OK)) {
		tables = "/sys/kernel/debug/iofd_smmuv3/smmu0/tables";
		what = "SMMUv3";
	} else {
		tables = what = NULL;
	}
	if (!tables || !find_edu(bdf, sizeof(bdf))) {
		printf("# no hardware driver (iofd_vtd, iofd_smmuv3) or no edu device: the hardware flow is skipped\n");
		return;
	}
	printf("# --- real hardware: edu %s through iofd-pci and our %s tables ---\n",
	       bdf, what);
	snprintf(dir, sizeof(dir), PCI_DEVICES "/%s", bdf);
	snprintf(path, sizeof(path), "%s/driver_override", dir);
	expect(!sysfs_write(path, "iofd-pci"), "driver_override");
	expect(!sysfs_write("/sys/bus/pci/drivers_probe", bdf), "drivers_probe");
	snprintf(path, sizeof(path), "%s/iofd-dev", dir);
	d = opendir(path);
	expect(d != NULL, "iofd-dev in sysfs");
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "iofd", 4) &&
		    strlen(de->d_name) < 32) {
			snprintf(path, sizeof(path), "/dev/iofd/devices/%s",
				 de->d_name);
			devfd = open(path, O_RDWR | O_CLOEXEC);
		}
	closedir(d);
	expect(devfd >= 0, "open the device's char device");
	say("bound edu %s to iofd-pci (driver_override), opened %s", bdf, path);

	bind.iommufd = iommufd;
	expect(!ioctl(devfd, VFIO_DEVICE_BIND_IOMMUFD, &bind), "BIND_IOMMUFD");
	say("VFIO_DEVICE_BIND_IOMMUFD -> device id %u", bind.out_devid);
	info.dev_id = bind.out_devid;
	info.data_len = sizeof(hw);
	info.data_uptr = (uintptr_t)&hw;
	expect(!ioctl(iommufd, IOMMU_GET_HW_INFO, &info), "GET_HW_INFO");
	if (info.out_data_type == IOMMU_HW_INFO_TYPE_INTEL_VTD)
		say("IOMMU_GET_HW_INFO: Intel VT-d, CAP 0x%llx ECAP 0x%llx%s",
		    (unsigned long long)hw.vtd.cap_reg,
		    (unsigned long long)hw.vtd.ecap_reg,
		    info.out_capabilities & IOMMU_HW_CAP_IOFD_SHADOW_NESTING ?
		    ", shadow nesting" : "");
	else if (info.out_data_type == IOMMU_HW_INFO_TYPE_ARM_SMMUV3)
		say("IOMMU_GET_HW_INFO: Arm SMMUv3, IDR0 0x%x IDR1 0x%x IDR5 0x%x AIDR 0x%x%s",
		    hw.smmu.idr[0], hw.smmu.idr[1], hw.smmu.idr[5],
		    hw.smmu.aidr,
		    info.out_capabilities & IOMMU_HW_CAP_IOFD_SHADOW_NESTING ?
		    ", shadow nesting" : "");
	else
		expect(false, "GET_HW_INFO: a hardware type");

	expect(!ioctl(iommufd, IOMMU_IOAS_ALLOC, &ioas_alloc), "IOAS_ALLOC");
	buf = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect(buf != MAP_FAILED, "mmap");
	memset(buf, 0, 4 * 4096);
	for (cmd = 0; cmd < 4000; cmd++)
		buf[cmd] = (uint8_t)(cmd * 13 + 1);
	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = ioas_alloc.out_ioas_id;
	map.user_va = (uintptr_t)buf;
	map.length = 4 * 4096;
	map.iova = HW_IOVA;
	expect(!ioctl(iommufd, IOMMU_IOAS_MAP, &map), "IOAS_MAP");
	attach.pt_id = ioas_alloc.out_ioas_id;
	expect(!ioctl(devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach),
	       "ATTACH_IOMMUFD_PT");
	say("IOAS %u maps 16 KiB at IOVA 0x%lx; edu attached through HWPT %u",
	    ioas_alloc.out_ioas_id, HW_IOVA, attach.pt_id);
	show_tables(tables, bdf);

	/* Memory decode and bus mastering: the device is the user's now */
	snprintf(path, sizeof(path), "%s/config", dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	expect(fd >= 0 && pread(fd, &cmd, 2, 4) == 2, "read PCI command");
	cmd |= 0x6;
	expect(pwrite(fd, &cmd, 2, 4) == 2, "enable bus mastering");
	close(fd);
	snprintf(path, sizeof(path), "%s/resource0", dir);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	bar = fd < 0 ? MAP_FAILED : mmap(NULL, 0x100000,
					 PROT_READ | PROT_WRITE, MAP_SHARED,
					 fd, 0);
	expect(bar != MAP_FAILED, "mmap edu BAR0");
	close(fd);
	edu_dma(bar, false, HW_IOVA, 4000);
	edu_dma(bar, true, HW_IOVA + 2 * 4096, 4000);
	expect(!memcmp(buf, buf + 2 * 4096, 4000), "bytes copied by DMA");
	say("edu read 4000 bytes at IOVA 0x%lx and wrote them at 0x%lx: equal",
	    HW_IOVA, HW_IOVA + 2 * 4096);

	cmd &= ~0x4;
	snprintf(path, sizeof(path), "%s/config", dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	expect(fd >= 0 && pwrite(fd, &cmd, 2, 4) == 2, "bus mastering off");
	close(fd);
	munmap(bar, 0x100000);
	munmap(buf, 4 * 4096);
	close(devfd);
	snprintf(path, sizeof(path), "%s/driver/unbind", dir);
	expect(!sysfs_write(path, bdf), "unbind from iofd-pci");
	snprintf(path, sizeof(path), "%s/driver_override", dir);
	expect(!sysfs_write(path, "\n"), "clear driver_override");
	say("closed the device (detached, blocked) and gave edu back (%s)",
	    info.out_data_type == IOMMU_HW_INFO_TYPE_ARM_SMMUV3 ? "bypass STE" :
	    "pass-through");
}

int main(void)
{
	struct iommu_ioas_alloc ioas_alloc = { .size = sizeof(ioas_alloc) };
	struct iommu_iova_range ranges[8];
	struct iommu_ioas_iova_ranges iova_ranges = {
		.size = sizeof(iova_ranges),
		.num_iovas = 8,
		.allowed_iovas = (uintptr_t)ranges,
	};
	struct iommu_test_cmd mock = {};
	struct iommu_test_cmd replace = {};
	struct iommu_test_cmd check = {};
	struct iommu_test_hw_info info_data = {};
	struct iommu_hw_info info = { .size = sizeof(info) };
	struct iommu_hwpt_alloc hwpt = { .size = sizeof(hwpt) };
	struct iommu_ioas_map map = { .size = sizeof(map) };
	struct iommu_ioas_unmap unmap = { .size = sizeof(unmap) };
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	uint32_t ioas_id, auto_hwpt_id;
	unsigned int i;
	uint8_t *ram;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n# iofd-vmm: a VMM's view of /dev/iommu (mock device)\n");

	iommufd = open("/dev/iommu", O_RDWR);
	expect(iommufd >= 0, "open /dev/iommu");
	say("opened /dev/iommu (fd %d)", iommufd);

	expect(!ioctl(iommufd, IOMMU_IOAS_ALLOC, &ioas_alloc), "IOAS_ALLOC");
	ioas_id = ioas_alloc.out_ioas_id;
	say("IOMMU_IOAS_ALLOC -> IOAS id %u", ioas_id);

	ram = mmap(NULL, GUEST_RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	expect(ram != MAP_FAILED, "mmap guest RAM");
	for (i = 0; i < GUEST_RAM_SIZE; i++)
		ram[i] = (uint8_t)(i * 7 + 3);
	say("allocated %lu KiB of \"guest RAM\" at %p", GUEST_RAM_SIZE >> 10,
	    (void *)ram);

	map.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
		    IOMMU_IOAS_MAP_WRITEABLE;
	map.ioas_id = ioas_id;
	map.user_va = (uintptr_t)ram;
	map.length = GUEST_RAM_SIZE;
	map.iova = GUEST_RAM_IOVA;
	expect(!ioctl(iommufd, IOMMU_IOAS_MAP, &map), "IOAS_MAP");
	say("IOMMU_IOAS_MAP guest RAM at IOVA 0x%llx, %llu bytes (pinned now)",
	    (unsigned long long)map.iova, (unsigned long long)map.length);
	expect(!check_refs(ram, GUEST_RAM_SIZE, 1), "MD_CHECK_REFS == 1");
	say("every page of guest RAM is pinned exactly once");

	expect(!test_cmd(&mock, IOMMU_TEST_OP_MOCK_DOMAIN, ioas_id),
	       "TEST_OP_MOCK_DOMAIN");
	auto_hwpt_id = mock.mock_domain.out_hwpt_id;
	say("bound a mock device: device id %u, attached to the IOAS through auto HWPT %u",
	    mock.mock_domain.out_idev_id, auto_hwpt_id);

	info.dev_id = mock.mock_domain.out_idev_id;
	info.data_len = sizeof(info_data);
	info.data_uptr = (uintptr_t)&info_data;
	expect(!ioctl(iommufd, IOMMU_GET_HW_INFO, &info), "GET_HW_INFO");
	say("IOMMU_GET_HW_INFO: type 0x%x (selftest), %u bytes, test_reg 0x%x",
	    info.out_data_type, info.data_len, info_data.test_reg);

	hwpt.dev_id = mock.mock_domain.out_idev_id;
	hwpt.pt_id = ioas_id;
	expect(!ioctl(iommufd, IOMMU_HWPT_ALLOC, &hwpt), "HWPT_ALLOC");
	say("IOMMU_HWPT_ALLOC paging HWPT %u on IOAS %u (filled with the mapping)",
	    hwpt.out_hwpt_id, ioas_id);

	replace.mock_domain_replace.pt_id = hwpt.out_hwpt_id;
	expect(!test_cmd(&replace, IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE,
			 mock.mock_domain.out_stdev_id),
	       "MOCK_DOMAIN_REPLACE");
	say("replaced the device's attachment: auto HWPT %u -> HWPT %u (auto HWPT freed)",
	    auto_hwpt_id, hwpt.out_hwpt_id);

	check.check_map.iova = GUEST_RAM_IOVA;
	check.check_map.length = GUEST_RAM_SIZE;
	check.check_map.uptr = (uintptr_t)ram;
	expect(!test_cmd(&check, IOMMU_TEST_OP_MD_CHECK_MAP,
			 hwpt.out_hwpt_id), "MD_CHECK_MAP");
	say("mock page table of HWPT %u translates every IOVA of guest RAM to its page",
	    hwpt.out_hwpt_id);

	iova_ranges.ioas_id = ioas_id;
	expect(!ioctl(iommufd, IOMMU_IOAS_IOVA_RANGES, &iova_ranges),
	       "IOAS_IOVA_RANGES");
	for (i = 0; i < iova_ranges.num_iovas && i < 8; i++)
		say("usable IOVA range %u: 0x%llx..0x%llx (alignment %llu)", i,
		    (unsigned long long)ranges[i].start,
		    (unsigned long long)ranges[i].last,
		    (unsigned long long)iova_ranges.out_iova_alignment);

	destroy.id = hwpt.out_hwpt_id;
	expect(ioctl(iommufd, IOMMU_DESTROY, &destroy) && errno == EBUSY,
	       "DESTROY of an attached HWPT must be EBUSY");
	say("IOMMU_DESTROY HWPT %u while attached -> EBUSY, as it must",
	    hwpt.out_hwpt_id);

	nested_flow(ioas_id, mock.mock_domain.out_idev_id,
		    mock.mock_domain.out_stdev_id, hwpt.out_hwpt_id);

	destroy.id = mock.mock_domain.out_stdev_id;
	expect(!ioctl(iommufd, IOMMU_DESTROY, &destroy), "DESTROY device");
	say("unbound the mock device (detached, blocked)");
	destroy.id = hwpt.out_hwpt_id;
	expect(!ioctl(iommufd, IOMMU_DESTROY, &destroy), "DESTROY HWPT");
	say("destroyed HWPT %u", hwpt.out_hwpt_id);

	unmap.ioas_id = ioas_id;
	unmap.iova = GUEST_RAM_IOVA;
	unmap.length = GUEST_RAM_SIZE;
	expect(!ioctl(iommufd, IOMMU_IOAS_UNMAP, &unmap), "IOAS_UNMAP");
	say("IOMMU_IOAS_UNMAP -> %llu bytes unmapped",
	    (unsigned long long)unmap.length);
	expect(!check_refs(ram, GUEST_RAM_SIZE, 0), "MD_CHECK_REFS == 0");
	say("no page of guest RAM is pinned anymore");

	destroy.id = ioas_id;
	expect(!ioctl(iommufd, IOMMU_DESTROY, &destroy), "DESTROY IOAS");
	say("destroyed IOAS %u", ioas_id);

	hardware_flow();
	close(iommufd);
	say("closed /dev/iommu");
	printf("# iofd-vmm: all steps passed\n");
	return 0;
}
