"""Check a case bundle offline: every file against the manifest's SHA-256, nothing missing, nothing added.

Checks, each naming the file concerned:

* ``manifest.json`` is present and readable, of format ``pricewatch-case/1``;
* every file it lists is in the ZIP (else *missing*) with the listed SHA-256 and size (else *altered*);
* no file is in the ZIP that the manifest does not list (else *unlisted*: added after export);
* ``SHA256SUMS`` agrees with the manifest, including the manifest's own hash (else *altered*: manifest.json or
  SHA256SUMS was edited);
* each evidence page ``evidence/<sha256>.<ext>`` hashes to its own name (content addressing, independent of the
  manifest).

Only the standard library is used on the bundle, so the same check can be redone by hand with ``sha256sum -c``.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from pricewatch.cases.bundle import FORMAT, MANIFEST, SUMS

EVIDENCE_NAME = re.compile(r"^evidence/([0-9a-f]{64})\.[a-z0-9]+$")


@dataclass
class BundleCheck:
    path: Path
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    altered: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    manifest_sha256: str | None = None
    subject: dict | None = None

    @property
    def ok(self) -> bool:
        return not (self.missing or self.altered or self.unlisted or self.errors)

    def problems(self) -> list[str]:
        return ([f"altered: {p}" for p in self.altered] + [f"missing: {p}" for p in self.missing]
                + [f"unlisted: {p}" for p in self.unlisted] + self.errors)


def verify_bundle(path: Path) -> BundleCheck:
    """Check the bundle at ``path`` (see the module docstring). Never raises for a bad bundle: the result says."""
    check = BundleCheck(path=Path(path))
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        check.errors.append(f"{path}: not a readable ZIP file ({exc})")
        return check
    with zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        roots = {n.split("/", 1)[0] for n in names}
        if len(roots) != 1 or any("/" not in n for n in names):
            check.errors.append(f"{path}: expected one top folder, found {', '.join(sorted(roots))[:200]}")
            return check
        root = roots.pop()
        members = {n.split("/", 1)[1]: n for n in names}
        if MANIFEST not in members:
            check.missing.append(MANIFEST)
            return check
        raw = zf.read(members[MANIFEST])
        check.manifest_sha256 = hashlib.sha256(raw).hexdigest()
        try:
            manifest = json.loads(raw)
            listed = {e["path"]: e for e in manifest["files"]}
        except (ValueError, KeyError, TypeError) as exc:
            check.errors.append(f"{MANIFEST}: unreadable ({exc}); the bundle cannot be checked")
            return check
        if manifest.get("format") != FORMAT:
            check.errors.append(f"{MANIFEST}: format {manifest.get('format')!r}, expected {FORMAT!r}")
        check.subject = manifest.get("subject")
        for rel, entry in sorted(listed.items()):
            if rel not in members:
                check.missing.append(rel)
                continue
            data = zf.read(members[rel])
            check.checked += 1
            if hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != entry.get("size"):
                check.altered.append(rel)
            found = EVIDENCE_NAME.match(rel)
            if found and hashlib.sha256(data).hexdigest() != found.group(1) and rel not in check.altered:
                check.altered.append(rel)
        check.unlisted = sorted(set(members) - set(listed) - {MANIFEST, SUMS})
        if SUMS not in members:
            check.missing.append(SUMS)
        else:
            sums = {}
            for line in zf.read(members[SUMS]).decode("utf-8", "replace").splitlines():
                digest, _, rel = line.partition("  ")
                sums[rel] = digest
            expected = {rel: e.get("sha256") for rel, e in listed.items()} | {MANIFEST: check.manifest_sha256}
            if sums != expected:
                check.altered.append(SUMS if sums.get(MANIFEST) == check.manifest_sha256 else MANIFEST)
        del root
    return check


__all__ = ["BundleCheck", "verify_bundle"]
