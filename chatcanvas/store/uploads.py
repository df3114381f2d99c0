"""Turning untrusted bytes into a checked image: allowed formats, size caps, bombs, truncation, EXIF rotation."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from chatcanvas.errors import InvalidImage

ALLOWED_FORMATS = ("PNG", "JPEG", "WEBP")


def decode_image(data: bytes, *, max_bytes: int, max_pixels: int, field: str = "image") -> Image.Image:
    """Decode an uploaded PNG, JPEG or WebP into RGB (RGBA when it has transparency), upright per its EXIF."""
    if not isinstance(data, (bytes, bytearray)):
        raise InvalidImage(f"expected the file's bytes, got {type(data).__name__}", field)
    if not data:
        raise InvalidImage("the file is empty", field)
    if len(data) > max_bytes:
        raise InvalidImage(f"the file is {len(data):,} bytes; the limit is {max_bytes:,}", field)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1x and 2x its pixel limit; a bomb is an error here at any size.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
            width, height = image.size
            if width * height > max_pixels:
                raise InvalidImage(
                    f"the image is {width}x{height} = {width * height:,} pixels; the limit is {max_pixels:,}", field
                )
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidImage(f"refused as a decompression bomb ({exc})", field) from exc
    except UnidentifiedImageError as exc:
        raise InvalidImage(f"not an image in an accepted format ({', '.join(ALLOWED_FORMATS)})", field) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InvalidImage(f"the image data is damaged or truncated ({exc})", field) from exc
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    return image.convert("RGBA" if has_alpha else "RGB")


def edit_mask(image: Image.Image) -> Image.Image:
    """A mask as the engine wants it (white = repaint, black = keep).

    An image with transparency follows the OpenAI convention: fully transparent pixels mark the area to edit.
    An opaque image is read as grey levels, white marking the area to edit (the diffusers convention).
    """
    if image.mode in ("RGBA", "LA"):
        alpha = image.getchannel("A")
        return alpha.point(lambda value: 255 if value == 0 else 0, mode="L")
    return image.convert("L")
