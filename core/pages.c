// SPDX-License-Identifier: GPL-2.0
/*
 * Pinned memory behind IOAS mappings.
 *
 * iofd-oot pins at map time: IOAS_MAP / IOAS_MAP_FILE pin every page at
 * once and charge them against RLIMIT_MEMLOCK, so errors surface in the map
 * call and attaching a domain later can never fail for lack of memory to
 * pin.  (Upstream pins lazily, when the first domain or access needs the
 * pages; a VMM maps guest RAM and attaches anyway.)  An iopt_pages is
 * immutable after creation and shared by every area that maps it:
 * IOAS_COPY takes a reference, never a second pin.
 *
 * 6.1 has no memfd_pin_folios(): a memfd is pinned by mapping it into the
 * caller's address space for the duration of the pin (vm_mmap), which
 * leaves shmem pages pinned exactly as if the user had mmap'ed them.
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/shmem_fs.h>
#include <linux/file.h>
#include <linux/slab.h>
#include "iofd_private.h"

/* Pages per pin_user_pages_fast() call; tests shrink it to reach edges */
#define IOFD_PIN_BATCH_DEFAULT 512
unsigned int iofd_pin_batch = IOFD_PIN_BATCH_DEFAULT;

void iofd_test_set_pin_batch(unsigned int pages)
{
	WRITE_ONCE(iofd_pin_batch, pages ? pages : IOFD_PIN_BATCH_DEFAULT);
}
EXPORT_SYMBOL_GPL(iofd_test_set_pin_batch);

/*
 * Charge RLIMIT_MEMLOCK.  Every mode also adds to mm->pinned_vm, so the
 * process's VmPin always shows what iofd pinned for it, as upstream.
 */
static int iopt_pages_charge(struct iopt_pages *pages)
{
	unsigned long lock_limit, cur;
	int rc;

	switch (pages->account_mode) {
	case IOFD_ACCOUNT_MM:
		rc = account_locked_vm(pages->mm, pages->npages, true);
		if (rc)
			return rc;
		break;
	case IOFD_ACCOUNT_USER:
		lock_limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
		cur = atomic_long_add_return(pages->npages,
					     &pages->user->locked_vm);
		if (cur > lock_limit) {
			atomic_long_sub(pages->npages, &pages->user->locked_vm);
			return -ENOMEM;
		}
		break;
	}
	atomic64_add(pages->npages, &pages->mm->pinned_vm);
	return 0;
}

static void iopt_pages_uncharge(struct iopt_pages *pages)
{
	switch (pages->account_mode) {
	case IOFD_ACCOUNT_MM:
		account_locked_vm(pages->mm, pages->npages, false);
		break;
	case IOFD_ACCOUNT_USER:
		atomic_long_sub(pages->npages, &pages->user->locked_vm);
		break;
	}
	atomic64_sub(pages->npages, &pages->mm->pinned_vm);
}

static struct iopt_pages *iopt_pages_alloc(unsigned long npages,
					   bool writable, u8 account_mode)
{
	struct iopt_pages *pages;

	if (iofd_should_fail())
		return ERR_PTR(-ENOMEM);
	pages = kzalloc(sizeof(*pages), GFP_KERNEL_ACCOUNT);
	if (!pages)
		return ERR_PTR(-ENOMEM);
	pages->pages = kvcalloc(npages, sizeof(*pages->pages),
				GFP_KERNEL_ACCOUNT);
	if (!pages->pages) {
		kfree(pages);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&pages->kref);
	pages->npages = npages;
	pages->writable = writable;
	/* CAP_IPC_LOCK lifts the limit and the charge, as upstream */
	pages->account_mode = capable(CAP_IPC_LOCK) ? IOFD_ACCOUNT_NONE :
			      account_mode;
	pages->user = get_uid(current_user());
	pages->mm = current->mm;
	mmgrab(pages->mm);
	return pages;
}

static void iopt_pages_free_struct(struct iopt_pages *pages)
{
	if (pages->file)
		fput(pages->file);
	mmdrop(pages->mm);
	free_uid(pages->user);
	kvfree(pages->pages);
	kfree(pages);
}

/* Pin [addr, addr + npages pages) of current->mm into pages->pages */
static int iopt_pages_pin_range(struct iopt_pages *pages, unsigned long addr)
{
	unsigned int gup_flags = FOLL_LONGTERM;
	unsigned long done = 0;
	long rc;

	if (pages->writable)
		gup_flags |= FOLL_WRITE;
	while (done != pages->npages) {
		unsigned long batch = min_t(unsigned long,
					    pages->npages - done,
					    READ_ONCE(iofd_pin_batch));

		if (iofd_should_fail()) {
			rc = -ENOMEM;
			goto err_unpin;
		}
		if (fatal_signal_pending(current)) {
			rc = -EINTR;
			goto err_unpin;
		}
		rc = pin_user_pages_fast(addr + done * PAGE_SIZE, batch,
					 gup_flags, pages->pages + done);
		if (rc <= 0) {
			if (!rc)
				rc = -EFAULT;
			goto err_unpin;
		}
		done += rc;
		cond_resched();
	}
	return 0;

err_unpin:
	unpin_user_pages(pages->pages, done);
	return rc;
}

static int iopt_pages_check_range(unsigned long start, unsigned long length,
				  unsigned long *npages)
{
	unsigned long last;

	if (!length)
		return -EINVAL;
	if (check_add_overflow(start, length - 1, &last))
		return -EOVERFLOW;
	*npages = (last >> PAGE_SHIFT) - (start >> PAGE_SHIFT) + 1;
	/* kvcalloc() of the page array and pin_user_pages_fast()'s int */
	if (*npages > (ULONG_MAX / sizeof(struct page *)) ||
	    *npages > totalram_pages())
		return -ENOMEM;
	return 0;
}

/*
 * Pin the user range [uptr, uptr + length); the result covers whole pages,
 * the caller keeps uptr's offset into the first page.
 */
struct iopt_pages *iopt_pages_pin_user(unsigned long uptr,
				       unsigned long length, bool writable,
				       u8 account_mode)
{
	struct iopt_pages *pages;
	unsigned long npages;
	int rc;

	rc = iopt_pages_check_range(uptr, length, &npages);
	if (rc)
		return ERR_PTR(rc);
	if (!access_ok((void __user *)uptr, length))
		return ERR_PTR(-EFAULT);
	pages = iopt_pages_alloc(npages, writable, account_mode);
	if (IS_ERR(pages))
		return pages;
	rc = iopt_pages_charge(pages);
	if (rc)
		goto err_free;
	rc = iopt_pages_pin_range(pages, uptr & PAGE_MASK);
	if (rc)
		goto err_uncharge;
	return pages;

err_uncharge:
	iopt_pages_uncharge(pages);
err_free:
	iopt_pages_free_struct(pages);
	return ERR_PTR(rc);
}

/*
 * Remove the temporary mapping of a memfd from the caller's address space.
 * Unmapping can need memory (maple-tree nodes) and fail with -ENOMEM,
 * which would leave the user with a mapping it never asked for: retry,
 * the failure is transient (measured with failslab on the debug kernel).
 */
static void iofd_vm_munmap(unsigned long uaddr, size_t len)
{
	unsigned int tries = 0;

	while (vm_munmap(uaddr, len) == -ENOMEM && ++tries < 1000)
		cond_resched();
	if (tries == 1000)
		pr_warn_ratelimited("iofd: temporary memfd mapping at 0x%lx left in place\n",
				    uaddr);
}

/*
 * Pin [start, start + length) of a memfd.  Only shmem-backed files are
 * accepted: long-term pins of page-cache pages of a real file system would
 * block writeback.
 */
struct iopt_pages *iopt_pages_pin_file(struct file *file, u64 start,
				       unsigned long length, bool writable,
				       u8 account_mode)
{
	unsigned long npages, prot, uaddr, map_len;
	struct iopt_pages *pages;
	u64 last;
	int rc;

	if (!file->f_mapping || file->f_mapping->a_ops != &shmem_aops)
		return ERR_PTR(-EINVAL);
	if (!(file->f_mode & FMODE_READ))
		return ERR_PTR(-EBADF);
	if (writable && !(file->f_mode & FMODE_WRITE))
		return ERR_PTR(-EPERM);
	if (start > ULONG_MAX)
		return ERR_PTR(-EOVERFLOW);
	rc = iopt_pages_check_range(start, length, &npages);
	if (rc)
		return ERR_PTR(rc);
	last = start + length - 1;
	if (last >= i_size_read(file_inode(file)))
		return ERR_PTR(-EINVAL);

	pages = iopt_pages_alloc(npages, writable, account_mode);
	if (IS_ERR(pages))
		return pages;
	pages->file = get_file(file);
	rc = iopt_pages_charge(pages);
	if (rc)
		goto err_free;

	map_len = npages << PAGE_SHIFT;
	prot = PROT_READ | (writable ? PROT_WRITE : 0);
	uaddr = vm_mmap(file, 0, map_len, prot, MAP_SHARED,
			start & PAGE_MASK);
	if (IS_ERR_VALUE(uaddr)) {
		rc = (long)uaddr;
		goto err_uncharge;
	}
	rc = iopt_pages_pin_range(pages, uaddr);
	iofd_vm_munmap(uaddr, map_len);
	if (rc)
		goto err_uncharge;
	return pages;

err_uncharge:
	iopt_pages_uncharge(pages);
err_free:
	iopt_pages_free_struct(pages);
	return ERR_PTR(rc);
}

static void iopt_pages_release(struct kref *kref)
{
	struct iopt_pages *pages = container_of(kref, struct iopt_pages, kref);

	unpin_user_pages_dirty_lock(pages->pages, pages->npages,
				    pages->writable);
	iopt_pages_uncharge(pages);
	iopt_pages_free_struct(pages);
}

void iopt_pages_put(struct iopt_pages *pages)
{
	kref_put(&pages->kref, iopt_pages_release);
}
