"""A limit on dashboard sign-in attempts per client address, against guessing tokens.

The `limits` package counts them in a moving window, in this process's memory: with several API
processes each counts its own, which still bounds guessing to a few attempts a minute per
address. Behind a reverse proxy, the address is the client's only when uvicorn trusts the proxy's
X-Forwarded-For (--proxy-headers --forwarded-allow-ips).
"""

import math
import time

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

ATTEMPTS_PER_MINUTE = 10


class SignInLimiter:
    def __init__(self, attempts_per_minute: int = ATTEMPTS_PER_MINUTE) -> None:
        self.item = RateLimitItemPerMinute(attempts_per_minute)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def attempt(self, client: str) -> int | None:
        """Count an attempt from `client`: None when allowed, else the seconds to wait."""
        if self.limiter.hit(self.item, "sign-in", client):
            return None
        reset_at, _ = self.limiter.get_window_stats(self.item, "sign-in", client)
        return max(1, math.ceil(reset_at - time.time()))
