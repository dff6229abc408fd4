"""Watch a site's sources and rebuild once per burst of changes.

Editors save in many ways: in place, through a temporary file renamed over
the original, with swap and lock files beside it; a `git checkout` touches
dozens of files at once. Events are filtered (editor droppings ignored) and
collected until the sources have been quiet for a short moment, so each
burst gives one rebuild of its final state.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import ObservedWatch
from watchdog.observers.inotify import InotifyObserver
from watchdog.observers.polling import PollingObserver

from digest.live.builder import BuilderDied
from digest.pipeline.session import Rebuild, failed_build

QUIET_SECONDS = 0.03
"""How long the sources must stay unchanged before a rebuild starts.

An editor's save (even through a temporary file renamed over the
original) arrives within a few milliseconds, so a short wait is enough for
it to be one burst. A longer burst (a `git checkout`) may start a build
before it ends; that build's result is then superseded by the next one, and
if it failed on the half-written state it is not reported (see `watch`)."""
POLL_SECONDS = 0.5
"""How often the polling observer looks; its quiet period must be longer."""
MAX_WAIT_SECONDS = 2.0
"""Rebuild anyway after this long, even if events keep coming."""
WATCHED_FOLDERS = ("seeds", "content", "themes")


class LiveBuilder(Protocol):
    """What `watch` needs of a builder: a `SiteBuilder`, or a `BuilderProcess` running one."""

    root: Path

    def build(self, changed: Iterable[str] | None = None, viewed: Iterable[str] = ()) -> Rebuild: ...


def is_editor_noise(name: str) -> bool:
    """Swap, backup, lock and temporary files that editors and tools write beside real ones."""
    return (
        name.startswith((".", "#"))
        or name.endswith(("~", ".swp", ".swx", ".swo", ".tmp", ".part", ".crdownload"))
        or name == "4913"  # vim probes whether it may write a folder with this file
    )


class ChangeCollector(FileSystemEventHandler):
    """Collects relevant changed paths and wakes the rebuild loop.

    ``clock`` tells the time events arrive and batches settle by (seconds; `time.monotonic`): a test's
    own clock makes the coalescing a property of the events' times, not of how busy the machine is."""

    def __init__(self, root: Path, clock: Callable[[], float] = time.monotonic):
        self.root = root
        self._clock = clock
        self._paths: set[str] = set()
        self._writing: set[str] = set()
        """Files written to and not yet closed: a save in place (truncate, then write) that the
        scheduler splits is not built half-written. Only observers that report closes fill it
        (inotify's, see `SourceWatcher`); `MAX_WAIT_SECONDS` bounds the wait for a writer that
        keeps its file open."""
        self.reports_closes = False
        self._last_event = 0.0
        self._first_event = 0.0
        self._condition = threading.Condition()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or (event.is_directory and event.event_type == "modified"):
            return
        paths = [event.src_path, getattr(event, "dest_path", "")]
        inside = [self._relative(p) for p in paths if p and not is_editor_noise(Path(str(p)).name)]
        relevant = [p for p in inside if p is not None]
        if not relevant:
            return
        with self._condition:
            now = self._clock()
            if not self._paths:
                self._first_event = now
            self._paths.update(relevant)
            if self.reports_closes and not event.is_directory:
                if event.event_type == "modified":
                    self._writing.update(relevant)
                else:  # closed, created, deleted, moved: no longer a half-written file of ours to wait for
                    self._writing.difference_update(relevant)
            self._last_event = now
            self._condition.notify_all()

    def _relative(self, path: str | bytes) -> str | None:
        try:
            return Path(str(path if isinstance(path, str) else path.decode())).relative_to(self.root).as_posix()
        except ValueError:
            return None

    def pending(self) -> bool:
        """Whether changes arrived that no batch has taken yet."""
        with self._condition:
            return bool(self._paths)

    def wait_for_batch(self, stop: threading.Event, quiet: float | None = None) -> set[str] | None:
        """Block until a burst of changes has settled; None when asked to stop."""
        quiet = QUIET_SECONDS if quiet is None else quiet
        with self._condition:
            while not self._paths:
                if stop.is_set():
                    return None
                self._condition.wait(0.2)
            while True:
                now = self._clock()
                quiet_left = quiet - (now - self._last_event)
                deadline_left = MAX_WAIT_SECONDS - (now - self._first_event)
                if (quiet_left <= 0 and not self._writing) or deadline_left <= 0 or stop.is_set():
                    batch, self._paths = self._paths, set()
                    self._writing.clear()
                    return batch
                # quiet but a file still open for writing: its close (an event) wakes us, else the deadline
                self._condition.wait(quiet_left if quiet_left > 0 else min(deadline_left, 0.2))


class SourceWatcher:
    """Watches the source folders, including ones created after it started."""

    def __init__(self, root: Path, collector: ChangeCollector, poll: bool = False):
        self.root = root
        self.collector = collector
        self.observer = PollingObserver(timeout=POLL_SECONDS) if poll else Observer()
        collector.reports_closes = isinstance(self.observer, InotifyObserver)
        self._watched: dict[str, tuple[ObservedWatch, int]] = {}
        """Folder name -> (watchdog handle, inode of the folder watched)."""

    def start(self) -> None:
        self.refresh()
        # Folders created later (a first seed, a new theme) appear as events on the root.
        self.observer.schedule(self.collector, str(self.root), recursive=False)
        self.observer.start()

    def refresh(self) -> None:
        """Watch source folders that appeared, or were deleted and made again, since the last look."""
        for name in WATCHED_FOLDERS:
            folder = self.root / name
            try:
                inode = folder.stat().st_ino if folder.is_dir() else None
            except OSError:
                inode = None
            current = self._watched.get(name)
            if current is not None and current[1] != inode:
                try:
                    self.observer.unschedule(current[0])
                except (KeyError, OSError):
                    pass
                del self._watched[name]
                current = None
            if current is None and inode is not None:
                handle = self.observer.schedule(self.collector, str(folder), recursive=True)
                self._watched[name] = (handle, inode)

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=5)


def watch(
    builder: LiveBuilder,
    on_rebuild: Callable[[Rebuild, set[str]], None],
    stop: threading.Event,
    poll: bool = False,
    viewed: Callable[[], Iterable[str]] | None = None,
) -> None:
    """Rebuild after every burst of changes until ``stop`` is set. ``viewed``: the output paths of the pages
    open in a browser when a build starts (`digest serve`'s), which each build makes first."""
    collector = ChangeCollector(builder.root)
    watcher = SourceWatcher(builder.root, collector, poll)
    watcher.start()
    quiet = max(QUIET_SECONDS, POLL_SECONDS * 1.5) if poll else None
    unreported: set[str] = set()
    try:
        while not stop.is_set():
            batch = collector.wait_for_batch(stop, quiet)
            if batch is None:
                break
            watcher.refresh()
            relevant = {p for p in batch if p.split("/", 1)[0] in WATCHED_FOLDERS}
            if not relevant:
                continue
            unreported |= relevant
            result = safe_build(builder, relevant, viewed() if viewed is not None else ())
            if not result.ok and collector.pending():
                continue  # more changes came during the build: judge the state they leave instead
            on_rebuild(result, _worth_naming(builder.root, unreported))
            unreported = set()
    finally:
        watcher.stop()


def _worth_naming(root: Path, paths: set[str]) -> set[str]:
    """Changed paths to show the editor: drop folders and temporary files that are gone."""
    named = {p for p in paths if (root / p).is_file() or Path(p).suffix in (".yaml", ".yml", ".txt", ".md", ".html", ".css", ".js")}
    return named or paths


def safe_build(builder: LiveBuilder, changed: set[str] | None = None, viewed: Iterable[str] = ()) -> Rebuild:
    """A build that reports even an unexpected crash as an error, so the watcher lives on.

    Only the end of the builder process is not a failed build: nothing would build the next one."""
    try:
        return builder.build(changed, viewed)
    except BuilderDied:
        raise
    except Exception as exc:  # a bug, an I/O failure, a full disk: keep serving the last good site
        return failed_build(exc)
