"""The DOCX writer: a numbered document tree (or a redline) in, DOCX bytes out.

``writer`` builds the document through python-docx's proxy objects (with ``tables``,
``fields``, ``numbering``, ``pages``, ``styles``), ``house`` places it in an organisation's
own Word document, ``redline`` writes tracked changes; ``reference`` opens the house-style
reference.docx that ``guard`` checks first. Raw XML lives in ``oxml`` alone."""
