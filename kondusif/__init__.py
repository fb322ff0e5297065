"""SiKondusif Lubuklinggau: the domain package (no Streamlit here)."""
