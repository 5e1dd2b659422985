"""Cross-site request forgery protection of the dashboard's forms.

The dashboard signs in with a cookie, so a page of another site could post a form in the name of
a signed-in user. Every form carries a token derived from the session's cookie: another site
cannot read that cookie, so it cannot compute the token, and a post without it changes nothing.
"""

import hashlib
import hmac

FIELD = "csrf"


class CsrfRejected(PermissionError):
    """A form posted without the token of the session that shows it."""

    def __init__(self) -> None:
        super().__init__(
            "formulaire expiré ou venu d'un autre site : recharger la page et recommencer"
        )


def csrf_token(session_token: str) -> str:
    """The token every form of this session carries in its hidden `csrf` field."""
    return hmac.new(session_token.encode(), b"cpom-dashboard-form", hashlib.sha256).hexdigest()


def check_csrf(session_token: str, submitted: str | None) -> None:
    if not submitted or not hmac.compare_digest(csrf_token(session_token), submitted):
        raise CsrfRejected()
