"""Confinement of the process that runs student code. Linux only; needs root (given up before any student
code runs), or unprivileged user namespaces (the sandbox without root: autograder/rootless.py). Each sandbox
is a fresh PID namespace whose init reaps and, when it ends, takes every process of the namespace with it;
its filesystem is an allow-list (a tmpfs root with read-only binds of the Python installation, /usr, the
dlsys_lab package and a few /etc files); no network; a throwaway uid (without root: no capabilities); a
whitelisted environment; keyring system calls blocked by seccomp; resource limits."""
from __future__ import annotations

import ctypes
import os
import platform
import resource
import signal
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWIPC = 0x00020000, 0x40000000, 0x08000000
CLONE_NEWPID, CLONE_NEWUTS = 0x20000000, 0x04000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT = 1, 2, 4, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 1, 22, 2
WORKDIR = "/tmp/work"
OUTPUT_DIR = "/run/output"       # the output log lives on its own tmpfs: a full /tmp cannot silence the sandbox
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", "/etc/alternatives",
                "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime")
PASSED_ENV = ("DLSYS_FAST", "OPENBLAS_CORETYPE")   # the only variables of the grader's that reach student code
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")
DEVICES = ("null", "zero", "full", "random", "urandom")
# x86_64 / aarch64: (AUDIT_ARCH, the keyring system calls add_key, request_key, keyctl)
KEYRING_SYSCALLS = {"x86_64": (0xC000003E, (248, 249, 250)), "aarch64": (0xC00000B7, (217, 218, 219))}
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}


@dataclass
class Limits:
    """What one submission may use."""
    cell_timeout: float = 30.0          # wall seconds per cell or per call into student code
    notebook_timeout: float = 300.0     # wall seconds for the whole submission
    memory_mb: int = 2048               # address space beyond the pre-imported modules (the judge gets twice this)
    processes: int = 64                 # processes and threads of the sandbox uid
    output_mb: int = 64                 # largest file, output log and single reply it may write
    scratch_mb: int = 256               # size of its private /tmp (and of /dev/shm)
    wire_mb: int = 1024                 # bytes the judge accepts from one notebook's replies, all together


@dataclass
class Confinement:
    """What the sandbox may see. Nothing else of the host's filesystem exists inside it."""
    uid: int
    package_root: str = ""              # the directory the sandbox imports `packages` from (put first on sys.path)
    packages: list[str] = field(default_factory=lambda: ["dlsys_lab"])
    readable: list[str] = field(default_factory=list)   # bound read-only at the same path


def available() -> bool:
    """True when this process can build a sandbox (Linux, a known architecture, root or user namespaces)."""
    return kind() != ""


def kind() -> str:
    """Which sandbox this process gets: "root", "rootless" (an unprivileged user namespace) or "" (none)."""
    if not (os.name == "posix" and Path("/proc/self/ns/pid").exists() and platform.machine() in KEYRING_SYSCALLS):
        return ""
    from autograder import rootless
    return "root" if os.geteuid() == 0 else "rootless" if rootless.userns_available() else ""


def installed_package_root() -> str:
    """The directory that holds the installed dlsys_lab package."""
    import dlsys_lab
    return str(Path(dlsys_lab.__file__).resolve().parent.parent)


def python_installation() -> set[str]:
    """The folders of the Python installation the sandbox shows (the venv and the interpreter it comes from)."""
    return {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(sys.executable).resolve().parent.parent)}


def default_confinement(uid: int, package_root: str | None = None) -> Confinement:
    """The Python installation, /usr (compilers, libraries), the dynamic loader's files and dlsys_lab."""
    paths = {str(Path(p).resolve()) if not Path(p).is_symlink() else p
             for p in (*python_installation(), *SYSTEM_PATHS)}
    return Confinement(uid=uid, package_root=package_root or installed_package_root(), readable=sorted(paths))


def sandbox_env(home: str = WORKDIR) -> dict[str, str]:
    """The whole environment of student code: nothing of the grader's but PASSED_ENV."""
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": home, "PWD": home,
           "USER": "student", "LOGNAME": "student", "LANG": "C.UTF-8", "TMPDIR": "/tmp", "MPLBACKEND": "Agg",
           "IPYTHONDIR": f"{home}/.ipython", "MPLCONFIGDIR": f"{home}/.mpl", **{v: "1" for v in THREAD_VARS}}
    env.update({name: os.environ[name] for name in PASSED_ENV if name in os.environ})
    return env


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"sandbox: {what} failed: {os.strerror(err)}")


def _mount(libc, source, target, fstype, flags, data=None) -> None:
    enc = lambda s: None if s is None else str(s).encode()
    _check(libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


def enter_namespaces(uid: int | None = None) -> None:
    """New mount, network, IPC, UTS and PID namespaces (and a user namespace mapping uid to the grader's, without
    root); the next fork is the PID namespace's init."""
    from autograder import rootless
    if rootless.active():
        return rootless.enter_namespaces(uid)
    _check(_libc().unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWPID), "unshare")


def build_root(conf: Confinement, limits: Limits, files: dict[str, bytes]) -> None:
    """Run as the PID namespace's init (root): make the allow-list filesystem view and switch to it."""
    libc = _libc()
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE)
    binds = _binds(conf)
    fds = {target: os.open(source, os.O_PATH | os.O_NOFOLLOW) for target, source in binds.items()}
    # what each source is, read now: the new root is mounted over the host's /tmp, which may hold sources
    links = {target: os.readlink(source) for target, source in binds.items() if os.path.islink(source)}
    folders = {target for target, source in binds.items() if os.path.isdir(source)}
    new = "/tmp"                                       # a mount point that exists; hidden under the new root
    _mount(libc, "tmpfs", new, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=755")
    # scratch space first, so that a bound folder inside /tmp (a grading edition of dlsys_lab) stays on top
    for path, size, mode in (("/tmp", limits.scratch_mb, "1777"), (OUTPUT_DIR, limits.output_mb + 1, "700")):
        os.makedirs(new + path, exist_ok=True)
        _mount(libc, "tmpfs", new + path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size}m,mode={mode}")
    for target in sorted(binds):
        here = new + target
        if target in links:
            os.makedirs(os.path.dirname(here), exist_ok=True)
            os.symlink(links[target], here)
            continue
        if target in folders:
            os.makedirs(here, exist_ok=True)
        else:
            os.makedirs(os.path.dirname(here), exist_ok=True)
            Path(here).touch()
        _mount(libc, f"/proc/self/fd/{fds[target]}", here, None, MS_BIND | MS_REC)
        _mount(libc, None, here, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | _kept_flags(here))
    for fd in fds.values():
        os.close(fd)
    _make_dev(libc, new, limits)
    os.makedirs(new + "/proc", exist_ok=True)
    _mount(libc, "proc", new + "/proc", "proc", MS_NOSUID | MS_NODEV)
    Path(new, "etc").mkdir(exist_ok=True)
    Path(new, "etc/passwd").write_text(f"root:x:0:0::/:/bin/sh\nstudent:x:{conf.uid}:{conf.uid}::{WORKDIR}:/bin/sh\n")
    Path(new, "etc/group").write_text(f"root:x:0:\nstudent:x:{conf.uid}:\n")
    os.makedirs(new + "/.old")
    _check(libc.syscall(PIVOT_ROOT[platform.machine()], new.encode(), f"{new}/.old".encode()), "pivot_root")
    os.chdir("/")
    _check(libc.umount2(b"/.old", MNT_DETACH), "umount /.old")
    os.rmdir("/.old")
    os.chown(OUTPUT_DIR, conf.uid, conf.uid)
    _write_files(files, conf.uid)
    for path in ("/dev", "/"):     # without root the sandbox uid owns these tmpfs roots: read-only for both
        _mount(libc, None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | _kept_flags(path))
    from autograder import rootless
    if rootless.active():
        rootless.forbid_nested_namespaces()


def _kept_flags(path: str) -> int:
    """The noexec and atime flags of the mount at path: a remount must repeat them (a user namespace cannot change
    the flags of a mount it inherited)."""
    flags = os.statvfs(path).f_flag
    return sum(ms for st, ms in ((os.ST_NOEXEC, 8), (os.ST_NOATIME, 1024), (os.ST_NODIRATIME, 2048),
                                 (os.ST_RELATIME, 1 << 21)) if flags & st)


def _binds(conf: Confinement) -> dict[str, str]:
    """{path inside: path outside}: readable paths not inside another one, and the package directories."""
    wanted = [p for p in conf.readable if os.path.lexists(p)]
    wanted += [str(Path(conf.package_root, name)) for name in conf.packages
               if conf.package_root and Path(conf.package_root, name).exists()]
    top = [p for p in wanted if not any(p.startswith(o.rstrip("/") + "/") for o in wanted if o != p)]
    return {p: p for p in top}


def _make_dev(libc, new: str, limits: Limits) -> None:
    os.makedirs(new + "/dev")
    _mount(libc, "tmpfs", new + "/dev", "tmpfs", MS_NOSUID, "size=1m,mode=755")
    for name in DEVICES:
        Path(new, "dev", name).touch()
        _mount(libc, f"/dev/{name}", f"{new}/dev/{name}", None, MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{new}/dev/{name}")
    os.makedirs(new + "/dev/shm")
    _mount(libc, "tmpfs", new + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"size={limits.scratch_mb}m,mode=1777")


def _write_files(files: dict[str, bytes], uid: int) -> None:
    os.makedirs(WORKDIR, exist_ok=True)
    for name, data in files.items():
        Path(WORKDIR, name).parent.mkdir(parents=True, exist_ok=True)
        Path(WORKDIR, name).write_bytes(data)
    for root, dirs, names in os.walk(WORKDIR):
        for entry in [root] + [os.path.join(root, n) for n in names]:
            os.chown(entry, uid, uid)


def drop_privileges(conf: Confinement, limits: Limits) -> None:
    """Limits, no_new_privs, the keyring filter, then the throwaway uid and the whitelisted environment."""
    os.chdir(WORKDIR)
    apply_limits(limits)
    resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))
    libc = _libc()
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(no_new_privs)")
    block_keyrings()
    from autograder import rootless
    without_root = rootless.active()
    if not without_root:           # without root the groups are fixed (setgroups is denied in the namespace)
        os.setgroups([])
    os.setresgid(conf.uid, conf.uid, conf.uid)
    os.setresuid(conf.uid, conf.uid, conf.uid)
    if without_root:
        rootless.drop_capabilities()
    os.environ.clear()
    os.environ.update(sandbox_env())
    use_package_root(conf)


def use_package_root(conf: Confinement) -> None:
    """Import conf.packages from conf.package_root from now on: put it first on sys.path and, when it is not
    where the worker imported them from, forget the worker's copies (their folders are not in the view)."""
    if not conf.package_root:
        return
    if conf.package_root not in sys.path:
        sys.path.insert(0, conf.package_root)
    for name in [m for m in sys.modules if m.split(".")[0] in conf.packages]:
        origin = getattr(sys.modules[name], "__file__", None) or ""
        if origin and not origin.startswith(conf.package_root.rstrip("/") + "/"):
            del sys.modules[name]


def block_keyrings() -> None:
    """A seccomp filter: add_key, request_key and keyctl fail with EPERM (keyrings outlive a sandbox under its
    uid); so does every call of another ABI (x32, i386), which no honest notebook makes."""
    arch, calls = KEYRING_SYSCALLS[platform.machine()]
    allow, deny = 0x7FFF0000, 0x00050000 | 1                   # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06                  # BPF_LD|W|ABS, BPF_JMP|JEQ|K, JGE|K, BPF_RET|K
    prog = [(ld, 0, 0, 4), (jeq, 1, 0, arch), (ret, 0, 0, deny), (ld, 0, 0, 0), (jge, len(calls) + 1, 0, 0x40000000)]
    prog += [(jeq, len(calls) - i, 0, nr) for i, nr in enumerate(calls)]
    prog += [(ret, 0, 0, allow), (ret, 0, 0, deny)]
    raw = b"".join(struct.pack("HBBI", *ins) for ins in prog)
    buffer = ctypes.create_string_buffer(raw)
    fprog = struct.pack("HL", len(prog), ctypes.addressof(buffer))
    _check(_libc().prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.c_char_p(fprog), 0, 0), "seccomp")


def apply_limits(limits: Limits) -> None:
    """Memory, CPU time and file size limits for this process and its children."""
    cpu = int(limits.notebook_timeout) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    size = limits.output_mb << 20
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    limit_memory(limits.memory_mb)


def limit_memory(megabytes: int) -> None:
    """RLIMIT_AS at megabytes above what this process has mapped now."""
    address = _address_space() + (megabytes << 20)
    resource.setrlimit(resource.RLIMIT_AS, (address, address))


def _address_space() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent exits."""
    _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def kill_uid(uid: int) -> None:
    """SIGKILL every process that runs under uid, whatever its state (a zombie leader may still have live
    threads), until only fully dead zombies are left. A belt beside the PID namespace. Without root there is
    nothing to sweep: the sandbox uid is an id inside each sandbox's user namespace, the grader's own outside."""
    if os.geteuid() != 0:
        return
    for _ in range(50):
        pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _live_under(p, uid)]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _live_under(proc: Path, uid: int) -> bool:
    """True when proc runs under uid and any of its threads is not a zombie."""
    try:
        for task in (proc / "task").iterdir():
            fields = dict(line.split(":", 1) for line in (task / "status").read_text().splitlines() if ":" in line)
            if int(fields["Uid"].split()[0]) == uid and not fields.get("State", "").strip().startswith(("Z", "X")):
                return True
    except (OSError, KeyError, ValueError):
        return False
    return False
