"""Orderly stops: SIGTERM or Ctrl-C (SIGINT) during training ends the run after the current step, with a
checkpoint and the pipeline saved, as ``max_train_minutes`` does; ``--resume latest`` continues it. A second signal
interrupts at once (Ctrl-C twice: ``KeyboardInterrupt``)."""

import signal
import sys
import threading
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional

SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT") if hasattr(signal, name))


_ACTIVE: List["StopRequests"] = []  # the contexts entered and not yet left, innermost last


class StopRequests:
    """A context manager that records the first SIGTERM / SIGINT (``.signal``) instead of dying on it.

    Handlers can only be set from the main thread; elsewhere (a notebook's worker thread, say) nothing changes and
    ``.signal`` stays None.
    """

    def __init__(self, doing: str = "stopping after this step with a checkpoint") -> None:
        self.signal: Optional[int] = None
        self.doing = doing  # what the first signal does, as its notice says
        self._previous: Dict[int, object] = {}

    def __enter__(self) -> "StopRequests":
        _ACTIVE.append(self)
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNALS:
                if signal.getsignal(sig) is not signal.SIG_IGN:  # a signal the process ignores stays ignored
                    self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.signal is not None:  # the second one: what the signal did before training started
            self._restore()
            previous = signal.getsignal(signum)
            if callable(previous):
                previous(signum, frame)
            elif signum == getattr(signal, "SIGINT", None):
                raise KeyboardInterrupt
            else:
                signal.raise_signal(signum)
            return
        self.signal = signum
        print(f"\n{signal.Signals(signum).name} received: {self.doing} (send it again to stop at once)",
              file=sys.stderr, flush=True)

    def _restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}

    def __exit__(self, *exc) -> None:
        self._restore()
        if self in _ACTIVE:
            _ACTIVE.remove(self)

    def requested(self) -> bool:
        """Whether a stop signal arrived."""
        return self.signal is not None

    @property
    def name(self) -> str:
        return signal.Signals(self.signal).name if self.signal is not None else ""


@contextmanager
def stop_requests(doing: str) -> Iterator[StopRequests]:
    """The innermost :class:`StopRequests` in effect (the training loop's, during an in-run evaluation), else a new one
    whose first signal notice says ``doing``: the work inside (the final batch-norm re-estimation) checks it and ends
    early instead of the signal killing the process before the pipeline is saved."""
    if _ACTIVE:
        yield _ACTIVE[-1]
        return
    with StopRequests(doing) as stops:
        yield stops
