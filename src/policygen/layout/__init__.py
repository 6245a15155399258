"""The layout stage: PDF engines lay a document tree out into pages and print it.

engine.py states what an engine is (`PdfEngine`: lay out into a `Layout`, print, warm up,
close), the engines by name and the `Engines` session a run holds; typst_engine.py and
weasyprint_engine.py are the two engines, typst_compiler.py and weasyprint_layout.py their
child sides. budget.py states the limits (time, memory, the longest unbreakable run) and checks
a document against what can be checked before layout; process.py runs an engine's layout in a
child process that lives across documents and is stopped when a document breaks its budget."""
