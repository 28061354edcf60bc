"""Finding a Chinese font for matplotlib (the 调度通报's PDF and map image), offline.

Debian's ``fonts-noto-cjk`` is what ``make`` installs; other common CJK families are accepted.
Missing: one sentence saying what to install, never boxes instead of characters.
"""

from __future__ import annotations

from functools import cache

from geo.errors import ConfigError

PREFERRED = ("Noto Sans CJK SC", "Noto Sans CJK", "Source Han Sans SC", "Source Han Sans CN",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Serif CJK SC", "SimHei",
             "Microsoft YaHei", "PingFang SC")


@cache
def cjk_family() -> str:
    """The name of an installed font family that has Chinese characters."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in PREFERRED:
        if family in installed:
            return family
    raise ConfigError(
        "no Chinese font is installed, so the PDF cannot be written; install one "
        "('sudo apt-get install -y fonts-noto-cjk') or download the Excel workbook instead."
    )
