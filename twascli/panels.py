"""Panel names: one name per reference panel, never two panels under one name.

FUSION labels a weight file's panel by its folder name (post-process plots, omnibus) and takes
the weights list's PANEL column as given (assoc-test). Two panels in folders sharing a basename
(`Brain/expression`, `Liver/expression`) would then collide.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from twascli.errors import TwasError

if TYPE_CHECKING:
    import pandas as pd


def _folder(path: str) -> str:
    """PATH's folder, normalised ('' for a bare file name, whose label stays empty as in FUSION)."""
    d = os.path.dirname(path)
    return os.path.normpath(d) if d else ""


def panel_labels(files) -> dict[str, str]:
    """{weight file: panel label}: its folder's name (FUSION's), or, where two folders share that
    name, the folder's path relative to the folders' common root ('Brain/expression')."""
    folders = {str(f): _folder(str(f)) for f in files}
    by_base: dict[str, set[str]] = {}
    for d in folders.values():
        by_base.setdefault(os.path.basename(d), set()).add(d)
    label: dict[str, str] = {}
    for base, dirs in by_base.items():
        if len(dirs) == 1:
            label[next(iter(dirs))] = base
            continue
        root = os.path.commonpath([os.path.abspath(d) for d in dirs])
        for d in dirs:
            label[d] = os.path.relpath(os.path.abspath(d), root)
    return {f: label[d] for f, d in folders.items()}


def check_panel_names(wgtlist: pd.DataFrame, source: str) -> None:
    """Stop when one PANEL name of a weights list covers weight files in two folders."""
    if "PANEL" not in wgtlist.columns or "WGT" not in wgtlist.columns:
        return
    dirs = wgtlist["WGT"].astype(str).map(_folder)
    for name, group in dirs.groupby(wgtlist["PANEL"].astype(str)):
        uniq = list(dict.fromkeys(group))
        if len(uniq) > 1:
            raise TwasError(f"{source}: panel name {name!r} is used by two folders ({uniq[0]}, {uniq[1]}): "
                            "give the panels distinct PANEL names (e.g. tissue.modality)")
