"""SafetyNet's dashboards (Streamlit): login and roles (auth), scoped reads (data), the pages."""
