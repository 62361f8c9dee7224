"""Sentences printed on the flyer in every chosen language: part of the respondents'
catalogue ("messages"), because respondents read them in their own language."""
from flask_babel import lazy_gettext

INVITATION = lazy_gettext("Scan the code with your phone camera to answer.")
ANONYMITY = lazy_gettext("You do not give your name. The city cannot see who answered.")
