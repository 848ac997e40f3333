"""The environment check: ``deconv-course check-env`` and ``check_env()`` in notebooks/00_start_here.ipynb.

One OK/FAIL line per requirement, read from the installed distribution's metadata (pyproject.toml
is the one list), then the torch device, the CJK font and bubblewrap (information, never a FAIL).
The lines speak the learner's language (:mod:`deconv_course.i18n`); the ``OK``/``FAIL``/``--``
words, names, versions and commands stay as they are in every language.
"""

from __future__ import annotations

import importlib
import shutil
import sys
from pathlib import Path

from ._paths import checkout_root
from .i18n import translate as tr

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
        own = tr("{name} not installed", name=DISTRIBUTION)
        all_ok = False
        lines.append(
            f"  FAIL  {DISTRIBUTION:<20} "
            + tr(
                "not installed (no package metadata): run `make lab` or `pip install -e .` in the course folder"
            )
        )
    width = max([20, *(len(dist) for _, dist, _, _ in needed)])  # one column, whatever the names
    for module, dist, specifier, group in needed:
        try:
            mod = importlib.import_module(module)
            try:
                version = metadata.version(dist)
            except metadata.PackageNotFoundError:
                version = str(getattr(mod, "__version__", "0"))
            ok = SpecifierSet(specifier).contains(version, prereleases=True)
            status = "OK" if ok else "FAIL"
            detail = (
                version if ok else tr("{version} (need {specifier})", version=version, specifier=specifier)
            )
        except Exception as exc:  # ImportError, or a broken install raising anything
            ok = False
            status = "FAIL" if group in include else "--"
            detail = tr("missing ({error}); needed for {group}", error=type(exc).__name__, group=group)
        if not ok and group in include:
            all_ok = False
        lines.append(f"  {status:<4}  {dist:<{width}} {detail}")

    try:
        from deconv_course.torch_ops import pick_device

        device = str(pick_device())
    except Exception as exc:
        device = tr("unknown ({error})", error=f"{type(exc).__name__}: {exc}")
        all_ok = False

    try:
        font = cjk_font()
    except Exception:  # matplotlib missing: already a FAIL line above
        font = None
    if font:
        font_line = tr("  CJK font: {font} — Chinese titles render", font=font)
    else:
        font_line = tr(
            "  CJK font: none — Chinese titles show as boxes; install Debian's fonts-noto-cjk "
            "(or any Noto Sans CJK / Source Han Sans font), then `rm -rf ~/.cache/matplotlib` once "
            "so that matplotlib sees it"
        )
    bwrap = shutil.which("bwrap")
    if bwrap:
        jail_line = tr("  bubblewrap: {path} — `deconv-course grade` can jail each kernel", path=bwrap)
    else:
        jail_line = tr(
            "  bubblewrap: not found — `deconv-course grade` needs it to jail kernels; "
            "install Debian's bubblewrap"
        )

    if verbose:
        # from a checkout, say so (a notebook's output then reads the same on every machine)
        where = (
            tr("this checkout's deconv_course/") if checkout_root() else str(Path(__file__).resolve().parent)
        )
        print(tr("Python {version} | {own} ({where})", version=sys.version.split()[0], own=own, where=where))
        print("\n".join(lines))
        print(tr("  torch device: {device}  (override with DECONV_DEVICE=cpu|cuda|mps)", device=device))
        print(font_line)
        print(jail_line)
        print(
            tr("Environment OK")
            if all_ok
            else tr(
                'Environment has FAILs: run `make lab` (or `pip install -e ".[test]"`) to install what is missing'
            )
        )
    return all_ok
