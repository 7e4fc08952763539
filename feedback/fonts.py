"""Text for the screen and the report charts: pygame's own sans font through FreeType.

``pygame.font`` (SDL_ttf) hints glyphs to whole pixels, which at the small sizes of a
480x320 screen spaces letters unevenly ("Goed gedaa n", "Practi sed"). ``pygame.freetype``
draws the same font with even spacing. ``Font`` gives it the few calls the drawing code
uses, with the same sizes and line boxes as ``pygame.font.Font(None, px)``, so layouts
stay where they were.
"""

from __future__ import annotations

import contextlib
import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # noqa: E402
import pygame.freetype  # noqa: E402

DEFAULT_SCALE = 0.6875  # pygame.font.Font(None, px) draws its default font at this x px


def oversample(px: int) -> int:
    """How many times larger text of ``px`` is drawn before it is scaled down: enough to
    even out the spacing (FreeType snaps each letter to whole pixels)."""
    return 4 if px < 24 else 2


class Font:
    """The default sans font at ``px`` (as ``pygame.font.Font(None, px)``)."""

    __slots__ = ("_ft", "_k", "_line", "_sizes")

    def __init__(self, px: int, bold: bool = False):
        if not pygame.freetype.get_init():
            pygame.freetype.init(cache_size=1024)
        self._line = 0  # the line height, once asked (the layouts ask it on every redraw)
        self._sizes: dict[str, tuple[int, int]] = {}  # measured texts (see size)
        k = self._k = oversample(px)
        ft = self._ft = pygame.freetype.Font(None, max(px * DEFAULT_SCALE * k, 1.0))
        ft.pad = True  # boxes of the font's full height, so lines of a table share a baseline
        ft.strong = bold

    def size(self, s: str) -> tuple[int, int]:
        """Width and height of ``s``. Remembered: the layouts' searches measure the same
        texts at the same sizes again and again (the summary table's first frame asked
        15 000 times for 800 texts, 0.45 s of the loop here), and FreeType measures at
        the oversampled size."""
        got = self._sizes.get(s)
        if got is None:
            if len(self._sizes) > 1024:
                self._sizes.clear()
            r = self._ft.get_rect(s)
            got = self._sizes[s] = (-(-r.width // self._k), -(-r.height // self._k))
        return got

    def get_linesize(self) -> int:
        if not self._line:
            self._line = -(-self._ft.get_sized_height() // self._k)
        return self._line

    def ascent(self) -> int:
        """From the top of a line's box (``size``'s height) down to its baseline."""
        return round(self._ft.get_sized_ascender() / self._k)

    def render(self, s: str, antialias: bool, colour) -> pygame.Surface:
        ft = self._ft
        ft.antialiased = antialias
        r = ft.get_rect(s)
        # Drawn into a surface of the screen's own channel order (ARGB): FreeType's own
        # RGBA surfaces blit about 30 times slower.
        img = pygame.Surface((max(r.width, 1), max(r.height, 1)), pygame.SRCALPHA, 32)
        ft.render_to(img, (0, 0), s, colour)
        k = self._k
        return pygame.transform.smoothscale(img, (max(-(-r.width // k), 1),
                                                  max(-(-r.height // k), 1)))


def save_png(surface: pygame.Surface, path) -> None:
    """Write ``surface`` to ``path`` as PNG, whole or not at all. ``pygame.image.save``
    reports no write error: on a full disk it left a cut-off file and the command said
    it was written. The bytes go through Python (which raises) to a temporary file that
    replaces ``path`` only when complete."""
    import io

    buf = io.BytesIO()
    pygame.image.save(surface, buf, "image.png")
    path = os.fspath(path)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as fh:
            fh.write(buf.getvalue())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
