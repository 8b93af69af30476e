"""SafetyNet dashboards (Streamlit): `safetynet serve` or `streamlit run dashboards/app.py`.

Nobody sees anything before signing in; the list pages are offered only to roles that may read lists
(the data layer refuses them to the others anyway).
"""

import streamlit as st

from dashboards.session import current_viewer, login_page, sidebar

st.set_page_config(page_title="SafetyNet 兜底监测", page_icon="🛡️", layout="wide")
# An uncaught error shows its type only: its message may quote a value (a polars or DuckDB conversion
# error names the offending cell), and a row value may be a person's ID number or name.
st.set_option("client.showErrorDetails", "type")

viewer = current_viewer()
if viewer is None:
    page = st.navigation([st.Page(login_page, title="登录", url_path="login")])
else:
    sidebar(viewer)
    pages = [
        st.Page("pages/overview.py", title="总览", url_path="overview", default=True),
        st.Page("pages/coverage.py", title="覆盖分析", url_path="coverage"),
    ]
    if viewer.can_see_lists:
        pages += [
            st.Page("pages/warnings.py", title="预警名单", url_path="warnings"),
            st.Page("pages/verifications.py", title="核查名单", url_path="verifications"),
        ]
    pages += [
        st.Page("pages/quality.py", title="数据质量", url_path="quality"),
        st.Page("pages/standards.py", title="标准与规则", url_path="standards"),
    ]
    if viewer.can_unmask:  # the city admin reads the download log
        pages.append(st.Page("pages/audit.py", title="下载日志", url_path="audit"))
    page = st.navigation(pages)
page.run()
