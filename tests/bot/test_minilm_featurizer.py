"""The Rasa runtime's MiniLM featurizer (onnxruntime, no torch) gives the same sentence
vectors as sentence-transformers in the app runtime, and token features per Rasa token."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from baton import paths
from baton.knowledge import ensure_onnx
from baton.training import rasa_env
from knowledge_index import load_embedder
from knowledge_index.embedder import fingerprint, model_path
from knowledge_index.onnx_export import exported_fingerprint

TEXTS = ["where is my order 12345", "I want to return my headphones", "hi", "Überweisung 😀 ok"]

FEATURIZE = """
import json, sys
import numpy as np
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from components.minilm_featurizer import MiniLMFeaturizer

tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
featurizer = MiniLMFeaturizer(
    {**MiniLMFeaturizer.get_default_config(), "model_dir": sys.argv[1]}, "minilm"
)
texts = json.loads(sys.argv[2])
messages = [Message(data={"text": t}) for t in texts]
tokenizer.process(messages)
featurizer.process(messages[:2])
training = TrainingData(training_examples=messages[2:])
featurizer.process_training_data(training)
out = []
for message in messages:
    sequence, sentence = message.get_dense_features("text")
    out.append({"sentence": sentence.features[0].tolist(), "sequence": sequence.features.tolist(),
                "tokens": [t.text for t in message.get("text_tokens")]})
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def onnx_dir() -> Path:
    ensure_onnx()
    return paths.VAR / "minilm-onnx"


def test_the_export_records_the_model_it_came_from(onnx_dir: Path) -> None:
    assert exported_fingerprint(onnx_dir) == fingerprint(model_path())
    export = json.loads((onnx_dir / "export.json").read_text())
    assert (export["dimension"], export["pooling"], export["max_seq_length"]) == (384, "mean", 256)


@pytest.mark.slow
def test_rasa_runtime_features_match_the_app_runtime_embeddings(onnx_dir: Path) -> None:
    result = subprocess.run(
        [str(paths.RASA_VENV_BIN / "python"), "-c", FEATURIZE, str(onnx_dir), json.dumps(TEXTS)],
        cwd=paths.BOT, env=rasa_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    features = json.loads(result.stdout.strip().splitlines()[-1])
    expected = load_embedder().embed(TEXTS)
    for got, want, text in zip(features, expected, TEXTS, strict=True):
        np.testing.assert_allclose(np.array(got["sentence"]), want, atol=1e-4)
        sequence = np.array(got["sequence"])
        assert sequence.shape == (len(got["tokens"]), 384), text
        assert np.all(np.abs(sequence).sum(axis=1) > 0), "every token got its word pieces"


def test_a_missing_export_is_a_clear_error(tmp_path: Path) -> None:
    script = (
        "from components.minilm_featurizer import MiniLMFeaturizer, OnnxModelMissing\n"
        "try:\n"
        "    config = MiniLMFeaturizer.get_default_config()\n"
        f"    MiniLMFeaturizer({{**config, 'model_dir': '{tmp_path}'}}, 'x')\n"
        "except OnnxModelMissing as exc:\n"
        "    print('missing:', exc)\n"
    )
    result = subprocess.run(
        [str(paths.RASA_VENV_BIN / "python"), "-c", script],
        cwd=paths.BOT, env=rasa_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert f"missing: no all-MiniLM-L6-v2 ONNX export in {tmp_path}" in result.stdout
    assert "baton train" in result.stdout


LAYERS_AND_EDGES = """
import json, sys
import numpy as np
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from components.minilm_featurizer import MiniLMFeaturizer

tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
def featurizer(layers):
    config = {
        **MiniLMFeaturizer.get_default_config(), "model_dir": sys.argv[1], "sentence_layers": layers
    }
    return MiniLMFeaturizer(config, "minilm")
def features(component, text):
    message = Message(data={"text": text})
    tokenizer.process([message])
    component.process([message])
    sequence, sentence = message.get_dense_features("text")
    if sentence is None:
        return None
    return sentence.features[0], sequence.features
last, every = featurizer([6]), featurizer([1, 2, 3, 4, 5, 6])
text = "can I change the delivery address of order 12345"
one, six, again = features(last, text)[0], features(every, text)[0], features(every, text)[0]
long_text = " ".join(["order"] * 3000)  # one word piece per word
long_sentence, long_sequence = features(every, long_text)
print(json.dumps({
    "shapes": [one.shape[0], six.shape[0]],
    "last_block_matches": bool(np.allclose(six[-384:], one, atol=1e-6)),
    "norms": [round(float(np.linalg.norm(six[i * 384:(i + 1) * 384])), 4) for i in range(6)],
    "deterministic": bool(np.array_equal(six, again)),
    "empty": features(every, "") is None,
    "long": [long_sequence.shape[0], long_sequence.shape[1], bool(np.isfinite(long_sentence).all()),
             int((np.abs(long_sequence).sum(axis=1) > 0).sum())],
}))
"""


@pytest.mark.slow
def test_layer_features_shapes_determinism_and_edge_texts(onnx_dir: Path) -> None:
    result = subprocess.run(
        [str(paths.RASA_VENV_BIN / "python"), "-c", LAYERS_AND_EDGES, str(onnx_dir)],
        cwd=paths.BOT, env=rasa_env(), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got["shapes"] == [384, 6 * 384]
    assert got["last_block_matches"], "the sixth block is the sentence-transformers embedding"
    assert got["norms"] == [1.0] * 6  # each layer's block is normalised on its own
    assert got["deterministic"]
    assert got["empty"], "an empty text gets no features (and no error)"
    tokens, width, finite, with_pieces = got["long"]
    # 3,000 words: one feature row per token; the model reads the first 256 word pieces
    # (254 words between [CLS] and [SEP]), the tokens past that get zero rows
    assert (tokens, width, finite) == (3000, 384, True)
    assert with_pieces == 254
