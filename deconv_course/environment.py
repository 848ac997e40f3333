"""The environment check: ``deconv-course check-env`` and ``check_env()`` in notebooks/00_start_here.ipynb.

One OK/FAIL line per requirement, read from the installed distribution's metadata (pyproject.toml
is the one list), then the torch device, the CJK font and bubblewrap (information, never a FAIL).
"""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

from ._paths import checkout_root

# The distribution whose metadata lists the requirements (pyproject.toml is the one list).
DISTRIBUTION = "deconv-course"

# Import names, only where they differ from the distribution's name with "-" read as "_".
IMPORT_NAMES = {"scikit-image": "skimage", "scikit-learn": "sklearn"}


def requirements(distribution: str = DISTRIBUTION) -> list[tuple[str, str, str, str]]:
    """The installed distribution's requirements as (import name, distribution, specifier, group).

    Read from the metadata pip installed (``importlib.metadata.requires``), so pyproject.toml
    stays the only list. ``group`` is ``"core"`` or the extra that asks for the requirement
    (``"test"``, ``"browser"``); a requirement whose marker is false here for every group (another
    platform or Python) is left out. Raises ``importlib.metadata.PackageNotFoundError`` when
    the course is not installed.
    """
    from importlib import metadata

    from packaging.requirements import Requirement

    meta = metadata.metadata(distribution)
    extras = meta.get_all("Provides-Extra") or []
    found = []
    for line in metadata.requires(distribution) or []:
        req = Requirement(line)
        for group in ("core", *extras):
            env = {"extra": "" if group == "core" else group}
            if req.marker is None or req.marker.evaluate(env):
                break
        else:
            continue
        import_name = IMPORT_NAMES.get(req.name.lower(), req.name.replace("-", "_"))
        found.append((import_name, req.name, str(req.specifier), group))
    return found


def cjk_font() -> str | None:
    """The name of a font matplotlib can draw Chinese titles with, or None when there is none.

    One list of fonts for the whole course: :func:`deconv_course.plotting.fonts.cjk_font`.
    """
    from deconv_course.plotting.fonts import cjk_font as installed_cjk_font

    return installed_cjk_font()


def check_env(verbose: bool = True, include: tuple[str, ...] = ("core", "test")) -> bool:
    """Print OK/FAIL for each dependency with its version, and the torch device.

    The dependencies are the installed course's own (:func:`requirements`, read from its
    metadata). Returns True when every dependency in the groups ``include`` imports and its
    version meets the requirement. Optional groups not in ``include`` are shown as ``--`` when
    missing and never fail. Also reports, without failing, whether matplotlib has a CJK font for
    the Chinese titles and whether bubblewrap (``bwrap``, the grader's jail) is installed.
    Taught in notebooks/00_start_here.ipynb.
    """
    from importlib import metadata

    from packaging.specifiers import SpecifierSet

    all_ok = True
    lines = []
    try:
        needed = requirements()
        own = f"{DISTRIBUTION} {metadata.version(DISTRIBUTION)}"
    except metadata.PackageNotFoundError:
        needed = []
        own = f"{DISTRIBUTION} not installed"
        all_ok = False
        lines.append(
            f"  FAIL  {DISTRIBUTION:<20} not installed (no package metadata): run `make lab` "
            f"or `pip install -e .` in the course folder"
        )
    for module, dist, specifier, group in needed:
        try:
            mod = importlib.import_module(module)
            try:
                version = metadata.version(dist)
            except metadata.PackageNotFoundError:
                version = str(getattr(mod, "__version__", "0"))
            ok = SpecifierSet(specifier).contains(version, prereleases=True)
            status = "OK" if ok else "FAIL"
            detail = version if ok else f"{version} (need {specifier})"
        except Exception as exc:  # ImportError, or a broken install raising anything
            ok = False
            status = "FAIL" if group in include else "--"
            detail = f"missing ({type(exc).__name__}); needed for {group}"
        if not ok and group in include:
            all_ok = False
        lines.append(f"  {status:<4}  {dist:<20} {detail}")

    try:
        from deconv_course.torch_ops import pick_device

        device = str(pick_device())
    except Exception as exc:
        device = f"unknown ({type(exc).__name__}: {exc})"
        all_ok = False

    try:
        font = cjk_font()
    except Exception:  # matplotlib missing: already a FAIL line above
        font = None
    if font:
        font_line = f"  CJK font: {font} — Chinese titles render"
    else:
        font_line = (
            "  CJK font: none — Chinese titles show as boxes; install Debian's fonts-noto-cjk "
            "(or any Noto Sans CJK / Source Han Sans font), then `rm -rf ~/.cache/matplotlib` once "
            "so that matplotlib sees it"
        )
    bwrap = shutil.which("bwrap")
    if bwrap:
        jail_line = f"  bubblewrap: {bwrap} — `deconv-course grade` can jail each kernel"
    else:
        jail_line = (
            "  bubblewrap: not found — `deconv-course grade` needs it to jail kernels; "
            "install Debian's bubblewrap"
        )

    if verbose:
        # from a checkout, say so (a notebook's output then reads the same on every machine)
        where = "this checkout's deconv_course/" if checkout_root() else str(Path(__file__).resolve().parent)
        print(f"Python {sys.version.split()[0]} | {own} ({where})")
        print("\n".join(lines))
        print(f"  torch device: {device}  (override with DECONV_DEVICE=cpu|cuda|mps)")
        print(font_line)
        print(jail_line)
        print(
            "Environment OK"
            if all_ok
            else "Environment has FAILs: run `make lab` (or "
            '`pip install -e ".[test]"`) to install what is missing'
        )
    return all_ok
