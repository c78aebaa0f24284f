"""Confinement of the process that runs student code: private mounts, no network, a throwaway uid,
resource limits. Linux only; needs root (it is given up before any student code runs)."""
from __future__ import annotations

import ctypes
import os
import resource
import signal
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWIPC = 0x00020000, 0x40000000, 0x08000000
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG = 38, 1
WORKDIR = "/tmp/work"


@dataclass
class Limits:
    """What one submission may use."""
    cell_timeout: float = 30.0          # wall seconds per cell or per call into student code
    notebook_timeout: float = 300.0     # wall seconds for the whole submission
    memory_mb: int = 2048               # address space beyond the pre-imported modules
    processes: int = 64                 # processes and threads of the sandbox uid
    output_mb: int = 64                 # largest file (and the output log) it may write
    scratch_mb: int = 256               # size of its private /tmp


@dataclass
class Confinement:
    """Which paths to hide and which to keep visible inside the sandbox, and under which uid."""
    uid: int
    hide: list[str] = field(default_factory=list)
    keep: list[str] = field(default_factory=list)


def available() -> bool:
    """True when this process can build the sandbox (Linux, root)."""
    return os.name == "posix" and os.geteuid() == 0 and Path("/proc/self/ns/net").exists()


def default_confinement(uid: int, extra_hide=()) -> Confinement:
    """Hide the course, the repository, homes and temp folders; keep the Python installation."""
    import dlsys_lab
    package = Path(dlsys_lab.__file__).resolve().parent
    hide = {str(Path(p).resolve()) for p in (*extra_hide, package.parent, Path.home(), "/home", "/tmp",
                                             "/var/tmp", "/dev/shm", "/run") if Path(p).exists()}
    import sys
    keep = {str(Path(p).resolve()) for p in (sys.prefix, sys.base_prefix, package)}
    return Confinement(uid=uid, hide=sorted(hide), keep=sorted(keep))


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"sandbox: {what} failed: {os.strerror(err)}")


def _mount(libc, source, target, fstype, flags, data=None) -> None:
    enc = lambda s: None if s is None else str(s).encode()
    _check(libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def confine(conf: Confinement, limits: Limits, files: dict[str, bytes]) -> None:
    """Enter the sandbox for good: namespaces, mounts, files, limits, then drop to conf.uid."""
    libc = _libc()
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC), "unshare")
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)
    hidden = [h for h in conf.hide if not any(h.startswith(o + "/") for o in conf.hide if o != h)]
    kept = {k: os.open(k, os.O_PATH) for k in conf.keep
            if any(k == h or k.startswith(h + "/") for h in hidden)}
    for path in hidden:
        size = limits.scratch_mb if path == "/tmp" else 1
        _mount(libc, "tmpfs", path, "tmpfs", 0, f"size={size}m,mode={1777 if path == '/tmp' else 755}")
    for path, fd in kept.items():
        os.makedirs(path, exist_ok=True)
        _mount(libc, f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        os.close(fd)
    os.makedirs(WORKDIR, exist_ok=True)
    for name, data in files.items():
        Path(WORKDIR, name).parent.mkdir(parents=True, exist_ok=True)
        Path(WORKDIR, name).write_bytes(data)
    for root, dirs, names in os.walk(WORKDIR):
        for entry in [root] + [os.path.join(root, n) for n in names]:
            os.chown(entry, conf.uid, conf.uid)
    os.chdir(WORKDIR)
    apply_limits(limits)
    resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(no_new_privs)")
    os.setgroups([])
    os.setresgid(conf.uid, conf.uid, conf.uid)
    os.setresuid(conf.uid, conf.uid, conf.uid)
    os.environ.update(HOME=WORKDIR, IPYTHONDIR=f"{WORKDIR}/.ipython", MPLCONFIGDIR=f"{WORKDIR}/.mpl", TMPDIR="/tmp")


def apply_limits(limits: Limits) -> None:
    """Memory, CPU time and file size limits for this process and its children."""
    cpu = int(limits.notebook_timeout) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    size = limits.output_mb << 20
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    address = _address_space() + (limits.memory_mb << 20)
    resource.setrlimit(resource.RLIMIT_AS, (address, address))


def _address_space() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent (the judge) exits."""
    _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def kill_uid(uid: int) -> None:
    """SIGKILL every process that runs under uid (the sandbox's leftovers), until none is left."""
    for _ in range(50):
        pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _uid_of(p) == uid]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _uid_of(proc: Path) -> int | None:
    """The real uid of a live process (None for zombies and processes gone meanwhile)."""
    try:
        fields = dict(line.split(":", 1) for line in (proc / "status").read_text().splitlines() if ":" in line)
    except OSError:
        return None
    return None if fields.get("State", "").strip().startswith("Z") else int(fields["Uid"].split()[0])
