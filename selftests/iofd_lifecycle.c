// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetimes that cross process and module boundaries:
 *
 *  - rmmod of iofd.ko / iofd_mock.ko is refused (delete_module(2) with
 *    O_NONBLOCK: EAGAIN, or EBUSY) while something holds them: an open
 *    /dev/iommu for iofd.ko, a mock device, mock domain or access file for
 *    iofd_mock.ko; once closed they unload, and are loaded again from the
 *    guest image (/lib/modules/iofd/, the order of /etc/iofd/modules) so
 *    the run continues with the modules as it found them. The unload test
 *    runs last and is skipped outside the test guest.
 *  - SIGKILL of a process in the middle of a large IOAS_MAP (the pinning
 *    slowed down with SET_TEMP_MEMORY_LIMIT) or after it releases every
 *    pin (MD_CHECK_REFS == 0 on the memory it mapped) and every charge
 *    (the same user can charge the whole limit again).
 *  - A context passed with SCM_RIGHTS keeps working in the receiver, which
 *    can create objects; everything goes with the last holder.
 *  - fork(): parent and child share the same context (upstream semantics,
 *    one file); closing it in one keeps it alive in the other.
 */
#include <dirent.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "iommufd_utils.h"

#define MODLIST "/etc/iofd/modules"
#define MODDIR "/lib/modules/iofd"
/* Users of their own, so their RLIMIT_MEMLOCK charge starts at zero */
#define KILL_UID 1101
#define SHARE_UID 1102

#define LPAGES 16
#define MIB (1024UL * 1024)

/* ------------------------------------------------------------ modules */

static bool mod_loaded(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/%s/initstate", name);
	return access(path, R_OK) == 0;
}

static long mod_refcnt(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	return (long)iofd_read_ulong(path, (unsigned long)-1);
}

/* Number of modules using @name other than @except */
static int mod_other_holders(const char *name, const char *except)
{
	char path[256];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/module/%s/holders", name);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.' || (except && !strcmp(d->d_name, except)))
			continue;
		n++;
	}
	closedir(dir);
	return n;
}

/* Print every process holding /dev/iommu open (refcnt puzzles) */
static void show_dev_users(void)
{
	char path[600], target[256];
	struct dirent *p, *f;
	DIR *proc, *fds;
	ssize_t n;

	proc = opendir("/proc");
	if (!proc)
		return;
	while ((p = readdir(proc))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
				 p->d_name, f->d_name);
			n = readlink(path, target, sizeof(target) - 1);
			if (n <= 0)
				continue;
			target[n] = 0;
			if (strstr(target, "iommu") || strstr(target, "iofd"))
				fprintf(stderr, "# pid %s fd %s -> %s\n",
					p->d_name, f->d_name, target);
		}
		closedir(fds);
	}
	closedir(proc);
}

static int mod_unload(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -1 : 0;
}

static int mod_load(const char *file)
{
	char path[256];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", MODDIR, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = syscall(SYS_finit_module, fd, "", 0);
	close(fd);
	return rc ? -1 : 0;
}

/* "iofd_mock.ko" -> "iofd_mock" (the kernel spells '-' as '_') */
static void mod_name(const char *file, char *name, size_t len)
{
	size_t i;

	snprintf(name, len, "%s", file);
	name[strcspn(name, ".")] = 0;
	for (i = 0; name[i]; i++)
		if (name[i] == '-')
			name[i] = '_';
}

/*
 * Load, in the image's order, every module of /etc/iofd/modules that is
 * not loaded. Returns how many it loaded, -1 if one failed.
 */
static int mod_restore(void)
{
	char file[128], name[128];
	int loaded = 0;
	FILE *fp;

	fp = fopen(MODLIST, "r");
	if (!fp)
		return 0;
	while (fgets(file, sizeof(file), fp)) {
		file[strcspn(file, "\n")] = 0;
		if (!file[0])
			continue;
		mod_name(file, name, sizeof(name));
		if (mod_loaded(name))
			continue;
		if (mod_load(file)) {
			fprintf(stderr, "# could not load %s again: %s\n", file,
				strerror(errno));
			loaded = -1;
			break;
		}
		fprintf(stderr, "# loaded %s again\n", file);
		loaded++;
	}
	fclose(fp);
	return loaded;
}

/*
 * Safety net in the harness's own process (the test processes end with
 * _exit() or abort(), which skip it): whatever a failed test left
 * unloaded is loaded again before the next binary runs.
 */
static void mod_restore_at_exit(void)
{
	mod_restore();
}

static void __attribute__((constructor)) lifecycle_init(void)
{
	atexit(mod_restore_at_exit);
}

/*
 * Unload the other modules of the image that use iofd (the hardware
 * drivers, e.g. iofd_vtd): the number unloaded, or -1 when one refuses.
 * mod_restore() loads them again.
 */
static int mod_unload_other_holders(void)
{
	char names[8][256];
	struct dirent *d;
	int n = 0, i;
	DIR *dir;

	dir = opendir("/sys/module/iofd/holders");
	if (!dir)
		return -1;
	while ((d = readdir(dir)) && n < 8) {
		if (d->d_name[0] == '.' || !strcmp(d->d_name, "iofd_mock"))
			continue;
		snprintf(names[n++], sizeof(names[0]), "%s", d->d_name);
	}
	closedir(dir);
	for (i = 0; i < n; i++)
		if (mod_unload(names[i]))
			return -1;
	return n;
}

static bool image_has(const char *file)
{
	char path[256], line[128];
	bool found = false;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", MODDIR, file);
	if (access(path, R_OK))
		return false;
	fp = fopen(MODLIST, "r");
	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\n")] = 0;
		found = !strcmp(line, file);
	}
	fclose(fp);
	return found;
}

/* delete_module() of @name must fail with EAGAIN (or EBUSY), leaving it */
#define expect_unload_refused(name)                                          \
	({                                                                   \
		int __rc = mod_unload(name), __err = errno;                  \
		EXPECT_EQ(-1, __rc);                                         \
		if (__rc)                                                    \
			EXPECT_TRUE(__err == EAGAIN || __err == EBUSY)       \
				TH_LOG("delete_module(%s): %s", name,        \
				       strerror(__err));                     \
		EXPECT_TRUE(mod_loaded(name));                               \
	})

TEST(rmmod_refused_while_in_use)
{
	long base_core, base_mock;
	__u32 ioas_id, stdev_id, hwpt_id;
	int fd, access_fd;

	if (!mod_loaded("iofd") || !mod_loaded("iofd_mock"))
		SKIP(return, "iofd and iofd_mock are not both loaded");
	base_core = mod_refcnt("iofd");
	base_mock = mod_refcnt("iofd_mock");
	ASSERT_LE(0, base_core);
	ASSERT_LE(0, base_mock);

	/* An open context holds the core */
	fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, fd);
	EXPECT_EQ(base_core + 1, mod_refcnt("iofd"));
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd, &ioas_id));
	expect_unload_refused("iofd");

	/* A mock device (and its domain) holds the mock */
	ASSERT_EQ(0, _test_cmd_mock_domain(fd, ioas_id, &stdev_id, &hwpt_id,
					   NULL));
	EXPECT_LT(base_mock, mod_refcnt("iofd_mock"));
	expect_unload_refused("iofd_mock");
	expect_unload_refused("iofd");
	/* Nothing was disturbed */
	{
		__u64 iova = MOCK_APERTURE_START;

		ASSERT_EQ(0, _test_ioctl_ioas_map(fd, ioas_id, buffer, PAGE_SIZE,
						  &iova,
						  IOMMU_IOAS_MAP_FIXED_IOVA |
							  MAP_RW));
		EXPECT_EQ(0, _test_cmd_check_map(fd, hwpt_id, iova, PAGE_SIZE,
						 buffer));
	}

	/* An access file holds the mock too, without any device */
	ASSERT_EQ(0, _test_cmd_create_access(fd, ioas_id, &access_fd, 0));
	ASSERT_EQ(0, _test_ioctl_destroy(fd, stdev_id));
	EXPECT_LT(base_mock, mod_refcnt("iofd_mock"));
	expect_unload_refused("iofd_mock");
	ASSERT_EQ(0, close(access_fd));
	EXPECT_EQ(base_mock, mod_refcnt("iofd_mock"));

	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(base_core, mod_refcnt("iofd"));
	EXPECT_EQ(base_mock, mod_refcnt("iofd_mock"));
}

/* ------------------------------------------------------ killed mappers */

/* A child's exit status, waited for at most @secs; -1 if it is stuck */
static int wait_child(pid_t pid, int secs, int *status)
{
	int i;

	for (i = 0; i != secs * 100; i++) {
		pid_t rc = waitpid(pid, status, WNOHANG);

		if (rc == pid)
			return 0;
		if (rc < 0)
			return -1;
		usleep(10000);
	}
	return -1;
}

/* Where a child that does not die is stuck, as TAP comments */
static void dump_task(pid_t pid)
{
	char path[64], buf[4096];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stack", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = 0;
		fprintf(stderr, "# stuck child %d:\n# %s", (int)pid, buf);
	}
}

/* Become @uid with a memlock limit of @limit bytes and no capabilities */
static int become_user(uid_t uid, unsigned long limit)
{
	struct rlimit rl = { .rlim_cur = limit, .rlim_max = limit };

	if (setrlimit(RLIMIT_MEMLOCK, &rl) || setgroups(0, NULL) ||
	    setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return -1;
	return iofd_has_cap(CAP_IPC_LOCK) ? -1 : 0;
}

/*
 * In a child running as @uid with a memlock limit of @limit: ask to map
 * @limit bytes whose first page cannot be pinned. The charge comes before
 * the pin, so EFAULT means the whole limit was free for @uid and ENOMEM
 * that something is still charged to it. Returns that errno.
 */
static int probe_charge(uid_t uid, unsigned long limit)
{
	int status, fd;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		void *va;
		__u32 ioas;
		__u64 iova;

		fd = open(IOFD_DEV, O_RDWR);
		if (fd < 0 || become_user(uid, limit) ||
		    _test_ioctl_ioas_alloc(fd, &ioas))
			_exit(100);
		va = mmap(NULL, limit, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (va == MAP_FAILED)
			_exit(101);
		if (!_test_ioctl_ioas_map(fd, ioas, va, limit, &iova, MAP_RW))
			_exit(102);
		_exit(errno);
	}
	if (wait_child(pid, 60, &status) || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static unsigned long mem_available(void)
{
	char line[128];
	unsigned long kb = 0;
	FILE *fp;

	fp = fopen("/proc/meminfo", "r");
	if (!fp)
		return 0;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "MemAvailable: %lu kB", &kb) == 1)
			break;
	fclose(fp);
	return kb * 1024;
}

/* Check that no resident page of [@p, +@len) of a file mapping is pinned */
static int check_resident_unpinned(int check_fd, uint8_t *p, size_t len,
				   size_t *resident)
{
	size_t npages = len / PAGE_SIZE, i, run;
	unsigned char *vec;
	int rc = 0;

	vec = malloc(npages);
	if (!vec || mincore(p, len, vec)) {
		free(vec);
		return -1;
	}
	*resident = 0;
	for (i = 0; i != npages && !rc; i += run) {
		run = 1;
		if (!(vec[i] & 1))
			continue;
		while (i + run != npages && (vec[i + run] & 1))
			run++;
		*resident += run;
		rc = _test_cmd_check_refs(check_fd, p + i * PAGE_SIZE,
					  run * PAGE_SIZE, 0);
	}
	free(vec);
	return rc;
}

FIXTURE(killed)
{
	int check_fd;
	int memfd;
	uint8_t *mem;
	size_t size;
	long base_pin_kb;
};

FIXTURE_VARIANT(killed)
{
	bool map_file;
	/* Kill after the map finished instead of during it */
	bool after_map;
};

FIXTURE_VARIANT_ADD(killed, during_map_user_va)
{
	.map_file = false,
};

FIXTURE_VARIANT_ADD(killed, during_map_file)
{
	.map_file = true,
};

FIXTURE_VARIANT_ADD(killed, after_map_with_domain)
{
	.after_map = true,
};

FIXTURE_SETUP(killed)
{
	unsigned long avail = mem_available();

	self->check_fd = -1;
	self->memfd = -1;
	if (variant->after_map) {
		self->size = 16 * MIB;
	} else {
		/* Large, but leave the guest room (it has 2 GiB) */
		self->size = 512 * MIB;
		if (avail < 3 * self->size)
			self->size = (avail / 3) & ~(2 * MIB - 1);
		if (self->size < 64 * MIB)
			SKIP(return, "only %lu MiB available", avail / MIB);
	}
	self->check_fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->check_fd);
	self->mem = iofd_memfd_mmap(self->size, &self->memfd);
	ASSERT_NE(MAP_FAILED, self->mem);
	self->base_pin_kb = iofd_vm_pinned_kb();
	/* The probe must see the charge of a live mapper: it can fail */
	ASSERT_EQ(EFAULT, probe_charge(KILL_UID, self->size));
}

FIXTURE_TEARDOWN(killed)
{
	if (self->check_fd < 0)
		return;
	/* Back to the default batch for the next tests */
	EXPECT_EQ(0, _test_cmd_set_temp_memory_limit(self->check_fd, 0));
	close(self->check_fd);
}

TEST_F_TIMEOUT(killed, sigkill_releases, 180)
{
	int ready[2], status, err;
	uint8_t *last = self->mem + self->size - PAGE_SIZE;
	size_t resident = 0;
	long child_pin;
	char c;
	pid_t pid;
	int i;

	if (!variant->after_map)
		/* 2 pages per pin_user_pages_fast() call: a slow map */
		ASSERT_EQ(0, _test_cmd_set_temp_memory_limit(self->check_fd,
							     16));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		__u32 ioas, stdev;
		__u64 iova = MOCK_APERTURE_START;
		int fd;

		close(ready[0]);
		fd = open(IOFD_DEV, O_RDWR);
		if (fd < 0 || become_user(KILL_UID, self->size) ||
		    _test_ioctl_ioas_alloc(fd, &ioas))
			_exit(100);
		if (variant->after_map &&
		    _test_cmd_mock_domain(fd, ioas, &stdev, NULL, NULL))
			_exit(101);
		if (write(ready[1], "r", 1) != 1)
			_exit(102);
		if (variant->map_file)
			err = _test_ioctl_ioas_map_file(fd, ioas, self->memfd, 0,
							self->size, &iova,
							IOMMU_IOAS_MAP_FIXED_IOVA |
								MAP_RW);
		else
			err = _test_ioctl_ioas_map(fd, ioas, self->mem,
						   self->size, &iova,
						   IOMMU_IOAS_MAP_FIXED_IOVA |
							   MAP_RW);
		if (err)
			_exit(103);
		if (write(ready[1], "m", 1) != 1)
			_exit(104);
		/* Wait for the SIGKILL with everything in place */
		pause();
		_exit(105);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ('r', c);

	if (variant->after_map) {
		ASSERT_EQ(1, read(ready[0], &c, 1));
		ASSERT_EQ('m', c);
		EXPECT_EQ(0, _test_cmd_check_refs(self->check_fd, self->mem,
						  self->size, 1));
	} else {
		/* Pinning has begun once the first page holds a pin */
		for (i = 0; i != 20000; i++) {
			if (!_test_cmd_check_refs(self->check_fd, self->mem,
						  PAGE_SIZE, 1))
				break;
			usleep(1000);
		}
		ASSERT_NE(20000, i) TH_LOG("the map never started pinning");
		/* ... and is far from done */
		EXPECT_EQ(0, _test_cmd_check_refs(self->check_fd, last,
						  PAGE_SIZE, 0));
	}
	/* The whole length was charged up front: VmPin and the user's limit */
	child_pin = iofd_proc_status_kb(pid, "VmPin:");
	EXPECT_EQ((long)(self->size / 1024), child_pin);
	EXPECT_EQ(ENOMEM, probe_charge(KILL_UID, self->size));

	ASSERT_EQ(0, kill(pid, SIGKILL));
	if (wait_child(pid, 60, &status)) {
		dump_task(pid);
		ASSERT_TRUE(false) TH_LOG("child %d survives SIGKILL", pid);
	}
	/* Killed, not finished: the kill did land in the map */
	ASSERT_TRUE(WIFSIGNALED(status))
		TH_LOG("child exited %d: map ended before the kill",
		       WEXITSTATUS(status));
	ASSERT_EQ(SIGKILL, WTERMSIG(status));

	/* No page stays pinned, no charge stays with the user */
	if (variant->after_map)
		EXPECT_EQ(0, _test_cmd_check_refs(self->check_fd, self->mem,
						  self->size, 0));
	EXPECT_EQ(0, check_resident_unpinned(self->check_fd, self->mem,
					     self->size, &resident));
	EXPECT_NE(0, resident);
	fprintf(stderr, "# %zu of %zu pages were pinned when the child died\n",
		resident, self->size / PAGE_SIZE);
	EXPECT_EQ(EFAULT, probe_charge(KILL_UID, self->size));
	EXPECT_EQ(self->base_pin_kb, iofd_vm_pinned_kb());
	close(ready[0]);
}

/* --------------------------------------------------- passing the file */

static int send_fd(int sock, int fd, const void *data, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	struct cmsghdr *cmsg;

	if (fd >= 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, 0) == (ssize_t)len ? 0 : -1;
}

/* Returns the descriptor received (or -1), @data filled */
static int recv_fd(int sock, void *data, size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	struct iovec iov = { .iov_base = data, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd = -1;

	if (recvmsg(sock, &msg, 0) != (ssize_t)len)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg && cmsg->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* IDs passed between the processes */
struct ids {
	__u32 ioas, hwpt, stdev;
	/* made by the receiver */
	__u32 new_ioas, new_stdev, new_hwpt;
	__u32 step;	/* 0: all went well, else the receiver's failed step */
};

FIXTURE(share)
{
	int check_fd;
	uint8_t *mem;	/* LPAGES, shared by parent and children */
};

FIXTURE_SETUP(share)
{
	self->mem = mmap(NULL, LPAGES * PAGE_SIZE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->mem);
	memset(self->mem, 0x3c, LPAGES * PAGE_SIZE);
	self->check_fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->check_fd);
}

FIXTURE_TEARDOWN(share)
{
	/* Everyone is gone: nothing of theirs may stay pinned */
	EXPECT_EQ(0, _test_cmd_check_refs(self->check_fd, self->mem,
					  LPAGES * PAGE_SIZE, 0));
	close(self->check_fd);
}

#define HALF (LPAGES / 2 * PAGE_SIZE)

/*
 * The receiver's side: use what it was given, add a mapping of the second
 * half of @mem and objects of its own, report their IDs, wait for "x".
 */
static void receiver(int sock, uint8_t *mem)
{
	struct ids ids;
	__u64 iova = MOCK_APERTURE_START + MIB;
	char c;
	int fd;

	fd = recv_fd(sock, &ids, sizeof(ids));
	ids.step = 1;
	if (fd < 0)
		goto out;
	/* The objects it was given work */
	ids.step++;
	if (_test_cmd_check_map(fd, ids.hwpt, MOCK_APERTURE_START, HALF, mem))
		goto out;
	ids.step++;
	if (_test_ioctl_ioas_map(fd, ids.ioas, mem + HALF, HALF, &iova,
				 IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW))
		goto out;
	ids.step++;
	if (_test_cmd_check_map(fd, ids.hwpt, iova, HALF, mem + HALF))
		goto out;
	/* And new ones can be made */
	ids.step++;
	if (_test_ioctl_ioas_alloc(fd, &ids.new_ioas))
		goto out;
	ids.step++;
	if (_test_cmd_mock_domain(fd, ids.ioas, &ids.new_stdev, &ids.new_hwpt,
				  NULL))
		goto out;
	ids.step++;
	if (_test_cmd_check_map(fd, ids.new_hwpt, iova, HALF, mem + HALF))
		goto out;
	ids.step = 0;
out:
	if (send_fd(sock, -1, &ids, sizeof(ids)))
		_exit(1);
	/* Exit (closing nothing by hand) when told */
	if (read(sock, &c, 1) != 1)
		_exit(2);
	_exit(0);
}

/* The parent's context, mapped and with a device; IDs in @ids */
static int make_ctx(struct __test_metadata *_metadata, uint8_t *mem,
		    struct ids *ids)
{
	__u64 iova = MOCK_APERTURE_START;
	int fd;

	memset(ids, 0, sizeof(*ids));
	fd = open(IOFD_DEV, O_RDWR);
	EXPECT_NE(-1, fd);
	if (fd < 0)
		return -1;
	EXPECT_EQ(0, _test_ioctl_ioas_alloc(fd, &ids->ioas));
	EXPECT_EQ(0, _test_ioctl_ioas_map(fd, ids->ioas, mem, HALF, &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW));
	EXPECT_EQ(0, _test_cmd_mock_domain(fd, ids->ioas, &ids->stdev,
					   &ids->hwpt, NULL));
	return fd;
}

/* The receiver becomes the only holder; its exit releases everything */
TEST_F(share, scm_rights_receiver_last)
{
	struct ids ids;
	int sv[2], fd, status;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	/* Forked before the open: it can only get the file by message */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(sv[0]);
		close(self->check_fd);
		receiver(sv[1], self->mem);
	}
	close(sv[1]);
	fd = make_ctx(_metadata, self->mem, &ids);
	ASSERT_NE(-1, fd);
	ASSERT_EQ(0, send_fd(sv[0], fd, &ids, sizeof(ids)));
	/* Gone from here; the receiver's copy keeps it alive */
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(0, _test_cmd_check_refs(self->check_fd, self->mem, HALF, 1));

	ASSERT_EQ(-1, recv_fd(sv[0], &ids, sizeof(ids)));
	EXPECT_EQ(0, ids.step) TH_LOG("receiver failed at step %u", ids.step);
	EXPECT_EQ(0, _test_cmd_check_refs(self->check_fd, self->mem,
					  LPAGES * PAGE_SIZE, 1));
	ASSERT_EQ(1, write(sv[0], "x", 1));
	ASSERT_EQ(0, wait_child(pid, 30, &status));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	close(sv[0]);
	/* Teardown: its exit released every pin */
}

/* Both keep it: the sender sees and can undo what the receiver made */
TEST_F(share, scm_rights_sender_keeps)
{
	struct ids ids;
	int sv[2], fd, status;
	__u64 len = 0;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(sv[0]);
		close(self->check_fd);
		receiver(sv[1], self->mem);
	}
	close(sv[1]);
	fd = make_ctx(_metadata, self->mem, &ids);
	ASSERT_NE(-1, fd);
	ASSERT_EQ(0, send_fd(sv[0], fd, &ids, sizeof(ids)));
	ASSERT_EQ(-1, recv_fd(sv[0], &ids, sizeof(ids)));
	ASSERT_EQ(0, ids.step) TH_LOG("receiver failed at step %u", ids.step);
	ASSERT_EQ(1, write(sv[0], "x", 1));
	ASSERT_EQ(0, wait_child(pid, 30, &status));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	close(sv[0]);

	/* The receiver is gone, its objects and pins stay with the file */
	EXPECT_EQ(0, _test_cmd_check_refs(fd, self->mem, LPAGES * PAGE_SIZE,
					  1));
	EXPECT_EQ(0, _test_cmd_check_map(fd, ids.new_hwpt,
					 MOCK_APERTURE_START + MIB, HALF,
					 self->mem + HALF));
	EXPECT_EQ(0, _test_ioctl_destroy(fd, ids.new_stdev));
	EXPECT_EQ(0, _test_ioctl_destroy(fd, ids.new_ioas));
	EXPECT_EQ(0, _test_ioctl_ioas_unmap(fd, ids.ioas,
					    MOCK_APERTURE_START + MIB, HALF,
					    &len));
	EXPECT_EQ(HALF, len);
	EXPECT_EQ(0, _test_cmd_check_refs(fd, self->mem + HALF, HALF, 0));
	EXPECT_EQ(0, close(fd));
}

/*
 * fork(): the child's descriptor is the same file. The context charges
 * per process (RLIMIT_MODE 1) and the child pins without CAP_IPC_LOCK, so
 * its pins are charged to its own mm, which is gone when the parent
 * unmaps them.
 */
TEST_F(share, fork_child_then_parent)
{
	struct ids ids;
	int pfd[2], fd, status;
	__u64 len = 0;
	pid_t pid;

	fd = make_ctx(_metadata, self->mem, &ids);
	ASSERT_NE(-1, fd);
	/* Only an empty context may change mode: a new one */
	ASSERT_EQ(0, close(fd));
	fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, fd);
	ASSERT_EQ(0, _test_ioctl_set_rlimit_mode(fd, 1));
	{
		__u64 iova = MOCK_APERTURE_START;

		ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd, &ids.ioas));
		ASSERT_EQ(0, _test_ioctl_ioas_map(fd, ids.ioas, self->mem, HALF,
						  &iova,
						  IOMMU_IOAS_MAP_FIXED_IOVA |
							  MAP_RW));
		ASSERT_EQ(0, _test_cmd_mock_domain(fd, ids.ioas, &ids.stdev,
						   &ids.hwpt, NULL));
	}
	ASSERT_EQ(0, pipe(pfd));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long lck0;

		close(pfd[0]);
		if (iofd_drop_cap(CAP_IPC_LOCK))
			_exit(1);
		lck0 = iofd_vm_locked_kb();
		/* receiver() works on the same file without any message */
		ids.step = 1;
		if (!_test_cmd_check_map(fd, ids.hwpt, MOCK_APERTURE_START,
					 HALF, self->mem)) {
			__u64 iova = MOCK_APERTURE_START + MIB;

			ids.step = 2;
			if (!_test_ioctl_ioas_map(fd, ids.ioas, self->mem + HALF,
						  HALF, &iova,
						  IOMMU_IOAS_MAP_FIXED_IOVA |
							  MAP_RW) &&
			    iofd_vm_locked_kb() == lck0 + (long)(HALF / 1024) &&
			    !_test_cmd_mock_domain(fd, ids.ioas, &ids.new_stdev,
						   &ids.new_hwpt, NULL))
				ids.step = 0;
		}
		if (write(pfd[1], &ids, sizeof(ids)) != sizeof(ids))
			_exit(2);
		close(fd);
		_exit(0);
	}
	close(pfd[1]);
	ASSERT_EQ(sizeof(ids), read(pfd[0], &ids, sizeof(ids)));
	close(pfd[0]);
	ASSERT_EQ(0, wait_child(pid, 30, &status));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	ASSERT_EQ(0, ids.step) TH_LOG("child failed at step %u", ids.step);

	/* The child closed its copy and died; the context is whole */
	EXPECT_EQ(0, _test_cmd_check_refs(fd, self->mem, LPAGES * PAGE_SIZE,
					  1));
	EXPECT_EQ(0, _test_cmd_check_map(fd, ids.new_hwpt,
					 MOCK_APERTURE_START + MIB, HALF,
					 self->mem + HALF));
	EXPECT_EQ(0, _test_ioctl_destroy(fd, ids.new_stdev));
	/* Uncharges the dead child's mm */
	EXPECT_EQ(0, _test_ioctl_ioas_unmap(fd, ids.ioas,
					    MOCK_APERTURE_START + MIB, HALF,
					    &len));
	EXPECT_EQ(HALF, len);
	EXPECT_EQ(0, close(fd));
}

/* The parent closes first; the child's copy carries on alone */
TEST_F(share, fork_parent_then_child)
{
	struct ids ids;
	int go[2], status, fd;
	pid_t pid;
	char c;

	fd = make_ctx(_metadata, self->mem, &ids);
	ASSERT_NE(-1, fd);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		__u64 iova = MOCK_APERTURE_START + MIB;
		__u32 stdev, hwpt;

		close(go[1]);
		/* Wait until the parent has closed its copy */
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		if (_test_cmd_check_map(fd, ids.hwpt, MOCK_APERTURE_START,
					HALF, self->mem))
			_exit(2);
		if (_test_ioctl_ioas_map(fd, ids.ioas, self->mem + HALF, HALF,
					 &iova,
					 IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW))
			_exit(3);
		if (_test_cmd_mock_domain(fd, ids.ioas, &stdev, &hwpt, NULL) ||
		    _test_cmd_check_map(fd, hwpt, iova, HALF, self->mem + HALF))
			_exit(4);
		if (_test_cmd_check_refs(fd, self->mem, LPAGES * PAGE_SIZE, 1))
			_exit(5);
		/* Exit with everything in place */
		_exit(0);
	}
	close(go[0]);
	ASSERT_EQ(0, close(fd));
	EXPECT_EQ(0, _test_cmd_check_refs(self->check_fd, self->mem, HALF, 1));
	ASSERT_EQ(1, write(go[1], "g", 1));
	close(go[1]);
	ASSERT_EQ(0, wait_child(pid, 30, &status));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status))
		TH_LOG("child failed at step %d", WEXITSTATUS(status));
	/* Teardown: the last holder's exit released every pin */
}

/* ------------------------------------------- unload and load again */

/*
 * Last in this file: the modules are unloaded and loaded again from the
 * image (hardware drivers such as iofd_vtd first). Needs the test guest
 * (its /etc/iofd/modules and module files) and nobody else using them.
 */
TEST_F_TIMEOUT(share, zz_rmmod_after_close_then_reload, 120)
{
	struct stat st;
	__u32 ioas, stdev;
	__u64 iova = MOCK_APERTURE_START;
	int fd, i, rc, others;

	if (!image_has("iofd.ko") || !image_has("iofd_mock.ko"))
		SKIP(return, "not in the test guest (no %s with iofd.ko and iofd_mock.ko)",
		     MODLIST);
	if (!mod_loaded("iofd") || !mod_loaded("iofd_mock"))
		SKIP(return, "iofd and iofd_mock are not both loaded");
	others = mod_unload_other_holders();
	if (others < 0 || mod_other_holders("iofd", "iofd_mock") ||
	    mod_other_holders("iofd_mock", NULL))
		SKIP(return, "other modules use iofd or iofd_mock");
	/*
	 * The fixture's check descriptor and the mock (a module holds a
	 * reference on each module it uses) are all iofd may count.
	 */
	if (mod_refcnt("iofd") != 2 || mod_refcnt("iofd_mock") != 0) {
		show_dev_users();
		SKIP(return, "iofd/iofd_mock in use elsewhere (refcnt %ld/%ld)",
		     mod_refcnt("iofd"), mod_refcnt("iofd_mock"));
	}
	ASSERT_EQ(0, close(self->check_fd));
	self->check_fd = -1;

	/* A context without mock objects does not hold the mock */
	fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, fd);
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, _test_ioctl_ioas_map(fd, ioas, self->mem, HALF, &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW));
	rc = mod_unload("iofd_mock");
	EXPECT_EQ(0, rc) TH_LOG("delete_module(iofd_mock): %s",
				strerror(errno));
	if (!rc) {
		/* The test command is gone, the rest keeps working */
		EXPECT_ERRNO(ENOTTY, _test_cmd_check_refs(fd, self->mem, HALF,
							  1));
		EXPECT_EQ(0, _test_ioctl_ioas_unmap(fd, ioas, iova, HALF,
						    NULL));
	}
	/* The open context holds the core, now that no module does */
	expect_unload_refused("iofd");
	EXPECT_EQ(0, close(fd));
	for (i = 0; i != 50; i++) {
		rc = mod_unload("iofd");
		if (!rc || errno != EAGAIN)
			break;
		usleep(20000);
	}
	EXPECT_EQ(0, rc) TH_LOG("delete_module(iofd) after close: %s",
				strerror(errno));
	if (!rc)
		EXPECT_ERRNO(ENOENT, stat(IOFD_DEV, &st));

	/* Load them all again as the guest did, and check they work */
	EXPECT_EQ(2 + others, mod_restore());
	ASSERT_TRUE(mod_loaded("iofd") && mod_loaded("iofd_mock"));
	ASSERT_EQ(0, stat(IOFD_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0660, st.st_mode & 07777);
	EXPECT_EQ(0, (int)st.st_uid);
	EXPECT_EQ(0, (int)st.st_gid);
	fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, fd);
	ASSERT_EQ(0, _test_ioctl_ioas_alloc(fd, &ioas));
	ASSERT_EQ(0, _test_ioctl_ioas_map(fd, ioas, self->mem, HALF, &iova,
					  IOMMU_IOAS_MAP_FIXED_IOVA | MAP_RW));
	EXPECT_EQ(0, _test_cmd_mock_domain(fd, ioas, &stdev, NULL, NULL));
	EXPECT_EQ(0, _test_cmd_check_refs(fd, self->mem, HALF, 1));
	EXPECT_EQ(0, close(fd));
	self->check_fd = open(IOFD_DEV, O_RDWR);
	ASSERT_NE(-1, self->check_fd);
}

TEST_HARNESS_MAIN
