"""Decoding untrusted image files, in a short-lived process with a memory and CPU ceiling.

articles.imaging runs this file as ``python -I imaging_worker.py JOB`` with the image on
stdin, and waits for it at most a stated time. A file that would need more memory fails
here (MemoryError, or the kernel refusing the allocation) instead of swelling a web worker
until it is killed; one that takes too long is killed without taking a web worker with it.

It imports nothing of Django and reads nothing but stdin, so it starts in a few tens of
milliseconds and a flaw in a decoder reaches nothing else. It answers on stdout with one line
of JSON, then the files it made, back to back, their sizes in the JSON (plain data: the
parent never unpickles what a decoder touched).

Every picture is decoded once and reduced once: a JPEG is decoded straight at 1/2, 1/4 or
1/8 scale (``draft``), others are shrunk by whole factors (``reduce``) before the fine
resampling, and every output is derived from that reduced copy.
"""

import io
import json
import math
import re
import resource
import sys
import warnings

# Formats we accept, and what the stored master becomes. A camera's MPO is a JPEG with
# more frames after the first (a stereo pair, a depth map); the first is the photo.
ACCEPTED = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "AVIF": "AVIF"}
ENCODERS = {
    "JPEG": {"quality": 90},
    "PNG": {"compress_level": 6},
    "WEBP": {"quality": 92, "method": 4},
    "AVIF": {"quality": 85},
}


class Refused(Exception):
    def __init__(self, code, **params):
        super().__init__(code)
        self.code, self.params = code, params


def main() -> None:
    job = json.loads(sys.argv[1])
    ceiling = job["memory_bytes"]
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
    resource.setrlimit(resource.RLIMIT_CPU, (job["cpu_seconds"], job["cpu_seconds"] + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    files = []
    try:
        result, files = TASKS[job["task"]](sys.stdin.buffer.read(), job)
    except Refused as refusal:
        result = {"error": refusal.code, "params": refusal.params}
    except MemoryError:
        result = {"error": "memory"}
    except Exception as error:  # noqa: BLE001 - a decoder's complaint means a damaged file
        result = {"error": _classify(error), "detail": repr(error)[:300]}
    result["sizes"] = [len(f) for f in files]
    result["peak"] = _peak_memory()
    out = sys.stdout.buffer
    out.write(json.dumps(result).encode() + b"\n")
    for data in files:
        out.write(data)
    out.flush()


def _peak_memory() -> dict:
    """This process's high-water marks in MB: resident (VmHWM) and address space (VmPeak).

    Read from /proc rather than getrusage, whose figure includes the web worker this
    process was forked from.
    """
    peak = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _colon, value = line.partition(":")
            if key in ("VmHWM", "VmPeak"):
                peak[key] = round(int(value.split()[0]) / 1024, 1)
    return peak


def _classify(error: Exception) -> str:
    from PIL import Image, UnidentifiedImageError

    if isinstance(error, UnidentifiedImageError):
        return "not_an_image"
    if isinstance(error, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return "too_many_pixels"
    return "damaged"


def open_image(data: bytes, job: dict):
    """Open lazily and check what the header promises before a single pixel is decoded."""
    from PIL import AvifImagePlugin, Image

    # The AV1 decoder would start a thread per core, each with its own stack and malloc
    # arena counted against the memory ceiling: two keep the cost the same on any machine.
    AvifImagePlugin.DEFAULT_MAX_THREADS = 2
    max_pixels = job["max_pixels"]
    # Pillow's own guard, at our limit: it refuses outright past twice that.
    Image.MAX_IMAGE_PIXELS = max_pixels
    warnings.simplefilter("error", Image.DecompressionBombWarning)
    try:
        image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Refused("too_many_pixels", w=0, h=0) from None
    width, height = image.size
    if image.format not in ACCEPTED:
        raise Refused("format", format=image.format or "")
    if width * height > max_pixels:
        raise Refused("too_many_pixels", w=width, h=height)
    return image


def decode(data: bytes, job: dict):
    """The picture at most ``job["longest"]`` pixels on its longer side, upright, in RGB or
    RGBA; with what the file said (format, size, colour profile, credit).

    The decoded file is the one large allocation (4 bytes a pixel, however few the file
    stores); it is dropped as soon as a whole-factor reduction of it exists, and everything
    after works on the reduced copy.
    """
    from PIL import Image, ImageOps

    image = open_image(data, job)
    image.seek(0)  # an MPO's first frame
    said = {"format": image.format, "size": image.size, "icc": image.info.get("icc_profile")}
    width, height = image.size
    scale = min(1.0, job["longest"] / max(width, height))
    target = (max(1, round(width * scale)), max(1, round(height * scale)))
    if image.format in ("JPEG", "MPO"):
        image.draft("RGB", target)  # libjpeg decodes at 1/2, 1/4 or 1/8 scale directly
    image.load()
    said["credit"] = read_credit(image)
    transparent = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or ("transparency" in image.info)
    if image.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):
        image = image.convert("RGBA" if transparent else "RGB")
    factor = min(image.width // target[0], image.height // target[1])
    if factor >= 2:
        image = image.reduce(factor)  # a box filter: fast, and the full picture can go
    if image.size != target:
        image = image.resize(target, Image.Resampling.LANCZOS)
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if transparent else "RGB")
    return image, said


def encode(image, pillow_format: str, icc, **options) -> bytes:
    """The pixels and the colour profile, nothing else: no EXIF (GPS), XMP, IPTC or comment.

    Pillow carries ``info`` through every copy and writes some of it back (a JPEG's comment
    is one), so it is emptied here, the one place every stored file is written.
    """
    image.info = {}
    if pillow_format == "JPEG" and image.mode != "RGB":
        image = image.convert("RGB")
    buffer = io.BytesIO()
    if icc:
        options["icc_profile"] = icc
    image.save(buffer, pillow_format, **options)
    return buffer.getvalue()


def master(data: bytes, job: dict):
    picture, said = decode(data, job)
    stored_as = ACCEPTED[said["format"]]
    file = encode(picture, stored_as, said["icc"], **ENCODERS[stored_as])
    width, height = said["size"]
    result = {"format": stored_as, "width": width, "height": height, "credit": said["credit"]}
    return result, [file]


def renditions(data: bytes, job: dict):
    """Every rendition of ``job["renditions"]``: [kind, ratio or None, [widths]] each."""
    from PIL import Image

    image = open_image(data, job)
    longest = min(job["longest"], _longest_needed(*image.size, job["renditions"]))
    image.close()
    picture, said = decode(data, {**job, "longest": longest})
    base = picture.convert("RGB")
    del picture
    made, files = [], []
    for kind, ratio, widths in job["renditions"]:
        if ratio is None:
            cropped = base
        else:
            cropped = base.crop(crop_box(*base.size, ratio, job["focal_x"], job["focal_y"]))
        shape = cropped.width / cropped.height
        for width in sorted({min(w, cropped.width) for w in widths}):
            size = (width, max(1, round(width / shape)))
            resized = cropped.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
            for extension, pillow_format, options in job["formats"]:
                files.append(encode(resized.copy(), pillow_format, said["icc"], **options))
                made.append([kind, extension, *size])
    return {"renditions": made}, files


def _longest_needed(width: int, height: int, kinds) -> int:
    """The longer side the picture needs so that every crop still fills its widest
    rendition: a 3200-pixel master of a 3:2 photo is decoded at 1600, straight from the
    JPEG at half scale. Either orientation is allowed for, as a stored master could still
    carry an EXIF rotation."""
    scale = 0.0
    for w, h in ((width, height), (height, width)):
        for _kind, ratio, widths in kinds:
            left, _top, right, _bottom = crop_box(w, h, ratio or w / h, 0.5, 0.5)
            scale = max(scale, min(1.0, max(widths) / (right - left)))
    return max(1, math.ceil(max(width, height) * scale))


def crop_box(width: int, height: int, ratio: float, focal_x: float, focal_y: float):
    """The largest box of ``ratio`` inside the image, centred on the focal point if it can be;
    never less than one pixel either way, however thin the image."""
    if width / height > ratio:
        box_w, box_h = max(1, round(height * ratio)), height
    else:
        box_w, box_h = width, max(1, round(width / ratio))
    left = min(max(round(focal_x * width - box_w / 2), 0), width - box_w)
    top = min(max(round(focal_y * height - box_h / 2), 0), height - box_h)
    return left, top, left + box_w, top + box_h


def _text(value) -> str:
    if isinstance(value, list):
        value = b"; ".join(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return " ".join(str(value).split())


_XMP_FIELDS = {
    "credit": re.compile(r"photoshop:Credit(?:=\"([^\"]*)\"|>([^<]*)<)"),
    "source": re.compile(r"photoshop:Source(?:=\"([^\"]*)\"|>([^<]*)<)"),
    "creator": re.compile(r"<dc:creator>.*?<rdf:li[^>]*>([^<]*)</rdf:li>", re.S),
    "caption": re.compile(r"<dc:description>.*?<rdf:li[^>]*>([^<]*)</rdf:li>", re.S),
}


def read_credit(image) -> dict:
    """Credit, caption, creator and source from the file's IPTC or XMP, where present."""
    from PIL import IptcImagePlugin

    found = {}
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b""
    if isinstance(xmp, bytes):
        xmp = xmp.decode("utf-8", errors="replace")
    for name, pattern in _XMP_FIELDS.items():
        match = pattern.search(xmp)
        if match:
            value = next((g for g in match.groups() if g), "")
            if value.strip():
                found[name] = _text(value)
    try:
        iptc = IptcImagePlugin.getiptcinfo(image) or {}
    except (OSError, SyntaxError, ValueError):
        iptc = {}
    for name, key in {
        "creator": (2, 80),
        "credit": (2, 110),
        "source": (2, 115),
        "caption": (2, 120),
    }.items():
        if key in iptc and name not in found:
            found[name] = _text(iptc[key])
    return found


TASKS = {"master": master, "renditions": renditions}

if __name__ == "__main__":
    main()
