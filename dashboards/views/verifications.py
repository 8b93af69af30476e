"""核查名单: the verification list of the viewer's scope (see dashboards/list_page.py)."""

from dashboards.list_page import render

render("verifications")
