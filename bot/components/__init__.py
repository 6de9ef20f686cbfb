"""Custom NLU components of the Baton bot live here.

Rasa imports them as `components.<module>` (`bot/` is on `PYTHONPATH` when Baton runs
Rasa). Dense sentence features for the pipeline arrive with the NLU-quality work.
"""
