"""Versioned model artifacts: one file per version plus a JSON manifest beside it.

File layout: MAGIC, a 4-byte big-endian header length, a JSON header (format version, lenses,
sklearn version), then the pickled LensModel. The SHA-256 of the whole file is recorded in the
database at save time; `load_artifact` checks it, the magic and the header BEFORE unpickling, so a
corrupt, swapped or foreign file is refused without running any of its bytes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import re
import struct
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import sklearn

from models.classifier import LensModel
from models.errors import ArtifactError

logger = logging.getLogger(__name__)

MAGIC = b"STORYLOOM-LENS\x00"
FORMAT_VERSION = 1
SUFFIX = ".lens"
_VERSION_RE = re.compile(r"^v(\d+)-\d{8}-[0-9a-f]{6}$")


@dataclass(frozen=True)
class ArtifactInfo:
    version: str
    path: Path
    sha256: str
    manifest_path: Path
    n_labels: int
    lenses: list[str]
    created_at: str
    metrics: dict
    label_snapshot: dict
    attachments: dict[str, str] = field(default_factory=dict)  # suffix -> path (e.g. the PNG)

    def to_json(self) -> dict:
        d = asdict(self)
        d["path"], d["manifest_path"] = str(self.path), str(self.manifest_path)
        return d


def _atomic_write(path: Path, data: bytes) -> None:
    """tmp file in the same folder, fsync, rename: readers see the old file or the whole new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _next_number(dir: Path) -> int:
    nums = [int(m.group(1)) for p in dir.glob(f"v*{SUFFIX}") if (m := _VERSION_RE.match(p.stem))]
    return max(nums, default=0) + 1


def encode(model: LensModel) -> bytes:
    header = json.dumps(
        {
            "format_version": FORMAT_VERSION,
            "lenses": model.lenses,
            "sklearn_version": sklearn.__version__,
            "embedding_dim": model.embedding_dim,
        },
        sort_keys=True,
    ).encode()
    payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    return MAGIC + struct.pack(">I", len(header)) + header + payload


def save_artifact(
    model: LensModel,
    dir: Path,
    *,
    metrics: dict,
    label_snapshot: dict,
    attachments: dict[str, bytes] | None = None,
) -> ArtifactInfo:
    """Write a new version next to the older ones (never over them), so rollback is a DB flip.

    `attachments` (suffix -> bytes, e.g. ".confusion.png") are written beside it as
    `<version><suffix>` and listed in the manifest.
    """
    dir = Path(dir)
    dir.mkdir(parents=True, exist_ok=True)
    data = encode(model)
    sha = hashlib.sha256(data).hexdigest()
    now = datetime.now(UTC)
    number = _next_number(dir)
    version = f"v{number}-{now:%Y%m%d}-{sha[:6]}"
    path = dir / f"{version}{SUFFIX}"
    if path.exists():  # two saves in one process racing for a number: take the next one
        version = f"v{number + 1}-{now:%Y%m%d}-{sha[:6]}"
        path = dir / f"{version}{SUFFIX}"
    _atomic_write(path, data)
    attached = {}
    for suffix, blob in (attachments or {}).items():
        apath = dir / f"{version}{suffix}"
        _atomic_write(apath, blob)
        attached[suffix] = str(apath)
    info = ArtifactInfo(
        version=version,
        path=path,
        sha256=sha,
        manifest_path=path.with_suffix(".json"),
        n_labels=model.n_labels,
        lenses=model.lenses,
        created_at=now.isoformat(),
        metrics=metrics,
        label_snapshot={str(k): v for k, v in label_snapshot.items()},
        attachments=attached,
    )
    manifest = info.to_json() | {
        "calibration": model.calibration,
        "label_counts": model.label_counts,
        "params": model.params,
        "format_version": FORMAT_VERSION,
    }
    _atomic_write(info.manifest_path, json.dumps(manifest, indent=2, sort_keys=True).encode())
    logger.info("saved lens model %s (%d labels) to %s", version, model.n_labels, path)
    return info


def list_artifacts(dir: Path) -> list[ArtifactInfo]:
    """Versions side by side in `dir`, oldest first, read from their manifests."""
    out = []
    for mpath in Path(dir).glob("v*.json"):
        if not _VERSION_RE.match(mpath.stem):
            continue
        m = json.loads(mpath.read_text())
        out.append(
            ArtifactInfo(
                version=m["version"],
                path=Path(m["path"]),
                sha256=m["sha256"],
                manifest_path=mpath,
                n_labels=m["n_labels"],
                lenses=m["lenses"],
                created_at=m["created_at"],
                metrics=m["metrics"],
                label_snapshot=m["label_snapshot"],
                attachments=m.get("attachments", {}),
            )
        )
    return sorted(out, key=lambda a: int(_VERSION_RE.match(a.version).group(1)))


def load_artifact(
    path: Path, expected_sha256: str, *, expected_lenses: list[str] | None = None
) -> LensModel:
    """Load a model only if the file is byte-for-byte the one recorded and in our format.

    `expected_lenses` (the current taxonomy) refuses a model that predicts lenses no longer in
    it. Raises ArtifactError with what went wrong and what to do about it.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArtifactError(f"cannot read model artifact {path}: {exc}") from exc
    sha = hashlib.sha256(data).hexdigest()
    if sha != expected_sha256:
        raise ArtifactError(
            f"model artifact {path} has sha256 {sha[:12]}…, the database expects "
            f"{expected_sha256[:12]}…: the file was changed or corrupted; not loading it "
            "(activate another version or retrain)"
        )
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        raise ArtifactError(f"{path} is not a storyloom lens artifact (no {MAGIC[:-1]!r} header)")
    (hlen,) = struct.unpack(">I", data[len(MAGIC) : len(MAGIC) + 4])
    start = len(MAGIC) + 4
    try:
        header = json.loads(data[start : start + hlen])
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path} has an unreadable header: {exc}") from exc
    if not isinstance(header, dict) or header.get("format_version") != FORMAT_VERSION:
        got = header.get("format_version") if isinstance(header, dict) else header
        raise ArtifactError(
            f"{path} is lens artifact format {got!r}; this storyloom reads "
            f"format {FORMAT_VERSION}: retrain to get a current artifact"
        )
    if expected_lenses is not None and not set(header.get("lenses", [])) <= set(expected_lenses):
        raise ArtifactError(
            f"{path} predicts lenses {header.get('lenses')} but the taxonomy is "
            f"{expected_lenses}: retrain on the current taxonomy"
        )
    if header.get("sklearn_version") != sklearn.__version__:
        logger.warning(
            "%s was saved with scikit-learn %s, running %s; retrain if predictions look off",
            path,
            header.get("sklearn_version"),
            sklearn.__version__,
        )
    try:
        model = pickle.loads(data[start + hlen :])
    except Exception as exc:  # noqa: BLE001 - any unpickling failure means a bad file
        raise ArtifactError(f"{path} passed its hash but could not be unpickled: {exc}") from exc
    if not isinstance(model, LensModel) or model.lenses != header.get("lenses"):
        raise ArtifactError(f"{path} does not hold a LensModel matching its header")
    return model
