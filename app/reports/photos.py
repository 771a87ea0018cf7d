"""Photo uploads: check the type and size, decode, re-encode; no metadata survives.

Only what Pillow can decode as JPEG, PNG or WebP is accepted. The picture is turned
upright by its EXIF orientation, scaled down to a web size and written anew, so EXIF,
GPS, XMP, ICC and comments of the upload never reach the database.
"""
import hashlib
import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding
MAX_EDGE = 2000  # long edge of the stored picture, in pixels
MIN_EDGE = 200
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")


class PhotoError(ValueError):
    """The upload is not a usable photo; `code` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code  # too_large | not_an_image | too_many_pixels | too_small


@dataclass(frozen=True)
class ProcessedPhoto:
    data: bytes
    mime_type: str
    width: int
    height: int
    sha256: str


def process_photo(raw: bytes) -> ProcessedPhoto:
    """Decode an uploaded photo and re-encode it without metadata (JPEG, or PNG if it has alpha)."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise PhotoError("too_large")
    try:
        with Image.open(io.BytesIO(raw), formats=ACCEPTED_FORMATS) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise PhotoError("too_many_pixels")
            probe.load()
            image = ImageOps.exif_transpose(probe)
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise PhotoError("too_many_pixels") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise PhotoError("not_an_image") from exc
    if min(image.size) < MIN_EDGE:
        raise PhotoError("too_small")
    image.thumbnail((MAX_EDGE, MAX_EDGE), Image.Resampling.LANCZOS)
    has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
    # A fresh image carries pixels only: no info dict, no EXIF, no ICC profile.
    clean = Image.new("RGBA" if has_alpha else "RGB", image.size)
    clean.paste(image.convert("RGBA" if has_alpha else "RGB"))
    out = io.BytesIO()
    if has_alpha:
        clean.save(out, format="PNG", optimize=True)
        mime = "image/png"
    else:
        clean.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
        mime = "image/jpeg"
    data = out.getvalue()
    return ProcessedPhoto(data=data, mime_type=mime, width=clean.width, height=clean.height,
                          sha256=hashlib.sha256(data).hexdigest())
