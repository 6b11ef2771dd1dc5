"""The password gate: with MOMENTUM_DASHBOARD_PASSWORD set, nothing shows until it is typed.

`momentum dashboard` refuses to bind anywhere but loopback without one (dashboard/launch.py); on loopback the
gate applies too when a password is set. A simple shared secret, compared in constant time: enough to keep a
dashboard on an internal network from being read by whoever finds its port, not an identity system.
"""

from __future__ import annotations

import hmac

import streamlit as st

from warehouse.settings import load_settings


def require_password() -> None:
    password = load_settings().dashboard_password
    if not password or st.session_state.get("authenticated"):
        return
    st.title("Momentum")
    with st.form("login"):
        typed = st.text_input("Password", type="password", help="MOMENTUM_DASHBOARD_PASSWORD")
        submitted = st.form_submit_button("Open the dashboard")
    if submitted and hmac.compare_digest(typed.encode(), password.encode()):
        st.session_state["authenticated"] = True
        st.rerun()
    if submitted:
        st.warning("Wrong password.")
    st.stop()
