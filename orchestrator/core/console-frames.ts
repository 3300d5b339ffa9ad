// Which stack frames a kernel report is never blamed on, and which frames stand for a stall or
// a hang: the rules syzkaller's pkg/report applies, as data. Every entry is a regex matched
// anywhere in the bare function name (no offset, no ".isra.0"), so "spin_lock" also covers
// "_raw_spin_lock_irqsave".

/** Frames that are the machinery around a bug rather than the bug. */
export const SKIP_FRAMES: string[] = [
  // reporting: the sanitizers, traps, warnings, stack dumps and printing
  '__sanitizer', '__asan', 'kasan', 'hwasan', '__msan', 'kmsan', 'kcsan_setup_watchpoint',
  'print_address_description', 'print_report', 'print_usage_bug', 'print_tainted', '^get_taint$', 'panic',
  'invalid_op', 'report_bug', 'fixup_bug', 'do_error', '_trap$|do_trap', 'program_check_exception',
  'program_check_common', 'assertfail', '__fortify_report',
  'show_stack', 'dump_stack', 'walk_stack', 'dump_backtrace', 'stack_trace_consume_entry', 'arch_stack_walk',
  'stack_trace_save', 'warn_slowpath', 'warn_alloc', 'warn_bogus', '__warn',
  'printk', 'va_format', 'string', 'pointer', 'snprintf', 'scnprintf', 'kasprintf', 'kvasprintf',
  'dev_(?:info|notice|warn|err|alert|crit|emerg)', 'hex_dump_to_buffer', 'print_hex_dump',
  // checks on memory and objects
  'check_memory_region', 'check_heap_object', 'check_object', 'read_word_at_a_time', '(?:read|write)_once_.*nocheck',
  '__phys_addr', 'debug_object', 'timer_is_static_object', 'work_is_static_object', 'might_fault', 'might_sleep',
  '__might_resched', 'seqprop_assert',
  // allocation and freeing, the page cache's getters
  'alloc_page', 'k?v?(?:m|z|c)alloc', 'krealloc', 'kmem_cache', 'allocate_slab', '__alloc_frozen_pages_noprof', 'slab_',
  '^kv?free$', 'kfree_skb', 'memdup', 'strdup', 'strndup', 'ida_free',
  'folio_(?:alloc|unlock)', 'filemap_alloc_folio', '__filemap_get_folio', 'find_or_create_page', 'do_read_cache_folio',
  'read_cache_page', 'pagecache_get_page', 'grab_cache_page_write_begin', 'xas_(?:start|load|find)',
  'find_lock_entries', 'truncate_inode_pages_range', '^(?:un)?lock_page', 'mark_buffer_dirty',
  // locking and lockdep
  'lockdep', 'lock_acquire', 'lock_release', 'lock_class', 'mark_lock', '(?:reacquire|mark)_held_locks', 'print_unlock',
  'imbalance_bug', 'bh_enable', 'bh_disable', '(?:trace|lockdep)_(?:hard|soft)irq', 'raw_spin_rq',
  'spin_(?:lock|trylock|unlock)', '(?:read|write)_(?:lock|trylock|unlock)', '^down$', 'down_(?:read|write|trylock)',
  'up_(?:read|write)', '^(?:__)?mutex_', '^rt_mutex_', 'owner_on_cpu', 'osq_(?:lock|unlock)',
  // atomics, bits, reference counts, wake-ups
  'atomic(?:64)?_(?:dec|inc|read|set|or|xor|and|add|sub|fetch|xchg|cmpxchg|try)', '(?:set|clear|change|test)_bit',
  '^refcount_', '^kref_', 'ref_tracker', '__wake_up', '^complete$', 'wait_for_completion', 'finish_wait',
  '^iput$', '^iput_final$', '^ihold$', 'drop_nlink', 'fast_dput', 'dput', '^put_device$',
  // strings, memory and user copies
  'mem(?:cpy|cmp|set|chr|move)', 'str(?:n?cmp|l?cpy|ncpy|scpy|n?len|n?str|chr)',
  'copy_(?:to|from)_user', 'copy_(?:to|from)_iter', 'copy_page_(?:to|from)_iter', 'copy_folio_to_iter', '^copyin$',
  '^copyout$', 'put_user', 'get_user', 'extract_(?:user|iter)_to_sg',
  // lists, trees and tables
  'list_(?:add|del|replace|move|splice)', '^_*rb_', '^klist_', 'rhashtable_lookup',
  // retpolines, port and MMIO accessors, checksums
  '_indirect_thunk_', '(?:read|write)[bwlq]$', 'logic_(?:in|out)', '^crc\\d+', 'crc_itu_t',
  // timers, work items, kthreads, SRCU
  'del_timer', 'lock_timer_base', '__timer_delete_sync', 'sk_stop_timer_sync', '__mod_timer', 'flush_work',
  '__cancel_work_timer', 'cancel_work_sync', 'try_to_grab_pending', '(?:flush|drain|destroy)_workqueue', 'queue_work',
  'insert_work', '__queue_delayed_work', 'queue_delayed_work_on', 'kthread_stop', 'cleanup_srcu_struct', 'perf_trace',
  // the device model tearing down, which warns on behalf of the driver
  'kobject_', 'add_uevent_var', 'get_device_parent', 'device_(?:add|del|unregister|destroy|release|for_each_child)',
  'devres_release_all', 'hwrng_unregister', 'i2c_del_adapter', '__unregister_client', 'rollback_registered',
  'unregister_netdev', 'sysfs_remove', 'device_remove_file', 'tty_unregister_device',
  // USB requests, which warn on behalf of the driver
  'dummy_urb_enqueue', 'usb_kill_urb', 'usb_kill_anchored_urbs', 'usb_control_msg', 'usb_hcd_submit_urb',
  'usb_submit_urb',
  // arm64 fault entry
  'do_(?:kernel|translation)_fault', 'do_mem_abort', 'el1_abort', 'el1h_64_sync(?:_handler)?',
];

/** Prefixes of syscall entry points, which differ by architecture and kernel version. */
export const SYSCALL_PREFIXES = [
  'SYSC_', 'SyS_', 'sys_', '__x64_', '__ia32_', '__arm64_', '____sys_', '___sys_', '__sys_', '__se_', '__se_sys_',
  '__do_sys_', 'compat_SYSC_', 'compat_SyS_', 'ksys_',
];

/** A stall or lockup is titled after the frame just above the first of these: the entry point
 *  that dispatched the looping work (a syscall, a work item, a timer, a file or socket operation). */
export const STALL_ANCHORS: string[] = [
  // work, syscalls, softirqs, timers, threads
  'process_one_work', 'do_syscall_', 'do_fast_syscall_', 'sysenter_dispatch', 'tracesys_phase2', 'el0_svc_handler',
  'invoke_syscall', 'ret_fast_syscall', 'netif_receive_skb', 'do_softirq', 'call_timer_fn', '_run_timers',
  'run_timer_softirq', 'hrtimer_run', 'run_ksoftirqd', 'smpboot_thread_fn', '^kthread$', 'start_secondary',
  'cpu_startup_entry', 'ret_from_fork',
  // file operations
  'vfs_write', 'vfs_read', 'vfs_iter_read', 'vfs_iter_write', 'do_iter_read', 'do_iter_write', 'call_read_iter',
  'call_write_iter', 'new_sync_read', 'new_sync_write', 'vfs_ioctl', 'ksys_ioctl', 'compat_ioctl', 'compat_sys_ioctl',
  'blkdev_driver_ioctl', 'blkdev_ioctl', 'do_iter_readv_writev', '^call_mmap', 'mmap_region', 'do_mmap',
  'do_dentry_open', 'vfs_open',
  // socket operations
  '^sock_sendmsg', '^sock_recvmsg', '^sock_release', '^__sock_release', '^setsockopt$', 'kernel_setsockopt',
  'sock_common_setsockopt', '^listen$', 'kernel_listen', 'sk_common_release', '^sock_mmap', '^accept$',
  'kernel_accept', '^sock_do_ioctl', '^sock_ioctl', '^compat_sock_ioctl', '^nfnetlink_rcv_msg', '^rtnetlink_rcv_msg',
  '^netlink_dump', '^(?:sys_)?(?:socketpair|connect|ioctl)',
  // page faults and the way back to user space
  '__do_fault', 'do_page_fault', '^page_fault$', '__fput', 'task_work_run', 'exit_to_usermode', 'smp_call_function',
  'tasklet_action', 'tasklet_hi_action',
];

/** A hung task is titled after the first of these it waits in (RCU grace periods as one), else
 *  after its first frame that is not a wait. */
export const HANG_ANCHORS: [string, string | undefined][] = [
  ['rtnl_lock', undefined],
  ['synchronize_rcu', 'synchronize_rcu'],
  ['synchronize_srcu', 'synchronize_rcu'],
  ['synchronize_net', 'synchronize_rcu'],
  ['synchronize_sched', 'synchronize_rcu'],
];

export const HANG_SKIP = [
  'sched', '_lock', '_slowlock', 'down', 'rwsem', 'completion', 'kthread', 'wait', 'synchronize', 'context_switch',
  '__switch_to', 'cancel_delayed_work', 'rcu_barrier',
];
