#!/usr/bin/env python3
"""Independent decrypter for Tink AES-GCM-HKDF-Streaming ciphertexts.

Written from Tink's published format description
(https://developers.google.com/tink/streaming-aead/aes_gcm_hkdf_streaming), not from Writ's
TypeScript, so that Writ's encryption is checked by a second reading of the format. Uses only the
HKDF and AES-GCM primitives of python3-cryptography (Debian: apt-get install -y python3-cryptography).

  tink_streaming_decrypt.py --key-hex HEX --ad-hex HEX --ciphertext FILE
                            [--key-size 32] [--hash sha256] [--segment-size 1048576]
      Prints the SHA-256 of the plaintext (hex). Exits 1 if the ciphertext does not authenticate.
  tink_streaming_decrypt.py --self-test
      Decrypts Tink's published test vector (tink-cross-lang-tests,
      aes_gcm_hkdf_streaming_key_test.py, test_manually_created_test_vector; Apache-2.0).
"""

import argparse
import hashlib
import os
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TAG_SIZE = 16
NONCE_PREFIX_SIZE = 7
# Segment numbers are 32 bits; the strictest Tink implementation stops one short of 2^32.
MAX_SEGMENTS = 2**32 - 1
HASHES = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha512": hashes.SHA512}


class IntegrityError(Exception):
    pass


def segment_ranges(total, header_size, segment_size):
    """Yields (index, start, end, is_last): segment 0 follows the header, the others sit on the
    segment-size grid, and the last one ends where the ciphertext ends."""
    if total < header_size + TAG_SIZE:
        raise IntegrityError("ciphertext shorter than a header and one tag")
    index, start = 0, header_size
    while True:
        end = min((index + 1) * segment_size, total)
        if end - start < TAG_SIZE:
            raise IntegrityError("segment %d shorter than a tag" % index)
        if index >= MAX_SEGMENTS:
            raise IntegrityError("too many segments")
        yield index, start, end, end == total
        if end == total:
            return
        index, start = index + 1, end


def decrypt_file(handle, total, key, ad, key_size, hash_name, segment_size, sink):
    header_size = 1 + key_size + NONCE_PREFIX_SIZE
    header = handle.read(header_size)
    if len(header) != header_size or header[0] != header_size:
        raise IntegrityError("header length byte does not match the parameters")
    salt, nonce_prefix = header[1 : 1 + key_size], header[1 + key_size :]
    derived = HKDF(algorithm=HASHES[hash_name](), length=key_size, salt=salt, info=ad).derive(key)
    aead = AESGCM(derived)
    for index, start, end, is_last in segment_ranges(total, header_size, segment_size):
        handle.seek(start)
        segment = handle.read(end - start)
        nonce = nonce_prefix + index.to_bytes(4, "big") + (b"\x01" if is_last else b"\x00")
        try:
            sink(aead.decrypt(nonce, segment, None))
        except InvalidTag:
            raise IntegrityError("segment %d does not authenticate" % index) from None


def self_test():
    import io

    h = bytes.fromhex
    ciphertext = (
        h("18" "93b3af5e14ab378d065addfc8484da64" "2c0862877baea8")
        + h("db92d9c77406a406168478821c4298eab3e6d531277f4c1a051714faebcaefcbca7b7be05e9445ea")
        + h(
            "a0bb2904153398a25084dd80ae0edcd1c3079fcea2cd3770630ee36f7539207b8ec9d754956d486b"
            "71cdf989f0ed6fba6779b63558be0a66e668df14e1603cd2"
        )
        + h("af8944844078345286d0b292e772e7190775c51a0f83e40c0b75821027e7e538e111")
    )
    expected = b"This is a fairly long plaintext. It is of the exact length to create three output blocks. "
    parts = []
    key = h("6eb56cdc726dfbe5d57f2fcdc6e9345b")
    decrypt_file(io.BytesIO(ciphertext), len(ciphertext), key, b"aad", 16, "sha1", 64, parts.append)
    if b"".join(parts) != expected:
        raise SystemExit("self-test: plaintext differs from Tink's published vector")
    print("self-test ok")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("--key-hex")
    parser.add_argument("--ad-hex", default="")
    parser.add_argument("--ciphertext")
    parser.add_argument("--key-size", type=int, default=32, choices=(16, 32))
    parser.add_argument("--hash", default="sha256", choices=sorted(HASHES))
    parser.add_argument("--segment-size", type=int, default=1048576)
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if args.key_hex is None or args.ciphertext is None:
        parser.error("--key-hex and --ciphertext are required")
    digest = hashlib.sha256()
    total = os.path.getsize(args.ciphertext)
    try:
        with open(args.ciphertext, "rb") as handle:
            decrypt_file(
                handle,
                total,
                bytes.fromhex(args.key_hex),
                bytes.fromhex(args.ad_hex),
                args.key_size,
                args.hash,
                args.segment_size,
                digest.update,
            )
    except IntegrityError as error:
        print("integrity failure: %s" % error, file=sys.stderr)
        sys.exit(1)
    print(digest.hexdigest())


if __name__ == "__main__":
    main()
