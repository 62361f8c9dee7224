"""Questionnaire files in and out: YAML and XLSForm readers (file -> located data), their
writers (model -> file) and the translation sheet. survey.questionnaire.builder validates what a
reader returns into the model."""
