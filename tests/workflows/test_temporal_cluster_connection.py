"""A council's Temporal cluster is reached over mutual TLS: the product's client checks the server
against the council's CA and shows its own certificate. The dev server speaks plain TCP, so the
test puts a real TLS endpoint in front of it (Python's ssl, requiring a client certificate from
the test CA, offering HTTP/2 by ALPN as gRPC needs) and forwards the bytes."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import ValidationError
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest
from temporalio.testing import WorkflowEnvironment

from config.bootstrap import connect_temporal
from config.temporal_settings import TemporalSettings
from tests.postgres_cluster import free_port
from tests.temporal_fixtures import PAYLOAD_KEYS


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str, key: ec.EllipticCurvePrivateKey, issuer: tuple[str, ec.EllipticCurvePrivateKey] | None = None
) -> x509.Certificate:
    now = datetime.now(UTC)
    issuer_name, issuer_key = issuer if issuer else (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
    )
    if issuer is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("temporal.council.test"), x509.IPAddress(IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write(folder: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> tuple[Path, Path]:
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


class Pki:
    def __init__(self, folder: Path) -> None:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = _certificate("council test CA", ca_key)
        self.ca, _ = _write(folder, "ca", ca, ca_key)
        server_key, client_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
        self.server = _write(
            folder, "server", _certificate("temporal.council.test", server_key, ("council test CA", ca_key)), server_key
        )
        self.client = _write(
            folder, "worker", _certificate("carecase-worker", client_key, ("council test CA", ca_key)), client_key
        )


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


@contextlib.asynccontextmanager
async def tls_front(pki: Pki, upstream: str) -> AsyncIterator[str]:
    """A TLS endpoint that wants a client certificate from the test CA, forwarding to ``upstream``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(pki.ca))
    context.load_cert_chain(*pki.server)
    context.verify_mode = ssl.CERT_REQUIRED
    context.set_alpn_protocols(["h2"])
    host, _, port = upstream.rpartition(":")
    tasks: set[asyncio.Task[None]] = set()

    async def forward(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(host, int(port))
        both = asyncio.gather(_pipe(client_reader, server_writer), _pipe(server_reader, client_writer))
        tasks.add(both)  # type: ignore[arg-type]
        await both

    server = await asyncio.start_server(forward, "127.0.0.1", 0, ssl=context)
    try:
        yield f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        for task in tasks:
            task.cancel()


def _settings(address: str, **env: str) -> TemporalSettings:
    return TemporalSettings.from_environment({"CARECASE_TEMPORAL_ADDRESS": address, **env})


async def test_the_worker_reaches_temporal_over_mutual_tls_and_is_refused_without_its_certificate(
    temporal_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    pki = Pki(tmp_path)
    async with tls_front(pki, temporal_env.client.service_client.config.target_host) as address:
        mutual = _settings(
            address,
            CARECASE_TEMPORAL_TLS_CA=str(pki.ca),
            CARECASE_TEMPORAL_TLS_CERT=str(pki.client[0]),
            CARECASE_TEMPORAL_TLS_KEY=str(pki.client[1]),
            CARECASE_TEMPORAL_TLS_SERVER_NAME="temporal.council.test",
        )
        client = await connect_temporal(mutual, PAYLOAD_KEYS)
        info = await client.workflow_service.get_system_info(GetSystemInfoRequest())
        assert info.server_version

        # The same server without a client certificate: the TLS endpoint refuses the handshake.
        one_way = _settings(
            address, CARECASE_TEMPORAL_TLS_CA=str(pki.ca), CARECASE_TEMPORAL_TLS_SERVER_NAME="temporal.council.test"
        )
        with pytest.raises(RuntimeError, match="Failed client connect"):
            await connect_temporal(one_way, PAYLOAD_KEYS)

        # A server certificate from a CA the council did not name is not trusted.
        (tmp_path / "stranger").mkdir()
        stranger = Pki(tmp_path / "stranger")
        untrusted = _settings(
            address,
            CARECASE_TEMPORAL_TLS_CA=str(stranger.ca),
            CARECASE_TEMPORAL_TLS_CERT=str(pki.client[0]),
            CARECASE_TEMPORAL_TLS_KEY=str(pki.client[1]),
            CARECASE_TEMPORAL_TLS_SERVER_NAME="temporal.council.test",
        )
        with pytest.raises(RuntimeError, match="InvalidCertificate"):
            await connect_temporal(untrusted, PAYLOAD_KEYS)


def test_a_client_certificate_without_its_key_is_refused_naming_both_settings(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="CARECASE_TEMPORAL_TLS_CERT and CARECASE_TEMPORAL_TLS_KEY"):
        _settings("127.0.0.1:7233", CARECASE_TEMPORAL_TLS_CERT=str(tmp_path / "worker.pem"))


async def test_an_unreadable_tls_file_or_api_key_is_named_by_its_setting_and_not_shown(tmp_path: Path) -> None:
    missing = _settings("127.0.0.1:7233", CARECASE_TEMPORAL_TLS_CA=str(tmp_path / "no-such-ca.pem"))
    with pytest.raises(RuntimeError, match="CARECASE_TEMPORAL_TLS_CA: cannot read"):
        await connect_temporal(missing, PAYLOAD_KEYS)
    empty = tmp_path / "api-key"
    empty.write_text("\n")
    with pytest.raises(RuntimeError, match="CARECASE_TEMPORAL_API_KEY_FILE names an empty file"):
        _settings("127.0.0.1:7233", CARECASE_TEMPORAL_API_KEY_FILE=str(empty)).api_key()
    empty.write_text("secret-namespace-key\n")
    assert _settings("127.0.0.1:7233", CARECASE_TEMPORAL_API_KEY_FILE=str(empty)).api_key() == "secret-namespace-key"
    assert TemporalSettings.from_environment({}).tls is None  # plain TCP on loopback by default


async def test_a_process_serves_the_sdk_metrics_for_prometheus_where_asked(
    temporal_env: WorkflowEnvironment,
) -> None:
    port = free_port()
    settings = _settings(
        temporal_env.client.service_client.config.target_host,
        CARECASE_TEMPORAL_METRICS_ADDRESS=f"127.0.0.1:{port}",
    )
    client = await connect_temporal(settings, PAYLOAD_KEYS)
    await client.workflow_service.get_system_info(GetSystemInfoRequest())
    async with httpx.AsyncClient() as http:
        scraped = await http.get(f"http://127.0.0.1:{port}/metrics")
    assert scraped.status_code == 200
    assert "temporal_request" in scraped.text  # the client's own RPC counter, in Prometheus's text format
