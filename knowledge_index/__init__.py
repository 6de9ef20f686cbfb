"""The knowledge index: help-centre articles in, a FAISS index out, searched with scores."""

from knowledge_index.embedder import Embedder, load_embedder, model_path

__all__ = ["Embedder", "load_embedder", "model_path"]
