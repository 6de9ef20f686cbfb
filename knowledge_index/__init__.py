"""The knowledge index: help-centre articles in, a FAISS + BM25 index out, searched with scores."""

from knowledge_index.articles import Article, Chunk, chunk_article, load_articles, parse_article
from knowledge_index.build import BuildReport, build_index, set_calibration, write_index
from knowledge_index.calibration import calibrate, choose_threshold
from knowledge_index.embedder import Embedder, Encoded, TextEmbedder, load_embedder, model_path
from knowledge_index.errors import ArticleError, IndexMismatch, IndexMissing, KnowledgeError
from knowledge_index.languages import DEFAULT_LANGUAGE, LANGUAGES
from knowledge_index.live import LiveIndex, current_build
from knowledge_index.search import (
    DENSE_ONLY,
    LEXICAL_ONLY,
    SHIPPED,
    Hit,
    KnowledgeIndex,
    Weights,
    best_per_article,
)

__all__ = [
    "DEFAULT_LANGUAGE",
    "DENSE_ONLY",
    "LANGUAGES",
    "LEXICAL_ONLY",
    "SHIPPED",
    "Article",
    "ArticleError",
    "BuildReport",
    "Chunk",
    "Embedder",
    "Encoded",
    "Hit",
    "IndexMismatch",
    "IndexMissing",
    "KnowledgeError",
    "KnowledgeIndex",
    "LiveIndex",
    "TextEmbedder",
    "Weights",
    "best_per_article",
    "build_index",
    "calibrate",
    "choose_threshold",
    "chunk_article",
    "current_build",
    "load_articles",
    "load_embedder",
    "model_path",
    "parse_article",
    "set_calibration",
    "write_index",
]
