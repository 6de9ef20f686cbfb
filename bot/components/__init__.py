"""Custom NLU components of the Baton bot live here.

Rasa imports them as `components.<module>` (`bot/` is on `PYTHONPATH` when Baton runs
Rasa). `minilm_featurizer.MiniLMFeaturizer` adds dense sentence and token features from
all-MiniLM-L6-v2, run with onnxruntime from the ONNX export `baton train` writes to
var/minilm-onnx (the Rasa runtime has no torch). The shipped config.yml does not use it
yet: the intent benchmark that decides the pipeline comes with the NLU-quality work.
"""
