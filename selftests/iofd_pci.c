// SPDX-License-Identifier: GPL-2.0
/*
 * iofd-pci, the binding of real PCI devices, with the guest's edu device.
 *
 * The mock IOMMU takes edu (iofd_mock claim_pci=1234:11e8) so the binding
 * rules are tested without a hardware driver: the VFIO-cdev ioctls, their
 * argsz/flags/errno rules, one binding per device, what closing either fd
 * does, and removal of the device from iofd-pci while it is bound. Bus
 * mastering stays off: nothing translates edu's real DMA through the mock.
 * The mock registers before the hardware drivers, so it is asked first;
 * iofd_vtd.c tests the same binding with the VT-d driver and real DMA.
 */
#include "iofd_pci_utils.h"

#define MOCK_CLAIM "/sys/module/iofd_mock/parameters"

/*
 * The 6.1 harness runs the test body even when the setup called SKIP() (no
 * iofd_mock claim_pci, no edu), so every test of this fixture starts by
 * returning if the setup skipped.
 */
FIXTURE(pci)
{
	char bdf[32];
	char orig_driver[64];
	char cdev[64];
	int fd;		/* /dev/iommu */
	int devfd;	/* the device's char device */
	__u32 ioas_id;
};

FIXTURE_SETUP(pci)
{
	self->fd = -1;
	self->devfd = -1;
	self->bdf[0] = 0;
	if (access(MOCK_CLAIM "/claim_pci", W_OK))
		SKIP(return, "iofd_mock is not loaded (or too old): no claim_pci");
	if (!iofd_pci_find(EDU_VENDOR, EDU_DEVICE, self->bdf,
			   sizeof(self->bdf)))
		SKIP(return, "no edu device (1234:11e8) in this machine");
	iofd_pci_driver(self->bdf, self->orig_driver,
			sizeof(self->orig_driver));
	ASSERT_EQ(0, iofd_sysfs_write(MOCK_CLAIM, "claim_pci", "1234:11e8"));
	self->devfd = iofd_pci_take(self->bdf, self->cdev, sizeof(self->cdev));
	ASSERT_LE(0, self->devfd);
	self->fd = open(IOFD_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	test_ioctl_ioas_alloc(&self->ioas_id);
}

FIXTURE_TEARDOWN(pci)
{
	if (self->devfd >= 0)
		close(self->devfd);
	if (self->fd >= 0)
		close(self->fd);
	if (!self->bdf[0])
		return;
	EXPECT_EQ(0, iofd_pci_give_back(self->bdf, self->orig_driver));
	EXPECT_EQ(0, iofd_sysfs_write(MOCK_CLAIM, "claim_pci", "\n"));
}

/* The char device appears with the binding, under sysfs and /dev */
TEST_F(pci, cdev_appears)
{
	char path[256];
	struct stat st;

	if (_metadata->skip)
		return;

	ASSERT_EQ(0, stat(self->cdev, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	snprintf(path, sizeof(path), PCI_DEVICES "/%s/iofd-dev", self->bdf);
	EXPECT_EQ(0, access(path, R_OK));
}

TEST_F(pci, bind_attach_detach)
{
	__u32 devid, pt_id, hwpt_id, ioas2;

	if (_metadata->skip)
		return;

	ASSERT_EQ(0, _test_pci_bind(self->devfd, self->fd, &devid));
	EXPECT_NE(0, devid);
	/* The device is a DEVICE object of the context: hw_info works */
	{
		struct iommu_test_hw_info info = {};

		test_cmd_get_hw_info(devid, &info, sizeof(info), NULL);
		EXPECT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, info.test_reg);
	}
	/* A device object is the binder's: DESTROY cannot take it */
	EXPECT_ERRNO(EBUSY, _test_ioctl_destroy(self->fd, devid));

	pt_id = self->ioas_id;
	ASSERT_EQ(0, _test_pci_attach(self->devfd, &pt_id, false, 0));
	EXPECT_NE(self->ioas_id, pt_id);	/* the automatic HWPT */
	hwpt_id = pt_id;
	/* The automatic HWPT is in use */
	EXPECT_ERRNO(EBUSY, _test_ioctl_destroy(self->fd, hwpt_id));

	/* ATTACH again replaces */
	test_ioctl_ioas_alloc(&ioas2);
	pt_id = ioas2;
	ASSERT_EQ(0, _test_pci_attach(self->devfd, &pt_id, false, 0));
	EXPECT_NE(hwpt_id, pt_id);
	/* The old automatic HWPT went with its last device */
	EXPECT_ERRNO(ENOENT, _test_ioctl_destroy(self->fd, hwpt_id));

	/* A HWPT allocated by the user, then a PASID beside the RID */
	test_cmd_hwpt_alloc(devid, self->ioas_id, IOMMU_HWPT_ALLOC_PASID,
			    &hwpt_id);
	pt_id = hwpt_id;
	ASSERT_EQ(0, _test_pci_attach(self->devfd, &pt_id, false, 0));
	EXPECT_EQ(hwpt_id, pt_id);
	pt_id = hwpt_id;
	ASSERT_EQ(0, _test_pci_attach(self->devfd, &pt_id, true, 5));
	EXPECT_ERRNO(EBUSY, _test_ioctl_destroy(self->fd, hwpt_id));
	ASSERT_EQ(0, _test_pci_detach(self->devfd, true, 5));
	ASSERT_EQ(0, _test_pci_detach(self->devfd, false, 0));
	/* Detaching what is not attached is not an error */
	EXPECT_EQ(0, _test_pci_detach(self->devfd, false, 0));
	EXPECT_EQ(0, _test_pci_detach(self->devfd, true, 7));
	test_ioctl_destroy(hwpt_id);
}

TEST_F(pci, errnos_before_bind)
{
	__u32 pt_id = self->ioas_id;

	if (_metadata->skip)
		return;

	/* As VFIO: nothing but BIND before a BIND, even unknown ioctls */
	EXPECT_ERRNO(EINVAL, _test_pci_attach(self->devfd, &pt_id, false, 0));
	EXPECT_ERRNO(EINVAL, _test_pci_detach(self->devfd, false, 0));
	EXPECT_ERRNO(EINVAL, ioctl(self->devfd, _IO(VFIO_TYPE, VFIO_BASE + 7),
				   NULL));
	/* The iommufd argument */
	EXPECT_ERRNO(EINVAL, _test_pci_bind(self->devfd, -1, NULL));
	EXPECT_ERRNO(EBADF, _test_pci_bind(self->devfd, 1000, NULL));
	{
		int nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);

		ASSERT_LE(0, nullfd);
		EXPECT_ERRNO(EBADFD, _test_pci_bind(self->devfd, nullfd,
						    NULL));
		close(nullfd);
	}
	/* Nothing of that left a binding behind */
	EXPECT_ERRNO(EINVAL, _test_pci_attach(self->devfd, &pt_id, false, 0));
}

TEST_F(pci, argsz_and_flags)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = sizeof(bind), .iommufd = self->fd,
	};
	struct vfio_device_attach_iommufd_pt attach = {
		.argsz = sizeof(attach), .pt_id = self->ioas_id,
	};
	struct vfio_device_detach_iommufd_pt detach = {
		.argsz = sizeof(detach),
	};
	struct {
		struct vfio_device_bind_iommufd bind;
		__u64 tail;
	} big = { .bind = bind, .tail = ~0ULL };

	if (_metadata->skip)
		return;

	bind.argsz = 15;
	EXPECT_ERRNO(EINVAL, ioctl(self->devfd, VFIO_DEVICE_BIND_IOMMUFD,
				   &bind));
	bind.argsz = sizeof(bind);
	bind.flags = 1;
	EXPECT_ERRNO(EINVAL, ioctl(self->devfd, VFIO_DEVICE_BIND_IOMMUFD,
				   &bind));
	EXPECT_ERRNO(EFAULT, ioctl(self->devfd, VFIO_DEVICE_BIND_IOMMUFD,
				   NULL));
	/* Bytes past the struct are ignored, as VFIO before v6.17 */
	big.bind.argsz = sizeof(big);
	ASSERT_EQ(0, ioctl(self->devfd, VFIO_DEVICE_BIND_IOMMUFD, &big));
	EXPECT_NE(0, big.bind.out_devid);

	attach.argsz = 11;
	EXPECT_ERRNO(EINVAL, ioctl(self->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
				   &attach));
	attach.argsz = 12;
	attach.flags = VFIO_DEVICE_ATTACH_PASID;
	/* The PASID field must be inside argsz */
	EXPECT_ERRNO(EINVAL, ioctl(self->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
				   &attach));
	attach.argsz = sizeof(attach);
	attach.flags = 2;
	EXPECT_ERRNO(EINVAL, ioctl(self->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
				   &attach));
	attach.flags = 0;
	attach.argsz = 12;	/* the v6.6 size */
	ASSERT_EQ(0, ioctl(self->devfd, VFIO_DEVICE_ATTACH_IOMMUFD_PT,
			   &attach));
	EXPECT_NE(self->ioas_id, attach.pt_id);

	detach.argsz = 7;
	EXPECT_ERRNO(EINVAL, ioctl(self->devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT,
				   &detach));
	detach.argsz = 8;
	detach.flags = VFIO_DEVICE_DETACH_PASID;
	EXPECT_ERRNO(EINVAL, ioctl(self->devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT,
				   &detach));
	detach.flags = 2;
	detach.argsz = sizeof(detach);
	EXPECT_ERRNO(EINVAL, ioctl(self->devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT,
				   &detach));
	detach.flags = 0;
	detach.argsz = 8;	/* the v6.6 size */
	EXPECT_EQ(0, ioctl(self->devfd, VFIO_DEVICE_DETACH_IOMMUFD_PT,
			   &detach));
	/* Unknown ioctls once bound */
	EXPECT_ERRNO(ENOTTY, ioctl(self->devfd, _IO(VFIO_TYPE, VFIO_BASE + 7),
				   NULL));
}

TEST_F(pci, attach_errnos)
{
	__u32 devid, pt_id;

	if (_metadata->skip)
		return;

	ASSERT_EQ(0, _test_pci_bind(self->devfd, self->fd, &devid));
	pt_id = 0xfffff;
	EXPECT_ERRNO(ENOENT, _test_pci_attach(self->devfd, &pt_id, false, 0));
	pt_id = devid;	/* not a page table */
	EXPECT_ERRNO(EINVAL, _test_pci_attach(self->devfd, &pt_id, false, 0));
	/* Above the device's PASID width; the core's "no PASID" value */
	pt_id = self->ioas_id;
	EXPECT_ERRNO(EINVAL, _test_pci_attach(self->devfd, &pt_id, true,
					      1U << 20));
	EXPECT_ERRNO(EINVAL, _test_pci_attach(self->devfd, &pt_id, true,
					      UINT32_MAX));
	EXPECT_ERRNO(EINVAL, _test_pci_detach(self->devfd, true, UINT32_MAX));
	/* None of that attached the RID */
	{
		__u32 hwpt;

		EXPECT_ERRNO(ENOENT, _test_ioctl_destroy(self->fd, devid + 1));
		test_cmd_hwpt_alloc(devid, self->ioas_id, 0, &hwpt);
		test_ioctl_destroy(hwpt);
	}
}

/* One binding per device: on the same file EINVAL, on another EBUSY */
TEST_F(pci, second_bind)
{
	int fd2, devfd2;
	__u32 devid;

	if (_metadata->skip)
		return;

	ASSERT_EQ(0, _test_pci_bind(self->devfd, self->fd, &devid));
	EXPECT_ERRNO(EINVAL, _test_pci_bind(self->devfd, self->fd, NULL));
	fd2 = open(IOFD_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	devfd2 = open(self->cdev, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, devfd2);
	EXPECT_ERRNO(EBUSY, _test_pci_bind(devfd2, fd2, NULL));
	EXPECT_ERRNO(EBUSY, _test_pci_bind(devfd2, self->fd, NULL));
	/* The other context cannot see the device */
	EXPECT_ERRNO(ENOENT, _test_ioctl_destroy(fd2, devid));

	/* Once the first file is closed, the second may bind */
	close(self->devfd);
	self->devfd = -1;
	ASSERT_EQ(0, _test_pci_bind(devfd2, fd2, &devid));
	close(devfd2);
	close(fd2);
}

/*
 * The device file keeps the iommufd context: closing /dev/iommu first
 * changes nothing for the device; closing the device file then releases
 * the context and every object in it (no pin left).
 */
TEST_F(pci, close_iommufd_first)
{
	__u32 devid, pt_id = self->ioas_id;

	if (_metadata->skip)
		return;

	ASSERT_EQ(0, _test_pci_bind(self->devfd, self->fd, &devid));
	/* Inside the mock domain's aperture, or the attach is EADDRINUSE */
	test_ioctl_ioas_map_fixed(buffer, BUFFER_SIZE, MOCK_APERTURE_START);
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, _test_pci_attach(self->devfd, &pt_id, false, 0))
		TH_LOG("attach after closing /dev/iommu: %s", strerror(errno));
	close(self->devfd);
	self->devfd = -1;
	/* Give the deferred fput a moment, then nothing is pinned */
	self->fd = open(IOFD_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	usleep(10000);
	check_refs(buffer, BUFFER_SIZE, 0);
}

/* Closing the device file unbinds: the next open binds afresh */
TEST_F(pci, close_device_rebinds)
{
	__u32 devid, devid2, pt_id = self->ioas_id;

	if (_metadata->skip)
		return;

	ASSERT_EQ(0, _test_pci_bind(self->devfd, self->fd, &devid));
	ASSERT_EQ(0, _test_pci_attach(self->devfd, &pt_id, false, 0));
	close(self->devfd);
	/* The DEVICE object and its automatic HWPT are gone */
	EXPECT_ERRNO(ENOENT, _test_ioctl_destroy(self->fd, devid));
	EXPECT_ERRNO(ENOENT, _test_ioctl_destroy(self->fd, pt_id));
	self->devfd = open(self->cdev, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->devfd);
	ASSERT_EQ(0, _test_pci_bind(self->devfd, self->fd, &devid2));
	/* IDs are reused, as upstream's: the new object answers */
	{
		struct iommu_test_hw_info info = {};

		test_cmd_get_hw_info(devid2, &info, sizeof(info), NULL);
		EXPECT_EQ(IOMMU_HW_INFO_SELFTEST_REGVAL, info.test_reg);
	}
}

/* The device leaves iofd-pci while bound and attached */
TEST_F(pci, unbind_driver_while_bound)
{
	__u32 devid, pt_id = self->ioas_id;

	if (_metadata->skip)
		return;

	ASSERT_EQ(0, _test_pci_bind(self->devfd, self->fd, &devid));
	ASSERT_EQ(0, _test_pci_attach(self->devfd, &pt_id, false, 0));
	ASSERT_EQ(0, iofd_sysfs_write("/sys/bus/pci/drivers/iofd-pci",
				      "unbind", self->bdf));
	/* The open file only answers ENODEV now; the objects are gone */
	pt_id = self->ioas_id;
	EXPECT_ERRNO(ENODEV, _test_pci_attach(self->devfd, &pt_id, false, 0));
	EXPECT_ERRNO(ENODEV, _test_pci_bind(self->devfd, self->fd, NULL));
	EXPECT_ERRNO(ENOENT, _test_ioctl_destroy(self->fd, devid));
	/* The IOAS is free again */
	test_ioctl_destroy(self->ioas_id);
}

TEST_HARNESS_MAIN
