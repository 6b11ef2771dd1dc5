"""One module per page of leadership's dashboard; each is a Streamlit page script run by dashboard/app.py."""
