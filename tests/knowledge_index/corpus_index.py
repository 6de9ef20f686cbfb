"""The small test corpus as a built, calibrated index (shared by the action and assist tests)."""

from __future__ import annotations

from pathlib import Path

from knowledge_index import KnowledgeIndex, TextEmbedder, build_index, calibrate, set_calibration

CORPUS = Path(__file__).parent / "corpus"


def build_calibrated(folder: Path, embedder: TextEmbedder) -> Path:
    """Build the corpus into ``folder`` and calibrate its answer threshold (about 0.27)."""
    build_index(CORPUS, folder, embedder)
    calibration = calibrate(
        KnowledgeIndex.load(folder, embedder),
        ["how can I send something back?", "is express shipping available", "reset my password"],
        ["what's the weather tomorrow", "tell me a joke", "hello there", "who won the match"],
    )
    set_calibration(folder, calibration)
    return folder
