"""Validation reports: a Qt-free report model, SVG charts, and HTML/CSV renderers.

The model (`model.Report`) is assembled from history analyses, verdicts, alerts and the
threshold audit trail; every output format renders that one model. The PDF renderer
lives in `perfdesk/views/reports/report_pdf.py` (it needs Qt) and draws the same SVG charts.
"""
