"""The sandbox without root: where unprivileged user namespaces work, the grader (an ordinary user) makes the
same sandbox inside a user namespace of its own. The namespace maps one id, the sandbox uid, to the grader's
uid; the namespace's init holds capabilities over the namespaces it created (mount, network, IPC, UTS, PID)
and builds the same allow-list view; the student's process then drops every capability instead of switching
to a throwaway uid. What differs from the root sandbox is in SECURITY.md ("The sandbox without root")."""
from __future__ import annotations

import ctypes
import os
import struct
from pathlib import Path

CLONE_NEWUSER = 0x10000000
PR_CAPBSET_DROP, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 47, 4
CAPABILITY_V3 = 0x20080522


def active() -> bool:
    """True when this process builds (or runs inside) the sandbox without root: every sandbox process but the
    root sandbox's runs under a non-zero uid."""
    return os.geteuid() != 0


def userns_available() -> bool:
    """True when this process may create a user namespace with new mount, network and PID namespaces (tried in
    a child process, which exits at once)."""
    if os.name != "posix" or not Path("/proc/self/ns/user").exists():
        return False
    pid = os.fork()
    if pid == 0:
        try:
            enter_namespaces(os.geteuid() or 1000)
            os._exit(0)
        except BaseException:  # noqa: BLE001 - any failure means no
            os._exit(1)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def enter_namespaces(inside_uid: int) -> None:
    """New user, mount, network, IPC, UTS and PID namespaces; this process is inside_uid (and gid) in them and
    the grader's uid outside. The next fork is the PID namespace's init, with every capability in them."""
    from autograder.sandbox import CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS, _check
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID
    _check(ctypes.CDLL(None, use_errno=True).unshare(flags), "unshare (user namespace)")
    Path("/proc/self/setgroups").write_text("deny")         # an unprivileged gid map needs setgroups denied
    Path("/proc/self/uid_map").write_text(f"{inside_uid} {uid} 1")
    Path("/proc/self/gid_map").write_text(f"{inside_uid} {gid} 1")


def forbid_nested_namespaces() -> None:
    """No user namespace can be made inside this one (the view's mounts stay locked as they are): run by the
    sandbox's init, which owns the namespace's limits."""
    Path("/proc/sys/user/max_user_namespaces").write_text("0")


def drop_capabilities() -> None:
    """Give up every capability for good: bounding set, ambient set, then permitted, effective, inheritable.
    Called last in the student's process (its uid is already the sandbox uid, with no_new_privs set)."""
    from autograder.sandbox import _check
    libc = ctypes.CDLL(None, use_errno=True)
    last = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for cap in range(last + 1):
        _check(libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0), "prctl(capbset_drop)")
    _check(libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl(ambient clear)")
    header = ctypes.create_string_buffer(struct.pack("Ii", CAPABILITY_V3, 0))
    data = ctypes.create_string_buffer(bytes(24))        # two {effective, permitted, inheritable} words, all 0
    _check(libc.capset(header, data), "capset")
