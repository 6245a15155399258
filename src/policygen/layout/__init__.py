"""Laying out pages: the budget every PDF layout runs under, and the process that runs it.

budget.py states the limits (time, memory, the longest unbreakable run) and checks a document
against what can be checked before layout; process.py runs an engine's layout in a child
process that lives across documents and is stopped when a document breaks its budget."""
