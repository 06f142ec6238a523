"""The README's curl session, run as written against the product `make run` starts."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.e2e.conftest import Product

README = Path(__file__).parents[2] / "README.md"


def curl_session() -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- curl-session -->\n```sh\n(.*?)\n```", text, re.S)
    assert found, "the README has lost its curl session"
    return found.group(1)


def test_the_readme_curl_session_takes_a_case_from_referral_to_its_first_payment(product: Product):
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", curl_session()],
        cwd=product.folder,
        env={"API": product.base_url, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("screening ['ReferralReceived']"), lines
    assert any(line.startswith("assessments_outstanding [] support planning waits") for line in lines), lines
    assert any(line.startswith("support_planning ['DirectPaymentRequested']") for line in lines), lines
    assert "paid_pence 92000 committed_pence" in done.stdout, lines
    assert re.search(r"stage in_service next review due \d{4}-\d\d-\d\d", done.stdout), lines
    assert '"intact":true' in done.stdout, lines
