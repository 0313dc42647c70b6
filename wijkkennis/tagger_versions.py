"""Curators teach the tagger: train a new model version from their decisions, install it only when
it is not worse, switch between versions, and refresh the index's tags after a switch.

- **Training data**: the shipped training units (``pipeline.tag_model.train``: the training files
  and the "train" real reports) plus every curator label: the latest labelled review decision per
  text (``CurationStore.latest_decisions``) and the curated lessons; a curator label replaces the
  shipped label of the same text. Texts of the dev sets are never trained on.
- **Held back**: one fifth of the curator labels (by a hash of the text, so always the same
  fifth) is never trained on; every new model is scored on it against the model in use.
- **The check**: the new and the current model score the dev set (``training/tags/dev.jsonl``
  plus the dev reports of ``training/real_reports``, one set) and the held-back curator labels. A
  set's figure is the mean of areas macro-F1 and kind macro-F1. The new model is installed only
  when it is not worse than the current one by more than ``TOLERANCE`` on either set (the
  held-back set counts from ``MIN_HOLDOUT`` labels on); else it is kept aside with the reason.
- **Versions**: ``data_dir/taggers/<version>/`` (the model files and ``report.json``), the
  version in use named by ``data_dir/taggers/active`` (``pipeline.tag_versions``); the shipped
  model (``pipeline/models/tagger``) is version "shipped" and the fallback.
- **After a switch** the index's tags are refreshed from the stored text and vectors
  (``index.retag``): nothing is embedded again, and the next ingest finds every document
  unchanged.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.config import Settings
from core.metrics import GoldPassage, Labels, score
from index.retag import RetagReport, retag
from pipeline import tag_model
from pipeline.tag_versions import (
    SHIPPED,
    SHIPPED_DIR,
    active_version,
    complete,
    set_active,
    version_dir,
    versions_dir,
)
from wijkkennis.curation import CurationStore, text_hash

HOLDOUT_EVERY = 5  # one in five curator labels is held back
TOLERANCE = 0.01  # a set's figure may drop this much (noise) and still count as "not worse"
MIN_HOLDOUT = 10  # held-back curator labels needed before that set decides too
INSTALLED = "geïnstalleerd"
ASIDE = "opzij gezet"
FEATURE_CACHE = "features-e5.npz"

Progress = Callable[[float, str], None]


class TrainingBusyError(RuntimeError):
    """Another training runs for this data directory."""


@dataclass
class TrainingResult:
    version: str
    installed: bool
    reason: str
    report: dict[str, Any]
    retag: RetagReport | None = None


@dataclass
class VersionInfo:
    version: str
    status: str
    active: bool
    trained: str
    reason: str = ""
    figures: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- training data
def held_back(text: str) -> bool:
    """Whether a curator label is in the held-back fifth (fixed by its text)."""
    return int(text_hash(text), 16) % HOLDOUT_EVERY == 0


def curator_units(curation: CurationStore) -> list[GoldPassage]:
    """Every curator label as a training unit: the latest labelled decision per text, and the
    curated lessons whose text has no decision (a decision is the newer word)."""
    units: dict[str, GoldPassage] = {}
    for record in curation.label_records():
        units[text_hash(record["text"])] = GoldPassage(0, record["id"], record["text"], tuple(record["areas"]), record["kind"], source="curatie")
    for record in curation.decision_records():
        units[text_hash(record["text"])] = GoldPassage(0, record["id"], record["text"], tuple(record["areas"]), record["kind"], source="curatie")
    return list(units.values())


def dev_set(dev_file: Path, real_reports: Path | None) -> list[GoldPassage]:
    """The one dev set of the check: the fixed dev split and the dev reports of the real reports."""
    return [g for gold in tag_model.dev_sets(dev_file, real_reports).values() for g in gold]


# --------------------------------------------------------------------------- comparison
def figures(gold: Sequence[GoldPassage], labels: Sequence[Labels]) -> dict[str, float]:
    summary = score([Labels(g.areas, g.kind) for g in gold], labels).summary()
    summary["combined"] = round((summary["areas_macro_f1"] + summary["kind_macro_f1"]) / 2, 4)
    return summary


def compare(current: tag_model.TrainedTagger, new: tag_model.TrainedTagger, sets: dict[str, list[GoldPassage]],
            cache: tag_model.FeatureCache) -> tuple[bool, str, dict[str, Any]]:
    """Score both models on every set; (not worse on every deciding set, the reason, the figures side by side)."""
    table: dict[str, Any] = {}
    worse = []
    for name, gold in sets.items():
        if not gold:
            continue
        old_figures = figures(gold, tag_model.predict_labels(current, gold, cache))
        new_figures = figures(gold, tag_model.predict_labels(new, gold, cache))
        deciding = name != "curatie" or len(gold) >= MIN_HOLDOUT
        table[name] = {"n": len(gold), "current": old_figures, "new": new_figures, "deciding": deciding}
        if deciding and new_figures["combined"] < old_figures["combined"] - TOLERANCE:
            worse.append(f"{SET_LABELS.get(name, name)}: {new_figures['combined']:.3f} tegen {old_figures['combined']:.3f} nu")
    if worse:
        return False, "slechter dan het huidige model op " + "; ".join(worse), table
    notes = [f"{SET_LABELS[n]} telt nog niet mee (minder dan {MIN_HOLDOUT} achtergehouden labels)" for n, t in table.items() if not t["deciding"]]
    return True, "niet slechter dan het huidige model" + (f" ({'; '.join(notes)})" if notes else ""), table


SET_LABELS = {"dev": "de ontwikkelset", "curatie": "de achtergehouden curatorlabels"}


# --------------------------------------------------------------------------- versions
def new_version_name(data_dir: Path) -> str:
    base = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    name, n = base, 1
    while versions_dir(data_dir).joinpath(name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def load_version(data_dir: Path, version: str) -> tag_model.TrainedTagger:
    return tag_model.TrainedTagger.load(version_dir(data_dir, version))


def list_versions(data_dir: Path) -> list[VersionInfo]:
    """The shipped model and every trained version, newest last."""
    active = active_version(data_dir)
    shipped_meta = json.loads((SHIPPED_DIR / "model.json").read_text(encoding="utf-8")) if complete(SHIPPED_DIR) else {}
    result = [VersionInfo(SHIPPED, "meegeleverd", active == SHIPPED, str(shipped_meta.get("trained", "")))]
    folder = versions_dir(data_dir)
    for path in sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []:
        report_path = path / "report.json"
        if not complete(path) or not report_path.is_file():
            continue
        report = json.loads(report_path.read_text(encoding="utf-8"))
        result.append(VersionInfo(path.name, report.get("status", ""), active == path.name, report.get("trained", ""),
                                  report.get("reason", ""), report.get("comparison", {})))
    return result


def use(settings: Settings, version: str, progress: Callable[[int, int, str], None] | None = None) -> RetagReport:
    """Switch to a model version ("shipped" or a trained one) and re-tag the index with it."""
    set_active(settings.data_dir, version)
    return retag(settings, progress=progress)


@contextlib.contextmanager
def training_lock(data_dir: Path) -> Iterator[None]:
    """One training per data directory at a time (across processes)."""
    folder = versions_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    handle = (folder / "train.lock").open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise TrainingBusyError("er loopt al een training van de tagger voor deze gegevensmap") from error
        yield
    finally:
        handle.close()


def train_from_decisions(
    settings: Settings,
    files: Sequence[Path] | None = None,
    real_reports: Path | None = tag_model.REAL_REPORTS,
    dev_file: Path = tag_model.TRAINING_DIR / tag_model.DEV_FILE,
    progress: Progress | None = None,
    install: bool = True,
    retag_index: bool = True,
) -> TrainingResult:
    """Train a new version on the shipped data plus the curator labels, check it against the model
    in use, and install it (and re-tag the index) when it is not worse; else keep it aside.
    ``files``/``real_reports``/``dev_file``: the shipped training and dev data (defaults: the
    repository's). ``install=False``: only check and keep aside."""
    say = progress or (lambda fraction, message: None)
    start = time.perf_counter()
    data_dir = settings.data_dir
    with training_lock(data_dir):
        say(0.02, "curatorlabels verzamelen")
        curation = CurationStore(settings.curation_path)
        units = curator_units(curation)
        holdout = [u for u in units if held_back(u.text)]
        dev = dev_set(dev_file, real_reports)
        dev_keys = {tag_model.text_key(g.text) for g in dev}
        trained_on = [u for u in units if not held_back(u.text) and tag_model.text_key(u.text) not in dev_keys]
        cache = tag_model.FeatureCache(versions_dir(data_dir) / FEATURE_CACHE)
        say(0.05, f"trainen: {len(trained_on)} curatorlabels, {len(holdout)} achtergehouden")

        def log(message: str) -> None:
            if message.startswith("kenmerken klaar"):
                say(0.4, "drempels via kruisvalidatie")
            elif message.startswith("kruisvalidatie"):
                say(0.7, "model klaar")

        drop = dev_keys | {tag_model.text_key(u.text) for u in holdout}
        new, meta = tag_model.train(files, log=log, real_reports=real_reports, embed=cache.embed, analyse=cache.analyse,
                                    extra=trained_on, drop=drop)
        say(0.75, "vergelijken met het huidige model")
        current_version = active_version(data_dir)
        current = load_version(data_dir, current_version)
        ok, reason, table = compare(current, new, {"dev": dev, "curatie": holdout}, cache)
        version = new_version_name(data_dir)
        installed = ok and install
        if ok and not install:
            reason += "; niet geïnstalleerd (--no-install)"
        report = {
            "version": version, "trained": meta.get("trained", ""), "status": INSTALLED if installed else ASIDE, "reason": reason,
            "current_version": current_version, "comparison": table, "tolerance": TOLERANCE,
            "training": {"units": meta.get("n_train"), "curator_labels": len(units), "trained_on": len(trained_on),
                         "held_back": len(holdout), "dropped_dev": sum(1 for u in units if tag_model.text_key(u.text) in dev_keys),
                         "overridden_shipped": meta.get("n_overridden"), "curator_ids": [u.id for u in trained_on],
                         "held_back_ids": [u.id for u in holdout]},
        }
        new.meta["curation"] = {k: v for k, v in report.items() if k != "comparison"}
        target = version_dir(data_dir, version)
        new.save(target)
        report["seconds"] = round(time.perf_counter() - start, 1)
        (target / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        result = TrainingResult(version, installed, reason, report)
        if installed:
            say(0.85, "installeren en de index opnieuw labelen (zonder opnieuw te embedden)")
            set_active(data_dir, version)
            if retag_index and settings.database_path.is_file():
                result.retag = retag(settings, progress=lambda done, total, file: say(0.85 + 0.15 * done / max(total, 1), f"opnieuw labelen: {file}"))
        say(1.0, "klaar")
        return result


# --------------------------------------------------------------------------- in the background (the app)
@dataclass
class TrainingJob:
    """A ``train_from_decisions`` run in a background thread of the app's process."""

    data_dir: str
    started_by: str
    started_at: str
    fraction: float = 0.0
    message: str = "starten"
    result: TrainingResult | None = None
    error: str = ""
    done: bool = False


_JOBS: dict[str, TrainingJob] = {}
_JOBS_MUTEX = threading.Lock()


def training_job(data_dir: Path) -> TrainingJob | None:
    """The latest training started from this process for this data directory (running or done)."""
    with _JOBS_MUTEX:
        return _JOBS.get(str(Path(data_dir).resolve()))


def start_training(settings: Settings, by: str, **options: Any) -> TrainingJob:
    """Start ``train_from_decisions`` in a background thread, unless one already runs here."""
    key = str(Path(settings.data_dir).resolve())
    with _JOBS_MUTEX:
        running = _JOBS.get(key)
        if running is not None and not running.done:
            return running
        job = TrainingJob(key, by, datetime.now(UTC).isoformat(timespec="seconds"))
        _JOBS[key] = job

    def progress(fraction: float, message: str) -> None:
        job.fraction, job.message = fraction, message

    def run() -> None:
        try:
            job.result = train_from_decisions(settings, progress=progress, **options)
        except Exception as error:  # reported on the Beheer page; the thread must not die silently
            job.error = f"{type(error).__name__}: {error}"
        finally:
            job.done = True

    threading.Thread(target=run, name=f"train-tagger-{key}", daemon=True).start()
    return job
