"""VADER's scores through the cache and the English check (extractors/text/sentiment.py): known
scores, the shares of the module doc's measured lines, and the boundary cases."""

from __future__ import annotations

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from videoaffect.extractors.text.sentiment import MIN_WORDS, Vader, words

ENGLISH = ("I love this wonderful day! This is terrible and awful. Where are you going? I don't know what you "
           "want from me. We have to leave now, the house is on fire. Thank you so much for coming.")
FRENCH = ("Je ne sais pas ce que tu veux de moi. Nous devons partir maintenant, la maison est en feu. Merci "
          "beaucoup d'être venu. Où vas-tu?")
SPANISH = ("No sé lo que quieres de mí. Tenemos que irnos ahora, la casa está en llamas. Muchas gracias por "
           "venir. ¿A dónde vas?")


def test_scores_are_vaders_and_no_text_scores_zero():
    vader = Vader()
    own = SentimentIntensityAnalyzer().polarity_scores("I love this wonderful day!")
    np.testing.assert_allclose(vader.scores("I love this wonderful day!"),
                               [own["compound"], own["pos"], own["neg"], own["neu"]], atol=1e-6)
    assert vader.scores("I love this wonderful day!") is vader.scores("I love this wonderful day!")  # cached
    assert not vader.scores("").any()


def test_english_check_on_measured_lines():
    vader = Vader()
    assert words("Don't GO, 42 times!") == ["don't", "go", "times"]
    share, count = vader.english_share([ENGLISH])
    assert count == 38 and share > 0.85 and vader.not_english([ENGLISH]) == ""
    assert vader.english_share([FRENCH])[0] == 0.0 and "looks like another language" in vader.not_english([FRENCH])
    assert vader.english_share([SPANISH])[0] < 0.1 and vader.not_english([SPANISH])
    few = " ".join(FRENCH.split()[:MIN_WORDS - 1])  # too few words to judge: scored
    assert len(words(few)) < MIN_WORDS and vader.not_english([few]) == ""
