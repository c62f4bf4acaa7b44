"""A standard tus client (tuspy, tus.io's Python client) against the office server.

    python tus_upload.py BASE_URL DEVICE_CREDENTIAL

Uploads a ~300 KB JPEG in several chunks through tusclient.TusClient, with a per-chunk
Upload-Checksum, interrupts the upload half-way and resumes it with a second uploader
that asks the server for its offset (HEAD), then checks with HEAD /api/v1/photos/<sha256>
that the office holds the photo. Then the refusals a tablet relies on: a photo whose
bytes do not match the sha256 named at creation is refused (460) and not held, a
creation without a valid sha256 or without the credential is refused.

Prints each step; exits non-zero on the first thing that is not as it should be.
"""

import hashlib
import io
import random
import sys

import requests
from PIL import Image
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError, TusUploadFailed

CHUNK = 64 * 1024
passed = 0


def step(message):
    """One thing checked and found as it should be."""
    global passed
    passed += 1
    print(f"tus-conformance: {message}", flush=True)


def fail(message):
    print(f"tus-conformance: FAILED: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def jpeg(seed, width=540, height=720):
    """A real JPEG of noise (noise barely compresses: about 300 KB at this size)."""
    rnd = random.Random(seed)
    image = Image.frombytes("RGB", (width, height), rnd.randbytes(width * height * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


class Server:
    def __init__(self, base, credential):
        self.base = base.rstrip("/")
        self.auth = {"Authorization": f"Bearer {credential}"}
        self.uploads = f"{self.base}/api/v1/uploads"

    def client(self, auth=True):
        return TusClient(self.uploads, headers=dict(self.auth) if auth else {})

    def photo_held(self, sha256):
        r = requests.head(f"{self.base}/api/v1/photos/{sha256}", headers=self.auth, timeout=30)
        if r.status_code not in (200, 404):
            fail(f"HEAD /api/v1/photos/{sha256[:12]}… answered {r.status_code}")
        return r.status_code == 200


def expect_refused(what, status, action):
    """Runs `action`, which tuspy must end with a TusCommunicationError of `status`."""
    try:
        action()
    except (TusCommunicationError, TusUploadFailed) as e:
        if e.status_code != status:
            fail(f"{what}: expected {status}, the server answered {e.status_code} ({e.response_content!r})")
        step(f"{what}: refused with {status}, as it must be")
        return
    fail(f"{what}: the upload was accepted")


def main():
    base, credential = sys.argv[1], sys.argv[2]
    server = Server(base, credential)

    # What the server announces (OPTIONS needs no credential).
    r = requests.options(server.uploads, timeout=30)
    if r.status_code not in (200, 204) or r.headers.get("Tus-Version") != "1.0.0":
        fail(f"OPTIONS /api/v1/uploads answered {r.status_code} {dict(r.headers)}")
    extensions = set(r.headers.get("Tus-Extension", "").split(","))
    if not {"creation", "checksum", "termination", "expiration"} <= extensions:
        fail(f"Tus-Extension is {r.headers.get('Tus-Extension')!r}")
    if "sha1" not in r.headers.get("Tus-Checksum-Algorithm", "").split(","):
        fail("Tus-Checksum-Algorithm does not offer sha1, which tuspy uses")
    step(f"OPTIONS: Tus-Version 1.0.0, extensions {r.headers['Tus-Extension']}, "
         f"checksums {r.headers['Tus-Checksum-Algorithm']}, max size {r.headers.get('Tus-Max-Size')}")

    # 1. A photo in chunks, interrupted half-way and resumed by another uploader.
    photo = jpeg(seed=1)
    sha256 = hashlib.sha256(photo).hexdigest()
    chunks = -(-len(photo) // CHUNK)
    step(f"photo: a {len(photo)}-byte JPEG, sha256 {sha256[:16]}…, {chunks} chunks of {CHUNK} bytes")
    if server.photo_held(sha256):
        fail("the office holds the photo before it was sent")

    first = server.client().uploader(
        file_stream=io.BytesIO(photo), chunk_size=CHUNK, metadata={"sha256": sha256},
        upload_checksum=True,
    )
    half = (chunks // 2) * CHUNK
    first.upload(stop_at=half)
    if first.offset != half:
        fail(f"after the first chunks the offset is {first.offset}, not {half}")
    step(f"tuspy created {first.url} and sent {half} bytes in {chunks // 2} PATCHes "
         "with Upload-Checksum (sha1), then stopped")
    if server.photo_held(sha256):
        fail("the office holds the photo after half of it was sent")

    second = server.client().uploader(
        file_stream=io.BytesIO(photo), chunk_size=CHUNK, url=first.url,
        upload_checksum=True,
    )
    if second.offset != half:
        fail(f"a new uploader for {first.url} got offset {second.offset} from HEAD, not {half}")
    step(f"a second tuspy uploader resumed: HEAD gave offset {second.offset}")
    patches = 0
    while second.offset < len(photo):
        second.upload_chunk()
        patches += 1
    if second.offset != len(photo):
        fail(f"the upload ended at offset {second.offset}, not {len(photo)}")
    step(f"it sent the remaining {len(photo) - half} bytes in {patches} PATCHes")
    if not server.photo_held(sha256):
        fail("HEAD /api/v1/photos/<sha256> does not find the uploaded photo")
    step("HEAD /api/v1/photos/<sha256>: 200, the office holds the photo")

    # The finished upload is gone; the photo is held once.
    r = requests.head(first.url, headers={**server.auth, "Tus-Resumable": "1.0.0"}, timeout=30)
    if r.status_code != 404:
        fail(f"HEAD on the finished upload answered {r.status_code}, not 404")

    # 2. Bytes that do not match the sha256 named at creation.
    other = jpeg(seed=2)
    other_sha = hashlib.sha256(other).hexdigest()
    wrong = server.client().uploader(
        file_stream=io.BytesIO(other), chunk_size=CHUNK, metadata={"sha256": sha256[::-1]},
    )
    expect_refused("a photo whose bytes do not match its sha256", 460, wrong.upload)
    if server.photo_held(other_sha) or server.photo_held(sha256[::-1]):
        fail("the office holds a photo whose bytes did not match its sha256")
    r = requests.head(wrong.url, headers={**server.auth, "Tus-Resumable": "1.0.0"}, timeout=30)
    if r.status_code != 404:
        fail(f"the refused upload is still there: HEAD answered {r.status_code}, not 404")
    step("the mismatched photo is not held and its upload was discarded")

    # 3. Creation without a usable sha256, and without the credential.
    expect_refused(
        "an upload whose sha256 metadata is not a lowercase hex SHA-256", 400,
        lambda: server.client().uploader(
            file_stream=io.BytesIO(other), chunk_size=CHUNK, metadata={"sha256": sha256.upper()},
        ).upload(),
    )
    expect_refused(
        "an upload without metadata", 400,
        lambda: server.client().uploader(file_stream=io.BytesIO(other), chunk_size=CHUNK).upload(),
    )
    expect_refused(
        "an upload without the device credential", 401,
        lambda: server.client(auth=False).uploader(
            file_stream=io.BytesIO(other), chunk_size=CHUNK, metadata={"sha256": other_sha},
        ).upload(),
    )

    # 4. The second photo, sent properly in one go (upload() as most callers use it).
    ok = server.client().uploader(
        file_stream=io.BytesIO(other), chunk_size=100 * 1024, metadata={"sha256": other_sha},
    )
    ok.upload()
    if not server.photo_held(other_sha):
        fail("the second photo is not held after upload()")
    step(f"a second photo ({len(other)} bytes) with upload() in 100 KiB chunks: held")
    print(f"tus-conformance: {passed} passed, 0 failed")


if __name__ == "__main__":
    main()
