"""Shared plotting helpers: CJK fonts, official AQI category colours, atomic PNG saving.

Every matplotlib figure airlib shows a user is labelled in Chinese, so call
:func:`use_chinese_fonts` before drawing. It fails loudly (``AirlibError``) when no CJK
font is installed instead of silently drawing empty boxes (豆腐块) in place of glyphs.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Final

from airlib.errors import AirlibError
from airlib.files import atomic_write

__all__ = [
    "CJK_FONT_FAMILIES",
    "AQI_CATEGORIES",
    "aqi_category_colours",
    "find_cjk_font",
    "use_chinese_fonts",
    "save_figure",
]

#: CJK font families tried in order (Debian ``fonts-noto-cjk``).
CJK_FONT_FAMILIES: Final[tuple[str, ...]] = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "SimHei",
    "Microsoft YaHei",
)

#: AQI categories (HJ 633—2012 Table 2 and Appendix A; unchanged in HJ 633—2026):
#: (upper AQI bound, level, category, colour name, RGB 0–255).
AQI_CATEGORIES: Final[tuple[tuple[int, str, str, str, tuple[int, int, int]], ...]] = (
    (50, "一级", "优", "绿色", (0, 228, 0)),
    (100, "二级", "良", "黄色", (255, 255, 0)),
    (150, "三级", "轻度污染", "橙色", (255, 126, 0)),
    (200, "四级", "中度污染", "红色", (255, 0, 0)),
    (300, "五级", "重度污染", "紫色", (153, 0, 76)),
    (10**9, "六级", "严重污染", "褐红色", (126, 0, 35)),
)


def aqi_category_colours(fmt: str = "hex") -> dict[str, str | tuple[float, float, float]]:
    """Official colour of each AQI category (HJ 633—2012 Appendix A).

    Parameters
    ----------
    fmt : {"hex", "rgb", "mpl"}
        ``"hex"`` → ``"#00e400"``; ``"rgb"`` → ``"rgb(0,228,0)"`` (plotly);
        ``"mpl"`` → RGB tuple scaled to 0–1 (matplotlib).

    Returns
    -------
    dict
        Category name (优, 良, 轻度污染, 中度污染, 重度污染, 严重污染) → colour, in
        order of increasing pollution.
    """
    out: dict[str, str | tuple[float, float, float]] = {}
    for _, _, name, _, (r, g, b) in AQI_CATEGORIES:
        if fmt == "hex":
            out[name] = f"#{r:02x}{g:02x}{b:02x}"
        elif fmt == "rgb":
            out[name] = f"rgb({r},{g},{b})"
        elif fmt == "mpl":
            out[name] = (r / 255, g / 255, b / 255)
        else:
            raise ValueError(f"fmt must be 'hex', 'rgb' or 'mpl', not {fmt!r}")
    return out


def find_cjk_font() -> str | None:
    """Name of the first installed CJK font family of :data:`CJK_FONT_FAMILIES`, or None.

    Returns
    -------
    str or None
    """
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FONT_FAMILIES:
        if family in installed:
            return family
    return None


def use_chinese_fonts() -> str:
    """Make matplotlib draw Chinese glyphs; return the CJK font family used.

    Sets ``font.family = sans-serif`` with the CJK family first in ``font.sans-serif``
    (DejaVu Sans kept as fallback for Latin/µ/³) and ``axes.unicode_minus = False`` (the
    Unicode minus is missing from CJK fonts).

    Returns
    -------
    str
        The CJK font family now first in ``font.sans-serif``.

    Raises
    ------
    AirlibError
        No CJK font is installed; the message says how to install one.
    """
    import matplotlib as mpl

    family = find_cjk_font()
    if family is None:
        raise AirlibError(
            "no CJK font found for matplotlib (tried: "
            + ", ".join(CJK_FONT_FAMILIES)
            + "); Chinese labels would render as empty boxes. Install one, e.g. "
            "`apt-get install fonts-noto-cjk`, then delete matplotlib's font cache "
            "(~/.cache/matplotlib/fontlist-*.json)."
        )
    rest = [f for f in mpl.rcParams["font.sans-serif"] if f != family]
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [family, "DejaVu Sans", *rest]
    mpl.rcParams["axes.unicode_minus"] = False
    return family


def save_figure(fig, path: str | PathLike[str], *, dpi: int = 150, **kwargs) -> Path:
    """Save a matplotlib figure as PNG atomically (temp file in the same folder + os.replace).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to write.
    path : path-like
        Target ``.png``; parent folders are created.
    dpi : int, default 150
        Resolution [dots per inch].
    **kwargs
        Passed on to ``Figure.savefig`` (``bbox_inches="tight"`` by default).

    Returns
    -------
    pathlib.Path
        The written path.
    """
    path = Path(path)
    kwargs.setdefault("bbox_inches", "tight")
    with atomic_write(path) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi, **kwargs)
    return path
