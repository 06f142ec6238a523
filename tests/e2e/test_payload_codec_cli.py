"""The product as `make run` starts it keeps Temporal's payloads encrypted, and the real Temporal
CLI shows them decoded only through the API's codec endpoint, with an operations key; the dev
server's Web UI is pointed at that endpoint."""

from __future__ import annotations

import stat
import subprocess

import httpx

from config.temporal_settings import temporal_binary
from tests.e2e.conftest import Product

NAME = "Zebedee Quillfeather"


def show(product: Product, workflow_id: str, *codec: str) -> subprocess.CompletedProcess[str]:
    command = [temporal_binary(), "workflow", "show", "-w", workflow_id, "--address", product.temporal_address]
    return subprocess.run([*command, "--detailed", *codec], capture_output=True, text=True, timeout=60)


def test_the_cli_shows_a_case_through_the_codec_endpoint_only_with_an_operations_key(product: Product) -> None:
    keys = product.keys()
    referral = {
        "team": "east-locality",
        "route": "hospital_discharge",
        "reason": "discharge after a fall at home",
        "adult_id": "adult-1",
        "adult_name": NAME,
        "adult_date_of_birth": "1941-03-02",
        "primary_support_reason": "physical_support",
    }
    opened = httpx.post(
        f"{product.base_url}/cases",
        json=referral,
        headers={"Authorization": f"Bearer {keys['social_worker']}"},
        timeout=60,
    )
    assert opened.status_code in (200, 201), opened.text
    workflow_id = f"case-{opened.json()['case_id']}"
    endpoint = f"{product.base_url}/codec"

    without = show(product, workflow_id)
    assert without.returncode == 0, without.stderr
    assert "ReceiveReferral" in without.stdout and NAME not in without.stdout

    decoded = show(product, workflow_id, "--codec-endpoint", endpoint, "--codec-auth", f"Bearer {keys['ops']}")
    assert decoded.returncode == 0, decoded.stderr
    assert NAME in decoded.stdout

    refused = show(
        product, workflow_id, "--codec-endpoint", endpoint, "--codec-auth", f"Bearer {keys['social_worker']}"
    )
    assert NAME not in refused.stdout + refused.stderr

    # The dev server's Web UI is pointed at the same endpoint.
    ui = httpx.get(f"http://127.0.0.1:{product.ui_port}/api/v1/settings", timeout=30).json()
    assert ui["Codec"]["Endpoint"] == endpoint

    made = product.folder / "var" / "payload-keys"
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
