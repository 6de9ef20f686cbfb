"""The assistant's own custom actions (rasa-sdk), served by Baton next to its library actions.

Baton's action server imports this package and every module in it; each ``Action`` subclass
found there is registered under its ``name()``, which the domain's ``actions:`` list names.
"""
