"""The legal engine: each jurisdiction's detainer law as dated data, evaluated with reasons.

Packs live in `rules/<jurisdiction>/pack.yaml` (discovered by `registry`),
each a list of dated versions whose rules name an action, an effect, the
conditions they test, a citation and a plain-words summary. `engine.RulesEngine`
composes the levels from `US` down to the facility's jurisdiction and returns
the domain's `Evaluation`, with the hold's latest end and remedies.
"""
