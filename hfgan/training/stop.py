"""Orderly stops: SIGTERM or Ctrl-C (SIGINT) during training ends the run after the current step, with a
checkpoint and the pipeline saved, as ``max_train_minutes`` does; ``--resume latest`` continues it. A second signal
interrupts at once (Ctrl-C twice: ``KeyboardInterrupt``)."""

import signal
import sys
import threading
from typing import Dict, Optional

SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT") if hasattr(signal, name))


class StopRequests:
    """A context manager that records the first SIGTERM / SIGINT (``.signal``) instead of dying on it.

    Handlers can only be set from the main thread; elsewhere (a notebook's worker thread, say) nothing changes and
    ``.signal`` stays None.
    """

    def __init__(self) -> None:
        self.signal: Optional[int] = None
        self._previous: Dict[int, object] = {}

    def __enter__(self) -> "StopRequests":
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
        print(f"\n{signal.Signals(signum).name} received: stopping after this step with a checkpoint "
              "(send it again to stop at once)", file=sys.stderr, flush=True)

    def _restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}

    def __exit__(self, *exc) -> None:
        self._restore()

    @property
    def name(self) -> str:
        return signal.Signals(self.signal).name if self.signal is not None else ""
