"""KIM needs assessment survey. The flow, package by package:

questionnaire/ (file -> validated model) -> respondent/ (page in the respondent's language ->
validated answers) -> store/ (stored answers) -> analysis/ -> exports/. The Flask application is
assembled in survey.app; survey.web holds its plumbing.
"""
