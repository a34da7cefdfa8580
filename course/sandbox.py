"""A box for one student's kernel: bubblewrap (`bwrap`) around ipykernel, on Linux.

Inside the box the file system holds only the system folders (`/usr`, `/etc`, …), Python with its
packages, convae and the data folder, all read-only; the grader's home, the submissions and every
other folder of the machine do not exist there. Only two places can be written: the box's own
folder (the kernel's working folder and home) and a private `/tmp`. The box has its own network namespace
(no interface but its own loopback: nothing on the host can be reached), its own process namespace
(whatever the notebook starts dies with the kernel), a clean environment (no variable of the
grader's, such as a token, gets in), and limits on memory and on processes. The Python environment,
the convae package and the data folder are mounted read-only so that the chapter's cells still run.

The kernel talks to the grader over Unix sockets in the box's folder (ZeroMQ's `ipc` transport),
which need no network. Run as root, the kernel also drops to an unprivileged user id of its own, so
that the process limit applies (the kernel does not count root's processes against a limit) and
counts that box alone. Run as another user, the limit counts that user's other processes too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

BOX_UIDS = 700_000  # run as root, box k runs as uid and gid 700000 + k: unused by any account, and one
# per box, so that one box's processes never count against another's limit
INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: "
                "`sudo dnf install bubblewrap`); on macOS or Windows, grade inside a Linux virtual machine")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot make a box on this machine."""


@dataclass(frozen=True)
class Limits:
    """What one box may use."""

    memory_bytes: int = 8 * 1024**3  # the data segment (RLIMIT_DATA): heap and anonymous maps
    processes: int = 256  # processes and threads the kernel's user may have (RLIMIT_NPROC)

    def describe(self) -> str:
        return f"{self.memory_bytes / 1024**3:g} GiB of memory, {self.processes} processes and threads"


def check_bwrap() -> str:
    """The path of a `bwrap` that works here; SandboxUnavailable (saying how to fix it) if there is none."""
    if not sys.platform.startswith("linux"):
        raise SandboxUnavailable(f"the grader's box needs Linux, this is {sys.platform}: {INSTALL_HINT}, "
                                 "or pass --no-sandbox to run student code unboxed")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(f"bubblewrap (`bwrap`) is not installed: {INSTALL_HINT}, "
                                 "or pass --no-sandbox to run student code unboxed")
    trial = subprocess.run([bwrap, "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--", "true"],
                           capture_output=True, text=True)
    if trial.returncode != 0:
        raise SandboxUnavailable(f"bubblewrap cannot make a box here ({trial.stderr.strip()}): user namespaces "
                                 "may be disabled (sysctl kernel.unprivileged_userns_clone=1), or run as root; "
                                 "or pass --no-sandbox to run student code unboxed")
    return bwrap


SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/sys")


def readable_paths() -> list[str]:
    """What the kernel must read besides the system: Python, its packages, convae and the data folder."""
    import site

    from convae import data

    paths = {sys.prefix, sys.base_prefix, str(graders_package()), str(data.data_root()), *site.getsitepackages()}
    return sorted(p for p in paths if os.path.isdir(p))


def graders_package() -> Path:
    """The folder of the convae this grader runs (installed, editable, or the working folder's): the
    boxed kernel must import this one, whose checks grade it."""
    from convae import data

    return Path(data.__file__).resolve().parent


def user_tasks(uid: int) -> int:
    """Processes and threads that belong to `uid` now (what RLIMIT_NPROC counts)."""
    count = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue  # the process ended while we looked
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            count += int(fields.get("Threads", "1"))
    return count


def box_command(bwrap: str, box: Path, hidden: list[Path], limits: Limits, uid: int) -> list[str]:
    """The kernel's command line, boxed; `{connection_file}` is filled in by jupyter_client."""
    from convae import data

    as_root = os.geteuid() == 0
    command, bound = [bwrap, "--tmpfs", "/"], []  # a root of its own: what is not mounted does not exist
    for path in SYSTEM_PATHS:
        if os.path.islink(path):  # /bin -> usr/bin and the like
            command += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            command += ["--ro-bind", path, path]
            bound.append(Path(path))
    command += ["--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--tmpfs", "/tmp",
                "--perms", "1777", "--tmpfs", "/dev/shm"]
    made: set[Path] = set()

    def passable(path: Path) -> list[str]:
        """The folders leading to `path` that the box's root lacks, made 0755 (bwrap would make them
        0700, which the kernel, run as another user, could not pass through)."""
        new = [a for a in reversed(Path(path).parents) if a != Path("/") and a not in made
               and not any(a.is_relative_to(b) for b in bound)]
        made.update(new)
        return [arg for ancestor in new for arg in ("--perms", "0755", "--dir", str(ancestor))]

    for path in readable_paths():  # read-only, like the system
        command += [*passable(Path(path)), "--ro-bind", path, path]
        bound.append(Path(path))
    covered = [str(folder) for folder in map(Path.resolve, map(Path, hidden))
               if any(folder.is_relative_to(b) for b in bound)]
    for folder in covered:  # the submissions, where they lie inside one of those: emptied
        command += ["--tmpfs", folder]
    work, home = box / "work", box / "home"
    command += [*passable(box.resolve()), "--bind", str(box), str(box)]
    for folder in covered:
        command += ["--remount-ro", folder]
    command += ["--chdir", str(work),
                "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                "--die-with-parent", "--new-session", "--clearenv",
                "--setenv", "HOME", str(home), "--setenv", "PATH", f"{Path(sys.executable).parent}:/usr/bin:/bin",
                "--setenv", "LANG", "C.UTF-8", "--setenv", "MPLCONFIGDIR", str(home / ".matplotlib"),
                "--setenv", data.DATA_ENV_VAR, str(data.data_root()),
                "--setenv", "PYTHONPATH", str(graders_package().parent)]  # its convae before any other
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if name in os.environ:
            command += ["--setenv", name, os.environ[name]]
    processes = limits.processes if as_root else user_tasks(os.getuid()) + limits.processes
    command += ["--", "prlimit", f"--data={limits.memory_bytes}", f"--nproc={processes}", "--"]
    if as_root:
        command += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all"]
    return [*command, sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]


def make_box(parent: Path, uid: int) -> Path:
    """An empty box under `parent`: `work/` for the notebook, `home/` for caches, `kernel/` for the sockets."""
    box = Path(parent) / "box"
    for folder in (box, box / "work", box / "home", box / "kernel"):
        folder.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            os.chown(folder, uid, uid)
    return box


def boxed_kernel_manager(command: list[str], box: Path, uid: int):
    """An (async) jupyter_client kernel manager whose kernel runs `command` (the box), reached through Unix
    sockets inside the box (ZeroMQ's ipc transport: no network needed)."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    class Specs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return KernelSpec(name=kernel_name, language="python", display_name="boxed Python", argv=command)

    class BoxedKernelManager(AsyncKernelManager):
        def write_connection_file(self, **kwargs) -> None:
            super().write_connection_file(**kwargs)
            if os.geteuid() == 0:  # the kernel runs as the box's user and must read it
                os.chown(self.connection_file, uid, uid)

    return BoxedKernelManager(kernel_spec_manager=Specs(), transport="ipc", ip=str(box / "kernel" / "socket"),
                              connection_file=str(box / "kernel" / "connection.json"))


@dataclass(frozen=True)
class Sandbox:
    """How every kernel of one grading run is boxed: which bwrap, which limits, what stays hidden."""

    bwrap: str
    limits: Limits
    hidden: tuple[Path, ...]  # the submissions folder and the folder of every box

    def kernel_manager(self, folder: Path, slot: int):
        """A kernel manager for a new box in `folder`, and the box's working folder. Boxes that run at
        the same time need different `slot`s (0, 1, …)."""
        uid = BOX_UIDS + slot
        box = make_box(folder, uid)
        command = box_command(self.bwrap, box, list(self.hidden), self.limits, uid)
        return boxed_kernel_manager(command, box, uid), box / "work"

    def explain(self, error: str) -> str:
        """An error a student's cell raised, with the limit that caused it named where one did."""
        if "MemoryError" in error or "can't allocate memory" in error:
            return f"{error} (the box's memory limit, {self.limits.memory_bytes / 1024**3:g} GiB, was reached)"
        if "Resource temporarily unavailable" in error:
            return f"{error} (the box's limit of {self.limits.processes} processes and threads was reached)"
        return error
