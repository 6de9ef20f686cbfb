"""The intent benchmark: what it does with bad dataset files, how it scores, and one tiny run
of the shipped pipeline through a real Rasa server (train, serve, parse)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bench import nlu
from bench.nlu_data import OOS_LABEL, DatasetError, load_dataset, write_rasa_nlu


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "data.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_file_without_train_or_test_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"missing key\(s\) test"):
        load_dataset(write(tmp_path, {"train": [["hi", "greet"], ["bye", "goodbye"]]}))
    with pytest.raises(DatasetError, match="not JSON"):
        bad = tmp_path / "bad.json"
        bad.write_text("{ nope")
        load_dataset(bad)
    with pytest.raises(DatasetError, match="must be a list"):
        load_dataset(write(tmp_path, {"train": {"a": 1}, "test": []}))


def test_bad_entries_are_dropped_and_counted_under_their_reason(tmp_path: Path) -> None:
    data = {
        "train": [
            ["hello there", "greet"],
            ["hello there", "greet"],  # duplicate
            ["HELLO THERE", "goodbye"],  # same text, other label: the first is kept
            ["   ", "greet"],  # empty text
            ["see you", "goodbye"],
            ["broken"],  # not a pair
            [3, "greet"],  # not strings
            ["where is it", "où est ma commande"],  # unicode and spaces in the label
        ],
        "test": [["hi", "greet"], ["ciao", "goodbye"], ["track", "track order"]],
        "oos_train": [["what is the moon made of", "oos"]],
        "oos_test": [["sing me a song", "oos"]],
        "val": [["hey", "greet"]],
    }
    dataset = load_dataset(write(tmp_path, data))
    assert [e.text for e in dataset.train] == [
        "hello there", "see you", "where is it", "what is the moon made of",
    ]  # fmt: skip
    assert dataset.dropped == {
        "train: duplicate example": 1,
        "train: same text as an example of another label (first kept)": 1,
        "train: empty text": 1,
        "train: not a [text, label] pair of strings": 2,
        "test: label absent from train (not scored)": 1,
    }
    assert [e.label for e in dataset.test] == ["greet", "goodbye", OOS_LABEL]
    renamed = dataset.intents["où est ma commande"]
    assert renamed.startswith("label_")
    assert dataset.intents[OOS_LABEL] == "out_of_scope"
    assert dataset.labels_of([renamed, "nlu_fallback", None, "greet"]) == [
        "où est ma commande", OOS_LABEL, OOS_LABEL, "greet",
    ]  # fmt: skip
    assert any("`val` not used" in note for note in dataset.notes)


def test_the_training_data_is_rasa_yaml_with_any_text_quoted(tmp_path: Path) -> None:
    data = {
        "train": [['say "hi": [now]', "greet"], ["bye # not a comment", "goodbye"]],
        "test": [["hi", "greet"]],
    }
    dataset = load_dataset(write(tmp_path, data))
    target = tmp_path / "nlu.yml"
    write_rasa_nlu(dataset, target)
    parsed = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert parsed["nlu"] == [
        {"intent": "goodbye", "examples": [{"text": "bye # not a comment"}]},
        {"intent": "greet", "examples": [{"text": 'say "hi": [now]'}]},
    ]


def test_scores_count_declined_messages_as_out_of_scope(tmp_path: Path) -> None:
    data = {
        "train": [["a", "x"], ["b", "y"]],
        "test": [["a", "x"], ["b", "y"], ["c", "y"]],
        "oos_test": [["d", "oos"], ["e", "oos"]],
    }
    dataset = load_dataset(write(tmp_path, data))
    result = nlu.scores(dataset, ["x", "nlu_fallback", "y", "out_of_scope", "x"])
    assert result["in_scope_accuracy"] == pytest.approx(66.67)
    assert result["oos_recall"] == 50.0
    assert result["oos_precision"] == 50.0  # two declined, one of them rightly
    assert 0 < result["macro_f1"] < 100


@pytest.mark.slow
def test_the_shipped_pipeline_trains_serves_and_parses_a_tiny_dataset(tmp_path: Path) -> None:
    intents = {
        "order_status": ["where is my order", "track my parcel", "has my package shipped",
                         "when will my order arrive", "status of my delivery", "where's my stuff"],
        "refund": ["I want my money back", "refund please", "how do I get a refund",
                   "give me a refund", "can I be refunded", "refund my purchase"],
        "greet": ["hello", "hi there", "good morning", "hey", "hiya", "good evening"],
    }  # fmt: skip
    out_of_scope = ["what is the capital of peru", "tell me a joke", "how tall is everest",
                    "who won the football", "what is love", "play some music"]  # fmt: skip
    data = {
        "train": [[text, label] for label, texts in intents.items() for text in texts],
        "oos_train": [[text, "oos"] for text in out_of_scope],
        "test": [["where is my parcel", "order_status"], ["I'd like a refund", "refund"],
                 ["hello there", "greet"]],
        "oos_test": [["what's the weather on mars", "oos"]],
    }  # fmt: skip
    arguments = ["--data", str(write(tmp_path, data)), "--out", str(tmp_path / "out")]
    code = nlu.main([*arguments, "--project", "none"])  # the demo's languages: bench only
    assert code == 0
    report = json.loads((tmp_path / "out" / "nlu.json").read_text())
    (result,) = report["results"]
    assert result["pipeline"] == "shipped"
    assert "components.sentence_classifier.SentenceIntentClassifier" in result["components"]
    assert result["parse"]["count"] == 4 and result["parse"]["lost"] == 0
    assert result["in_scope_accuracy"] == 100.0
    assert result["train_seconds"] > 0 and result["serve_peak_mb"] > 100
    assert (tmp_path / "out" / "nlu.png").stat().st_size > 0


def test_the_pipelines_compared_are_the_shipped_one_and_rasas_own_default() -> None:
    shipped = [c["name"] for c in nlu.shipped_config()["pipeline"]]
    assert "components.sentence_classifier.SentenceIntentClassifier" in shipped
    default = nlu.rasa_default_config(epochs=5)["pipeline"]
    assert [c["name"] for c in default][:2] == ["WhitespaceTokenizer", "RegexFeaturizer"]
    epochs = {c["name"]: c.get("epochs") for c in default}
    assert epochs["DIETClassifier"] == epochs["ResponseSelector"] == 5
    assert {c["name"]: c.get("epochs") for c in nlu.rasa_default_config(None)["pipeline"]}[
        "DIETClassifier"
    ] == 100  # Rasa's own, read from the installed package
