#include <linux/module.h>
#define INCLUDE_VERMAGIC
#include <linux/build-salt.h>
#include <linux/elfnote-lto.h>
#include <linux/export-internal.h>
#include <linux/vermagic.h>
#include <linux/compiler.h>

BUILD_SALT;
BUILD_LTO_INFO;

MODULE_INFO(vermagic, VERMAGIC_STRING);
MODULE_INFO(name, KBUILD_MODNAME);

__visible struct module __this_module
__section(".gnu.linkonce.this_module") = {
	.name = KBUILD_MODNAME,
	.init = init_module,
#ifdef CONFIG_MODULE_UNLOAD
	.exit = cleanup_module,
#endif
	.arch = MODULE_ARCH_INIT,
};

#ifdef CONFIG_RETPOLINE
MODULE_INFO(retpoline, "Y");
#endif

SYMBOL_CRC(iofd_object_put, 0x4f8644a7, "_gpl");
SYMBOL_CRC(iofd_driver_object_alloc, 0x32b61303, "_gpl");
SYMBOL_CRC(iofd_driver_object_finalize, 0x0f6acf9b, "_gpl");
SYMBOL_CRC(iofd_driver_object_abort, 0xf7fdf3f2, "_gpl");
SYMBOL_CRC(iofd_driver_object_get, 0x6e560741, "_gpl");
SYMBOL_CRC(iofd_ucmd_respond, 0xbd7f9606, "_gpl");
SYMBOL_CRC(iofd_test_cmd_register, 0x30023364, "_gpl");
SYMBOL_CRC(iofd_test_cmd_unregister, 0x28b667e0, "_gpl");
SYMBOL_CRC(iofd_ctx_from_file, 0x2059b3e9, "_gpl");
SYMBOL_CRC(iofd_ctx_put, 0xef7d8663, "_gpl");
SYMBOL_CRC(iofd_driver_register, 0xd38b6e9d, "_gpl");
SYMBOL_CRC(iofd_driver_unregister, 0x7a887d68, "_gpl");
SYMBOL_CRC(iofd_test_set_pin_batch, 0xa5d72d4e, "_gpl");
SYMBOL_CRC(iofd_hwpt_get_domain, 0x427edaaa, "_gpl");
SYMBOL_CRC(iofd_device_bind, 0x8f614d8f, "_gpl");
SYMBOL_CRC(iofd_device_unbind, 0xddb48fd2, "_gpl");
SYMBOL_CRC(iofd_device_attach, 0xecd7ad7e, "_gpl");
SYMBOL_CRC(iofd_device_replace, 0xa5b13c68, "_gpl");
SYMBOL_CRC(iofd_device_detach, 0xcdc352ba, "_gpl");
SYMBOL_CRC(iofd_device_attached_hwpt, 0xed991282, "_gpl");
SYMBOL_CRC(iofd_access_create, 0x8d582c93, "_gpl");
SYMBOL_CRC(iofd_access_attach, 0x2560c5a8, "_gpl");
SYMBOL_CRC(iofd_access_replace, 0x5f8a847f, "_gpl");
SYMBOL_CRC(iofd_access_detach, 0x5857dd43, "_gpl");
SYMBOL_CRC(iofd_access_destroy, 0x23c22797, "_gpl");
SYMBOL_CRC(iofd_access_pin_pages, 0xaf3d96fa, "_gpl");
SYMBOL_CRC(iofd_access_unpin_pages, 0x0d7ebc9e, "_gpl");
SYMBOL_CRC(iofd_access_rw, 0xe26eabd0, "_gpl");
SYMBOL_CRC(iofd_test_add_reserved, 0xe294dc0c, "_gpl");
SYMBOL_CRC(iofd_fail_nth_set, 0x626821c1, "_gpl");
SYMBOL_CRC(iofd_fail_nth_remaining, 0x6304172c, "_gpl");
SYMBOL_CRC(iofd_should_fail, 0xa6b450ae, "_gpl");

static const struct modversion_info ____versions[]
__used __section("__versions") = {
	{ 0x9eca777b, "pin_user_pages_fast" },
	{ 0x185d46d5, "clear_user_rep_good" },
	{ 0xc8dcc62a, "krealloc" },
	{ 0xe20e4455, "try_module_get" },
	{ 0x88db9f48, "__check_object_size" },
	{ 0x7b4da6ff, "__init_rwsem" },
	{ 0x47978cc, "misc_deregister" },
	{ 0xb3533ef0, "unpin_user_pages_dirty_lock" },
	{ 0x13c49cc2, "_copy_from_user" },
	{ 0x8d522714, "__rcu_read_lock" },
	{ 0x5b56860c, "vm_munmap" },
	{ 0x92540fbf, "finish_wait" },
	{ 0xe02c9c92, "__xa_erase" },
	{ 0x7d27d33f, "fget" },
	{ 0x87f6d5d4, "unpin_user_pages" },
	{ 0xbfc1d1a, "check_zeroed_user" },
	{ 0x69acdf38, "memcpy" },
	{ 0x37a0cba, "kfree" },
	{ 0x2db5105b, "vm_mmap" },
	{ 0x8c26d495, "prepare_to_wait_event" },
	{ 0xba8fbd64, "_raw_spin_lock" },
	{ 0xa44a1307, "interval_tree_iter_first" },
	{ 0xbdfb6dbb, "__fentry__" },
	{ 0x65487097, "__x86_indirect_thunk_rax" },
	{ 0x92997ed8, "_printk" },
	{ 0x1000e51, "schedule" },
	{ 0xa19b956, "__stack_chk_fail" },
	{ 0x296695f, "refcount_warn_saturate" },
	{ 0xf0e52e56, "clear_user_original" },
	{ 0x5d49aabc, "init_wait_var_entry" },
	{ 0xc6cbbc89, "capable" },
	{ 0xa59b97f5, "module_put" },
	{ 0x5e332b52, "__var_waitqueue" },
	{ 0x7cd8d75e, "page_offset_base" },
	{ 0x599fb41c, "kvmalloc_node" },
	{ 0x3ef022ec, "compat_ptr_ioctl" },
	{ 0x9114b616, "__xa_alloc" },
	{ 0x68f31cbd, "__list_add_valid" },
	{ 0xa1194a8a, "fput" },
	{ 0x57bc19d2, "down_write" },
	{ 0xce807a25, "up_write" },
	{ 0x6091797f, "synchronize_rcu" },
	{ 0x8df92f66, "memchr_inv" },
	{ 0x2469810f, "__rcu_read_unlock" },
	{ 0xc6f3b3fc, "refcount_dec_if_one" },
	{ 0xa85a3e6d, "xa_load" },
	{ 0xd96babb4, "interval_tree_iter_next" },
	{ 0x4dfa8d4b, "mutex_lock" },
	{ 0xbecab81f, "clear_user_erms" },
	{ 0xe1537255, "__list_del_entry_valid" },
	{ 0x944375db, "_totalram_pages" },
	{ 0xcefb0c9f, "__mutex_init" },
	{ 0x68fb37ae, "current_task" },
	{ 0xf8f61ebc, "wake_up_var" },
	{ 0xfb578fc5, "memset" },
	{ 0x88d9cae8, "account_locked_vm" },
	{ 0x844c8938, "misc_register" },
	{ 0x5b8239ca, "__x86_return_thunk" },
	{ 0x6b10bee1, "_copy_to_user" },
	{ 0x668b19a1, "down_read" },
	{ 0x5690cb1e, "__mmdrop" },
	{ 0xa0ebc08, "__xa_cmpxchg" },
	{ 0x745a981, "xa_erase" },
	{ 0x97651e6c, "vmemmap_base" },
	{ 0xff99f754, "shmem_aops" },
	{ 0x3213f038, "mutex_unlock" },
	{ 0xd9491c14, "xa_destroy" },
	{ 0x8fa25c24, "xa_find" },
	{ 0x66cca4f9, "__x86_indirect_thunk_rcx" },
	{ 0x6729d3df, "__get_user_4" },
	{ 0x5b3e282f, "xa_store" },
	{ 0x314d5667, "set_page_dirty_lock" },
	{ 0xc07351b3, "__SCT__cond_resched" },
	{ 0x942209a6, "free_uid" },
	{ 0xdab5a1eb, "interval_tree_insert" },
	{ 0x362f9a8, "__x86_indirect_thunk_r12" },
	{ 0xdf36914b, "xa_find_after" },
	{ 0x606e9d01, "kmalloc_trace" },
	{ 0x7aa1756e, "kvfree" },
	{ 0xb5b54b34, "_raw_spin_unlock" },
	{ 0x53b954a2, "up_read" },
	{ 0x9b53e14, "interval_tree_remove" },
	{ 0xeb233a45, "__kmalloc" },
	{ 0xe2c17b5d, "__SCT__might_resched" },
	{ 0x7a7caba8, "kmalloc_caches" },
	{ 0x9060323f, "module_layout" },
};

MODULE_INFO(depends, "");

