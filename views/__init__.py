"""Streamlit pages: read through db/, compute through metrics/, draw with plotly.

Importing the package (the first thing dashboard.py does, once per process) moves what is
alive then (Streamlit's own objects) out of the cyclic collector's reach; views.common.get_db
does it once more when the database is open (pandas, SQLAlchemy, the project's modules, the
catalog). Those objects live as long as the process. The full collections that parsing,
reading and drawing the first page set off then walk only the objects made since, not the
whole heap each time (they were a sixth of the overview's first render). Frozen objects are
still freed when nothing refers to them; only a cycle among them would be kept.
"""

import gc

gc.freeze()
