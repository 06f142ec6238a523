"""The payload codec: what it encrypts comes back whole, old keys still read after a rotation, and
a payload altered, moved under another key id, or under a key this process lacks is refused."""

from __future__ import annotations

import secrets

import pytest
from temporalio.api.common.v1 import Payload

from workflows.encryption import ENCODING, KEY_ID, PayloadEncryption, PayloadTampered, UnknownPayloadKey, data_converter

pytestmark = pytest.mark.unit

NAME = "Zebedee Quillfeather"


def plain(text: str = NAME) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=f'{{"adult_name":"{text}"}}'.encode())


def keys(*key_ids: str) -> dict[str, bytes]:
    return {key_id: secrets.token_bytes(32) for key_id in key_ids}


def codec(*key_ids: str, current: str | None = None) -> PayloadEncryption:
    return PayloadEncryption(keys(*key_ids), current or key_ids[-1])


async def test_a_payload_comes_back_whole_and_is_stored_as_ciphertext_under_its_key_id() -> None:
    one = codec("k1")
    [sealed] = await one.encode([plain()])
    assert sealed.metadata["encoding"] == ENCODING and sealed.metadata[KEY_ID] == b"k1"
    assert NAME.encode() not in sealed.SerializeToString()
    assert b"json/plain" not in sealed.SerializeToString()  # the inner metadata is sealed too
    [opened] = await one.decode([sealed])
    assert opened == plain()
    # A fresh nonce each time: the same payload twice is two different ciphertexts.
    [again] = await one.encode([plain()])
    assert again.data != sealed.data


async def test_after_a_rotation_new_payloads_use_the_new_key_and_old_ones_still_decrypt() -> None:
    first, second = keys("k1"), keys("k2")
    old = PayloadEncryption(first, "k1")
    [written_before] = await old.encode([plain("before")])
    rotated = PayloadEncryption({**first, **second}, "k2")
    [written_after] = await rotated.encode([plain("after")])
    assert written_after.metadata[KEY_ID] == b"k2"
    assert await rotated.decode([written_before, written_after]) == [plain("before"), plain("after")]
    # The old key alone cannot read what the new one wrote, and says which key it lacks.
    with pytest.raises(UnknownPayloadKey, match=r"'k2'.*holds k1"):
        await old.decode([written_after])


async def test_an_altered_ciphertext_is_refused() -> None:
    one = codec("k1")
    [sealed] = await one.encode([plain()])
    flipped = bytearray(sealed.data)
    flipped[-1] ^= 0x01
    with pytest.raises(PayloadTampered, match="'k1'"):
        await one.decode([Payload(metadata=dict(sealed.metadata), data=bytes(flipped))])


@pytest.mark.parametrize("length", [0, 5, 12, 27])
async def test_a_ciphertext_cut_short_is_refused_as_altered(length: int) -> None:
    one = codec("k1")
    [sealed] = await one.encode([plain()])
    with pytest.raises(PayloadTampered):
        await one.decode([Payload(metadata=dict(sealed.metadata), data=sealed.data[:length])])


async def test_a_ciphertext_moved_under_another_key_id_is_refused() -> None:
    both = codec("k1", "k2", current="k1")
    [sealed] = await both.encode([plain()])
    moved = Payload(metadata={**sealed.metadata, KEY_ID: b"k2"}, data=sealed.data)
    with pytest.raises(PayloadTampered):
        await both.decode([moved])


async def test_an_unknown_key_id_is_refused_by_name() -> None:
    one = codec("k1")
    [sealed] = await codec("elsewhere").encode([plain()])
    with pytest.raises(UnknownPayloadKey, match="'elsewhere'"):
        await one.decode([sealed])


async def test_a_payload_written_before_encryption_is_read_as_it_is() -> None:
    assert await codec("k1").decode([plain()]) == [plain()]


async def test_the_data_converter_round_trips_a_model_through_the_codec() -> None:
    converter = data_converter(codec("k1"))
    [sealed] = await converter.encode([{"adult_name": NAME}])
    assert NAME.encode() not in sealed.SerializeToString()
    assert await converter.decode([sealed], [dict]) == [{"adult_name": NAME}]


def test_a_key_of_the_wrong_length_or_a_current_key_not_held_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="16 bytes, not 32"):
        PayloadEncryption({"k1": b"x" * 16}, "k1")
    with pytest.raises(ValueError, match="'k9' is not one of the keys"):
        PayloadEncryption({"k1": b"x" * 32}, "k9")
