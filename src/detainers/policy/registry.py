"""The registry of policy packs: every `rules/<jurisdiction>/pack.yaml`, found by walking the folder.

No jurisdiction is named in code; adding a folder adds a jurisdiction.
Folders whose names start with `_` (the template) are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from detainers.policy.errors import PackError, UnknownJurisdiction
from detainers.policy.loader import load_pack
from detainers.policy.model import Pack

RULES = Path(__file__).with_name("rules")


@dataclass(frozen=True)
class Registry:
    packs: dict[str, Pack]

    def get(self, code: str) -> Pack | None:
        return self.packs.get(code)

    def require(self, code: str) -> Pack:
        pack = self.packs.get(code)
        if pack is None:
            raise UnknownJurisdiction(code, ", ".join(sorted(self.packs)))
        return pack

    def __iter__(self) -> Iterator[Pack]:
        return iter(self.packs[code] for code in sorted(self.packs))

    def case_files(self, code: str, root: Path = RULES) -> list[Path]:
        folder = root / code / "cases"
        return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def load_registry(root: Path = RULES) -> Registry:
    """Every pack under `root`; a folder whose name differs from its pack's jurisdiction is an error."""
    packs: dict[str, Pack] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("_")):
        path = folder / "pack.yaml"
        if not path.exists():
            raise PackError(file=str(folder), key="pack.yaml", problem="is missing")
        pack = load_pack(path)
        if pack.jurisdiction != folder.name:
            raise PackError(
                file=str(path),
                key="jurisdiction",
                problem=f"[{pack.jurisdiction}] differs from its folder [{folder.name}]",
            )
        packs[pack.jurisdiction] = pack
    return Registry(packs)
