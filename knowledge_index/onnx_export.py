"""all-MiniLM-L6-v2 as an ONNX file, for the Rasa runtime where torch does not exist.

Exported once (``baton train`` does it when missing or when the model changed) from the
bundled model with torch in the app runtime; the Rasa runtime runs it with onnxruntime and
the model's own ``tokenizer.json`` (tokenizers), and pools exactly as sentence-transformers
does (mean over the attention mask, then L2), so both runtimes produce the same vectors.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path

from knowledge_index.embedder import fingerprint, model_path

ONNX_FILE = "model.onnx"
MANIFEST = "export.json"
OPSET = 17
# 2: every layer's token vectors as a second output (layer_embeddings), for pooled features
# from several layers; an export of an older format is redone
FORMAT = 2


def exported_fingerprint(folder: Path) -> str | None:
    """The model an export in ``folder`` came from; None when there is none of this format."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    value = manifest.get("model")
    current = manifest.get("format") == FORMAT and (folder / ONNX_FILE).exists()
    return str(value) if value and current else None


def export_onnx(folder: Path, force: bool = False) -> bool:
    """Write ``model.onnx``, ``tokenizer.json`` and ``export.json`` into ``folder``; False
    when an export of this very model is already there."""
    source = model_path()
    identity = fingerprint(source)
    if not force and exported_fingerprint(folder) == identity:
        return False
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(source), local_files_only=True).eval()

    class TokenEmbeddings(torch.nn.Module):
        """Positional inputs in a fixed order: what the ONNX graph's inputs will be."""

        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> tuple[torch.Tensor, torch.Tensor]:
            output = self.inner(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                output_hidden_states=True,
            )
            # (layers, batch, tokens, hidden): the transformer layers' outputs, not the
            # input embeddings
            layers = torch.stack(output.hidden_states[1:], dim=0)
            return output.last_hidden_state, layers

    folder.mkdir(parents=True, exist_ok=True)
    scratch = folder / f".{ONNX_FILE}.{os.getpid()}"
    example = torch.ones(2, 8, dtype=torch.long)
    axes = {0: "batch", 1: "tokens"}
    with warnings.catch_warnings():
        # the tracer's notes on BERT's Python-side shape checks and opset-17 index lowering;
        # the test in tests/bot compares the exported vectors with the original model's
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenEmbeddings(model),
            (example, example, torch.zeros_like(example)),
            str(scratch),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["token_embeddings", "layer_embeddings"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "token_embeddings": axes,
                "layer_embeddings": {1: "batch", 2: "tokens"},
            },
            opset_version=OPSET,
            dynamo=False,  # the TorchScript exporter: no onnxscript needed, a plain BERT graph
        )
    os.replace(scratch, folder / ONNX_FILE)
    shutil.copyfile(source / "tokenizer.json", folder / "tokenizer.json")
    settings = json.loads((source / "sentence_bert_config.json").read_text())
    (folder / MANIFEST).write_text(
        json.dumps(
            {
                "model": identity,
                "format": FORMAT,
                "dimension": int(model.config.hidden_size),
                "layers": int(model.config.num_hidden_layers),
                "max_seq_length": int(settings.get("max_seq_length", 256)),
                "pooling": "mean",
                "normalised": True,
                "opset": OPSET,
            },
            indent=2,
        )
    )
    return True
