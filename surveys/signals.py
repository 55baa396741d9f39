"""What the surveys app announces; ``repair`` listens.

``survey_answered`` passes ``response`` (a SurveyResponse) and ``low`` (True for
a score of 2 or less, or "dissatisfied"/"very dissatisfied").
"""

from django.dispatch import Signal

survey_answered = Signal()
