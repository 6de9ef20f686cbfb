"""The console sign-in throttle: it slows a guesser down without locking anybody else out.

- per (user, address) pair: after ``signin_free_failures`` failures, each further attempt of
  that pair waits, 1 s, 2 s, 4 s… up to ``signin_max_delay_seconds``; a success clears the
  pair. A stranger on another address has no effect on the user's own pair.
- per address, all users together: ``signin_failures_per_address`` (e.g. 50 in 15 minutes),
  then no sign-in from that address until the window moves on. An office's shared address
  is refused only when the whole office has failed that often.
- per address, every attempt: ``signin_per_address`` (argon2 costs 64 MiB and tens of
  milliseconds per attempt).

The counts live in the ``limits`` storage of :class:`gateway.limits.RateLimits`, so in Redis
when the gateway has one (every replica sees the same counts) and in memory otherwise; the
pair's failures and its wait are plain counters with an expiry there (``limits`` has no
growing delay; its counters with expiry are all that needs), the per-address caps are
moving windows. Every lock and unlock is logged (user id and address, never a password).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from gateway.limits import RateLimits, address_key

log = logging.getLogger(__name__)

# a pair's failures are forgotten this long after the first of them (plus the longest wait)
FORGET_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class Wait:
    seconds: int  # whole seconds until the next attempt may be made
    reason: str  # "pair" (this user from this address) or "address"


class SignInThrottle:
    def __init__(self, limits: RateLimits) -> None:
        self._limits = limits
        self._storage = limits.storage
        self._settings = limits.settings

    @staticmethod
    def _pair(user_id: str, address: str) -> str:
        return f"{user_id}|{address_key(address)}"

    def delay(self, failures: int) -> float:
        """The wait after ``failures`` failures of one pair (0: none yet)."""
        beyond = failures - self._settings.signin_free_failures
        if beyond < 0:
            return 0.0
        first = self._settings.signin_first_delay_seconds
        return min(self._settings.signin_max_delay_seconds, first * 2 ** min(beyond, 40))

    async def wait(self, user_id: str, address: str) -> Wait | None:
        """Why this attempt must wait, if it must; counts it against the per-address limit
        of attempts (only when it may go ahead)."""
        pair = self._pair(user_id, address)
        key = address_key(address)
        if await self._storage.get(f"signin-lock/{pair}"):
            until = await self._storage.get_expiry(f"signin-lock/{pair}")
            return Wait(max(1, math.ceil(until - time.time())), "pair")
        capped = await self._limits.exhausted("signin_failures_per_address", key)
        if capped is None:
            capped = await self._limits.hit("signin_per_address", key, force=True)
        if capped is not None:
            return Wait(capped.retry_after, "address")
        if await self._storage.get(f"signin-locked/{pair}"):
            await self._storage.clear(f"signin-locked/{pair}")
            log.info(
                "sign-in unlocked: user=%s address=%s (the wait is over)",
                user_id,
                address,
                extra={"event": "signin_unlocked", "user_id": user_id, "address": address},
            )
        return None

    async def failed(self, user_id: str, address: str) -> None:
        pair = self._pair(user_id, address)
        key = address_key(address)
        await self._limits.hit("signin_failures_per_address", key, force=True)
        capped = await self._limits.exhausted("signin_failures_per_address", key)
        if capped is not None:
            log.warning(
                "sign-in locked: address=%s for all users for %d s (too many failures from it)",
                address,
                capped.retry_after,
                extra={"event": "signin_locked", "address": address, "seconds": capped.retry_after},
            )
        forget = FORGET_SECONDS + math.ceil(self._settings.signin_max_delay_seconds)
        failures = await self._storage.incr(f"signin-failures/{pair}", forget)
        delay = self.delay(failures)
        if delay <= 0:
            return
        seconds = max(1, math.ceil(delay))
        await self._storage.clear(f"signin-lock/{pair}")
        await self._storage.incr(f"signin-lock/{pair}", seconds)
        await self._storage.clear(f"signin-locked/{pair}")
        await self._storage.incr(f"signin-locked/{pair}", forget)
        log.warning(
            "sign-in locked: user=%s address=%s for %d s after %d failures",
            user_id,
            address,
            seconds,
            failures,
            extra={
                "event": "signin_locked",
                "user_id": user_id,
                "address": address,
                "seconds": seconds,
                "failures": failures,
            },
        )

    async def succeeded(self, user_id: str, address: str) -> None:
        pair = self._pair(user_id, address)
        had = await self._storage.get(f"signin-failures/{pair}")
        for name in ("failures", "lock", "locked"):
            await self._storage.clear(f"signin-{name}/{pair}")
        if had:
            log.info(
                "sign-in unlocked: user=%s address=%s (signed in after %d failures)",
                user_id,
                address,
                had,
                extra={"event": "signin_unlocked", "user_id": user_id, "address": address},
            )
