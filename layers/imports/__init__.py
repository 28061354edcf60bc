"""Importing other bureaus' files into the layers: what their columns and values mean (columns.py,
values.py, households.py for the 防返贫监测 register), the checks before anything is written
(checks.py), the one-transaction write (writer.py) and the import log and saved mappings (log.py).

Reading files is geo.io's business (readers, archive, encoding, coords, geometry_checks); the flow
shared by ``tracker import`` and the 导入 page is views.imports.
"""
