"""SafetyNet dashboards (Streamlit): `safetynet serve` or `streamlit run dashboards/app.py`.

Nobody sees anything before signing in; the list pages are offered only to roles that may read lists
(the data layer refuses them to the others anyway), the download log to the city admin only.
"""

import streamlit as st

from dashboards.session import active_viewer, login_page, sidebar

st.set_page_config(page_title="SafetyNet 兜底监测", page_icon="🛡️", layout="wide")
# An uncaught error shows its type only: its message may quote a value (a polars or DuckDB conversion
# error names the offending cell), and a row value may be a person's ID number or name.
st.set_option("client.showErrorDetails", "type")

# (url path, title, file, who is offered the page): the first is the default page.
PAGES = (
    ("overview", "总览", "views/overview.py", lambda v: True),
    ("coverage", "覆盖分析", "views/coverage.py", lambda v: True),
    ("warnings", "预警名单", "views/warnings.py", lambda v: v.can_see_lists),
    ("verifications", "核查名单", "views/verifications.py", lambda v: v.can_see_lists),
    ("supervision", "处置督办", "views/supervision.py", lambda v: v.can_see_lists),
    ("quality", "数据质量", "views/quality.py", lambda v: True),
    ("standards", "标准与规则", "views/standards.py", lambda v: True),
    ("audit", "下载日志", "views/audit.py", lambda v: v.can_read_download_log),
)

viewer = active_viewer()  # a session idle for 30 minutes is signed out here
if viewer is None:
    # The charts' library is imported while the sign-in form is shown (once per server), not on the
    # first page after signing in.
    import altair  # noqa: F401

    # Every address shows the sign-in form, so a bookmarked page opens after signing in (when the role
    # is offered it) instead of "page not found".
    page = st.navigation(
        [st.Page(login_page, title="登录", url_path=path, default=i == 0) for i, (path, *_) in enumerate(PAGES)],
        position="hidden",
    )
else:
    sidebar(viewer)
    page = st.navigation(
        [
            st.Page(file, title=title, url_path=path, default=i == 0)
            for i, (path, title, file, offered) in enumerate(PAGES)
            if offered(viewer)
        ]
    )
page.run()
