"""NLP: entities, numeric facts, time references and quotes for each article (issue 4).

Nothing is imported here: spaCy must load only when a stage needs it.
"""
