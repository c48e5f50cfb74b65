"""The board report: a wave and a unit on paper, for leadership meetings.

`content` builds a plain structure of words and figures from the insights service (so the
anonymity rules and the one-release-per-wave rule hold exactly as on screen); `pdf` draws it.
"""
