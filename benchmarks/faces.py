"""Benchmark: the face pipeline, as ratios against floors measured in the same run.

    .venv/bin/python -m benchmarks.faces [--sizes 10000,100000,1000000] [--frames 5] [--queries 100]
        [--system | --url http://127.0.0.1:8080 --token <kiosk or staff token> --office demo]

Per frame: each shared photo letterboxed into a 640×480 JPEG, then load_image + encode_faces, against
the floor of face_recognition called directly on the already-decoded array with the same upsampling.
1:N match through FaceIndex over N synthetic encodings, against one bare numpy matrix-vector product
over the same matrix. With --system (an embedded system of its own) or --url (a running one), also an HTTP
identification round trip against the in-process encoding of the same frame (benchmarks/identify_http.py), and with
--system what four identifications at once do to /healthz and a ticket issue. Photos: MOTCUA_FACES_DIR, else
../shared/faces next to the repository.
"""
from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from services.identity.face_index import DIMENSIONS, FaceIndex
from services.identity.face_models import check_face_models, import_face_recognition
from services.identity.faces import encode_faces, load_image

FACES_DIR = Path(os.environ.get("MOTCUA_FACES_DIR", Path(__file__).resolve().parents[2] / "shared" / "faces"))


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                model = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy {np.__version__}"


def paired_ms(repeats: int, ours: Callable[[], object], floor: Callable[[], object]) -> tuple[float, float]:
    """Median milliseconds of each, timed alternately so that load from other processes hits both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for call, out in ((ours, samples[0]), (floor, samples[1])):
            start = time.perf_counter()
            call()
            out.append(time.perf_counter() - start)
    return statistics.median(samples[0]) * 1000, statistics.median(samples[1]) * 1000


def median_ms(repeats: int, call: Callable[[], object]) -> float:
    return paired_ms(repeats, call, lambda: None)[0]


def line(name: str, ours: float, floor: float, unit: str) -> None:
    ratio = ours / floor if floor else float("nan")
    print(f"  {name:<44} {ours:9.2f} {unit:<3} floor {floor:9.2f} {unit:<3} ratio {ratio:6.2f} × floor")


def frame_640x480(path: Path) -> bytes:
    with Image.open(path) as image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
    framed = ImageOps.pad(upright, (640, 480), color="white")
    buffer = io.BytesIO()
    framed.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def bench_frames(frames: int) -> None:
    print(f"Per frame, 640×480 JPEG: load_image + encode_faces vs face_recognition on the decoded array "
          f"(median of {frames})")
    if problem := check_face_models(probe=False):
        print(f"  skipped: {problem}")
        return
    photos = sorted(FACES_DIR.glob("*.jpg"))
    if not photos:
        print(f"  skipped: no photos in {FACES_DIR}")
        return
    face_recognition = import_face_recognition()
    for path in photos:
        data = frame_640x480(path)
        rgb = load_image(data)
        upsample = 0 if face_recognition.face_locations(rgb, 0) else 1

        def floor() -> object:
            boxes = face_recognition.face_locations(rgb, number_of_times_to_upsample=upsample)
            return face_recognition.face_encodings(rgb, known_face_locations=boxes[:1])

        result = encode_faces(rgb)
        floor()  # warm caches
        ours, bare = paired_ms(frames, lambda: encode_faces(load_image(data)), floor)
        line(f"{path.name} ({result.status}, upsample {upsample})", ours, bare, "ms")


def build_index(size: int, rng: np.random.Generator) -> FaceIndex:
    index = FaceIndex(capacity=size)
    chunk = 100_000
    for start in range(0, size, chunk):
        count = min(chunk, size - start)
        block = rng.standard_normal((count, DIMENSIONS), dtype=np.float32) * np.float32(0.125)
        index.add_many([f"c{number}" for number in range(start, start + count)], block)
    return index


def bench_match(sizes: Sequence[int], queries: int) -> None:
    print(f"1:N match through FaceIndex vs one bare numpy matrix-vector product over the same matrix "
          f"(median of {queries})")
    rng = np.random.default_rng(20260301)
    for size in sizes:
        start = time.perf_counter()
        index = build_index(size, rng)
        built = time.perf_counter() - start
        matrix = index.matrix
        picks = rng.integers(0, size, queries)
        probes = [matrix[pick] + rng.normal(0, 0.02, DIMENSIONS).astype(np.float32) for pick in picks]
        found = sum(1 for probe in probes if getattr(index.match(probe), "citizen_id", None) is not None)
        ours_cycle, bare_cycle = iter(probes), iter(probes)
        ours, bare = paired_ms(queries, lambda: index.match(next(ours_cycle)), lambda: matrix @ next(bare_cycle))
        line(f"match, N = {size:,}", ours, bare, "ms")
        victims = [f"c{pick}" for pick in rng.integers(0, size, 20)]
        erase = median_ms(len(set(victims)), lambda: index.remove(victims.pop()))
        print(f"  {'':<44} built in {built:.2f} s, {matrix.nbytes / 2**20:.0f} MiB, "
              f"{found}/{queries} probes matched, erase one citizen {erase:.3f} ms")
        del index, matrix, probes


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.faces")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated index sizes")
    parser.add_argument("--frames", type=int, default=10, help="timed repetitions per photo")
    parser.add_argument("--queries", type=int, default=100, help="timed matches per size")
    parser.add_argument("--system", action="store_true", help="also time HTTP identification on an embedded system")
    parser.add_argument("--url", help="also time HTTP identification on this running system")
    parser.add_argument("--token", help="with --url: a kiosk's or staff member's token")
    parser.add_argument("--office", default="demo", help="with --url: the office to identify in")
    args = parser.parse_args(argv)
    if args.url and not args.token:
        parser.error("--url needs --token")
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]
    print(f"motcua face benchmark on {machine()}")
    bench_frames(args.frames)
    bench_match(sizes, args.queries)
    if args.system or args.url:
        bench_http(args)


def bench_http(args: argparse.Namespace) -> None:
    import asyncio

    from benchmarks import identify_http

    print(f"HTTP identification vs load_image + encode_faces in-process on the same frame (median of {args.frames})")
    if problem := check_face_models(probe=False):
        print(f"  skipped: {problem}")
        return
    enrol, probe = FACES_DIR / "obama.jpg", FACES_DIR / "obama2.jpg"
    if not (enrol.is_file() and probe.is_file()):
        print(f"  skipped: no photos in {FACES_DIR}")
        return
    if args.url:
        asyncio.run(identify_http.bench_running(args.url, args.token, args.office, frame_640x480(probe), args.frames))
    else:
        asyncio.run(identify_http.bench_system(enrol.read_bytes(), frame_640x480(probe), args.frames))


if __name__ == "__main__":
    main()
