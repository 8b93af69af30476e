"""预警名单: the warning list of the viewer's scope (see dashboards/list_page.py)."""

from dashboards.list_page import render

render("warnings")
