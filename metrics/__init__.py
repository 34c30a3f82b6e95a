"""The tracker's domain: catalog, periods and values, imports and the progress engine.

Pure Python and pandas: nothing here knows of Streamlit or SQL.
"""
