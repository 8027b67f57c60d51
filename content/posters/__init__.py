"""The poster layouts, one module per family, on the shared page in `page.py`; `content.visuals`
picks one for each section and renders it."""
