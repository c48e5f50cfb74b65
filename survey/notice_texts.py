# ruff: noqa: E501  (each paragraph is one line, as HR see and edit it in the text box)
"""The default privacy notice and accessibility statement staff can read from every pulse page.

Plain text with a little markup: "## " starts a heading, "- " a list item, a blank line a new
paragraph. HR edit them on the admin pages; these are the starting versions, filled in with the
anonymity thresholds this installation runs with.
"""

from __future__ import annotations

PRIVACY = """\
## Who runs the pulse
Your organisation's HR and change team runs this pulse to understand how well staff understand and support the change programme. They are the data controller for your answers.

## What we keep
- your answers to the questions
- the team or service your link belongs to
- the day you sent your answers (not the time)
- which version of the definition of the change you were shown

If you were invited by e-mail, we also keep your work e-mail address, the team it was given for and whether your link has been used (never when), only until the pulse closes: that is how reminders go only to people who have not answered, and nobody in HR can see it. The addresses are deleted when the pulse closes and are never stored with your answers.

## What we never keep
- your name or staff number, and your e-mail address once the pulse has closed
- your IP address, device or browser
- any link between your answers and the invitation you were sent: an invitation only records that it was used

A team link leaves a small mark in your browser saying it has answered this pulse, so the same browser cannot answer twice. It holds nothing of your answers. While you answer with JavaScript on, your answers so far are kept in this browser tab so that Back and reload do not lose them; they are removed when you send them, or when you close the tab.

## Who sees what
- Results for a group are only shown when at least {threshold} people in it have answered, and figures that could be subtracted from each other to reveal a smaller group are hidden too.
- Written comments are only shown for groups of at least {comment_threshold} people, shuffled and dated only by the end of the pulse.
- Results are released once per pulse, after it closes. Until then only how many people have taken part is shown.
- Managers see results only for their own area, under the same rules.

## How long we keep it
Answers are kept for as long as the change programme runs and for up to three years after, so that trends can be compared. They are then deleted.

## Your rights and concerns
Because nothing we keep identifies you, we cannot find, show or delete one person's answers. If you are worried about this pulse, contact your HR team or your organisation's data protection officer. You can also complain to the Information Commissioner's Office (ico.org.uk).
"""

ACCESSIBILITY = """\
## Accessibility statement for the staff pulse
This statement applies to the pages staff use to answer the pulse. We want as many people as possible to be able to use them. You should be able to:
- change colours, contrast levels and fonts using your browser or device settings
- zoom in up to 400% without the text spilling off the screen
- answer every question using just a keyboard
- answer using speech recognition software
- listen to the pages using a screen reader
- answer with JavaScript switched off

## Compliance status
These pages are designed to meet the Web Content Accessibility Guidelines (WCAG) version 2.2 AA standard. They are built with GOV.UK Design System patterns and checked with an automated tool (axe-core) on every change. They have not yet been audited by an independent specialist, so we describe them as partially compliant until that is done.

## Known issues
We know of no content that fails the standard. If you find something, please tell us.

## Reporting accessibility problems
If you find a problem, or need the questions in another format, contact your HR team. We will consider your request and get back to you within 10 working days.

## Enforcement procedure
The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018 (the 'accessibility regulations'). If you are not happy with how we respond to your complaint, contact the Equality Advisory and Support Service (EASS).

## Preparation of this statement
This statement was prepared from the model accessibility statement published by the UK Government Digital Service. Review it when the pages change and at least once a year.
"""
