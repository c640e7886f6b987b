"""wss:// with certificate verification: a private CA bundle works, anything else is refused."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from perfdesk.domain.status import FeedState
from perfdesk.services.engine.backoff import Backoff
from perfdesk.services.engine.recorder import RecordingHandler
from perfdesk.services.engine.ws_client import EngineClient
from perfdesk.sim import Simulator


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject, issuer, key, signer, *, ca: bool, san=None) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(signer, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def pki(tmp_path):
    """A private CA and a server certificate for 127.0.0.1 (and one for another host)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _cert("perfdesk test CA", "perfdesk test CA", ca_key, ca_key, ca=True)
    (tmp_path / "ca.pem").write_bytes(_pem(ca))
    for name, san in (
        ("good", [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
        ("other", [x509.DNSName("engine.example")]),
    ):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _cert(name, "perfdesk test CA", key, ca_key, ca=False, san=san)
        (tmp_path / f"{name}.pem").write_bytes(_pem(cert))
        (tmp_path / f"{name}.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return tmp_path


def _server_ssl(pki, name: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(pki / f"{name}.pem", pki / f"{name}.key")
    return ctx


async def _try(url: str, ca_file: str | None, token: str | None = None) -> tuple:
    handler = RecordingHandler()
    client = EngineClient(
        url, handler, ca_file=ca_file, token=token, backoff=Backoff(base_s=0.01, cap_s=0.05)
    )
    task = asyncio.create_task(client.run())
    try:
        await handler.wait_for(lambda: handler.count() > 20 or client.stats.reconnects >= 3)
    finally:
        await client.stop()
        await task
    return handler, client


async def test_wss_with_custom_ca_bundle_and_token(pki):
    sim = Simulator(strategies=1, ssl=_server_ssl(pki, "good"), token="t0k", rate=500.0)
    url = await sim.start()
    try:
        assert url.startswith("wss://127.0.0.1:")
        handler, _client = await _try(url, str(pki / "ca.pem"), token="t0k")
    finally:
        await sim.stop()
    assert handler.count() > 20 and FeedState.LIVE in handler.states


@pytest.mark.parametrize(("server_cert", "use_ca"), [("good", False), ("other", True)])
async def test_wss_refuses_unknown_ca_and_wrong_host(pki, server_cert, use_ca, caplog):
    sim = Simulator(strategies=1, ssl=_server_ssl(pki, server_cert), rate=500.0)
    url = await sim.start()
    try:
        handler, _client = await _try(url, str(pki / "ca.pem") if use_ca else None)
    finally:
        await sim.stop()
    assert handler.count() == 0 and FeedState.LIVE not in handler.states
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text


def test_ca_bundle_with_plain_ws_is_a_configuration_error(pki):
    with pytest.raises(ValueError, match="not a wss:// URL"):
        EngineClient("ws://127.0.0.1:1", RecordingHandler(), ca_file=str(pki / "ca.pem"))
