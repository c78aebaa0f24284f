# threat: undoing the sandbox's mounts (a read-only view made writable, the scratch folder or /proc unmounted)
# expect: ok
# score: 4
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
MS_RDONLY, MS_REMOUNT, MS_BIND, MNT_DETACH = 1, 32, 4096, 2
refused = []
for call in (lambda: libc.mount(None, b"/", None, MS_REMOUNT | MS_BIND, None),           # the root writable
             lambda: libc.mount(None, b"/usr", None, MS_REMOUNT | MS_BIND, None),        # a bound folder writable
             lambda: libc.mount(b"tmpfs", b"/etc", b"tmpfs", 0, None),                  # a tmpfs of its own
             lambda: libc.umount2(b"/proc", MNT_DETACH), lambda: libc.umount2(b"/tmp", MNT_DETACH)):
    refused.append(call() == -1 and ctypes.get_errno() == 1)   # EPERM: no capability
if all(refused) and len(refused) == 5:
    SOLUTION
