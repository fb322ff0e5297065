/* Trade the one-time ticket for a fresh session cookie at once (kondusif/ui/session.py renew_form_html). */
document.getElementById("sk-renew").submit();
