// SPDX-License-Identifier: GPL-2.0
/*
 * What the core exports to vendor drivers: registration and the helpers
 * that read driver-format data from userspace with the uAPI's own
 * extensibility rule (copy_struct_from_user()).
 */
#define pr_fmt(fmt) "iofd: " fmt

#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/list.h>
#include <linux/uaccess.h>
#include <linux/overflow.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include "iofd_private.h"

/* Registered drivers; under iofd_drivers_lock */
static LIST_HEAD(iofd_drivers);
static DEFINE_MUTEX(iofd_drivers_lock);

int iofd_driver_register(struct iofd_driver *driver)
{
	mutex_lock(&iofd_drivers_lock);
	list_add_tail(&driver->node, &iofd_drivers);
	mutex_unlock(&iofd_drivers_lock);
	pr_info("driver %s registered\n", driver->name);
	return 0;
}
EXPORT_SYMBOL_GPL(iofd_driver_register);

void iofd_driver_unregister(struct iofd_driver *driver)
{
	mutex_lock(&iofd_drivers_lock);
	list_del(&driver->node);
	mutex_unlock(&iofd_drivers_lock);
	/* Real devices it still controls go back to it, then to the kernel */
	iofd_pci_release_driver(driver);
}
EXPORT_SYMBOL_GPL(iofd_driver_unregister);

/*
 * The first registered driver whose probe_device() takes @dev, with a
 * reference on its module that the caller keeps while the device is bound
 * and gives back with module_put(); ERR_PTR(-ENODEV) when none does.
 */
struct iofd_device *iofd_driver_probe_device(struct device *dev)
{
	struct iofd_device *idevice = ERR_PTR(-ENODEV);
	struct iofd_driver *driver;

	mutex_lock(&iofd_drivers_lock);
	list_for_each_entry(driver, &iofd_drivers, node) {
		if (!driver->ops->probe_device ||
		    !try_module_get(driver->owner))
			continue;
		idevice = driver->ops->probe_device(dev);
		if (!IS_ERR(idevice))
			break;
		module_put(driver->owner);
		if (PTR_ERR(idevice) != -ENODEV)
			break;
	}
	mutex_unlock(&iofd_drivers_lock);
	return idevice;
}

/*
 * @strict, as upstream's iommu_copy_struct_from_user(): more bytes than the
 * kernel struct is -EINVAL.  Otherwise the uAPI's own rule: a zero tail is
 * accepted, a non-zero one is -E2BIG.
 */
static int iofd_copy_user(void *dst, size_t size, size_t min_size,
			  const void __user *uptr, u32 len, u32 type,
			  u32 want_type, bool strict)
{
	/* Drivers check the type first and answer -EOPNOTSUPP themselves */
	if (type != want_type || len < min_size || (strict && len > size))
		return -EINVAL;
	if (iofd_should_fail())
		return -ENOMEM;
	return copy_struct_from_user(dst, size, uptr, len);
}

int iofd_copy_user_data(void *dst, size_t size, size_t min_size,
			const struct iofd_user_data *data, u32 type)
{
	return iofd_copy_user(dst, size, min_size, data->uptr, data->len,
			      data->type, type, true);
}
EXPORT_SYMBOL_GPL(iofd_copy_user_data);

static int iofd_copy_entry(void *dst, size_t size, size_t min_size,
			   const struct iofd_user_array *array, u32 index,
			   u32 type, bool strict)
{
	size_t offset;

	if (index >= array->entry_num ||
	    check_mul_overflow((size_t)array->entry_len, (size_t)index,
			       &offset))
		return -EINVAL;
	return iofd_copy_user(dst, size, min_size, array->uptr + offset,
			      array->entry_len, array->type, type, strict);
}

int iofd_copy_user_array_entry(void *dst, size_t size, size_t min_size,
			       const struct iofd_user_array *array, u32 index,
			       u32 type)
{
	return iofd_copy_entry(dst, size, min_size, array, index, type, true);
}
EXPORT_SYMBOL_GPL(iofd_copy_user_array_entry);

/*
 * Bytes of entries read per copy_from_user() when the user lays them out
 * exactly as the kernel struct (the common case): one user access per
 * chunk instead of one per entry.
 */
#define IOFD_ARRAY_CHUNK_BYTES	256

/* Entries [@index, @index + @n) of @array into @buf; -EFAULT or injected */
static int iofd_copy_chunk(void *buf, const struct iofd_user_array *array,
			   u32 index, u32 n)
{
	if (iofd_should_fail())
		return -ENOMEM;
	if (copy_from_user(buf, array->uptr + (size_t)index * array->entry_len,
			   (size_t)n * array->entry_len))
		return -EFAULT;
	return 0;
}

/*
 * Handle a user invalidation array of @type entry by entry: each is
 * copied into @entry (@size bytes, at least @min_size from the user; with
 * @strict longer entries are -EINVAL, else a zero tail is accepted as in
 * iofd_copy_user_array_entry_ext()) and given to @one.  The first failure stops
 * the walk; array->entry_num becomes the number handled, whatever the
 * outcome (the uAPI's rule).  A wrong @type is -EINVAL, even with no
 * entries.  Entries of exactly @size bytes are read a chunk at a time; a
 * chunk that faults is read again entry by entry, so entry_num still
 * names the first entry that could not be read.
 */
int iofd_user_array_for_each(struct iofd_user_array *array, u32 type,
			     void *entry, size_t size, size_t min_size,
			     bool strict,
			     int (*one)(void *ctx, const void *entry),
			     void *ctx)
{
	u64 chunk[IOFD_ARRAY_CHUNK_BYTES / sizeof(u64)];
	u32 done = 0, per_chunk = 0, left = 0;
	const u8 *next = NULL;
	int rc = 0;

	if (array->type != type) {
		rc = -EINVAL;
		goto out;
	}
	if (array->entry_len == size && size >= min_size &&
	    size <= sizeof(chunk))
		per_chunk = sizeof(chunk) / size;
	for (; done != array->entry_num; done++) {
		const void *cur = entry;

		if (per_chunk && !left) {
			u32 n = min(per_chunk, array->entry_num - done);

			rc = iofd_copy_chunk(chunk, array, done, n);
			if (rc == -ENOMEM)
				break;
			if (!rc) {
				left = n;
				next = (const u8 *)chunk;
			}
		}
		if (left) {
			cur = next;
			next += size;
			left--;
			rc = 0;
		} else {
			rc = iofd_copy_entry(entry, size, min_size, array, done,
					     type, strict);
		}
		if (!rc)
			rc = one(ctx, cur);
		if (rc)
			break;
		if (left)
			continue;
		/* entry_num is the user's: up to 2^32 entries */
		if (fatal_signal_pending(current)) {
			done++;
			rc = -EINTR;
			break;
		}
		cond_resched();
	}
out:
	array->entry_num = done;
	return rc;
}
EXPORT_SYMBOL_GPL(iofd_user_array_for_each);

int iofd_copy_user_array_entry_ext(void *dst, size_t size, size_t min_size,
				   const struct iofd_user_array *array,
				   u32 index, u32 type)
{
	return iofd_copy_entry(dst, size, min_size, array, index, type, false);
}
EXPORT_SYMBOL_GPL(iofd_copy_user_array_entry_ext);

/*
 * Write a driver's reply into the user's data buffer (a vIOMMU's output
 * fields): the first min(@size, data->len) bytes of @src.
 */
int iofd_copy_to_user_data(const struct iofd_user_data *data, const void *src,
			   size_t size)
{
	if (copy_to_user((void __user *)data->uptr, src,
			 min_t(size_t, size, data->len)))
		return -EFAULT;
	return 0;
}
EXPORT_SYMBOL_GPL(iofd_copy_to_user_data);

/*
 * Copy @len bytes of host RAM at @pa (within one page) for the table
 * walkers; -EFAULT for anything that is not RAM.  @ctx is unused.
 */
int iofd_read_ram(void *ctx, u64 pa, void *buf, size_t len)
{
	unsigned long pfn = PHYS_PFN(pa);
	void *va;

	if (!pfn_valid(pfn) || offset_in_page(pa) + len > PAGE_SIZE ||
	    !page_is_ram(pfn))
		return -EFAULT;
	va = kmap_local_page(pfn_to_page(pfn));
	memcpy(buf, va + offset_in_page(pa), len);
	kunmap_local(va);
	return 0;
}
EXPORT_SYMBOL_GPL(iofd_read_ram);
